/**
 * One step of a Notion → Brevo database run (the sync.start and sync.continue jobs): run until the
 * deadline, then send the continuation, or, once the run succeeded, its users sync and publishing pass.
 */
import { ConfigError, failureReason, isInternalError, RateLimitedError } from '../../../core/errors';
import type { RunRecord } from '../../../core/ports';
import { newRunId } from '../../../core/runs/summary';
import { ParkLane } from '../lane/deps';
import { failRun, runStep } from '../sync/database-sync';
import { pageEventSender } from '../sync/page-event-sender';
import { sendContinuation, sendPublish, sendUsersSync } from './follow-ups';
import { laneOwner, type NotionJob, runScopeOf } from './job';
import { asFinishedBefore, carryFailedRun, isPermanent } from './outcomes';

/** Runs step `step` of `found` (the run the message names), unless a duplicate delivery met it done. */
export async function runSyncStep(
  job: NotionJob,
  found: RunRecord | undefined,
  step: number,
): Promise<RunRecord | undefined> {
  const { deps, conn, ctx } = job;
  let run = found;
  if (!run) return run;
  if (run.status === 'succeeded') return asFinishedBefore(run); // a duplicate delivery of a finished step
  if (run.status === 'failed') {
    // Only a message replayed from the dead-letter queue meets its failed run: resume it from its
    // checkpoint. One without (failed for good, or closed "resumed as run …") was counted when it
    // failed: returned as it is, not counted again.
    if (run.checkpoint === undefined) return asFinishedBefore(run);
    deps.log?.('info', 'resuming a failed run from its checkpoint', { tenantId: conn.tenantId, runId: run.runId });
    run.status = 'running';
    run.error = undefined;
    run.finishedAt = undefined;
  }
  if (deps.markers && conn.settings.sync.pages) {
    // Page changes the sync reads become Brevo events (same function and dedupe as webhooks); an
    // event not sent is a warning of the run, not a failed step (the rows are written already).
    ctx.onPageChanges = pageEventSender({
      tenantId: conn.tenantId,
      settings: conn.settings,
      brevo: ctx.brevo,
      markers: deps.markers,
    });
  }

  // This worker runs the step: the run is its own now (a step delivered again after the stack that
  // ran it was killed must not look dead to the next sync while it goes on here).
  run.owner = { ...laneOwner(), heartbeatAt: new Date(deps.clock.now()).toISOString() };
  run = await stepOrFail(job, run);
  if (run.status === 'failed') return run; // failed for good (stepOrFail closed it): nothing follows
  const scope = runScopeOf(job.message);
  if (run.status === 'running') await sendContinuation(deps, conn, run.runId, step + 1, scope);
  else deps.log?.('info', 'Notion sync finished', { tenantId: conn.tenantId, runId: run.runId, summary: run.summary });
  // A scoped run is the databases sync alone (resources ['databases'], one database): no users sync.
  if (run.status === 'succeeded' && conn.settings.sync.users && !scope) await sendUsersSync(deps, conn, run);
  // After each run, a publishing pass: the pages it saw enter a state, and any left waiting.
  if (run.status === 'succeeded' && job.publishDeps) {
    await sendPublish(deps, conn, newRunId(deps.clock), run.trigger, `${run.runId}:publish`);
  }
  return run;
}

/**
 * The step itself. A failure for good (or on the last attempt) closes the run as failed; a rate
 * limit parks the lane, and on the last attempt says so in the run first (a replay resumes it).
 */
async function stepOrFail({ deps, conn, ctx, opts, keepSpacing }: NotionJob, run: RunRecord): Promise<RunRecord> {
  try {
    return await runStep(ctx, run, opts.deadline);
  } catch (err) {
    if (err instanceof RateLimitedError) {
      // The queue dead-letters the message after this attempt: say so in the run (replay resumes it).
      if (!opts.lastAttempt) throw new ParkLane(err.retryAfterMs);
      await failRun(ctx, run, err.message);
      throw carryFailedRun(new ParkLane(err.retryAfterMs), run);
    }
    if (isPermanent(err) || opts.lastAttempt) {
      // The record gets one line; the log (redacted by the logger) keeps the stack of an internal error.
      const reason = failureReason(err);
      // Resuming cannot mend the configuration: fixing it starts a new run (nothing promises a resume).
      if (err instanceof ConfigError) run.checkpoint = undefined;
      await failRun(ctx, run, reason);
      deps.log?.('error', 'Notion sync failed', {
        tenantId: conn.tenantId,
        runId: run.runId,
        reason,
        ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
      });
      if (isPermanent(err)) return run;
      throw carryFailedRun(err, run);
    }
    throw err;
  } finally {
    await keepSpacing();
  }
}
