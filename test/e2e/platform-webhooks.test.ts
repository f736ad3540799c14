/**
 * Platform webhooks on the local stack (`npm start`): a Shopify delivery signed as Shopify signs it,
 * posted to `/webhooks/default/shopify/webhooks`, through the local API Gateway, the ingress, the
 * platform lane on fauxqs and the platform worker, to the sandbox's Brevo (and Slack for an order
 * over the sandbox route's threshold); the retry of the same delivery writes nothing more; a
 * tampered body is refused with 401 and nothing happens.
 */
import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../../local/stack';
import { postDelivery } from '../../sandbox/platform-kit';
import { SANDBOX_SLACK_CHANNEL } from '../../sandbox/sandbox';
import { ShopifySimulator } from '../../sandbox/shopify';
import { connectShopifyOnStack } from '../support/platform-connections';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';
import { until } from '../support/until';

jest.setTimeout(120_000);

const APP_SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;
let sandbox: SandboxStack;
let stack: LocalStack;
const shopify = new ShopifySimulator({ clientSecret: APP_SECRET });

beforeAll(async () => {
  sandbox = await startSandboxStack({ sandboxRows: 3 });
  stack = sandbox.stack;
  await connectShopifyOnStack(stack, APP_SECRET, { sync_to_list: 'Shoppers' });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

const url = () => `${stack.url}/webhooks/${stack.tenantId}/shopify/webhooks`;

test('customers/create: 200 at once, one contact on its list; the retry writes nothing more', async () => {
  const delivery = shopify.delivery('customers/create', {
    id: 501,
    email: 'shopper@example.com',
    first_name: 'Frances',
    last_name: 'Allen',
    updated_at: '2026-11-22T09:00:00Z',
  });
  const res = await postDelivery(url(), delivery);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accepted: 1 });
  const brevo = stack.sandbox!.brevo;
  const contact = await until('the contact', () => brevo.getContact('shopper@example.com'));
  expect(contact.attributes).toMatchObject({ FIRSTNAME: 'Frances', LASTNAME: 'Allen' });
  const list = brevo.lists().find((l) => l.name === 'Shoppers');
  expect(brevo.listMembers(list?.id ?? -1)).toContain('shopper@example.com');

  const before = brevo.stats().requests;
  expect((await postDelivery(url(), delivery)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1500));
  expect(brevo.stats().requests).toBe(before);
});

test('orders/create: one order_placed event in Brevo and its Slack notification (over the route threshold)', async () => {
  const delivery = shopify.delivery('orders/create', {
    id: 9001,
    name: '#9001',
    email: 'buyer@example.com',
    total_price: '250.00',
    currency: 'EUR',
    created_at: new Date().toISOString(),
  });
  expect((await postDelivery(url(), delivery)).status).toBe(200);
  const brevo = stack.sandbox!.brevo;
  const event = await until('the order event', () =>
    brevo.events().find((e) => e.event_name === 'order_placed' && e.identifiers.email_id === 'buyer@example.com'),
  );
  expect(event.event_properties).toMatchObject({ order_id: 9001, amount: '250.00' });
  const slack = stack.sandbox!.slack!;
  const post = await until('the Slack notification', () =>
    slack.messages(SANDBOX_SLACK_CHANNEL).find((m) => JSON.stringify(m).includes('buyer@example.com')),
  );
  expect(JSON.stringify(post)).toMatch(/250/);
});

test('a tampered body is refused (401, one line) and nothing is written', async () => {
  const delivery = shopify.delivery('customers/create', { id: 502, email: 'eve@example.com' });
  const res = await postDelivery(url(), { ...delivery, body: delivery.body.replace('eve@', 'mallory@') });
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ error: 'X-Shopify-Hmac-Sha256 does not match' });
  await new Promise((r) => setTimeout(r, 1000));
  expect(stack.sandbox!.brevo.getContact('mallory@example.com')).toBeUndefined();
});
