/**
 * Provider calls counted per tenant across every invocation (Lambda containers, the local stack's
 * function bundles, the CLI): an hourly budget (Brevo's "all other endpoints": 100 an hour per
 * account), one atomic counter per tenant, bucket and window; and a per-integration schedule of
 * call slots (Notion's 3 requests a second), one "next free slot" per tenant and bucket. Callers
 * take their calls or their slot before making the call.
 */
export interface CallBudgetStore {
  /**
   * Takes `n` calls of the `window` (an id such as the hour's ISO start) if `used + n <= limit` and
   * the bucket is not blocked at `now`. A new window starts from zero. Returns whether the calls
   * were granted, the window's count and the block, if any.
   */
  takeCalls(
    tenantId: string,
    bucket: string,
    args: { window: string; n: number; limit: number; now: number; ttlSeconds: number },
  ): Promise<{ granted: boolean; used: number; blockedUntil?: number }>;
  /** Refuses the bucket's calls until `until` (epoch ms): the provider answered 429. */
  blockCalls(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void>;
  /**
   * Takes the next call slot of a schedule that hands out one slot per `intervalMs` to every taker
   * (GCRA: the item holds the earliest time the next call may start). The slot is `now` when the
   * schedule is idle, else the schedule's next slot, if that is at most `maxAheadMs` away; a slot
   * further away is not taken, and the answer says when the schedule will be there.
   */
  takeSlot(
    tenantId: string,
    bucket: string,
    args: { now: number; intervalMs: number; maxAheadMs: number; ttlSeconds: number },
  ): Promise<{ granted: true; at: number } | { granted: false; nextSlotAt: number }>;
  /** No slot of the schedule before `until` (epoch ms): the provider answered 429. Never earlier. */
  holdSlots(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void>;
}
