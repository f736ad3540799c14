/**
 * An hourly budget of provider calls shared by every invocation of a tenant (Brevo's "all other
 * endpoints": 100 requests an hour per account). The in-process WindowBudget (pacer.ts) only sees
 * one process; this one counts in the CallBudgetStore (DynamoDB: one atomic counter per tenant and
 * UTC hour), so Lambda invocations, the local stack and the CLI spend one budget between them.
 * Calls are reserved before they are made; a 429 blocks the bucket for the wait it asked for.
 */
import type { CallBudgetStore, Clock } from '../ports';

const HOUR_MS = 3_600_000;

export type BudgetAnswer =
  | { ok: true; used: number }
  | { ok: false; used: number; retryInMs: number; reason: 'exhausted' | 'rate_limited' };

/** What a client needs to spend a shared budget: reserve before calling, block on a 429. */
export interface CallReserver {
  readonly limit: number;
  /** Takes `n` calls, leaving at least `keep` of the hour's limit untaken (for other work). */
  reserve(n: number, keep?: number): Promise<BudgetAnswer>;
  block(untilMs: number): Promise<void>;
}

export class HourlyCallBudget implements CallReserver {
  constructor(
    private readonly store: CallBudgetStore,
    private readonly tenantId: string,
    private readonly bucket: string,
    readonly limit: number,
    private readonly clock: Clock,
  ) {}

  async reserve(n: number, keep = 0): Promise<BudgetAnswer> {
    const now = this.clock.now();
    const start = Math.floor(now / HOUR_MS) * HOUR_MS;
    const res = await this.store.takeCalls(this.tenantId, this.bucket, {
      // The window is the UTC hour: its ISO start sorts by time, as the store requires.
      window: new Date(start).toISOString(),
      n,
      limit: Math.max(0, this.limit - keep),
      now,
      // The item outlives its window by an hour, then DynamoDB's TTL may remove it.
      ttlSeconds: 2 * 3600,
    });
    if (res.granted) return { ok: true, used: res.used };
    if (res.blockedUntil !== undefined) {
      return { ok: false, used: res.used, retryInMs: res.blockedUntil - now, reason: 'rate_limited' };
    }
    return { ok: false, used: res.used, retryInMs: Math.max(1_000, start + HOUR_MS - now), reason: 'exhausted' };
  }

  async block(untilMs: number): Promise<void> {
    await this.store.blockCalls(this.tenantId, this.bucket, untilMs, 3600);
  }
}
