/**
 * The abandoned-cart skill end to end: a platform's cart event (kind: cart) waits in the timer
 * queue (fauxqs: a standard queue with per-message delays, and the Slack FIFO lane), the timer
 * worker's batch handler re-hops it until due, then checks the order and cart ledgers (dynalite)
 * and posts the Brevo event `cart_abandoned` to the tenant's account (the Brevo simulator) and the
 * Slack notification to the channel's lane. An order by the buyer, the cart's completion or a
 * later update of the cart cancels it; a redelivered timer posts nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sqsLanesFromEnv } from '../../functions/commons/sqs-lanes';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { disableSkill, enableSkill } from '../../shared/app/skills';
import { type CommerceEvent, handCommerceEvent } from '../../shared/app/skills/abandoned-cart';
import { tenantGroupedLanes } from '../../shared/app/topology';
import { slackLaneMessageSchema } from '../../shared/connectors/slack/notifications/lane-messages';
import { ENV } from '../../shared/core/env';
import { tenantBrevoEvents } from '../../shared/core/lanes/brevo-event-poster';
import { handleTimerBatch, MAX_HOP_SECONDS } from '../../shared/core/lanes/timers';
import type { ConnectionRecord, LaneMessage, LaneQueue } from '../../shared/core/ports';
import { MemorySecrets } from '../support/memory-secrets';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const T0 = '2026-11-22T10:00:00.000Z';
const MIN = 60_000;
const BREVO_KEY = 'xkeysib-sandbox';

let sqs: SQSClient;
let store: DynamoRepositories;
let lane: LaneQueue;
let timerSends: LaneMessage[];
let env: Record<string, string>;
let clock: VirtualClock;
let brevo: BrevoSimulator;
let secrets: MemorySecrets;
let tenantId: string;

beforeEach(async () => {
  sqs = new SQSClient({ endpoint: process.env.TEST_SQS_ENDPOINT, region: 'us-east-1', credentials });
  ({ store } = await freshStore());
  const id = randomUUID().slice(0, 8);
  const timer = await sqs.send(new CreateQueueCommand({ QueueName: `timer-${id}` }));
  const slack = await sqs.send(
    new CreateQueueCommand({ QueueName: `slack-${id}.fifo`, Attributes: { FifoQueue: 'true' } }),
  );
  env = { [ENV.queueUrl('timerQueue')]: timer.QueueUrl ?? '', [ENV.queueUrl('slackLane')]: slack.QueueUrl ?? '' };
  const sqsLane = new SqsLaneQueue(sqs, sqsLanesFromEnv(env));
  timerSends = [];
  lane = {
    send: async (queue, messages) => {
      if (queue === 'timerQueue') timerSends.push(...messages);
      await sqsLane.send(queue, messages);
    },
  };
  clock = new VirtualClock(Date.parse(T0) + MIN);
  const simClock = new SimClock();
  simClock.set(Date.parse(T0));
  brevo = new BrevoSimulator({ clock: simClock, limits: false });
  await brevo.start();
  secrets = new MemorySecrets();
  tenantId = `t-${id}`;
  await store.putTenant({
    tenantId,
    apiKeyHash: 'x',
    createdAt: T0,
    brevoApiKeyRef: await secrets.put(`tajo/${tenantId}/brevo`, BREVO_KEY),
  });
  const slackConn: ConnectionRecord<'slack'> = {
    tenantId,
    connector: 'slack',
    settings: {
      enabled: true,
      channels: { sales: 'C0SALES', ops: 'C0OPS' },
      notifications: { cart_abandoned: { channel: 'sales' } },
      interactions: {},
      teamId: 'T1',
    },
    tokenRef: 'r',
    brevoApiKeyRef: 'r',
    integrationKey: 'k',
    createdAt: T0,
    updatedAt: T0,
  };
  await store.putConnection(slackConn);
});

afterEach(async () => {
  sqs.destroy();
  await brevo.stop();
});

const skillDeps = () => ({
  skills: store,
  connections: store,
  clock,
  platformDefinitions: async () => [],
});
const commerce = () => ({ skills: store, orders: store, carts: store, connections: store, lane, clock });
/** The timer worker's wiring (functions/timer-worker/handler.ts), on the test's stores. */
const timerDeps = () => ({
  lane,
  tenantGroupedLanes,
  orders: store,
  carts: store,
  skills: store,
  clock,
  brevoEvents: tenantBrevoEvents({
    tenants: store,
    connections: store,
    secrets,
    markers: store,
    clock,
    brevoBaseUrl: brevo.baseUrl,
  }),
});

/** Shopify's checkout as its definition maps it (shopify.yaml checkout_fields). */
const checkout = (fields: Record<string, unknown> = {}, occurredAt = T0): CommerceEvent => ({
  connector: 'shopify',
  kind: 'cart',
  occurredAt,
  fields: {
    email: 'Ada@Example.com',
    checkout_token: 'tok-1',
    amount: '120.50',
    currency: 'eur',
    recovery_url: 'https://shop.example/recover/tok-1',
    completed_at: null,
    ...fields,
  },
});
const order = (email: string, at: string): CommerceEvent => ({
  connector: 'shopify',
  kind: 'order',
  occurredAt: at,
  fields: { email, order_id: 'o-1', amount: '120.50' },
});

