/**
 * POST /tenants/{t}/slack/notify on the local stack (what `npm start` runs): the management API
 * function queues it in the Slack lane (fauxqs), the Slack worker posts it to the sandbox Slack, and
 * the connection's status then lists the delivery under the notificationId the call was answered with.
 */
import { SANDBOX_SLACK_CHANNEL } from '../../sandbox/sandbox';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

let running: SandboxStack;

beforeAll(async () => {
  running = await startSandboxStack({ sandboxRows: 2 });
}, 120_000);

afterAll(async () => {
  await running?.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a notify call is posted by the stack’s Slack worker and shows in the status under its id', async () => {
  const { stack } = running;
  const slack = stack.sandbox?.slack;
  expect(slack).toBeDefined();
  const blocks = [
    { type: 'header', text: { type: 'plain_text', text: 'New High-Value Order' } },
    { type: 'section', fields: [{ type: 'mrkdwn', text: '*Amount:*\n{{orderValue}}' }] },
  ];
  const res = await fetch(`${stack.url}/tenants/${stack.tenantId}/slack/notify`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': 'e2e-1',
    },
    body: JSON.stringify({
      channel: 'marketing',
      event: 'order_placed',
      data: { orderValue: '$1,250.00' },
      template: { blocks },
    }),
  });
  expect(res.status).toBe(202);
  const answer = (await res.json()) as { queued: boolean; notificationId: string; channel: string };
  expect(answer).toMatchObject({ queued: true, channel: SANDBOX_SLACK_CHANNEL });

  const posted = () => (slack?.messages(SANDBOX_SLACK_CHANNEL) ?? []).filter((m) => m.text === 'New High-Value Order');
  await until('the post', () => posted().length === 1);
  expect(posted()[0]?.blocks?.[1]).toEqual({
    type: 'section',
    fields: [{ type: 'mrkdwn', text: '*Amount:*\n$1,250.00' }],
  });

  const status = async () => {
    const r = await fetch(`${stack.url}/tenants/${stack.tenantId}/connections/slack/status`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    return (await r.json()) as { deliveries?: { recent: { notificationId?: string; status: string }[] } | null };
  };
  await until('the delivery record', async () =>
    Boolean((await status()).deliveries?.recent.some((d) => d.notificationId === answer.notificationId)),
  );
  expect((await status()).deliveries?.recent.find((d) => d.notificationId === answer.notificationId)?.status).toBe(
    'posted',
  );

  const unknown = await fetch(`${stack.url}/tenants/${stack.tenantId}/slack/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'finance', event: 'order_placed', template: { blocks } }),
  });
  expect(unknown.status).toBe(400);
  expect(((await unknown.json()) as { error: string }).error).toMatch(/"finance" is not an alias .*known: marketing/);
}, 120_000);
