/**
 * The tenant event stream on the local stack (`npm start`): endpoints registered through the API,
 * events published where they happen (a Brevo webhook through the ingress, a Shopify delivery
 * through the platform lane, a Notion sync's end in the Notion worker), carried by the local bus to
 * the delivery queue on fauxqs, fanned out and POSTed signed to a receiver on 127.0.0.1. A failing
 * receiver is retried, then parked in the dead-letter queue; types filter; another tenant's
 * endpoint and a deleted endpoint receive nothing.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../local/stack';
import { postDelivery } from '../../sandbox/platform-kit';
import { ShopifySimulator } from '../../sandbox/shopify';
import { replayDeadLetters } from '../../shared/adapters/aws/sqs-lane';
import {
  createdEventEndpointSchema,
  deletedEventEndpointSchema,
  eventEndpointListSchema,
} from '../../shared/app/event-endpoints-api';
import { systemClock } from '../../shared/core/ports';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { connectShopifyOnStack } from '../support/platform-connections';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';
import { until } from '../support/until';

jest.setTimeout(180_000);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

const APP_SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;
const received: Received[] = [];
let receiver: Server;
/** The /fail endpoint refuses (500) until a test fixes it. */
let failing = true;
let receiverUrl: string;
let sandbox: SandboxStack;
let stack: LocalStack;
let tenantB: { tenantId: string; apiKey: string; webhookToken: string };
const secrets: Record<string, string> = {};
const ids: Record<string, string> = {};

async function register(apiKey: string, tenantId: string, path: string, types?: string[]) {
  const res = await fetch(`${stack.url}/tenants/${tenantId}/event-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${receiverUrl}${path}`, ...(types ? { types } : {}) }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; secret: string; types: string[]; url: string };
  expect(body.secret).toMatch(/^whsec_/);
  secrets[path] = body.secret;
  ids[path] = body.id;
  return body;
}

beforeAll(async () => {
  // Every retry a second apart instead of minutes (the backoff's list, TAJO_EVENT_RETRY_SECONDS).
  process.env.TAJO_EVENT_RETRY_SECONDS = '1,1,1,1,1';
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(req.url === '/fail' && failing ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sandbox = await startSandboxStack({ sandboxRows: 3 });
  stack = sandbox.stack;
  await connectShopifyOnStack(stack, APP_SECRET);
  const b = await createTenant({ tenants: stack.dynamo.store, clock: systemClock }, `b-${randomUUID().slice(0, 8)}`);
  tenantB = { tenantId: b.tenantId, apiKey: b.apiKey, webhookToken: b.webhookToken };
  await register(stack.apiKey, stack.tenantId, '/all');
  await register(stack.apiKey, stack.tenantId, '/syncs', ['sync.*']);
  await register(stack.apiKey, stack.tenantId, '/fail', ['contact.created']);
  await register(stack.apiKey, stack.tenantId, '/deleted');
  await register(tenantB.apiKey, tenantB.tenantId, '/b');
  const del = await fetch(`${stack.url}/tenants/${stack.tenantId}/event-endpoints/${ids['/deleted']}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${stack.apiKey}` },
  });
  expect(await del.json()).toEqual({ deleted: true });
}, 180_000);

afterAll(async () => {
  delete process.env.TAJO_EVENT_RETRY_SECONDS;
  await sandbox?.stop();
  await new Promise((r) => receiver?.close(r));
});

const at = (path: string) => received.filter((r) => r.path === path);
const find = (path: string, type: string, where: (b: Record<string, unknown>) => boolean = () => true) =>
  at(path).find((r) => r.body.type === type && where(r.body));

