/**
 * The product docs' §1 Notion examples as printed (issue 15, a newcomer's trial): a scoped sync of a
 * database the connection does not configure (default mapping from its schema, into targetList), the
 * docs' field_mapping beside `databases` for a database that lacks one of its properties, a
 * targetList Brevo lacks, a query Notion refuses, and the whole §1 sequence (connect with a token
 * only, scoped sync, status, query). Notion and Brevo simulated; state in dynalite; the lane played
 * message by message through the worker.
 */

import { describeLaneDone } from '../../local/request-log';
import { SANDBOX_DATABASE_ID, SANDBOX_LEADS_DATABASE_ID, sandboxConfigYaml } from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';
import { notionDescriptor } from '../../shared/connectors/notion/descriptor';
import { NOTION_QUERY_ROUTE } from '../../shared/connectors/notion/sdk-api';
import type { NotionStatus } from '../../shared/connectors/notion/status';
import { printNotionStatus } from '../../shared/connectors/notion/status-lines';
import type { SyncScope } from '../../shared/core/connector';
import type { RunRecord } from '../../shared/core/ports';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { drainLane, type NotionSdkStack, RecordingLane, startNotionSdkStack } from '../support/notion-sdk-stack';

const CUSTOMERS = 12;
/** The docs' field_mapping, beside `databases` (for every database); Leads has no Phone. */
const DOCS_MAPPING = {
  Name: { type: 'title', target: 'FIRSTNAME' },
  Email: { type: 'email', target: 'email' },
  Phone: { type: 'phone_number', target: 'SMS' },
};

let stack: NotionSdkStack;
const lane = new RecordingLane();
let contactsList: number;
let leadsList: number;
/** A database no connection configures: its email is a text property named "E-mail". */
let prospects: string;

beforeAll(async () => {
  stack = await startNotionSdkStack({ rows: CUSTOMERS, lane });
  const db = stack.notion.addDatabase({
    title: 'Prospects',
    properties: { Name: { type: 'title' }, 'E-mail': { type: 'rich_text' }, Company: { type: 'rich_text' } },
  });
  prospects = db.id;
  stack.notion.addPages(db.dataSources[0]?.id as string, [
    { properties: { Name: 'Ada King Lovelace', 'E-mail': 'ada.prospect@example.com', Company: 'Engines' } },
    { properties: { Name: 'Grace', 'E-mail': 'grace.prospect@example.com', Company: 'Navy' } },
    { properties: { Name: 'No Mail', 'E-mail': '', Company: 'Nowhere' } },
  ]);
  contactsList = stack.brevo.addList({ name: 'SDK contacts' }).id;
  leadsList = stack.brevo.addList({ name: 'Leads' }).id;
});

afterAll(() => stack.stop());

type Tenant = { tenantId: string; apiKey: string };

/** The docs' first call: `connectors.connect('notion', { token })`, nothing else in the section. */
async function connectedWithTokenOnly(): Promise<Tenant> {
  const t = await createTenant({ tenants: stack.store, clock: stack.clock }, `t-docs-${Date.now() % 100_000}`);
  expect((await stack.api('PUT', '/tenants/{tenantId}/brevo', t, { apiKey: stack.brevoKey })).status).toBe(200);
  const conn = await stack.api('PUT', '/tenants/{tenantId}/connections/{connector}', t, { token: stack.notionToken });
  expect(conn.status).toBe(200);
  return t;
}

function syncNow(tenantId: string, scope?: SyncScope) {
  const hook = notionDescriptor.connection?.sync;
  if (!hook) throw new Error('Notion has no sync hook');
  return hook(stack.deps, { tenantId, mode: 'full', trigger: 'api', ...(scope ? { scope } : {}) });
}

async function lastRun(tenantId: string): Promise<RunRecord> {
  const [run] = await stack.store.listRuns(tenantId, 'notion', 1, { job: null });
  return run as RunRecord;
}

