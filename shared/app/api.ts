/**
 * The management API, independent of API Gateway: a route key from the topology, path
 * parameters, headers and the raw body in; a status and a JSON body out. The tenant always comes
 * from the path and must match the API key; the body never names it.
 */

import { withTenantConnector } from '../connectors';
import { notionOperations } from '../connectors/notion/api';
import {
  ConfigError,
  ProviderError,
  RateLimitedError,
  RequestRefusedError,
  UnreachableError,
  WorkspaceClaimedError,
} from '../core/errors';
import { sameHexDigest } from '../core/hash';
import type { ApiDeps, ApiRequest, ApiResponse, Operation } from '../core/http/api-types';
import type { TenantStore } from '../core/ports';
import { hashApiKey } from '../core/tenancy/tenants';
import { tenantDefinition } from './definitions';
import { eventEndpointOperations } from './event-endpoints-api';
import { managementOperations } from './management';
import { skillOperations } from './skills-api';
import { topology } from './topology';

const operations: Record<string, Operation | ((deps: ApiDeps) => Promise<ApiResponse>)> = {
  // Unauthenticated: the service is up (200 whatever the providers do) and which provider is down,
  // why and since when it was checked; no tenant, token or secret in it.
  'GET /health': async (deps: ApiDeps) => ({
    status: 200,
    body: deps.health ? await deps.health() : { ok: true, service: 'tajo-connectors' },
  }),
  ...managementOperations,
  // Skills and registered connector definitions.
  ...skillOperations,
  // Document library (import, documents, re-sync) and the Notion webhook's verification token.
  ...notionOperations,
  // The tenant's event endpoints (issue 15: tajo.events.on).
  ...eventEndpointOperations,
};

/** Route keys the API function must serve, from the topology (tests hold the two together). */
export function apiRouteKeys(): string[] {
  return topology.routes.filter((r) => r.function === 'api').map((r) => `${r.method} ${r.path}`);
}

export function servedRouteKeys(): string[] {
  return Object.keys(operations);
}

export async function handleApiRequest(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const route = topology.routes.find((r) => `${r.method} ${r.path}` === req.routeKey);
  const op = operations[req.routeKey];
  if (!route || !op) return notFound('no such route');
  if (route.auth === 'none') return (op as (deps: ApiDeps) => Promise<ApiResponse>)(deps);
  const auth = await authorizeTenant(deps.tenants, req);
  if ('status' in auth) return auth;
  try {
    // A connector in the path may be the tenant's own registered definition (its scope only).
    const registered = (t: string, n: string) => tenantDefinition(deps, t, n);
    return await withTenantConnector(auth.tenantId, req.pathParameters.connector, registered, () =>
      (op as Operation)(deps, req, auth.tenantId),
    );
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) return refusal;
    throw err;
  }
}

/**
 * The tenant a management request (`tenantApiKey` route) acts for: the path's tenant, when the
 * bearer key is that tenant's; otherwise the refusal to answer.
 */
export async function authorizeTenant(
  tenants: TenantStore,
  req: Pick<ApiRequest, 'pathParameters' | 'headers'>,
): Promise<{ tenantId: string } | ApiResponse> {
  const tenantId = req.pathParameters.tenantId;
  if (!tenantId) return notFound('no tenant in the path');
  const key = bearer(req.headers);
  if (!key) return { status: 401, body: { error: 'missing API key (Authorization: Bearer <key>)' } };
  const tenant = await tenants.getTenant(tenantId);
  // An unknown tenant and a key of another tenant look the same: nothing about B leaks to A.
  if (!tenant || !sameHexDigest(tenant.apiKeyHash, hashApiKey(key))) return notFound('not found');
  return { tenantId };
}

/**
 * The answer for an error a person can act on; undefined for anything else (a bug or an outage:
 * the function fails, and its log has the stack). Messages never hold tokens (errors.ts).
 */
function refusalOf(err: unknown): ApiResponse | undefined {
  if (err instanceof ConfigError) return { status: 400, body: { error: err.message, issues: err.issues } };
  if (err instanceof RequestRefusedError) return { status: err.status, body: { error: err.message } };
  if (err instanceof WorkspaceClaimedError) return { status: 409, body: { error: err.message } };
  if (err instanceof RateLimitedError) {
    return { status: 503, body: { error: err.message, retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) } };
  }
  if (err instanceof UnreachableError || err instanceof ProviderError)
    return { status: 502, body: { error: err.message } };
  return undefined;
}

function bearer(headers: Record<string, string | undefined>): string | undefined {
  const h = headers.authorization ?? headers.Authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

function notFound(error: string): ApiResponse {
  return { status: 404, body: { error } };
}
