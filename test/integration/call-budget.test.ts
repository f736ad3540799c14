/**
 * The shared hourly budget of Brevo's "other endpoint" calls: an atomic counter per tenant in
 * DynamoDB (dynalite here) that concurrent invocations never overspend, a new hour that starts from
 * zero, a 429 that blocks every taker, and the Brevo client spending it call by call or reserved
 * ahead.
 */

import { BrevoSimulator } from '../../sandbox/brevo';
import { BrevoClient } from '../../shared/core/brevo/client';
import { sharedBrevoLimits } from '../../shared/core/brevo/limits';
import { BudgetExhaustedError, RateLimitedError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { HourlyCallBudget } from '../../shared/core/ratelimit/call-budget';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const HOUR = 3_600_000;

test('concurrent takers never get more than the limit; the next hour starts from zero', async () => {
  const { store } = await freshStore();
  const clock = new VirtualClock(Date.parse('2026-11-22T10:59:00.000Z'));
  const budgets = Array.from({ length: 6 }, () => new HourlyCallBudget(store, 'acme', 'brevo-other', 10, clock));
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => (budgets[i % 6] as HourlyCallBudget).reserve(1)),
  );
  expect(answers.filter((a) => a.ok)).toHaveLength(10);
  const refused = answers.find((a) => !a.ok);
  expect(refused).toEqual({ ok: false, used: 10, retryInMs: 60_000, reason: 'exhausted' });
  // Another tenant has its own counter.
  expect((await new HourlyCallBudget(store, 'other', 'brevo-other', 10, clock).reserve(10)).ok).toBe(true);
  clock.advance(60_000);
  expect(await (budgets[0] as HourlyCallBudget).reserve(4)).toEqual({ ok: true, used: 4 });
  expect(await (budgets[1] as HourlyCallBudget).reserve(7)).toMatchObject({ ok: false, used: 4 });
  // Leaving calls for other work: 4 used, limit 10, keep 5 → 1 more at most.
  expect((await (budgets[1] as HourlyCallBudget).reserve(2, 5)).ok).toBe(false);
  expect((await (budgets[1] as HourlyCallBudget).reserve(1, 5)).ok).toBe(true);
  expect((await (budgets[1] as HourlyCallBudget).reserve(11)).ok).toBe(false);
});

test('a block (Brevo said 429) refuses every taker until it ends, whatever is left', async () => {
  const { store } = await freshStore();
  const clock = new VirtualClock(Date.parse('2026-11-22T10:00:00.000Z'));
  const budget = new HourlyCallBudget(store, 'acme', 'brevo-other', 100, clock);
  expect((await budget.reserve(1)).ok).toBe(true);
  await budget.block(clock.now() + 20 * 60_000);
  await budget.block(clock.now() + 5 * 60_000); // an earlier end does not shorten it
  expect(await budget.reserve(1)).toEqual({ ok: false, used: 1, retryInMs: 20 * 60_000, reason: 'rate_limited' });
  clock.advance(HOUR); // the next hour, still blocked? no: the block ended 40 minutes ago
  expect(await budget.reserve(1)).toEqual({ ok: true, used: 1 });
});

describe('the Brevo client spends the shared budget', () => {
  let sim: BrevoSimulator;
  afterEach(async () => sim?.stop());

  async function client(limit: number, simLimits?: { otherPerHour: number }) {
    sim = new BrevoSimulator({
      apiKeys: ['xkeysib-b'],
      limits: simLimits ? { contactsPerSecond: 100, eventsPerSecond: 100, ...simLimits } : false,
    });
    await sim.start();
    const { store } = await freshStore();
    const clock = new VirtualClock(Date.parse('2026-11-22T10:00:00.000Z'));
    const budget = new HourlyCallBudget(store, 'acme', 'brevo-other', limit, clock);
    const brevo = new BrevoClient({
      apiKey: 'xkeysib-b',
      baseUrl: sim.baseUrl,
      clock,
      stats: newStats(),
      limits: sharedBrevoLimits(`budget-test-${Math.random()}`, clock),
      maxInProcessWaitMs: 1_000,
      otherBudget: budget,
    });
    return { brevo, budget };
  }

  test('one call at a time, or reserved ahead; contacts calls never count', async () => {
    const { brevo, budget } = await client(3);
    await brevo.getAttributes(); // /v3/contacts: the contacts pacer, not this budget
    await brevo.listSenders();
    expect(await brevo.reserveOtherCalls(2)).toMatchObject({ ok: true, used: 3 });
    // Reserved: these two calls take nothing more.
    await brevo.listSenders();
    await brevo.listSenders();
    expect(await budget.reserve(1)).toMatchObject({ ok: false, used: 3 });
    await expect(brevo.listSenders()).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(sim.stats().byRoute['GET /v3/senders']).toBe(3);
  });

  test("Brevo's 429 blocks the shared budget for the wait it asked", async () => {
    const { brevo, budget } = await client(100, { otherPerHour: 1 });
    await brevo.listSenders();
    const err = await brevo.listSenders().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).not.toBeInstanceOf(BudgetExhaustedError);
    const answer = await budget.reserve(1);
    expect(answer).toMatchObject({ ok: false, reason: 'rate_limited' });
    // Brevo's x-sib-ratelimit-reset said how long: no taker of this tenant calls before then.
    expect(answer.ok || answer.retryInMs).toBe((err as RateLimitedError).retryAfterMs);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThan(1_000);
  });
});
