import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SimClock } from '../../sandbox/http-kit';
import { postDelivery } from '../../sandbox/platform-kit';
import {
  INVALID_TOKEN_BODY,
  SHOPIFY_SANDBOX_CLIENT_SECRET,
  SHOPIFY_SANDBOX_TOKEN,
  ShopifySimulator,
  type ShopifySimulatorOptions,
} from '../../sandbox/shopify';

const API = '/admin/api/2025-07';

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted structurally
  body: any;
  headers: Headers;
}

async function get(
  sim: ShopifySimulator,
  pathOrUrl: string,
  token: string | null = SHOPIFY_SANDBOX_TOKEN,
): Promise<Reply> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.baseUrl}${API}${pathOrUrl}`;
  const headers: Record<string, string> = token === null ? {} : { 'X-Shopify-Access-Token': token };
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

function nextLink(headers: Headers): string | undefined {
  const link = headers.get('link') ?? '';
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

/** Follows rel="next" from `first` as a client should; the ids of every page, in order. */
async function walk(sim: ShopifySimulator, first: string, key: string): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let pages = 0;
  let url: string | undefined = `${sim.baseUrl}${API}${first}`;
  while (url) {
    const reply = await get(sim, url);
    expect(reply.status).toBe(200);
    pages += 1;
    ids.push(...reply.body[key].map((r: { id: number }) => r.id));
    url = nextLink(reply.headers);
  }
  return { ids, pages };
}

describe('ShopifySimulator', () => {
  let sim: ShopifySimulator;
  let clock: SimClock;

  async function boot(options: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> {
    clock = new SimClock();
    clock.set(Date.parse('2026-03-01T10:00:00.000Z'));
    sim = new ShopifySimulator({ clock, bucket: false, ...options });
    await sim.start();
    return sim;
  }

  afterEach(async () => {
    await sim?.stop();
  });

  describe('auth', () => {
    it('answers 401 with Shopify’s body without a token or with an unknown one', async () => {
      await boot();
      for (const token of [null, 'shpat_wrong']) {
        const reply = await get(sim, '/customers.json', token);
        expect(reply.status).toBe(401);
        expect(reply.body).toEqual(INVALID_TOKEN_BODY);
      }
    });

    it('answers 403 naming the scope a token lacks', async () => {
      await boot({ tokens: { shpat_customers_only: ['read_customers'] } });
      expect((await get(sim, '/customers.json', 'shpat_customers_only')).status).toBe(200);
      const orders = await get(sim, '/orders.json', 'shpat_customers_only');
      expect(orders.status).toBe(403);
      expect(orders.body.errors).toContain('read_orders');
    });
  });

  describe('Link pagination', () => {
    it('walks every customer exactly once at limit=250, with rel="previous" on later pages', async () => {
      await boot({ customers: 601 });
      const { ids, pages } = await walk(sim, '/customers.json?limit=250', 'customers');
      expect(pages).toBe(3);
      expect(ids).toHaveLength(601);
      expect(new Set(ids).size).toBe(601);
      expect(ids).toEqual(sim.customers().map((c) => c.id));
      const second = await get(sim, nextLink((await get(sim, '/customers.json?limit=250')).headers) as string);
      expect(second.headers.get('link')).toContain('rel="previous"');
    });

    it('has no Link header when one page holds everything; limit defaults to 50', async () => {
      await boot({ customers: 40 });
      const reply = await get(sim, '/customers.json');
      expect(reply.body.customers).toHaveLength(40);
      expect(reply.headers.get('link')).toBeNull();
      await sim.stop();
      await boot({ customers: 51 });
      expect((await get(sim, '/customers.json')).body.customers).toHaveLength(50);
    });

    it('keeps the first request’s filters in the cursor (status=any orders all read, once)', async () => {
      await boot({ orders: 420 });
      const { ids } = await walk(sim, '/orders.json?status=any&limit=100', 'orders');
      expect(new Set(ids).size).toBe(420);
      const open = await walk(sim, '/orders.json?limit=100', 'orders');
      const expectedOpen = sim.orders().filter((o) => o.closed_at === null && o.cancelled_at === null).length;
      expect(open.ids).toHaveLength(expectedOpen);
      expect(expectedOpen).toBeLessThan(420);
    });

    it('refuses page_info with any parameter other than limit and fields', async () => {
      await boot({ customers: 120 });
      const next = nextLink((await get(sim, '/customers.json?limit=50')).headers) as string;
      const withFilter = await get(sim, `${next}&updated_at_min=2026-01-01T00:00:00Z`);
      expect(withFilter.status).toBe(400);
      expect(withFilter.body.errors.page_info).toContain('updated_at_min');
      expect((await get(sim, `${next}&fields=id,email`)).status).toBe(200);
      const tampered = await get(sim, '/customers.json?page_info=not-a-cursor');
      expect(tampered.status).toBe(400);
    });

    it('refuses a cursor made for another resource', async () => {
      await boot({ customers: 120, orders: 120 });
      const next = nextLink((await get(sim, '/customers.json?limit=50')).headers) as string;
      const pageInfo = new URL(next).searchParams.get('page_info');
      expect((await get(sim, `/orders.json?page_info=${pageInfo}`)).status).toBe(400);
    });

    it('refuses limit above 250, below 1 or not a number', async () => {
      await boot();
      for (const limit of ['251', '0', 'ten']) {
        const reply = await get(sim, `/customers.json?limit=${limit}`);
        expect(reply.status).toBe(400);
        expect(reply.body.errors.limit).toContain('250');
      }
      expect((await get(sim, '/customers.json?limit=250')).status).toBe(200);
    });
  });

  describe('updated_at_min', () => {
    it('returns customers updated at or after the mark, including a customer changed now', async () => {
      await boot({ customers: 200 });
      const changed = sim.updateCustomer(sim.customers()[3]!.id, { first_name: 'Changed' });
      const since = '2026-02-01T00:00:00Z';
      const { ids } = await walk(sim, `/customers.json?limit=250&updated_at_min=${since}`, 'customers');
      const expected = sim.customers().filter((c) => Date.parse(c.updated_at) >= Date.parse(since));
      expect(ids.sort()).toEqual(expected.map((c) => c.id).sort());
      expect(ids).toContain(changed.id);
      expect(ids.length).toBeLessThan(200);
    });

    it('refuses a value that is not an ISO 8601 date-time', async () => {
      await boot();
      const reply = await get(sim, '/customers.json?updated_at_min=yesterday');
      expect(reply.status).toBe(400);
      expect(reply.body.errors.updated_at_min).toContain('ISO 8601');
    });
  });

  describe('rate limit (leaky bucket 40, 2/s)', () => {
    it('answers the 41st burst request 429 with Retry-After, reports the bucket, and leaks 2 a second', async () => {
      await boot({ bucket: { size: 40, leakPerSecond: 2 } });
      for (let i = 1; i <= 40; i += 1) {
        const reply = await get(sim, '/shop.json');
        expect(reply.status).toBe(200);
        expect(reply.headers.get('x-shopify-shop-api-call-limit')).toBe(`${i}/40`);
      }
      const throttled = await get(sim, '/shop.json');
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(throttled.headers.get('x-shopify-shop-api-call-limit')).toBe('40/40');
      expect(sim.rateLimitedCount).toBe(1);
      clock.advance(1000);
      expect((await get(sim, '/shop.json')).status).toBe(200);
      expect((await get(sim, '/shop.json')).status).toBe(200);
      expect((await get(sim, '/shop.json')).status).toBe(429);
    });
  });

  describe('generated data', () => {
    it('is deterministic per seed and has customers without email and with null names', async () => {
      await boot({ customers: 300 });
      const a = sim.customers();
      const again = new ShopifySimulator({ customers: 300, bucket: false });
      expect(again.customers()).toEqual(a);
      expect(a.some((c) => c.email === null)).toBe(true);
      expect(a.some((c) => c.first_name === null)).toBe(true);
      expect(a.some((c) => c.last_name === null)).toBe(true);
      expect(a.some((c) => c.phone === null)).toBe(true);
      expect(a.every((c) => /^\d+\.\d{2}$/.test(c.total_spent))).toBe(true);
      const withOrders = a.filter((c) => c.orders_count > 0);
      expect(withOrders.length).toBeGreaterThan(0);
      expect(withOrders.every((c) => c.last_order_id !== null)).toBe(true);
    });

    it('addOrder updates the customer’s totals and stamps updated_at from the clock', async () => {
      await boot({ customers: 5, orders: 0 });
      const customer = sim.customers()[0]!;
      clock.advance(60_000);
      const order = sim.addOrder({ customerId: customer.id, total: 42.5 });
      const after = sim.customer(customer.id);
      expect(after.orders_count).toBe(customer.orders_count + 1);
      expect(after.total_spent).toBe((Number(customer.total_spent) + 42.5).toFixed(2));
      expect(after.last_order_id).toBe(order.id);
      expect(after.updated_at).toBe(sim.iso());
    });
  });

  describe('webhook deliveries', () => {
    it('are signed as Shopify documents: base64 HMAC-SHA256 of the raw body with the client secret', async () => {
      await boot();
      const received: { headers: Record<string, string | string[] | undefined>; raw: Buffer }[] = [];
      const receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
          res.end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const { port } = receiver.address() as AddressInfo;
      const order = sim.addOrder({ customerId: sim.customers()[0]!.id, total: 10 });
      const delivery = sim.delivery('orders/create', order);
      await postDelivery(`http://127.0.0.1:${port}/webhooks`, delivery);
      await postDelivery(
        `http://127.0.0.1:${port}/webhooks`,
        sim.delivery('orders/create', order, delivery.headers['X-Shopify-Webhook-Id']),
      );
      await new Promise<void>((r) => receiver.close(() => r()));

      const [first, retry] = received;
      const expected = createHmac('sha256', SHOPIFY_SANDBOX_CLIENT_SECRET).update(first!.raw).digest();
      const given = Buffer.from(String(first!.headers['x-shopify-hmac-sha256']), 'base64');
      expect(timingSafeEqual(given, expected)).toBe(true);
      expect(first!.headers['x-shopify-topic']).toBe('orders/create');
      expect(first!.headers['x-shopify-shop-domain']).toBe('sandbox-store.myshopify.com');
      expect(retry!.headers['x-shopify-webhook-id']).toBe(first!.headers['x-shopify-webhook-id']);
      const tampered = Buffer.from(first!.raw.toString('utf8').replace('"10.00"', '"1.00"'));
      const forged = createHmac('sha256', SHOPIFY_SANDBOX_CLIENT_SECRET).update(tampered).digest();
      expect(timingSafeEqual(given, forged)).toBe(false);
      const otherSecret = createHmac('sha256', 'another-secret').update(first!.raw).digest();
      expect(timingSafeEqual(given, otherSecret)).toBe(false);
    });

    it('refuses to post anywhere but loopback', async () => {
      await boot();
      await expect(postDelivery('https://example.com/hook', sim.delivery('customers/create', {}))).rejects.toThrow(
        '127.0.0.1',
      );
    });
  });
});

