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
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, failureReason, TajoError } from '../../../core/errors';
import { runWithDeadline } from '../../../core/http/retry-policy';
import type { RunOwner, RunRecord } from '../../../core/ports';
import { emptySummary, newRunId } from '../../../core/runs/summary';
import { type Checkpoint, settingsFingerprint } from './checkpoint';
import type { NotionSyncContext } from './sync-context';
import { SyncStep } from './sync-step';

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
      settingsFp: settingsFingerprint(ctx),
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
        : cp.settingsFp !== undefined && cp.settingsFp !== settingsFingerprint(ctx)
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
  run.checkpoint = undefined;
  const reason = run.error ? `${run.error}; abandoned: ${why}` : `abandoned: ${why}`;
  // A run that already ended (failed with a checkpoint to resume from) keeps when it ended; it
  // only stops being resumable, and says why. One left running is closed now.
  if (run.status !== 'running') {
    run.error = reason;
    await ctx.runs.putRun(run);
    return;
  }
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
    // Resuming cannot mend the configuration: fixing it starts a new run, so none is promised.
    if (err instanceof ConfigError) run.checkpoint = undefined;
    await failRun(ctx, run, failureReason(err));
    throw err;
  }
  return run;
}
