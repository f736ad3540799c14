/**
 * Parsed hub events → the Slack lane's messages: each event routed by the tenant's notification
 * config, one lane message per (event, channel) with the channel as its message group, so each
 * channel's posts are paced and ordered on their own; a burst for one channel becomes one digest,
 * and an abandoned cart waits in the timer queue until its delay is over.
 */

import type { NotificationEvent } from '../../../core/events/events';
import { timerMessage } from '../../../core/lanes/timers';
import type { ConnectionRecord, LaneMessage, PendingPostStore } from '../../../core/ports';
import {
  DIGEST_MAX_EVENTS,
  DIGEST_MIN_BATCH,
  digestKey,
  notificationKey,
  notifyLaneMessage,
  PENDING_POST_TTL_S,
  type SlackLaneMessage,
  slackLaneGroupId,
} from './lane-messages';
import { parseNotificationsConfig, type RouteTarget, routeEvents } from './routing';

/** A single notification also recorded as waiting for its channel (the worker digests a burst of them). */
export interface PendingPost {
  channelId: string;
  event: NotificationEvent;
}

export type SlackNotificationMessages =
  | {
      ok: false;
      /** Why nothing goes to Slack, for the webhook's answer. */
      reason: string;
      /** What the log says when the events go nowhere else either. */
      dropped: string;
      /** Logged even when another consumer took the events (a config to fix). */
      alwaysLog: boolean;
    }
  | {
      ok: true;
      /** To the Slack lane, one message group per channel. */
      messages: LaneMessage[];
      /** To the timer queue: carts whose delay is not over yet. */
      timers: LaneMessage[];
      pendingPosts: PendingPost[];
      /** The events no route takes, in order, with why (the webhook counts those another consumer takes). */
      unrouted: { eventId: string; reason: string }[];
    };

/** The Slack lane messages (and delayed timers) for one webhook delivery's events. */
export function slackNotificationMessages(args: {
  tenantId: string;
  conn: ConnectionRecord<'slack'> | undefined;
  events: readonly NotificationEvent[];
  now: number;
}): SlackNotificationMessages {
  const { tenantId, conn, events, now } = args;
  if (!conn?.settings.enabled)
    return {
      ok: false,
      reason: 'no Slack connection for this tenant',
      dropped: 'webhook events dropped: no enabled Slack connection',
      alwaysLog: false,
    };
  const routes = parseNotificationsConfig(conn.settings);
  if (!routes.ok)
    return {
      ok: false,
      reason: 'notification config invalid',
      dropped: 'webhook events dropped: the stored notification config is invalid',
      alwaysLog: true,
    };

  const byChannel = new Map<string, { event: NotificationEvent; route: RouteTarget }[]>();
  const pendingPosts: PendingPost[] = [];
  const unrouted: { eventId: string; reason: string }[] = [];
  const messages: LaneMessage[] = [];
  const timers: LaneMessage[] = [];
  for (const event of events) {
    // One post per route, at most one per channel (routeEvents): an order over the threshold goes to
    // both its order_placed and high_value_order channels.
    const routed = routeEvents(event, routes.config);
    if (routed.targets.length === 0) {
      unrouted.push({ eventId: event.id, reason: routed.skips.join('; ') });
      continue;
    }
    for (const route of routed.targets) {
      if (route.notBefore) {
        // A cart is notified only once its delay is over and if it was not bought meanwhile: it waits
        // in the timer queue (never in the channel's FIFO lane, which it would hold up).
        const groupId = slackLaneGroupId(tenantId, route.channelId);
        timers.push(
          timerMessage(
            {
              tenantId,
              dueAt: route.notBefore,
              condition: event.cart
                ? {
                    kind: 'cartStillAbandoned',
                    cartId: event.cart.id,
                    abandonedAt: event.cart.abandonedAt,
                    ...(event.contact?.email ? { email: event.contact.email } : {}),
                  }
                : undefined,
              deliver: {
                queue: 'slackLane',
                body: JSON.stringify(notifyLaneMessage(tenantId, route, event)),
                groupId,
                deduplicationId: notificationKey(tenantId, route.channelId, event.id),
              },
            },
            now,
          ),
        );
        continue;
      }
      const list = byChannel.get(route.channelId) ?? [];
      list.push({ event, route });
      byChannel.set(route.channelId, list);
    }
  }
  for (const [channelId, routed] of byChannel) {
    const groupId = slackLaneGroupId(tenantId, channelId);
    if (routed.length >= DIGEST_MIN_BATCH) {
      for (let i = 0; i < routed.length; i += DIGEST_MAX_EVENTS) {
        const chunk = routed.slice(i, i + DIGEST_MAX_EVENTS).map((r) => ({ ...r.event, raw: null }));
        const message: SlackLaneMessage = { type: 'slack.digest', tenantId, channelId, events: chunk };
        messages.push({
          body: JSON.stringify(message),
          groupId,
          deduplicationId: digestKey(
            tenantId,
            channelId,
            chunk.map((e) => e.id),
          ),
        });
      }
      continue;
    }
    for (const { event, route } of routed) {
      // Also recorded as waiting for the channel: single webhooks of a burst reach the worker one
      // message at a time, and it digests what is waiting rather than what a batch holds.
      pendingPosts.push({ channelId, event });
      messages.push({
        body: JSON.stringify(notifyLaneMessage(tenantId, route, event)),
        groupId,
        deduplicationId: notificationKey(tenantId, channelId, event.id),
      });
    }
  }
  return { ok: true, messages, timers, pendingPosts, unrouted };
}

/** Records the single notifications as waiting for their channel (before their lane messages are sent). */
export async function recordPendingPosts(
  pending: PendingPostStore,
  tenantId: string,
  pendingPosts: readonly PendingPost[],
): Promise<void> {
  await Promise.all(
    pendingPosts.map(({ channelId, event }) =>
      pending.addPendingPost(
        tenantId,
        channelId,
        event.id,
        JSON.stringify({ ...event, raw: null }),
        PENDING_POST_TTL_S,
      ),
    ),
  );
}
