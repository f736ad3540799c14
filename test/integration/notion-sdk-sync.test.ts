/**
 * The SDK's `connectors.sync('notion', {resources, databaseId, targetList})` and
 * `connectors.status('notion')` (issue 15): the sync-now hook's scope honoured through the Notion
 * lane (every step of a scoped run reads the one database; its contacts join the target list), and
 * the status fields of the docs computed from the stores after real runs. Notion and Brevo
 * simulated; state in dynalite; the lane played message by message through the worker.
 */
import { SANDBOX_LEADS_DATABASE_ID, sandboxConfigYaml, seedSandboxNewsletter } from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';
import { notionDescriptor } from '../../shared/connectors/notion/descriptor';
import { ParkLane } from '../../shared/connectors/notion/lane';
import { notionStatusAnswerSchema } from '../../shared/connectors/notion/sdk-api';
import type { NotionStatus } from '../../shared/connectors/notion/status';
import { printNotionStatus } from '../../shared/connectors/notion/status-lines';
import type { SyncScope } from '../../shared/core/connector';
import { RequestRefusedError } from '../../shared/core/errors';
import type { RunRecord } from '../../shared/core/ports';
import {
  drainLane as drainStackLane,
  type NotionSdkStack,
  RecordingLane,
  startNotionSdkStack,
} from '../support/notion-sdk-stack';

const CUSTOMERS = 30;
const LEADS = 3;
/** A database with more rows than one query page (100): its run needs a second step when cut short. */
const SIGNUPS = 120;
const SIGNUP_EMAILS = Array.from({ length: SIGNUPS }, (_, i) => `signup.${i}@example.com`);

let stack: NotionSdkStack;
let leadsList: number;
let signupsList: number;
let targetList: number;
let signupsDatabase: string;
const lane = new RecordingLane();

beforeAll(async () => {
  stack = await startNotionSdkStack({ rows: CUSTOMERS, lane });
  const signups = stack.notion.addDatabase({
    title: 'Webinar signups',
    properties: { Name: { type: 'title' }, Email: { type: 'email' } },
  });
  signupsDatabase = signups.id;
  stack.notion.addPages(
    signups.dataSources[0]?.id as string,
    SIGNUP_EMAILS.map((email, i) => ({ properties: { Name: `Signup ${i}`, Email: email } })),
  );
  leadsList = stack.brevo.addList({ name: 'Leads' }).id;
  signupsList = stack.brevo.addList({ name: 'Signups' }).id;
  targetList = stack.brevo.addList({ name: 'Webinar' }).id;
});

afterAll(() => stack.stop());

/** The sandbox's Customers and Leads databases (and Signups), users synced after each whole run. */
function connected(withSignups = false) {
  const mapping = { Email: { type: 'email', target: 'email' }, Name: { type: 'title', target: 'FIRSTNAME' } };
  const leads = { id: SANDBOX_LEADS_DATABASE_ID, name: 'Leads', sync_to_list: leadsList, field_mapping: mapping };
  const signups = { id: signupsDatabase, name: 'Signups', sync_to_list: signupsList, field_mapping: mapping };
  return stack.connected((section) => ({
    sync: { databases: true, users: true },
    databases: [...section.databases, leads, ...(withSignups ? [signups] : [])],
  }));
}

/** Sync now as the API's route calls the hook (the management route passes the SDK's options as scope). */
function syncNow(tenantId: string, scope?: SyncScope, job?: string) {
  const hook = notionDescriptor.connection?.sync;
  if (!hook) throw new Error('Notion has no sync hook');
  return hook(stack.deps, {
    tenantId,
    mode: 'full',
    trigger: 'api',
    ...(scope ? { scope } : {}),
    ...(job ? { job } : {}),
  });
}

/** Plays the lane; the first step gets no time, so a run that has rows goes on in a continuation. */
const drainLane = (opts: { cutFirstStep?: boolean } = {}) => drainStackLane(stack, lane, opts);

