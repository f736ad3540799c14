/**
 * Platform webhooks end to end, per catalogue definition: a delivery signed by its simulator's
 * helper through the door (verified, queued in the platform lane) and the worker (claimed in the
 * DynamoDB delivery ledger on dynalite, written to the Brevo simulator) — exactly once, the
 * platform's retries included (at once and 10 minutes later, past SQS's deduplication window);
 * tampered, stale or missing signatures refused with nothing queued; Shopify's orders routed to
 * Slack like Brevo's own events and recorded in the order ledger.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import type { SignedDelivery } from '../../sandbox/platform-kit';
import { ShopifySimulator } from '../../sandbox/shopify';
import { StripeSimulator, stripeWebhookDelivery } from '../../sandbox/stripe';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { handPlatformEvents } from '../../shared/app/platform-events';
import { webhookSecretOf } from '../../shared/connectors/custom/connection';
import type { Definition } from '../../shared/connectors/custom/definition/schema';
import { acceptPlatformWebhook } from '../../shared/connectors/custom/ingress/door';
import { handlePlatformLaneMessage, type PlatformLaneDeps } from '../../shared/connectors/custom/ingress/worker';
import { RateLimitedError } from '../../shared/core/errors';
import type { ConnectionRecord, LaneMessage, LaneQueue } from '../../shared/core/ports';
import { MemorySecrets } from '../support/fakes';
import { catalogueDefinition, putDefinitionConnection } from '../support/platform-connections';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const BREVO_KEY = 'xkeysib-platform-webhooks';
const SHOPIFY_SECRET = 'shpss_platform_webhooks_test';
const STRIPE_SECRET = 'whsec_platform_webhooks_test';
const MIN = 60_000;

class QueueRecorder implements LaneQueue {
  readonly sent: { queue: string; message: LaneMessage }[] = [];
  async send(queue: string, messages: LaneMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ queue, message });
  }
  of(queue: string): LaneMessage[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.message);
  }
  take(queue: string): LaneMessage[] {
    const out = this.of(queue);
    for (let i = this.sent.length - 1; i >= 0; i--) if (this.sent[i]?.queue === queue) this.sent.splice(i, 1);
    return out;
  }
}

let brevo: BrevoSimulator;
let store: DynamoRepositories;
let secrets: MemorySecrets;
let lane: QueueRecorder;
let clock: VirtualClock;
let tenantId: string;
let shopify: Definition;
let stripe: Definition;

beforeAll(async () => {
  [shopify, stripe] = await Promise.all([catalogueDefinition('shopify'), catalogueDefinition('stripe')]);
});

beforeEach(async () => {
  brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false });
  // Brevo ignores attributes the account does not have: the mapped ones exist.
  for (const name of ['TOTAL_SPENT', 'TOTAL_ORDERS', 'NAME'])
    brevo.addAttribute({ name, category: 'normal', type: 'text' });
  await brevo.start();
  ({ store } = await freshStore());
  secrets = new MemorySecrets();
  lane = new QueueRecorder();
  clock = new VirtualClock(Date.now());
  tenantId = `t-${randomUUID().slice(0, 8)}`;
  const brevoApiKeyRef = await secrets.put(`${tenantId}/brevo`, BREVO_KEY);
  for (const [definition, webhookSecret] of [
    [shopify, SHOPIFY_SECRET],
    [stripe, STRIPE_SECRET],
  ] as const)
    await putDefinitionConnection(
      { connections: store, secrets },
      { tenantId, definition, webhookSecret, brevoApiKeyRef, settings: { sync_to_list: 'Shoppers' } },
    );
});

afterEach(async () => {
  await brevo.stop();
});

const post = (connector: string, path: string, delivery: SignedDelivery) =>
  acceptPlatformWebhook(
    {
      connections: store,
      webhookSecret: async (record: ConnectionRecord<string>, definition: Definition) =>
        record.tokenRef ? webhookSecretOf(definition, await secrets.get(record.tokenRef), record.connector) : undefined,
      lane,
      clock,
    },
    { tenantId, connector, path, headers: delivery.headers, rawBody: Buffer.from(delivery.body) },
  );

const workerDeps = (): PlatformLaneDeps => ({
  connections: store,
  deliveries: store,
  cursors: store,
  runs: store,
  lane,
  endpoints: {},
  secrets,
  clock,
  brevoBaseUrl: brevo.baseUrl,
  handEvents: (t, events) => handPlatformEvents({ connections: store, lane, orders: store, clock }, t, events),
});

/** Runs every queued platform lane message through the worker, as the lane would. */
async function work(): Promise<string[]> {
  const outcomes: string[] = [];
  for (const m of lane.take('platformLane'))
    outcomes.push((await handlePlatformLaneMessage(workerDeps(), m.body, m.groupId)).outcome);
  return outcomes;
}

