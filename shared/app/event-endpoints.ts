/**
 * The endpoints a tenant registers for its event stream (POST|GET|DELETE /tenants/{t}/event-endpoints):
 * a URL, the event types it takes, and a signing secret (`whsec_...`) shown once at creation and
 * kept in the secret store only (the record holds its reference). Where a URL may point: https in
 * the stack (no private or local address: the Lambda runtime API, instance metadata and the VPC are
 * not the tenant's), and also http://127.0.0.1|localhost under npm start and in tests.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isPrivateHost } from '../connectors/custom/outbound';
import { readEnv } from '../core/env';
import { InvalidRequestError, RequestRefusedError } from '../core/errors';
import type { Clock, EventEndpointRecord, EventEndpointStore, SecretStore } from '../core/ports';

export interface EventEndpointDeps {
  eventEndpoints: EventEndpointStore;
  secrets: SecretStore;
  clock: Clock;
}

/** More would make one event a burst of deliveries; a tenant fans out further on its side. */
export const MAX_ENDPOINTS_PER_TENANT = 20;

export interface EndpointView {
  id: string;
  url: string;
  types: string[];
  createdAt: string;
}

/** Not in a Lambda, or the npm start stack: the person's own machine is theirs to call. */
function isLocalRuntime(env: NodeJS.ProcessEnv): boolean {
  const e = readEnv(env);
  return e.stage === 'local' || e.lambdaFunctionName === undefined;
}

/** Why `url` cannot receive events (one line), or undefined when it can. Checked again at each delivery. */
export function endpointUrlProblem(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `url: ${JSON.stringify(url.slice(0, 100))} is not a URL (https://...)`;
  }
  const local = isLocalRuntime(env);
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  if (u.username || u.password)
    return 'url: credentials in the URL are not allowed (verify the tajo-signature header instead)';
  if (u.protocol === 'http:' && local && loopback) return undefined;
  if (u.protocol !== 'https:')
    return local
      ? 'url: use https://, or http://127.0.0.1 / http://localhost under npm start'
      : 'url: use https:// (a deployed stack delivers events over https only)';
  if (!local && isPrivateHost(u.hostname))
    return `url: ${u.hostname} is a private or local address, which a deployed stack does not call`;
  return undefined;
}

/**
 * At delivery, in the stack: the name must not resolve to a private or local address either (a
 * public name pointed at 169.254.169.254). What the request then connects to is resolved again by
 * fetch: this narrows the window, it does not close it (a VPC egress policy would).
 */
export async function resolvedAddressProblem(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  resolve: (host: string) => Promise<{ address: string }[]> = (host) => lookup(host, { all: true }),
): Promise<string | undefined> {
  if (isLocalRuntime(env)) return undefined;
  const host = new URL(url).hostname;
  const addresses = await resolve(host).catch(() => []);
  const inside = addresses.find((a) => isPrivateHost(a.address));
  return inside ? `url: ${host} resolves to ${inside.address}, a private or local address` : undefined;
}

function view(r: EventEndpointRecord): EndpointView {
  return { id: r.id, url: r.url, types: r.types, createdAt: r.createdAt };
}

export function endpointSecretName(tenantId: string, id: string): string {
  return `${tenantId}/event-endpoint/${id}`;
}

export async function createEventEndpoint(
  deps: EventEndpointDeps,
  tenantId: string,
  body: { url: string; types?: string[] },
): Promise<EndpointView & { secret: string }> {
  const problem = endpointUrlProblem(body.url);
  // Every problem is the url's ("url: …"): a field refused, as a wrong body field is.
  if (problem) throw new InvalidRequestError([{ path: 'url', message: problem.replace(/^url: /, '') }]);
  const existing = await deps.eventEndpoints.listEventEndpoints(tenantId);
  if (existing.length >= MAX_ENDPOINTS_PER_TENANT)
    throw new RequestRefusedError(
      409,
      `this tenant has ${existing.length} event endpoints, the most it may have: delete one first`,
      'too_many_endpoints',
    );
  const id = `ep_${randomBytes(12).toString('hex')}`;
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const secretRef = await deps.secrets.put(endpointSecretName(tenantId, id), secret, {
    tenant: tenantId,
    connector: 'events',
  });
  const types = body.types?.length ? [...new Set(body.types)] : ['*'];
  const record: EventEndpointRecord = {
    tenantId,
    id,
    url: body.url,
    types,
    secretRef,
    createdAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.eventEndpoints.putEventEndpoint(record);
  return { ...view(record), secret };
}

export async function listEventEndpoints(
  deps: Pick<EventEndpointDeps, 'eventEndpoints'>,
  tenantId: string,
): Promise<{ endpoints: EndpointView[] }> {
  const records = await deps.eventEndpoints.listEventEndpoints(tenantId);
  return { endpoints: records.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(view) };
}

/** Deletes the endpoint and its secret: deliveries queued for it find nothing and are dropped. */
export async function deleteEventEndpoint(
  deps: Pick<EventEndpointDeps, 'eventEndpoints' | 'secrets'>,
  tenantId: string,
  id: string,
): Promise<{ deleted: true }> {
  const deleted = await deps.eventEndpoints.deleteEventEndpoint(tenantId, id);
  if (!deleted)
    throw new RequestRefusedError(404, `no event endpoint ${id}: list them with GET .../event-endpoints`, 'not_found');
  await deps.secrets.delete(deleted.secretRef);
  return { deleted: true };
}
