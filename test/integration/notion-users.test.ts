/**
 * Notion workspace users → Brevo contacts end to end in process: the real service and gateway
 * against the Notion and Brevo simulators, fingerprints in dynalite. The engine's clock is virtual
 * so the 3 req/s pacing costs nothing.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { notionStatus } from '../../shared/app/status';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import {
  buildNotionUserPlan,
  NO_EMAIL_CAPABILITY_WARNING,
  type NotionUsersContext,
  runNotionUsersRecorded as runNotionUsersRecordedRaw,
  syncNotionUsers as syncNotionUsersRaw,
} from '../../shared/connectors/notion/users-sync';
import { ProviderError } from '../../shared/core/errors';
import { expectCountsAddUp } from '../support/counts';
import { freshStore } from '../support/stores';

import { VirtualClock } from '../support/virtual-clock';

// Every summary these tests produce adds up: read = written + unchanged + removed + failed + skipped.
const syncNotionUsers: typeof syncNotionUsersRaw = async (...args) => {
  const out = await syncNotionUsersRaw(...args);
  expectCountsAddUp(out.summary);
  return out;
};
const runNotionUsersRecorded: typeof runNotionUsersRecordedRaw = async (...args) => {
  const run = await runNotionUsersRecordedRaw(...args);
  expectCountsAddUp(run.summary);
  return run;
};

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  token: string;
  apiKey: string;
  listId: number;
  clock: VirtualClock;
  people: string[];
}

let current: Env | undefined;

afterEach(async () => {
  await Promise.all([current?.notion.stop(), current?.brevo.stop()]);
  current = undefined;
});

async function setup(people: number): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  const listId = brevo.addList({ name: 'Notion members' }).id;
  const ids = Array.from(
    { length: people },
    (_, i) => notion.addUser({ name: `First${i} Middle Last${i}`, type: 'person', email: `Person${i}@Example.com` }).id,
  );
  notion.addUser({ name: 'Zapier', type: 'bot' });
  notion.addUser({ name: 'Gus Guest', type: 'person', email: 'guest@example.com', guest: true });
  notion.addUser({ name: 'Mononym', type: 'person', email: 'mono@example.com' });
  const { store } = await freshStore();
  current = { notion, brevo, store, token, apiKey, listId, clock: new VirtualClock(), people: ids };
  return current;
}

function context(env: Env, listId: number | undefined = env.listId) {
  const config = parseConfig(
    `brevo: {api_key: "${env.apiKey}"}\nconnectors:\n  notion: {token: "${env.token}", sync: {users: true}}\n`,
    {},
  );
  const { token, ...settings } = config.connectors.notion as NonNullable<typeof config.connectors.notion>;
  const ctx = buildNotionContext({
    tenantId: 'acme',
    settings,
    notionToken: token,
    brevoApiKey: env.apiKey,
    cursors: env.store,
    runs: env.store,
    clock: env.clock,
    endpoints: { notionBaseUrl: env.notion.baseUrl, brevoBaseUrl: env.brevo.baseUrl },
  });
  const users: NotionUsersContext = { ...ctx, listId, options: { importFirstPollMs: 10 } };
  return { ...ctx, ...users };
}

test('members land as contacts (name split, list joined); bots are counted, guests never listed', async () => {
  const env = await setup(130); // two pages of 100
  const { summary } = await syncNotionUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({
    mode: 'full',
    pagesRead: 133, // 131 people + Zapier + the integration's own bot
    upserted: 131,
    unchanged: 0,
    failed: 0,
    removed: 0,
    bots: 2,
    missingEmail: 0,
    warnings: [],
    errors: [],
    rateLimited: 0,
  });
  // users/me + 2 pages of users, all through the gateway's counters.
  expect(summary.notionRequests).toBe(3);
  expect(env.notion.stats().byRoute['GET /v1/users']).toBe(2);
  expect(env.brevo.getContact('person7@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'First7 Middle',
    LASTNAME: 'Last7',
  });
  expect(env.brevo.getContact('mono@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Mononym' });
  expect(env.brevo.getContact('mono@example.com')?.attributes.LASTNAME).toBeUndefined();
  expect(env.brevo.getContact('guest@example.com')).toBeUndefined();
  expect(env.brevo.listMembers(env.listId)).toHaveLength(131);
});

test('an incremental run with nothing changed writes nothing; a renamed person is written alone', async () => {
  const env = await setup(5);
  await syncNotionUsers(context(env), { mode: 'full' });
  const before = env.brevo.stats().requests;
  const again = await syncNotionUsers(context(env), { mode: 'incremental' });
  expect(again.summary).toMatchObject({ mode: 'incremental', upserted: 0, unchanged: 6, failed: 0, removed: 0 });
  // Only reads (attributes), no contact write.
  expect(env.brevo.stats().requests - before).toBe(again.summary.brevoRequests);
  expect(env.brevo.contacts().every((c) => c.email !== undefined)).toBe(true);

  env.notion.addUser({ id: env.people[2], name: 'Renamed Person', type: 'person', email: 'person2@example.com' });
  const third = await syncNotionUsers(context(env), { mode: 'incremental' });
  expect(third.summary).toMatchObject({ upserted: 1, unchanged: 5 });
  expect(env.brevo.getContact('person2@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'Renamed',
    LASTNAME: 'Person',
  });
});

test('a full run removes people no longer listed from the list; incremental runs never do', async () => {
  const env = await setup(3);
  await syncNotionUsers(context(env), { mode: 'full' });
  // The person becomes a guest: Notion stops listing them.
  env.notion.addUser({
    id: env.people[0],
    name: 'First0 Middle Last0',
    type: 'person',
    email: 'person0@example.com',
    guest: true,
  });
  const inc = await syncNotionUsers(context(env), { mode: 'incremental' });
  expect(inc.summary.removed).toBe(0);
  expect(env.brevo.listMembers(env.listId)).toContain('person0@example.com');
  const full = await syncNotionUsers(context(env), { mode: 'full' });
  expect(full.summary.removed).toBe(1);
  expect(env.brevo.listMembers(env.listId)).not.toContain('person0@example.com');
  expect(env.brevo.listMembers(env.listId)).toHaveLength(3);
});

test('without the user information capability: a fatal 403 naming the capability to grant', async () => {
  const env = await setup(2);
  env.notion.setCapabilities({ userInformation: 'none' });
  const err = await syncNotionUsers(context(env), { mode: 'full' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).status).toBe(403);
  expect((err as Error).message).toMatch(/'Read user information including email addresses' capability/);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('user information without emails: people counted as missingEmail, one warning naming the email level', async () => {
  const env = await setup(4);
  env.notion.setCapabilities({ userInformation: 'without_email' });
  const { summary } = await syncNotionUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({ pagesRead: 7, upserted: 0, missingEmail: 5, bots: 2, failed: 0 });
  expect(summary.warnings).toEqual([NO_EMAIL_CAPABILITY_WARNING]);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('the run is recorded as a Notion users run; the database status is unchanged by it', async () => {
  const env = await setup(2);
  const ctx = context(env);
  const run = await runNotionUsersRecorded(ctx, { mode: 'full', trigger: 'cli' });
  expect(run).toMatchObject({ connector: 'notion', job: 'users', status: 'succeeded' });
  const statusDeps = { runs: env.store, cursors: env.store, clock: ctx.clock };
  const status = await notionStatus(statusDeps, 'acme', ctx.settings);
  expect(status.lastRun).toBeNull();
  // The members it keeps as contacts are the status's users count.
  expect(status.usersCount).toBe(3);
  expect(status.lastUsersRun).toMatchObject({ runId: run.runId, status: 'succeeded', summary: { upserted: 3 } });

  env.notion.setCapabilities({ userInformation: 'none' });
  await expect(runNotionUsersRecorded(ctx, { mode: 'full', trigger: 'cli' })).rejects.toThrow(/capability/);
  const after = await notionStatus(statusDeps, 'acme', ctx.settings);
  expect(after.lastUsersRun).toMatchObject({ status: 'failed', error: expect.stringMatching(/403/) });
  // A failed users run does not reset the count: the contacts of the last good run are still there.
  expect(after.usersCount).toBe(3);
});

test('a name that cannot reach its attribute is left out with a field error; the person is still written and listed', async () => {
  const env = await setup(3);
  env.brevo.addAttribute({ name: 'SIGNUP_DATE', category: 'normal', type: 'date' });
  // A mapping mistake: the name into a date attribute. Each person is written with the rest.
  const ctx = { ...context(env), mapping: { name: 'SIGNUP_DATE' } };
  const { summary } = await syncNotionUsers(ctx, { mode: 'full' });
  expect(summary).toMatchObject({ upserted: 4, failed: 0, fieldErrors: 4 });
  expect(summary.upserted + summary.unchanged + summary.failed + summary.bots + summary.missingEmail).toBe(
    summary.pagesRead,
  );
  expect(summary.errors).toContainEqual({
    pageId: env.people[0],
    property: 'name',
    attribute: 'SIGNUP_DATE',
    kind: 'field',
    reason: 'name → SIGNUP_DATE: expected a date, got "First0 Middle Last0"',
  });
  expect(env.brevo.getContact('person0@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'First0 Middle',
    LASTNAME: 'Last0',
  });
  expect(env.brevo.getContact('person0@example.com')?.attributes.SIGNUP_DATE).toBeUndefined();
  expect(env.brevo.listMembers(env.listId)).toHaveLength(4);
});

test('the plan names a mapped attribute of a kind Brevo added later as such, never "create it"', () => {
  const built = buildNotionUserPlan(
    [
      { name: 'FIRSTNAME', category: 'normal', type: 'text' },
      { name: 'LASTNAME', category: 'normal', type: 'text' },
    ],
    { avatar_url: 'PHOTO' },
    [{ name: 'PHOTO', reason: 'unsupported attribute type "image"' }],
  );
  expect(built.warnings).toEqual([
    'Brevo attribute PHOTO is of a kind this version cannot write (unsupported attribute type "image"): Notion user field avatar_url is not synced',
  ]);
  expect(built.plan.fields.map((f) => f.attribute.name)).toEqual(['FIRSTNAME', 'LASTNAME']);
});

test('a run that fails after writing records the counts so far, not zeros', async () => {
  const env = await setup(4);
  const ctx = { ...context(env), options: { importFirstPollMs: 10, pageSize: 2, flushRows: 1 } };
  // Notion refuses the second page of users, after the first page (the integration's own bot user
  // and the first person) was read and its person written.
  let armed = false;
  ctx.onProgress = (e) => {
    if (e.type === 'rows' && !armed) {
      armed = true;
      env.notion.failNext(1, { status: 400, code: 'validation_error', message: 'start_cursor is no longer valid' });
    }
  };
  await expect(runNotionUsersRecorded(ctx, { mode: 'full', trigger: 'cli' })).rejects.toThrow(/start_cursor/);
  expect(env.brevo.contacts()).toHaveLength(1);
  const status = await notionStatus({ runs: env.store, cursors: env.store, clock: ctx.clock }, 'acme', ctx.settings);
  expect(status.lastUsersRun).toMatchObject({
    status: 'failed',
    summary: { pagesRead: 2, bots: 1, upserted: 1, failed: 0 },
  });
});
