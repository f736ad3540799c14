import type { Context } from 'aws-lambda';

/**
 * Kept free at the end of an invocation: after a provider call gives up at the deadline, the
 * handler still records the failure and sends its retry (lane-retry.ts) before Lambda ends it.
 */
export const DEADLINE_RESERVE_MS = 5_000;

/**
 * The epoch ms no provider retry of this invocation may wait past (runWithDeadline): Lambda's
 * remaining time, less a reserve of at most a tenth of it (short invocations keep most of theirs).
 */
export function invocationDeadline(context: Pick<Context, 'getRemainingTimeInMillis'>, now = Date.now()): number {
  const remaining = context.getRemainingTimeInMillis();
  return now + remaining - Math.min(DEADLINE_RESERVE_MS, Math.floor(remaining / 10));
}