async function status(t: { tenantId: string; apiKey: string }): Promise<NotionStatus> {
  const res = await stack.api('GET', '/tenants/{tenantId}/connections/{connector}/status', t);
  expect(res.status).toBe(200);
  // The answer's schema (OpenAPI, the SDK's types) holds for every status the tests read.
  notionStatusAnswerSchema.parse(res.body);
  return res.body as NotionStatus;
}

async function lastRun(tenantId: string): Promise<RunRecord> {
  const [run] = await stack.store.listRuns(tenantId, 'notion', 1, { job: null });
  return run as RunRecord;
}

describe("the lane's steps and the SDK's calls share the integration's schedule", () => {
  test('a schedule held from another process (the API saw a 429) parks the step; it runs once the hold ends', async () => {
    const t = await connected();
    const conn = await stack.store.getConnection(t.tenantId, 'notion');
    await stack.store.holdSlots(t.tenantId, `notion:${conn?.integrationKey}`, stack.clock.now() + 60_000, 3600);
    await syncNow(t.tenantId, { databaseId: SANDBOX_LEADS_DATABASE_ID });
    const step = lane.sent[0];
    const before = stack.notion.stats().requests;
    const parked = await drainLane().catch((e: unknown) => e);
    // Longer than the worker waits in process (20 s): the message is hidden for the rest of the hold.
    expect(parked).toBeInstanceOf(ParkLane);
    expect((parked as ParkLane).delayMs).toBeGreaterThan(20_000);
    expect(stack.notion.stats().requests).toBe(before);
    lane.sent.unshift(step as (typeof lane.sent)[number]);
    stack.clock.advance(60_000);
    await drainLane();
    expect(await lastRun(t.tenantId)).toMatchObject({ status: 'succeeded', summary: { pagesRead: LEADS } });
  });
});

describe('the scope of a sync now', () => {
  test('one database of the config, its contacts in the target list; every step reads that database only', async () => {
    const t = await connected(true);
    const scope = { databaseId: signupsDatabase, targetList };
    const queued = await syncNow(t.tenantId, { resources: ['databases'], ...scope });
    expect(queued).toMatchObject({ queued: true });
    const played = await drainLane({ cutFirstStep: true });
    // The start and its continuation carry the scope; no users sync follows a databases-only run.
    expect(played.map((m) => m.type)).toEqual(['notion.sync.start', 'notion.sync.continue']);
    for (const m of played) expect(m.scope).toEqual(scope);
    const run = await lastRun(t.tenantId);
    expect(run).toMatchObject({ runId: queued.runId, status: 'succeeded', summary: { pagesRead: SIGNUPS, failed: 0 } });
    // The target list has the run's contacts, and they joined their configured list as well.
    expect(stack.brevo.listMembers(targetList).sort()).toEqual([...SIGNUP_EMAILS].sort());
    expect(stack.brevo.listMembers(signupsList).sort()).toEqual([...SIGNUP_EMAILS].sort());
    const s = await status(t);
    expect(s.databases.map((d) => [d.name, d.pagesTracked])).toEqual([
      ['Customers', 0],
      ['Leads', 0],
      ['Signups', SIGNUPS],
    ]);
  });

  test('a database not in the config, or resources other than databases | users, are refused before anything is queued', async () => {
    const t = await connected();
    const refused = (scope: SyncScope, job?: string) => syncNow(t.tenantId, scope, job).catch((e: unknown) => e);
    const outside = await refused({ databaseId: '0123456789abcdef0123456789abcdef' });
    expect(outside).toBeInstanceOf(RequestRefusedError);
    expect(outside).toMatchObject({ status: 400, message: expect.stringMatching(/connectors\.notion\.databases/) });
    for (const resources of [['pages'], ['databases', 'users'], []]) {
      const e = await refused({ resources });
      expect(e).toMatchObject({ status: 400, message: expect.stringMatching(/\["databases"\].*\["users"\]/) });
    }
    expect(await refused({ resources: ['users'], targetList })).toMatchObject({ status: 400 });
    expect(lane.sent).toEqual([]);
  });

  test('a target list Brevo lacks fails the run before a row is written', async () => {
    const t = await connected();
    await syncNow(t.tenantId, { databaseId: SANDBOX_LEADS_DATABASE_ID, targetList: 99_999 });
    await drainLane();
    const run = await lastRun(t.tenantId);
    expect(run).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no list with id 99999 \(targetList\)/),
    });
    expect(run.summary.upserted).toBe(0);
    // A configuration mistake: nothing to resume (the fix is another list, then a new sync).
    expect(run.checkpoint).toBeUndefined();
    expect((await status(t)).resume).toBeNull();
  });
});

