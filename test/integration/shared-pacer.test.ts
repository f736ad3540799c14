/**
 * One integration's call schedule shared by processes (core/ratelimit/shared-pacer.ts over the
 * DynamoDB call store, dynalite here): each process has its own in-process Pacer, as the lane's
 * worker and the API function have in separate Lambda containers or function bundles; together
 * they never start two calls less than one interval apart, a 429 seen by one holds the others, and
 * a slot further than a caller may wait is refused with the time to retry.
 */
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { RateLimitedError } from '../../shared/core/errors';
import type { CallBudgetStore, Clock } from '../../shared/core/ports';
import { Pacer } from '../../shared/core/ratelimit/pacer';
import { SharedPacer } from '../../shared/core/ratelimit/shared-pacer';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const INTERVAL = 334;

let store: DynamoRepositories;
beforeAll(async () => {
  ({ store } = await freshStore());
});

/** A "process": its own Pacer, the shared store. */
function processPacer(
  clock: Clock,
  opts: { tenantId?: string; bucket?: string; maxWaitMs?: number; calls?: CallBudgetStore } = {},
) {
  return new SharedPacer({
    provider: 'notion',
    local: new Pacer(INTERVAL, clock),
    store: opts.calls ?? store,
    tenantId: opts.tenantId ?? 'acme',
    bucket: opts.bucket ?? 'notion:k1',
    clock,
    ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}),
  });
}

test('two processes alternating calls get slots one interval apart, as one process would', async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const lane = processPacer(clock, { bucket: 'notion:alternate' });
  const api = processPacer(clock, { bucket: 'notion:alternate' });
  const starts: number[] = [];
  for (let i = 0; i < 6; i++) {
    await (i % 2 === 0 ? lane : api).acquire();
    starts.push(clock.now() - t0);
  }
  // Each process's own pacer alone would let both start at 0, 334, 668: six calls in one second.
  expect(starts).toEqual([0, 334, 668, 1002, 1336, 1670]);
});

test('concurrent takers in real time get distinct slots at least one interval apart', async () => {
  // Real time and real races on the conditional updates: the slots handed out are what is checked.
  const slots: number[] = [];
  const recording: CallBudgetStore = {
    takeCalls: (...a) => store.takeCalls(...a),
    blockCalls: (...a) => store.blockCalls(...a),
    holdSlots: (...a) => store.holdSlots(...a),
    takeSlot: async (...a) => {
      const answer = await store.takeSlot(...a);
      if (answer.granted) slots.push(answer.at);
      return answer;
    },
  };
  const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const interval = 20;
  const pacers = Array.from(
    { length: 4 },
    () =>
      new SharedPacer({
        provider: 'notion',
        local: new Pacer(interval, clock),
        store: recording,
        tenantId: 'acme',
        bucket: 'notion:concurrent',
        clock,
      }),
  );
  await Promise.all(pacers.flatMap((p) => Array.from({ length: 5 }, () => p.acquire())));
  expect(slots).toHaveLength(20);
  const sorted = [...slots].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((s, i) => s - (sorted[i] as number));
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(interval);
});

test("a 429 seen by one process holds every process's calls until it ends", async () => {
  const clock = new VirtualClock();
  const lane = processPacer(clock, { bucket: 'notion:held' });
  const api = processPacer(clock, { bucket: 'notion:held' });
  await lane.acquire();
  const heldAt = clock.now();
  await lane.pause(5_000);
  await lane.pause(1_000); // a shorter, later 429 does not pull the schedule back
  await api.acquire();
  expect(clock.now()).toBeGreaterThanOrEqual(heldAt + 5_000);
});

test('a slot further away than the caller may wait is refused with the time until it', async () => {
  const clock = new VirtualClock();
  const lane = processPacer(clock, { bucket: 'notion:far' });
  await lane.pause(30_000);
  const api = processPacer(clock, { bucket: 'notion:far', maxWaitMs: 10_000 });
  const before = clock.now();
  const err = await api.acquire().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitedError);
  expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
  // Refused at once: nothing was slept, and no slot was taken (the lane's next call is still at the hold's end).
  expect(clock.now()).toBe(before);
  await lane.acquire();
  expect(clock.now()).toBe(before + 30_000);
});

test("another tenant's schedule, or another integration's, is its own", async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  await processPacer(clock, { bucket: 'notion:mine' }).pause(60_000);
  await processPacer(clock, { bucket: 'notion:mine', tenantId: 'globex' }).acquire();
  await processPacer(clock, { bucket: 'notion:theirs' }).acquire();
  expect(clock.now()).toBe(t0);
});
