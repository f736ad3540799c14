/**
 * A step's record keeping: the run record's checkpoints and progress, and the writes in flight
 * (imports, upserts) recorded so a run killed mid-write is resumed without sending them twice.
 */
import { randomUUID } from 'node:crypto';
import type { ContactRow } from '../../../core/brevo/contact-rows';
import type { BrevoContactWriter } from '../../../core/brevo/contact-writer';
import { ProviderError } from '../../../core/errors';
import type { CallStats } from '../../../core/http/paced-fetch';
import type { RunRecord, SyncSummary } from '../../../core/ports';
import { type Checkpoint, importedRowHash, type PendingImport, type SourceState } from './checkpoint';
import { DEFAULT_SYNC_OPTIONS, type NotionSyncContext, type SyncOptions } from './sync-context';

export abstract class StepCheckpoints {
  protected readonly o: SyncOptions;
  protected readonly cp: Checkpoint;
  protected readonly summary: SyncSummary;
  protected readonly statsAtStart: { notion: CallStats; brevo: CallStats };
  protected absorbed = false;
  /** The summary as of the last checkpoint. */
  protected committed: SyncSummary;
  /** The checkpoint as last stored: a progress write stores it again, never a position not yet safe. */
  protected committedCheckpoint: unknown;
  protected lastProgressAt: number;

  constructor(
    protected readonly ctx: NotionSyncContext,
    protected readonly run: RunRecord,
    protected readonly deadline: number,
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

  /** Accounts this step's provider calls into the run summary (once). */
  absorbStats(): void {
    if (this.absorbed) return;
    this.absorbed = true;
    const { notion, brevo } = this.ctx.stats;
    this.summary.notionRequests =
      (this.summary.notionRequests ?? 0) + notion.requests - this.statsAtStart.notion.requests;
    this.summary.brevoRequests += brevo.requests - this.statsAtStart.brevo.requests;
    this.summary.rateLimited +=
      notion.rateLimited -
      this.statsAtStart.notion.rateLimited +
      brevo.rateLimited -
      this.statsAtStart.brevo.rateLimited;
    this.summary.durationMs = this.ctx.clock.now() - Date.parse(this.run.startedAt);
  }

  /** Every write of the record says the owner is still at it (ownerAlive). */
  protected touch(): void {
    if (this.run.owner) this.run.owner.heartbeatAt = new Date(this.ctx.clock.now()).toISOString();
  }

  protected async checkpoint(): Promise<void> {
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
  protected async rowsProgress(src: SourceState): Promise<void> {
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
  protected async reportProgress(src: SourceState): Promise<void> {
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
  protected async recordImport(
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
  protected upserted: string[] = [];

  /**
   * A contact Brevo accepted by upsert: recorded at once (the run record first points at the
   * item, then the item grows by one row per upsert), so a kill in the middle of a flush's upserts
   * does not send the ones already done again.
   */
  protected async recordUpsert(src: SourceState, writer: BrevoContactWriter, row: ContactRow) {
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
  protected async recordPending(pending: PendingImport): Promise<void> {
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
  protected importSettled(): void {
    this.cp.pendingImport = undefined;
    (this.committedCheckpoint as Checkpoint).pendingImport = undefined;
    this.upserted = [];
  }

  /**
   * A resumed run whose dead predecessor had an import in flight: Brevo is asked what became of it
   * (GET /v3/processes/{id}). Applied in full: its rows are recorded as written when read again.
   * Otherwise (failed, skipped rows it does not name, still running, unknown) they are sent again.
   */
  protected async settleImport(pending: PendingImport): Promise<void> {
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
  protected async appliedRows(src: SourceState): Promise<Set<string>> {
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
}