describe('status fields of the SDK after real runs', () => {
  test('databasesSynced counts the databases whose rows become contacts, not a publish-only one', async () => {
    seedSandboxNewsletter(stack.notion, stack.brevo);
    // The sandbox config's Newsletters entry (publish, no sync_to_list) beside Customers.
    const sandbox = parseConfig(sandboxConfigYaml({ newsletter: true }), {
      NOTION_TOKEN: stack.notionToken,
      BREVO_API_KEY: stack.brevoKey,
    }).connectors.notion;
    const publishOnly = sandbox?.databases.find((d) => d.publish !== undefined);
    expect(publishOnly).toMatchObject({ publish: expect.any(Object) });
    expect(publishOnly?.sync_to_list).toBeUndefined();
    const t = await stack.connected((section) => ({ databases: [...section.databases, publishOnly] }));
    await syncNow(t.tenantId);
    await drainStackLane(stack, lane, { publishing: true });
    expect(await lastRun(t.tenantId)).toMatchObject({ status: 'succeeded' });
    const s = await status(t);
    const read = s.databases.find((d) => d.id === publishOnly?.id);
    // The publishing pass read its rows (it has a high-water mark) but keeps none as contacts.
    expect(read).toMatchObject({ mapping: 'publish-only', pagesTracked: 0, syncedUpTo: expect.any(String) });
    expect(s).toMatchObject({ databasesSynced: 1, pagesTracked: CUSTOMERS });
    // The CLI's line counts the same databases and says the other apart ("1 of 2" read as a failure).
    const lines: string[] = [];
    printNotionStatus((line) => lines.push(line), s);
    expect(lines).toContain(`  1 of 1 database synced, ${CUSTOMERS} pages tracked (and 1 read for publishing only)`);
  });

  test('connected, lastSync, databasesSynced, pagesTracked, usersCount follow the runs', async () => {
    const t = await connected();
    expect(await status(t)).toMatchObject({
      connected: true,
      lastSync: null,
      databasesSynced: 0,
      pagesTracked: 0,
      usersCount: 0,
    });

    await syncNow(t.tenantId, { resources: ['users'] });
    expect((await drainLane()).map((m) => m.type)).toEqual(['notion.users.sync']);
    const [users] = await stack.store.listRuns(t.tenantId, 'notion', 1, { job: 'users' });
    expect(users).toMatchObject({ status: 'succeeded', summary: { upserted: 3 } });
    expect(await status(t)).toMatchObject({ usersCount: 3, databasesSynced: 0, lastSync: users?.finishedAt });

    stack.clock.advance(60_000);
    await syncNow(t.tenantId);
    // The whole sync: both databases, then the users sync (sync.users) with nothing new.
    expect((await drainLane()).map((m) => m.type)).toEqual(['notion.sync.start', 'notion.users.sync']);
    const [usersAgain] = await stack.store.listRuns(t.tenantId, 'notion', 1, { job: 'users' });
    const s = await status(t);
    expect(s).toMatchObject({
      connected: true,
      databasesSynced: 2,
      pagesTracked: CUSTOMERS + LEADS,
      usersCount: 3,
      lastSync: usersAgain?.finishedAt,
      lastSyncRun: { status: 'succeeded', mode: 'full', trigger: 'api' },
    });
    expect(Date.parse(s.lastSync as string)).toBeGreaterThanOrEqual(Date.parse(s.lastRun?.finishedAt as string));
  });
});
