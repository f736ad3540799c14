/**
 * SqsLaneQueue against the run's fauxqs (a real SQS wire-protocol emulator on 127.0.0.1, started by
 * the jest global setup): batching, group and deduplication ids, parking an in-flight message, and
 * the errors a caller sees.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsLanesFromEnv } from '../../functions/commons/sqs-lanes';
import { SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import type { LaneMessage } from '../../shared/core/ports';

const endpoint = process.env.TEST_SQS_ENDPOINT;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
/** The test's own client: creates queues and plays the consumer. */
const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
const queues: string[] = [];

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** The adapter's client, recording every command it sends. */
function recordingClient(): { client: SQSClient; sent: Sent[] } {
  const client = new SQSClient({ endpoint, region: 'us-east-1', credentials, useQueueUrlAsEndpoint: false });
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName ?? '', input: structuredClone(args.input) as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client, sent };
}

async function fifoQueue(): Promise<string> {
  const res = await sqs.send(
    new CreateQueueCommand({
      QueueName: `lane-${randomUUID().slice(0, 8)}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '60' },
    }),
  );
  if (!res.QueueUrl) throw new Error('fauxqs returned no queue url');
  queues.push(res.QueueUrl);
  return res.QueueUrl;
}

async function lane(): Promise<{ lane: SqsLaneQueue; url: string; sent: Sent[]; client: SQSClient }> {
  const url = await fifoQueue();
  const { client, sent } = recordingClient();
  return { lane: new SqsLaneQueue(client, sqsLanesFromEnv({ TAJO_QUEUE_NOTION_LANE_URL: url })), url, sent, client };
}

async function receive(url: string): Promise<Message[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'ApproximateReceiveCount'],
    }),
  );
  return res.Messages ?? [];
}

/** Receives and deletes until the queue has nothing visible. */
async function drain(url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 100; i++) {
    const batch = await receive(url);
    if (batch.length === 0) return out;
    for (const m of batch) {
      out.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  throw new Error('queue did not drain');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await Promise.all(queues.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined)));
  sqs.destroy();
});

test('the run provides fauxqs', () => {
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

describe('send', () => {
  test('23 messages go out in batches of at most 10 with their group and dedup ids, in order per group', async () => {
    const { lane: q, url, sent, client } = await lane();
    const messages: LaneMessage[] = Array.from({ length: 23 }, (_, i) => {
      const groupId = i % 3 === 0 ? 'notion-aaaa' : 'notion-bbbb';
      return { body: JSON.stringify({ seq: i, groupId }), groupId, deduplicationId: `run-1:${i}` };
    });
    await q.send('notionLane', messages);

    expect(sent.map((s) => s.command)).toEqual([
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
    ]);
    const batches = sent.map((s) => s.input as unknown as SendMessageBatchCommandInput);
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 10, 3]);
    for (const b of batches) {
      expect(b.QueueUrl).toBe(url);
      const ids = (b.Entries ?? []).map((e) => e.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(
      batches.flatMap((b) => b.Entries ?? []).map((e) => [e.MessageBody, e.MessageGroupId, e.MessageDeduplicationId]),
    ).toEqual(messages.map((m) => [m.body, m.groupId, m.deduplicationId]));

    const received = await drain(url);
    expect(received).toHaveLength(23);
    for (const m of received) {
      const body = JSON.parse(m.Body ?? '{}') as { seq: number; groupId: string };
      expect(m.Attributes?.MessageGroupId).toBe(body.groupId);
      expect(m.Attributes?.MessageDeduplicationId).toBe(`run-1:${body.seq}`);
    }
    const seqOf = (group: string) =>
      received
        .map((m) => JSON.parse(m.Body ?? '{}') as { seq: number; groupId: string })
        .filter((b) => b.groupId === group)
        .map((b) => b.seq);
    const sentSeq = (group: string) => messages.map((m, i) => (m.groupId === group ? i : -1)).filter((i) => i >= 0);
    expect(seqOf('notion-aaaa')).toEqual(sentSeq('notion-aaaa'));
    expect(seqOf('notion-bbbb')).toEqual(sentSeq('notion-bbbb'));
    client.destroy();
  });

  test('a deduplication id longer than 128 chars is cut to 128', async () => {
    const { lane: q, url, sent, client } = await lane();
    const long = `tenant-${'x'.repeat(121)}:start:${'y'.repeat(40)}`;
    expect(long.length).toBeGreaterThan(128);
    await q.send('notionLane', [{ body: '{"a":1}', groupId: 'g1', deduplicationId: long }]);

    const entry = (sent[0].input as unknown as SendMessageBatchCommandInput).Entries?.[0];
    expect(entry?.MessageDeduplicationId).toBe(long.slice(0, 128));
    const [m] = await drain(url);
    expect(m.Attributes?.MessageDeduplicationId).toBe(long.slice(0, 128));
    expect(m.Attributes?.MessageDeduplicationId).toHaveLength(128);
    client.destroy();
  });

  test('no messages, no request', async () => {
    const { lane: q, sent, client } = await lane();
    await q.send('notionLane', []);
    expect(sent).toEqual([]);
    client.destroy();
  });

  test('JSON bodies with control characters and emoji arrive intact (sent as ASCII escapes)', async () => {
    const { lane: q, url, client } = await lane();
    const body = JSON.stringify({ text: 'bad \u0000 body 🎉 café' });
    await q.send('notionLane', [{ body, groupId: 'g1', deduplicationId: 'd1' }]);
    const [got] = await drain(url);
    expect(JSON.parse(got!.Body as string)).toEqual(JSON.parse(body));
    expect(got!.Body).toMatch(/^[\x20-\x7e]*$/);
    client.destroy();
  });

  test('a message SQS refuses (over the 1 MiB message limit) makes send throw', async () => {
    const { lane: q, client } = await lane();
    const big = JSON.stringify({ text: 'x'.repeat(1_100_000) });
    await expect(q.send('notionLane', [{ body: big, groupId: 'g1', deduplicationId: 'd1' }])).rejects.toThrow();
    client.destroy();
  });

  test('a missing queue URL throws a clear error before anything is sent', async () => {
    const { client, sent } = recordingClient();
    const q = new SqsLaneQueue(client, sqsLanesFromEnv({}));
    const msg = { body: '{}', groupId: 'g', deduplicationId: 'd' };
    await expect(q.send('notionLane', [msg])).rejects.toThrow('TAJO_QUEUE_NOTION_LANE_URL is not set');
    await expect(q.park('notionLane', 'rh', 1000)).rejects.toThrow('TAJO_QUEUE_NOTION_LANE_URL is not set');
    expect(sent).toEqual([]);
    client.destroy();
  });

  test('a queue that does not exist rejects with the service error', async () => {
    const { client } = recordingClient();
    const missing = `${endpoint}/000000000000/no-such-lane-${randomUUID().slice(0, 8)}.fifo`;
    const q = new SqsLaneQueue(client, sqsLanesFromEnv({ TAJO_QUEUE_NOTION_LANE_URL: missing }));
    await expect(q.send('notionLane', [{ body: '{}', groupId: 'g', deduplicationId: 'd' }])).rejects.toMatchObject({
      name: expect.stringMatching(/QueueDoesNotExist/),
    });
    client.destroy();
  });
});

describe('park', () => {
  test('hides the in-flight message, and with it its group, for the delay; then it is delivered again', async () => {
    const { lane: q, url, sent, client } = await lane();
    await q.send('notionLane', [
      { body: 'first', groupId: 'g1', deduplicationId: 'p1' },
      { body: 'second', groupId: 'g1', deduplicationId: 'p2' },
    ]);
    const [m] = await receive(url);
    expect(m.Body).toBe('first');

    const parkedAt = Date.now();
    await q.park('notionLane', m.ReceiptHandle ?? '', 2000);
    expect(sent.at(-1)).toEqual({
      command: 'ChangeMessageVisibilityCommand',
      input: { QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 2 },
    });

    expect(await receive(url)).toEqual([]); // neither the parked message nor the rest of its group
    await sleep(1200);
    expect(await receive(url)).toEqual([]); // still parked past one second

    let back: Message[] = [];
    while (back.length === 0 && Date.now() - parkedAt < 4000) {
      await sleep(100);
      back = await receive(url);
    }
    expect(Date.now() - parkedAt).toBeGreaterThanOrEqual(1900);
    expect(back.map((b) => [b.MessageId, b.Body, b.Attributes?.ApproximateReceiveCount])).toEqual([
      [m.MessageId, 'first', '2'],
    ]);
    client.destroy();
  });

  test('rounds the delay up to whole seconds, at least 1', async () => {
    const { lane: q, url, sent, client } = await lane();
    await q.send('notionLane', [{ body: 'x', groupId: 'g1', deduplicationId: 'r1' }]);
    const [m] = await receive(url);
    const handle = m.ReceiptHandle ?? '';
    sent.length = 0;

    for (const ms of [0, 1, 1500, 2000, 3_600_000]) await q.park('notionLane', handle, ms);
    expect(sent.map((s) => s.input.VisibilityTimeout)).toEqual([1, 1, 2, 2, 3600]);
    expect(sent.every((s) => s.command === 'ChangeMessageVisibilityCommand')).toBe(true);
    expect(await receive(url)).toEqual([]); // parked for an hour
    client.destroy();
  });

  // BUG: park() clamps the delay to 43 200 s, but SQS caps the *total* visibility of a receipt at 12 h
  // from the ReceiveMessage request, so after any time in flight it rejects 43 200 ("Value 43200 for
  // parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond
  // the limit [43200 seconds]"; fauxqs does not enforce this, so the rule is checked here on what the
  // adapter sent). A provider Retry-After of ~12 h or more (e.g. a daily quota) then makes park()
  // throw: the worker fails the record instead of parking it, the lane is retried after the queue's
  // visibility timeout and, after maxReceiveCount, dead-lettered. A fix: cap below 43 200 with a
  // margin for the time already in flight (the function timeout), e.g. 43 200 - 900.
  test('a delay of 12 hours or more parks as long as SQS accepts after a receive', async () => {
    const { lane: q, url, sent, client } = await lane();
    await q.send('notionLane', [{ body: 'x', groupId: 'g1', deduplicationId: 'l1' }]);
    const receivedAt = Date.now();
    const [m] = await receive(url);
    sent.length = 0;
    try {
      await q.park('notionLane', m.ReceiptHandle ?? '', 24 * 3_600_000);
      const seconds = sent[0].input.VisibilityTimeout as number;
      const inFlight = (Date.now() - receivedAt) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(11 * 3600); // still parks for most of the 12 hours
      expect(seconds + inFlight).toBeLessThanOrEqual(43_200); // what SQS accepts
    } finally {
      client.destroy();
    }
  });

  test('a receipt handle that is not in flight rejects with the service error', async () => {
    const { lane: q, client } = await lane();
    await expect(q.park('notionLane', randomUUID(), 1000)).rejects.toMatchObject({
      name: expect.stringMatching(/MessageNotInflight|ReceiptHandleIsInvalid/),
    });
    client.destroy();
  });
});
