/**
 * docs/sdk.md's snippets against the local stack (what `npm start` runs), as the page prints them
 * where they call the API: the client with its options, the examples block (run.wait(), queryAll,
 * create), a first connect with credentials only and the section form, the errors snippet (a
 * read-only connection), subscribing, the middleware receiving a delivery signed with
 * signatureHeader. The examples' own §1/§2 blocks are docs-examples.test.ts's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStack } from '../../local/stack';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_DATABASE_ID,
  SANDBOX_LEADS_DATABASE_ID,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
} from '../../sandbox/sandbox';
import { signatureHeader, TajoClient, TajoError } from '../../sdk/src';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

const ROWS = 12;
let sandbox: SandboxStack;
let stack: LocalStack;
const saved = { ...process.env };

beforeAll(async () => {
  sandbox = await startSandboxStack({ sandboxRows: ROWS });
  stack = sandbox.stack;
  Object.assign(process.env, { TAJO_API_KEY: stack.apiKey, BREVO_API_KEY: SANDBOX_BREVO_KEY });
  process.env.NOTION_TOKEN = SANDBOX_NOTION_TOKEN;
  delete process.env.TAJO_TENANT;
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  process.env = saved;
});

test('the client and the examples block: sync and wait, status, query, queryAll, create', async () => {
  const tajo = new TajoClient({
    apiKey: process.env.TAJO_API_KEY,
    brevoApiKey: process.env.BREVO_API_KEY,
    baseUrl: stack.url,
  });
  await tajo.connectors.connect('notion', { token: process.env.NOTION_TOKEN });
  const run = await tajo.connectors.sync('notion', {
    type: 'full',
    resources: ['databases'],
    databaseId: SANDBOX_DATABASE_ID,
    targetList: stack.sandbox?.brevo.lists().find((l) => l.name === SANDBOX_LIST)?.id as number,
  });
  const finished = await run.wait();
  expect(finished).toMatchObject({ runId: run.runId, status: 'succeeded' });
  const status = await tajo.connectors.status('notion');
  expect(status).toMatchObject({ connected: true, databasesSynced: 1, pagesTracked: ROWS });
  expect(typeof status.lastSync).toBe('string');
  const { results, nextCursor, hasMore } = await tajo.connectors.query('notion', {
    databaseId: SANDBOX_DATABASE_ID,
    filter: { property: 'Status', select: { equals: 'Active' } },
    sorts: [{ property: 'Last Contact', direction: 'descending' }],
  });
  expect([results.length, nextCursor, hasMore]).toEqual([ROWS / 3, null, false]);
  let rows = 0;
  for await (const page of tajo.connectors.queryAll('notion', { databaseId: SANDBOX_DATABASE_ID, pageSize: 5 })) {
    expect(page.object).toBe('page');
    rows++;
  }
  expect(rows).toBe(ROWS);
  const created = await tajo.connectors.create('notion', {
    databaseId: SANDBOX_LEADS_DATABASE_ID,
    properties: { Email: { email: 'jane@example.com' } },
  });
  expect(created.id).toEqual(expect.any(String));

  // A property the database lacks: Notion's message, as a TajoError 400.
  const missing = await tajo.connectors
    .query('notion', { databaseId: SANDBOX_DATABASE_ID, sorts: [{ property: 'Next Call', direction: 'ascending' }] })
    .catch((e) => e);
  expect(missing).toBeInstanceOf(TajoError);
  expect(missing).toMatchObject({ status: 400 });
  expect(missing.message).toMatch(/Next Call/);
}, 120_000);

test('a first connect with only a token has no database; the section form sets them; read_only refuses create', async () => {
  const tajo = new TajoClient({ baseUrl: stack.url, apiKey: process.env.TAJO_API_KEY });
  await tajo.connectors.disconnect('notion');
  const bare = await tajo.connectors.connect('notion', { token: process.env.NOTION_TOKEN });
  expect(bare).toMatchObject({ connected: true, databases: 0 });
  const refused = await tajo.connectors.sync('notion', { databaseId: SANDBOX_DATABASE_ID }).catch((e) => e);
  expect(refused).toMatchObject({ status: 400 });
  expect(refused.message).toMatch(/is not in connectors\.notion\.databases: give targetList/);

  const section = await tajo.connectors.connect('notion', {
    token: process.env.NOTION_TOKEN,
    databases: [{ id: SANDBOX_DATABASE_ID, syncToList: 25 }],
    fieldMapping: { Email: { type: 'email', target: 'email' } },
  });
  expect(section).toMatchObject({ databases: 1 });

  await tajo.connectors.connect('notion', { token: process.env.NOTION_TOKEN, readOnly: true });
  const databaseId = SANDBOX_LEADS_DATABASE_ID;
  const properties = { Email: { email: 'ro@example.com' } };
  // ---- docs/sdk.md, Errors
  let said = '';
  try {
    await tajo.connectors.create('notion', { databaseId, properties });
  } catch (err) {
    if (err instanceof TajoError && err.code === 'read_only') said = err.message;
    else throw err;
  }
  // ----
  expect(said).not.toBe('');
}, 60_000);

test('subscribe, list, unsubscribe; the middleware verifies a delivery signed with signatureHeader', async () => {
  const tajo = new TajoClient({ baseUrl: stack.url, apiKey: process.env.TAJO_API_KEY });
  const endpoint = await tajo.events.subscribe({
    url: 'https://hooks.example.com/tajo',
    types: ['contact.attribute_updated'],
  });
  expect(endpoint.secret).toMatch(/^whsec_/);
  expect(await tajo.events.list()).toEqual([
    {
      id: endpoint.id,
      url: 'https://hooks.example.com/tajo',
      types: ['contact.attribute_updated'],
      createdAt: expect.any(String),
    },
  ]);
  expect(await tajo.events.unsubscribe(endpoint.id)).toEqual({ deleted: true });
  expect(await tajo.events.list()).toEqual([]);

  const seen: string[] = [];
  tajo.events.on('contact.created', (event) => {
    seen.push(event.contact.email);
  });
  const server: Server = createServer(tajo.events.middleware());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const secret = endpoint.secret;
    // ---- docs/sdk.md, Testing your own handlers
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'contact.created',
      createdAt: new Date().toISOString(),
      tenantId: 't',
      contact: { email: 'a@b.c' },
    });
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'tajo-signature': signatureHeader(secret, body) },
    });
    // ----
    expect(res.status).toBe(200);
    expect(seen).toEqual(['a@b.c']);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
