/**
 * Brevo (and platform) events → Slack. The webhook is accepted fast: the bearer token checked, the
 * body parsed and routed, one lane message per (event, channel) queued with the channel as its
 * message group, so each channel's posts are paced and ordered on their own. The Slack worker posts
 * a lane batch: one message per event, in the thread of its contact or campaign, or one digest when
 * the batch is a burst.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  type IgnoredItem,
  type NotificationEvent,
  notificationEventSchema,
  PLATFORM_EVENT_NAMES,
  parseBrevoWebhook,
  parsePlatformEvent,
} from '../../../core/events/events';
import type { ApiResponse } from '../../../core/http/api-types';
import { newStats } from '../../../core/http/paced-fetch';
import { timerMessage } from '../../../core/lanes/timers';
import type {
  Clock,
  ConnectionStore,
  LaneMessage,
  LaneQueue,
  OrderLedger,
  SecretStore,
  SlackDelivery,
  SlackDeliveryStore,
  SlackPendingStore,
  TenantStore,
  ThreadStore,
} from '../../../core/ports';
import { type OAuthTokens, readAccessToken } from '../../../core/tenancy/oauth-tokens';
import { notionRuleMessages } from '../../notion/rules/ingress';
import { SlackApiError, SlackClient } from '../client';
import { buildDigest } from './digest';
import { parseNotificationsConfig, type RouteTarget, routeEvents } from './routing';
import { renderNotification, type TemplateObject } from './templates';

/**
 * At least this many events for one channel, in one webhook delivery or one lane batch, are posted
 * as one digest: a burst is summarised at once instead of queueing minutes of single posts.
 */
export const DIGEST_MIN_BATCH = 4;
/** A waiting single notification is forgotten after this (its lane message posts it on its own). */
const PENDING_POST_TTL_S = 2 * 86_400;
/** How long the worker lets a channel's burst keep arriving before it reads what is waiting. */
const BURST_SETTLE_MS = 400;
const BURST_SETTLE_MAX_MS = 2_000;
/** Events one digest message carries (raw payloads left out, so a message stays far below SQS's size limit). */
export const DIGEST_MAX_EVENTS = 200;

/** The Slack lane's message group: one tenant's channel, paced and ordered on its own. */
export function slackLaneGroupId(tenantId: string, channelId: string): string {
  return `${tenantId}:${channelId}`;
}

const notifyMessage = z.object({
  type: z.literal('slack.notify'),
  tenantId: z.string().min(1),
  channelId: z.string().min(1),
  threadKey: z.string().optional(),
  template: z.unknown(),
  event: notificationEventSchema,
});
const digestMessage = z.object({
  type: z.literal('slack.digest'),
  tenantId: z.string().min(1),
  channelId: z.string().min(1),
  events: z.array(notificationEventSchema).min(1),
});
export const slackLaneMessageSchema = z.discriminatedUnion('type', [notifyMessage, digestMessage]);
export type SlackLaneMessage = z.infer<typeof slackLaneMessageSchema>;

