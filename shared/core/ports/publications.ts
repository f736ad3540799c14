/**
 * What publishing (Notion pages → Brevo email campaigns) keeps per page, and the port that stores
 * it.
 *
 * One record per page of a publishing database that was ever seen in the publish state. It says
 * whether the page was in the state when last read, which entry into the state ("version") that
 * was, and where the campaign of that entry stands. Every write is conditional on the record's
 * revision, so two writers (a webhook-triggered run and a poll, a redelivered lane message, the CLI)
 * can never both move a page into the state or both start its campaign.
 */

/**
 * Where one entry's campaign stands:
 * - `pending`: the page entered the state; no Brevo call made yet.
 * - `creating`: the campaign creation was started. A campaign may exist in Brevo whose id we did
 *   not record (a crash or lost answer): the next attempt looks for it by name before creating.
 * - `created`: the campaign exists (`campaignId`), not sent yet: the next attempt sends it.
 * - `sent` / `scheduled`: done (Brevo sends a scheduled campaign at `scheduledAt` itself).
 * - `skipped`: already in the state when publishing was switched on (`existing: skip`).
 * - `cancelled`: the page left the state before its campaign was sent.
 * - `failed`: Brevo refused it for a reason retrying cannot fix (`error` says which); moving the
 *   page out of the state and back publishes it again.
 */
export type PublicationStatus =
  | 'pending'
  | 'creating'
  | 'created'
  | 'sent'
  | 'scheduled'
  | 'skipped'
  | 'cancelled'
  | 'failed';

/** Statuses a publishing pass still has work for. */
export const OPEN_PUBLICATION_STATUSES: readonly PublicationStatus[] = ['pending', 'creating', 'created'];

export interface Publication {
  /** The page's last_edited_time when it entered the state: with the page id, the page version. */
  version: string;
  status: PublicationStatus;
  /** Deterministic per page version: finds a campaign whose creation answer was lost. */
  campaignName?: string;
  campaignId?: number;
  subject?: string;
  /** When Brevo sends it (schedule); absent for campaigns sent at once. */
  scheduledAt?: string;
  title?: string;
  /** Attempts that met a transient failure (Brevo 5xx, network, rate limit). */
  attempts: number;
  /** Not before this time (a transient failure's backoff; the hourly budget's reset). */
  notBefore?: string;
  /** Why it failed (status failed), or the last transient failure. */
  error?: string;
  /** What the email had to leave out or change (images without a stable URL...). */
  warnings?: string[];
  updatedAt: string;
}

export interface PagePublishState {
  tenantId: string;
  /** The configured database id, without dashes. */
  databaseId: string;
  pageId: string;
  /** Whether the page was in the publish state when last read. */
  inState: boolean;
  /** When the page was last seen entering or leaving the state. */
  changedAt: string;
  /** The latest entry's publication (earlier ones are in `history`). */
  publication?: Publication;
  /** Earlier entries, newest first, at most 10: what was sent before. */
  history?: Pick<Publication, 'version' | 'status' | 'campaignId' | 'error' | 'updatedAt'>[];
  /** Bumped by every write; writes are conditional on it. */
  rev: number;
}

export interface PublishStateStore {
  /** Every page state of one database (pages ever seen in its publish state). */
  listPublishStates(tenantId: string, databaseId: string): Promise<PagePublishState[]>;
  getPublishState(tenantId: string, databaseId: string, pageId: string): Promise<PagePublishState | undefined>;
  /**
   * Writes `state` (whose `rev` is the new revision) if the stored revision is still `expectedRev`
   * (undefined: no record yet). False when another writer got there first: re-read and decide again.
   */
  putPublishState(state: PagePublishState, expectedRev: number | undefined): Promise<boolean>;
}