async function receive(queue: 'timerQueue' | 'slackLane', waitSeconds = 0): Promise<Message[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: env[ENV.queueUrl(queue)],
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: 0,
    }),
  );
  return res.Messages ?? [];
}

/** The last `n` timer messages sent, as a batch the worker receives. */
const lastTimers = (n: number) =>
  timerSends.slice(-n).map((m, i) => ({ id: `m${timerSends.length - n + i}`, body: m.body }));
const cartEvents = () => brevo.events().filter((e) => e.event_name === 'cart_abandoned');

test('a cart not completed within its minutes: the Brevo event cart_abandoned and the Slack notification, once', async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 60 });
  const out = await handCommerceEvent(commerce(), tenantId, checkout());
  expect(out).toEqual({ recorded: 'cart', timers: 2 });
  // Both wait in the timer queue: SQS holds them (nothing visible), nothing went to the channel's lane.
  expect(timerSends.map((m) => m.delaySeconds)).toEqual([MAX_HOP_SECONDS, MAX_HOP_SECONDS]);
  expect(await receive('timerQueue')).toEqual([]);
  expect(await receive('slackLane')).toEqual([]);

  // Each hop: not due, sent round again (59 minutes to go at the start: 15 + 15 + 15 + 14).
  for (const remaining of [44, 29, 14]) {
    clock.advance(15 * MIN);
    expect(await handleTimerBatch(timerDeps(), lastTimers(2))).toMatchObject({ waiting: 2, delivered: 0 });
    expect(timerSends.slice(-2).map((m) => m.delaySeconds)).toEqual(
      remaining > 15 ? [MAX_HOP_SECONDS, MAX_HOP_SECONDS] : [remaining * 60, remaining * 60],
    );
  }
  expect(cartEvents()).toEqual([]);

  clock.advance(14 * MIN);
  const due = await handleTimerBatch(timerDeps(), lastTimers(2));
  expect(due).toMatchObject({ delivered: 2, dropped: 0, failed: [] });
  expect(cartEvents()).toEqual([
    expect.objectContaining({
      identifiers: { email_id: 'ada@example.com' },
      event_properties: {
        cart_id: 'tok-1',
        platform: 'shopify',
        abandoned_at: T0,
        amount: 120.5,
        currency: 'EUR',
        recovery_url: 'https://shop.example/recover/tok-1',
      },
    }),
  ]);
  const posted = await receive('slackLane', 1);
  expect(posted).toHaveLength(1);
  const msg = slackLaneMessageSchema.parse(JSON.parse(posted[0]?.Body ?? ''));
  expect(msg).toMatchObject({
    type: 'slack.notify',
    channelId: 'C0SALES',
    event: { type: 'cart_abandoned', contact: { email: 'ada@example.com' }, cart: { id: 'tok-1', total: 120.5 } },
  });

  // The queue delivers a message at least once: the same timers again post no second event.
  const again = await handleTimerBatch(timerDeps(), lastTimers(2));
  expect(again.failed).toEqual([]);
  expect(cartEvents()).toHaveLength(1);
});

test('an order by the same buyer after the cart cancels both the Brevo event and the Slack notification', async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 30 });
  await handCommerceEvent(commerce(), tenantId, checkout());
  expect(await handCommerceEvent(commerce(), tenantId, order('ADA@example.com', '2026-11-22T10:20:00.000Z'))).toEqual({
    recorded: 'order',
    timers: 0,
  });
  clock.advance(30 * MIN);
  const res = await handleTimerBatch(timerDeps(), lastTimers(2));
  expect(res).toMatchObject({ delivered: 0, dropped: 2, failed: [] });
  expect(cartEvents()).toEqual([]);
  expect(await receive('slackLane', 1)).toEqual([]);
});

test("the cart's completion, or a later update of it, cancels its wait; the latest update is notified", async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 30, channel: 'ops' });
  await handCommerceEvent(commerce(), tenantId, checkout());
  const first = lastTimers(2);
  // Updated 10 minutes later (still open): that update waits on its own.
  const later = '2026-11-22T10:10:00.000Z';
  await handCommerceEvent(commerce(), tenantId, checkout({ updated_at: later, amount: '99' }, later));
  const second = lastTimers(2);
  clock.advance(45 * MIN);
  expect(await handleTimerBatch(timerDeps(), first)).toMatchObject({ delivered: 0, dropped: 2 });
  expect(await handleTimerBatch(timerDeps(), second)).toMatchObject({ delivered: 2, dropped: 0 });
  expect(cartEvents().map((e) => e.event_properties)).toEqual([
    expect.objectContaining({ amount: 99, abandoned_at: later }),
  ]);
  // The skill's channel instead of the route's.
  const posted = await receive('slackLane', 1);
  expect(slackLaneMessageSchema.parse(JSON.parse(posted[0]?.Body ?? '')).channelId).toBe('C0OPS');

  // Another cart, completed before its minutes are over: nothing.
  await handCommerceEvent(commerce(), tenantId, checkout({ checkout_token: 'tok-2' }, '2026-11-22T10:40:00.000Z'));
  const pending = lastTimers(2);
  const completed = await handCommerceEvent(
    commerce(),
    tenantId,
    checkout({ checkout_token: 'tok-2', completed_at: '2026-11-22T10:50:00Z' }, '2026-11-22T10:50:00.000Z'),
  );
  expect(completed).toEqual({ recorded: 'cart', timers: 0, skipped: 'cart tok-2 is completed' });
  clock.advance(60 * MIN);
  expect(await handleTimerBatch(timerDeps(), pending)).toMatchObject({ delivered: 0, dropped: 2 });
  expect(cartEvents()).toHaveLength(1);
});

