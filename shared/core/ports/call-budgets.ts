/**
 * Calls to a provider's hourly-limited endpoints (Brevo's "all other endpoints": 100 an hour per
 * account), counted per tenant across every invocation: one atomic counter per tenant, bucket and
 * window. Callers reserve calls before making them.
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
}
