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
import { replayDeadLetters, SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { parseConfig } from '../../shared/config/load';
import { connectNotion } from '../../shared/services/connections';
import { enqueueNotionSync, handleNotionLaneMessage } from '../../shared/services/notion-lane';
import { BrevoSimulator } from '../simulators/brevo';
import { NotionSimulator } from '../simulators/notion';
import { sandboxConfigYaml, seedSandbox } from '../simulators/sandbox';
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
    const lane = new SqsLaneQueue(sqs, { TAJO_QUEUE_NOTION_LANE_URL: queueUrl });
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

async function receiveOne(sqs: SQSClient, url: string) {
  for (let i = 0; i < 20; i++) {
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
