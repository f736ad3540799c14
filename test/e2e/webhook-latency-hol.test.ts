/**
 * No head-of-line blocking in a tenant's Notion lane (issue 12 §4): a page whose fetch keeps
 * failing (Notion answers 503 for it, every time) is taken out of the group's way — retried after a
 * backoff through the timer queue — while the tenant's other webhook events still reach Brevo
 * promptly; after its last attempt it is in the lane's dead-letter queue with its reason, and a
 * replay once Notion answers for it again brings its effect.
 */
import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../local/stack';
import { NotionWebhookSender, signWebhookBody } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID } from '../../sandbox/sandbox';
import { queueDepth, replayDeadLetters } from '../../shared/adapters/aws/sqs-lane';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

jest.setTimeout(90_000);

let sandbox: SandboxStack;
let stack: LocalStack;
let sqs: SQSClient;
const sender = new NotionWebhookSender();
const previousBase = process.env.TAJO_LANE_RETRY_BASE_MS;

beforeAll(async () => {
  // Backoffs of 0.1 s, 0.4 s, 1.6 s, 6.4 s instead of 2 s, 8 s, 32 s, 2 min: the same path, faster.
  process.env.TAJO_LANE_RETRY_BASE_MS = '100';
  sandbox = await startSandboxStack({ sandboxRows: 20 });
  stack = sandbox.stack;
  sqs = new SQSClient({
    endpoint: stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  expect((await stack.syncAndWait('incremental', 60_000)).status).toBe('succeeded');
  expect((await sender.sendVerification(`${stack.url}/webhooks/notion/default`)).status).toBe(200);
  const view = await fetch(`${stack.url}/tenants/default/connections/notion/webhook`, {
    headers: { authorization: `Bearer ${stack.apiKey}` },
  });
  expect(view.status).toBe(200);
}, 90_000);

afterAll(async () => {
  sqs?.destroy();
  await sandbox?.stop();
  if (previousBase === undefined) delete process.env.TAJO_LANE_RETRY_BASE_MS;
  else process.env.TAJO_LANE_RETRY_BASE_MS = previousBase;
});

async function sendUpdate(pageId: string): Promise<void> {
  const body = JSON.stringify(
    sender.payload(
      {
        type: 'page.properties_updated',
        entity: { id: pageId, type: 'page' },
        data: {
          parent: { id: SANDBOX_DATABASE_ID, type: 'database', data_source_id: stack.sandbox!.dataSourceId },
          updated_properties: ['Seats'],
        },
      },
      1,
      randomUUID(),
      new Date().toISOString(),
    ),
  );
  const res = await fetch(`${stack.url}/webhooks/notion/default`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-notion-signature': signWebhookBody(body, sender.verificationToken),
    },
    body,
  });
  expect(res.status).toBe(200);
}

const emailOf = (pageId: string) =>
  (stack.sandbox!.notion.getPage(pageId) as { properties: { Email: { email: string } } }).properties.Email.email;

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

test('a page that keeps failing does not hold back the tenant’s other events, lands in the DLQ with its reason, and a replay brings it', async () => {
  const { notion, brevo, pageIds } = stack.sandbox!;
  const stuck = pageIds[0] as string;
  // Every read of that page fails (the sync reads rows through the data source query, not this route).
  notion.failPath(`/v1/pages/${stuck}`, { status: 503, code: 'service_unavailable', message: 'Notion is unavailable' });
  notion.updatePage(stuck, { Seats: 777 });
  await sendUpdate(stuck);

  // The tenant's other edits, while the stuck page is retried: each reaches Brevo promptly.
  const latencies: number[] = [];
  for (const [i, pageId] of pageIds.slice(1, 7).entries()) {
    await new Promise((r) => setTimeout(r, 1_000));
    notion.updatePage(pageId, { Seats: 900 + i });
    await sendUpdate(pageId);
    const email = emailOf(pageId);
    const ms = await until(() => brevo.getContact(email)?.attributes.SEATS === 900 + i, 15_000);
    expect(ms).toBeDefined();
    latencies.push(ms as number);
  }
  if (process.env.TAJO_BENCH_PRINT) console.log(`other events while a page fails: ${latencies.join(', ')} ms`);
  for (const ms of latencies) expect(ms).toBeLessThan(10_000);

  // After its last attempt the stuck page's message is in the Notion lane's DLQ (with its reason).
  const dlqUrl = stack.dlqUrls.notionLane as string;
  expect(await until(async () => (await queueDepth(sqs, dlqUrl)) === 1, 45_000)).toBeDefined();

  // Notion answers for it again: the replay names the reason, and the edit reaches Brevo.
  notion.failPath(`/v1/pages/${stuck}`, undefined);
  const replayed = await replayDeadLetters(sqs, { dlqUrl, queueUrl: stack.queueUrls.notionLane as string });
  expect(replayed).toEqual([
    expect.objectContaining({ attempts: 5, reason: expect.stringMatching(/503|unavailable/i) }),
  ]);
  const email = emailOf(stuck);
  expect(await until(() => brevo.getContact(email)?.attributes.SEATS === 777, 15_000)).toBeDefined();
});
