/**
 * The Notion → Brevo sync end to end in process: the real engine and clients against the Notion
 * and Brevo simulators, with state in dynalite.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, SANDBOX_LIST, sandboxConfigYaml, sandboxRow, seedSandbox } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import { runStep, runToCompletion, startRun } from '../../shared/connectors/notion/sync/database-sync';
import type { SyncOptions } from '../../shared/connectors/notion/sync/sync-context';
import { ConfigError, ProviderError } from '../../shared/core/errors';
import { DEFAULT_RETRY_POLICY } from '../../shared/core/http/retry-policy';
import { type Clock, systemClock } from '../../shared/core/ports';
import { expectCountsAddUp } from '../support/counts';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const T0 = Date.parse('2026-11-22T09:00:30.000Z');

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  simClock: SimClock;
  store: DynamoRepositories;
  db: { client: DynamoDBClient; table: string };
  /** The engine's clock, shared by the runs of a test so run ids sort by start as they do in life. */
  clock: VirtualClock;
  token: string;
  apiKey: string;
  pageIds: string[];
  dataSourceId: string;
}

let current: Env | undefined;

async function setup(opts: {
  rows: number;
  queryCap?: number;
  notionRateLimit?: boolean;
  stepMs?: number;
  /** Brevo's documented limits enforced by the simulator (off by default for speed). */
  brevoLimits?: boolean;
}): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const simClock = new SimClock();
  simClock.set(T0);
  const notion = new NotionSimulator({
    tokens: [token],
    rateLimit: opts.notionRateLimit ? { perSecond: 3, burst: 3 } : false,
    queryCap: opts.queryCap,
    clock: simClock,
  });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: opts.brevoLimits ? {} : false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  const seeded = seedSandbox(notion, brevo, { rows: opts.rows, stepMs: opts.stepMs, now: T0 });
  const { store, client, table } = await freshStore();
  const env: Env = {
    notion,
    brevo,
    simClock,
    store,
    db: { client, table },
    clock: new VirtualClock(),
    token,
    apiKey,
    pageIds: seeded.pageIds,
    dataSourceId: seeded.dataSourceId,
  };
  current = env;
  return env;
}

function context(
  env: Env,
  over: { clock?: Clock; options?: Partial<SyncOptions>; yaml?: string; token?: string } = {},
) {
  const config = parseConfig(over.yaml ?? sandboxConfigYaml(), {});
  const { token: _t, ...settings } = config.connectors.notion!;
  return buildNotionContext({
    tenantId: 'acme',
    settings,
    notionToken: over.token ?? env.token,
    brevoApiKey: env.apiKey,
    cursors: env.store,
    runs: env.store,
    clock: over.clock ?? env.clock,
    endpoints: { notionBaseUrl: env.notion.baseUrl, brevoBaseUrl: env.brevo.baseUrl },
    options: { importFirstPollMs: 10, ...over.options },
  });
}

function listId(env: Env): number {
  const list = env.brevo.lists().find((l) => l.name === SANDBOX_LIST);
  if (!list) throw new Error('sandbox list missing');
  return list.id;
}

afterEach(async () => {
  const env = current;
  current = undefined;
  await Promise.all([env?.notion.stop(), env?.brevo.stop()]);
  // Every run a test left, finished or failed at a checkpoint, adds up (shared/core/runs/counts.ts).
  for (const run of (await env?.store.listRuns('acme', 'notion', 100)) ?? []) {
    if (run.status !== 'running') expectCountsAddUp(run.summary);
  }
});

test('a full sync writes every row with values typed as the Brevo attributes and fills the list', async () => {
  const env = await setup({ rows: 120 });
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });

  expect(run.status).toBe('succeeded');
  expect(run.summary).toMatchObject({
    mode: 'full',
    pagesRead: 120,
    upserted: 120,
    unchanged: 0,
    failed: 0,
    removed: 0,
  });
  const row = sandboxRow(7);
  const contact = env.brevo.getContact(row.Email as string);
  expect(contact?.attributes).toMatchObject({
    FIRSTNAME: row.Name,
    COMPANY: 'Company 7',
    PLAN: 'Pro',
    INTERESTS: ['newsletter', 'product', 'events'],
    SIGNUP_DATE: '2026-08-08',
    SMS: '+33610000007',
    NEWSLETTER: true,
    SEATS: 8,
    CUSTOMER_ID: 'CUS-8',
    LIFECYCLE_STAGE: 'Active',
  });
  expect(env.brevo.listMembers(listId(env))).toHaveLength(120);
  expect(env.brevo.ignoredAttributeValues).toEqual([]);
  expect(env.brevo.deprecatedBatchCalls).toBe(0);
  // One import for the chunk, no per-contact writes.
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(1);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(0);
});