function notifyLaneMessage(tenantId: string, route: RouteTarget, event: NotificationEvent): SlackLaneMessage {
  return {
    type: 'slack.notify',
    tenantId,
    channelId: route.channelId,
    threadKey: route.threadKey,
    template: route.template,
    event,
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function bearer(headers: Record<string, string | undefined>): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return m?.[1];
}

/**
 * POST /webhooks/brevo/{tenantId}. Brevo retries only timeouts, connection failures and 429, and
 * drops the event on any other error: so a failure on our side answers 429 (retry), never 5xx.
 */
export async function acceptBrevoWebhook(
  deps: Parameters<typeof acceptBrevoWebhookUnsafe>[0],
  req: Parameters<typeof acceptBrevoWebhookUnsafe>[1],
): Promise<ApiResponse> {
  try {
    return await acceptBrevoWebhookUnsafe(deps, req);
  } catch (err) {
    // Brevo retries only timeouts, connection failures and 429; a 5xx would lose the events.
    deps.log?.('webhook failed; answering 429 so Brevo retries', {
      tenantId: req.tenantId,
      error: (err as Error).message,
    });
    return { status: 429, body: { error: 'temporarily unavailable; retry' } };
  }
}

async function acceptBrevoWebhookUnsafe(
  deps: {
    tenants: TenantStore;
    connections: ConnectionStore;
    lane: LaneQueue;
    /** Orders are remembered so that an abandoned cart bought in the meantime is not notified. */
    orders: OrderLedger;
    clock: Clock;
    /** Single notifications waiting for their channel: the worker digests a burst of them. */
    pending?: SlackPendingStore;
    log?: (message: string, data: Record<string, unknown>) => void;
  },
  req: { tenantId: string; headers: Record<string, string | undefined>; body: string | undefined },
): Promise<ApiResponse> {
  const token = bearer(req.headers);
  if (!token)
    return { status: 401, body: { error: 'missing bearer token (set auth: {type: bearer} on the Brevo webhook)' } };
  // The reads at once: the ack path should cost one round trip to DynamoDB, not three.
  const [tenant, conn, notionConn] = await Promise.all([
    deps.tenants.getTenant(req.tenantId),
    deps.connections.getConnection(req.tenantId, 'slack'),
    deps.connections.getConnection(req.tenantId, 'notion'),
  ]);
  const expected = tenant?.webhookTokenHash;
  if (!expected || !sameHex(expected, hashToken(token)))
    return { status: 401, body: { error: 'invalid webhook token' } };

  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const isPlatform =
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    (PLATFORM_EVENT_NAMES as readonly unknown[]).includes((body as { event?: unknown }).event);
  let events: NotificationEvent[];
  let ignored: IgnoredItem[] = [];
  if (isPlatform) {
    const parsed = parsePlatformEvent(body);
    if (!parsed.ok) return { status: 400, body: { error: 'invalid platform event', issues: parsed.issues } };
    events = [parsed.event];
  } else {
    // Changes our own API key made (the Notion sync, Slack actions) are not echoed back to Slack
    // nor written to Notion again: whichever record knows the key's name, it is ours.
    // The tenant's checked Brevo key names itself too (PUT /tenants/{t}/brevo), whenever it was stored.
    const ownApiKeyNames = [
      ...(tenant?.brevoAccount?.keyName ? [tenant.brevoAccount.keyName] : []),
      ...(conn?.settings.ownApiKeyNames ?? []),
      ...(notionConn?.settings.ownApiKeyNames ?? []),
    ];
    ({ events, ignored } = parseBrevoWebhook(body, { ownApiKeyNames }));
  }
  // Brevo event types we do not notify (new ones included) are counted and reported, never an error.
  const unsupported: Record<string, number> = {};
  for (const i of ignored) if (i.unsupported) unsupported[i.unsupported] = (unsupported[i.unsupported] ?? 0) + 1;
  if (Object.keys(unsupported).length)
    deps.log?.('webhook events of types without a notification: ignored', { tenantId: req.tenantId, unsupported });

  // Brevo → Notion rules: their matches go to the Notion lane, whatever Slack does with the events.
  const toNotion = notionRuleMessages({ tenantId: req.tenantId, conn: notionConn, events, now: deps.clock.now() });
  const notion = { queued: toNotion.matched, ownWrites: toNotion.ownWrites };
  const sendToNotion = async (): Promise<ApiResponse | undefined> => {
    if (toNotion.messages.length === 0) return undefined;
    try {
      await deps.lane.send('notionLane', toNotion.messages);
      return undefined;
    } catch (err) {
      deps.log?.('could not queue webhook events; Brevo will retry', {
        tenantId: req.tenantId,
        error: (err as Error).message,
      });
      return { status: 429, body: { error: 'could not queue the events; retry' } };
    }
  };

  if (!conn?.settings.enabled) {
    if (toNotion.matched === 0)
      deps.log?.('webhook events dropped: no enabled Slack connection', { tenantId: req.tenantId });
    return (
      (await sendToNotion()) ?? {
        status: 200,
        body: {
          accepted: toNotion.eventIds.size,
          ignored: events.length - toNotion.eventIds.size,
          reason: 'no Slack connection for this tenant',
          notion,
        },
      }
    );
  }
  const routes = parseNotificationsConfig(conn.settings);
  if (!routes.ok)
    deps.log?.('webhook events dropped: the stored notification config is invalid', { tenantId: req.tenantId });
  if (!routes.ok)
    return (
      (await sendToNotion()) ?? {
        status: 200,
        body: {
          accepted: toNotion.eventIds.size,
          ignored: events.length - toNotion.eventIds.size,
          reason: 'notification config invalid',
          notion,
        },
      }
    );

  const byChannel = new Map<string, { event: NotificationEvent; route: RouteTarget }[]>();
  const pendingPosts: { channelId: string; event: NotificationEvent }[] = [];
  const skipped: string[] = [];
  const messages: LaneMessage[] = [];
  const timers: LaneMessage[] = [];
  const now = deps.clock.now();
  let acceptedEvents = 0;
  for (const event of events) {
    // One post per route, at most one per channel (routeEvents): an order over the threshold goes to
    // both its order_placed and high_value_order channels.
    const routed = routeEvents(event, routes.config);
    // An event is accepted when it goes somewhere: a Slack channel or a Brevo → Notion rule.
    if (routed.targets.length === 0) {
      if (toNotion.eventIds.has(event.id)) acceptedEvents += 1;
      else skipped.push(routed.skips.join('; '));
      continue;
    }
    acceptedEvents += 1;
    for (const route of routed.targets) {
      if (route.notBefore) {
        // A cart is notified only once its delay is over and if it was not bought meanwhile: it waits
        // in the timer queue (never in the channel's FIFO lane, which it would hold up).
        const groupId = slackLaneGroupId(req.tenantId, route.channelId);
        timers.push(
          timerMessage(
            {
              tenantId: req.tenantId,
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
                body: JSON.stringify(notifyLaneMessage(req.tenantId, route, event)),
                groupId,
                deduplicationId: notificationKey(req.tenantId, route.channelId, event.id),
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
    const groupId = slackLaneGroupId(req.tenantId, channelId);
    if (routed.length >= DIGEST_MIN_BATCH) {
      for (let i = 0; i < routed.length; i += DIGEST_MAX_EVENTS) {
        const chunk = routed.slice(i, i + DIGEST_MAX_EVENTS).map((r) => ({ ...r.event, raw: null }));
        const message: SlackLaneMessage = { type: 'slack.digest', tenantId: req.tenantId, channelId, events: chunk };
        messages.push({
          body: JSON.stringify(message),
          groupId,
          deduplicationId: digestKey(
            req.tenantId,
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
        body: JSON.stringify(notifyLaneMessage(req.tenantId, route, event)),
        groupId,
        deduplicationId: notificationKey(req.tenantId, channelId, event.id),
      });
    }
  }
  const orders = events.filter((e) => e.type === 'order_placed' && e.contact?.email);
  // Before the lane messages, so the worker of the first one sees every event of this delivery.
  const pending = deps.pending;
  if (pending) {
    await Promise.all(
      pendingPosts.map(({ channelId, event }) =>
        pending.addPendingPost(
          req.tenantId,
          channelId,
          event.id,
          JSON.stringify({ ...event, raw: null }),
          PENDING_POST_TTL_S,
        ),
      ),
    );
  }
  try {
    await Promise.all([
      messages.length > 0 ? deps.lane.send('slackLane', messages) : undefined,
      timers.length > 0 ? deps.lane.send('timerQueue', timers) : undefined,
      toNotion.messages.length > 0 ? deps.lane.send('notionLane', toNotion.messages) : undefined,
      ...orders.map((e) => deps.orders.recordOrder(req.tenantId, e.contact?.email as string, e.occurredAt)),
    ]);
  } catch (err) {
    deps.log?.('could not queue webhook events; Brevo will retry', {
      tenantId: req.tenantId,
      error: (err as Error).message,
    });
    return { status: 429, body: { error: 'could not queue the events; retry' } };
  }
  const delayed = timers.length;
  return {
    status: 200,
    body: {
      accepted: acceptedEvents,
      queued: messages.length,
      delayed,
      skipped: skipped.length,
      ...(skipped.length ? { skipReasons: [...new Set(skipped)] } : {}),
      ignored: ignored.length,
      ...(Object.keys(unsupported).length ? { unsupported } : {}),
      notion,
    },
  };
}

/**
 * A single notification's key: its lane message's deduplication id, and the key its Slack post
 * carries in its metadata (SlackClient.postMessage), so a redelivery can find the post it made.
 */
export function notificationKey(tenantId: string, channelId: string, eventId: string): string {
  return createHash('sha256').update(`${tenantId}:${channelId}:${eventId}`).digest('hex');
}

/** A digest's key, from its events' ids (its lane message's deduplication id, for the ingress's). */
export function digestKey(tenantId: string, channelId: string, eventIds: readonly string[]): string {
  return createHash('sha256')
    .update(`${tenantId}:${channelId}:digest:${eventIds.join(',')}`)
    .digest('hex');
}

/**
 * Posts with `key` in the message's metadata. A message delivered again (its first delivery may
 * have posted, then died or lost the answer before the event was marked posted) first reads the
 * channel (or thread) back for that key: found, that post is the one, not made twice. A read-back
 * Slack refuses for good (no channels:history) posts anyway: dropping every parked notification
 * would lose them, and only a post whose answer was lost can repeat.
 */
async function postOnce(
  deps: Pick<SlackPostDeps, 'log'>,
  client: SlackClient,
  args: { teamId: string; channel: string; text: string; blocks?: unknown[]; threadTs?: string; key: string },
  redelivered: boolean,
): Promise<string> {
  if (redelivered) {
    try {
      const found = await client.findPosted(args.channel, args.key, args.threadTs);
      if (found !== undefined) return found;
    } catch (err) {
      if (!(err instanceof SlackApiError && err.permanent)) throw err;
      deps.log?.('a redelivered notification could not be looked up in its channel; posted', {
        channelId: args.channel,
        reason: err.message,
      });
    }
  }
  return client.postMessage(args);
}

export interface SlackPostDeps {
  connections: ConnectionStore;
  threads: ThreadStore;
  secrets: SecretStore;
  /** Refreshes OAuth connections' rotating tokens before they expire (without it: used as stored). */
  oauthTokens?: OAuthTokens;
  clock: Clock;
  /** Where each post's outcome is counted for `status slack` (without it: not recorded). */
  deliveries?: SlackDeliveryStore;
  slackApiUrl?: string;
  /** Single notifications waiting for their channel (without it: digests only what a batch holds). */
  pending?: SlackPendingStore;
  log?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * The single notifications waiting for a channel, once its burst (if any) stopped growing: at most
 * BURST_SETTLE_MAX_MS of waiting, and BURST_SETTLE_MS for a lone event (Slack's 1 post/s per
 * channel makes that no slower than its pace).
 */
async function waitingForChannel(
  deps: SlackPostDeps & { pending: SlackPendingStore },
  tenantId: string,
  channelId: string,
): Promise<{ eventId: string; event: string }[]> {
  const started = deps.clock.now();
  let waiting = await deps.pending.listPendingPosts(tenantId, channelId, DIGEST_MAX_EVENTS);
  while (deps.clock.now() - started < BURST_SETTLE_MAX_MS) {
    await deps.clock.sleep(BURST_SETTLE_MS);
    const again = await deps.pending.listPendingPosts(tenantId, channelId, DIGEST_MAX_EVENTS);
    if (again.length === waiting.length) break;
    waiting = again;
  }
  return waiting;
}

/** Counts a post for status; a bookkeeping failure never fails the post (a retry would post it again). */
async function recordDelivery(
  deps: SlackPostDeps,
  tenantId: string,
  delivery: Omit<SlackDelivery, 'at'>,
): Promise<void> {
  if (!deps.deliveries) return;
  try {
    await deps.deliveries.recordSlackDelivery(tenantId, { at: new Date(deps.clock.now()).toISOString(), ...delivery });
  } catch (err) {
    deps.log?.('Slack delivery not counted for status', { tenantId, error: (err as Error).message });
  }
}

/**
 * Posts one lane batch (all for one channel: the message group). Returns the ids of the messages
 * that failed and should be retried. A permanent Slack error (channel gone, token revoked) fails the
 * batch's messages for the dead-letter queue, where they wait for a replay once it is fixed.
 *
 * The batch is posted with its first message's tenant's token to its channel, so a message of any
 * other tenant or channel, or one whose message group is not its own tenant's channel, is dropped
 * (never posted with another tenant's token; retrying would not make it belong).
 */
export async function postSlackBatch(
  deps: SlackPostDeps,
  batch: {
    id: string;
    body: string;
    groupId?: string;
    /** Delivered before (ApproximateReceiveCount > 1, or a retry's envelope): look for its post first. */
    redelivered?: boolean;
  }[],
): Promise<{ failed: string[]; posted: number; digests: number; dropped: number }> {
  // A message that does not parse never will: it fails (to the DLQ) instead of being retried.
  const unreadable: string[] = [];
  const parsed: { id: string; msg: SlackLaneMessage; redelivered: boolean }[] = [];
  let dropped = 0;
  for (const m of batch) {
    let json: unknown;
    try {
      json = JSON.parse(m.body);
    } catch {
      unreadable.push(m.id);
      continue;
    }
    const r = slackLaneMessageSchema.safeParse(json);
    if (!r.success) {
      unreadable.push(m.id);
      continue;
    }
    const own = slackLaneGroupId(r.data.tenantId, r.data.channelId);
    const batchGroup = parsed[0] ? slackLaneGroupId(parsed[0].msg.tenantId, parsed[0].msg.channelId) : own;
    if ((m.groupId !== undefined && m.groupId !== own) || own !== batchGroup) {
      dropped += 1;
      deps.log?.("Slack lane message outside its tenant's channel group: dropped", {
        tenantId: r.data.tenantId,
        channelId: r.data.channelId,
        groupId: m.groupId,
      });
      continue;
    }
    parsed.push({ id: m.id, msg: r.data, redelivered: m.redelivered === true });
  }
  if (parsed.length === 0) return { failed: unreadable, posted: 0, digests: 0, dropped };
  const first = parsed[0]!.msg;
  const conn = await deps.connections.getConnection(first.tenantId, 'slack');
  if (!conn) {
    // Disconnected: there is nothing to post with, and retrying would not change that.
    deps.log?.('Slack lane messages for a tenant without a Slack connection: dropped', {
      tenantId: first.tenantId,
      dropped: parsed.length,
    });
    return { failed: unreadable, posted: 0, digests: 0, dropped };
  }
  const client = new SlackClient({
    token: await readAccessToken(deps, conn),
    apiUrl: deps.slackApiUrl,
    clock: deps.clock,
    stats: newStats(),
    maxInProcessWaitMs: 20_000,
  });
  const teamId = conn.settings.teamId;

  // Redeliveries: an event already posted to this channel is not posted again.
  const seen = async (channelId: string, eventId: string) => deps.threads.wasPosted(first.tenantId, channelId, eventId);
  const singles: {
    id: string;
    msg: Extract<SlackLaneMessage, { type: 'slack.notify' }>;
    redelivered: boolean;
  }[] = [];
  const digestEvents: NotificationEvent[] = [];
  for (const p of parsed) {
    if (p.msg.type === 'slack.digest') {
      for (const e of p.msg.events) if (!(await seen(p.msg.channelId, e.id))) digestEvents.push(e);
    } else if (!(await seen(p.msg.channelId, p.msg.event.id))) {
      singles.push({ id: p.id, msg: p.msg, redelivered: p.redelivered });
    }
  }
  // What is waiting for the channel (a burst of single webhooks, whichever message of it came
  // first): a burst is posted as one digest with this batch's singles; their own lane messages then
  // find them posted and skip them.
  const pendingStore = deps.pending;
  let digested: string[] = [];
  if (pendingStore && singles.length > 0) {
    const waiting = await waitingForChannel({ ...deps, pending: pendingStore }, first.tenantId, first.channelId);
    const inBatch = new Set(singles.map((s) => s.msg.event.id));
    const others: NotificationEvent[] = [];
    for (const w of waiting) {
      if (inBatch.has(w.eventId) || (await seen(first.channelId, w.eventId))) continue;
      let json: unknown;
      try {
        json = JSON.parse(w.event);
      } catch {
        continue; // its own lane message still posts it
      }
      const ev = notificationEventSchema.safeParse(json);
      if (ev.success) others.push(ev.data);
    }
    if (singles.length + others.length >= DIGEST_MIN_BATCH) {
      digestEvents.push(...singles.splice(0).map((s) => s.msg.event), ...others);
      digested = waiting.map((w) => w.eventId);
    }
  }
  // A batch that is itself a burst joins the digest.
  if (singles.length >= DIGEST_MIN_BATCH) digestEvents.push(...singles.splice(0).map((s) => s.msg.event));
  digestEvents.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));

  let digests = 0;
  if (digestEvents.length > 0) {
    const digest = buildDigest(digestEvents, {
      channelId: first.channelId,
      windowStart: digestEvents[0]!.occurredAt,
      windowEnd: digestEvents.at(-1)!.occurredAt,
    });
    const delivery = { channelId: first.channelId, eventType: 'digest', events: digestEvents.length };
    try {
      // A digest made again on a redelivery holds the same events (they stay waiting until marked).
      const key = digestKey(
        first.tenantId,
        first.channelId,
        digestEvents.map((e) => e.id),
      );
      const redelivered = parsed.some((p) => p.redelivered);
      await postOnce(
        deps,
        client,
        { teamId, channel: first.channelId, text: digest.text, blocks: digest.blocks, key },
        redelivered,
      );
    } catch (err) {
      // Only a permanent refusal is a failed delivery; a rate limit or an outage is retried.
      if (err instanceof SlackApiError && err.permanent)
        await recordDelivery(deps, first.tenantId, { ...delivery, status: 'failed', reason: err.message });
      throw err;
    }
    for (const e of digestEvents) await deps.threads.markPosted(first.tenantId, first.channelId, e.id);
    await recordDelivery(deps, first.tenantId, { ...delivery, status: 'posted' });
    await pendingStore
      ?.removePendingPosts(first.tenantId, first.channelId, [
        ...new Set([...digested, ...digestEvents.map((e) => e.id)]),
      ])
      .catch(() => undefined);
    digests = 1;
  }

  const failed: string[] = [...unreadable];
  let posted = 0;
  for (const [i, p] of singles.entries()) {
    const { msg } = p;
    try {
      const rendered = renderNotification(msg.event, msg.template as TemplateObject);
      const parent = msg.threadKey
        ? await deps.threads.getThread(msg.tenantId, msg.channelId, msg.threadKey)
        : undefined;
      const ts = await postOnce(
        deps,
        client,
        {
          teamId,
          channel: msg.channelId,
          text: rendered.text,
          blocks: rendered.blocks,
          threadTs: parent,
          key: notificationKey(msg.tenantId, msg.channelId, msg.event.id),
        },
        p.redelivered,
      );
      posted += 1;
      // The post happened: a bookkeeping failure must not fail it (a retry would post it again).
      try {
        if (msg.threadKey && !parent) await deps.threads.putThread(msg.tenantId, msg.channelId, msg.threadKey, ts);
        await deps.threads.markPosted(msg.tenantId, msg.channelId, msg.event.id);
        await deps.pending?.removePendingPosts(msg.tenantId, msg.channelId, [msg.event.id]);
      } catch (err) {
        deps.log?.('posted, but its thread/marker was not stored', { error: (err as Error).message });
      }
      await recordDelivery(deps, msg.tenantId, {
        channelId: msg.channelId,
        eventType: msg.event.type,
        events: 1,
        status: 'posted',
      });
    } catch (err) {
      // Only Slack's permanent refusals fail here; rate limits and network errors retry the group.
      if (!(err instanceof SlackApiError && err.permanent)) throw err;
      await recordDelivery(deps, msg.tenantId, {
        channelId: msg.channelId,
        eventType: msg.event.type,
        events: 1,
        status: 'failed',
        reason: err.message,
      });
      // FIFO: once one fails, the rest of the group waits behind it.
      failed.push(...singles.slice(i).map((f) => f.id));
      break;
    }
  }
  return { failed, posted, digests, dropped };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
