/**
 * The tenant's management routes: its Brevo key, its connections (list, connect by token, status,
 * test, sync now, a run, disconnect). api.ts authenticates the tenant API key and hands over the
 * tenant of the path; nothing here reads a tenant from a body. Each route declares its body and
 * answers (core/http/route-spec.ts: the router checks the body, the OpenAPI document says both),
 * calls the service that does the work (the CLI calls the same services in process), and answers JSON.
 */
import { z } from 'zod';
import { connectorOf, isPlatformConnector, resolvablePlatformConnectors, resolveConnection } from '../connectors';
import { notionStatusAnswerSchema } from '../connectors/notion/sdk-api';
import { RequestRefusedError } from '../core/errors';
import type { ApiRequest, ApiResponse } from '../core/http/api-types';
import { type ApiRoute, apiRoute } from '../core/http/route-spec';
import type { ConnectorName, RunRecord } from '../core/ports';
import { isRunId } from '../core/runs/summary';
import { brevoKeyBodySchema, connectBrevo, disconnectBrevo } from '../core/tenancy/tenants';
import { connectWithToken } from './connect-token';
import { listConnections } from './connection-list';
import { testStoredConnection } from './connection-test';
import { disconnectConnector } from './disconnect';
import {
  brevoConnectionSchema,
  connectionListingSchema,
  connectionStatusSchema,
  connectionTestSchema,
  connectResultSchema,
  disconnectReportSchema,
  queuedSyncSchema,
  runViewSchema,
} from './openapi/schemas';
import { connectorStatus } from './status';

export const syncBodySchema = z
  .strictObject({
    full: z.boolean().optional(),
    /** The same as `full` (the SDK's `connectors.sync(name, {type})`). */
    type: z.enum(['full', 'incremental']).optional(),
    /** Notion: abandon an unfinished run (failed or stopped) and start over; by default it is resumed. */
    restart: z.boolean().optional(),
    /** Notion: the workspace users sync instead of the databases. */
    job: z.literal('users').optional(),
    /** Only these resources (a definition's resources); the connector refuses one it does not have. */
    resources: z.array(z.string().min(1)).min(1).optional(),
    /** Notion: only this database of the connection. */
    databaseId: z.string().min(1).optional(),
    /** The Brevo list the contacts join instead of the configured one. */
    targetList: z.number().int().positive().optional(),
  })
  .refine((b) => b.full === undefined || b.type === undefined || b.full === (b.type === 'full'), {
    message: 'full and type disagree: give one of them',
    path: ['type'],
  })
  .meta({ id: 'SyncBody' });

export const testBodySchema = z
  .strictObject({
    /** Notion: allow the page-creation check (it creates a row in the first database and trashes it). */
    createPage: z.boolean().optional(),
  })
  .meta({ id: 'TestBody' });

/**
 * A connector's config section as JSON, snake_case keys as in tajo.yaml (token, bot_token, shop_url...):
 * the connector's section schema checks it (a 400 with each key's path), the router only requires JSON.
 */
const connectBody = z.record(z.string(), z.unknown()).meta({
  id: 'ConnectBody',
  description: "The connector's config section (connectors.<name> of tajo.yaml) as JSON, its tokens included",
});

const TAG = 'Connections';
const CONNECTION = '/tenants/{tenantId}/connections/{connector}';

