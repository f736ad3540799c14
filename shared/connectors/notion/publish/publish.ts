/**
 * Published → campaign: a page of a database with a `publish` rule that enters the rule's state
 * (Status = Published) becomes a Brevo email campaign for the rule's list, sent at once or
 * scheduled, exactly once per page version.
 *
 * The rule, as a marketing user expects it:
 * - **Entering the state** is seeing the page in the state when the last time we saw it (or never)
 *   it was not. The sync notices it whichever way it reads the row: the 4-hourly poll, a full or
 *   incremental run, a run queued by a Notion webhook.
 * - **The page version** is the page's last_edited_time at that entry (the status change itself
 *   sets it). One entry, one campaign.
 * - A page that **stays** in the state is never sent again, whether it is merely read again or
 *   edited (a typo fixed after the send must not mail the list a second time).
 * - A page that **leaves and comes back** is a new version: it is sent again. "Leaving" must be
 *   seen: a page moved out and back between two reads (4 hours apart without webhooks) is not.
 * - A page that leaves **before its campaign went out** is not sent (unpublishing stops it).
 * - Pages **already in the state when the rule is first seen** are not mailed (`existing: skip`,
 *   the default): only pages edited before that moment are taken for old ones, so a page published
 *   while the rule was being set up is still sent. `existing: send` mails them.
 *
 * How it runs:
 * - Detection (`watchPublishing`, the sync's onRowsRead) writes one record per page (PUB#...) with
 *   a revision-conditional put: of two readers seeing the same entry (a poll and a webhook run, a
 *   redelivered step), exactly one records it. No Brevo call happens in the sync.
 * - Publishing (`publishPending`, a `notion.publish` lane message after each run, or the CLI)
 *   takes the open records: `pending` → `creating` (recorded before the POST) → `created` with the
 *   campaign id (recorded as soon as Brevo answers) → `sent`. A crash after the POST leaves
 *   `creating`: the next attempt finds the campaign by its name (unique per page version) before
 *   creating one; a crash after sendNow leaves `created`: sendNow again answers 400 and the
 *   campaign's status shows it went out. So no page version ever gets a second campaign.
 * - Budget: Brevo allows 100 calls an hour on these endpoints per account. Calls are reserved in
 *   the tenant's shared hourly budget before they are made (create + send together); when it is
 *   spent, or Brevo answers 429, the rest wait: the run says so, the log says so, and a timer
 *   brings the work back when the hour turns (the next run would too).
 */

import type { Clock, CursorStore, PublishedCampaign, PublishSummary } from '../../../core/ports';
import type { PagePublishState, PublishStateStore } from '../../../core/ports/publications';
import type { NotionConnectorConfig } from '../config-schema';

/** Campaigns listed in one run summary; the rest are counted. */
export const MAX_REPORTED = 100;
/** Earlier publications kept per page. */
export const MAX_HISTORY = 10;
/** A publishing pass stops starting pages this long before its deadline. */
export const PUBLISH_RESERVE_MS = 60_000;
/** Content requests per page (each ≤ 100 blocks): a newsletter is far below. */
export const MAX_CONTENT_REQUESTS = 300;
/**
 * Calls of Brevo's hourly "other endpoints" budget publishing leaves to the contact sync (its
 * attributes, lists and import checks), so campaigns never starve the sync.
 */
export const SYNC_RESERVED_CALLS = 10;

export type Log = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface PublishDeps {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  publications: PublishStateStore;
  cursors: CursorStore;
  clock: Clock;
  log?: Log;
}

/** Whether any database of the connection publishes (the lane then queues a publishing pass). */
export function hasPublishing(settings: Pick<NotionConnectorConfig, 'databases'>): boolean {
  return settings.databases.some((d) => d.publish !== undefined);
}

export function emptyPublishSummary(): PublishSummary {
  return { entered: 0, skipped: 0, cancelled: 0, campaigns: [], deferred: 0, issues: [] };
}

export function publishSummaryOf(summary: { publish?: PublishSummary }): PublishSummary {
  summary.publish ??= emptyPublishSummary();
  return summary.publish;
}

export function normaliseId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

export function report(pub: PublishSummary, c: PublishedCampaign): void {
  if (pub.campaigns.length < MAX_REPORTED) pub.campaigns.push(c);
}

/** The previous publication moves to the history when a new entry replaces it. */
export function archived(prev: PagePublishState | undefined): PagePublishState['history'] {
  const history = [...(prev?.history ?? [])];
  const p = prev?.publication;
  if (p) {
    history.unshift({
      version: p.version,
      status: p.status,
      updatedAt: p.updatedAt,
      ...(p.campaignId === undefined ? {} : { campaignId: p.campaignId }),
      ...(p.error === undefined ? {} : { error: p.error }),
    });
  }
  return history.slice(0, MAX_HISTORY);
}
