/**
 * A definition connector's sync (runPlatformSync) end to end: each catalogue definition read from
 * its simulator (Shopify, Stripe), written through the real contact writer into the Brevo
 * simulator; the acmeshop fixture from a config's `definition:` file. Every customer once, a
 * customer without email a per-record error, the second run incremental and unchanged, 429s absorbed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SHOPIFY_SANDBOX_CLIENT_SECRET, SHOPIFY_SANDBOX_TOKEN, ShopifySimulator } from '../../sandbox/shopify';
import { STRIPE_SANDBOX_KEY, StripeSimulator } from '../../sandbox/stripe';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { loadConfigFile, parseConnectorSection } from '../../shared/app/config';
import { storeConnection } from '../../shared/app/connections';
import { resolveConnector } from '../../shared/connectors';
import { settingsOf } from '../../shared/connectors/custom/connection';
import { PLATFORM_LANE } from '../../shared/connectors/custom/sync/enqueue';
import { platformSyncMessage, runPlatformSyncJob } from '../../shared/connectors/custom/sync/job';
import { type PlatformSyncSummary, runPlatformSync } from '../../shared/connectors/custom/sync/run';
import { handlePlatformPoll, onPlatformSyncTick } from '../../shared/connectors/custom/sync/schedule';
import { type BrevoClient, brevoClientFor } from '../../shared/core/brevo/client';
import { ProviderError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { systemClock } from '../../shared/core/ports';
import { MemorySecrets } from '../support/memory-secrets';
import { freshStore } from '../support/stores';

const LIST = 'Shop customers';
let brevo: BrevoSimulator;
let apiKey: string;
let store: DynamoRepositories;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  apiKey = `xkeysib-${randomUUID()}`;
  brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await brevo.start();
  stops.push(() => brevo.stop());
  ({ store } = await freshStore());
});

afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

/** A connection as connect stores it: the section parsed by the connector's schema, then split. */
function connection(name: string, section: Record<string, unknown>) {
  const descriptor = resolveConnector(name);
  if (!descriptor?.connection) throw new Error(`${name} does not resolve to a definition connector`);
  const { credentials, settings } = descriptor.connection.connect.split(parseConnectorSection(name, section));
  const record = { connector: name, settings: settings as { enabled: boolean } };
  return { settings: settingsOf(record), credentials: JSON.parse(credentials.token) as Record<string, string> };
}

async function sync(
  name: string,
  section: Record<string, unknown>,
  full: boolean,
  patch?: (client: BrevoClient) => void,
) {
  const { settings, credentials } = connection(name, section);
  const brevoStats = newStats();
  const client = brevoClientFor({ apiKey, baseUrl: brevo.baseUrl, clock: systemClock, stats: brevoStats });
  patch?.(client);
  return runPlatformSync(
    { brevo: client, brevoStats, cursors: store, runs: store, clock: systemClock, endpoints: {}, upsertThreshold: 5 },
    { tenantId: 'acme', connector: name, definition: settings.definition, settings, credentials, full },
  );
}

/** The run's counts add up: per resource, and the resources to the run's. */
function expectCountsAddUp(s: PlatformSyncSummary): void {
  let read = 0;
  for (const [name, c] of Object.entries(s.resources)) {
    expect({ name, sum: c.upserted + c.unchanged + c.failed }).toEqual({ name, sum: c.read });
    read += c.read;
  }
  expect(s.pagesRead).toBe(read);
  expect(s.upserted + s.unchanged + s.failed).toBe(s.pagesRead);
  // A platform's run counts its own requests, none of Notion's.
  expect(s).not.toHaveProperty('notionRequests');
  expect(s.platformRequests).toBeGreaterThan(0);
}

