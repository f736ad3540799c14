/**
 * Notifications posted to a channel (Slack's today): thread parents, posts waiting for their channel,
 * and the deliveries made.
 */

/** Thread parents in a channel: related notifications (same contact, same campaign) go into one thread. */
export interface ThreadStore {
  getThread(tenantId: string, channelId: string, threadKey: string): Promise<string | undefined>;
  putThread(tenantId: string, channelId: string, threadKey: string, ts: string): Promise<void>;
  /** Whether an event was already posted to a channel (a redelivered lane message). */
  wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean>;
  markPosted(tenantId: string, channelId: string, eventId: string): Promise<void>;
}

/**
 * Single notifications accepted for a channel and not posted yet. The notifying lane reads what
 * is waiting for the channel (not what a queue batch happens to hold): a burst becomes one digest.
 */
export interface PendingPostStore {
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

/** One post (a notification or a digest) a notifying lane made or gave up on. */
export interface NotificationDelivery {
  at: string;
  channelId: string;
  /** The event type, or 'digest' for a burst posted as one message. */
  eventType: string;
  /** A notify call's id (POST /tenants/{t}/slack/notify answered it): how its caller finds this delivery. */
  notificationId?: string;
  /** Events the post carried (1, or a digest's count). */
  events: number;
  status: 'posted' | 'failed';
  /** A failure's one-line reason (the platform's refusal). */
  reason?: string;
}

/** A tenant's notification deliveries: running totals and the last few, for status. */
export interface NotificationDeliverySummary {
  /** Posts made and refused since the first one recorded. */
  posted: number;
  failed: number;
  since: string;
  /** The last successful post. */
  lastPosted: NotificationDelivery | null;
  /** The last deliveries, newest first (RECENT_NOTIFICATION_DELIVERIES at most). */
  recent: NotificationDelivery[];
}

export const RECENT_NOTIFICATION_DELIVERIES = 5;

/** The methods keep their Slack names for now: the DynamoDB layout test calls them. */
export interface NotificationDeliveryStore {
  recordSlackDelivery(tenantId: string, delivery: NotificationDelivery): Promise<void>;
  getSlackDeliveries(tenantId: string): Promise<NotificationDeliverySummary | undefined>;
}
