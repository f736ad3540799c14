/**
 * The tenant's management routes: its Brevo key, its connections (list, connect by token, status,
 * test, sync now, disconnect). api.ts authenticates the tenant API key and hands over the tenant
 * of the path; nothing here reads a tenant from a body. Each route parses its body, calls the
 * service that does the work (the CLI calls the same services in process), and answers JSON.
 */
import { z } from 'zod';
import { connectorOf, isPlatformConnector, resolvablePlatformConnectors, resolveConnection } from '../connectors';
import { RequestRefusedError } from '../core/errors';
import type { ApiDeps, ApiRequest, ApiResponse } from '../core/http/api-types';
import { readJsonBody } from '../core/http/request-body';
import type { ConnectorName } from '../core/ports';
import { connectBrevo, disconnectBrevo } from '../core/tenancy/tenants';
import { connectWithToken } from './connect-token';
import { listConnections } from './connection-list';
import { testStoredConnection } from './connection-test';
import { disconnectConnector } from './disconnect';
import { connectorStatus } from './status';

type TenantOperation = (deps: ApiDeps, req: ApiRequest, tenantId: string) => Promise<ApiResponse>;

const syncBody = z.strictObject({
  full: z.boolean().optional(),
  /** Notion: abandon an unfinished run (failed or stopped) and start over; by default it is resumed. */
  restart: z.boolean().optional(),
  /** Notion: the workspace users sync instead of the databases. */
  job: z.literal('users').optional(),
});
const testBody = z.strictObject({
  /** Notion: allow the page-creation check (it creates a row in the first database and trashes it). */
  createPage: z.boolean().optional(),
});

export const managementOperations: Record<string, TenantOperation> = {
  'GET /tenants/{tenantId}/connections': async (deps, _req, tenantId) => ok(await listConnections(deps, tenantId)),

  'PUT /tenants/{tenantId}/brevo': async (deps, req, tenantId) =>
    ok(
      await connectBrevo(
        { ...deps, brevoBaseUrl: deps.endpoints.brevoBaseUrl },
        tenantId,
        readJsonBody(req.body, z.unknown(), { required: true }),
      ),
    ),

  'DELETE /tenants/{tenantId}/brevo': async (deps, _req, tenantId) => ok(await disconnectBrevo(deps, tenantId)),

  'PUT /tenants/{tenantId}/connections/{connector}': async (deps, req, tenantId) => {
    const connector = connectorOfPath(req);
    const body = readJsonBody(req.body, z.unknown(), { required: true });
    return ok(await connectWithToken(deps, tenantId, connector, body));
  },

  'DELETE /tenants/{tenantId}/connections/{connector}': async (deps, req, tenantId) =>
    ok(await disconnectConnector(deps, tenantId, connectorOfPath(req))),

  'GET /tenants/{tenantId}/connections/{connector}/status': async (deps, req, tenantId) =>
    ok(await connectorStatus(deps, tenantId, connectorOfPath(req))),

  'POST /tenants/{tenantId}/connections/{connector}/test': async (deps, req, tenantId) => {
    const connector = connectorOfPath(req);
    const body = readJsonBody(req.body, testBody);
    return ok(
      await testStoredConnection(deps, tenantId, connector, {
        createPage: body.createPage,
        eventsUrl: ownEventsUrl(req, tenantId, connectorOf(connector).eventsPath),
      }),
    );
  },

  'POST /tenants/{tenantId}/connections/{connector}/sync': async (deps, req, tenantId) => {
    const connector = connectorOfPath(req);
    const body = readJsonBody(req.body, syncBody);
    const { sync, syncRefusal } = resolveConnection(connector);
    if (!sync) {
      const refusal = syncRefusal ?? `${connectorOf(connector).label} has no sync to queue from the API`;
      throw new RequestRefusedError(409, refusal, 'not_queueable');
    }
    const mode = body.full ? 'full' : 'incremental';
    const res = await sync(deps, {
      tenantId,
      mode,
      trigger: 'api',
      ...(body.restart ? { restart: true } : {}),
      ...(body.job ? { job: body.job } : {}),
    });
    if (!res.queued) return { status: 409, body: { error: res.reason } };
    return {
      status: 202,
      body: { queued: true, mode, ...(body.job ? { job: body.job } : {}), runId: res.runId },
    };
  },
};

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
