/**
 * The backoff of a lane message left in its queue to be delivered again (a rate-limited or failed
 * step whose visibility the worker extends), by how many times SQS has delivered it.
 */

/** How long a failed step waits before its next attempt: 30 s, 1 min, 2 min... at most 15 min. */
export function retryBackoffMs(receiveCount: number): number {
  return Math.min(15 * 60_000, 30_000 * 2 ** Math.max(0, receiveCount - 1));
}
