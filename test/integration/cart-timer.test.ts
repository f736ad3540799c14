/**
 * cart_abandoned waits out its delay in the timer queue and is notified only if the contact has not
 * ordered since: the webhook ingress, the DynamoDB order ledger (dynalite) and the timer queue and
 * Slack lane (fauxqs: a standard queue with per-message delays and a FIFO lane), on a virtual clock.
 */

import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sqsLanesFromEnv } from '../../functions/commons/sqs-lanes';
import { SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { tenantGroupedLanes } from '../../shared/app/topology';
import { slackLaneMessageSchema } from '../../shared/connectors/slack/notifications/lane-messages';
import { ENV } from '../../shared/core/env';
import { sha256Hex } from '../../shared/core/hash';
import { handleTimerBatch, MAX_HOP_SECONDS } from '../../shared/core/lanes/timers';
import type { ConnectionRecord, LaneMessage, LaneQueue } from '../../shared/core/ports';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const TOKEN = 'whk_cart_test';
const ABANDONED = '2026-11-22T10:00:00.000Z';

let sqs: SQSClient;
let store: DynamoRepositories;
let lane: LaneQueue;
/** Timer-queue messages as sent (the SQS delay is real time: tests take the body from here). */
let timerSends: LaneMessage[];
let env: Record<string, string>;
let clock: VirtualClock;
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
  clock = new VirtualClock(Date.parse(ABANDONED) + 60_000);
  tenantId = `t-${id}`;
  await store.putTenant({ tenantId, apiKeyHash: 'x', webhookTokenHash: sha256Hex(TOKEN), createdAt: ABANDONED });
  const conn: ConnectionRecord<'slack'> = {
    tenantId,
    connector: 'slack',
    settings: {
      enabled: true,
      channels: { sales: 'C0SALES' },
      notifications: { cart_abandoned: { channel: 'sales' }, order_placed: { channel: 'sales' } },
      interactions: {},
      teamId: 'T1',
    },
    tokenRef: 'r',
    brevoApiKeyRef: 'r',
    integrationKey: 'k',
    createdAt: ABANDONED,
    updatedAt: ABANDONED,
  };
  await store.putConnection(conn);
});

afterEach(() => sqs.destroy());

const webhook = (body: unknown) =>
  acceptBrevoWebhook(
    { tenants: store, connections: store, lane, orders: store, clock },
    { tenantId, headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) },
  );

const cart = (id: string, email?: string) => ({
  event: 'cart_abandoned',
  id,
  occurred_at: ABANDONED,
  ...(email ? { contact: { email } } : {}),
  cart: { id, total: 120, currency: 'EUR', abandoned_at: ABANDONED },
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

const timers = () => ({ lane, orders: store, clock, tenantGroupedLanes });
const batchOf = (ms: Message[]) => ms.map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '' }));

test('a cart waits in the timer queue (not the channel lane), then is notified when still abandoned', async () => {
  const res = await webhook(cart('c-1', 'ada@example.com'));
  expect(res).toMatchObject({ status: 200, body: { accepted: 1, delayed: 1, queued: 0 } });
  // The SQS delay holds it: nothing is visible yet, and nothing went to the channel's FIFO lane.
  expect(await receive('timerQueue')).toEqual([]);
  expect(await receive('slackLane')).toEqual([]);

  // 29 minutes to go: the first hop is SQS's longest delay.
  expect(timerSends.map((m) => m.delaySeconds)).toEqual([MAX_HOP_SECONDS]);

  // Received after that hop (15 minutes on): not due, so sent on for the remaining 14 minutes.
  clock.advance(15 * 60_000);
  const early = await handleTimerBatch(timers(), [{ id: 'm1', body: lastTimerBody() }]);
  expect(early).toMatchObject({ waiting: 1, delivered: 0, failed: [] });
  expect(timerSends.map((m) => m.delaySeconds)).toEqual([MAX_HOP_SECONDS, 14 * 60]);
  expect(await receive('slackLane')).toEqual([]);

  clock.advance(14 * 60_000);
  const due = await handleTimerBatch(timers(), [{ id: 'm2', body: lastTimerBody() }]);
  expect(due).toMatchObject({ delivered: 1, dropped: 0, failed: [] });
  const posted = await receive('slackLane', 1);
  expect(posted).toHaveLength(1);
  const msg = slackLaneMessageSchema.parse(JSON.parse(posted[0]?.Body ?? ''));
  expect(msg).toMatchObject({ type: 'slack.notify', channelId: 'C0SALES', event: { type: 'cart_abandoned' } });
});

test('an order by the same contact after the cart was abandoned drops the notification', async () => {
  await webhook(cart('c-2', 'bob@example.com'));
  const order = await webhook({
    event: 'order_placed',
    id: 'o-1',
    occurred_at: '2026-11-22T10:20:00Z',
    contact: { email: 'Bob@Example.com' },
    order: { id: 'o-1', total: 120, currency: 'EUR' },
  });
  expect(order.status).toBe(200);
  expect(await store.lastOrderAt(tenantId, 'bob@example.com')).toBe('2026-11-22T10:20:00.000Z');

  clock.advance(30 * 60_000);
  const res = await handleTimerBatch(timers(), [{ id: 'm', body: lastTimerBody() }]);
  expect(res).toMatchObject({ delivered: 0, dropped: 1 });
  // The order itself went to the lane; the cart did not.
  const queued = await receive('slackLane', 1);
  expect(queued.map((m) => slackLaneMessageSchema.parse(JSON.parse(m.Body ?? '')).type)).toEqual(['slack.notify']);
  expect(queued[0]?.Body).toContain('order_placed');
});

test('an older order does not hide the cart; the ledger keeps the latest order', async () => {
  await store.recordOrder(tenantId, 'cy@example.com', '2026-11-22T09:00:00.000Z');
  await store.recordOrder(tenantId, 'cy@example.com', '2026-11-20T09:00:00.000Z'); // late, older: ignored
  expect(await store.lastOrderAt(tenantId, 'cy@example.com')).toBe('2026-11-22T09:00:00.000Z');
  await webhook(cart('c-3', 'cy@example.com'));
  clock.advance(31 * 60_000);
  const res = await handleTimerBatch(timers(), [{ id: 'm', body: lastTimerBody() }]);
  expect(res).toMatchObject({ delivered: 1, dropped: 0 });
});

test('fauxqs holds a delayed timer message; a malformed one fails (retried, then dead-lettered)', async () => {
  await webhook(cart('c-4'));
  expect(await receive('timerQueue')).toEqual([]);
  const res = await handleTimerBatch(timers(), [{ id: 'bad', body: '{"type":"timer"}' }]);
  expect(res).toMatchObject({ failed: ['bad'], unreadable: ['bad'] });
});

test('a cart whose delay is already over is handed on at the first receive', async () => {
  clock.advance(2 * 60 * 60_000);
  await webhook(cart('c-5', 'dee@example.com'));
  expect(timerSends.map((m) => m.delaySeconds)).toEqual([0]);
  const [m] = await receive('timerQueue', 1);
  const res = await handleTimerBatch(timers(), batchOf(m ? [m] : []));
  expect(res).toMatchObject({ delivered: 1 });
});

function lastTimerBody(): string {
  const last = timerSends.at(-1);
  if (!last) throw new Error('no timer message was sent');
  return last.body;
}
