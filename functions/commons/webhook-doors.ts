/**
 * The webhook doors (ingress): check the caller, queue the work, answer at once. One function per
 * door (the distributed or a tenant's Slack app, Notion's webhooks, Brevo's webhooks, the platforms'
 * webhooks of definition-backed connectors), with what each keeps per container.
 */

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { connectorOfInboundRoute } from '../../shared/connectors';
import { storedDefinition, webhookSecretOf } from '../../shared/connectors/custom/connection';
import { acceptPlatformWebhook } from '../../shared/connectors/custom/ingress/door';
import { PLATFORM_WEBHOOK_ROUTE_KEY } from '../../shared/connectors/custom/ingress/unit';
import { acceptNotionWebhook } from '../../shared/connectors/notion/webhooks';
import { type SlackAppCredentialsSource, slackAppCredentials } from '../../shared/connectors/slack/app';
import { acceptSlackRequest } from '../../shared/connectors/slack/interactions';
import { rawBodyOf } from '../../shared/connectors/slack/signature';
import { readEnv } from '../../shared/core/env';
import type { ConnectorName } from '../../shared/core/ports';
import type { HandlerDeps } from './deps';
import { jsonOrEmptyResponse, jsonResponse } from './lambda';
import { logger } from './powertools';

// Per container: the distributed app's credentials are read once every few minutes, not per request.
let appCredentials: SlackAppCredentialsSource | undefined;

/**
 * Per container: the tenant and connection records a Brevo webhook reads, kept RECORD_TTL_MS. A
 * burst of webhooks (a campaign's events, 200/s) is one read per record every few seconds instead
 * of three reads per request; the token check still runs on every request, against the cached
 * hash. Only records found are kept (a tenant created a moment ago is never answered 404 from
 * memory); a change (token rotated, connection disabled or removed) shows within RECORD_TTL_MS.
 */
const RECORD_TTL_MS = 5_000;
const recordCache = new Map<string, { at: number; value: Promise<unknown> }>();

function cachedRead<T>(
  key: string,
  now: number,
  read: () => Promise<T | undefined>,
  ttlMs = RECORD_TTL_MS,
): Promise<T | undefined> {
  const hit = recordCache.get(key);
  if (hit && now - hit.at < ttlMs) return hit.value as Promise<T | undefined>;
  const value = read();
  recordCache.set(key, { at: now, value });
  // Not found or failed: not kept, the next request reads again.
  value.then(
    (v) => v === undefined && recordCache.get(key)?.value === value && recordCache.delete(key),
    () => recordCache.get(key)?.value === value && recordCache.delete(key),
  );
  if (recordCache.size > 10_000) recordCache.clear();
  return value;
}

/**
 * The distributed Slack app's routes (`/slack/events`, `/slack/interactions`): the tenant is the one
 * the signed request's Slack team belongs to; a tenant's own app's routes name it in the path.
 */
export async function acceptSlackDoor(
  d: HandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const route = event.routeKey;
  appCredentials ??= slackAppCredentials(
    { secrets: d.secrets, clock: d.clock, log: (msg, data) => logger.error(msg, data) },
    readEnv().slackAppSecret,
  );
  const tenantRoute = route.startsWith('POST /slack/{tenantId}/');
  const res = await acceptSlackRequest(
    {
      connections: d.store,
      secrets: d.secrets,
      lane: d.lane,
      clock: d.clock,
      app: { credentials: appCredentials, teams: d.store },
      log: (msg, data) => logger.info(msg, data),
    },
    {
      via: tenantRoute ? { app: 'tenant', tenantId: event.pathParameters?.tenantId ?? '' } : { app: 'distributed' },
      kind: route.endsWith('/events') ? 'events' : 'interactions',
      headers: event.headers ?? {},
      rawBody: rawBodyOf(event),
    },
  );
  if (res.status >= 400) logger.warn('Slack request refused', { status: res.status, route });
  return jsonOrEmptyResponse(res);
}

/** `POST /webhooks/notion/{tenantId}`: Notion's webhook events (and its verification token). */
export async function acceptNotionDoor(
  d: HandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const res = await acceptNotionWebhook(
    {
      connections: d.store,
      webhooks: d.store,
      markers: d.store,
      secrets: d.secrets,
      lane: d.lane,
      clock: d.clock,
      log: (msg, data) => logger.info(msg, data),
    },
    { tenantId: event.pathParameters?.tenantId ?? '', headers: event.headers ?? {}, rawBody: rawBodyOf(event) },
  );
  if (res.status >= 400) logger.warn('Notion webhook refused', { status: res.status, route: event.routeKey });
  return jsonResponse(res);
}

