/**
 * TajoClient against a stand-in that enforces the contract's shapes (test/sdk/contract-server.ts):
 * the tenant from GET /me once, the Brevo key sent once, camelCase credentials as the section's
 * snake_case, sync + wait, query pages, page creation, Slack notify, event endpoints, typed errors
 * and the retry rules (Retry-After honoured; a POST that starts something never resent after a 4xx).
 */
import { createServer } from 'node:net';
import {
  type NotifyRequest,
  TajoAuthError,
  TajoClient,
  TajoConnectionError,
  TajoError,
  TajoRateLimitError,
} from '../../sdk/src';
import { retryDelayMs } from '../../sdk/src/http';
import { type ContractServer, KEY, startContractServer, TENANT } from './contract-server';

let api: ContractServer;
const client = (o: ConstructorParameters<typeof TajoClient>[0] = {}) =>
  new TajoClient({ apiKey: KEY, baseUrl: api.url, ...o });

beforeEach(async () => {
  api = await startContractServer();
});
afterEach(async () => {
  await api.close();
});

test('the tenant comes from GET /me once; the Brevo key is stored once, before the first connect', async () => {
  const tajo = client({ brevoApiKey: 'xkeysib-test' });
  await tajo.connectors.connect('slack', { botToken: 'xoxb-1', signingSecret: 's3cr3t' });
  await tajo.connectors.connect('shopify', { shopUrl: 'your-store.myshopify.com', apiKey: 'k', apiSecret: 's' });
  await tajo.connectors.sync('notion', { type: 'full' });
  expect(api.calls('GET', '/me')).toHaveLength(1);
  expect(api.calls('PUT', `/tenants/${TENANT}/brevo`).map((c) => c.body)).toEqual([{ apiKey: 'xkeysib-test' }]);
  expect(api.calls('PUT', `/tenants/${TENANT}/connections/slack`)[0]?.body).toEqual({
    bot_token: 'xoxb-1',
    signing_secret: 's3cr3t',
  });
  expect(api.calls('PUT', `/tenants/${TENANT}/connections/shopify`)[0]?.body).toEqual({
    shop_url: 'your-store.myshopify.com',
    api_key: 'k',
    api_secret: 's',
  });
  expect(api.log.every((l) => l.authorization === `Bearer ${KEY}`)).toBe(true);
});

test('a tenant that has a Brevo key already is not sent the client one; user-keyed maps keep their spelling', async () => {
  api.brevoConnected = true;
  const tajo = client({ brevoApiKey: 'xkeysib-test', tenantId: TENANT });
  await tajo.connectors.connect('notion', {
    token: 'ntn_x',
    apiVersion: '2022-06-28',
    databases: [{ id: 'abc', syncToList: 25 }],
    fieldMapping: { 'Deal Value': { type: 'number', target: 'DEAL_VALUE' }, dealStage: 'STAGE' },
  });
  expect(api.calls('PUT', `/tenants/${TENANT}/brevo`)).toHaveLength(0);
  expect(api.calls('GET', '/me')).toHaveLength(0);
  expect(api.calls('PUT', `/tenants/${TENANT}/connections/notion`)[0]?.body).toEqual({
    token: 'ntn_x',
    api_version: '2022-06-28',
    databases: [{ id: 'abc', sync_to_list: 25 }],
    field_mapping: { 'Deal Value': { type: 'number', target: 'DEAL_VALUE' }, dealStage: 'STAGE' },
  });
});

test('sync sends the contract fields and wait() resolves with the finished run, failed ones included', async () => {
  const tajo = client();
  const run = await tajo.connectors.sync('notion', {
    type: 'full',
    resources: ['databases'],
    databaseId: 'abc123def456',
    targetList: 25,
  });
  expect(run).toMatchObject({ queued: true, mode: 'full', runId: 'run_1' });
  expect(api.calls('POST', `/tenants/${TENANT}/connections/notion/sync`)[0]?.body).toEqual({
    full: true,
    resources: ['databases'],
    databaseId: 'abc123def456',
    targetList: 25,
  });
  const seen: string[] = [];
  const done = await run.wait({ onPoll: (r) => seen.push(r.status) });
  expect(done).toMatchObject({ runId: 'run_1', status: 'succeeded', summary: { upserted: 3 } });
  expect(seen).toEqual(['running', 'succeeded']);

  api.runs.set('run_2', ['failed']);
  const failed = await (await tajo.connectors.sync('notion')).wait();
  expect(failed).toMatchObject({ status: 'failed', error: 'Notion refused the token (401): regenerate it' });
});

