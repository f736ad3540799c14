/** What a Notion → Brevo database run is given (providers, stores, hooks) and its tunings. */
import type { BrevoClient } from '../../../core/brevo/client';
import {
  type ContactWriteOptions,
  DEFAULT_CONTACT_WRITE_OPTIONS,
  type ProgressEvent,
} from '../../../core/brevo/contact-writer';
import { readEnv } from '../../../core/env';
import { TajoError } from '../../../core/errors';
import type { CallStats } from '../../../core/http/paced-fetch';
import type { Clock, CursorStore, RunStore, SyncSummary } from '../../../core/ports';
import type { NotionGateway, NotionPage, SchemaProperty } from '../client';
import type { NotionConnectorConfig } from '../config-schema';
import type { SyncedPageChange } from './page-changes';

export interface SyncOptions extends ContactWriteOptions {
  /** Rows gathered before a Brevo write (one import); also the checkpoint granularity. */
  flushRows: number;
  /** Incremental reads start this far before the cursor (last_edited_time is minute-rounded). */
  overlapMs: number;
  /** Cached data-source resolution and schemas are refreshed when older than this. */
  schemaMaxAgeMs: number;
  /** A step stops starting new work this long before its deadline. */
  stepReserveMs: number;
  /** How often a running step records its progress in the run record (0: never). */
  progressEveryMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  ...DEFAULT_CONTACT_WRITE_OPTIONS,
  flushRows: 10_000,
  overlapMs: 60_000,
  schemaMaxAgeMs: 24 * 3_600_000,
  stepReserveMs: 60_000,
  progressEveryMs: 2_000,
};

/**
 * TAJO_SYNC_FLUSH_ROWS: rows gathered per Brevo write, which is also how often a run records its
 * checkpoint (default 10,000). Smaller means less read again after a kill, more Brevo calls. Read
 * here for the CLI and the local stack's lanes alike; throws a one-line error on a bad value.
 */
export function syncTuningFromEnv(env: NodeJS.ProcessEnv = process.env): { flushRows: number } | undefined {
  const raw = readEnv(env).syncFlushRows;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0))
    throw new TajoError('TAJO_SYNC_FLUSH_ROWS takes a positive whole number', 'usage');
  return { flushRows: n };
}

export interface NotionSyncContext {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  notion: NotionGateway;
  brevo: BrevoClient;
  cursors: CursorStore;
  runs: RunStore;
  clock: Clock;
  stats: { notion: CallStats; brevo: CallStats };
  options?: Partial<SyncOptions>;
  onProgress?: (e: ProgressEvent) => void;
  /**
   * A scoped run's target list (the SDK's `targetList`): once its rows are written, every contact
   * of the databases it read joins this Brevo list too (sync/target-list.ts).
   */
  targetList?: number;
  /**
   * The run's database is not in connectors.notion.databases (a scoped sync of it): its rows are
   * mapped by the default mapping read from its schema (mapping/default-mapping.ts).
   */
  defaultMapping?: boolean;
  /**
   * `sync.pages`: called after each flush with the page changes among the rows read (new
   * last_edited_times since the source's cursor, new rows, rows found in the trash), and with the
   * run's summary to count events and warnings into. Never for a source's first run (no cursor:
   * the baseline). It must not throw for one event: the rows are written already.
   */
  onPageChanges?: (changes: SyncedPageChange[], source: ReadSource, summary: SyncSummary) => Promise<void>;
  /**
   * Recognises rows whose last edit is this service's own write (Brevo → Notion rules), per
   * database: they are not written back to Brevo, so a two-way field never loops.
   */
  ownWrites?: (databaseId: string) => Promise<(page: NotionPage) => boolean>;
  /**
   * Called with every page of rows read (all modes, before they are mapped), with the run's
   * summary to report into. Publishing watches page states here; it must be idempotent, since rows
   * read after the last checkpoint are read again when a step is retried.
   */
  onRowsRead?: (source: ReadSource, pages: NotionPage[], summary: SyncSummary) => Promise<void>;
}

/** The data source a page of rows came from. */
export interface ReadSource {
  dbIndex: number;
  /** The database id as configured. */
  databaseId: string;
  sourceId: string;
  title: string;
  schema: Record<string, SchemaProperty>;
}