test('the next run is incremental: unchanged rows are not rewritten and it costs few Notion requests', async () => {
  const env = await setup({ rows: 150 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  env.notion.resetStats();
  env.brevo.resetStats();

  const run = await runToCompletion(context(env), { mode: 'incremental', trigger: 'cli' });
  expect(run.summary.upserted).toBe(0);
  expect(run.summary.notionRequests).toBeLessThanOrEqual(3);
  expect(env.notion.stats().requests).toBe(run.summary.notionRequests);
  expect(run.summary.pagesRead).toBeLessThan(10); // only the overlap window is re-read
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(0);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(0);
});

test('an edit in the same minute as the last synced row is not missed', async () => {
  const env = await setup({ rows: 30 });
  const last = env.pageIds[29] as string;
  const minute = env.notion.getPage(last).last_edited_time as string;
  // The first sync runs while the newest row's minute is still the current minute...
  env.simClock.set(Date.parse(minute) + 10_000);
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  // ...and this edit, 30 s later, gets the same minute-rounded last_edited_time.
  env.simClock.set(Date.parse(minute) + 40_000);
  env.notion.updatePage(last, { Company: 'Renamed Inc' });
  expect(env.notion.getPage(last).last_edited_time).toBe(minute);

  const run = await runToCompletion(context(env), { mode: 'incremental', trigger: 'cli' });
  expect(run.summary.upserted).toBe(1);
  expect(env.brevo.getContact(sandboxRow(29).Email as string)?.attributes.COMPANY).toBe('Renamed Inc');
});

test('trashed rows leave the list; restored rows come back', async () => {
  const env = await setup({ rows: 40 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  const gone = env.pageIds[3] as string;
  env.notion.trashPage(gone);
  env.simClock.advance(60_000);

  const run = await runToCompletion(context(env), { mode: 'incremental', trigger: 'cli' });
  expect(run.summary.removed).toBe(1);
  const members = env.brevo.listMembers(listId(env));
  expect(members).toHaveLength(39);
  expect(members).not.toContain(sandboxRow(3).Email);

  env.notion.restorePage(gone);
  env.notion.updatePage(gone, {});
  const again = await runToCompletion(context(env), { mode: 'incremental', trigger: 'cli' });
  expect(again.summary.upserted).toBe(1);
  expect(env.brevo.listMembers(listId(env))).toContain(sandboxRow(3).Email);
});

test('a full run removes rows that vanished (deleted or no longer returned)', async () => {
  const env = await setup({ rows: 25 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  env.notion.deletePage(env.pageIds[0] as string);
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(run.summary).toMatchObject({ removed: 1, unchanged: 24, upserted: 0 });
  expect(env.brevo.listMembers(listId(env))).not.toContain(sandboxRow(0).Email);
});

// Issue 10: a bad phone used to fail its row; now only the phone is left out (a field error).
test('rows that cannot sync are reported per row and the others sync; a bad value alone is a field error', async () => {
  const env = await setup({ rows: 30 });
  env.notion.updatePage(env.pageIds[2] as string, { Email: 'not-an-email' });
  env.notion.updatePage(env.pageIds[4] as string, { Email: null });
  env.notion.updatePage(env.pageIds[6] as string, { Phone: 'call me' });
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(run.status).toBe('succeeded');
  expect(run.summary.failed).toBe(2);
  expect(run.summary.upserted).toBe(28);
  expect(run.summary.fieldErrors).toBe(1);
  expect(run.summary.errors.find((e) => e.pageId === env.pageIds[6])).toMatchObject({
    kind: 'field',
    attribute: 'SMS',
  });
  expect(env.brevo.listMembers(listId(env))).toContain(sandboxRow(6).Email);
  const reasons = run.summary.errors.map((e) => `${e.pageId}|${e.property}|${e.reason}`);
  expect(reasons).toEqual(
    expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${env.pageIds[2]}\\|Email\\|invalid email address`)),
      expect.stringMatching(new RegExp(`^${env.pageIds[4]}\\|Email\\|no email value`)),
      expect.stringMatching(new RegExp(`^${env.pageIds[6]}\\|Phone\\|SMS: invalid phone number`)),
    ]),
  );
});

test('a query cut by the row cap is continued in windows until every row is read', async () => {
  const env = await setup({ rows: 130, queryCap: 25 });
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(run.summary.pagesRead).toBe(130);
  expect(run.summary.upserted).toBe(130);
  expect(env.brevo.listMembers(listId(env))).toHaveLength(130);
});

test('more rows than the cap edited in one minute are read by created_time windows', async () => {
  const env = await setup({ rows: 0, queryCap: 20 });
  // 70 rows created over 70 minutes, all last edited in the same minute (a bulk update).
  env.notion.addPages(
    env.dataSourceId,
    Array.from({ length: 70 }, (_, i) => ({
      properties: sandboxRow(i),
      createdTime: T0 - (100 - i) * 60_000,
      lastEditedTime: T0,
    })),
  );
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(run.summary.pagesRead).toBe(70);
  expect(run.summary.upserted).toBe(70);
  expect(env.brevo.listMembers(listId(env))).toHaveLength(70);
});

test('API 2022-06-28 reads through the database endpoints', async () => {
  const env = await setup({ rows: 20 });
  const yaml = sandboxConfigYaml().replace('api_version: "2025-09-03"', 'api_version: "2022-06-28"');
  const run = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' });
  expect(run.summary.upserted).toBe(20);
  expect(env.notion.log.count({ route: 'POST /v1/databases/:database_id/query' })).toBeGreaterThan(0);
  expect(env.notion.log.count({ route: 'POST /v1/data_sources/:data_source_id/query' })).toBe(0);
});

test('errors a person can act on: bad token, missing capability, database not shared, missing property', async () => {
  const env = await setup({ rows: 5 });
  await expect(
    runToCompletion(context(env, { token: 'secret_wrong' }), { mode: 'full', trigger: 'cli' }),
  ).rejects.toThrow(/Notion rejected the token \(401/);
  env.notion.failNext(1, { status: 403, code: 'restricted_resource', message: 'Insufficient permissions' });
  await expect(runToCompletion(context(env), { mode: 'full', trigger: 'cli' })).rejects.toThrow(
    /Notion refused access to database .* \(403 restricted_resource\): give the integration the missing capability/,
  );
  env.notion.unshareDatabase(SANDBOX_DATABASE_ID);
  await expect(runToCompletion(context(env), { mode: 'full', trigger: 'cli' })).rejects.toThrow(
    /share it with the integration/,
  );
  env.notion.shareDatabase(SANDBOX_DATABASE_ID);
  const yaml = sandboxConfigYaml().replace('"Company":', '"Compny":');
  const err = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' }).catch((e) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toMatch(/field_mapping\.Compny: database "Customers" has no property "Compny"/);
  // Nothing was written by the refused runs.
  expect(env.brevo.contacts()).toHaveLength(0);
  const runs = await env.store.listRuns('acme', 'notion', 10);
  expect(runs.every((r) => r.status === 'failed' && r.error)).toBe(true);
});

test('a step stopped by its deadline leaves a checkpoint the next step resumes from', async () => {
  const env = await setup({ rows: 450 });
  const clock = new VirtualClock();
  const ctx = context(env, { clock, options: { flushRows: 100, stepReserveMs: 0 } });
  let run = await startRun(ctx, { mode: 'full', trigger: 'api' });
  // Enough time for the prepare calls and about two query pages.
  run = await runStep(ctx, run, clock.now() + 5 * 334);
  expect(run.status).toBe('running');
  const partial = run.summary.upserted;
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(450);
  // The next invocation reads the run record back, as the lane worker does.
  let steps = 1;
  while (run.status === 'running') {
    const stored = await env.store.getRun('acme', 'notion', run.runId);
    run = await runStep(ctx, stored!, clock.now() + 5 * 334);
    steps += 1;
  }
  expect(steps).toBeGreaterThanOrEqual(2);
  expect(run.summary.pagesRead).toBe(450);
  expect(run.summary.upserted).toBe(450);
  expect(env.brevo.listMembers(listId(env))).toHaveLength(450);
});

test('a running step records its progress every few seconds for pollers, storing only committed counts', async () => {
  const env = await setup({ rows: 1000 });
  const clock = new VirtualClock();
  // One flush at the end: until then the summary (and checkpoint) in the record stay as committed.
  const ctx = context(env, { clock, options: { flushRows: 10_000, progressEveryMs: 1_000 } });
  const seen: { progress?: { pagesRead: number; source?: string }; pagesRead: number; status: string }[] = [];
  const putRun = env.store.putRun.bind(env.store);
  ctx.runs = {
    ...env.store,
    getRun: env.store.getRun.bind(env.store),
    listRuns: env.store.listRuns.bind(env.store),
    putRun: async (r) => {
      seen.push({ progress: r.progress, pagesRead: r.summary.pagesRead, status: r.status });
      await putRun(r);
    },
  } as typeof env.store;
  const run = await runToCompletion(ctx, { mode: 'full', trigger: 'api' });
  const moving = seen.filter((r) => r.status === 'running' && r.progress);
  expect(moving.length).toBeGreaterThanOrEqual(2);
  const reads = moving.map((r) => r.progress?.pagesRead ?? 0);
  expect(reads).toEqual([...reads].sort((a, b) => a - b));
  expect(reads.at(-1)).toBeGreaterThan(reads[0] as number);
  expect(moving[0]?.progress?.source).toBe('Customers');
  // The stored summary is the committed one (0 rows before the first flush), never the live count.
  expect(moving.filter((r) => r.pagesRead === 0).length).toBeGreaterThan(0);
  // Finished: no progress left in the record; the summary holds the counts.
  expect(run.progress).toBeUndefined();
  expect(run.summary.pagesRead).toBe(1000);
});

test('the cursor does not advance past rows Brevo did not accept', async () => {
  const env = await setup({ rows: 250 });
  const ctx = context(env, { options: { flushRows: 100 } });
  let flushes = 0;
  ctx.onProgress = (e) => {
    // The second chunk's import fails on every attempt the retry policy makes (issue 12: one 500 is absorbed).
    if (e.type === 'flush' && ++flushes === 2)
      env.brevo.failNext(DEFAULT_RETRY_POLICY.maxAttempts, {
        status: 500,
        body: { code: 'internal_error', message: 'boom' },
      });
  };
  await expect(runToCompletion(ctx, { mode: 'full', trigger: 'cli' })).rejects.toBeInstanceOf(ProviderError);
  expect(env.brevo.contacts()).toHaveLength(100);
  const failed = (await env.store.listRuns('acme', 'notion', 1))[0];
  expect(failed?.status).toBe('failed');
  expect(failed?.error).toMatch(/Brevo error on contact import \(500/);

  const run = await runToCompletion(context(env), { mode: 'incremental', trigger: 'cli' });
  expect(run.summary.upserted).toBe(150);
  expect(env.brevo.listMembers(listId(env))).toHaveLength(250);
});

test('Notion is paced under 3 req/s: zero 429s from a simulator enforcing the limit', async () => {
  const env = await setup({ rows: 650, notionRateLimit: true });
  env.simClock.unfreeze(); // the simulator's token bucket refills in real time
  const run = await runToCompletion(context(env, { clock: systemClock }), { mode: 'full', trigger: 'cli' });
  expect(run.summary.pagesRead).toBe(650);
  expect(env.notion.stats().rateLimited).toBe(0);
  expect(run.summary.rateLimited).toBe(0);
});

test('a 429 with Retry-After pauses the lane and the sync still completes', async () => {
  const env = await setup({ rows: 120 });
  env.notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 2 });
  const clock = new VirtualClock();
  const run = await runToCompletion(context(env, { clock }), { mode: 'full', trigger: 'cli' });
  expect(run.summary.rateLimited).toBe(1);
  expect(run.summary.upserted).toBe(120);
  expect(clock.slept).toBeGreaterThanOrEqual(2000);
});

test('a relation past the 25-reference cut is read in full through the property endpoint', async () => {
  const env = await setup({ rows: 0 });
  const accounts = env.notion.addDatabase({ title: 'Accounts', properties: { Name: { type: 'title' } } });
  const accountIds = env.notion
    .addPages(
      accounts.dataSources[0]!.id,
      Array.from({ length: 40 }, (_, i) => ({ properties: { Name: `Account ${i}` } })),
    )
    .map((p) => p.id);
  const people = env.notion.addDatabase({
    id: '2f0c5e3a9b2d4c6e8f7a1b2c3d4e5f61',
    title: 'People',
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      Accounts: { type: 'relation', relation: { dataSourceId: accounts.dataSources[0]!.id } },
    },
  });
  env.notion.addPage(people.dataSources[0]!.id, {
    properties: { Name: 'Rel Ation', Email: 'rel@example.com', Accounts: accountIds },
  });
  env.brevo.addAttribute({ name: 'ACCOUNTS', category: 'normal', type: 'text' });
  const yaml = `brevo: { api_key: x }
connectors:
  notion:
    token: x
    databases:
      - id: "${people.id}"
        sync_to_list: People
        field_mapping:
          Email: { type: email, target: email }
          Accounts: { type: relation, target: ACCOUNTS }
`;
  const run = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' });
  expect(run.summary.upserted).toBe(1);
  const value = env.brevo.getContact('rel@example.com')?.attributes.ACCOUNTS as string;
  expect(value.split(', ')).toHaveLength(40);
  expect(value.split(', ')).toEqual(accountIds);
  expect(env.notion.log.count({ route: 'GET /v1/pages/:page_id/properties/:property_id' })).toBeGreaterThan(0);
});

test('sync.databases: false reads nothing and says so', async () => {
  const env = await setup({ rows: 10 });
  const yaml = sandboxConfigYaml().replace('      databases: true', '      databases: false');
  const run = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' });
  expect(run.status).toBe('succeeded');
  expect(run.summary.warnings).toContain('sync.databases is off: no database was read');
  expect(env.notion.stats().requests).toBe(0);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('finished run records carry a TTL; running ones do not', async () => {
  const env = await setup({ rows: 5 });
  const ctx = context(env);
  const started = await startRun(ctx, { mode: 'full', trigger: 'api' });
  const { client, table } = env.db;
  const raw = async (runId: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'T#acme' }, sk: { S: `RUN#notion#${runId}` } } }),
      )
    ).Item;
  expect((await raw(started.runId))?.ttl).toBeUndefined();
  const done = await runStep(ctx, started, Number.POSITIVE_INFINITY);
  const ttl = Number((await raw(done.runId))?.ttl?.N);
  expect(ttl).toBeGreaterThan(Date.parse(done.finishedAt!) / 1000 + 89 * 86_400);
  expect(
    (await env.store.getRun('acme', 'notion', done.runId)) as unknown as Record<string, unknown>,
  ).not.toHaveProperty('ttl');
});

test('a database with two data sources syncs both into its list', async () => {
  const env = await setup({ rows: 30 });
  const db = env.notion.addDataSource(SANDBOX_DATABASE_ID, {
    name: 'Partners',
    properties: { Name: { type: 'title' }, Email: { type: 'email' }, Company: { type: 'rich_text' } },
  });
  env.notion.addPages(
    db.id,
    Array.from({ length: 12 }, (_, i) => ({
      properties: { Name: `Partner ${i}`, Email: `partner${i}@example.com`, Company: 'P' },
    })),
  );
  const yaml = sandboxConfigYaml().replace(
    / {10}"(Name|Plan|Interests|Signup date|Phone|Newsletter|Seats|Customer ID|Status)":.*\n/g,
    '',
  );
  const run = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' });
  expect(run.summary).toMatchObject({ pagesRead: 42, upserted: 42, failed: 0 });
  expect(env.brevo.listMembers(listId(env))).toHaveLength(42);
  expect(env.brevo.getContact('partner3@example.com')?.attributes.COMPANY).toBe('P');
});

test('Brevo is paced under 10 req/s: upserts against a simulator enforcing the limit get no 429', async () => {
  const env = await setup({ rows: 40, brevoLimits: true });
  await runToCompletion(context(env, { clock: systemClock }), { mode: 'full', trigger: 'cli' });
  // 20 edits: written one by one (upsert), the path that makes the most Brevo calls per row.
  for (const id of env.pageIds.slice(0, 20)) env.notion.updatePage(id, { Company: 'Paced Co' });
  env.brevo.resetStats();
  const run = await runToCompletion(context(env, { clock: systemClock }), { mode: 'incremental', trigger: 'cli' });
  expect(run.summary.upserted).toBe(20);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(20);
  expect(env.brevo.stats().rateLimited).toBe(0);
  expect(run.summary.rateLimited).toBe(0);
});

test('a full run keeps a row that fails this time in the list (only vanished rows leave)', async () => {
  const env = await setup({ rows: 30 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  env.notion.updatePage(env.pageIds[2] as string, { Email: 'no email here' });
  const run = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(run.summary).toMatchObject({ failed: 1, removed: 0 });
  expect(env.brevo.listMembers(listId(env))).toContain(sandboxRow(2).Email);
});

test('a database moved to another list leaves the old one', async () => {
  const env = await setup({ rows: 20 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  const oldList = listId(env);
  const yaml = sandboxConfigYaml().replace(`sync_to_list: ${SANDBOX_LIST}`, 'sync_to_list: VIP customers');
  const run = await runToCompletion(context(env, { yaml }), { mode: 'full', trigger: 'cli' });
  expect(run.summary.upserted).toBe(20);
  const vip = env.brevo.lists().find((l) => l.name === 'VIP customers')!;
  expect(env.brevo.listMembers(vip.id)).toHaveLength(20);
  expect(env.brevo.listMembers(oldList)).toHaveLength(0);
});

test('a failed step does not count its rows twice when the run is retried', async () => {
  const env = await setup({ rows: 150 });
  const ctx = context(env);
  let run = await startRun(ctx, { mode: 'full', trigger: 'api' });
  // The import of the step's rows fails on every attempt (one 500 would be absorbed): the step fails after reading them.
  ctx.onProgress = (e) => {
    if (e.type === 'flush')
      env.brevo.failNext(DEFAULT_RETRY_POLICY.maxAttempts, {
        status: 500,
        body: { code: 'internal_error', message: 'boom' },
      });
  };
  await expect(runStep(ctx, run, Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(ProviderError);
  const stored = (await env.store.getRun('acme', 'notion', run.runId))!;
  expect(stored.summary.pagesRead).toBe(0); // the 150 rows read will be read again
  expect(stored.summary.notionRequests).toBeGreaterThan(0); // the calls made still count
  ctx.onProgress = undefined;
  run = await runStep(ctx, stored, Number.POSITIVE_INFINITY);
  expect(run.summary).toMatchObject({ pagesRead: 150, upserted: 150 });
});

test('a full run keeps rows Brevo refused this time in the list', async () => {
  const env = await setup({ rows: 10 });
  await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  // Two rows change; Brevo refuses one of the upserts (400) this time.
  env.notion.updatePage(env.pageIds[1] as string, { Company: 'Changed A' });
  env.notion.updatePage(env.pageIds[2] as string, { Company: 'Changed B' });
  const ctx = context(env);
  ctx.onProgress = (e) => {
    if (e.type === 'flush')
      env.brevo.failNext(1, { status: 400, body: { code: 'invalid_parameter', message: 'nope' } });
  };
  const run = await runToCompletion(ctx, { mode: 'full', trigger: 'cli' });
  expect(run.summary).toMatchObject({ upserted: 1, failed: 1, removed: 0 });
  expect(env.brevo.listMembers(listId(env))).toHaveLength(10);
  // The refused row is written by the next full run.
  const next = await runToCompletion(context(env), { mode: 'full', trigger: 'cli' });
  expect(next.summary).toMatchObject({ upserted: 1, removed: 0 });
});
