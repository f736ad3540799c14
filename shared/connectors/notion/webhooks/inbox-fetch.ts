/** The lane worker's part of webhooks: a chunk of inbox pages fetched, synced and sent as events (see index.ts). */
import { ProviderError, RateLimitedError } from '../../../core/errors';
import { runWithDeadline } from '../../../core/http/retry-policy';
import type {
  Clock,
  CursorStore,
  Fingerprint,
  PendingPage,
  RowError,
  WebhookSubscriptionStore,
} from '../../../core/ports';
import type { NotionGateway, NotionPage } from '../client';
import { DEFAULT_SYNC_OPTIONS } from '../sync/sync-context';
import { PAGES_PER_FETCH, QUEUED_MARKER } from './inbox';
import { emitPageEvent, type PageEventDeps } from './page-events';

/** How far before its cursor the incremental sync reads. */
const CURSOR_OVERLAP_MS = DEFAULT_SYNC_OPTIONS.overlapMs;

// ------------------------------------------------------------------ the lane worker's part

export interface PagesFetchDeps extends PageEventDeps {
  notion: NotionGateway;
  webhooks: WebhookSubscriptionStore;
  cursors: CursorStore;
  clock: Clock;
  /** Queues an incremental database sync (the engine writes synced rows and handles removals). */
  queueSync: (dedupeKey: string) => Promise<unknown>;
  /** Queues the next fetch message when the inbox holds more than one chunk. */
  queueMore: (dedupeKey: string) => Promise<void>;
  /** Whether the page is as a Brevo → Notion rule's write left it (its echo: no event, no sync). */
  isOwnWrite?: (page: NotionPage, databaseId: string) => Promise<boolean>;
  /**
   * Sends a page whose fetch failed (not a rate limit) in a message of its own, out of the inbox:
   * the tenant's other pages go on, and that message is retried, then dead-lettered with the reason.
   */
  queueStuck?: (entry: PendingPage) => Promise<void>;
  /** The entries of a message that carries its own pages (a stuck page): the inbox is not read. */
  pages?: PendingPage[];
  /**
   * Each page's in-process budget (ms, on `clock`): its provider calls never retry longer (nor past
   * the enclosing deadline), so a page that keeps failing gives up in seconds and goes out of the
   * group's way; each page of a batch has its own, so faults on one do not cut the others' retries.
   */
  pageBudgetMs?: number;
}

export interface PagesFetchResult {
  fetched: number;
  sent: number;
  duplicates: number;
  noIdentifier: number;
  syncQueued: boolean;
  /** Pages Notion answered with something that is not a readable page: one error each, the rest processed. */
  failed: number;
  errors: RowError[];
  /** Pages whose fetch failed, each sent in a message of its own (retried, then dead-lettered). */
  stuck: number;
}

