/**
 * product-docs.md §1 (Notion) and §2 (Slack): the SDK examples exactly as printed, placeholders
 * replaced (abc123def456 → the sandbox Customers database, ghi789jkl012 → its Leads database,
 * targetList 25 → the sandbox list: npm start prints these; the sandbox's Customers has the docs'
 * `Status` select and `Last Contact` date), against the local stack that `npm start` runs with its own
 * sandbox config (the tenant connected from it: the examples' token-only connects keep its
 * databases and channels). `sales` is the sandbox workspace's channel of that name. The config's
 * own Leads rule is left out, so the Leads page the test finds is the one the docs' handler made.
 * Every call the client makes is recorded: the examples' HTTP calls are asserted one by one.
 */
import type { LocalStack } from '../../local/stack';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_DATABASE_ID,
  SANDBOX_LEADS_DATABASE_ID,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_SIGNING_SECRET,
  SANDBOX_SLACK_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
} from '../../sandbox/sandbox';
import { type Listener, TajoClient, type TajoEvent } from '../../sdk/src';
import { contactUpdated } from '../notifications/fixtures';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

const ROWS = 30;
let sandbox: SandboxStack;
let stack: LocalStack;
let listener: Listener | undefined;
const saved = { ...process.env };
const realFetch = globalThis.fetch;
/** The client's calls to the API, `METHOD /path → status`, and the answers' bodies. */
let calls: { line: string; body: unknown }[] = [];