/** The signature checked by hand, as docs/events.md tells a receiver to. */
function expectSigned(r: Received, secret: string) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['tajo-signature']));
  expect(m).not.toBeNull();
  const [, t, v1] = m as RegExpExecArray;
  expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(300);
  expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${r.raw}`).digest('hex'));
  expect(r.headers['tajo-event-id']).toBe(r.body.id);
  expect(r.headers['tajo-event-type']).toBe(r.body.type);
  expect(r.headers['content-type']).toBe('application/json');
}

async function brevoWebhook(tenantId: string, token: string, body: unknown) {
  const res = await fetch(`${stack.url}/webhooks/brevo/${tenantId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

test('a Brevo contact update reaches the endpoint as one signed contact.attribute_updated per attribute', async () => {
  const email = `ada-${randomUUID().slice(0, 6)}@example.com`;
  await brevoWebhook(stack.tenantId, stack.webhookToken, {
    id: 77,
    email,
    event: 'contact_updated',
    key: 'k',
    content: [{ LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Ada' }],
    ts: Math.floor(Date.now() / 1000),
  });
  const stage = await until('the LIFECYCLE_STAGE event', () =>
    find('/all', 'contact.attribute_updated', (b) => b.attribute === 'LIFECYCLE_STAGE'),
  );
  expectSigned(stage, secrets['/all'] as string);
  expect(stage.body).toMatchObject({
    tenantId: stack.tenantId,
    attribute: 'LIFECYCLE_STAGE',
    value: 'customer',
    contact: { email, name: 'Ada', attributes: { LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Ada' } },
  });
  await until('the FIRSTNAME event', () =>
    find('/all', 'contact.attribute_updated', (b) => b.attribute === 'FIRSTNAME'),
  );
  // Brevo's other events reach the stream too, as brevo.<event>.
  await brevoWebhook(stack.tenantId, stack.webhookToken, { event: 'opened', email, camp_id: 3, ts_event: 1 });
  const opened = await until('brevo.opened', () => find('/all', 'brevo.opened'));
  expect(opened.body).toMatchObject({ contact: { email }, brevo: { camp_id: 3 } });
});

test('a Shopify order reaches the endpoint as shopify.orders_create', async () => {
  const shopify = new ShopifySimulator({ clientSecret: APP_SECRET });
  const delivery = shopify.delivery('orders/create', {
    id: 9101,
    email: 'buyer@example.com',
    total_price: '120.00',
    currency: 'EUR',
    created_at: new Date().toISOString(),
  });
  expect((await postDelivery(`${stack.url}/webhooks/${stack.tenantId}/shopify/webhooks`, delivery)).status).toBe(200);
  const order = await until('the order event', () => find('/all', 'shopify.orders_create'));
  expectSigned(order, secrets['/all'] as string);
  expect(order.body).toMatchObject({
    connector: 'shopify',
    contact: { email: 'buyer@example.com' },
    order: { total: 120 },
  });
});

test('a sync that finishes reaches the endpoints that take sync.* as sync.completed', async () => {
  const run = await stack.syncAndWait('incremental', 120_000);
  expect(run.status).toBe('succeeded');
  const done = await until('sync.completed', () => find('/syncs', 'sync.completed', (b) => b.runId === run.runId));
  expectSigned(done, secrets['/syncs'] as string);
  expect(done.body).toMatchObject({ connector: 'notion', runId: run.runId, summary: expect.any(Object) });
  // Its types filter: the sync endpoint got nothing else.
  expect(at('/syncs').every((r) => String(r.body.type).startsWith('sync.'))).toBe(true);
});

test('a failing receiver is retried, then parked in the DLQ; the other endpoint gets the event once', async () => {
  const email = `list-${randomUUID().slice(0, 6)}@example.com`;
  await brevoWebhook(stack.tenantId, stack.webhookToken, {
    id: 78,
    email,
    event: 'list_addition',
    key: 'k',
    list_id: [2],
    ts: Math.floor(Date.now() / 1000),
  });
  const sqs = new SQSClient({
    endpoint: stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const parked = async () =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: stack.dlqUrls.eventDelivery,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          )
        ).Attributes?.ApproximateNumberOfMessages ?? 0,
      );
    const deadline = Date.now() + 60_000;
    while ((await parked()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await parked()).toBe(1);
    const attempts = at('/fail').filter((r) => (r.body.contact as { email?: string })?.email === email);
    expect(attempts.map((r) => r.headers['tajo-delivery-attempt'])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(new Set(attempts.map((r) => r.body.id)).size).toBe(1);
    // Fixed, then replayed (`tajo lanes replay events`): delivered once more, acknowledged, nothing parked.
    failing = false;
    const moved = await replayDeadLetters(sqs, {
      dlqUrl: stack.dlqUrls.eventDelivery as string,
      queueUrl: stack.queueUrls.eventDelivery as string,
    });
    expect(moved).toHaveLength(1);
    const replayed = await until('the replayed delivery', () => {
      const all = at('/fail').filter((r) => (r.body.contact as { email?: string })?.email === email);
      return all.length === 7 ? all[6] : undefined;
    });
    expect(replayed.body.id).toBe(attempts[0]?.body.id);
    expectSigned(replayed, secrets['/fail'] as string);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await parked()).toBe(0);
    expect(at('/fail').filter((r) => (r.body.contact as { email?: string })?.email === email)).toHaveLength(7);
  } finally {
    sqs.destroy();
  }
  expect(
    at('/all').filter(
      (r) => r.body.type === 'contact.created' && (r.body.contact as { email?: string })?.email === email,
    ),
  ).toHaveLength(1);
});

test("a tenant never receives another's events, and a deleted endpoint receives nothing", async () => {
  await brevoWebhook(tenantB.tenantId, tenantB.webhookToken, {
    event: 'unsubscribed',
    email: 'b-person@example.com',
    camp_id: 5,
    ts_event: Math.floor(Date.now() / 1000),
  });
  const own = await until("B's event", () => find('/b', 'contact.unsubscribed'));
  expectSigned(own, secrets['/b'] as string);
  expect(own.body.tenantId).toBe(tenantB.tenantId);
  expect(at('/b').every((r) => r.body.tenantId === tenantB.tenantId)).toBe(true);
  expect(at('/all').some((r) => r.body.tenantId === tenantB.tenantId)).toBe(false);
  expect(at('/deleted')).toEqual([]);
});

test('the endpoint routes: answers as their schemas say, no secret in a list, one tenant cannot see or delete another’s', async () => {
  const call = (apiKey: string, method: string, path: string, body?: unknown) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const aPath = `/tenants/${stack.tenantId}/event-endpoints`;
  const list = await call(stack.apiKey, 'GET', aPath);
  expect(list.status).toBe(200);
  const listed = eventEndpointListSchema.parse(await list.json());
  expect(listed.endpoints.map((e) => e.id).sort()).toEqual([ids['/all'], ids['/syncs'], ids['/fail']].sort());
  expect(JSON.stringify(listed)).not.toMatch(/whsec_|secretRef/);
  const created = await call(stack.apiKey, 'POST', aPath, { url: `${receiverUrl}/extra`, types: ['brevo.*'] });
  const extra = createdEventEndpointSchema.parse(await created.json());
  expect(extra.types).toEqual(['brevo.*']);
  // B's key on A's path, or B's path with A's endpoint: nothing about A.
  expect((await call(tenantB.apiKey, 'GET', aPath)).status).toBe(404);
  const bList = eventEndpointListSchema.parse(
    await (await call(tenantB.apiKey, 'GET', `/tenants/${tenantB.tenantId}/event-endpoints`)).json(),
  );
  expect(bList.endpoints.map((e) => e.id)).toEqual([ids['/b']]);
  const crossDelete = await call(tenantB.apiKey, 'DELETE', `/tenants/${tenantB.tenantId}/event-endpoints/${extra.id}`);
  expect(crossDelete.status).toBe(404);
  const bad = await call(stack.apiKey, 'POST', aPath, { url: 'http://hooks.example.com/x' });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({
    error: 'url: use https://, or http://127.0.0.1 / http://localhost under npm start',
    code: 'invalid_request',
    issues: [{ path: 'url', message: 'use https://, or http://127.0.0.1 / http://localhost under npm start' }],
  });
  const deleted = await call(stack.apiKey, 'DELETE', `${aPath}/${extra.id}`);
  expect(deletedEventEndpointSchema.parse(await deleted.json())).toEqual({ deleted: true });
  expect((await call(stack.apiKey, 'DELETE', `${aPath}/${extra.id}`)).status).toBe(404);
});