const shopifyCustomer = (email: string) => ({
  id: 7001,
  email,
  first_name: 'Ada',
  last_name: 'Lovelace',
  phone: null,
  orders_count: 3,
  total_spent: '129.90',
  updated_at: '2026-11-22T09:00:00Z',
});

describe('shopify', () => {
  const sim = () => new ShopifySimulator({ clientSecret: SHOPIFY_SECRET });

  test('customers/create → one contact in Brevo (on its list), retried at once and 10 minutes later', async () => {
    const delivery = sim().delivery('customers/create', shopifyCustomer('ada@example.com'));
    expect(await post('shopify', 'webhooks', delivery)).toEqual({ status: 200, body: { accepted: 1 } });
    // Shopify retries with the same X-Shopify-Webhook-Id: SQS drops the copy sent within 5 minutes.
    expect((await post('shopify', 'webhooks', delivery)).status).toBe(200);
    const [first, again] = lane.of('platformLane');
    expect(again?.deduplicationId).toBe(first?.deduplicationId);
    expect(first?.groupId).toBe(`${tenantId}#shopify`);
    lane.take('platformLane');
    lane.sent.push({ queue: 'platformLane', message: first as LaneMessage });
    expect(await work()).toEqual(['written']);
    const contact = brevo.getContact('ada@example.com');
    expect(contact?.attributes).toMatchObject({ FIRSTNAME: 'Ada', LASTNAME: 'Lovelace', TOTAL_SPENT: '129.90' });
    const list = brevo.lists().find((l) => l.name === 'Shoppers');
    expect(brevo.listMembers(list?.id ?? -1)).toEqual(['ada@example.com']);

    // 10 minutes on, past SQS's window: the copy is queued again, and the ledger stops it.
    clock.advance(10 * MIN);
    const requestsBefore = brevo.stats().requests;
    expect((await post('shopify', 'webhooks', delivery)).status).toBe(200);
    expect(await work()).toEqual(['duplicate']);
    expect(brevo.stats().requests).toBe(requestsBefore);
    expect(brevo.contacts()).toHaveLength(1);
  });

  test('orders/create → one order_placed event, routed to Slack and recorded in the order ledger', async () => {
    const now = new Date(clock.now()).toISOString();
    await store.putConnection({
      tenantId,
      connector: 'slack',
      settings: {
        enabled: true,
        channels: { sales: 'C0SALES' },
        notifications: { order_placed: { channel: 'sales' } },
        interactions: {},
        teamId: 'T1',
      },
      tokenRef: 'r',
      brevoApiKeyRef: 'r',
      integrationKey: 'k',
      createdAt: now,
      updatedAt: now,
    } as ConnectionRecord<'slack'>);
    const order = {
      id: 820982911946154500,
      name: '#1001',
      email: 'Grace@Example.com',
      total_price: '199.00',
      currency: 'eur',
      created_at: '2026-11-22T09:30:00Z',
    };
    const delivery = sim().delivery('orders/create', order);
    expect((await post('shopify', 'webhooks', delivery)).body).toEqual({ accepted: 1 });
    expect(await work()).toEqual(['written']);
    clock.advance(10 * MIN);
    await post('shopify', 'webhooks', delivery);
    expect(await work()).toEqual(['duplicate']);

    const events = brevo.events().filter((e) => e.event_name === 'order_placed');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      identifiers: { email_id: 'grace@example.com' },
      event_properties: { order_id: 820982911946154500, order_name: '#1001', amount: '199.00', currency: 'eur' },
      contact_properties: { LAST_ORDER_DATE: '2026-11-22T09:30:00Z' },
    });
    const slack = lane.of('slackLane').map((m) => JSON.parse(m.body));
    expect(slack).toHaveLength(1);
    expect(slack[0]).toMatchObject({
      type: 'slack.notify',
      tenantId,
      channelId: 'C0SALES',
      event: {
        type: 'order_placed',
        source: 'platform',
        contact: { email: 'grace@example.com' },
        order: { id: '820982911946154500', total: 199, currency: 'EUR' },
      },
    });
    expect(await store.lastOrderAt(tenantId, 'grace@example.com')).toBe('2026-11-22T09:30:00.000Z');
  });

  test('tampered, missing or foreign-secret signatures: 401 with one line, nothing queued', async () => {
    const good = sim().delivery('customers/create', shopifyCustomer('eve@example.com'));
    const tampered = { ...good, body: good.body.replace('eve@', 'mallory@') };
    const { 'X-Shopify-Hmac-Sha256': _dropped, ...unsigned } = good.headers;
    const foreign = new ShopifySimulator({ clientSecret: 'shpss_someone_else' }).delivery(
      'customers/create',
      shopifyCustomer('eve@example.com'),
    );
    for (const [delivery, reason] of [
      [tampered, 'X-Shopify-Hmac-Sha256 does not match'],
      [{ ...good, headers: unsigned }, 'X-Shopify-Hmac-Sha256 is missing'],
      [foreign, 'X-Shopify-Hmac-Sha256 does not match'],
    ] as const) {
      const res = await post('shopify', 'webhooks', delivery);
      expect(res).toEqual({ status: 401, body: { error: reason } });
    }
    expect(lane.sent).toEqual([]);
  });

  test('a topic the definition does not read is acknowledged (200, accepted 0) so Shopify keeps the webhook', async () => {
    const res = await post('shopify', 'webhooks', sim().delivery('products/update', { id: 1, title: 'Mug' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accepted: 0,
      ignored: expect.stringMatching(/no webhook of shopify at \/webhooks/),
    });
    expect(lane.sent).toEqual([]);
  });
});