/** `POST /webhooks/brevo/{tenantId}`: Brevo's webhooks, the tenant's records read through the cache. */
export async function acceptBrevoDoor(
  d: HandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const now = d.clock.now();
  // The store with its two record reads cached (every other method is the store's own).
  const cached: typeof d.store = Object.assign(Object.create(d.store) as typeof d.store, {
    getTenant: (t: string) => cachedRead(`tenant#${t}`, now, () => d.store.getTenant(t)),
    getConnection: <C extends ConnectorName>(t: string, c: C) =>
      cachedRead(`conn#${t}#${c}`, now, () => d.store.getConnection(t, c)),
  });
  const res = await acceptBrevoWebhook(
    {
      tenants: cached,
      connections: cached,
      lane: d.lane,
      orders: d.store,
      clock: d.clock,
      pending: d.store,
      events: d.events,
      log: (msg, data) => logger.error(msg, data),
    },
    {
      tenantId: event.pathParameters?.tenantId ?? '',
      headers: event.headers ?? {},
      body: rawBodyOf(event).toString('utf8'),
    },
  );
  if (res.status >= 400)
    logger.warn('webhook refused', { status: res.status, tenantId: event.pathParameters?.tenantId });
  return jsonOrEmptyResponse(res);
}

/**
 * Per container: each connection's webhook signing secret, kept SECRET_TTL_MS (a rotated secret
 * shows within a minute), read past the secret store's own cache when it expires.
 */
const SECRET_TTL_MS = 60_000;

/** `POST /webhooks/{tenantId}/{connector}/{path+}`: a definition-backed connector's platform deliveries. */
export async function acceptPlatformDoor(
  d: HandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const now = d.clock.now();
  const p = event.pathParameters ?? {};
  const res = await acceptPlatformWebhook(
    {
      connections: {
        getConnection: <C extends ConnectorName>(t: string, c: C) =>
          cachedRead(`conn#${t}#${c}`, now, () => d.store.getConnection(t, c)),
      },
      webhookSecret: async (record, definition) => {
        // The connection's secrets are one JSON value at its tokenRef (the credentials and the signing secret).
        const ref = record.tokenRef;
        if (ref === undefined) return undefined;
        // Keyed by the record's version too: a reconnect (a new or added signing secret) is read at once.
        const value = await cachedRead(
          `secret#${ref}#${record.updatedAt}`,
          now,
          () => d.secrets.get(ref, { fresh: true }),
          SECRET_TTL_MS,
        );
        return value === undefined ? undefined : webhookSecretOf(definition, value, record.connector);
      },
      freshWebhookSecret: async (tenantId, connector) => {
        const record = await d.store.getConnection(tenantId, connector);
        const definition = record === undefined ? undefined : storedDefinition(record);
        if (record?.tokenRef === undefined || definition === undefined) return undefined;
        return webhookSecretOf(definition, await d.secrets.get(record.tokenRef, { fresh: true }), connector);
      },
      lane: d.lane,
      clock: d.clock,
      log: (level, msg, data) => logger[level](msg, data),
    },
    {
      tenantId: p.tenantId ?? '',
      connector: p.connector ?? '',
      path: p.path ?? '',
      headers: event.headers ?? {},
      rawBody: rawBodyOf(event),
    },
  );
  if (res.status >= 400)
    logger.warn('platform webhook refused', { status: res.status, tenantId: p.tenantId, connector: p.connector });
  return jsonResponse(res);
}

type Door = (d: HandlerDeps, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Each connector's door, by the connector its provider posts to (its descriptor's inboundRoutePrefix). */
const DOORS: Record<string, Door> = { slack: acceptSlackDoor, notion: acceptNotionDoor, brevo: acceptBrevoDoor };

/**
 * The door of the connector whose inbound route this is; a route no connector owns is not served
 * (404). The platform route is every definition-backed connector's: its door is found by the route.
 */
export async function acceptAtDoor(
  d: HandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (event.routeKey === PLATFORM_WEBHOOK_ROUTE_KEY) return acceptPlatformDoor(d, event);
  const door = DOORS[connectorOfInboundRoute(event.routeKey)?.name ?? ''];
  if (!door) return { statusCode: 404, body: JSON.stringify({ error: `no webhook door serves ${event.routeKey}` }) };
  return door(d, event);
}
