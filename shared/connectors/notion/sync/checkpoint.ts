/**
 * What a database run records to resume where it stopped: its checkpoint (phase, sources and
 * their read windows, an import in flight), and the keys it keeps beside it in the cursor store.
 */
import { createHash } from 'node:crypto';
import type { UnsupportedAttribute } from '../../../core/brevo/client';
import { fingerprint } from '../../../core/mapping';
import type { BrevoAttribute } from '../../../core/mapping/types';
import type { Fingerprint } from '../../../core/ports';
import type { WindowState } from '../windows';
import type { NotionSyncContext, ReadSource } from './sync-context';

/** The fingerprint of a row sent to Brevo whose write was never confirmed: it matches no row. */
export const UNCONFIRMED_FP = '';

export interface SourceState extends ReadSource {
  listId?: number;
  window: WindowState;
  rowsDone: boolean;
  /** Incremental only: reading the data source's trash (full runs sweep instead). */
  trash?: WindowState;
  /**
   * A page of trashed rows being removed, recorded (and counted) before the removal starts: a run
   * killed between Brevo's answer and the next checkpoint finishes it on resume instead of finding
   * the rows already forgotten and reporting nothing removed.
   */
  trashRemoval?: { gone: Fingerprint[]; next: WindowState };
  trashDone: boolean;
  sweepDone: boolean;
  /** The sweep's vanished rows are counted in the summary (their removal may be unfinished). */
  sweepCounted?: boolean;
  /** The source's cursor when the run started: rows edited since are page changes (sync.pages). */
  changesSince?: string;
  /** False for a database read for publishing only (isPublishOnly): its rows are not contacts. */
  contacts?: boolean;
  /** Rows read from this source so far (progress per database). */
  rowsRead?: number;
  /**
   * Set when a resumed run found that Brevo applied the import the dead run sent: the rows it
   * carried (their fingerprints, kept under this cursor key) are recorded as written when read
   * again, not sent twice.
   */
  applied?: string;
}

/** An import Brevo accepted (it answered a process id) whose outcome the run has not recorded yet. */
export interface PendingImport {
  sourceIndex: number;
  /** The import's process (absent: contacts upserted one by one, each recorded once Brevo took it). */
  processId?: number;
  /** Ties the cursor item below to this write (an item left by an older one is not read as this one's). */
  flushId: string;
  /** The cursor key holding the hashes of the rows it carried (importedRowHash). */
  key: string;
}

export interface Checkpoint {
  phase: 'prepare' | 'sources' | 'done';
  attributes: BrevoAttribute[];
  /** Attributes the account has that this version cannot write (absent in older checkpoints). */
  unsupportedAttributes?: UnsupportedAttribute[];
  sources: SourceState[];
  sourceIndex: number;
  /** The settings the run started with (settingsFingerprint): a run is resumed only under the same. */
  settingsFp?: string;
  pendingImport?: PendingImport;
  /**
   * The id full-run marks (fingerprints' seenRun) are made with: the first run of a chain of
   * resumed runs, so what an earlier run of the chain saw counts as seen by this one.
   */
  seenRunId?: string;
}

/**
 * The settings a checkpoint depends on (databases, mapping, lists; a scoped run's narrowed settings
 * and its target list): changing them abandons a run, so a run never ends under another scope.
 */
export function settingsFingerprint(ctx: Pick<NotionSyncContext, 'settings' | 'targetList'>): string {
  const of = ctx.targetList === undefined ? ctx.settings : { ...ctx.settings, targetList: ctx.targetList };
  return fingerprint(of as unknown as Record<string, unknown>);
}

/** One row as an import carried it: its id and the fingerprint of the values sent. */
export function importedRowHash(rowId: string, fp: string): string {
  return createHash('sha256').update(`${rowId}\u0000${fp}`).digest('hex').slice(0, 12);
}

/**
 * The cursor-store key under which a database's resolution (its data sources and their schemas) is
 * cached; status reads it to find the sources a database's rows are tracked under.
 */
export function databaseCacheKey(databaseId: string): string {
  return `database:${databaseId.replace(/-/g, '')}`;
}
