/**
 * A burst of single Brevo webhooks for one Slack channel becomes ONE digest on the local stack
 * (issue 12 §4): 30 deliveries of one event each within a second used to become 30 posts over 30 s
 * (the lane hands out one message per group). The worker digests what is waiting for the channel,
 * not what a queue batch holds; a lone event is still posted on its own, in its thread.
 */
import type { LocalStack } from '../../local/stack';
import { SANDBOX_SLACK_CHANNEL } from '../../sandbox/sandbox';
import { listAddition, marketingEvent } from '../notifications/fixtures';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

jest.setTimeout(90_000);

let sandbox: SandboxStack;
let stack: LocalStack;

beforeAll(async () => {
  sandbox = await startSandboxStack({ sandboxRows: 5 });
  stack = sandbox.stack;
}, 90_000);

afterAll(async () => {
  await sandbox?.stop();
});

const post = (body: unknown) =>
  fetch(`${stack.url}/webhooks/brevo/default`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function settled(channel: string, atLeast: number, quietMs = 2_500) {
  const slack = stack.sandbox!.slack!;
  const until = Date.now() + 30_000;
  let count = -1;
  let since = Date.now();
  while (Date.now() < until) {
    const now = slack.messages(channel).length;
    if (now !== count) {
      count = now;
      since = Date.now();
    } else if (count >= atLeast && Date.now() - since >= quietMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return slack.messages(channel);
}

test('30 single webhooks for one channel within a second: one digest of all 30', async () => {
  const before = stack.sandbox!.slack!.messages(SANDBOX_SLACK_CHANNEL).length;
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      post(listAddition({ id: 7000 + i, email: `burst.${i}@example.com`, ts: 1793699000 + i })),
    ),
  );
  expect(Date.now() - started).toBeLessThan(1_000 + 2_000); // sent within about a second (loaded CI: margin)
  for (const a of answers) expect(a.status).toBe(200);
  const posted = (await settled(SANDBOX_SLACK_CHANNEL, before + 1)).slice(before);
  const firstAt = Date.now() - started;
  if (process.env.TAJO_BENCH_PRINT)
    console.log(`30 single webhooks → ${posted.length} post(s), settled in ${firstAt} ms`);
  expect(posted).toHaveLength(1);
  expect(posted[0]!.text).toMatch(/\b30\b/);
});

test('a lone event after the burst is posted on its own, in its contact’s thread', async () => {
  const slack = stack.sandbox!.slack!;
  const before = slack.messages(SANDBOX_SLACK_CHANNEL).length;
  expect((await post(listAddition({ id: 8000, email: 'lone@example.com', ts: 1793699500 }))).status).toBe(200);
  const [first] = (await settled(SANDBOX_SLACK_CHANNEL, before + 1, 1_500)).slice(before);
  expect(first!.text).toMatch(/lone@example\.com/);
  expect((await post(marketingEvent('unsubscribed', { email: 'lone@example.com', ts: 1793699600 }))).status).toBe(200);
  const all = await settled(SANDBOX_SLACK_CHANNEL, before + 2, 1_500);
  expect(all).toHaveLength(before + 2);
  expect(all[before + 1]!.thread_ts).toBe(first!.ts);
});
