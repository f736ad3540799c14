/**
 * A platform's webhook subscription (its verification token, pending then confirmed) and the pages its
 * events said changed. One connector's today (Notion's handshake and page events: ARCHITECTURE.md).
 */

/**
 * Webhook subscription state per tenant. The tokens themselves are in the secret store;
 * this record keeps their refs and a hint the admin can recognise (never the token).
 */
export interface WebhookSubscription {
  tenantId: string;
  /** The token the platform sent in its handshake, not yet seen signing an event. */
  pendingRef?: string;
  pendingAt?: string;
  pendingHint?: string;
  /**
   * When the tenant's admin fetched the pending token (to paste it into the platform). Anyone can send a
   * handshake, so a pending token becomes the active one only once fetched and then seen signing
   * an event: a stranger's handshake and self-signed event never replace the tenant's token.
   */
  pendingRevealedAt?: string;
  /** The token that signed a valid event: the subscription is active. */
  confirmedRef?: string;
  confirmedAt?: string;
  confirmedHint?: string;
}

/** A page a webhook said changed, waiting for the lane worker to fetch it. */
export interface PendingPage {
  pageId: string;
  /** Event types seen since the page was last fetched (page.created, page.properties_updated...). */
  types: string[];
  /** Property ids from page.properties_updated. */
  propertyIds: string[];
  /** Author user ids of the events. */
  authors: string[];
  /** The parent data source or database the event named (routing to the database sync). */
  parentId?: string;
  /** Bumped by every event: the worker deletes the entry only if no event came in meanwhile. */
  version: number;
}

/** The subscription's methods keep their Notion names for now: the DynamoDB layout test calls them. */
export interface WebhookSubscriptionStore {
  getNotionWebhook(tenantId: string): Promise<WebhookSubscription | undefined>;
  putNotionWebhook(record: WebhookSubscription): Promise<void>;
  /** Forgets the subscription state (disconnect; its token secrets are deleted by the caller). */
  deleteNotionWebhook(tenantId: string): Promise<void>;
  /** Merges one event into the page's pending entry (created when missing). */
  addPendingPage(tenantId: string, entry: Omit<PendingPage, 'version'>, ttlSeconds: number): Promise<void>;
  /** Up to `limit` pending pages of the tenant. */
  listPendingPages(tenantId: string, limit: number): Promise<PendingPage[]>;
  /** Drops entries that are still at the version read (a newer event keeps its entry). */
  removePendingPages(tenantId: string, entries: Pick<PendingPage, 'pageId' | 'version'>[]): Promise<void>;
}