describe('shopify.yaml against the Shopify simulator', () => {
  async function shop(): Promise<ShopifySimulator> {
    const sim = new ShopifySimulator({ customers: 60, orders: 80, checkouts: 12 });
    await sim.start();
    stops.push(() => sim.stop());
    return sim;
  }

  const section = (sim: ShopifySimulator) => ({
    shop_url: 'your-store.myshopify.com',
    base_url: `${sim.baseUrl}/admin/api/2025-07`,
    api_key: SHOPIFY_SANDBOX_TOKEN,
    api_secret: SHOPIFY_SANDBOX_CLIENT_SECRET,
    sync_to_list: LIST,
    sync: { customers: true, orders: true, products: true, carts: true },
    // The docs' fields, and the quick start's spelling of an order's contact property (matched loosely).
    field_mapping: {
      email: 'email',
      first_name: 'FIRSTNAME',
      last_name: 'LASTNAME',
      total_spent: 'TOTAL_SPENT',
      lastOrderDate: 'LAST_ORDER',
    },
  });

  test('every customer once, orders and carts as events, then an incremental run changes nothing', async () => {
    const sim = await shop();
    const customers = sim.customers();
    const withEmail = customers.filter((c) => c.email);
    expect(withEmail.length).toBeLessThan(customers.length); // the seed has customers without email

    const first = await sync('shopify', section(sim), true);
    expect(first.run.status).toBe('succeeded');
    const s = first.summary;
    expectCountsAddUp(s);
    expect(s.resources.customers).toMatchObject({
      read: customers.length,
      failed: customers.length - withEmail.length,
    });
    expect(s.resources.orders?.read).toBe(sim.orders().length);
    expect(s.resources.carts?.read).toBe(sim.checkouts().filter((c) => c.closed_at === null).length); // open ones
    expect(s.resources.products).toBeUndefined();
    expect(s.warnings.some((w) => w.startsWith('products: not read'))).toBe(true);
    // Each customer once, in the list, with its mapped attributes; the email-less ones are errors naming them.
    const listId = brevo.lists().find((l) => l.name === LIST)?.id;
    expect(listId).toBeDefined();
    const contacts = brevo.contacts();
    const emails = new Set(withEmail.map((c) => c.email?.toLowerCase()));
    expect(new Set(contacts.map((c) => c.email))).toEqual(emails);
    const one = withEmail[0];
    const written = contacts.find((c) => c.email === one?.email?.toLowerCase());
    expect(written?.listIds.has(listId as number)).toBe(true);
    expect(written?.attributes.FIRSTNAME ?? null).toBe(one?.first_name ?? null);
    const noEmail = customers.find((c) => !c.email);
    expect(s.errors).toContainEqual(
      expect.objectContaining({
        pageId: String(noEmail?.id),
        resource: 'customers',
        reason: expect.stringContaining('no email'),
      }),
    );
    // Orders with an email became order_placed events, each setting the contact's last order date.
    const events = brevo.events().filter((e) => e.event_name === 'order_placed');
    expect(events.length).toBe(s.resources.orders?.upserted);
    expect(events.length).toBe(sim.orders().filter((o) => o.email).length);
    expect(events[0]?.contact_properties).toHaveProperty('LAST_ORDER'); // field_mapping applies to events too
    expect(s.platformRequests).toBeGreaterThanOrEqual(3);
    expect(s.brevoRequests).toBeGreaterThan(0);

    const second = await sync('shopify', section(sim), false);
    expect(second.run.status).toBe('succeeded');
    expectCountsAddUp(second.summary);
    expect(second.summary).toMatchObject({ mode: 'incremental', upserted: 0 });
    expect(brevo.events().filter((e) => e.event_name === 'order_placed').length).toBe(events.length);
    // Incremental: only the overlap is read again (the seed's records are spread over days).
    expect(second.summary.resources.customers?.read).toBeLessThan(customers.length);
  });

  test('a changed customer is written again; 429s with Retry-After are absorbed', async () => {
    const sim = await shop();
    await sync('shopify', section(sim), true);
    const target = sim.customers().find((c) => c.email);
    sim.updateCustomer(target?.id as number, { first_name: 'Renamed' });
    sim.failNext(2, { status: 429, headers: { 'Retry-After': '1' } });
    const again = await sync('shopify', section(sim), false);
    expect(again.run.status).toBe('succeeded');
    expect(again.summary.rateLimited).toBeGreaterThanOrEqual(2);
    expect(again.summary.resources.customers?.upserted).toBe(1);
    expect(brevo.contacts().find((c) => c.email === target?.email?.toLowerCase())?.attributes.FIRSTNAME).toBe(
      'Renamed',
    );
  });

  test('200 orders are written in 2 batch calls, not 200 single events (206 Brevo requests before, 8 now)', async () => {
    const sim = new ShopifySimulator({}); // the sandbox's shop: 200 orders
    await sim.start();
    stops.push(() => sim.stop());
    const run = await sync('shopify', section(sim), true);
    expect(run.run.status).toBe('succeeded');
    expectCountsAddUp(run.summary);
    const orders = sim.orders();
    expect(orders).toHaveLength(200);
    const withEmail = orders.filter((o) => o.email).length;
    expect(run.summary.resources.orders).toMatchObject({ read: 200, upserted: withEmail });
    const byRoute = brevo.stats().byRoute;
    expect(byRoute['POST /v3/events']).toBeUndefined();
    // One page of 250 holds the 200 orders: their events in 2 batches (100 + the rest); the carts in 1.
    expect(brevo.batchSizes).toEqual([100, withEmail - 100, expect.any(Number)]);
    expect(byRoute['POST /v3/events/batch']).toBe(3);
    expect(run.summary.brevoRequests).toBeLessThan(10);
    expect(brevo.events().filter((e) => e.event_name === 'order_placed')).toHaveLength(withEmail);
  });

  test('an event Brevo refuses in a batch is its record error; the others are written and not sent again', async () => {
    const sim = await shop();
    const orders = sim.orders().filter((o) => o.email);
    const bad = orders[1] as (typeof orders)[number];
    // Its name makes the event's properties larger than Brevo's 50 KB: the batch answers 207 for it.
    sim.updateOrder(bad.id, { name: `#${'9'.repeat(60_000)}` });
    const first = await sync('shopify', section(sim), true);
    expect(first.run.status).toBe('succeeded');
    expectCountsAddUp(first.summary);
    expect(first.summary.resources.orders).toMatchObject({ upserted: orders.length - 1 });
    expect(first.summary.errors).toContainEqual(
      expect.objectContaining({
        pageId: String(bad.id),
        resource: 'orders',
        reason: expect.stringMatching(/Brevo refused the event: .*event_properties/),
      }),
    );
    const written = brevo.events().filter((e) => e.event_name === 'order_placed');
    expect(written).toHaveLength(orders.length - 1);
    expect(written.some((e) => e.event_properties?.order_id === bad.id)).toBe(false);

    // The second (full) run sends none of the accepted ones again: only the refused one, refused again.
    brevo.batchSizes.length = 0;
    const second = await sync('shopify', section(sim), true);
    expectCountsAddUp(second.summary);
    expect(second.summary.resources.orders).toMatchObject({ upserted: 0, unchanged: orders.length - 1 });
    expect(brevo.events().filter((e) => e.event_name === 'order_placed')).toHaveLength(orders.length - 1);
    expect(brevo.batchSizes[0]).toBe(1); // the orders' batch: the refused order alone
    expect(second.summary.errors).toContainEqual(expect.objectContaining({ pageId: String(bad.id) }));
  });

  test('a batch whose answer is lost stops the run; the batches Brevo accepted before it are not sent again', async () => {
    const sim = new ShopifySimulator({}); // 200 orders: 2 batches
    await sim.start();
    stops.push(() => sim.stop());
    // The second batch of orders is lost after the first was written (a 500: written or not, unknown).
    const loseSecond = (client: BrevoClient) => {
      const real = client.createEvents.bind(client);
      client.createEvents = async (events) => {
        if (events.length <= 100) return real(events);
        const first = await real(events.slice(0, 100));
        return { ...first, answered: 100, error: new ProviderError('brevo', 500, 'internal', 'Brevo error (500)') };
      };
    };
    const lost = await sync('shopify', section(sim), true, loseSecond);
    expect(lost.run).toMatchObject({ status: 'failed', error: expect.stringContaining('500') });
    const orders = () => brevo.events().filter((e) => e.event_name === 'order_placed');
    expect(orders()).toHaveLength(100);

    const again = await sync('shopify', section(sim), true);
    expect(again.run.status).toBe('succeeded');
    expectCountsAddUp(again.summary);
    const withEmail = sim.orders().filter((o) => o.email).length;
    expect(again.summary.resources.orders).toMatchObject({ unchanged: 100, upserted: withEmail - 100 });
    expect(orders()).toHaveLength(withEmail);
    expect(new Set(orders().map((e) => e.event_properties?.order_id)).size).toBe(withEmail); // none twice
  });
});

