/**
 * The connection function's routes (topology function `connection`): the management route that
 * starts an OAuth install (tenant API key) and the providers' redirects back (`GET
 * /oauth/{connector}/callback`, authenticated by the single-use state), which answer the admin's
 * browser with a small HTML page.
 */
import { escapeHtml } from '../connectors/notion/content/inline-html';
import type { ConnectorName, TenantStore } from '../core/ports';
import { authorizeTenant } from './api';
import { completeOAuthInstall, type InstallPage, startOAuthInstall } from './oauth-install';
import type { OAuthInstallDeps } from './oauth-install-steps';
import { topology } from './topology';

export interface ConnectionRequest {
  routeKey: string;
  pathParameters: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ConnectionRouteDeps = OAuthInstallDeps & { tenants: TenantStore };

const CALLBACKS: Record<string, ConnectorName> = {
  'GET /oauth/notion/callback': 'notion',
  'GET /oauth/slack/callback': 'slack',
};
/** Any other connector's (a definition's, `auth: oauth2`): API Gateway prefers the literal ones above. */
const DEFINITION_CALLBACK = 'GET /oauth/{connector}/callback';
const START = 'POST /tenants/{tenantId}/connections/{connector}/oauth';

/** Route keys the connection function must serve, from the topology (tests hold the two together). */
export function connectionRouteKeys(): string[] {
  return topology.routes.filter((r) => r.function === 'connection').map((r) => `${r.method} ${r.path}`);
}

export function servedConnectionRouteKeys(): string[] {
  return [START, ...Object.keys(CALLBACKS), DEFINITION_CALLBACK];
}

export async function handleConnectionRequest(deps: ConnectionRouteDeps, req: ConnectionRequest): Promise<HttpAnswer> {
  const connector = CALLBACKS[req.routeKey] ?? (req.routeKey === DEFINITION_CALLBACK ? definitionName(req) : undefined);
  if (connector) return htmlPage(await completeOAuthInstall(deps, connector, req.query));
  if (req.routeKey === DEFINITION_CALLBACK) return json(404, { error: 'no such connector' });
  if (req.routeKey !== START) return json(404, { error: 'no such route' });
  const auth = await authorizeTenant(deps.tenants, req);
  if ('status' in auth) return json(auth.status, auth.body);
  const res = await startOAuthInstall(deps, {
    tenantId: auth.tenantId,
    connector: req.pathParameters.connector,
    body: req.body,
    publicBaseUrl: publicBaseUrl(req.headers),
  });
  return json(res.status, res.body);
}

/** The path's connector name when it is one a definition may have (lower-case letters, digits, '-'). */
function definitionName(req: ConnectionRequest): string | undefined {
  const name = req.pathParameters.connector;
  return name !== undefined && /^[a-z][a-z0-9-]{0,62}$/.test(name) ? name : undefined;
}

/**
 * Where the caller reached this API (API Gateway sets Host to the API's or custom domain and
 * X-Forwarded-Proto to https; the local gateway is plain http). Only a default: the provider
 * refuses a redirect URI its app does not list, and the app's secret may name the URI outright.
 */
function publicBaseUrl(headers: Record<string, string | undefined>): string {
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'http';
  return `${proto}://${headers.host ?? '127.0.0.1'}`;
}

function json(status: number, body: unknown): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function htmlPage(page: InstallPage): HttpAnswer {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
</body></html>
`;
  return {
    status: page.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page's URL carries the code and state: never hand it to another site.
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
    body,
  };
}
