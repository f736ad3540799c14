/**
 * What a job's outcome means for its lane message: done with (acknowledged), retried (thrown), or
 * parked (ParkLane: a rate limit the whole group must wait out); and the runs the worker counts.
 */
import { ConfigError, ProviderError, RateLimitedError } from '../../../core/errors';
import type { RunRecord } from '../../../core/ports';
import { type NotionLaneDeps, ParkLane } from '../lane/deps';

/** Runs that finished before this delivery (a duplicate met them): returned, but not an outcome of this one. */
const finishedBefore = new WeakSet<RunRecord>();
/** The run a failure closed as failed (last attempt): the worker counts it (RunsFailed) once, here. */
const failedRuns = new WeakMap<object, RunRecord>();

/** Whether a returned run finished in an earlier delivery (a duplicate): not counted again. */
export function wasFinishedBefore(run: RunRecord | undefined): boolean {
  return run !== undefined && finishedBefore.has(run);
}

/**
 * The run a thrown failure closed as `failed` (its last attempt, or a rate limit on it): the error
 * is rethrown for the queue's retry and dead letter, and carries the run so the worker records it.
 */
export function failedRunOf(err: unknown): RunRecord | undefined {
  return typeof err === 'object' && err !== null ? failedRuns.get(err) : undefined;
}

export function carryFailedRun<E>(err: E, run: RunRecord): E {
  if (typeof err === 'object' && err !== null) failedRuns.set(err, run);
  return err;
}

/** A run a duplicate delivery met finished: returned as it is, marked so it is not counted again. */
export function asFinishedBefore(run: RunRecord): RunRecord {
  finishedBefore.add(run);
  return run;
}

/** A provider's rate limit parks the lane (the group's next message would meet it too). */
export function parkOnRateLimit(err: unknown): void {
  if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
}

/**
 * A job's Notion work: a rate limit parks the lane, any other failure goes to `onFailure` (by
 * default: rethrown, for the lane's retry), and the group's spacing is kept whatever happens.
 */
export async function runPaced<T>(
  keepSpacing: () => Promise<void>,
  work: () => Promise<T>,
  onFailure: (err: unknown) => Promise<T> = async (err) => {
    throw err;
  },
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    parkOnRateLimit(err);
    return await onFailure(err);
  } finally {
    await keepSpacing();
  }
}

/** Errors that retrying cannot fix: configuration, credentials, access. */
export function isPermanent(err: unknown): boolean {
  if (err instanceof ConfigError) return true;
  if (err instanceof ProviderError) return [400, 401, 403, 404].includes(err.status) || err.code === 'no_data_sources';
  return false;
}

/**
 * A users sync or a publishing pass that failed: its run record says so (written where it failed).
 * For good (permanent) it is returned, done with; otherwise the error is rethrown for the lane's
 * retry, carrying the failed run on the last attempt only, so the worker counts it once.
 */
export async function countFailure(
  deps: NotionLaneDeps,
  message: { tenantId: string; runId: string },
  err: unknown,
  opts: { lastAttempt: boolean },
): Promise<RunRecord | undefined> {
  const permanent = isPermanent(err);
  if (!permanent && !opts.lastAttempt) throw err;
  const stored = await deps.runs.getRun(message.tenantId, 'notion', message.runId).catch(() => undefined);
  const failed = stored?.status === 'failed' ? stored : undefined;
  if (permanent) return failed;
  throw failed ? carryFailedRun(err, failed) : err;
}