describe('through the platform lane (sync now, the schedule, the job)', () => {
  test('sync now queues a platform.sync message; the job runs it under that run id; a daily tick waits a day', async () => {
    const sim = new StripeSimulator({ customers: 230 });
    await sim.start();
    stops.push(() => sim.stop());
    const descriptor = resolveConnector('stripe');
    const hooks = descriptor?.connection;
    if (!descriptor || !hooks) throw new Error('stripe does not resolve');
    const section = parseConnectorSection('stripe', {
      api_key: STRIPE_SANDBOX_KEY,
      base_url: sim.baseUrl,
      mode: 'batch',
      schedule: 'daily',
    });
    const { credentials, settings } = hooks.connect.split(section);
    const secrets = new MemorySecrets();
    const armed: unknown[][] = [];
    const schedules = {
      ensure: async (schedule: string, name: string, input: unknown) => void armed.push([schedule, name, input]),
      remove: async () => undefined,
    };
    const record = await storeConnection(
      {
        connections: store,
        secrets,
        schedules,
        clock: systemClock,
      },
      descriptor,
      { tenantId: 'acme', credentials, settings, brevo: { apiKey } },
    );
    // Connect armed the connection's instance of the shared platformSync schedule, its input naming it.
    expect(armed).toEqual([['platformSync', 'stripe-acme', { tenantId: 'acme', connector: 'stripe' }]]);
    // A lost schedule comes back with the sweep; a connector the sweep is not told about is left alone.
    armed.length = 0;
    const pollDeps = {
      connections: store,
      runs: store,
      lane: { send: async () => undefined },
      clock: systemClock,
      schedules,
    };
    expect(await handlePlatformPoll(pollDeps, { sweep: true }, ['stripe', 'shopify'])).toMatchObject({ scheduled: 1 });
    expect(armed).toEqual([['platformSync', 'stripe-acme', { tenantId: 'acme', connector: 'stripe' }]]);
    expect(await handlePlatformPoll(pollDeps, { sweep: true }, ['shopify'])).toMatchObject({ scheduled: 0 });
    expect(JSON.stringify(record.settings)).not.toContain(STRIPE_SANDBOX_KEY); // the key is in the secret store only
    const sent: { queue: string; body: string }[] = [];
    const lane = {
      send: async (queue: string, messages: { body: string }[]) =>
        void sent.push(...messages.map((m) => ({ queue, body: m.body }))),
    };
    const queued = await hooks.sync?.(
      { connections: store, lane, clock: systemClock },
      { tenantId: 'acme', mode: 'full', trigger: 'api' },
    );
    expect(queued).toMatchObject({ queued: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.queue).toBe(PLATFORM_LANE);
    const message = platformSyncMessage(JSON.parse(sent[0]?.body ?? '{}'));
    expect(message).toMatchObject({ type: 'platform.sync', connector: 'stripe', mode: 'full', runId: queued?.runId });
    // A budget of 0: each message reads one page, then hands over to a continue message (same run).
    const deps = {
      connections: store,
      secrets,
      cursors: store,
      runs: store,
      clock: systemClock,
      endpoints: { brevoBaseUrl: brevo.baseUrl },
      lane,
    };
    let run = await runPlatformSyncJob(deps, message as NonNullable<typeof message>, 0);
    let messages = 1;
    while (sent.length > messages) {
      const next = platformSyncMessage(JSON.parse(sent[messages]?.body ?? '{}'));
      expect(next).toMatchObject({ runId: queued?.runId, checkpoint: { resource: 'customers' } });
      expect(run).toMatchObject({ status: 'running', checkpoint: { resource: 'customers' } });
      run = await runPlatformSyncJob(deps, next as NonNullable<typeof next>, 0);
      messages += 1;
    }
    expect(messages).toBe(3); // 100 + 100 + 30 customers
    expect(run).toMatchObject({ runId: queued?.runId, status: 'succeeded', trigger: 'api' });
    expect(run.checkpoint).toBeUndefined();
    expect(run.summary).toMatchObject({ pagesRead: sim.customers().length, platformRequests: 3 });
    expect((run.summary as PlatformSyncSummary).resources.customers?.read).toBe(sim.customers().length);
    expectCountsAddUp(run.summary as PlatformSyncSummary);
    expect(brevo.contacts().length).toBe(sim.customers().filter((c) => c.email).length);
    // schedule: daily: the hourly tick right after a run queues nothing.
    const tick = await onPlatformSyncTick(
      { connections: store, runs: store, lane, clock: systemClock },
      { tenantId: 'acme', connector: 'stripe' },
    );
    expect(tick).toMatchObject({ queued: false, reason: expect.stringContaining('schedule daily') });
  });
});

describe('stripe.yaml against the Stripe simulator', () => {
  test('customers by starting_after cursors, every run full and unchanged the second time', async () => {
    const sim = new StripeSimulator({ customers: 230 });
    await sim.start();
    stops.push(() => sim.stop());
    const section = { api_key: STRIPE_SANDBOX_KEY, base_url: sim.baseUrl, mode: 'batch', sync_to_list: 'Stripe' };
    const first = await sync('stripe', section, false);
    expect(first.run.status).toBe('succeeded');
    expectCountsAddUp(first.summary);
    const customers = sim.customers();
    expect(first.summary.resources.customers?.read).toBe(customers.length);
    expect(first.summary.platformRequests).toBe(3); // 100 + 100 + 30
    expect(new Set(brevo.contacts().map((c) => c.email))).toEqual(
      new Set(customers.filter((c) => c.email).map((c) => c.email?.toLowerCase())),
    );
    const second = await sync('stripe', section, false);
    expect(second.summary.resources.customers).toMatchObject({ read: customers.length, upserted: 0 });
    expect(second.summary.unchanged).toBe(customers.filter((c) => c.email).length);
  });

  test('without sync_to_list the contacts join "<Label> contacts" (created), imported in bulk, not one call each', async () => {
    const sim = new StripeSimulator({ customers: 230 });
    await sim.start();
    stops.push(() => sim.stop());
    const run = await sync('stripe', { api_key: STRIPE_SANDBOX_KEY, base_url: sim.baseUrl, mode: 'batch' }, false);
    expect(run.run.status).toBe('succeeded');
    const list = brevo.lists().find((l) => l.name === 'Stripe contacts');
    expect(list).toBeDefined();
    const withEmail = sim.customers().filter((c) => c.email).length;
    expect(brevo.listMembers(list?.id as number)).toHaveLength(withEmail);
    // The list's lookup and creation, the attributes, the import and its status: a handful of calls for 200+ contacts.
    expect(run.summary.brevoRequests).toBeLessThan(10);
    // Stripe's name goes to NAME, which this account lacks: said once, not dropped in silence.
    expect(run.summary.warnings.filter((w) => w.includes('Brevo has no attribute NAME'))).toEqual([
      expect.stringMatching(/^name → NAME: Brevo has no attribute NAME, so its values are not kept/),
    ]);
    brevo.addAttribute({ name: 'NAME', category: 'normal', type: 'text' });
    const again = await sync('stripe', { api_key: STRIPE_SANDBOX_KEY, base_url: sim.baseUrl, mode: 'batch' }, false);
    expect(again.summary.warnings.filter((w) => w.includes('no attribute'))).toEqual([]);
  });
});

describe('a definition from the config (definition: FILE)', () => {
  test('acmeshop.yaml next to the config becomes connectors.acmeshop; its mistakes are refused with their path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tajo-custom-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const fixture = resolve(__dirname, '../fixtures/definitions/acmeshop.yaml');
    await writeFile(
      join(dir, 'tajo.yaml'),
      `brevo:\n  api_key: k\nconnectors:\n  acmeshop:\n    definition: ${fixture}\n    api_key: key\n    webhook_secret: s\n    sync:\n      customers: true\n`,
    );
    const config = await loadConfigFile(join(dir, 'tajo.yaml'), {});
    expect((config.connectors as Record<string, unknown>).acmeshop).toMatchObject({ api_key: 'key' });
    expect(resolveConnector('acmeshop')?.label).toBeDefined();

    await writeFile(
      join(dir, 'bad.yaml'),
      `brevo:\n  api_key: k\nconnectors:\n  acmeshop:\n    definition: ${fixture}\n    api_key: key\n    webhook_secret: s\n    sync:\n      invoices: true\n`,
    );
    await expect(loadConfigFile(join(dir, 'bad.yaml'), {})).rejects.toThrow(/connectors\.acmeshop\.sync\.invoices/);
  });
});