test('wait() right after sync(): a run no worker took yet (404) is waited for; an unknown run id is a 404 at once past the grace', async () => {
  const tajo = client({ tenantId: TENANT });
  api.runs.set('run_1', ['queued', 'queued', 'running', 'succeeded']);
  const run = await tajo.connectors.sync('notion');
  expect(run.runId).toBe('run_1');
  const seen: string[] = [];
  expect(await run.wait({ onPoll: (r) => seen.push(r.status) })).toMatchObject({ status: 'succeeded' });
  expect(seen).toEqual(['running', 'succeeded']);

  // Seen once, a run that then answers 404 is not a queued one: the error comes through.
  api.runs.set('run_2', ['running', 'queued']);
  const gone = await (await tajo.connectors.sync('notion')).wait().catch((e) => e);
  expect(gone).toMatchObject({ status: 404, code: 'not_found' });

  api.runs.set('run_3', ['queued']);
  const never = await (await tajo.connectors.sync('notion')).wait({ timeoutMs: 1 }).catch((e) => e);
  expect(never).toMatchObject({ code: 'timeout' });
  expect(never.message).toMatch(/^run run_3 not started yet \(queued\) after 0 s/);
}, 20_000);

test('wait() past its timeout: a TajoError with code timeout naming the run; the run is not touched', async () => {
  const tajo = client({ tenantId: TENANT });
  api.runs.set('run_1', ['running']);
  const run = await tajo.connectors.sync('notion');
  const err = await run.wait({ timeoutMs: 1 }).catch((e) => e);
  expect(err).toBeInstanceOf(TajoError);
  expect(err).toMatchObject({ code: 'timeout', status: 0 });
  expect(err.message).toMatch(/^run run_1 still running after 0 s: call wait\(\) again/);
  expect(api.log.filter((l) => l.method !== 'GET' && l.path.includes('/runs/'))).toEqual([]);
});

