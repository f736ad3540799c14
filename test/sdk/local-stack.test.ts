/**
 * The SDK against the real local stack (what `npm start` runs: the API function over HTTP on
 * 127.0.0.1, dynalite, fauxqs, the sandbox simulators): connect Notion, Slack and Shopify with the
 * docs' camelCase credentials, sync, status, and the API's refusals as typed errors. The routes
 * this branch does not serve yet (GET /me, runs, query...) are the contract stand-in's
 * (client.test.ts); here the tenant is given and the run is awaited through the stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_SIGNING_SECRET,
  SANDBOX_SLACK_TOKEN,
} from '../../sandbox/sandbox';
import { SHOPIFY_SANDBOX_CLIENT_SECRET, SHOPIFY_SANDBOX_TOKEN } from '../../sandbox/shopify/store';
import { STRIPE_SANDBOX_KEY, STRIPE_SANDBOX_WEBHOOK_SECRET } from '../../sandbox/stripe';
import { TajoAuthError, TajoClient, TajoError } from '../../sdk/src';
import { resolvablePlatformConnectors } from '../../shared/connectors';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

let sandbox: SandboxStack;
let stack: LocalStack;
let tajo: TajoClient;
/** What the client sent, `METHOD path`, in order. */
const sent: string[] = [];

beforeAll(async () => {
  sandbox = await startSandboxStack({ sandboxRows: 20 });
  stack = sandbox.stack;
  tajo = new TajoClient({
    apiKey: stack.apiKey,
    baseUrl: stack.url,
    tenantId: stack.tenantId,
    brevoApiKey: SANDBOX_BREVO_KEY,
    fetch: (url, init) => {
      sent.push(`${init.method} ${new URL(url).pathname}`);
      return fetch(url, init);
    },
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
});

test('connect every connector of the registry (Notion, Slack, Shopify, Stripe); every one is listed connected', async () => {
  await tajo.connectors.connect('notion', { token: SANDBOX_NOTION_TOKEN });
  await tajo.connectors.connect('slack', {
    botToken: SANDBOX_SLACK_TOKEN,
    signingSecret: SANDBOX_SLACK_SIGNING_SECRET,
  });
  await tajo.connectors.connect('shopify', {
    shopUrl: 'your-store.myshopify.com',
    apiKey: SHOPIFY_SANDBOX_TOKEN,
    apiSecret: SHOPIFY_SANDBOX_CLIENT_SECRET,
  });
  await tajo.connectors.connect('stripe', { apiKey: STRIPE_SANDBOX_KEY, webhookSecret: STRIPE_SANDBOX_WEBHOOK_SECRET });
  // Every connector of the registry is connected above: a new one joins this test.
  expect(resolvablePlatformConnectors().map((c) => c.name)).toEqual(
    expect.arrayContaining(['notion', 'slack', 'shopify', 'stripe']),
  );
  expect(resolvablePlatformConnectors()).toHaveLength(4);
  const list = await tajo.connectors.list();
  expect(list.brevo?.connected).toBe(true);
  // The sandbox tenant has its Brevo key already: the listing says so once, and the client's key is not sent.
  const t = `/tenants/${stack.tenantId}`;
  expect(sent.slice(0, 5)).toEqual([
    `GET ${t}/connections`,
    `PUT ${t}/connections/notion`,
    `PUT ${t}/connections/slack`,
    `PUT ${t}/connections/shopify`,
    `PUT ${t}/connections/stripe`,
  ]);
  const connected = (list.connectors ?? []).filter((c) => c.connected).map((c) => c.name);
  expect(connected).toEqual(expect.arrayContaining(['notion', 'slack', 'shopify', 'stripe']));
}, 60_000);

test('sync queues a run the stack finishes; status reports it', async () => {
  const run = await tajo.connectors.sync('notion', { type: 'full' });
  expect(run).toMatchObject({ queued: true, mode: 'full', runId: expect.any(String) });
  const done = await stack.waitForRun(run.runId, 60_000);
  expect(done.status).toBe('succeeded');
  expect(done).toMatchObject({ connector: 'notion', mode: 'full', trigger: 'api' });
  const status = await tajo.connectors.status('notion');
  expect(status).toMatchObject({ connector: 'notion' });
  expect(JSON.stringify(status)).toContain(run.runId);
}, 90_000);

test("the API's refusals: 404 unknown connector, 400 with issues, a wrong key", async () => {
  const unknown = await tajo.connectors.connect('shopfy', { shopUrl: 'x' }).catch((e) => e);
  expect(unknown).toBeInstanceOf(TajoError);
  expect(unknown).toMatchObject({ status: 404, code: 'not_found' });
  expect(unknown.message).toMatch(/^unknown connector shopfy/);

  const invalid = await tajo.connectors.connect('notion', { token: 42 }).catch((e) => e);
  expect(invalid).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(invalid.issues?.[0]).toMatchObject({ path: expect.stringContaining('token'), message: expect.any(String) });

  const badSync = await tajo.connectors.sync('notion', { full: 'yes' as never }).catch((e) => e);
  expect(badSync).toMatchObject({ status: 400 });

  const noKey = await fetch(`${stack.url}/tenants/${stack.tenantId}/connections`);
  expect(noKey.status).toBe(401);
  // A key of nobody on a tenant's path: the API answers as for an unknown tenant; the SDK says what to check.
  const wrong = new TajoClient({ apiKey: 'tajo_not_a_key', baseUrl: stack.url, tenantId: stack.tenantId });
  const refused = await wrong.connectors.list().catch((e) => e);
  expect(refused).toBeInstanceOf(TajoAuthError);
  expect(refused).toMatchObject({ status: 404, code: 'not_found' });
  expect(refused.message).toBe(
    'not found: no such tenant for this API key: check TAJO_API_KEY and TAJO_TENANT (or tenantId)',
  );
  // An empty key is no key: refused before any call, naming the variable.
  const empty = await new TajoClient({ apiKey: '', baseUrl: stack.url }).connectors.list().catch((e) => e);
  expect(empty).toMatchObject({ code: 'missing_api_key' });
}, 60_000);

test('the stack serves the committed OpenAPI document, byte for byte as JSON (every function bundle in one process)', async () => {
  const served = await (await fetch(`${stack.url}/openapi.json`)).json();
  const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
  expect(served).toEqual(committed);
});
