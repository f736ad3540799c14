/**
 * Nothing is lost: a lane step that keeps failing lands in the dead-letter queue (fauxqs redrive),
 * its run is marked failed with its checkpoint kept, and a replay resumes the run where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsLanesFromEnv } from '../../functions/commons/sqs-lanes';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import { replayDeadLetters, SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import { tenantGroupedLanes } from '../../shared/app/topology';
import { enqueueNotionSync, handleNotionLaneMessage } from '../../shared/connectors/notion/lane';
import { ENV } from '../../shared/core/env';
import {
  deadLetterOf,
  MAX_ATTEMPTS,
  openLaneMessage,
  retryDelayMs,
  retryLater,
} from '../../shared/core/lanes/lane-retry';
import { handleTimerBatch } from '../../shared/core/lanes/timers';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

test('a dead-lettered step is replayed and its run resumes from the checkpoint', async () => {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  try {
    seedSandbox(notion, brevo, { rows: 150 });
    const sqs = new SQSClient({ endpoint: process.env.TEST_SQS_ENDPOINT, region: 'us-east-1', credentials });
    const name = `replay-${randomUUID().slice(0, 8)}`;
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }),
    );
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: {
          FifoQueue: 'true',
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    const queueUrl = q.QueueUrl as string;
    const lane = new SqsLaneQueue(sqs, sqsLanesFromEnv({ TAJO_QUEUE_NOTION_LANE_URL: queueUrl }));
    const { store } = await freshStore();
    const clock = new VirtualClock();
    const secrets = new FileSecretStore(await mkdtemp(join(tmpdir(), 'tajo-dlq-')));
    const yaml = sandboxConfigYaml();
    const config = parseConfig(yaml, { NOTION_TOKEN: token, BREVO_API_KEY: apiKey });
    await connectNotion(
      {
        connections: store,
        secrets,
        schedules: { ensure: async () => undefined, remove: async () => undefined },
        clock,
      },
      { tenantId: 'acme', config },
    );
    const deps = {
      connections: store,
      cursors: store,
      runs: store,
      secrets,
      lane,
      clock,
      endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
      syncOptions: { importFirstPollMs: 10 },
    };
    const { runId } = await enqueueNotionSync(
      { connections: store, lane, clock },
      { tenantId: 'acme', mode: 'full', trigger: 'api' },
    );

    // Brevo is down for every attempt: the import fails (5xx), the message is retried, then dead-lettered.
    brevo.failNext(100, { status: 503, body: { code: 'service_unavailable', message: 'down' } });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const got = await receiveOne(sqs, queueUrl);
      const lastAttempt = Number(got.Attributes?.ApproximateReceiveCount) >= 2;
      await expect(
        handleNotionLaneMessage(deps, got.Body as string, { deadline: Number.POSITIVE_INFINITY, lastAttempt }),
      ).rejects.toThrow(/Brevo error|503/);
      await new Promise((r) => setTimeout(r, 1100)); // let the visibility timeout expire
    }
    const failed = await store.getRun('acme', 'notion', runId as string);
    expect(failed?.status).toBe('failed');
    expect(failed?.checkpoint).toBeDefined();
    expect(brevo.contacts()).toHaveLength(0);
    expect(await receiveNone(sqs, queueUrl)).toBe(true); // it is in the DLQ now

    // Brevo is back: replay the dead letters and process the lane.
    brevo.clearFailures();
    // Dead-lettered by the queue's redrive (no worker envelope): replayed, its reason unknown.
    expect(await replayDeadLetters(sqs, { dlqUrl: dlq.QueueUrl as string, queueUrl })).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^unknown/) }),
    ]);
    const replayed = await receiveOne(sqs, queueUrl);
    const run = await handleNotionLaneMessage(deps, replayed.Body as string, {
      deadline: Number.POSITIVE_INFINITY,
      lastAttempt: false,
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: replayed.ReceiptHandle }));
    expect(run?.runId).toBe(runId);
    expect(run?.status).toBe('succeeded');
    expect(brevo.contacts()).toHaveLength(150);
  } finally {
    await Promise.all([notion.stop(), brevo.stop()]);
  }
});

async function receiveOne(sqs: SQSClient, url: string, delayed = false) {
  // A timer message waits its DelaySeconds (real time) before it can be received.
  for (let i = 0; i < (delayed ? 40 : 20); i++) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (res.Messages?.[0]) return res.Messages[0];
  }
  throw new Error('no message');
}

async function receiveNone(sqs: SQSClient, url: string): Promise<boolean> {
  const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
  return (res.Messages ?? []).length === 0;
}

test('a message that fails every attempt is retried outside its group, then dead-lettered with its reason; a replay runs it once it can succeed', async () => {
  const sqs = new SQSClient({ endpoint: process.env.TEST_SQS_ENDPOINT, region: 'us-east-1', credentials });
  const id = randomUUID().slice(0, 8);
  const fifo = { FifoQueue: 'true' };
  const [laneQ, dlqQ, timerQ] = await Promise.all([
    sqs.send(new CreateQueueCommand({ QueueName: `brevo-${id}.fifo`, Attributes: fifo })),
    sqs.send(new CreateQueueCommand({ QueueName: `brevo-${id}-dlq.fifo`, Attributes: fifo })),
    sqs.send(new CreateQueueCommand({ QueueName: `timer-${id}` })),
  ]);
  const queueUrl = laneQ.QueueUrl as string;
  const dlqUrl = dlqQ.QueueUrl as string;
  const lane = new SqsLaneQueue(
    sqs,
    sqsLanesFromEnv({
      [ENV.queueUrl('brevoLane')]: queueUrl,
      [ENV.dlqUrl('brevoLane')]: dlqUrl,
      [ENV.queueUrl('timerQueue')]: timerQ.QueueUrl as string,
    }),
  );
  const clock = new VirtualClock();
  const body = JSON.stringify({ op: 'upsert_contact', tenantId: 'acme', email: 'ada@example.com', attributes: {} });
  await lane.send('brevoLane', [{ body, groupId: 'acme', deduplicationId: `first-${id}` }]);
  const retry = { lane, clock, deadLetter: deadLetterOf(lane, 'brevoLane') };

  // The worker's cycle, with an action that always fails: receive, fail, re-send after the backoff
  // (through the timer queue, delivered when due), acknowledge. The group is never held.
  const outcomes: string[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const got = await receiveOne(sqs, queueUrl);
    const opened = openLaneMessage(got.Body as string);
    expect(opened.body).toBe(body);
    expect(opened.failedAttempts).toBe(attempt - 1);
    const out = await retryLater(retry, {
      queue: 'brevoLane',
      opened,
      groupId: got.Attributes?.MessageGroupId,
      reason: `Brevo error on contact upsert (500 internal_error), attempt ${attempt}`,
      // SQS delays are real time: the timer is due at once here (the backoff itself is checked below).
      delayMs: () => 0,
    });
    outcomes.push(out.outcome);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: got.ReceiptHandle }));
    if (out.outcome === 'retry') {
      clock.advance(out.delayMs);
      const timer = await receiveOne(sqs, timerQ.QueueUrl as string, true);
      const res = await handleTimerBatch(
        { lane, clock, tenantGroupedLanes, orders: { lastOrderAt: async () => undefined } as never },
        [{ id: timer.MessageId as string, body: timer.Body as string }],
      );
      expect(res.delivered).toBe(1);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: timerQ.QueueUrl, ReceiptHandle: timer.ReceiptHandle }));
    }
  }
  expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'dead-lettered']);
  // The backoff the workers use: 2 s, 8 s, 32 s, 2 min 8 s (±20 % jitter), at most 15 minutes.
  expect([1, 2, 3, 4, 9].map((n) => retryDelayMs(n, () => 0.5))).toEqual([2_000, 8_000, 32_000, 128_000, 900_000]);
  expect(retryDelayMs(1, () => 0)).toBe(1_600);
  expect(retryDelayMs(1, () => 1)).toBe(2_400);
  expect(await receiveNone(sqs, queueUrl)).toBe(true);

  // The replay names the reason of the last attempt, and the lane gets the original body back.
  const replayed = await replayDeadLetters(sqs, { dlqUrl, queueUrl });
  expect(replayed).toEqual([
    expect.objectContaining({ attempts: 5, reason: 'Brevo error on contact upsert (500 internal_error), attempt 5' }),
  ]);
  const again = await receiveOne(sqs, queueUrl);
  expect(again.Body).toBe(body);
  expect(openLaneMessage(again.Body as string).failedAttempts).toBe(0);
  expect(again.Attributes?.MessageGroupId).toBe('acme');
  sqs.destroy();
});