/**
 * A run failed on a configuration mistake: no checkpoint kept, npm start's log line says it is not
 * resumable (and promises no resume), the status has none.
 */
async function expectNoResumePromised(t: Tenant, startMessage: string, run: RunRecord): Promise<void> {
  expect(run.checkpoint).toBeUndefined();
  const line = await describeLaneDone(startMessage, { run: async () => run, ruleRun: async () => undefined });
  expect(line).toContain('not resumable: change what it says, then sync again');
  expect(line).not.toContain('resumes it');
  const status = await stack.api('GET', '/tenants/{tenantId}/connections/{connector}/status', t);
  expect((status.body as NotionStatus).resume).toBeNull();
}

describe('a scoped sync of a database outside connectors.notion.databases', () => {
  test('syncs with the default mapping from its schema into targetList, says which, and fails rows without an email', async () => {
    const t = await connectedWithTokenOnly();
    await syncNow(t.tenantId, { resources: ['databases'], databaseId: prospects, targetList: contactsList });
    await drainLane(stack, lane);
    const run = await lastRun(t.tenantId);
    expect(run).toMatchObject({ status: 'succeeded', summary: { pagesRead: 3, upserted: 2, failed: 1 } });
    expect(run.summary.warnings).toContain(
      'database "Prospects" is not in connectors.notion.databases: synced with the default mapping read from its schema ' +
        '(Company → COMPANY, E-mail → email, Name → FIRSTNAME/LASTNAME (split)); add it there with a field_mapping to choose the attributes',
    );
    expect(JSON.stringify(run.summary)).toMatch(/no email value: the row has no contact identifier/);
    expect(stack.brevo.listMembers(contactsList).sort()).toEqual([
      'ada.prospect@example.com',
      'grace.prospect@example.com',
    ]);
    expect(stack.brevo.getContact('ada.prospect@example.com')?.attributes).toMatchObject({
      FIRSTNAME: 'Ada King',
      LASTNAME: 'Lovelace',
      COMPANY: 'Engines',
    });
    const grace = stack.brevo.getContact('grace.prospect@example.com')?.attributes ?? {};
    expect(grace.FIRSTNAME).toBe('Grace');
    expect(grace.LASTNAME).toBeUndefined();
    // The status lists it after the config's databases, so its counts add up, and says it is not scheduled.
    const status = (await stack.api('GET', '/tenants/{tenantId}/connections/{connector}/status', t))
      .body as NotionStatus;
    expect(status).toMatchObject({ databasesSynced: 1, pagesTracked: 2 });
    expect(status.databases).toEqual([
      expect.objectContaining({
        id: prospects,
        name: 'Prospects',
        list: contactsList,
        outsideConfig: true,
        pagesTracked: 2,
      }),
    ]);
    const lines: string[] = [];
    printNotionStatus((line) => lines.push(line), status);
    expect(lines).toContain('  1 of 1 database synced, 2 pages tracked');
    expect(lines.find((l) => l.includes('Prospects'))).toMatch(
      /^ {2}database Prospects \(.+\) → list \d+, not in connectors\.notion\.databases: 2 pages, synced up to its edits of .+ \(default mapping; synced when a sync names it, not on the schedule: add it to the config to keep it in step\)$/,
    );
  });

  test('without targetList, or with an id that is not Notion’s, it is refused before anything is queued', async () => {
    const t = await connectedWithTokenOnly();
    const refused = (scope: SyncScope) => syncNow(t.tenantId, scope).catch((e: unknown) => e);
    expect(await refused({ databaseId: prospects })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/is not in connectors\.notion\.databases: give targetList .* default mapping/),
    });
    expect(await refused({ databaseId: 'abc123def456', targetList: contactsList })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/"abc123def456" is not a Notion database id/),
    });
    expect(lane.sent).toEqual([]);
  });

  test('a database with nothing to key a contact fails saying what to add, with nothing to resume', async () => {
    const notes = stack.notion.addDatabase({ title: 'Notes', properties: { Name: { type: 'title' } } });
    stack.notion.addPages(notes.dataSources[0]?.id as string, [{ properties: { Name: 'A note' } }]);
    const t = await connectedWithTokenOnly();
    await syncNow(t.tenantId, { databaseId: notes.id, targetList: contactsList });
    await drainLane(stack, lane);
    const run = await lastRun(t.tenantId);
    expect(run).toMatchObject({ status: 'failed', summary: { upserted: 0 } });
    expect(run.error).toMatch(
      /database "Notes" has no email property \(nor a text property named Email\): add it to connectors\.notion\.databases with a field_mapping/,
    );
    expect(run.checkpoint).toBeUndefined();
  });

  test("the config's publish rule is never applied to a database outside it", async () => {
    const sandbox = parseConfig(sandboxConfigYaml({ newsletter: true }), {
      NOTION_TOKEN: stack.notionToken,
      BREVO_API_KEY: stack.brevoKey,
    }).connectors.notion;
    const newsletters = sandbox?.databases.find((d) => d.publish !== undefined);
    expect(newsletters).toBeDefined();
    const t = await stack.connected(() => ({ databases: [newsletters] }));
    await syncNow(t.tenantId, { databaseId: prospects, targetList: contactsList });
    await drainLane(stack, lane, { publishing: true });
    const run = await lastRun(t.tenantId);
    expect(run.status).toBe('succeeded');
    expect(run.summary.warnings.filter((w) => /publish/i.test(w))).toEqual([]);
    expect(run.summary.publish).toBeUndefined();
  });

  test('a targetList Brevo does not have names the lists it has and where to find them', async () => {
    const t = await connectedWithTokenOnly();
    await syncNow(t.tenantId, { databaseId: prospects, targetList: 99_999 });
    const start = lane.sent.at(-1)?.body as string;
    await drainLane(stack, lane);
    const run = await lastRun(t.tenantId);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('Brevo has no list with id 99999 (targetList): it has ');
    expect(run.error).toContain(`${contactsList} (SDK contacts), ${leadsList} (Leads)`);
    expect(run.error).toContain('Contacts → Lists (GET /v3/contacts/lists)');
    expect(run.summary.upserted).toBe(0);
    // A configuration mistake: the log promises no resume, and the status has none.
    await expectNoResumePromised(t, start, run);
  });
});

