/**
 * The Slack worker's side of notifications: it posts a lane batch (one channel's), one message per
 * event in the thread of its contact or campaign, or one digest when the batch (or what waits for
 * the channel) is a burst. The webhook side queues them: notification-messages.ts.
 */

import { type NotificationEvent, notificationEventSchema } from '../../../core/events/events';
import { newStats } from '../../../core/http/paced-fetch';
import type {
  Clock,
  ConnectionStore,
  NotificationDelivery,
  NotificationDeliveryStore,
  PendingPostStore,
  SecretStore,
  ThreadStore,
} from '../../../core/ports';
import { type OAuthTokens, readAccessToken } from '../../../core/tenancy/oauth-tokens';
import { SlackApiError, SlackClient } from '../client';
import { buildDigest } from './digest';
import {
  DIGEST_MAX_EVENTS,
  DIGEST_MIN_BATCH,
  digestKey,
  notificationKey,
  type SlackLaneMessage,
  slackLaneGroupId,
  slackLaneMessageSchema,
} from './lane-messages';
import { renderNotification } from './render-notification';
import type { TemplateObject } from './templates';

/** How long the worker lets a channel's burst keep arriving before it reads what is waiting. */
const BURST_SETTLE_MS = 400;
const BURST_SETTLE_MAX_MS = 2_000;

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

type RoutedMessage = Extract<SlackLaneMessage, { type: 'slack.notify' }>;
type PostMessage = Extract<SlackLaneMessage, { type: 'slack.post' }>;
/** One post of a batch: a routed event (rendered here, may join a digest) or an API notify's post. */
interface Single {
  id: string;
  msg: RoutedMessage | PostMessage;
  redelivered: boolean;
}

function isRoutedSingle(s: Single): s is Single & { msg: RoutedMessage } {
  return s.msg.type === 'slack.notify';
}

/** What marks a single as posted in its channel: its event's id, or the notify's notificationId. */
function postIdOf(msg: RoutedMessage | PostMessage): string {
  return msg.type === 'slack.post' ? msg.notificationId : msg.event.id;
}

/** Takes the routed singles out of `singles` (they join a digest); the API's posts stay. */
function takeRouted(singles: Single[]): NotificationEvent[] {
  const routed = singles.filter(isRoutedSingle);
  const kept = singles.filter((s) => !isRoutedSingle(s));
  singles.splice(0, singles.length, ...kept);
  return routed.map((s) => s.msg.event);
}

export interface SlackPostDeps {
  connections: ConnectionStore;
  threads: ThreadStore;
  secrets: SecretStore;
  /** Refreshes OAuth connections' rotating tokens before they expire (without it: used as stored). */
  oauthTokens?: OAuthTokens;
  clock: Clock;
  /** Where each post's outcome is counted for `status slack` (without it: not recorded). */
  deliveries?: NotificationDeliveryStore;
  slackApiUrl?: string;
  /** Single notifications waiting for their channel (without it: digests only what a batch holds). */
  pending?: PendingPostStore;
  log?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * The single notifications waiting for a channel, once its burst (if any) stopped growing: at most
 * BURST_SETTLE_MAX_MS of waiting, and BURST_SETTLE_MS for a lone event (Slack's 1 post/s per
 * channel makes that no slower than its pace).
 */
async function waitingForChannel(
  deps: SlackPostDeps & { pending: PendingPostStore },
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
  delivery: Omit<NotificationDelivery, 'at'>,
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
  const singles: Single[] = [];
  const digestEvents: NotificationEvent[] = [];
  for (const p of parsed) {
    if (p.msg.type === 'slack.digest') {
      for (const e of p.msg.events) if (!(await seen(p.msg.channelId, e.id))) digestEvents.push(e);
    } else if (!(await seen(p.msg.channelId, postIdOf(p.msg)))) {
      singles.push({ id: p.id, msg: p.msg, redelivered: p.redelivered });
    }
  }
  // Only routed events may be digested: an API notify's post is the caller's, posted as asked.
  const routedSingles = singles.filter(isRoutedSingle);
  // What is waiting for the channel (a burst of single webhooks, whichever message of it came
  // first): a burst is posted as one digest with this batch's singles; their own lane messages then
  // find them posted and skip them.
  const pendingStore = deps.pending;
  let digested: string[] = [];
  if (pendingStore && routedSingles.length > 0) {
    const waiting = await waitingForChannel({ ...deps, pending: pendingStore }, first.tenantId, first.channelId);
    const inBatch = new Set(routedSingles.map((s) => s.msg.event.id));
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
    if (routedSingles.length + others.length >= DIGEST_MIN_BATCH) {
      digestEvents.push(...takeRouted(singles), ...others);
      digested = waiting.map((w) => w.eventId);
    }
  }
  // A batch that is itself a burst joins the digest.
  if (singles.filter(isRoutedSingle).length >= DIGEST_MIN_BATCH) digestEvents.push(...takeRouted(singles));
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
    const postId = postIdOf(msg);
    const delivery = {
      channelId: msg.channelId,
      eventType: msg.type === 'slack.post' ? msg.event : msg.event.type,
      events: 1,
      ...(msg.type === 'slack.post' ? { notificationId: msg.notificationId } : {}),
    };
    try {
      const rendered = msg.type === 'slack.post' ? msg : renderNotification(msg.event, msg.template as TemplateObject);
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
          key: notificationKey(msg.tenantId, msg.channelId, postId),
        },
        p.redelivered,
      );
      posted += 1;
      // The post happened: a bookkeeping failure must not fail it (a retry would post it again).
      try {
        if (msg.threadKey && !parent) await deps.threads.putThread(msg.tenantId, msg.channelId, msg.threadKey, ts);
        await deps.threads.markPosted(msg.tenantId, msg.channelId, postId);
        if (msg.type === 'slack.notify') await deps.pending?.removePendingPosts(msg.tenantId, msg.channelId, [postId]);
      } catch (err) {
        deps.log?.('posted, but its thread/marker was not stored', { error: (err as Error).message });
      }
      await recordDelivery(deps, msg.tenantId, { ...delivery, status: 'posted' });
    } catch (err) {
      // Only Slack's permanent refusals fail here; rate limits and network errors retry the group.
      if (!(err instanceof SlackApiError && err.permanent)) throw err;
      await recordDelivery(deps, msg.tenantId, { ...delivery, status: 'failed', reason: err.message });
      // FIFO: once one fails, the rest of the group waits behind it.
      failed.push(...singles.slice(i).map((f) => f.id));
      break;
    }
  }
  return { failed, posted, digests, dropped };
}
