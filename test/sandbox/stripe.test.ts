import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SimClock } from '../../sandbox/http-kit';
import {
  STRIPE_SANDBOX_KEY,
  STRIPE_SANDBOX_WEBHOOK_SECRET,
  StripeSimulator,
  type StripeSimulatorOptions,
  stripeWebhookDelivery,
} from '../../sandbox/stripe';

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted structurally
  body: any;
  headers: Headers;
}

type Auth = { bearer: string } | { basic: string } | null;

async function get(sim: StripeSimulator, path: string, auth: Auth = { bearer: STRIPE_SANDBOX_KEY }): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (auth && 'bearer' in auth) headers.Authorization = `Bearer ${auth.bearer}`;
  if (auth && 'basic' in auth) headers.Authorization = `Basic ${Buffer.from(`${auth.basic}:`).toString('base64')}`;
  const res = await fetch(`${sim.baseUrl}${path}`, { headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Reads a whole list the documented way: starting_after = the last item's id while has_more. */
async function walk(sim: StripeSimulator, path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let after: string | undefined;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const reply = await get(sim, `${path}${sep}limit=${limit}${after ? `&starting_after=${after}` : ''}`);
    expect(reply.status).toBe(200);
    expect(reply.body.object).toBe('list');
    pages += 1;
    ids.push(...reply.body.data.map((o: { id: string }) => o.id));
    if (!reply.body.has_more) return { ids, pages };
    after = reply.body.data[reply.body.data.length - 1].id;
  }
}

/** Verifies a Stripe-Signature header the way Stripe's docs describe, with node:crypto only. */
function verify(header: string, rawBody: string, secret: string, nowS: number, toleranceS = 300): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  if (t === undefined || Math.abs(nowS - Number(t)) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts
    .filter(([k]) => k === 'v1')
    .some(([, v]) => {
      const given = Buffer.from(v ?? '', 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('StripeSimulator', () => {
  let sim: StripeSimulator;
  let clock: SimClock;

  async function boot(options: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
    clock = new SimClock();
    clock.set(Date.parse('2026-03-01T10:00:00.000Z'));
    sim = new StripeSimulator({ clock, limits: false, ...options });
    await sim.start();
    return sim;
  }

  afterEach(async () => {
    await sim?.stop();
  });

  describe('auth', () => {
    it('takes the secret key as Bearer or as the Basic username', async () => {
      await boot();
      expect((await get(sim, '/v1/customers', { bearer: STRIPE_SANDBOX_KEY })).status).toBe(200);
      expect((await get(sim, '/v1/customers', { basic: STRIPE_SANDBOX_KEY })).status).toBe(200);
    });

    it('answers 401 with Www-Authenticate and an invalid_request_error without a key or with an unknown one', async () => {
      await boot();
      const missing = await get(sim, '/v1/customers', null);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Basic realm="Stripe"');
      expect(missing.body.error.type).toBe('invalid_request_error');
      const wrong = await get(sim, '/v1/customers', { bearer: 'sk_test_wrongkey1234' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.message).toContain('sk_test_****1234');
      expect(wrong.body.error.message).not.toContain('wrongkey');
    });
  });

  describe('lists and cursors', () => {
    it('walks every customer once with starting_after = last id while has_more, newest first', async () => {
      await boot({ customers: 250 });
      const { ids, pages } = await walk(sim, '/v1/customers', 100);
      expect(pages).toBe(3);
      expect(ids).toEqual(sim.customers().map((c) => c.id));
      expect(new Set(ids).size).toBe(250);
      const created = sim.customers().map((c) => c.created);
      expect([...created].sort((a, b) => b - a)).toEqual(created);
    });

    it('answers the list shape with url, and limit defaults to 10', async () => {
      await boot({ customers: 30 });
      const reply = await get(sim, '/v1/customers');
      expect(reply.body).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
      expect(reply.body.data).toHaveLength(10);
    });

    it('walks checkout sessions and invoices, with filters kept by the caller', async () => {
      await boot({ checkoutSessions: 130, invoices: 90 });
      expect((await walk(sim, '/v1/checkout/sessions', 50)).ids).toHaveLength(130);
      const paid = await walk(sim, '/v1/invoices?status=paid', 20);
      expect(paid.ids).toEqual(
        sim
          .invoices()
          .filter((i) => i.status === 'paid')
          .map((i) => i.id),
      );
    });

    it('ending_before pages back towards newer objects', async () => {
      await boot({ customers: 50 });
      const all = sim.customers().map((c) => c.id);
      const reply = await get(sim, `/v1/customers?limit=5&ending_before=${all[20]}`);
      expect(reply.body.data.map((c: { id: string }) => c.id)).toEqual(all.slice(15, 20));
      expect(reply.body.has_more).toBe(true);
    });

    it('refuses a starting_after that is not an existing object of the list', async () => {
      await boot({ customers: 20, invoices: 5 });
      const unknown = await get(sim, '/v1/customers?starting_after=cus_doesnotexist');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'resource_missing', param: 'starting_after' });
      expect(unknown.body.error.message).toContain("No such customer: 'cus_doesnotexist'");
      const invoiceId = sim.invoices()[0]!.id;
      expect((await get(sim, `/v1/customers?starting_after=${invoiceId}`)).status).toBe(400);
    });

    it('refuses starting_after with ending_before, limit outside 1..100 and unknown parameters', async () => {
      await boot({ customers: 20 });
      const [a, b] = sim.customers();
      const both = await get(sim, `/v1/customers?starting_after=${a!.id}&ending_before=${b!.id}`);
      expect(both.status).toBe(400);
      for (const limit of ['101', '0', 'x']) {
        const reply = await get(sim, `/v1/customers?limit=${limit}`);
        expect(reply.status).toBe(400);
        expect(reply.body.error.param).toBe('limit');
      }
      expect((await get(sim, '/v1/customers?limit=100')).status).toBe(200);
      const unknown = await get(sim, '/v1/customers?updated_since=1');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'updated_since' });
    });

    it('filters by created[gte] and by email (case-sensitive)', async () => {
      await boot({ customers: 100 });
      const customers = sim.customers();
      const mark = customers[39]!.created;
      const recent = await walk(sim, `/v1/customers?created[gte]=${mark}`, 100);
      expect(recent.ids).toEqual(customers.slice(0, 40).map((c) => c.id));
      const withEmail = customers.find((c) => c.email !== null)!;
      const byEmail = await get(sim, `/v1/customers?email=${encodeURIComponent(withEmail.email!)}`);
      expect(byEmail.body.data.map((c: { id: string }) => c.id)).toEqual([withEmail.id]);
      const upper = await get(sim, `/v1/customers?email=${encodeURIComponent(withEmail.email!.toUpperCase())}`);
      expect(upper.body.data).toHaveLength(0);
    });
  });

  describe('rate limits', () => {
    it('answers 429 past the test-mode limit within a second, and again after a second', async () => {
      await boot({ limits: { test: 25, perEndpoint: 25 } });
      for (let i = 0; i < 25; i += 1) expect((await get(sim, '/v1/customers?limit=1')).status).toBe(200);
      const limited = await get(sim, '/v1/customers?limit=1');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limit');
      expect(sim.rateLimitedCount).toBe(1);
      clock.advance(1000);
      expect((await get(sim, '/v1/customers?limit=1')).status).toBe(200);
    });

    it('applies the per-endpoint limit below the live global one', async () => {
      await boot({ apiKeys: ['sk_live_sandboxkey'], limits: { live: 100, perEndpoint: 25 } });
      const live = { bearer: 'sk_live_sandboxkey' };
      for (let i = 0; i < 25; i += 1) expect((await get(sim, '/v1/customers?limit=1', live)).status).toBe(200);
      expect((await get(sim, '/v1/customers?limit=1', live)).status).toBe(429);
      expect((await get(sim, '/v1/invoices?limit=1', live)).status).toBe(200);
    });
  });

  describe('generated data', () => {
    it('is deterministic per seed and has null emails, names and phones', async () => {
      await boot({ customers: 200 });
      const customers = sim.customers();
      expect(new StripeSimulator({ customers: 200 }).customers()).toEqual(customers);
      expect(customers.some((c) => c.email === null)).toBe(true);
      expect(customers.some((c) => c.name === null)).toBe(true);
      expect(customers.some((c) => c.phone === null)).toBe(true);
      expect(customers.every((c) => /^cus_[0-9A-Za-z]{14}$/.test(c.id))).toBe(true);
      const open = sim.checkoutSessions().filter((s) => s.status === 'open');
      expect(open.every((s) => s.customer_details === null)).toBe(true);
    });
  });

  describe('webhook deliveries', () => {
    it('sign "{t}.{body}" with the endpoint secret in Stripe-Signature, verifiable with node:crypto', async () => {
      await boot();
      const session = sim.checkoutSessions().find((s) => s.status === 'complete')!;
      const delivery = sim.delivery('checkout.session.completed', session);
      const header = delivery.headers['Stripe-Signature']!;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const nowS = Math.floor(clock.now() / 1000);
      expect(verify(header, delivery.body, STRIPE_SANDBOX_WEBHOOK_SECRET, nowS)).toBe(true);
      const event = JSON.parse(delivery.body);
      expect(event).toMatchObject({
        object: 'event',
        type: 'checkout.session.completed',
        data: { object: { id: session.id } },
      });
      expect(event.id).toMatch(/^evt_/);
      // Tampered body, another secret, and a stale timestamp all fail.
      expect(
        verify(header, delivery.body.replace(session.id, 'cs_test_other'), STRIPE_SANDBOX_WEBHOOK_SECRET, nowS),
      ).toBe(false);
      expect(verify(header, delivery.body, 'whsec_another', nowS)).toBe(false);
      expect(verify(header, delivery.body, STRIPE_SANDBOX_WEBHOOK_SECRET, nowS + 301)).toBe(false);
    });

    it('carries one v1 per secret while a secret is rolled; any may match', () => {
      const delivery = stripeWebhookDelivery({
        type: 'invoice.paid',
        object: { id: 'in_1' },
        secret: 'whsec_new_secret',
        extraSignatures: ['whsec_old_secret'],
        timestamp: 1_800_000_000,
      });
      const header = delivery.headers['Stripe-Signature']!;
      expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
      expect(verify(header, delivery.body, 'whsec_old_secret', 1_800_000_000)).toBe(true);
      expect(verify(header, delivery.body, 'whsec_new_secret', 1_800_000_000)).toBe(true);
    });

    it('keeps the event id on a retry (the same event, a new signature time)', async () => {
      await boot();
      const first = sim.delivery('invoice.paid', sim.invoices()[0]);
      const eventId = JSON.parse(first.body).id;
      clock.advance(60_000);
      const retry = sim.delivery('invoice.paid', sim.invoices()[0], { eventId });
      expect(JSON.parse(retry.body).id).toBe(eventId);
      expect(retry.headers['Stripe-Signature']).not.toBe(first.headers['Stripe-Signature']);
    });
  });
});

/** The catalogue's stripe.yaml, read as data: its claims must hold against the simulator. */
describe('stripe.yaml against the simulator', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the definition is asserted structurally
  const definition: any = parse(readFileSync(join(__dirname, '../../shared/connectors/catalogue/stripe.yaml'), 'utf8'));
  let sim: StripeSimulator;

  beforeAll(async () => {
    sim = new StripeSimulator({ customers: 230, limits: false });
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('paces below the test-mode and per-endpoint limits and takes the key as a bearer token', () => {
    expect(definition.rate_limit.requests_per_second).toBeLessThanOrEqual(25);
    expect(definition.auth).toEqual({ type: 'bearer', credential: 'api_key' });
  });

  it('customers: its cursor (last item id while has_more) reads every customer once', async () => {
    const resource = definition.resources.customers;
    const { param, last_item, has_more } = resource.pagination;
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const query = new URLSearchParams({ [resource.page_size.param]: String(resource.page_size.size) });
      if (cursor) query.set(param, cursor);
      const reply = await get(sim, `${resource.endpoint}?${query}`);
      const items = reply.body[resource.items];
      ids.push(...items.map((c: { id: string }) => c.id));
      for (const path of Object.values<string>(resource.mapping)) expect(items[0]).toHaveProperty(path);
      if (!reply.body[has_more]) break;
      cursor = items[items.length - 1][last_item];
    }
    expect(ids).toEqual(sim.customers().map((c) => c.id));
  });

  it('its webhooks match on the event type, map paths present in the events, and verify by its signature block', () => {
    const complete = sim.checkoutSessions().find((s) => s.status === 'complete');
    const objects: Record<string, unknown> = {
      'customer.created': sim.customers()[0],
      'customer.updated': sim.customers()[0],
      'checkout.session.completed': complete,
      'invoice.paid': sim.invoices().find((i) => i.status === 'paid'),
    };
    const webhooks = Object.values<{ match: { field: string; equals: string }; mapping: Record<string, string> }>(
      definition.webhooks,
    );
    expect(webhooks.map((w) => w.match.equals).sort()).toEqual(Object.keys(objects).sort());
    const { header, parts, tolerance_s } = definition.signature;
    expect(parts).toEqual({ timestamp: 't', signature: 'v1' });
    for (const webhook of webhooks) {
      const delivery = sim.delivery(webhook.match.equals, objects[webhook.match.equals]);
      const event = JSON.parse(delivery.body);
      expect(event[webhook.match.field]).toBe(webhook.match.equals);
      for (const path of Object.values(webhook.mapping)) expect(event).toHaveProperty(path);
      const nowS = Math.floor(sim.clock.now() / 1000);
      expect(verify(delivery.headers[header]!, delivery.body, STRIPE_SANDBOX_WEBHOOK_SECRET, nowS, tolerance_s)).toBe(
        true,
      );
    }
  });
});
