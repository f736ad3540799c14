/** Slack notifications: thread parents, posts waiting for their channel, and the deliveries made. */

/** Slack thread parents: related notifications (same contact, same campaign) go into one thread. */
export interface ThreadStore {
  getThread(tenantId: string, channelId: string, threadKey: string): Promise<string | undefined>;
  putThread(tenantId: string, channelId: string, threadKey: string, ts: string): Promise<void>;
  /** Whether an event was already posted to a channel (a redelivered lane message). */
  wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean>;
  markPosted(tenantId: string, channelId: string, eventId: string): Promise<void>;
}

/**
 * Single Slack notifications accepted for a channel and not posted yet. The Slack worker reads what
 * is waiting for the channel (not what a queue batch happens to hold): a burst becomes one digest.
 */
export interface SlackPendingStore {
  /** `event` is the notification event as JSON (its raw payload left out). */
  addPendingPost(
    tenantId: string,
    channelId: string,
    eventId: string,
    event: string,
    ttlSeconds: number,
  ): Promise<void>;
  listPendingPosts(tenantId: string, channelId: string, limit: number): Promise<{ eventId: string; event: string }[]>;
  removePendingPosts(tenantId: string, channelId: string, eventIds: string[]): Promise<void>;
}

/** One Slack post (a notification or a digest) the Slack lane made or gave up on. */
export interface SlackDelivery {
  at: string;
  channelId: string;
  /** The event type, or 'digest' for a burst posted as one message. */
  eventType: string;
  /** Events the post carried (1, or a digest's count). */
  events: number;
  status: 'posted' | 'failed';
  /** A failure's one-line reason (Slack's refusal). */
  reason?: string;
}

/** A tenant's Slack notification deliveries: running totals and the last few, for status. */
export interface SlackDeliverySummary {
  /** Posts made and refused since the first one recorded. */
  posted: number;
  failed: number;
  since: string;
  /** The last successful post. */
  lastPosted: SlackDelivery | null;
  /** The last deliveries, newest first (SLACK_RECENT_DELIVERIES at most). */
  recent: SlackDelivery[];
}

export const SLACK_RECENT_DELIVERIES = 5;

export interface SlackDeliveryStore {
  recordSlackDelivery(tenantId: string, delivery: SlackDelivery): Promise<void>;
  getSlackDeliveries(tenantId: string): Promise<SlackDeliverySummary | undefined>;
}
