/**
 * Receiving events: the signature (valid, tampered, stale, wrong secret, none), dispatch by type
 * and '*', dedupe by event id, Node's http middleware (2xx after the handlers, 400 on a bad
 * signature, 500 when a handler throws so the service retries), the Lambda handler (base64
 * bodies), and listen(), which subscribes its own URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureHeader, TajoClient, type TajoEvent, TajoSignatureError } from '../../sdk/src';
import { type ContractServer, KEY, startContractServer } from './contract-server';

const SECRET = 'whsec_test_secret';
const event = (id: string, extra: object = {}) => ({
  id,
  type: 'contact.attribute_updated',
  createdAt: '2026-12-05T10:00:00.000Z',
  tenantId: 'acme',
  contact: { email: 'jane@example.com', name: 'Jane' },
  attribute: 'LIFECYCLE_STAGE',
  value: 'customer',
  ...extra,
});
const delivery = (body: string, secret = SECRET, t?: number) => ({
  'content-type': 'application/json',
  'tajo-event-id': (JSON.parse(body) as { id: string }).id,
  'tajo-event-type': 'contact.attribute_updated',
  'tajo-signature': signatureHeader(secret, body, t),
});

describe('verify', () => {
  const tajo = new TajoClient({ webhookSecret: SECRET });
  const body = JSON.stringify(event('evt_1'));

  test('a delivery signed with the secret, within 300 s: its event', () => {
    const e = tajo.events.verify(body, delivery(body));
    expect(e).toMatchObject({ id: 'evt_1', type: 'contact.attribute_updated', attribute: 'LIFECYCLE_STAGE' });
    // Bytes and Headers work too; the secret may be given per call.
    const other = new TajoClient({});
    expect(other.events.verify(Buffer.from(body), new Headers(delivery(body)), SECRET).id).toBe('evt_1');
  });

  test('tampered, stale, wrong secret, no header, no secret: TajoSignatureError with one line each', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(TajoSignatureError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(() => tajo.events.verify(body.replace('customer', 'prospect'), delivery(body)))).toMatch(
      /does not match the body/,
    );
    const old = Math.floor(Date.now() / 1000) - 301;
    expect(refused(() => tajo.events.verify(body, delivery(body, SECRET, old)))).toMatch(
      /is 30[12] s old \(at most 300\)/,
    );
    expect(refused(() => tajo.events.verify(body, delivery(body, 'whsec_other')))).toMatch(/wrong webhook secret/);
    expect(refused(() => tajo.events.verify(body, { 'content-type': 'application/json' }))).toMatch(
      /no tajo-signature header/,
    );
    expect(refused(() => tajo.events.verify(body, { 'tajo-signature': 'v1=abc' }))).toMatch(
      /is not t=<seconds>,v1=<hex>/,
    );
    const saved = process.env.TAJO_WEBHOOK_SECRET;
    delete process.env.TAJO_WEBHOOK_SECRET;
    expect(refused(() => new TajoClient({}).events.verify(body, delivery(body)))).toMatch(/TAJO_WEBHOOK_SECRET/);
    if (saved !== undefined) process.env.TAJO_WEBHOOK_SECRET = saved;
  });
});

describe('dispatch and dedupe', () => {
  test('handlers of the type then the "*" ones; the same id twice runs them once', async () => {
    const tajo = new TajoClient({ webhookSecret: SECRET });
    const ran: string[] = [];
    tajo.events.on('contact.attribute_updated', (e) => {
      ran.push(`typed:${e.attribute}=${String(e.value)}:${e.contact.email}`);
    });
    tajo.events.on('*', (e) => {
      ran.push(`any:${e.type}`);
    });
    tajo.events.on('contact.created', () => {
      ran.push('never');
    });
    const e = event('evt_2') as TajoEvent;
    expect(await tajo.events.dispatch(e)).toEqual({ duplicate: false });
    expect(await tajo.events.dispatch(e)).toEqual({ duplicate: true });
    // Two deliveries at once: the second waits for the first and runs nothing.
    const e3 = event('evt_3') as TajoEvent;
    await Promise.all([tajo.events.dispatch(e3), tajo.events.dispatch(e3)]);
    expect(ran).toEqual([
      'typed:LIFECYCLE_STAGE=customer:jane@example.com',
      'any:contact.attribute_updated',
      'typed:LIFECYCLE_STAGE=customer:jane@example.com',
      'any:contact.attribute_updated',
    ]);
    tajo.events.off('*');
    await tajo.events.dispatch(event('evt_4') as TajoEvent);
    expect(ran.filter((r) => r.startsWith('any'))).toHaveLength(2);
  });
});

describe('middleware for Node http', () => {
  let server: Server;
  let url: string;
  const tajo = new TajoClient({ webhookSecret: SECRET });
  let failNext = 0;
  const handled: string[] = [];
  tajo.events.on('contact.attribute_updated', async (e) => {
    if (failNext > 0) {
      failNext--;
      throw new Error('the CRM is down');
    }
    handled.push(e.id);
  });

  beforeAll(async () => {
    server = createServer(tajo.events.middleware());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tajo/events`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const post = (body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

  test('200 after the handlers ran; 500 when one throws (retried, then run once); 400 on a bad signature', async () => {
    const body = JSON.stringify(event('evt_10'));
    failNext = 1;
    const first = await post(body, delivery(body));
    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ error: 'a handler of contact.attribute_updated failed: the CRM is down' });
    expect(handled).toEqual([]);

    const retried = await post(body, delivery(body));
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ received: true });
    const again = await post(body, delivery(body));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(handled).toEqual(['evt_10']);

    const tampered = await post(body.replace('Jane', 'Joan'), delivery(body));
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { error: string }).error).toMatch(/does not match the body/);
    expect(handled).toEqual(['evt_10']);
  });

  test('a body a JSON parser took already: 400 saying where to mount it', async () => {
    const mw = tajo.events.middleware();
    const sent: string[] = [];
    const res = { statusCode: 0, setHeader: () => undefined, end: (s: string) => sent.push(s) };
    await mw({ body: { id: 'x' }, headers: {} } as never, res as never);
    expect(res.statusCode).toBe(400);
    expect(sent.join('')).toMatch(/mount events.middleware\(\) before any JSON body parser/);
  });
});

test('lambdaHandler: base64 bodies and any header case', async () => {
  const tajo = new TajoClient({ webhookSecret: SECRET });
  const seen: string[] = [];
  tajo.events.on('*', (e) => void seen.push(e.id));
  const handler = tajo.events.lambdaHandler();
  const body = JSON.stringify(event('evt_20'));
  const headers = Object.fromEntries(Object.entries(delivery(body)).map(([k, v]) => [k.toUpperCase(), v]));
  const ok = await handler({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers });
  expect(ok).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"received":true}' });
  const plain = await handler({ body, isBase64Encoded: false, headers });
  expect(JSON.parse(plain.body)).toEqual({ received: true, duplicate: true });
  const bad = await handler({ body, headers: { 'tajo-signature': signatureHeader('whsec_wrong', body) } });
  expect(bad.statusCode).toBe(400);
  expect(seen).toEqual(['evt_20']);
});

describe('listen', () => {
  let api: ContractServer;
  beforeAll(async () => {
    api = await startContractServer();
  });
  afterAll(async () => {
    await api.close();
  });

  test('subscribes its own 127.0.0.1 URL for the registered types, verifies with the secret it got, unsubscribes on close', async () => {
    const tajo = new TajoClient({ apiKey: KEY, baseUrl: api.url, tenantId: 'acme' });
    const got: string[] = [];
    tajo.events.on('contact.attribute_updated', (e) => void got.push(`${e.contact.email} ${e.attribute}`));
    const listener = await tajo.events.listen({ path: '/hooks/tajo' });
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}/hooks/tajo`);
    expect(api.calls('POST', '/tenants/acme/event-endpoints')[0]?.body).toEqual({
      url: listener.url,
      types: ['contact.attribute_updated'],
    });
    const secret = api.endpoints.get(listener.endpoint.id)?.secret as string;
    const body = JSON.stringify(event('evt_30'));
    const res = await fetch(listener.url, { method: 'POST', body, headers: delivery(body, secret) });
    expect(res.status).toBe(200);
    expect(got).toEqual(['jane@example.com LIFECYCLE_STAGE']);
    expect((await fetch(`http://127.0.0.1:${listener.port}/other`, { method: 'POST' })).status).toBe(404);
    await listener.close();
    expect(api.endpoints.size).toBe(0);
  });
});
