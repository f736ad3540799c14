/**
 * Platform webhooks' events (orders, custom events: shared/connectors/custom/ingress/events.ts)
 * handed to the same fan-out as Brevo's (hub-fanout.ts): routed Slack notifications and Brevo →
 * Notion rules see them like Brevo's own, orders reach the order ledger, and the tenant's event stream
 * gets them as `<connector>.<event key>` (hub-fanout.ts publishes). The platform worker
 * calls this; a refusal throws so the delivery is retried (its events keep their ids: posted once).
 */
import type { NotificationEvent } from '../core/events/events';
import type { ConnectionStore } from '../core/ports';
import { type FanOutDeps, fanOutHubEvents } from './hub-fanout';

export async function handPlatformEvents(
  deps: FanOutDeps & { connections: Pick<ConnectionStore, 'getConnection'> },
  tenantId: string,
  events: NotificationEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const [slack, notion] = await Promise.all([
    deps.connections.getConnection(tenantId, 'slack'),
    deps.connections.getConnection(tenantId, 'notion'),
  ]);
  const out = await fanOutHubEvents(deps, { tenantId, events, slack, notion });
  if (!out.ok) throw new Error(`platform events not handed on: ${out.error}`);
  // Events no route takes (an order under a route's threshold) are by design: not an error, not logged.
}