test('status, list, query pages (and every page), create, notify, test and disconnect', async () => {
  const tajo = client();
  expect(await tajo.connectors.status('notion')).toMatchObject({
    connected: true,
    lastSync: expect.any(String),
    databasesSynced: 2,
    pagesTracked: 1450,
    usersCount: 32,
  });
  const page = await tajo.connectors.query('notion', {
    databaseId: 'abc123def456',
    filter: { property: 'Status', select: { equals: 'Active' } },
    sorts: [{ property: 'Last Contact', direction: 'descending' }],
    pageSize: 2,
  });
  expect(page).toEqual({
    results: [expect.objectContaining({ id: 'page_0' }), expect.objectContaining({ id: 'page_1' })],
    nextCursor: '2',
    hasMore: true,
  });
  const all: string[] = [];
  for await (const row of tajo.connectors.queryAll('notion', { databaseId: 'abc123def456', pageSize: 2 }))
    all.push(row.id);
  expect(all).toEqual(['page_0', 'page_1', 'page_2', 'page_3', 'page_4']);
  expect(
    api
      .calls('POST', `/tenants/${TENANT}/connections/notion/query`)
      .slice(-3)
      .map((c) => (c.body as { startCursor?: string }).startCursor),
  ).toEqual([undefined, '2', '4']);

  expect(
    await tajo.connectors.create('notion', { databaseId: 'ghi789jkl012', properties: { Email: { email: 'a@b.c' } } }),
  ).toEqual({
    id: 'page_new',
    url: 'https://www.notion.so/page_new',
  });
  const readOnly = await tajo.connectors
    .create('notion', { databaseId: 'readonly-db', properties: {} })
    .catch((e) => e);
  expect(readOnly).toBeInstanceOf(TajoError);
  expect(readOnly).toMatchObject({ status: 409, code: 'read_only' });

  expect(
    await tajo.slack.notify({
      channel: 'sales',
      event: 'order_placed',
      data: { orderValue: '$1,250.00' },
      template: { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Order' } }] },
    }),
  ).toEqual({
    queued: true,
    notificationId: 'ntf_1',
    channel: 'C01234568',
  });
  expect((await tajo.connectors.list()).tenantId).toBe(TENANT);
  await tajo.connectors.test('slack');
  await tajo.connectors.disconnect('slack');
  expect(api.calls('DELETE', `/tenants/${TENANT}/connections/slack`)).toHaveLength(1);
});

test('event endpoints: subscribe returns the secret once, list and unsubscribe', async () => {
  const tajo = client();
  const ep = await tajo.events.subscribe({
    url: 'https://hooks.example.com/tajo',
    types: ['contact.attribute_updated'],
  });
  expect(ep).toMatchObject({ id: 'ep_1', secret: 'whsec_ep_1_secret', types: ['contact.attribute_updated'] });
  expect(await tajo.events.list()).toEqual([
    {
      id: 'ep_1',
      url: 'https://hooks.example.com/tajo',
      types: ['contact.attribute_updated'],
      createdAt: expect.any(String),
    },
  ]);
  expect(await tajo.events.unsubscribe('ep_1')).toEqual({ deleted: true });
  await expect(tajo.events.unsubscribe('ep_1')).rejects.toMatchObject({ status: 404, code: 'not_found' });
});

test('errors: typed, the API reason as message, issues with their paths', async () => {
  const unknown = await client()
    .connectors.connect('shopfy', { shopUrl: 'x' })
    .catch((e) => e);
  expect(unknown).toBeInstanceOf(TajoError);
  expect(unknown).toMatchObject({
    status: 404,
    code: 'not_found',
    message: 'unknown connector shopfy (notion, slack, shopify)',
  });

  // The generated types refuse a block without a type at compile time too; a JavaScript caller reaches the API.
  const untyped = { channel: 'sales', event: 'x', template: { blocks: [{ text: 'no type' }] } };
  const bad = await client()
    .slack.notify(untyped as unknown as NotifyRequest)
    .catch((e) => e);
  expect(bad).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(bad.issues).toEqual([{ path: 'template.blocks[0].type', message: expect.any(String) }]);
  expect(bad.message).toMatch(/^template\.blocks\[0\]\.type: /);

  const tooBig = await client()
    .connectors.query('notion', { databaseId: 'x', pageSize: 101 })
    .catch((e) => e);
  expect(tooBig.issues[0].path).toBe('pageSize');

  // A key no tenant has: GET /me is refused, a TajoAuthError saying which variable to fix.
  const wrong = await new TajoClient({ apiKey: 'tajo_wrong', baseUrl: api.url }).connectors.list().catch((e) => e);
  expect(wrong).toBeInstanceOf(TajoAuthError);
  expect(wrong.message).toMatch(/^no tenant has this API key: check TAJO_API_KEY/);

  // No key at all: the API's 401 (the header is required).
  const noKey = await fetch(`${api.url}/me`);
  expect(noKey.status).toBe(401);
});

test('a missing key or URL names the variable to set, and sends nothing', async () => {
  const saved = { key: process.env.TAJO_API_KEY, url: process.env.TAJO_API_URL };
  delete process.env.TAJO_API_KEY;
  delete process.env.TAJO_API_URL;
  try {
    await expect(new TajoClient({ baseUrl: api.url }).connectors.list()).rejects.toMatchObject({
      code: 'missing_api_key',
      message: expect.stringContaining('TAJO_API_KEY'),
    });
    await expect(new TajoClient({ apiKey: KEY }).connectors.list()).rejects.toMatchObject({
      code: 'missing_base_url',
      message: expect.stringContaining('TAJO_API_URL'),
    });
    process.env.TAJO_API_URL = api.url;
    process.env.TAJO_API_KEY = KEY;
    expect((await new TajoClient().connectors.list()).tenantId).toBe(TENANT);
  } finally {
    for (const [k, v] of [
      ['TAJO_API_KEY', saved.key],
      ['TAJO_API_URL', saved.url],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  expect(api.log.filter((l) => l.path !== '/me' && !l.path.endsWith('/connections'))).toHaveLength(0);
});

test('429 and 503 with Retry-After are retried on reads; a 429 on a POST that starts something is not', async () => {
  const tajo = client({ tenantId: TENANT });
  api.script.push(
    { status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down', retryAfterSeconds: 0 } },
    { status: 503, headers: { 'retry-after': '0' }, body: { error: 'Notion is rate limiting', retryAfterSeconds: 0 } },
  );
  expect((await tajo.connectors.status('notion')).usersCount).toBe(32);
  expect(api.calls('GET', `/tenants/${TENANT}/connections/notion/status`)).toHaveLength(3);

  api.script.push({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down', retryAfterSeconds: 0 } });
  const refused = await tajo.connectors.sync('notion', { type: 'full' }).catch((e) => e);
  expect(refused).toBeInstanceOf(TajoRateLimitError);
  expect(refused).toMatchObject({ status: 429, retryAfterSeconds: 0, message: 'slow down' });
  expect(api.calls('POST', `/tenants/${TENANT}/connections/notion/sync`)).toHaveLength(1);

  // A notify carries one Idempotency-Key on every attempt: the API takes a retry for the same call,
  // so a 429 on it is retried too.
  api.script.push({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down', retryAfterSeconds: 0 } });
  expect((await tajo.slack.notify({ channel: 'sales', event: 'x' })).queued).toBe(true);
  const notifies = api.calls('POST', `/tenants/${TENANT}/slack/notify`);
  expect(notifies).toHaveLength(2);
  expect(notifies[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  expect(notifies[1]?.idempotencyKey).toBe(notifies[0]?.idempotencyKey);

  // A 503 is a refusal before the work: the POST goes again.
  api.script.push({ status: 503, headers: { 'retry-after': '0' }, body: { error: 'busy' } });
  expect((await tajo.slack.notify({ channel: 'sales', event: 'x' })).queued).toBe(true);

  // maxRetries bounds it: three answers of 429 with maxRetries 2 → the third is thrown.
  api.script.push(
    ...Array.from({ length: 3 }, () => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: 'slow down' },
    })),
  );
  const before = api.log.length;
  await expect(tajo.connectors.status('notion')).rejects.toBeInstanceOf(TajoRateLimitError);
  expect(api.log.length - before).toBe(3);

  // A 400 is never retried, a read or not.
  api.script.push({ status: 400, body: { error: 'bad' } });
  await expect(tajo.connectors.status('notion')).rejects.toMatchObject({ status: 400, message: 'bad' });
  expect(api.log.length - before).toBe(4);
});

test('backoff: Retry-After wins, else exponential with jitter, capped', () => {
  expect(retryDelayMs(1, 3)).toBe(3000);
  expect(retryDelayMs(1, undefined, 0)).toBe(250);
  expect(retryDelayMs(1, undefined, 0.999)).toBeLessThanOrEqual(500);
  expect(retryDelayMs(3, undefined, 0)).toBe(1000);
  expect(retryDelayMs(20, undefined, 0.999)).toBeLessThanOrEqual(8000);
});

test('nothing listening: a TajoConnectionError naming the URL, after the retries', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const tajo = new TajoClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}`, tenantId: TENANT, maxRetries: 1 });
  const err = await tajo.connectors.status('notion').catch((e) => e);
  expect(err).toBeInstanceOf(TajoConnectionError);
  expect(err).toMatchObject({ status: 0, code: 'connection_error' });
  expect(err.message).toContain(`http://127.0.0.1:${port}/tenants/${TENANT}/connections/notion/status`);
  expect(err.message).toContain('ECONNREFUSED');
});

test('the request budget: fetch is called once per attempt, with the bearer key and JSON', async () => {
  const seen: { url: string; init: RequestInit }[] = [];
  const tajo = new TajoClient({
    apiKey: KEY,
    baseUrl: `${api.url}/`,
    tenantId: TENANT,
    fetch: (url, init) => {
      seen.push({ url, init });
      return fetch(url, init);
    },
  });
  await tajo.connectors.sync('notion', { type: 'incremental' });
  expect(seen).toHaveLength(1);
  expect(seen[0]?.url).toBe(`${api.url}/tenants/${TENANT}/connections/notion/sync`);
  expect(seen[0]?.init.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
});