test('a skill turned off while a cart waits: nothing is notified', async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 30 });
  await handCommerceEvent(commerce(), tenantId, checkout());
  await disableSkill(skillDeps(), tenantId, 'abandoned-cart');
  clock.advance(30 * MIN);
  expect(await handleTimerBatch(timerDeps(), lastTimers(2))).toMatchObject({ delivered: 0, dropped: 2, failed: [] });
  expect(cartEvents()).toEqual([]);
});

test("a cart whose wait ended over a day ago (a first full sync's history) starts nothing", async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 60 });
  clock.advance(26 * 60 * MIN);
  expect(await handCommerceEvent(commerce(), tenantId, checkout())).toEqual({
    recorded: 'cart',
    timers: 0,
    skipped: `cart tok-1 was abandoned over a day ago (${T0})`,
  });
  expect(timerSends).toEqual([]);
});

test('with the skill off, or a cart without email, no timer starts; the cart is still recorded', async () => {
  expect(await handCommerceEvent(commerce(), tenantId, checkout())).toEqual({
    recorded: 'cart',
    timers: 0,
    skipped: 'the abandoned-cart skill is off',
  });
  expect(await store.cartState(tenantId, 'shopify:tok-1')).toEqual({ lastSeenAt: T0 });
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', {});
  expect(await handCommerceEvent(commerce(), tenantId, checkout({ email: null, checkout_token: 'tok-3' }))).toEqual({
    recorded: 'cart',
    timers: 0,
    skipped: 'cart tok-3 has no email (Brevo events need one)',
  });
  expect(await handCommerceEvent(commerce(), tenantId, checkout({ checkout_token: undefined }))).toMatchObject({
    recorded: 'nothing',
    skipped: 'a cart from shopify without cart_id or checkout_token',
  });
  expect(timerSends).toEqual([]);
});

test('a Brevo error fails the timer (the queue retries it, then dead-letters it); a Brevo rate limit sends it round another hop; then it posts', async () => {
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 5 });
  // No Slack route for this one: only the Brevo event waits.
  await store.deleteConnection(tenantId, 'slack');
  expect(await handCommerceEvent(commerce(), tenantId, checkout())).toEqual({ recorded: 'cart', timers: 1 });
  clock.advance(10 * MIN);
  brevo.failNext(1, { status: 500, body: { code: 'internal', message: 'boom' } });
  const failed = await handleTimerBatch(timerDeps(), lastTimers(1));
  expect(failed.failed).toHaveLength(1);
  expect(cartEvents()).toEqual([]);
  // Brevo's window is closed for 10 minutes: the timer waits that long in the queue, not in the worker.
  brevo.failNext(1, {
    status: 429,
    body: { code: 'too_many_requests', message: 'slow down' },
    headers: { 'x-sib-ratelimit-reset': '600' },
  });
  const limited = await handleTimerBatch(timerDeps(), lastTimers(1));
  expect(limited).toMatchObject({ waiting: 1, delivered: 0, failed: [] });
  expect(timerSends.at(-1)?.delaySeconds).toBe(600);
  expect(cartEvents()).toEqual([]);
  // Due again 10 minutes later: posted (neither failed attempt kept its once-only claim).
  clock.advance(10 * MIN);
  const retried = await handleTimerBatch(timerDeps(), lastTimers(1));
  expect(retried).toMatchObject({ delivered: 1, failed: [] });
  expect(cartEvents()).toHaveLength(1);
});

test('without a Brevo key the timer fails with what to do (dead-lettered for a replay), nothing posted', async () => {
  await store.putTenant({ tenantId, apiKeyHash: 'x', createdAt: T0 });
  await enableSkill(skillDeps(), tenantId, 'abandoned-cart', { minutes: 5 });
  await handCommerceEvent(commerce(), tenantId, checkout());
  clock.advance(10 * MIN);
  const logs: string[] = [];
  const res = await handleTimerBatch(
    { ...timerDeps(), log: (_m, d) => logs.push(String(d.error ?? '')) },
    lastTimers(2),
  );
  expect(res.failed).toHaveLength(1);
  expect(res.delivered).toBe(1); // the Slack notification needs no Brevo key
  expect(logs.filter(Boolean)).toEqual([
    `tenant ${tenantId} has no Brevo API key: run tajo connectors connect brevo --key <key>, then replay the timer lane`,
  ]);
  expect(cartEvents()).toEqual([]);
});