/** One `notion.pages.fetch` message: a chunk of the inbox, fetched at the lane's pace. */
export async function handleNotionPagesFetch(deps: PagesFetchDeps): Promise<PagesFetchResult> {
  const own = deps.pages;
  // Released before reading: an event that lands from now on queues the next message itself.
  if (!own) await deps.markers.releaseMarker(deps.tenantId, QUEUED_MARKER);
  const pending = own ?? (await deps.webhooks.listPendingPages(deps.tenantId, PAGES_PER_FETCH));
  const result: PagesFetchResult = {
    fetched: 0,
    sent: 0,
    duplicates: 0,
    noIdentifier: 0,
    syncQueued: false,
    failed: 0,
    errors: [],
    stuck: 0,
  };
  const synced = new Set(deps.settings.databases.map((d) => normaliseId(d.id)));
  const fingerprints = new Map<string, Map<string, Fingerprint>>();
  let needsSync = false;
  /** Per data source: the oldest last_edited_time among the live pages the events named. */
  const rewindTo = new Map<string, string>();
  const done: PendingPage[] = [];
  for (const entry of pending) {
    const pageDeadline = deps.clock.now() + (deps.pageBudgetMs ?? Number.POSITIVE_INFINITY);
    const withinBudget = <T>(fn: () => Promise<T>) => runWithDeadline(pageDeadline, fn);
    let page: NotionPage | undefined;
    try {
      page = await withinBudget(() => deps.notion.getPage(entry.pageId));
    } catch (err) {
      // An answer that is not a readable page (a required field missing) is this page's problem:
      // fetching it again gives the same answer, so it is recorded and the rest of the batch goes
      // on. A row of a synced database is still read by the sync, which reports it as a row error.
      // A rate limit fails the batch (the lane waits: every page would meet it). Anything else
      // (an outage, an error on this page) takes this page out of the batch's way into a message
      // of its own, retried after a backoff then dead-lettered; the message of a single stuck
      // page fails, with the reason.
      if (err instanceof RateLimitedError) throw err;
      if (!(err instanceof ProviderError && err.code === 'unexpected_answer')) {
        if (own || !deps.queueStuck) throw err;
        await deps.queueStuck(entry);
        result.stuck += 1;
        done.push(entry);
        continue;
      }
      result.failed += 1;
      result.errors.push({ pageId: entry.pageId, reason: err.message });
      if (deps.settings.sync.databases && entry.parentId && synced.has(normaliseId(entry.parentId))) needsSync = true;
      done.push(entry);
      continue;
    }
    result.fetched += 1;
    const parent = parentOf(page);
    if (page && parent.databaseId && (await deps.isOwnWrite?.(page, parent.databaseId))) {
      done.push(entry);
      continue;
    }
    const inSyncedDb =
      deps.settings.sync.databases &&
      [parent.databaseId, parent.sourceId, entry.parentId].some(
        (id) => id !== undefined && synced.has(normaliseId(id)),
      );
    // The engine writes the row (and takes trashed rows out of the list) in the sync it runs.
    if (inSyncedDb) needsSync = true;
    if (inSyncedDb && page) {
      const gone = page.in_trash === true || page.archived === true;
      // Cursors are kept per data source (a database id names none: no cursor, nothing to rewind).
      const sourceId = parent.sourceId ?? entry.parentId;
      // Restoring or moving a page keeps its last_edited_time: the incremental read (from the
      // cursor) would not see it. The sync must read back to it (the trash is read whole already).
      if (!gone && sourceId) {
        const earliest = rewindTo.get(sourceId);
        if (earliest === undefined || page.last_edited_time < earliest) rewindTo.set(sourceId, page.last_edited_time);
      }
    }
    if (deps.settings.sync.pages && page) {
      const gone = page.in_trash === true || page.archived === true;
      const kind = gone ? 'deleted' : entry.types.includes('page.created') ? 'created' : 'updated';
      const sourceId = parent.sourceId ?? parent.databaseId;
      let identifier: Fingerprint | undefined;
      if (sourceId && inSyncedDb) {
        let fps = fingerprints.get(sourceId);
        if (!fps) {
          fps = await deps.cursors.loadFingerprints(deps.tenantId, 'notion', sourceId);
          fingerprints.set(sourceId, fps);
        }
        identifier = fps.get(page.id);
      }
      const names = propertyNames(page, entry.propertyIds);
      const outcome = await withinBudget(() =>
        emitPageEvent(deps, {
          page,
          kind,
          identifier,
          changedProperties: entry.types.includes('page.properties_updated') ? names : undefined,
        }),
      );
      if (outcome === 'sent') result.sent += 1;
      else if (outcome === 'duplicate') result.duplicates += 1;
      else result.noIdentifier += 1;
    }
    // A page Notion no longer shows us (404: deleted for good or unshared) has no event to send:
    // its database row, if any, leaves the list through the sync's removal path.
    done.push(entry);
  }
  if (!own) await deps.webhooks.removePendingPages(deps.tenantId, done);
  for (const [sourceId, lastEdited] of rewindTo) await rewindCursor(deps, sourceId, lastEdited);
  if (needsSync) {
    // One sync per fetch message, never per minute: a start deduplicated against an earlier one
    // (FIFO deduplication lasts 5 minutes) would drop this edit if that sync already read its rows.
    // Fetch messages are one at a time per tenant, so a burst still queues one or two syncs.
    await deps.queueSync(`webhook:${deps.clock.now()}:${done.length}`);
    result.syncQueued = true;
  }
  if (!own && pending.length === PAGES_PER_FETCH) await deps.queueMore(`more:${deps.clock.now()}`);
  return result;
}

/**
 * Sets the source's cursor back so that the next incremental sync reads a page last edited at
 * `lastEdited` (plus the sync's own overlap). Only backwards, and only when the page is older than
 * the read would reach: rows read again are unchanged, so their fingerprints skip the Brevo write
 * and their page events are duplicates (markers); a sync only ever moves the cursor forward.
 */
async function rewindCursor(deps: PagesFetchDeps, sourceId: string, lastEdited: string): Promise<void> {
  const cursor = await deps.cursors.getCursor(deps.tenantId, 'notion', sourceId);
  if (!cursor?.highWater || Date.parse(cursor.highWater) - CURSOR_OVERLAP_MS <= Date.parse(lastEdited)) return;
  await deps.cursors.putCursor(deps.tenantId, 'notion', {
    ...cursor,
    highWater: lastEdited,
    updatedAt: new Date(deps.clock.now()).toISOString(),
  });
}

function normaliseId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

function parentOf(page: NotionPage | undefined): { databaseId?: string; sourceId?: string } {
  const parent = (page as { parent?: { database_id?: string; data_source_id?: string } } | undefined)?.parent;
  return { databaseId: parent?.database_id, sourceId: parent?.data_source_id };
}

/** Webhooks name properties by id; events say names (ids Notion no longer shows are kept as ids). */
function propertyNames(page: NotionPage, ids: string[]): string[] {
  const byId = new Map<string, string>();
  for (const [name, value] of Object.entries(page.properties)) {
    byId.set(value.id, name);
    byId.set(safeDecode(value.id), name);
  }
  return ids.map((id) => byId.get(id) ?? byId.get(safeDecode(id)) ?? id);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
