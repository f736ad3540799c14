/**
 * Page changes of synced databases (`connectors.notion.sync.pages: true`): what the sync reports
 * to become Brevo events, and whether the config lets it report any.
 *
 * A change is a new last_edited_time of a row of a synced database since the source's previous
 * run (a new row is `created`, a row found in the trash `deleted`). A source without a cursor (its
 * first run) records the baseline and reports nothing: the whole database is not "changes".
 */

import type { Fingerprint } from '../../../core/ports';
import type { NotionPage } from '../client';
import type { NotionConnectorConfig } from '../config-schema';
import { isPublishOnly } from '../mapping/database-mapping';

export interface SyncedPageChange {
  page: NotionPage;
  kind: 'created' | 'updated' | 'deleted';
  /** The row's contact: as written now, or as last written (none for a row never written). */
  identifier?: Pick<Fingerprint, 'identifier' | 'identifierType'>;
}

/**
 * Whether a row read by a run is a change to report. `since` is the source's cursor when the run
 * started (the newest last_edited_time an earlier run wrote). Rows of that very minute are read
 * again by the overlap: only those whose mapped values changed count (last_edited_time is
 * minute-rounded, so an edit made in that minute after the earlier run read it cannot be told
 * apart otherwise; one without a mapped change is not reported).
 */
export function isPageChange(page: NotionPage, since: string, mappedValuesChanged: boolean): boolean {
  const edited = Date.parse(page.last_edited_time);
  const cursor = Date.parse(since);
  return edited > cursor || (edited === cursor && mappedValuesChanged);
}

/**
 * `created` for a row new since the cursor that the sync never wrote (an unconfirmed send, whose `fp`
 * is the sync's UNCONFIRMED_FP (sync/checkpoint.ts), is not a write); `updated` otherwise.
 */
export function changeKind(page: NotionPage, since: string, previous: Fingerprint | undefined): 'created' | 'updated' {
  const written = previous !== undefined && previous.fp !== '';
  return !written && Date.parse(page.created_time) >= Date.parse(since) ? 'created' : 'updated';
}

/**
 * Why `sync.pages: true` sends no event from a sync with this config (empty when it can), for
 * `config validate`, the run summary and status.
 */
export function pageEventIssues(settings: Omit<NotionConnectorConfig, 'token'>): string[] {
  if (!settings.sync.pages) return [];
  const webhooksOnly = settings.pages?.event_identifier
    ? 'only Notion webhook events are sent (under pages.event_identifier)'
    : 'no page event can be sent';
  if (!settings.sync.databases) {
    return [
      `sync.pages is on but sync.databases is off: page events come from the synced databases' rows, so ${webhooksOnly}`,
    ];
  }
  if (settings.databases.filter((d) => !isPublishOnly(d)).length === 0) {
    return [`sync.pages is on but no database is synced to contacts (connectors.notion.databases): ${webhooksOnly}`];
  }
  return [];
}
