/**
 * The management API, independent of API Gateway: a route key from the topology, path
 * parameters, headers and the raw body in; a status and a JSON body out. The tenant always comes
 * from the path and must match the API key; the body never names it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { formatPath } from '../config/path';
import type { DocumentStore, ImportedDocumentStore } from '../documents/ports';
import type {
  Clock,
  ConnectionStore,
  LaneQueue,
  NotionWebhookStore,
  RunStore,
  SecretStore,
  TenantStore,
} from '../ports';
import { topology } from '../topology';
import { notionOperations } from './notion-api';
import { enqueueNotionSync } from './notion-lane';
import { notionStatus } from './status';

export interface ApiRequest {
  routeKey: string;
  pathParameters: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface ApiDeps {
  tenants: TenantStore;
  connections: ConnectionStore;
  runs: RunStore;
  lane: LaneQueue;
  clock: Clock;
  /** The document library (imported Notion pages) and their records. */
  documents: DocumentStore;
  imported: ImportedDocumentStore;
  /** Notion webhook subscription state; the secret store holds its pending verification token. */
  webhooks: NotionWebhookStore;
  secrets: SecretStore;
}

export type Operation = (deps: ApiDeps, req: ApiRequest, tenantId: string) => Promise<ApiResponse>;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new management API key: shown once to whoever creates the tenant, stored only as a hash. */
export function newApiKey(): string {
  return `tajo_${randomBytes(24).toString('base64url')}`;
}

const syncBody = z.strictObject({ full: z.boolean().optional() }).default({});

/** The request's JSON body through a schema (an empty body is `{}`), or the 400 to answer. */
export function parseJsonBody<S extends z.ZodType>(
  body: string | undefined,
  schema: S,
): { ok: true; data: z.output<S> } | { ok: false; response: ApiResponse } {
  let raw: unknown = {};
  if (body?.trim()) {
    try {
      raw = JSON.parse(body);
    } catch {
      return { ok: false, response: { status: 400, body: { error: 'the body is not JSON' } } };
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const error = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message))
      .join('; ');
    return { ok: false, response: { status: 400, body: { error } } };
  }
  return { ok: true, data: parsed.data };
}

const operations: Record<string, Operation | ((deps: ApiDeps) => Promise<ApiResponse>)> = {
  'GET /health': async () => ({ status: 200, body: { ok: true, service: 'tajo-connectors' } }),

  'POST /tenants/{tenantId}/connections/{connector}/sync': async (deps, req, tenantId) => {
    if (req.pathParameters.connector !== 'notion') return notFound(`unknown connector ${req.pathParameters.connector}`);
    const body = parseJsonBody(req.body, syncBody);
    if (!body.ok) return body.response;
    const res = await enqueueNotionSync(deps, {
      tenantId,
      mode: body.data.full ? 'full' : 'incremental',
      trigger: 'api',
    });
    if (!res.queued) return { status: 409, body: { error: res.reason } };
    return { status: 202, body: { queued: true, mode: body.data.full ? 'full' : 'incremental' } };
  },

  'GET /tenants/{tenantId}/connections/{connector}/status': async (deps, req, tenantId) => {
    if (req.pathParameters.connector !== 'notion') return notFound(`unknown connector ${req.pathParameters.connector}`);
    const conn = await deps.connections.getConnection(tenantId, 'notion');
    if (!conn) return notFound('no Notion connection');
    const status = await notionStatus(deps.runs, tenantId, conn.settings, deps);
    return { status: 200, body: { ...status, connected: true } };
  },

  // Document library (import, documents, re-sync) and the Notion webhook's verification token.
  ...notionOperations,
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
  return (op as Operation)(deps, req, auth.tenantId);
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
  if (!tenant || !sameHash(tenant.apiKeyHash, hashApiKey(key))) return notFound('not found');
  return { tenantId };
}

function bearer(headers: Record<string, string | undefined>): string | undefined {
  const h = headers.authorization ?? headers.Authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function notFound(error: string): ApiResponse {
  return { status: 404, body: { error } };
}
