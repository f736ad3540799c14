/**
 * The Notion → Brevo database sync. A run is a sequence of steps; each step does a bounded amount
 * of work and leaves a checkpoint in the run record, so a run survives a Lambda timeout and resumes
 * in the next invocation (the lane carries a continuation message). The CLI runs the same steps in
 * a loop, in process.
 *
 * Guarantees:
 * - A source's cursor advances only after Brevo accepted the rows before it.
 * - Unchanged rows (same fingerprint of mapped values) are not written again.
 * - Rows that cannot be mapped are reported per row; the others sync.
 * - Incremental: trashed rows leave the list. Full: rows no longer returned (trashed, deleted,
 *   unshared) leave the list.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { BrevoClient, UnsupportedAttribute } from '../../../core/brevo/client';
import {
  BrevoContactWriter,
  type ContactRow,
  type ContactWriteOptions,
  DEFAULT_CONTACT_WRITE_OPTIONS,
  type ProgressEvent,
  recordRowFailure,
} from '../../../core/brevo/contact-writer';
import { mappedProperties } from '../../../core/config/mapping';
import type { NotionConnectorConfig, NotionDatabaseConfig } from '../../../core/config/schema';
import { readEnv } from '../../../core/env';
import { failureReason, ProviderError, TajoError } from '../../../core/errors';
import type { CallStats } from '../../../core/http/paced-fetch';
import { runWithDeadline } from '../../../core/http/retry-policy';
import { fingerprint, mayBeTruncated } from '../../../core/mapping';
import type { BrevoAttribute, NotionPropertyValue } from '../../../core/mapping/types';
import type { Clock, CursorStore, Fingerprint, RunOwner, RunRecord, RunStore, SyncSummary } from '../../../core/ports';
import { addSkip } from '../../../core/runs/counts';
import type { NotionGateway, NotionPage, SchemaProperty } from '../client';
import { isPublishOnly, publishProperties } from '../publish/rule';
import { advanceWindow, freshRows, initialWindow, type WindowState, windowQuery } from '../windows';
import { buildPlan, type MappingPlan, mapRow, valueFromItems } from './mapping-plan';
import { changeKind, isPageChange, pageEventIssues, type SyncedPageChange } from './page-changes';

export type { ProgressEvent };

/** The fingerprint of a row sent to Brevo whose write was never confirmed: it matches no row. */
export const UNCONFIRMED_FP = '';

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
export function syncTuningFromEnv(env: NodeJS.ProcessEnv): { flushRows: number } | undefined {
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

interface SourceState extends ReadSource {
  listId?: number;
  window: WindowState;
  rowsDone: boolean;
  /** Incremental only: reading the data source's trash (full runs sweep instead). */
  trash?: WindowState;
  trashDone: boolean;
  sweepDone: boolean;
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
interface PendingImport {
  sourceIndex: number;
  /** The import's process (absent: contacts upserted one by one, each recorded once Brevo took it). */
  processId?: number;
  /** Ties the cursor item below to this write (an item left by an older one is not read as this one's). */
  flushId: string;
  /** The cursor key holding the hashes of the rows it carried (importedRowHash). */
  key: string;
}

interface Checkpoint {
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

/** The settings a checkpoint depends on (databases, mapping, lists): changing them abandons a run. */
export function settingsFingerprint(settings: NotionSyncContext['settings']): string {
  return fingerprint(settings as unknown as Record<string, unknown>);
}

/** One row as an import carried it: its id and the fingerprint of the values sent. */
function importedRowHash(rowId: string, fp: string): string {
  return createHash('sha256').update(`${rowId}\u0000${fp}`).digest('hex').slice(0, 12);
}

export function emptySummary(mode: SyncSummary['mode']): SyncSummary {
  return {
    mode,
    pagesRead: 0,
    upserted: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    skipped: 0,
    skips: [],
    vanished: 0,
    errors: [],
    errorsTruncated: 0,
    fieldErrors: 0,
    notionRequests: 0,
    brevoRequests: 0,
    rateLimited: 0,
    durationMs: 0,
    warnings: [],
  };
}

/** Run ids sort by start time (run records are listed newest first by id). */
export function newRunId(clock: Clock): string {
  return `${new Date(clock.now()).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

export async function startRun(
  ctx: NotionSyncContext,
  args: {
    mode: 'full' | 'incremental';
    trigger: RunRecord['trigger'];
    runId?: string;
    owner?: Omit<RunOwner, 'heartbeatAt'>;
  },
): Promise<RunRecord> {
  const run: RunRecord = {
    tenantId: ctx.tenantId,
    connector: 'notion',
    runId: args.runId ?? newRunId(ctx.clock),
    mode: args.mode,
    status: 'running',
    startedAt: new Date(ctx.clock.now()).toISOString(),
    trigger: args.trigger,
    summary: emptySummary(args.mode),
    checkpoint: {
      phase: 'prepare',
      attributes: [],
      sources: [],
      sourceIndex: 0,
      settingsFp: settingsFingerprint(ctx.settings),
    } satisfies Checkpoint,
    ...(args.owner ? { owner: { ...args.owner, heartbeatAt: new Date(ctx.clock.now()).toISOString() } } : {}),
  };
  await ctx.runs.putRun(run);
  return run;
}

/**
 * A run whose owner has not written its record for this long is taken for dead: longer than a
 * Lambda's 15-minute limit, and than an import's wait (importTimeoutMs) between two writes.
 */
export const RUN_LEASE_MS = 16 * 60_000;

/** This process as a run's owner (a CLI run). */
export function cliOwner(): Omit<RunOwner, 'heartbeatAt'> {
  return { kind: 'cli', host: hostname(), pid: process.pid };
}

/** Another live process runs the tenant's sync: it is never shared (one checkpoint, one writer). */
export class RunBusyError extends TajoError {
  constructor(readonly run: RunRecord) {
    super(
      `a Notion sync is already running (run ${run.runId}, ${ownerWords(run.owner)}): ` +
        'wait for it to finish (tajo connectors status notion shows it), then run again',
      'busy',
    );
  }
}

function ownerWords(owner: RunOwner | undefined): string {
  if (!owner) return 'started elsewhere';
  const heard = `last heard ${owner.heartbeatAt}`;
  if (owner.kind === 'cli') return `tajo process ${owner.pid ?? '?'} on ${owner.host ?? '?'}, ${heard}`;
  return `the Notion lane, ${heard}`;
}

/** A run that did not finish and can go on from its checkpoint (running, or failed mid-way). */
export function isResumable(run: RunRecord): boolean {
  return !run.job && run.checkpoint !== undefined && (run.status === 'running' || run.status === 'failed');
}

/**
 * Whether the process running `run` may still be at it. A CLI run, or a local stack's lane run, on
 * this host is alive while its pid is (a kill -9 shows at once); otherwise the heartbeat (every
 * write of the record) decides.
 */
export function ownerAlive(run: RunRecord, now: number): boolean {
  if (run.status !== 'running') return false;
  const heard = Date.parse(run.owner?.heartbeatAt ?? run.progress?.at ?? run.startedAt);
  const fresh = now - heard < RUN_LEASE_MS;
  const o = run.owner;
  // A lane owner has a pid only in the local stack (npm start): a Lambda's is not worth checking.
  if (o?.host === hostname() && o.pid !== undefined && o.pid !== process.pid) {
    try {
      process.kill(o.pid, 0);
      // Killed but not yet reaped by its parent (a zombie, Linux): as dead as gone.
      if (/^\d+ \(.*\) Z /.test(readProcStat(o.pid))) return false;
    } catch (err) {
      // EPERM: the pid is someone else's process, alive; ESRCH: gone.
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
  }
  return fresh;
}

function readProcStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return ''; // not Linux, or gone meanwhile: the signal check above decides
  }
}

/** What a resumed run had done when it died. */
export interface ResumedFrom {
  runId: string;
  mode: RunRecord['mode'];
  startedAt: string;
  /** Records read by the run up to its last checkpoint. */
  rowsDone: number;
  /** Its status when found: failed (a fault it could not get past) or running (its process died). */
  was: 'failed' | 'running';
  reason?: string;
}

export interface StartOrResume {
  run: RunRecord;
  resumedFrom?: ResumedFrom;
  /** An unfinished run this one replaced (--restart, changed settings, a full run after an incremental). */
  abandoned?: { runId: string; why: string };
}

/**
 * Interrupted work resumes, never restarts: the tenant's last Notion sync, when it did not finish
 * (failed, or its process died), continues from its checkpoint — whatever mode is asked, except
 * that a full run is not satisfied by resuming an incremental one. `restart` abandons it instead;
 * so does a change of the settings its checkpoint was made with. A run another live process owns
 * is never taken: `whenBusy` 'refuse' throws RunBusyError (the CLI), 'start' begins a run of its
 * own as before (the lane, whose FIFO group already orders the work).
 */
export async function startOrResumeRun(
  ctx: NotionSyncContext,
  args: {
    mode: 'full' | 'incremental';
    trigger: RunRecord['trigger'];
    runId?: string;
    restart?: boolean;
    owner: Omit<RunOwner, 'heartbeatAt'>;
    whenBusy: 'refuse' | 'start';
  },
): Promise<StartOrResume> {
  const [last] = await ctx.runs.listRuns(ctx.tenantId, 'notion', 1, { job: null });
  let abandoned: StartOrResume['abandoned'];
  if (last && isResumable(last)) {
    if (ownerAlive(last, ctx.clock.now())) {
      if (args.whenBusy === 'refuse') throw new RunBusyError(last);
    } else {
      const cp = last.checkpoint as Checkpoint;
      const why = args.restart
        ? 'started over (--restart)'
        : cp.settingsFp !== undefined && cp.settingsFp !== settingsFingerprint(ctx.settings)
          ? 'the configuration changed since it started'
          : args.mode === 'full' && last.mode === 'incremental'
            ? 'a full run was asked for'
            : undefined;
      if (why === undefined) {
        const resumed = await claim(ctx, last, args);
        if (resumed) return resumed;
        // Another process resumed it at the same moment: it is that one's now.
        if (args.whenBusy === 'refuse') {
          throw new RunBusyError((await ctx.runs.getRun(ctx.tenantId, 'notion', last.runId)) ?? last);
        }
      } else {
        await abandonRun(ctx, last, why);
        abandoned = { runId: last.runId, why };
      }
    }
  }
  const run = await startRun(ctx, args);
  return { run, ...(abandoned ? { abandoned } : {}) };
}

/**
 * Resumes a dead run as a new run record (the id the caller knows: a lane message's, the CLI's)
 * that takes over its checkpoint and counts; the dead one is closed ("resumed as run …") with no
 * checkpoint, by a write conditioned on its owner's last heartbeat, so two processes cannot both
 * take it. Full-run marks keep the first run's id (seenRunId): rows the dead run saw are not
 * swept as vanished.
 */
async function claim(
  ctx: NotionSyncContext,
  dead: RunRecord,
  args: { trigger: RunRecord['trigger']; runId?: string; owner: Omit<RunOwner, 'heartbeatAt'> },
): Promise<StartOrResume | undefined> {
  const now = new Date(ctx.clock.now()).toISOString();
  const resumedFrom: ResumedFrom = {
    runId: dead.runId,
    mode: dead.mode,
    startedAt: dead.startedAt,
    rowsDone: dead.summary.pagesRead,
    was: dead.status === 'failed' ? 'failed' : 'running',
    ...(dead.error ? { reason: dead.error } : {}),
  };
  const cp = dead.checkpoint as Checkpoint;
  const run: RunRecord = {
    tenantId: dead.tenantId,
    connector: 'notion',
    runId: args.runId ?? newRunId(ctx.clock),
    mode: dead.mode,
    status: 'running',
    startedAt: now,
    trigger: args.trigger,
    summary: structuredClone(dead.summary),
    checkpoint: { ...structuredClone(cp), seenRunId: cp.seenRunId ?? dead.runId } satisfies Checkpoint,
    owner: { ...args.owner, heartbeatAt: now },
    resumedFrom: dead.runId,
    resumes: (dead.resumes ?? 0) + 1,
  };
  // Written first: should this process die before closing the dead run, the newest run (this one)
  // holds the checkpoint and is what the next invocation resumes.
  await ctx.runs.putRun(run);
  const closed: RunRecord = {
    ...dead,
    status: 'failed',
    error: `${dead.error ? `${dead.error}; ` : ''}resumed as run ${run.runId}`,
    finishedAt: dead.finishedAt ?? now,
    // A new heartbeat: a second process claiming with the old one finds it changed.
    owner: { ...args.owner, heartbeatAt: now },
  };
  delete closed.checkpoint;
  delete closed.progress;
  const expected = dead.owner?.heartbeatAt;
  let won: boolean;
  if (ctx.runs.claimRun) won = await ctx.runs.claimRun(closed, expected);
  else {
    const back = await ctx.runs.getRun(ctx.tenantId, 'notion', dead.runId);
    won = back?.owner?.heartbeatAt === expected && back?.checkpoint !== undefined;
    if (won) await ctx.runs.putRun(closed);
  }
  if (!won) {
    run.checkpoint = undefined;
    await failRun(ctx, run, `run ${dead.runId} was resumed by another process first`);
    return undefined;
  }
  return { run, resumedFrom };
}

/** An unfinished run that will not be resumed: failed for good, with why, and no checkpoint. */
async function abandonRun(ctx: Pick<NotionSyncContext, 'runs' | 'clock'>, run: RunRecord, why: string) {
  const reason = run.error ? `${run.error}; abandoned: ${why}` : `abandoned: ${why}`;
  run.checkpoint = undefined;
  await failRun(ctx, run, reason);
}

/**
 * Runs one step of a run: until the run is done or `deadline` (epoch ms) is near. Returns the
 * updated record; `status` stays "running" when another step is needed.
 */
export async function runStep(ctx: NotionSyncContext, run: RunRecord, deadline: number): Promise<RunRecord> {
  const step = new SyncStep(ctx, run, deadline);
  try {
    // No provider retry waits past the step's deadline (shared/core/http/retry-policy.ts): a fault that
    // outlasts it fails the step at once, which checkpoints for the next invocation.
    await runWithDeadline(deadline, () => step.execute());
  } catch (err) {
    // Rows read since the last checkpoint will be read again by the retry: keep the counts as
    // they were at the checkpoint, adding only the provider calls this step made.
    step.restoreCommitted();
    step.absorbStats();
    await ctx.runs.putRun(run);
    throw err;
  }
  return run;
}

/** Marks a run failed with a one-line reason (the caller decides when a failure is final). */
/**
 * The cursor-store key under which a database's resolution (its data sources and their schemas) is
 * cached; status reads it to find the sources a database's rows are tracked under.
 */
export function databaseCacheKey(databaseId: string): string {
  return `database:${databaseId.replace(/-/g, '')}`;
}

export async function failRun(ctx: Pick<NotionSyncContext, 'runs' | 'clock'>, run: RunRecord, reason: string) {
  run.status = 'failed';
  run.error = reason;
  run.progress = undefined;
  run.finishedAt = new Date(ctx.clock.now()).toISOString();
  run.summary.durationMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  await ctx.runs.putRun(run);
}

/** The CLI path: all steps in this process. */
export async function runToCompletion(
  ctx: NotionSyncContext,
  args: { mode: 'full' | 'incremental'; trigger: RunRecord['trigger']; runId?: string },
): Promise<RunRecord> {
  return completeRun(ctx, await startRun(ctx, args));
}

/** Runs a started (or resumed) run's steps to the end in this process; a failure is recorded, then thrown. */
export async function completeRun(ctx: NotionSyncContext, started: RunRecord): Promise<RunRecord> {
  let run = started;
  try {
    while (run.status === 'running') run = await runStep(ctx, run, Number.POSITIVE_INFINITY);
  } catch (err) {
    await failRun(ctx, run, failureReason(err));
    throw err;
  }
  return run;
}

class SyncStep {
  private readonly o: SyncOptions;
  private readonly cp: Checkpoint;
  private readonly summary: SyncSummary;
  private readonly statsAtStart: { notion: CallStats; brevo: CallStats };
  private absorbed = false;
  /** The summary as of the last checkpoint. */
  private committed: SyncSummary;
  /** The checkpoint as last stored: a progress write stores it again, never a position not yet safe. */
  private committedCheckpoint: unknown;
  private lastProgressAt: number;

  constructor(
    private readonly ctx: NotionSyncContext,
    private readonly run: RunRecord,
    private readonly deadline: number,
  ) {
    this.o = { ...DEFAULT_SYNC_OPTIONS, ...ctx.options };
    this.cp = run.checkpoint as Checkpoint;
    this.summary = run.summary;
    this.committed = structuredClone(run.summary);
    this.committedCheckpoint = structuredClone(run.checkpoint);
    this.lastProgressAt = ctx.clock.now();
    this.statsAtStart = {
      notion: { ...ctx.stats.notion },
      brevo: { ...ctx.stats.brevo },
    };
  }

  async execute(): Promise<void> {
    if (this.cp.pendingImport) await this.settleImport(this.cp.pendingImport);
    if (this.cp.phase === 'prepare') {
      await this.prepare();
      this.cp.phase = 'sources';
      await this.checkpoint();
    }
    while (this.cp.phase === 'sources' && this.cp.sourceIndex < this.cp.sources.length) {
      const src = this.cp.sources[this.cp.sourceIndex] as SourceState;
      this.ctx.onProgress?.({
        type: 'source',
        title: src.title,
        sourceId: src.sourceId,
        written: this.summary.upserted,
        unchanged: this.summary.unchanged,
      });
      const finished = await this.syncSource(src);
      if (!finished) return; // out of time: the checkpoint holds the position
      this.cp.sourceIndex += 1;
      await this.checkpoint();
    }
    this.cp.phase = 'done';
    this.run.status = 'succeeded';
    this.run.finishedAt = new Date(this.ctx.clock.now()).toISOString();
    this.run.checkpoint = undefined;
    this.run.progress = undefined;
    await this.checkpoint();
  }

  private get mode() {
    return this.run.mode;
  }

  /** The run id full-run marks carry (the first run of a resumed chain). */
  private get seenRunId(): string {
    return this.cp.seenRunId ?? this.run.runId;
  }

  private timeLeft(): boolean {
    return this.ctx.clock.now() < this.deadline - this.o.stepReserveMs;
  }

  /** Accounts this step's provider calls into the run summary (once). */
  absorbStats(): void {
    if (this.absorbed) return;
    this.absorbed = true;
    const { notion, brevo } = this.ctx.stats;
    this.summary.notionRequests += notion.requests - this.statsAtStart.notion.requests;
    this.summary.brevoRequests += brevo.requests - this.statsAtStart.brevo.requests;
    this.summary.rateLimited +=
      notion.rateLimited -
      this.statsAtStart.notion.rateLimited +
      brevo.rateLimited -
      this.statsAtStart.brevo.rateLimited;
    this.summary.durationMs = this.ctx.clock.now() - Date.parse(this.run.startedAt);
  }

  /** Every write of the record says the owner is still at it (ownerAlive). */
  private touch(): void {
    if (this.run.owner) this.run.owner.heartbeatAt = new Date(this.ctx.clock.now()).toISOString();
  }

  private async checkpoint(): Promise<void> {
    this.touch();
    this.absorbStats();
    this.absorbed = false;
    this.statsAtStart.notion = { ...this.ctx.stats.notion };
    this.statsAtStart.brevo = { ...this.ctx.stats.brevo };
    await this.ctx.runs.putRun(this.run);
    this.committed = structuredClone(this.summary);
    this.committedCheckpoint = structuredClone(this.run.checkpoint);
  }

  /** A page of rows was read: tells the in-process follower and, now and then, the run record. */
  private async rowsProgress(src: SourceState): Promise<void> {
    this.ctx.onProgress?.({
      type: 'rows',
      title: src.title,
      pagesRead: this.summary.pagesRead,
      sourceRows: src.rowsRead,
      written: this.summary.upserted,
      unchanged: this.summary.unchanged,
    });
    await this.reportProgress(src);
  }

  /**
   * Records how far the step got (rows read and written, the source) in the run record, at most
   * every progressEveryMs, for whoever follows the run by polling it. The summary and checkpoint
   * stored with it are the last committed ones: a crash after this write resumes as before it.
   */
  private async reportProgress(src: SourceState): Promise<void> {
    const every = this.o.progressEveryMs;
    const now = this.ctx.clock.now();
    if (every <= 0 || now - this.lastProgressAt < every) return;
    this.lastProgressAt = now;
    this.touch();
    this.run.progress = {
      pagesRead: this.summary.pagesRead,
      written: this.summary.upserted,
      unchanged: this.summary.unchanged,
      source: src.title,
      at: new Date(now).toISOString(),
    };
    await this.ctx.runs.putRun({
      ...this.run,
      summary: structuredClone(this.committed),
      checkpoint: structuredClone(this.committedCheckpoint),
    });
  }

  /**
   * Brevo answered an import with its process id: the id and the rows it carries are recorded
   * before the import is followed, so a run killed from here until its next checkpoint reads the
   * process back (settleImport) instead of sending the rows again. Rows whose contact changes
   * identifier or list are left out: the flush detaches their old contact after the import, so a
   * resumed run must write them again to do that.
   */
  private async recordImport(
    src: SourceState,
    writer: BrevoContactWriter,
    processId: number,
    rows: readonly ContactRow[],
  ) {
    const hashes = rows
      .filter((r) => {
        const prev = writer.previous(r.rowId);
        return !prev || (prev.identifier === r.identifier && (prev.listId === undefined || prev.listId === src.listId));
      })
      .map((r) => importedRowHash(r.rowId, r.fp));
    const key = `pending-import:${src.sourceId}`;
    const flushId = randomUUID();
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      sourceId: key,
      meta: { flushId, processId, hashes: hashes.join('') },
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
    await this.recordPending({ sourceIndex: this.cp.sourceIndex, processId, flushId, key });
  }

  /** Hashes of the contacts this flush upserted so far (recordUpsert). */
  private upserted: string[] = [];

  /**
   * A contact Brevo accepted by upsert: recorded at once (the run record first points at the
   * item, then the item grows by one row per upsert), so a kill in the middle of a flush's upserts
   * does not send the ones already done again.
   */
  private async recordUpsert(src: SourceState, writer: BrevoContactWriter, row: ContactRow) {
    const prev = writer.previous(row.rowId);
    if (prev && (prev.identifier !== row.identifier || (prev.listId !== undefined && prev.listId !== src.listId))) {
      return;
    }
    let pending = this.cp.pendingImport;
    if (!pending || pending.processId !== undefined) {
      this.upserted = [];
      pending = { sourceIndex: this.cp.sourceIndex, flushId: randomUUID(), key: `pending-upserts:${src.sourceId}` };
      await this.recordPending(pending);
    }
    this.upserted.push(importedRowHash(row.rowId, row.fp));
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      sourceId: pending.key,
      meta: { flushId: pending.flushId, hashes: this.upserted.join('') },
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
  }

  /** The run record points at a write in flight (with the last committed counts and position). */
  private async recordPending(pending: PendingImport): Promise<void> {
    this.cp.pendingImport = pending;
    (this.committedCheckpoint as Checkpoint).pendingImport = pending;
    this.touch();
    await this.ctx.runs.putRun({
      ...this.run,
      summary: structuredClone(this.committed),
      checkpoint: structuredClone(this.committedCheckpoint),
    });
  }

  /** The flush recorded the write's outcome itself: nothing pending any more. */
  private importSettled(): void {
    this.cp.pendingImport = undefined;
    (this.committedCheckpoint as Checkpoint).pendingImport = undefined;
    this.upserted = [];
  }

  /**
   * A resumed run whose dead predecessor had an import in flight: Brevo is asked what became of it
   * (GET /v3/processes/{id}). Applied in full: its rows are recorded as written when read again.
   * Otherwise (failed, skipped rows it does not name, still running, unknown) they are sent again.
   */
  private async settleImport(pending: PendingImport): Promise<void> {
    const src = this.cp.sources[pending.sourceIndex];
    // Upserts were recorded one by one after Brevo took each: those recorded are applied.
    let applied = pending.processId === undefined;
    if (pending.processId !== undefined)
      try {
        const proc = await this.ctx.brevo.waitForProcess(pending.processId, {
          // The first answer usually settles it (the import had time while the run was down).
          firstPollMs: 1,
          timeoutMs: Math.min(this.o.importTimeoutMs, 60_000),
        });
        const report = proc.info?.import ?? {};
        applied = Object.values(report).every((v) => typeof v !== 'number' || v === 0);
      } catch (err) {
        // Unknown outcome: the rows are sent again (identical values), which is always safe.
        if (!(err instanceof ProviderError)) throw err;
      }
    if (src && applied) {
      const stored = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', pending.key);
      const meta = stored?.meta as { flushId?: string; hashes?: string } | undefined;
      if (meta?.flushId === pending.flushId) {
        // Rows an earlier settled write applied and this run has not re-read yet stay applied.
        const before = src.applied
          ? ((await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', src.applied))?.meta as
              | { hashes?: string }
              | undefined)
          : undefined;
        await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
          sourceId: `applied-import:${src.sourceId}`,
          meta: { flushId: pending.flushId, hashes: (before?.hashes ?? '') + (meta.hashes ?? '') },
          updatedAt: new Date(this.ctx.clock.now()).toISOString(),
        });
        src.applied = `applied-import:${src.sourceId}`;
      }
    }
    this.cp.pendingImport = undefined;
    await this.checkpoint();
  }

  /** The rows a read-back import applied for this source (hashes), loaded once per step. */
  private async appliedRows(src: SourceState): Promise<Set<string>> {
    if (!src.applied) return new Set();
    const stored = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', src.applied);
    const hashes = (stored?.meta as { hashes?: string } | undefined)?.hashes ?? '';
    const set = new Set<string>();
    for (let i = 0; i + 12 <= hashes.length; i += 12) set.add(hashes.slice(i, i + 12));
    return set;
  }

  /** Back to the counts of the last checkpoint (the step failed; its rows will be read again). */
  restoreCommitted(): void {
    Object.assign(this.summary, structuredClone(this.committed));
  }

  // ---------------------------------------------------------------- prepare

  private async prepare(): Promise<void> {
    const { settings } = this.ctx;
    if (settings.sync.pages) {
      this.summary.events = 0;
      this.summary.warnings.push(...pageEventIssues(settings));
    }
    if (!settings.sync.databases) {
      this.summary.warnings.push('sync.databases is off: no database was read');
      this.cp.sources = [];
      return;
    }
    // Brevo (attributes, lists) and Notion (data sources, schemas) are prepared side by side: they
    // are different providers, and the Notion lane should start reading as soon as it can.
    const [listIds, databases] = await Promise.all([
      (async () => {
        const read = await this.ctx.brevo.readAttributes();
        this.cp.attributes = read.attributes;
        this.cp.unsupportedAttributes = read.unsupported;
        return this.resolveLists(settings.databases);
      })(),
      Promise.all(settings.databases.map((db) => this.resolveDatabase(db))),
    ]);
    const sources: SourceState[] = [];
    for (const [dbIndex, db] of settings.databases.entries()) {
      const resolved = databases[dbIndex] as Awaited<ReturnType<SyncStep['resolveDatabase']>>;
      const contacts = !isPublishOnly(db);
      for (const s of resolved.sources) {
        // Validates the mapping against this source's schema now, before anything is written; what
        // it leaves out (a property or attribute this version cannot handle) is said once, here.
        if (contacts) this.summary.warnings.push(...this.plan({ dbIndex, title: s.title, schema: s.schema }).warnings);
        const cursor = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', s.id);
        const lower =
          this.mode === 'incremental' && cursor?.highWater
            ? new Date(Date.parse(cursor.highWater) - this.o.overlapMs).toISOString()
            : undefined;
        sources.push({
          dbIndex,
          databaseId: db.id,
          sourceId: s.id,
          title: s.title,
          listId: listIds[dbIndex],
          schema: s.schema,
          window: initialWindow(lower),
          rowsDone: false,
          // Trashing a page does not change its last_edited_time, so the trash is read whole
          // (it is small: Notion empties it after 30 days); only rows we wrote matter.
          trash: this.mode === 'incremental' && contacts ? initialWindow() : undefined,
          trashDone: this.mode !== 'incremental' || !contacts,
          sweepDone: this.mode !== 'full' || !contacts,
          ...(contacts && cursor?.highWater ? { changesSince: cursor.highWater } : {}),
          ...(contacts ? {} : { contacts: false }),
        });
      }
    }
    this.cp.sources = sources;
    this.cp.sourceIndex = 0;
  }

  private plan(src: Pick<SourceState, 'dbIndex' | 'title' | 'schema'>): MappingPlan {
    return buildPlan({
      databaseIndex: src.dbIndex,
      database: this.ctx.settings.databases[src.dbIndex] as NotionDatabaseConfig,
      connectorMapping: this.ctx.settings.field_mapping,
      title: src.title,
      schema: src.schema,
      attributes: this.cp.attributes,
      unsupported: this.cp.unsupportedAttributes,
      defaultCountryCode: this.ctx.settings.default_country_code,
    });
  }

  /**
   * Database → data sources and their schemas. Cached on the database's cursor record; an
   * incremental run reuses a fresh cache (so it costs no Notion request) unless the mapping names
   * a property the cached schema lacks.
   */
  private async resolveDatabase(
    db: NotionDatabaseConfig,
  ): Promise<{ sources: { id: string; title: string; schema: Record<string, SchemaProperty> }[] }> {
    const key = databaseCacheKey(db.id);
    const cached = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', key);
    const meta = cached?.meta as
      | {
          apiVersion: string;
          resolvedAt: number;
          sources: { id: string; title: string; schema: Record<string, SchemaProperty> }[];
        }
      | undefined;
    const wanted = [...mappedProperties(this.ctx.settings, db), ...publishProperties(db)];
    const fresh =
      meta &&
      this.mode === 'incremental' &&
      meta.apiVersion === this.ctx.notion.apiVersion &&
      this.ctx.clock.now() - meta.resolvedAt < this.o.schemaMaxAgeMs &&
      meta.sources.every((s) => wanted.every((p) => p in s.schema));
    if (fresh && meta) return meta;
    const resolved = await this.ctx.notion.resolveDatabase(db.id);
    const sources = [];
    for (const s of resolved.sources) {
      const title = resolved.sources.length > 1 ? `${resolved.title} / ${s.name}` : (db.name ?? resolved.title);
      sources.push({ id: s.id, title, schema: await this.ctx.notion.getSchema(s.id) });
    }
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      sourceId: key,
      meta: { apiVersion: this.ctx.notion.apiVersion, resolvedAt: this.ctx.clock.now(), sources },
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
    return { sources };
  }

  /** sync_to_list → list ids; names are looked up (cached) and created when missing. */
  private async resolveLists(dbs: NotionDatabaseConfig[]): Promise<(number | undefined)[]> {
    const byName = dbs.map((d) => d.sync_to_list).filter((l): l is string => typeof l === 'string');
    const byId = dbs.map((d) => d.sync_to_list).filter((l): l is number => typeof l === 'number');
    if (byName.length === 0 && byId.length === 0) return dbs.map(() => undefined);
    const cache = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', 'brevo-lists');
    const known = new Map<string, number>(Object.entries((cache?.meta as Record<string, number> | undefined) ?? {}));
    const missing = [
      ...byName.filter((n) => !known.has(n.toLowerCase())),
      ...byId.map(String).filter((id) => !known.has(id)),
    ];
    if (missing.length > 0) {
      const lists = await this.ctx.brevo.listLists();
      const ids = new Set(lists.map((l) => l.id));
      for (const id of byId) {
        if (!ids.has(id)) {
          throw new ProviderError('brevo', 404, 'document_not_found', `Brevo has no list with id ${id} (sync_to_list)`);
        }
        known.set(String(id), id);
      }
      for (const name of byName) {
        if (known.has(name.toLowerCase())) continue;
        known.set(name.toLowerCase(), await this.ctx.brevo.ensureList(name, lists));
      }
      await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
        sourceId: 'brevo-lists',
        meta: Object.fromEntries(known),
        updatedAt: new Date(this.ctx.clock.now()).toISOString(),
      });
    }
    return dbs.map((d) => (d.sync_to_list === undefined ? undefined : known.get(String(d.sync_to_list).toLowerCase())));
  }

  // ---------------------------------------------------------------- one source

  /** Returns true when the source is finished. */
  private async syncSource(src: SourceState): Promise<boolean> {
    if (src.contacts === false) {
      if (!src.rowsDone) {
        if (!(await this.readRowsOnly(src))) return false;
        src.rowsDone = true;
        await this.checkpoint();
      }
      return true;
    }
    const plan = this.plan(src);
    const writer = await this.writer(src);
    if (!src.rowsDone) {
      const finished = await this.readRows(src, plan, writer);
      if (!finished) return false;
      src.rowsDone = true;
      src.applied = undefined;
      await this.checkpoint();
    }
    if (!src.trashDone && src.trash) {
      const finished = await this.readTrash(src, writer);
      if (!finished) return false;
      src.trashDone = true;
      await this.checkpoint();
    }
    if (!src.sweepDone) {
      // Full run: every row still in the source was seen; the others vanished. The writer holds
      // what was stored before this step plus what this step wrote; a row seen by this run or a
      // later one (a run started meanwhile on the same lane) is alive.
      const vanished = writer.vanished();
      await writer.remove(vanished);
      // Not read by this run (they are no longer returned): removed, outside pagesRead.
      this.summary.vanished = (this.summary.vanished ?? 0) + vanished.length;
      src.sweepDone = true;
    }
    return true;
  }

  /** The Brevo writer for one source; its fingerprints are keyed by the data source. */
  private async writer(src: SourceState): Promise<BrevoContactWriter> {
    const writer: BrevoContactWriter = await BrevoContactWriter.open({
      upsertThreshold: this.o.upsertThreshold,
      importFirstPollMs: this.o.importFirstPollMs,
      importTimeoutMs: this.o.importTimeoutMs,
      tenantId: this.ctx.tenantId,
      connector: 'notion',
      sourceId: src.sourceId,
      title: src.title,
      brevo: this.ctx.brevo,
      cursors: this.ctx.cursors,
      clock: this.ctx.clock,
      mode: this.mode,
      runId: this.seenRunId,
      listId: src.listId,
      onRemove: (this.ctx.settings.databases[src.dbIndex] as NotionDatabaseConfig).on_remove,
      deadline: this.deadline,
      // An incremental run reads only edited rows: an unconfirmed row is rewritten by a full sync.
      retriedBy: 'the next full sync',
      summary: this.summary,
      onProgress: this.ctx.onProgress,
      onImportAccepted: (processId, rows) => this.recordImport(src, writer, processId, rows),
      onUpserted: (row) => this.recordUpsert(src, writer, row),
    });
    return writer;
  }

  private async readRows(src: SourceState, plan: MappingPlan, writer: BrevoContactWriter): Promise<boolean> {
    let maxEdited: string | undefined;
    let window = src.window;
    let pages = 0;
    const since = this.ctx.onPageChanges ? src.changesSince : undefined;
    const isOwnWrite = this.ctx.ownWrites ? await this.ctx.ownWrites(src.databaseId) : undefined;
    let changes: SyncedPageChange[] = [];
    // Rows a dead run's import put in Brevo (read back on resume): recorded as written, not sent.
    const applied = await this.appliedRows(src);
    // Rows new to the sync sent in the coming flush: should it fail, they may be in Brevo all the same.
    const sentNew = new Map<string, ContactRow>();
    // After the flush, so an event's contact holds the row's values when the event arrives.
    const reportChanges = async () => {
      if (changes.length > 0) await this.ctx.onPageChanges?.(changes, src, this.summary);
      changes = [];
    };
    while (!window.done) {
      // At least one page per step, so a step started late still moves the run forward.
      if (pages++ > 0 && !this.timeLeft()) break;
      const page = await this.queryWithResume(src.sourceId, window, false);
      // A row Notion sent unreadable is still in Notion: a full run's sweep must not remove it.
      // It was read (and failed, in queryWithResume): it counts in pagesRead like any row.
      for (const r of page.rejected ?? []) if (r.id) writer.keep(r.id);
      this.summary.pagesRead += page.rejected?.length ?? 0;
      const fresh = freshRows(window, page.pages);
      await this.ctx.onRowsRead?.(src, fresh, this.summary);
      src.rowsRead = (src.rowsRead ?? 0) + fresh.length + (page.rejected?.length ?? 0);
      for (const p of fresh) {
        this.summary.pagesRead += 1;
        if (!maxEdited || p.last_edited_time > maxEdited) maxEdited = p.last_edited_time;
        const properties = await this.completeProperties(p, plan);
        const res = mapRow(p.id, properties, plan, src.listId);
        const previous = writer.previous(p.id);
        if (!res.ok) {
          recordRowFailure(this.summary, res.errors);
          // Still in Notion: a full run's sweep must not take it out of the list.
          writer.keep(p.id);
          // Still a change of the page: its event goes to the contact it was last written as.
          if (since !== undefined && isPageChange(p, since, false)) {
            changes.push({ page: p, kind: changeKind(p, since, previous), identifier: previous });
          }
          continue;
        }
        // The echo of a rule's own write: Brevo is where the values came from (not sent back).
        const ownWrite = isOwnWrite?.(p) === true;
        const wasApplied = !ownWrite && applied.delete(importedRowHash(res.row.rowId, res.row.fp));
        let outcome: 'queued' | 'unchanged';
        if (wasApplied) {
          // Brevo holds these values (the dead run's import): stored as written, counted written.
          writer.acknowledge(res.row);
          this.summary.unchanged -= 1;
          this.summary.upserted += 1;
          outcome = 'queued';
        } else outcome = ownWrite ? writer.acknowledge(res.row) : writer.offer(res.row);
        if (outcome === 'queued' && !wasApplied && previous === undefined) sentNew.set(res.row.rowId, res.row);
        // Any new edit is a change, mapped or not; a rule's own write is not the user's change.
        if (since !== undefined && !ownWrite && isPageChange(p, since, outcome === 'queued')) {
          changes.push({ page: p, kind: changeKind(p, since, previous), identifier: res.row });
        }
      }
      window = advanceWindow(window, page);
      await this.rowsProgress(src);
      if (writer.buffered >= this.o.flushRows || window.done || !this.timeLeft()) {
        await this.flush(writer, src, sentNew);
        await reportChanges();
        src.window = window;
        if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
        await this.checkpoint();
      }
    }
    if (writer.buffered > 0 || changes.length > 0) {
      await this.flush(writer, src, sentNew);
      await reportChanges();
      src.window = window;
      if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
      await this.checkpoint();
    }
    return window.done;
  }

  /**
   * A publish-only source: the rows go to onRowsRead and the cursor advances; nothing is mapped,
   * written or removed in Brevo contacts. Checkpoints after every page of rows.
   */
  private async readRowsOnly(src: SourceState): Promise<boolean> {
    let window = src.window;
    let pages = 0;
    while (!window.done) {
      if (pages++ > 0 && !this.timeLeft()) break;
      const page = await this.queryWithResume(src.sourceId, window, false);
      const fresh = freshRows(window, page.pages);
      await this.ctx.onRowsRead?.(src, fresh, this.summary);
      // Read, and not contacts by design: skipped with the reason, so the counts add up.
      const readable = fresh.length + (page.rejected?.length ?? 0);
      this.summary.pagesRead += readable;
      src.rowsRead = (src.rowsRead ?? 0) + readable;
      addSkip(this.summary, `publish-only database "${src.title}"`, fresh.length);
      window = advanceWindow(window, page);
      src.window = window;
      await this.rowsProgress(src);
      const maxEdited = fresh.reduce<string | undefined>(
        (m, p) => (m === undefined || p.last_edited_time > m ? p.last_edited_time : m),
        undefined,
      );
      if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
      await this.checkpoint();
    }
    return window.done;
  }

  /**
   * Writes the rows read since the last checkpoint. An import still running at the deadline fails
   * the step instead: the cursor must not pass rows Brevo has not accepted, and the step's retry
   * reads them again from the checkpoint.
   *
   * A flush that fails after sending (Brevo applied the import, then its process poll failed), or
   * whose import Brevo did not confirm, may have put new rows' contacts in the list with nothing
   * recorded: the next run would not know them, and a row trashed meanwhile would stay in the
   * list. Their fingerprints are stored as "sent, unconfirmed" (an fp no mapped row matches): the
   * next run that reads them writes them again, and a removal finds them. On a failure the cursor
   * and the checkpoint stay where they were, so the next run reads those rows again.
   */
  private async flush(writer: BrevoContactWriter, src: SourceState, sentNew: Map<string, ContactRow>): Promise<void> {
    let res: Awaited<ReturnType<BrevoContactWriter['flush']>>;
    try {
      res = await writer.flush();
    } catch (err) {
      // The flush's own error is the one to report.
      await this.markUnconfirmed(writer, src, sentNew).catch(() => undefined);
      throw err;
    }
    if (res.unconfirmed > 0) await this.markUnconfirmed(writer, src, sentNew);
    // The writer stored what Brevo confirmed: the next checkpoint records the import's outcome.
    this.importSettled();
    sentNew.clear();
    if (res.importTimeout) throw res.importTimeout;
  }

  private async markUnconfirmed(writer: BrevoContactWriter, src: SourceState, sentNew: Map<string, ContactRow>) {
    const marks = [...sentNew.values()]
      .filter((r) => writer.previous(r.rowId) === undefined)
      .map(
        (r): Fingerprint => ({
          rowId: r.rowId,
          fp: UNCONFIRMED_FP,
          identifier: r.identifier,
          identifierType: r.identifierType,
          listId: src.listId,
          ...(this.mode === 'full' ? { seenRun: this.seenRunId } : {}),
        }),
      );
    if (marks.length > 0) await this.ctx.cursors.putFingerprints(this.ctx.tenantId, 'notion', src.sourceId, marks);
  }

  private async readTrash(src: SourceState, writer: BrevoContactWriter): Promise<boolean> {
    let window = src.trash as WindowState;
    let pages = 0;
    while (!window.done) {
      if (pages++ > 0 && !this.timeLeft()) return false;
      const page = await this.queryWithResume(src.sourceId, window, true);
      const trashed = freshRows(window, page.pages).filter((p) => writer.previous(p.id) !== undefined);
      const gone = trashed.map((p) => writer.previous(p.id) as Fingerprint);
      // Read in the trash and removed (or failed, when unreadable): in pagesRead, so the sum holds.
      // Trashed rows the sync never wrote concern nobody: they are not counted.
      this.summary.pagesRead += trashed.length + (page.rejected?.length ?? 0);
      // Only rows the sync wrote leave the list, and only they are reported (once: then forgotten).
      const deleted = trashed.map(
        (p): SyncedPageChange => ({ page: p, kind: 'deleted', identifier: writer.previous(p.id) }),
      );
      await writer.remove(gone);
      if (this.ctx.onPageChanges && src.changesSince !== undefined && deleted.length > 0) {
        await this.ctx.onPageChanges(deleted, src, this.summary);
      }
      window = advanceWindow(window, page);
      src.trash = window;
      await this.checkpoint();
    }
    return true;
  }

  /** A stored query cursor may have expired between invocations: restart that query then. */
  private async queryWithResume(sourceId: string, window: WindowState, inTrash: boolean) {
    const page = await this.queryOnce(sourceId, window, inTrash);
    // Rows the client could not read (a field a row needs is missing): one failure each, with why.
    for (const r of page.rejected ?? []) {
      recordRowFailure(this.summary, [{ pageId: r.id ?? '(no id)', reason: r.reason }]);
    }
    return page;
  }

  private async queryOnce(sourceId: string, window: WindowState, inTrash: boolean) {
    try {
      return await this.ctx.notion.query(sourceId, windowQuery(window, inTrash));
    } catch (err) {
      if (window.startCursor && err instanceof ProviderError && err.code === 'validation_error') {
        window.startCursor = undefined;
        return this.ctx.notion.query(sourceId, windowQuery(window, inTrash));
      }
      throw err;
    }
  }

  /** Reads in full the mapped values that a page object cuts at 25 references. */
  private async completeProperties(page: NotionPage, plan: MappingPlan): Promise<Record<string, NotionPropertyValue>> {
    let props = page.properties as Record<string, NotionPropertyValue>;
    for (const field of plan.fields) {
      const value = props[field.property];
      if (!value || !mayBeTruncated(value)) continue;
      const items = await this.ctx.notion.getFullPropertyItems(page.id, value.id);
      props = { ...props, [field.property]: valueFromItems(value, items) };
    }
    return props;
  }

  private async advanceCursor(sourceId: string, highWater: string): Promise<void> {
    const current = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', sourceId);
    if (current?.highWater && current.highWater >= highWater) return;
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      ...current,
      sourceId,
      highWater,
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
  }
}