beforeAll(async () => {
  const configYaml = sandboxConfigYaml().replace(/ {4}rules:\n[\s\S]*?(?= {2}slack:\n)/, '');
  expect(configYaml).not.toContain('converted-leads');
  sandbox = await startSandboxStack({ sandboxRows: ROWS, configYaml });
  stack = sandbox.stack;
  Object.assign(process.env, {
    TAJO_API_URL: stack.url,
    TAJO_API_KEY: stack.apiKey,
    BREVO_API_KEY: SANDBOX_BREVO_KEY,
    NOTION_TOKEN: SANDBOX_NOTION_TOKEN,
    SLACK_BOT_TOKEN: SANDBOX_SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SANDBOX_SLACK_SIGNING_SECRET,
  });
  delete process.env.TAJO_TENANT;
  const api = new URL(stack.url).origin;
  globalThis.fetch = async (input, init) => {
    const res = await realFetch(input, init);
    const url = new URL(String(input));
    if (url.origin === api) {
      const body = res.headers.get('content-type')?.includes('json') ? await res.clone().json() : undefined;
      calls.push({ line: `${init?.method ?? 'GET'} ${url.pathname} → ${res.status}`, body });
    }
    return res;
  };
}, 60_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  await listener?.close();
  await sandbox?.stop();
  process.env = saved;
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 50_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('§1 Notion: connect, sync, status, query, and the event handler that creates a Leads page', async () => {
  const targetList = stack.sandbox?.brevo.lists().find((l) => l.name === SANDBOX_LIST)?.id as number;
  const t = `/tenants/${stack.tenantId}`;
  calls = [];
  // ---- as printed (placeholders replaced)
  const tajo = new TajoClient({ apiKey: process.env.TAJO_API_KEY, brevoApiKey: process.env.BREVO_API_KEY });
  await tajo.connectors.connect('notion', { token: process.env.NOTION_TOKEN });
  await tajo.connectors.sync('notion', {
    type: 'full',
    resources: ['databases'],
    databaseId: SANDBOX_DATABASE_ID,
    targetList,
  });
  const status = await tajo.connectors.status('notion');
  // { connected: true, lastSync: '2024-03-15T14:30:00Z', databasesSynced: 2, pagesTracked: 1450, usersCount: 32 }
  const results = await tajo.connectors.query('notion', {
    databaseId: SANDBOX_DATABASE_ID,
    filter: { property: 'Status', select: { equals: 'Active' } },
    sorts: [{ property: 'Last Contact', direction: 'descending' }],
  });
  tajo.events.on('contact.attribute_updated', async (event) => {
    if (event.attribute === 'LIFECYCLE_STAGE' && event.value === 'customer') {
      await tajo.connectors.create('notion', {
        databaseId: SANDBOX_LEADS_DATABASE_ID,
        properties: {
          Name: { title: [{ text: { content: event.contact.name } }] },
          Email: { email: event.contact.email },
          'Converted Date': { date: { start: new Date().toISOString() } },
        },
      });
    }
  });
  // ---- end of the printed example

  // Seven calls: the tenant of the key, its Brevo key already there (not sent again), connect,
  // sync, status, query; on() is local.
  expect(calls.map((c) => c.line)).toEqual([
    'GET /me → 200',
    `GET ${t}/connections → 200`,
    `PUT ${t}/connections/notion → 200`,
    `POST ${t}/connections/notion/sync → 202`,
    `GET ${t}/connections/notion/status → 200`,
    `POST ${t}/connections/notion/query → 200`,
  ]);
  expect(calls[2]?.body).toMatchObject({ connected: true, databases: 1 });
  expect(status).toMatchObject({ connector: 'notion', connected: true });

  // The docs' filter and sorts as Notion reads them: the Active customers, the latest contact first.
  expect(results.hasMore).toBe(false);
  const rows = results.results.map(
    (p) => p.properties as Record<string, Record<string, { name?: string; start?: string }>>,
  );
  const active = Array.from({ length: ROWS }, (_, i) => sandboxRow(i)).filter((r) => r.Status === 'Active');
  expect(active.length).toBeGreaterThan(1);
  expect(rows.map((p) => [p.Status?.select?.name, p['Last Contact']?.date?.start])).toEqual(
    active
      .map((r) => ['Active', r['Last Contact'] as string])
      .sort((a, b) => (b[1] as string).localeCompare(a[1] as string)),
  );
  // A filter that does not fit the property's type (status on a Select): Notion's 400, passed on whole.
  const refused = await tajo.connectors
    .query('notion', { databaseId: SANDBOX_DATABASE_ID, filter: { property: 'Status', status: { equals: 'Active' } } })
    .catch((e: unknown) => e);
  expect(refused).toMatchObject({
    status: 400,
    message: expect.stringContaining('database property select does not match filter status'),
  });

  // The run the example queued, waited for: succeeded with its counts; the status then says so.
  const runId = (calls[3]?.body as { runId: string } | undefined)?.runId as string;
  const run = await tajo.connectors.wait('notion', runId);
  expect(run).toMatchObject({ runId, status: 'succeeded', mode: 'full', trigger: 'api' });
  expect(run.summary).toMatchObject({ pagesRead: ROWS, failed: 0 });
  expect(run.summary.upserted + run.summary.unchanged).toBe(ROWS);
  const after = await tajo.connectors.status('notion');
  expect(after).toMatchObject({ connected: true, databasesSynced: 1, pagesTracked: ROWS });
  expect(Date.parse(after.lastSync as string)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
  expect(after.usersCount).toBeGreaterThanOrEqual(0);

  // What a developer running it locally adds: a server the service delivers to (one call: subscribe).
  const received: TajoEvent<'contact.attribute_updated'>[] = [];
  tajo.events.on('contact.attribute_updated', (event) => {
    received.push(event);
  });
  calls = [];
  listener = await tajo.events.listen();
  expect(calls.map((c) => c.line)).toEqual([`POST ${t}/event-endpoints → 201`]);
  calls = [];
  const email = 'converted@example.com';
  const brevoWebhook = await realFetch(`${stack.url}/webhooks/brevo/${stack.tenantId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      contactUpdated({ email, content: [{ FIRSTNAME: 'Conv', LIFECYCLE_STAGE: 'customer' }], api_key_name: '' }),
    ),
  });
  expect(brevoWebhook.status).toBeLessThan(300);
  // The handler's one call: the page, 201.
  await until("the handler's call", () => (calls.length > 0 ? true : undefined));
  expect(calls.map((c) => c.line)).toEqual([`POST ${t}/connections/notion/pages → 201`]);
  const leads = await tajo.connectors.query('notion', {
    databaseId: SANDBOX_LEADS_DATABASE_ID,
    filter: { property: 'Email', email: { equals: email } },
  });
  expect(leads.results).toHaveLength(1);
  expect(leads.results[0]?.properties.Name).toMatchObject({ title: [{ plain_text: 'Conv' }] });
  expect(leads.results[0]?.properties['Converted Date']).toMatchObject({ date: { start: expect.any(String) } });
  const stage = received.find((e) => e.attribute === 'LIFECYCLE_STAGE');
  expect(stage).toMatchObject({
    type: 'contact.attribute_updated',
    tenantId: stack.tenantId,
    contact: { email, name: 'Conv' },
    attribute: 'LIFECYCLE_STAGE',
    value: 'customer',
  });
}, 120_000);

test('§2 Slack: connect, then the order notification with its Block Kit template', async () => {
  const tajo = new TajoClient({ apiKey: process.env.TAJO_API_KEY, brevoApiKey: process.env.BREVO_API_KEY });
  const t = `/tenants/${stack.tenantId}`;
  calls = [];
  // ---- as printed
  await tajo.connectors.connect('slack', {
    botToken: process.env.SLACK_BOT_TOKEN,
    signingSecret: process.env.SLACK_SIGNING_SECRET,
  });
  await tajo.slack.notify({
    channel: 'sales',
    event: 'order_placed',
    data: {
      customerEmail: 'jane@example.com',
      orderValue: '$1,250.00',
      products: ['Premium Widget', 'Pro Service'],
      isFirstOrder: true,
    },
    template: {
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'New High-Value Order' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Customer:*\njane@example.com' },
            { type: 'mrkdwn', text: '*Amount:*\n$1,250.00' },
          ],
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'View in Brevo' },
              url: 'https://app.brevo.com/contacts',
            },
          ],
        },
      ],
    },
  });
  // ---- end of the printed example
  expect(calls.map((c) => c.line)).toEqual([
    'GET /me → 200',
    `GET ${t}/connections → 200`,
    `PUT ${t}/connections/slack → 200`,
    `POST ${t}/slack/notify → 202`,
  ]);
  const answer = calls[3]?.body as { channel: string; notificationId: string };
  // `sales` is no alias of the connection's channels: the workspace's channel of that name.
  expect(answer.channel).toBe('C0SALES');
  const posted = await until('the post in #sales', () =>
    stack.sandbox?.slack?.messages(answer.channel).find((m) => m.text === 'New High-Value Order'),
  );
  expect(posted.blocks?.[1]).toEqual({
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Customer:*\njane@example.com' },
      { type: 'mrkdwn', text: '*Amount:*\n$1,250.00' },
    ],
  });
}, 90_000);