describe('stripe', () => {
  const sim = () => new StripeSimulator({ webhookSecret: STRIPE_SECRET });
  const nowS = () => Math.floor(clock.now() / 1000);
  /** Stripe's retry: the same event (same body), signed again at the time it is sent. */
  const signedAt = (timestamp: number, created: number) =>
    stripeWebhookDelivery({
      type: 'invoice.paid',
      object: {
        id: 'in_1',
        number: 'INV-0001',
        customer: 'cus_1',
        customer_email: 'linus@example.com',
        amount_paid: 4900,
        currency: 'eur',
      },
      secret: STRIPE_SECRET,
      eventId: 'evt_invoice_1',
      created,
      timestamp,
    });

  test('invoice.paid → one invoice_paid event, retried at once and 10 minutes later (re-signed)', async () => {
    const created = nowS();
    expect((await post('stripe', 'webhooks', signedAt(nowS(), created))).body).toEqual({ accepted: 1 });
    expect(await work()).toEqual(['written']);
    clock.advance(10 * MIN);
    expect((await post('stripe', 'webhooks', signedAt(nowS(), created))).body).toEqual({ accepted: 1 });
    expect(await work()).toEqual(['duplicate']);
    const events = brevo.events().filter((e) => e.event_name === 'invoice_paid');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      identifiers: { email_id: 'linus@example.com' },
      event_properties: { invoice_id: 'in_1', invoice_number: 'INV-0001', amount: 4900, currency: 'eur' },
    });
  });

  test('customer.created from the simulator → one contact', async () => {
    const delivery = sim().delivery('customer.created', {
      id: 'cus_9',
      object: 'customer',
      email: 'radia@example.com',
      name: 'Radia Perlman',
      phone: null,
    });
    // The simulator signs at its own clock's time: the door's clock is set to it.
    clock = new VirtualClock(Number(/t=(\d+)/.exec(delivery.headers['Stripe-Signature'] ?? '')?.[1]) * 1000);
    expect((await post('stripe', 'webhooks', delivery)).body).toEqual({ accepted: 1 });
    await post('stripe', 'webhooks', delivery);
    expect(lane.of('platformLane')).toHaveLength(2);
    expect(await work()).toEqual(['written', 'duplicate']);
    expect(brevo.getContact('radia@example.com')?.attributes).toMatchObject({ NAME: 'Radia Perlman' });
    expect(brevo.contacts()).toHaveLength(1);
  });

  test('stale (replayed), tampered or missing signatures: 401 with one line, nothing queued', async () => {
    const created = nowS();
    const stale = signedAt(nowS() - 301, created);
    const good = signedAt(nowS(), created);
    const tampered = { ...good, body: good.body.replace('4900', '1') };
    expect(await post('stripe', 'webhooks', stale)).toEqual({
      status: 401,
      body: { error: 'Stripe-Signature t= is outside the 300 s tolerance (replayed or clock skew)' },
    });
    expect(await post('stripe', 'webhooks', tampered)).toEqual({
      status: 401,
      body: { error: 'Stripe-Signature does not match' },
    });
    expect(await post('stripe', 'webhooks', { ...good, headers: { 'Content-Type': 'application/json' } })).toEqual({
      status: 401,
      body: { error: 'Stripe-Signature is missing' },
    });
    expect(lane.sent).toEqual([]);
  });
});