/** The catalogue's shopify.yaml, read as data: its claims must hold against the simulator. */
describe('shopify.yaml against the simulator', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the definition is asserted structurally
  const definition: any = parse(
    readFileSync(join(__dirname, '../../shared/connectors/catalogue/shopify.yaml'), 'utf8'),
  );
  let sim: ShopifySimulator;

  beforeAll(async () => {
    sim = new ShopifySimulator({ customers: 530, orders: 300, checkouts: 60, bucket: false });
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('names the documented auth header, pace, shop_url placeholder and sync keys of the docs block', () => {
    expect(definition.auth).toEqual({ type: 'api_key', header: 'X-Shopify-Access-Token' });
    expect(definition.base_url).toContain('{shop_url}');
    expect(definition.connection.shop_url.required).toBe(true);
    expect(new RegExp(definition.connection.shop_url.pattern).test('your-store.myshopify.com')).toBe(true);
    expect(definition.rate_limit).toEqual({ requests_per_second: 2, burst: 40 });
    expect(Object.keys(definition.resources).sort()).toEqual(['carts', 'customers', 'orders', 'products']);
    expect(definition.signature).toMatchObject({ secret: 'api_secret', delivery_id_header: 'X-Shopify-Webhook-Id' });
  });

  it('offers every field the docs map (both spellings match loosely)', () => {
    const offered = new Set<string>();
    for (const r of Object.values<{ mapping?: Record<string, string> }>(definition.resources)) {
      for (const field of Object.keys(r.mapping ?? {})) offered.add(field.replace(/[_-]/g, '').toLowerCase());
    }
    for (const field of [
      'email',
      'first_name',
      'last_name',
      'total_spent',
      'firstName',
      'lastName',
      'totalOrders',
      'totalSpent',
      'lastOrderDate',
    ]) {
      expect(offered).toContain(field.replace(/[_-]/g, '').toLowerCase());
    }
  });

  it.each(['customers', 'orders', 'carts'])(
    '%s: its endpoint, params, page size and Link pagination read every record once',
    async (key) => {
      const resource = definition.resources[key];
      const query = new URLSearchParams({
        ...(resource.params ?? {}),
        [resource.page_size.param]: String(resource.page_size.size),
      });
      expect(resource.pagination.type).toBe('link');
      const { ids } = await walk(sim, `${resource.endpoint}?${query}`, resource.items);
      const expected = {
        customers: sim.customers(),
        orders: sim.orders(),
        carts: sim.checkouts().filter((c) => c.closed_at === null),
      }[key]!;
      expect(ids.sort()).toEqual(expected.map((r) => r.id).sort());
    },
  );

  it.each(['customers', 'orders', 'carts'])(
    '%s: every mapped path and the incremental field exist in the records',
    async (key) => {
      const resource = definition.resources[key];
      const reply = await get(sim, `${resource.endpoint}?limit=5`);
      const record = reply.body[resource.items][0];
      for (const path of Object.values<string>(resource.mapping)) expect(record).toHaveProperty(path);
      expect(record).toHaveProperty(resource.updated_since.field);
      const since = await get(sim, `${resource.endpoint}?${resource.updated_since.param}=2026-01-02T00:00:00Z`);
      expect(since.status).toBe(200);
    },
  );

  it('products are declared for sync.products but never read, with the reason', () => {
    expect(definition.resources.products).toMatchObject({ to: 'none' });
    expect(definition.resources.products.reason).toMatch(/\w/);
  });

  it('its webhooks match the documented topics, map paths present in the payloads, and verify by its signature block', () => {
    const order = sim.addOrder({ customerId: sim.customers()[1]!.id, total: 19.99 });
    const payloads: Record<string, unknown> = {
      'customers/create': sim.customers()[1],
      'customers/update': sim.customers()[1],
      'orders/create': order,
      'checkouts/create': sim.checkouts()[0],
      'checkouts/update': sim.checkouts()[0],
    };
    const topics = Object.values<{ match: { header: string; equals: string }; mapping: Record<string, string> }>(
      definition.webhooks,
    );
    expect(topics.map((w) => w.match.equals).sort()).toEqual(Object.keys(payloads).sort());
    const { header, algorithm, encoding } = definition.signature;
    for (const webhook of topics) {
      const delivery = sim.delivery(webhook.match.equals, payloads[webhook.match.equals]);
      const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k.toLowerCase(), v]));
      expect(headers[webhook.match.header.toLowerCase()]).toBe(webhook.match.equals);
      const body = JSON.parse(delivery.body);
      for (const path of Object.values(webhook.mapping)) expect(body).toHaveProperty(path);
      const expected = createHmac(algorithm, SHOPIFY_SANDBOX_CLIENT_SECRET).update(delivery.body).digest(encoding);
      expect(headers[header.toLowerCase()]).toBe(expected);
    }
  });
});
