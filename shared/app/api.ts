/**
 * The management API, independent of API Gateway: a route key from the topology, path
 * parameters, headers and the raw body in; a status and a JSON body out. A tenant route's tenant
 * always comes from the path and must match the API key; the body never names it (GET /me, the one
 * route without a tenant in its path, answers the key's own tenant).
 *
 * Each route is declared once with its schemas (core/http/route-spec.ts); the OpenAPI document
 * (GET /openapi.json, docs/openapi.json) is generated from this list. A part's routes written as
 * `Record<string, Operation>` join it with `...routesOf(operations, { 'METHOD /path':
 * tenantOperation(operationId, tag, summary, bodySchema, { 200: answerSchema }) })`.
 */

import { z } from 'zod';
import { withTenantConnector } from '../connectors';
import { notionRoutes } from '../connectors/notion/api';
import {
  notionCreatePageAnswerSchema,
  notionCreatePageBodySchema,
  notionQueryAnswerSchema,
  notionQueryBodySchema,
  notionSdkOperations,
} from '../connectors/notion/sdk-api';
import {
  SLACK_NOTIFY_ROUTE_KEY,
  slackNotifyAnswerSchema,
  slackNotifyBodySchema,
  slackNotifyOperations,
} from '../connectors/slack/notify-api';
import {
  ConfigError,
  ProviderError,
  RateLimitedError,
  RequestRefusedError,
  UnreachableError,
  WorkspaceClaimedError,
} from '../core/errors';
import { sameHexDigest } from '../core/hash';
import type { ApiDeps, ApiRequest, ApiResponse } from '../core/http/api-types';
import { bearerToken } from '../core/http/headers';
import {
  type ApiRoute,
  answerMismatch,
  apiRoute,
  bodyOf,
  routeKeyOf,
  routesOf,
  tenantOperation,
} from '../core/http/route-spec';
import type { TenantRecord, TenantStore } from '../core/ports';
import { hashApiKey } from '../core/tenancy/tenants';
import { tenantDefinition } from './definitions';
import {
  createdEventEndpointSchema,
  createEventEndpointBody,
  deletedEventEndpointSchema,
  eventEndpointListSchema,
  eventEndpointOperations,
} from './event-endpoints-api';
import { managementRoutes } from './management';
import { openApiDocument } from './openapi/document';
import { healthSchema } from './openapi/schemas';
import { skillApiRoutes } from './skills-api';
import { topology } from './topology';

/** The service's own routes: no tenant in the path. */
const serviceRoutes: ApiRoute[] = [
  // Unauthenticated: the service is up (200 whatever the providers do) and which provider is down,
  // why and since when it was checked; no tenant, token or secret in it.
  apiRoute({
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Liveness, and whether each provider answers (cached)',
    tag: 'Service',
    auth: 'none',
    answers: { 200: healthSchema },
    handler: async (deps) => ({
      status: 200,
      body: deps.health ? await deps.health() : { ok: true, service: 'tajo-connectors' },
    }),
  }),
  apiRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tag: 'Service',
    auth: 'none',
    answers: { 200: z.record(z.string(), z.unknown()).meta({ description: 'The OpenAPI 3.1 document' }) },
    handler: async () => ({ status: 200, body: openApiDocument(apiRoutes) }),
  }),
  apiRoute({
    method: 'GET',
    path: '/me',
    operationId: 'getMe',
    summary: 'The tenant whose API key the bearer is',
    tag: 'Service',
    auth: 'apiKey',
    answers: { 200: z.strictObject({ tenantId: z.string() }).meta({ id: 'Me' }) },
    handler: async (_deps, _req, tenantId) => ({ status: 200, body: { tenantId } }),
  }),
];