describe('the door refuses what it cannot take, and says why', () => {
  const delivery = () => new ShopifySimulator({ clientSecret: SHOPIFY_SECRET }).delivery('customers/create', {});

  test('unknown connector or connection: 404; a path the definition does not list: 404 naming its paths', async () => {
    expect(await post('acmeshop', 'webhooks', delivery())).toEqual({
      status: 404,
      body: {
        error: `tenant ${tenantId} has no acmeshop connection: connect it first (tajo connectors connect acmeshop)`,
      },
    });
    expect(await post('shopify', 'webhooks/orders', delivery())).toEqual({
      status: 404,
      body: { error: 'shopify has no webhook at /webhooks/orders (its paths: /webhooks)' },
    });
    expect(lane.sent).toEqual([]);
  });

  test("a built-in connector's name: 404; a definition without a signature block: every delivery 401", async () => {
    const now = new Date().toISOString();
    await store.putConnection({
      tenantId,
      connector: 'notion',
      settings: { enabled: true },
      tokenRef: 'r',
      brevoApiKeyRef: 'r',
      integrationKey: 'k',
      createdAt: now,
      updatedAt: now,
    } as never);
    expect(await post('notion', 'webhooks', delivery())).toEqual({
      status: 404,
      body: { error: 'notion is not a definition-backed connector: its webhooks have their own route' },
    });
    const { signature: _none, ...unsigned } = shopify;
    await putDefinitionConnection(
      { connections: store, secrets },
      {
        tenantId,
        definition: { ...unsigned, name: 'unsignedshop' } as Definition,
        webhookSecret: SHOPIFY_SECRET,
        brevoApiKeyRef: 'r',
      },
    );
    expect(await post('unsignedshop', 'webhooks', delivery())).toEqual({
      status: 401,
      body: { error: "unsignedshop's definition declares no signature scheme: add a signature block" },
    });
    expect(lane.sent).toEqual([]);
  });

  test('a disabled connection: 409 with the reason; no secret stored: 401 saying which key', async () => {
    const record = (await store.getConnection(tenantId, 'shopify')) as ConnectionRecord<string>;
    await store.putConnection({ ...record, settings: { ...record.settings, enabled: false } });
    expect(await post('shopify', 'webhooks', delivery())).toEqual({
      status: 409,
      body: { error: `connectors.shopify is disabled for tenant ${tenantId}: enable it to receive webhooks` },
    });
    // Its secrets without the signing secret (connected without --api-secret).
    await store.putConnection({ ...record, tokenRef: await secrets.put(`${tenantId}/shopify-token`, '{}') });
    expect(await post('shopify', 'webhooks', delivery())).toEqual({
      status: 401,
      body: { error: 'connectors.shopify.api_secret is not set: deliveries cannot be verified' },
    });
    expect(lane.sent).toEqual([]);
  });
});