describe("the docs' field_mapping beside databases", () => {
  const docsConfig = (leadsMapping?: Record<string, unknown>) =>
    stack.connected((section) => ({
      sync: { databases: true },
      field_mapping: DOCS_MAPPING,
      databases: [
        { id: SANDBOX_DATABASE_ID, name: 'Customers', sync_to_list: contactsList },
        {
          id: SANDBOX_LEADS_DATABASE_ID,
          name: 'Leads',
          sync_to_list: leadsList,
          ...(leadsMapping ? { field_mapping: leadsMapping } : {}),
        },
      ],
      token: section.token,
    }));

  test('a database without one of its properties syncs the others, with one warning', async () => {
    const t = await docsConfig();
    await syncNow(t.tenantId);
    await drainLane(stack, lane);
    const run = await lastRun(t.tenantId);
    expect(run).toMatchObject({ status: 'succeeded', summary: { pagesRead: CUSTOMERS + 3, failed: 0 } });
    const phone = run.summary.warnings.filter((w) => w.includes('"Phone"'));
    expect(phone).toEqual([
      expect.stringMatching(/^database "Leads" has no property "Phone": Phone → SMS is not synced for it \(it has: /),
    ]);
    expect(stack.brevo.listMembers(leadsList)).toHaveLength(3);
    expect(stack.brevo.getContact('ada.lead@example.com')?.attributes.FIRSTNAME).toBe('Ada Lovelace');
  });

  test("a database's own mapping that names a missing property fails saying what to change, and promises no resume", async () => {
    const t = await docsConfig({
      Email: { type: 'email', target: 'email' },
      Phone: { type: 'phone_number', target: 'SMS' },
    });
    await syncNow(t.tenantId);
    const start = lane.sent[0]?.body as string;
    await drainLane(stack, lane);
    const run = await lastRun(t.tenantId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(
      /databases\[1\]\.field_mapping\.Phone: database "Leads" has no property "Phone" \(it has: .*\): rename the entry to one of those, or remove it from this database's field_mapping/,
    );
    // Nothing to resume: the fix is a change of the config, which starts a new run.
    await expectNoResumePromised(t, start, run);
  });
});

describe('a query Notion refuses', () => {
  test('names the data source of the database given, and the properties it has', async () => {
    const t = await stack.connected();
    const res = await stack.api('POST', '/tenants/{tenantId}/connections/notion/query', t, {
      databaseId: SANDBOX_DATABASE_ID,
      sorts: [{ property: 'Last Contacted', direction: 'descending' }],
    });
    expect(NOTION_QUERY_ROUTE).toBe('POST /tenants/{tenantId}/connections/notion/query');
    expect(res.status).toBe(400);
    const error = (res.body as { error: string }).error;
    expect(error).toMatch(
      new RegExp(`query of data source [0-9a-f-]{36} of database ${SANDBOX_DATABASE_ID} \\(400 validation_error\\)`),
    );
    expect(error).toContain('Could not find sort property with name or id: Last Contacted');
    expect(error).toMatch(
      /\(the data source has: Company, Customer ID, Email, Interests, Last Contact, Name, Newsletter, Phone, /,
    );
  });
});

test("the docs' §1 sequence: connect with a token only, scoped sync into a list, status, query", async () => {
  const t = await connectedWithTokenOnly();
  // The SDK's sync call, as the management route takes it.
  const sync = await stack.api('POST', '/tenants/{tenantId}/connections/{connector}/sync', t, {
    type: 'full',
    resources: ['databases'],
    databaseId: SANDBOX_LEADS_DATABASE_ID,
    targetList: leadsList,
  });
  expect(sync.status).toBe(202);
  const queued = sync.body as { queued: boolean; runId: string };
  expect(queued).toMatchObject({ queued: true, runId: expect.any(String) });
  await drainLane(stack, lane);
  const run = await lastRun(t.tenantId);
  expect(run).toMatchObject({ runId: queued.runId, status: 'succeeded', summary: { pagesRead: 3, upserted: 3 } });
  expect(stack.brevo.listMembers(leadsList)).toEqual(
    expect.arrayContaining(['ada.lead@example.com', 'grace.lead@example.com', 'alan.lead@example.com']),
  );
  expect(stack.brevo.getContact('grace.lead@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'Grace',
    LASTNAME: 'Hopper',
  });
  const status = await stack.api('GET', '/tenants/{tenantId}/connections/{connector}/status', t);
  // The database synced outside the config counts in the docs' fields.
  expect(status.body).toMatchObject({ connected: true, lastSync: run.finishedAt, databasesSynced: 1, pagesTracked: 3 });
  const query = await stack.api('POST', '/tenants/{tenantId}/connections/notion/query', t, {
    databaseId: SANDBOX_LEADS_DATABASE_ID,
    filter: { property: 'Status', select: { equals: 'Active' } },
    sorts: [{ property: 'Last Contact', direction: 'descending' }],
  });
  expect(query.status).toBe(200);
  const names = (
    query.body as { results: { properties: { Name: { title: { plain_text: string }[] } } }[] }
  ).results.map((p) => p.properties.Name.title.map((x) => x.plain_text).join(''));
  // The two Active leads, latest contact first (Alan: June, Grace: May).
  expect(names).toEqual(['Alan Turing', 'Grace Hopper']);
});
