/**
 * The Slack lane's messages: what the webhook ingress queues (one notification, or one digest of a
 * burst) and what the API's notify queues (one rendered post) per tenant channel, and the keys that
 * make a redelivery find what it already posted.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type NotificationEvent, notificationEventSchema } from '../../../core/events/events';
import type { RouteTarget } from './routing';

/**
 * At least this many events for one channel, in one webhook delivery or one lane batch, are posted
 * as one digest: a burst is summarised at once instead of queueing minutes of single posts.
 */
export const DIGEST_MIN_BATCH = 4;
/** A waiting single notification is forgotten after this (its lane message posts it on its own). */
export const PENDING_POST_TTL_S = 2 * 86_400;
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
/**
 * A message the management API's notify asked for (POST /tenants/{t}/slack/notify), rendered when it
 * was accepted: posted as it is, in order, never folded into a digest (the caller asked for this post).
 */
const postMessage = z.object({
  type: z.literal('slack.post'),
  tenantId: z.string().min(1),
  channelId: z.string().min(1),
  /** The id the API answered with: the post's dedupe key and its delivery record's id. */
  notificationId: z.string().min(1),
  /** The caller's event name (what status shows). */
  event: z.string().min(1),
  threadKey: z.string().optional(),
  text: z.string().min(1),
  blocks: z.array(z.unknown()),
});
export const slackLaneMessageSchema = z.discriminatedUnion('type', [notifyMessage, digestMessage, postMessage]);
export type SlackLaneMessage = z.infer<typeof slackLaneMessageSchema>;

export function notifyLaneMessage(tenantId: string, route: RouteTarget, event: NotificationEvent): SlackLaneMessage {
  return {
    type: 'slack.notify',
    tenantId,
    channelId: route.channelId,
    threadKey: route.threadKey,
    template: route.template,
    event,
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
