/**
 * One integration's call rate shared by every process that calls for it. The in-process Pacer
 * (pacer.ts) spaces one process's calls; the lane keeps a provider's syncs in one process at a time,
 * but other callers of the same integration (the management API's SDK calls, a connection test)
 * run in other Lambda containers or other function bundles of the local stack, each with its own
 * Pacer. This pacer takes each call's slot from one schedule in the CallBudgetStore (a DynamoDB item
 * per tenant and integration), so together they stay at the provider's rate; a 429 seen by one
 * holds the schedule for all.
 */
import { type Provider, RateLimitedError } from '../errors';
import type { CallBudgetStore, Clock } from '../ports';
import type { CallPacer, Pacer } from './pacer';

/** The schedule item outlives its last slot by an hour, then DynamoDB's TTL may remove it. */
const TTL_SECONDS = 3600;

export class SharedPacer implements CallPacer {
  constructor(
    private readonly opts: {
      provider: Provider;
      /** This process's pacer for the integration: spaces local calls before they take a slot. */
      local: Pacer;
      store: CallBudgetStore;
      tenantId: string;
      /** The schedule's name within the tenant, e.g. `notion:<integration key>`. */
      bucket: string;
      clock: Clock;
      /**
       * The longest wait for a slot: a later one is not taken, the call fails with RateLimitedError
       * (the lane parks, the API answers 429 with Retry-After). Default 60 s.
       */
      maxWaitMs?: number;
    },
  ) {}

  async acquire(): Promise<void> {
    const { local, store, tenantId, bucket, clock } = this.opts;
    const maxWaitMs = this.opts.maxWaitMs ?? 60_000;
    await local.acquire();
    const giveUpAt = clock.now() + maxWaitMs;
    for (;;) {
      const now = clock.now();
      const slot = await store.takeSlot(tenantId, bucket, {
        now,
        intervalMs: local.intervalMs,
        maxAheadMs: Math.max(0, giveUpAt - now),
        ttlSeconds: TTL_SECONDS,
      });
      if (slot.granted) {
        if (slot.at > now) await clock.sleep(slot.at - now);
        return;
      }
      // Too far ahead to wait for here: the caller parks or answers 429 for that long.
      if (slot.nextSlotAt > giveUpAt) throw new RateLimitedError(this.opts.provider, slot.nextSlotAt - now);
      // Takers raced for the same slot: one interval on, the schedule has moved.
      await clock.sleep(local.intervalMs);
    }
  }

  async pause(ms: number): Promise<void> {
    this.opts.local.pause(ms);
    await this.opts.store.holdSlots(this.opts.tenantId, this.opts.bucket, this.opts.clock.now() + ms, TTL_SECONDS);
  }
}
