/**
 * The docs' quick start as a person types it, in a CLI process on a local state:
 * `tajo connectors connect shopify --shop-url your-store.myshopify.com --api-key $SHOPIFY_API_KEY`
 * then `tajo connectors sync shopify --full`, against the Shopify simulator (SHOPIFY_BASE_URL, as
 * npm start sets it) and the Brevo simulator. Then a second sync (incremental, unchanged), status,
 * test, disconnect; and a connector of the config's own (`definition: ./acmeshop.yaml`).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SANDBOX_BREVO_KEY } from '../../sandbox/sandbox';
import { SHOPIFY_SANDBOX_TOKEN, ShopifySimulator } from '../../sandbox/shopify';
import { lastJson, runTajo } from '../support/cli-process';
import { PlatformSim } from '../unit/custom/platform-sim';

let dir: string;
let shop: ShopifySimulator;
let brevo: BrevoSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-quickstart-'));
  shop = new ShopifySimulator({ customers: 40, orders: 30, checkouts: 6 });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], limits: false, importProcessingMs: 0 });
  await Promise.all([shop.start(), brevo.start()]);
  env = {
    HOME: dir,
    TAJO_STATE_DIR: join(dir, 'state'),
    BREVO_BASE_URL: brevo.baseUrl,
    SHOPIFY_BASE_URL: `${shop.baseUrl}/admin/api/2025-07`,
  };
});

afterAll(async () => {
  await Promise.all([shop.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const tajo = (args: string[]) => runTajo(args, env, 120_000);
const quickStartConnect = (apiKey: string) =>
  'connectors connect shopify --shop-url your-store.myshopify.com --api-key'.split(' ').concat(apiKey);

test('connect shopify, then sync shopify --full, as printed; a second sync is incremental and unchanged', async () => {
  const brevoKey = await tajo(['connectors', 'connect', 'brevo', '--key', SANDBOX_BREVO_KEY]);
  expect(brevoKey.code).toBe(0);
  // A refused token: one line, nothing stored.
  const refused = await tajo(quickStartConnect('shpat_wrong'));
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split('\n')).toEqual([
    'tajo: Shopify refused the credentials (401 to /customers.json): check api_key (--api-key); nothing was stored',
  ]);

  // The docs' command, as printed (its $SHOPIFY_API_KEY: the sandbox's token).
  const connect = await tajo(quickStartConnect(SHOPIFY_SANDBOX_TOKEN));
  expect(connect).toMatchObject({ code: 0, stdout: expect.stringContaining('Shopify connected for tenant default') });

  const sync = await tajo(['connectors', 'sync', 'shopify', '--full']);
  expect(sync.code).toBe(0);
  expect(sync.stdout).toMatch(/^Shopify sync \(full\) succeeded/);
  const withEmail = shop.customers().filter((c) => c.email);
  expect(new Set(brevo.contacts().map((c) => c.email))).toEqual(new Set(withEmail.map((c) => c.email?.toLowerCase())));

  const again = await tajo(['connectors', 'sync', 'shopify', '--json']);
  expect(again.code).toBe(0);
  const summary = lastJson(again.stdout);
  expect(summary).toMatchObject({ status: 'succeeded', mode: 'incremental', upserted: 0 });
  expect(summary).not.toHaveProperty('notionRequests');
  expect(summary.pagesRead).toBe((summary.unchanged as number) + (summary.failed as number));

  const status = await tajo(['connectors', 'status', 'shopify', '--json']);
  const shown = lastJson(status.stdout);
  expect(shown).toMatchObject({
    connector: 'shopify',
    connected: true,
    mode: 'batch',
    schedule: 'every hour',
    nextRun: { windowMinutes: 15 },
    // As Notion's: when the last sync finished (ISO); the run itself beside it.
    lastSync: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    lastSyncRun: { status: 'succeeded', mode: 'incremental', finishedAt: expect.any(String) },
    asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
  });
  expect(shown.lastSync).toBe((shown.lastSyncRun as { finishedAt: string }).finishedAt);
  expect(shown.lastSummary).not.toHaveProperty('notionRequests');
  const readable = await tajo(['connectors', 'status', 'shopify']);
  expect(readable.stdout).toMatch(/^ {2}next run .*, within 15 min \(every hour\)$/m);
  const test = await tajo(['connectors', 'test', 'shopify']);
  expect(test.code).toBe(0);
  expect(test.stdout).toContain('✓ customers: /customers.json answered');

  const unknown = await tajo(['connectors', 'connect', 'shopify', '--shop-url', 'x.myshopify.com', '--bogus']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown option --bogus for tajo connectors connect shopify');

  const gone = await tajo(['connectors', 'disconnect', 'shopify']);
  expect(gone.code).toBe(0);
}, 240_000);

test("a definition of the config's own: connectors.acmeshop.definition: ./acmeshop.yaml syncs from the config", async () => {
  const sim = new PlatformSim({
    pagination: 'cursor-next',
    apiKey: 'acme-key',
    maxPageSize: 25,
    records: Array.from({ length: 30 }, (_, i) => ({
      id: `c${i}`,
      updated_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      email: `buyer${i}@example.com`,
      contact: { email: i === 3 ? null : `buyer${i}@example.com`, first_name: `Buyer${i}` },
      stats: { total_spent: i * 10 },
    })),
  });
  await sim.start();
  try {
    const cwd = join(dir, 'own');
    await rm(cwd, { recursive: true, force: true });
    await mkdir(cwd, { recursive: true });
    await copyFile(resolve(__dirname, '../fixtures/definitions/acmeshop.yaml'), join(cwd, 'acmeshop.yaml'));
    const config = join(cwd, 'tajo.yaml');
    await writeFile(
      config,
      [
        'brevo:',
        `  api_key: ${SANDBOX_BREVO_KEY}`,
        'connectors:',
        '  acmeshop:',
        '    definition: ./acmeshop.yaml',
        `    base_url: ${sim.baseUrl}`,
        '    api_key: acme-key',
        '    mode: batch',
        '    sync: { customers: true, purchases: false }',
        '',
      ].join('\n'),
    );
    const help = await tajo(['connectors', 'sync', 'acmeshop', '--config', config, '--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: tajo connectors sync acmeshop') });
    const sync = await tajo(['connectors', 'sync', 'acmeshop', '--config', config, '--json']);
    expect(sync.code).toBe(0);
    const summary = lastJson(sync.stdout);
    expect(summary).toMatchObject({ pagesRead: 30, failed: 1, resources: { customers: { read: 30, failed: 1 } } });
    expect(summary.errors).toEqual([expect.objectContaining({ pageId: 'c3', resource: 'customers' })]);

    // A mistake in the section is refused with its path (exit 2).
    await writeFile(config, (await readFile(config, 'utf8')).replace('purchases: false', 'invoices: false'));
    const bad = await tajo(['connectors', 'sync', 'acmeshop', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('connectors.acmeshop.sync.invoices');
  } finally {
    await sim.stop();
  }
}, 120_000);
