/**
 * The hub events' fan-out, one copy for every source: Brevo's webhooks (hub-webhook.ts) and the
 * platforms' (platform-events.ts) hand their core events here, and they go to their consumers:
 * Slack notifications (the Slack lane, cart timers) and Brevo → Notion rules (the Notion lane);
 * orders are recorded in the order ledger (an abandoned cart bought since is not notified); and the
 * tenant's event stream (tajo.events.on) gets them as tenant events, first: a bus that refuses fails
 * the fan-out, so the source retries with the same event ids. The app does the fan-out: a
 * connector never imports another.
 */
import { notionRuleMessages } from '../connectors/notion/rules/ingress';
import { recordPendingPosts, slackNotificationMessages } from '../connectors/slack/notifications/notification-messages';
import type { NotificationEvent } from '../core/events/events';
import { type TenantEvent, tenantEventsOf } from '../core/events/tenant-events';
import type { Clock, ConnectionRecord, EventBus, LaneQueue, OrderLedger, PendingPostStore } from '../core/ports';

export interface FanOutDeps {
  lane: LaneQueue;
  orders: OrderLedger;
  clock: Clock;
  /** Single notifications waiting for their channel: the worker digests a burst of them. */
  pending?: PendingPostStore;
  /** The tenant event stream; without it (tools, old tests) nothing is published. */
  events?: EventBus;
  log?: (message: string, data: Record<string, unknown>) => void;
}

export type FanOutResult =
  /** A lane (or the order ledger) refused: nothing is lost if the caller's source retries. */
  | { ok: false; error: string }
  | {
      ok: true;
      notion: { queued: number; ownWrites: number };
      /** Slack does not take these events (no connection, disabled, no routes): why. */
      slackSkipped?: { reason: string };
      /** Tenant events published to the tenant's event stream (tajo.events.on): one per changed attribute. */
      published: number;
      /** Events that went somewhere: a Slack channel or a Brevo → Notion rule. */
      accepted: number;
      /** Slack lane messages and cart timers queued. */
      queued: number;
      delayed: number;
      /** Why events went nowhere (a route missing, a filter). */
      skipReasons: string[];
    };

/** Hands one tenant's events to Slack notifications and Notion rules, given its two connections. */
export async function fanOutHubEvents(
  deps: FanOutDeps,
  args: {
    tenantId: string;
    events: NotificationEvent[];
    slack: ConnectionRecord<'slack'> | undefined;
    notion: ConnectionRecord<'notion'> | undefined;
    /** Tenant events beside the hub events' own (Brevo items no notification takes). */
    otherEvents?: TenantEvent[];
  },
): Promise<FanOutResult> {
  const { tenantId, events } = args;
  const now = deps.clock.now();
  const published = await publishTenantEvents(deps, tenantId, [
    ...tenantEventsOf(tenantId, events),
    ...(args.otherEvents ?? []),
  ]);
  if (!published.ok) return published;
  const count = published.count;
  // Brevo → Notion rules: their matches go to the Notion lane, whatever Slack does with the events.
  const toNotion = notionRuleMessages({ tenantId, conn: args.notion, events, now });
  const notion = { queued: toNotion.matched, ownWrites: toNotion.ownWrites };
  const failed = (err: unknown): FanOutResult => {
    deps.log?.('could not queue the events', { tenantId, error: (err as Error).message });
    return { ok: false, error: 'could not queue the events; retry' };
  };
  const orders = events.filter((e) => e.type === 'order_placed' && e.contact?.email);
  const recordOrders = () =>
    orders.map((e) => deps.orders.recordOrder(tenantId, e.contact?.email as string, e.occurredAt));

  const slack = slackNotificationMessages({ tenantId, conn: args.slack, events, now });
  if (!slack.ok && (slack.alwaysLog || toNotion.matched === 0)) deps.log?.(slack.dropped, { tenantId });
  // Without Slack, the events that went somewhere are those a Notion rule took.
  let accepted = slack.ok ? events.length - slack.unrouted.length : toNotion.eventIds.size;
  const skipped: string[] = [];
  for (const u of slack.ok ? slack.unrouted : []) {
    if (toNotion.eventIds.has(u.eventId)) accepted += 1;
    else skipped.push(u.reason);
  }
  const messages = slack.ok ? slack.messages : [];
  const timers = slack.ok ? slack.timers : [];
  try {
    // Before the lane messages, so the worker of the first one sees every event of this delivery.
    if (slack.ok && deps.pending) await recordPendingPosts(deps.pending, tenantId, slack.pendingPosts);
    await Promise.all([
      messages.length > 0 ? deps.lane.send('slackLane', messages) : undefined,
      timers.length > 0 ? deps.lane.send('timerQueue', timers) : undefined,
      toNotion.messages.length > 0 ? deps.lane.send('notionLane', toNotion.messages) : undefined,
      ...recordOrders(),
    ]);
  } catch (err) {
    return failed(err);
  }
  return {
    ok: true,
    notion,
    ...(slack.ok ? {} : { slackSkipped: { reason: slack.reason } }),
    published: count,
    accepted,
    queued: messages.length,
    delayed: timers.length,
    skipReasons: skipped,
  };
}

/** The tenant's events on the bus; a refusal is logged (with its count) and handed back to the source to retry. */
async function publishTenantEvents(
  deps: FanOutDeps,
  tenantId: string,
  events: TenantEvent[],
): Promise<{ ok: true; count: number } | { ok: false; error: string }> {
  if (!deps.events || events.length === 0) return { ok: true, count: 0 };
  try {
    await deps.events.publish(events);
    return { ok: true, count: events.length };
  } catch (err) {
    deps.log?.('could not publish the tenant events; the source retries them', {
      tenantId,
      events: events.length,
      metric: 'EventsPublishFailed',
      error: (err as Error).message,
    });
    return { ok: false, error: 'could not publish the events; retry' };
  }
}
