/**
 * What platform webhooks add to the topology: their route (one for every definition-backed
 * connector: the connector and the definition's path are in the URL) and their lane. The
 * definition engine's descriptor spreads `platformWebhookUnit` (http, lanes, inbound route), so
 * the topology's routes and queues come from the registry as every connector's do.
 */
import { type ConnectorRoute, type LaneSpec, routeKey } from '../../../core/connector';

/** The lane deliveries (and the definition connectors' sync jobs) run in. */
export const PLATFORM_LANE = 'platformLane';

/**
 * `POST /webhooks/{tenantId}/{connector}/{path+}`: `path` is the definition's webhook path without
 * its leading slash (greedy: `/webhooks/acme/shopify/webhooks/orders`). API Gateway prefers the
 * literal `/webhooks/brevo/{tenantId}` and `/webhooks/notion/{tenantId}` (and a greedy path needs a
 * fourth segment they never have), so those keep their doors.
 */
export const platformWebhookRoute: ConnectorRoute = {
  method: 'POST',
  path: '/webhooks/{tenantId}/{connector}/{path+}',
  function: 'ingress',
  auth: 'definitionSignature',
  description:
    "A platform's webhook deliveries (definition-backed connectors: Shopify, Stripe, a tenant's own): verified by the definition's signature on the raw body, queued, answered at once",
};
export const PLATFORM_WEBHOOK_ROUTE_KEY = routeKey(platformWebhookRoute);

/**
 * One message group per tenant and connector: a platform's deliveries are written in the order they
 * came, and one connection's rate limit parks only its own group.
 */
export const platformLane: Record<typeof PLATFORM_LANE, LaneSpec> = {
  [PLATFORM_LANE]: {
    fifo: true,
    // The worker's timeout is 900 s (a sync message; shared/app/topology.ts): six times that.
    visibilityTimeoutSeconds: 6 * 900,
    maxReceiveCount: 5,
    retentionDays: 14,
    description:
      'Platform lane: webhook deliveries and syncs of definition-backed connectors, one group per tenant + connector',
  },
};

/** The descriptor fields the definition engine's descriptor spreads. */
export const platformWebhookUnit = {
  http: [platformWebhookRoute],
  lanes: platformLane,
  inboundRoutePrefix: PLATFORM_WEBHOOK_ROUTE_KEY,
  // Every delivery describes a customer, an order or a payment: personal as a whole.
  inboundBodies: 'all' as const,
};

/** The lane's message group of a connection: the tenant, then the connector. */
export function platformGroupId(tenantId: string, connector: string): string {
  return `${tenantId}#${connector}`;
}
