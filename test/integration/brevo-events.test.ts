/**
 * BrevoClient.createEvents against the Brevo simulator: events cut into batches of 100 (paced like
 * single events), a 207's per-event errors by their index in the whole list, a 400 failing every
 * event, and a batch failing as a whole stopping the list with its error and how far Brevo answered.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { BrevoClient } from '../../shared/core/brevo/client';
import { BREVO_EVENTS_CHUNK, type BrevoEvent, eventChunks } from '../../shared/core/brevo/events';
import { sharedBrevoLimits } from '../../shared/core/brevo/limits';
import { ProviderError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { VirtualClock } from '../support/virtual-clock';

let brevo: BrevoSimulator;
let client: BrevoClient;
let clock: VirtualClock;

beforeEach(async () => {
  const apiKey = `xkeysib-${randomUUID()}`;
  brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false });
  await brevo.start();
  clock = new VirtualClock();
  client = new BrevoClient({
    apiKey,
    baseUrl: brevo.baseUrl,
    clock,
    stats: newStats(),
    limits: sharedBrevoLimits(apiKey, clock),
  });
});

afterEach(async () => {
  await brevo.stop();
});

const event = (i: number, email = `p${i}@example.com`): BrevoEvent => ({
  event_name: 'order_placed',
  identifiers: { email_id: email },
  event_properties: { n: i },
});
const events = (n: number) => Array.from({ length: n }, (_, i) => event(i));

test('250 events go in 3 batches of at most 100, paced in the events bucket, all accepted', async () => {
  const outcome = await client.createEvents(events(250));
  expect(outcome).toEqual({ answered: 250, refused: [] });
  expect(brevo.batchSizes).toEqual([100, 100, 50]);
  expect(brevo.stats().byRoute['POST /v3/events/batch']).toBe(3);
  expect(brevo.events()).toHaveLength(250);
  expect(clock.slept).toBeGreaterThan(0); // the contacts/events pacer spaced the requests
  expect(await client.createEvents([])).toEqual({ answered: 0, refused: [] });
});

test('a 207 names the refused events by their index in the whole list; the others are written', async () => {
  const list = events(150);
  list[3] = event(3, 'not-an-email');
  list[120] = event(120, 'nope');
  list[121] = { event_name: 'bad name', identifiers: { email_id: 'x@example.com' } };
  const outcome = await client.createEvents(list);
  expect(outcome.answered).toBe(150);
  expect(outcome.error).toBeUndefined();
  expect(outcome.refused).toEqual([
    { index: 3, message: expect.stringContaining('email_id') },
    { index: 120, message: expect.stringContaining('email_id') },
    { index: 121, message: expect.stringContaining('event_name') },
  ]);
  expect(brevo.events()).toHaveLength(147);
});

test('a batch every event of which fails (400 with per-event errors) refuses each, and the list goes on', async () => {
  const list = [...Array.from({ length: 100 }, (_, i) => event(i, `bad${i}`)), event(100)];
  const outcome = await client.createEvents(list);
  expect(outcome.answered).toBe(101);
  expect(outcome.refused).toHaveLength(100);
  expect(outcome.refused[99]).toEqual({ index: 99, message: expect.stringContaining('email_id') });
  expect(brevo.events()).toHaveLength(1);
});

test("a batch failing as a whole stops the list: its error (as any call's) and the events answered before it", async () => {
  brevo.failNext(
    1,
    { status: 400, body: { code: 'invalid_parameter', message: 'events: too many' } },
    'POST /v3/events/batch',
  );
  const refusedWhole = await client.createEvents(events(150));
  expect(refusedWhole.answered).toBe(0);
  expect(refusedWhole.error).toBeInstanceOf(ProviderError);
  expect(refusedWhole.error).toMatchObject({ status: 400, code: 'invalid_parameter' });
  expect(String((refusedWhole.error as Error).message)).toContain('events: too many');
  expect(brevo.events()).toHaveLength(0);

  // The second batch's answer is lost (500): the first batch's events stay answered; no retry (no idempotency key).
  brevo.resetStats();
  const first = { status: 202, body: { message: 'ok', count: 100 } };
  brevo.failNext(1, first, 'POST /v3/events/batch');
  brevo.failNext(1, { status: 500, body: { code: 'internal', message: 'boom' } }, 'POST /v3/events/batch');
  const lost = await client.createEvents(events(250));
  expect(lost).toMatchObject({ answered: 100, refused: [], error: { status: 500 } });
  expect(brevo.stats().byRoute['POST /v3/events/batch']).toBe(2);
});

test('a 207 that does not say which events failed is not trusted; unknown fields and missing optional ones are read', async () => {
  brevo.failNext(1, { status: 207, body: { status: 'partial_success', failed_events: 2 } }, 'POST /v3/events/batch');
  const unreadable = await client.createEvents(events(3));
  expect(unreadable).toMatchObject({ answered: 0, refused: [], error: { code: 'unexpected_answer', status: 207 } });

  brevo.failNext(
    1,
    { status: 207, body: { errors: [{ eventIndex: 1, message: 'Contact  not\nfound', hint: 'x' }], extra: true } },
    'POST /v3/events/batch',
  );
  const lenient = await client.createEvents(events(3));
  expect(lenient).toEqual({ answered: 3, refused: [{ index: 1, message: 'Contact not found' }] });
});

test('chunks are cut at 100 events or about 1 MB of JSON, one event always going', () => {
  expect(eventChunks(events(201)).map((c) => [c.start, c.events.length])).toEqual([
    [0, BREVO_EVENTS_CHUNK],
    [100, 100],
    [200, 1],
  ]);
  const big = (i: number): BrevoEvent => ({ ...event(i), event_properties: { blob: 'x'.repeat(45_000) } });
  const chunks = eventChunks(Array.from({ length: 50 }, (_, i) => big(i)));
  expect(chunks.map((c) => c.events.length)).toEqual([22, 22, 6]);
  expect(eventChunks([big(0)], 100, 10)).toHaveLength(1);
});