/** Every route the API function serves, each declared once with its schemas (core/http/route-spec.ts). */
export const apiRoutes: ApiRoute[] = [
  ...serviceRoutes,
  // The Brevo key, connections (connect, status, test, sync now, runs, disconnect).
  ...managementRoutes,
  // Skills and registered connector definitions.
  ...skillApiRoutes,
  // Document library (import, documents, re-sync) and the Notion webhook's verification token.
  ...notionRoutes,
  // The SDK's Notion calls: a database's rows, a new page (paced with the lane).
  ...routesOf(notionSdkOperations, {
    'POST /tenants/{tenantId}/connections/notion/query': tenantOperation(
      'queryNotion',
      'Notion',
      "One page of a Notion database's rows (Notion's filter and sorts)",
      notionQueryBodySchema,
      { 200: notionQueryAnswerSchema },
    ),
    'POST /tenants/{tenantId}/connections/notion/pages': tenantOperation(
      'createNotionPage',
      'Notion',
      'A new page in a Notion database (409 on a read-only connection)',
      notionCreatePageBodySchema,
      { 201: notionCreatePageAnswerSchema },
    ),
  }),
  // Slack notifications from the SDK (tajo.slack.notify).
  ...routesOf(slackNotifyOperations, {
    [SLACK_NOTIFY_ROUTE_KEY]: tenantOperation(
      'notifySlack',
      'Slack',
      'Post a notification through the Slack lane (Block Kit validated with paths)',
      slackNotifyBodySchema,
      { 202: slackNotifyAnswerSchema },
    ),
  }),
  // The tenant's event endpoints (tajo.events.on): signed deliveries of its events.
  ...routesOf(eventEndpointOperations, {
    'POST /tenants/{tenantId}/event-endpoints': tenantOperation(
      'createEventEndpoint',
      'Events',
      "Register an HTTPS endpoint for the tenant's events; answers its signing secret once",
      createEventEndpointBody,
      { 201: createdEventEndpointSchema },
    ),
    'GET /tenants/{tenantId}/event-endpoints': tenantOperation(
      'listEventEndpoints',
      'Events',
      "The tenant's event endpoints (never their secrets)",
      undefined,
      { 200: eventEndpointListSchema },
    ),
    'DELETE /tenants/{tenantId}/event-endpoints/{endpointId}': tenantOperation(
      'deleteEventEndpoint',
      'Events',
      'Delete an event endpoint and its secret',
      undefined,
      { 200: deletedEventEndpointSchema },
    ),
  }),
];

const routesByKey = new Map(apiRoutes.map((r) => [routeKeyOf(r), r]));

/** Route keys the API function must serve, from the topology (tests hold the two together). */
export function apiRouteKeys(): string[] {
  return topology.routes.filter((r) => r.function === 'api').map((r) => `${r.method} ${r.path}`);
}

export function servedRouteKeys(): string[] {
  return [...routesByKey.keys()];
}

export async function handleApiRequest(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const served = topology.routes.some((r) => `${r.method} ${r.path}` === req.routeKey);
  const route = routesByKey.get(req.routeKey);
  if (!served || !route) return notFound('no such route');
  const res = withRefusalCode(await answer(deps, req, route));
  // Under tests an answer its schema does not describe fails the test (the document would lie).
  if (process.env.NODE_ENV === 'test') {
    const mismatch = answerMismatch(route, res);
    if (mismatch) throw new Error(mismatch);
  }
  return res;
}

async function answer(deps: ApiDeps, req: ApiRequest, route: ApiRoute): Promise<ApiResponse> {
  if (route.auth === 'none') return route.handler(deps, req, '', undefined);
  const auth =
    route.auth === 'apiKey' ? await authorizeKey(deps.tenants, req) : await authorizeTenant(deps.tenants, req);
  if ('status' in auth) return auth;
  try {
    const body = bodyOf(route, req);
    // A connector in the path may be the tenant's own registered definition (its scope only).
    const registered = (t: string, n: string) => tenantDefinition(deps, t, n);
    return await withTenantConnector(auth.tenantId, req.pathParameters.connector, registered, () =>
      route.handler(deps, req, auth.tenantId, body),
    );
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) return refusal;
    throw err;
  }
}