test('a secret given a moment ago is used at once: a refusal is checked again past the caches', async () => {
  const delivery = new ShopifySimulator({ clientSecret: SHOPIFY_SECRET }).delivery(
    'customers/create',
    shopifyCustomer('new@example.com'),
  );
  const at = (fresh: string | undefined) =>
    acceptPlatformWebhook(
      {
        connections: store,
        // The cached view: the connection as it was before its signing secret was added.
        webhookSecret: async () => undefined,
        freshWebhookSecret: async () => fresh,
        lane,
        clock,
      },
      {
        tenantId,
        connector: 'shopify',
        path: 'webhooks',
        headers: delivery.headers,
        rawBody: Buffer.from(delivery.body),
      },
    );
  expect(await at(SHOPIFY_SECRET)).toEqual({ status: 200, body: { accepted: 1 } });
  // A forged delivery stays refused after the second look.
  expect((await at('another-secret')).status).toBe(401);
  expect(lane.sent).toHaveLength(1);
});

test('a failed Brevo write releases the claim: the retry writes the delivery once', async () => {
  const delivery = new ShopifySimulator({ clientSecret: SHOPIFY_SECRET }).delivery(
    'customers/update',
    shopifyCustomer('barbara@example.com'),
  );
  await post('shopify', 'webhooks', delivery);
  const [message] = lane.of('platformLane');
  // Brevo answers 5xx (retried in process, then given up).
  brevo.failNext(1000, { status: 503, body: { code: 'unavailable', message: 'down' } });
  await expect(work()).rejects.toThrow();
  expect(brevo.contacts()).toHaveLength(0);
  brevo.clearFailures();
  lane.sent.push({ queue: 'platformLane', message: message as LaneMessage });
  expect(await work()).toEqual(['written']);
  expect(brevo.contacts().map((c) => c.email)).toEqual(['barbara@example.com']);
});

test('a message in another tenant’s group is dropped, nothing written', async () => {
  const delivery = new ShopifySimulator({ clientSecret: SHOPIFY_SECRET }).delivery(
    'customers/create',
    shopifyCustomer('cross@example.com'),
  );
  await post('shopify', 'webhooks', delivery);
  const [message] = lane.take('platformLane');
  const out = await handlePlatformLaneMessage(workerDeps(), message?.body ?? '', 'other-tenant#shopify');
  expect(out.outcome).toBe('dropped');
  expect(brevo.contacts()).toHaveLength(0);
});

test('Brevo 429 past what a Lambda may wait: a RateLimitedError (the worker parks the lane), the claim released', async () => {
  const delivery = new ShopifySimulator({ clientSecret: SHOPIFY_SECRET }).delivery('orders/create', {
    id: 5,
    email: 'ken@example.com',
    total_price: '10.00',
    currency: 'EUR',
  });
  await post('shopify', 'webhooks', delivery);
  const [message] = lane.of('platformLane');
  brevo.failNext(1, {
    status: 429,
    body: { code: 'too_many_requests', message: 'slow down' },
    headers: { 'x-sib-ratelimit-reset': '3600' },
  });
  await expect(work()).rejects.toBeInstanceOf(RateLimitedError);
  expect(brevo.events()).toHaveLength(0);
  lane.sent.push({ queue: 'platformLane', message: message as LaneMessage });
  expect(await work()).toEqual(['written']);
  expect(brevo.events().map((e) => e.event_name)).toEqual(['order_placed']);
});