export const managementRoutes: ApiRoute[] = [
  apiRoute({
    method: 'GET',
    path: '/tenants/{tenantId}/connections',
    operationId: 'listConnections',
    summary: "The tenant's Brevo account and every connector, connected or not",
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: connectionListingSchema },
    handler: async (deps, _req, tenantId) => ok(await listConnections(deps, tenantId)),
  }),
  apiRoute({
    method: 'PUT',
    path: '/tenants/{tenantId}/brevo',
    operationId: 'connectBrevo',
    summary: "Store the tenant's Brevo API key (checked against the account first)",
    tag: TAG,
    auth: 'tenantApiKey',
    // connectBrevo checks the fields (a ConfigError with their paths); the router only requires JSON.
    body: { schema: z.unknown(), required: true, documented: brevoKeyBodySchema.meta({ id: 'BrevoKeyBody' }) },
    answers: { 200: brevoConnectionSchema },
    handler: async (deps, _req, tenantId, body) =>
      ok(await connectBrevo({ ...deps, brevoBaseUrl: deps.endpoints.brevoBaseUrl }, tenantId, body)),
  }),
  apiRoute({
    method: 'DELETE',
    path: '/tenants/{tenantId}/brevo',
    operationId: 'disconnectBrevo',
    summary: "Remove the tenant's Brevo key (refused while a connection writes with it)",
    tag: TAG,
    auth: 'tenantApiKey',
    answers: {
      200: z.strictObject({ tenantId: z.string(), connector: z.literal('brevo'), removed: z.array(z.string()) }),
    },
    handler: async (deps, _req, tenantId) => ok(await disconnectBrevo(deps, tenantId)),
  }),
  apiRoute({
    method: 'PUT',
    path: CONNECTION,
    operationId: 'connectConnector',
    summary: "Connect by token: the connector's config section as JSON (checked before storing)",
    tag: TAG,
    auth: 'tenantApiKey',
    body: { schema: z.unknown(), required: true, documented: connectBody },
    answers: { 200: connectResultSchema },
    handler: async (deps, req, tenantId, body) =>
      ok(await connectWithToken(deps, tenantId, connectorOfPath(req), body)),
  }),
  apiRoute({
    method: 'DELETE',
    path: CONNECTION,
    operationId: 'disconnectConnector',
    summary: 'Disconnect: delete its secrets, schedule, team claims and record; says what was removed',
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: disconnectReportSchema },
    handler: async (deps, req, tenantId) => ok(await disconnectConnector(deps, tenantId, connectorOfPath(req))),
  }),
  apiRoute({
    method: 'GET',
    path: `${CONNECTION}/status`,
    operationId: 'connectorStatus',
    summary: 'Connection status: connected, last sync and its errors, what it tracks, next run',
    tag: TAG,
    auth: 'tenantApiKey',
    // Notion's named (the SDK's status('notion') is typed by it); any other connector's is open.
    answers: { 200: z.union([notionStatusAnswerSchema, connectionStatusSchema]) },
    handler: async (deps, req, tenantId) => ok(await connectorStatus(deps, tenantId, connectorOfPath(req))),
  }),
  apiRoute({
    method: 'POST',
    path: `${CONNECTION}/test`,
    operationId: 'testConnector',
    summary: "Run the connection's checks with its stored tokens",
    tag: TAG,
    auth: 'tenantApiKey',
    body: { schema: testBodySchema },
    answers: { 200: connectionTestSchema },
    handler: async (deps, req, tenantId, body) => {
      const connector = connectorOfPath(req);
      return ok(
        await testStoredConnection(deps, tenantId, connector, {
          createPage: body.createPage,
          eventsUrl: ownEventsUrl(req, tenantId, connectorOf(connector).eventsPath),
        }),
      );
    },
  }),
  apiRoute({
    method: 'POST',
    path: `${CONNECTION}/sync`,
    operationId: 'syncConnector',
    summary: 'Start a sync now (full or incremental, narrowed to resources, a database or a target list)',
    tag: TAG,
    auth: 'tenantApiKey',
    body: { schema: syncBodySchema },
    answers: { 202: queuedSyncSchema },
    handler: async (deps, req, tenantId, body) => {
      const connector = connectorOfPath(req);
      const { sync, syncRefusal } = resolveConnection(connector);
      if (!sync) {
        const refusal = syncRefusal ?? `${connectorOf(connector).label} has no sync to queue from the API`;
        throw new RequestRefusedError(409, refusal, 'not_queueable');
      }
      const mode = body.full || body.type === 'full' ? 'full' : 'incremental';
      const { resources, databaseId, targetList } = body;
      const scope = { ...(resources ? { resources } : {}), ...(databaseId ? { databaseId } : {}) };
      const scoped = { ...scope, ...(targetList ? { targetList } : {}) };
      const res = await sync(deps, {
        tenantId,
        mode,
        trigger: 'api',
        ...(body.restart ? { restart: true } : {}),
        ...(body.job ? { job: body.job } : {}),
        ...(Object.keys(scoped).length > 0 ? { scope: scoped } : {}),
      });
      // Every sync hook names the run it queued (the answer's runId is what a caller follows).
      if (!res.queued || res.runId === undefined) {
        const error = res.reason ?? `${connector}: the sync was not queued, try again`;
        // The hooks answer why in words; a missing connection has its own code (not_connected).
        const missing = !(await deps.connections.getConnection(tenantId, connector));
        return { status: 409, body: { error, code: missing ? 'not_connected' : 'conflict' } };
      }
      return {
        status: 202,
        body: { queued: true, mode, ...(body.job ? { job: body.job } : {}), runId: res.runId },
      };
    },
  }),
  apiRoute({
    method: 'GET',
    path: `${CONNECTION}/runs/{runId}`,
    operationId: 'getRun',
    summary: 'One run of the connection (a sync, an import): its state, counts and error',
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: runViewSchema },
    handler: async (deps, req, tenantId) => {
      const connector = connectorOfPath(req);
      const runId = req.pathParameters.runId ?? '';
      const run = isRunId(runId) ? await deps.runs.getRun(tenantId, connector, runId) : undefined;
      if (!run) return { status: 404, body: { error: `no run ${runId} of ${connectorOf(connector).label}` } };
      return ok(runView(run));
    },
  }),
];

/** The run record as the API shows it: not its tenant, checkpoint nor owner (internal). */
function runView(run: RunRecord) {
  const { tenantId: _t, checkpoint: _c, owner: _o, ...view } = run;
  return view;
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

/** The connector of the path; any other name is 404 (as a route that does not exist). */
function connectorOfPath(req: ApiRequest): ConnectorName {
  const name = req.pathParameters.connector;
  if (isPlatformConnector(name)) return name;
  const known = resolvablePlatformConnectors()
    .map((c) => c.name)
    .join(', ');
  throw new RequestRefusedError(404, `unknown connector ${name} (${known})`, 'not_found');
}

/**
 * This deployment's events URL for the tenant (Slack's), from the request's own host (API Gateway
 * sets X-Forwarded-Proto): the Slack test sends it a signed url_verification. Never a URL from the
 * body, so the API cannot be pointed at another host. None for a connector without an events path.
 */
function ownEventsUrl(req: ApiRequest, tenantId: string, eventsPath: string | undefined): string | undefined {
  const host = req.headers.host ?? req.headers.Host;
  if (!host || !eventsPath) return undefined;
  const proto = req.headers['x-forwarded-proto'] ?? 'https';
  return `${proto}://${host}${eventsPath.replace('{tenantId}', encodeURIComponent(tenantId))}`;
}