/** The tenant whose API key the bearer is (GET /me): found by the key's hash. */
async function authorizeKey(tenants: TenantStore, req: Pick<ApiRequest, 'headers'>) {
  const key = bearerToken(req.headers);
  if (!key) return missingKey();
  const tenant = await tenants.findTenantByApiKeyHash(hashApiKey(key));
  return tenant ? { tenantId: tenant.tenantId } : notFound(UNKNOWN_KEY_REASON_ME);
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
  const key = bearerToken(req.headers);
  if (!key) return missingKey();
  const tenant = await tenants.getTenant(tenantId);
  // An unknown tenant and a key of another tenant look the same: nothing about B leaks to A.
  if (!tenant || !sameHexDigest(tenant.apiKeyHash, hashApiKey(key))) return notFound(UNKNOWN_KEY_REASON);
  await indexKeyOnce(tenants, tenant);
  return { tenantId };
}

/**
 * The answer for an error a person can act on; undefined for anything else (a bug or an outage:
 * the function fails, and its log has the stack). Messages never hold tokens (errors.ts).
 */
function refusalOf(err: unknown): ApiResponse | undefined {
  // A section refused field by field (its issues): the SDK's code for it.
  if (err instanceof ConfigError)
    return { status: 400, body: { error: err.message, code: 'invalid_request', issues: err.issues } };
  if (err instanceof RequestRefusedError)
    // The default kind says nothing more than the status: the status's code then.
    return {
      status: err.status,
      body: {
        error: err.message,
        code: err.kind === 'refused' ? codeOf(err.status) : err.kind,
        ...(err.issues ? { issues: err.issues } : {}),
      },
    };
  if (err instanceof WorkspaceClaimedError) return { status: 409, body: { error: err.message, code: err.kind } };
  if (err instanceof RateLimitedError) {
    const seconds = Math.ceil(err.retryAfterMs / 1000);
    return {
      status: 503,
      body: { error: err.message, code: err.kind, retryAfterSeconds: seconds },
      headers: { 'retry-after': String(seconds) },
    };
  }
  if (err instanceof UnreachableError || err instanceof ProviderError)
    return { status: 502, body: { error: err.message, code: err.kind } };
  return undefined;
}

/** The machine code of a refusal that names none, by its status (the SDK's TajoError.code reads it). */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'provider_error',
  503: 'unavailable',
};
const codeOf = (status: number) => CODE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'refused');

/** Every refusal carries a `code` (ApiError): the handler's own, or its status's. */
function withRefusalCode(res: ApiResponse): ApiResponse {
  const body = res.body as { error?: unknown; code?: unknown } | undefined;
  if (res.status < 400 || typeof body?.error !== 'string' || typeof body.code === 'string') return res;
  return { ...res, body: { ...body, code: codeOf(res.status) } };
}

/**
 * A tenant created before keys were indexed by hash gets its index item the first time its key
 * authenticates (GET /me finds it from then on); once per tenant and key in a process.
 */
const indexedKeys = new Set<string>();
async function indexKeyOnce(tenants: TenantStore, tenant: TenantRecord): Promise<void> {
  const seen = `${tenant.tenantId} ${tenant.apiKeyHash}`;
  if (indexedKeys.has(seen)) return;
  await tenants.indexApiKey(tenant);
  indexedKeys.add(seen);
}

function missingKey(): ApiResponse {
  return { status: 401, body: { error: 'missing API key (Authorization: Bearer <key>)', code: 'unauthorized' } };
}

/**
 * The refusal of a key no tenant has, or of another tenant's key on this tenant's path: one reason,
 * the same bytes whatever the path's tenant, so nothing says whether that tenant exists.
 */
export const UNKNOWN_KEY_REASON =
  'not found: no such tenant for this API key (check the key and the tenant in the path)';
/** GET /me's, for a key no tenant has. */
export const UNKNOWN_KEY_REASON_ME = 'not found: no tenant has this API key (check the key)';

function notFound(error: string): ApiResponse {
  return { status: 404, body: { error, code: 'not_found' } };
}
