/**
 * Slack users → Brevo contacts end to end in process: the real service against the Slack and Brevo
 * simulators, fingerprints in dynalite. Slack's tiers are off (and the engine's clock virtual, so
 * the 3 s pacing costs nothing) except in the test that checks the pacing against real time.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator, type UserInput } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { SlackApiError } from '../../shared/connectors/slack/client';
import { buildUserPlan, mapSlackUser, type SlackField } from '../../shared/connectors/slack/user-mapping';
import {
  buildSlackUsersContext,
  emptySlackUsersSummary,
  NO_EMAIL_SCOPE_WARNING,
  type SlackUsersContext,
  syncSlackUsers as syncSlackUsersRaw,
} from '../../shared/connectors/slack/users-sync';
import { splitRealName } from '../../shared/core/mapping/person-name';
import { type Clock, systemClock } from '../../shared/core/ports';
import { expectCountsAddUp } from '../support/counts';
import { freshStore } from '../support/stores';

import { VirtualClock } from '../support/virtual-clock';

// Every summary these tests produce adds up: read = written + unchanged + removed + failed + skipped.
const syncSlackUsers: typeof syncSlackUsersRaw = async (...args) => {
  const out = await syncSlackUsersRaw(...args);
  expectCountsAddUp(out.summary);
  return out;
};

const TEAM = SANDBOX_WORKSPACE.teamId;
const SOURCE = `slack-users:${TEAM}`;
const LIST = 'Slack members';
/** Attributes the account has besides the seeded FIRSTNAME, LASTNAME and SMS. */
const EXTRA_ATTRIBUTES = [
  { name: 'JOB_TITLE', type: 'text' },
  { name: 'TIMEZONE', type: 'text' },
  { name: 'SLACK_ADMIN', type: 'boolean' },
  { name: 'SLACK_TEAM', type: 'text' },
  { name: 'SLACK_STATUS', type: 'text' },
  { name: 'SLACK_GUEST', type: 'boolean' },
] as const;

interface Env {
  slack: SlackSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  apiKey: string;
  listId: number;
  /** The engine's clock, shared by the runs of a test so run ids sort by start. */
  clock: VirtualClock;
  userIds: string[];
}

let current: Env | undefined;

afterEach(async () => {
  await Promise.all([current?.slack.stop(), current?.brevo.stop()]);
  current = undefined;
});

function person(i: number): UserInput {
  return {
    name: `user${i}`,
    realName: `First${i} Last${i}`,
    email: `User${i}@Example.com`,
    phone: i % 3 === 0 ? `+33 6 ${10_000_000 + i}` : undefined,
    title: `Engineer ${i}`,
    tz: 'Europe/Paris',
    isAdmin: i === 0,
    statusText: i % 5 === 0 ? 'On leave' : undefined,
  };
}

async function setup(
  opts: { users?: number; tiers?: boolean; scopes?: string[]; skipAttributes?: string[] } = {},
): Promise<Env> {
  const slack = new SlackSimulator({
    tiers: opts.tiers ? undefined : false,
    workspaces: [{ ...SANDBOX_WORKSPACE, scopes: opts.scopes ?? SANDBOX_WORKSPACE.scopes }],
  });
  const apiKey = `xkeysib-${randomUUID()}`;
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([slack.start(), brevo.start()]);
  for (const a of EXTRA_ATTRIBUTES) {
    if (!opts.skipAttributes?.includes(a.name)) brevo.addAttribute({ name: a.name, category: 'normal', type: a.type });
  }
  const listId = brevo.addList({ name: LIST }).id;
  const userIds = Array.from({ length: opts.users ?? 0 }, (_, i) => slack.addUser(person(i)).id);
  const { store } = await freshStore();
  current = { slack, brevo, store, apiKey, listId, clock: new VirtualClock(), userIds };
  return current;
}

function context(
  env: Env,
  over: { clock?: Clock; mapping?: Partial<Record<SlackField, string>>; teamId?: string; listId?: number | null } = {},
): SlackUsersContext {
  return buildSlackUsersContext({
    tenantId: 'acme',
    slackToken: SLACK_SANDBOX_TOKEN,
    slackApiUrl: env.slack.apiUrl,
    teamId: over.teamId,
    brevoApiKey: env.apiKey,
    brevoBaseUrl: env.brevo.baseUrl,
    cursors: env.store,
    clock: over.clock ?? env.clock,
    mapping: over.mapping,
    listId: over.listId === null ? undefined : (over.listId ?? env.listId),
    guestAttribute: 'SLACK_GUEST',
    options: { importFirstPollMs: 10 },
  });
}

const emailOf = (i: number) => `user${i}@example.com`;

test('450 users across 3 pages land as contacts with typed attributes, in one import', async () => {
  const env = await setup({ users: 450 });
  const { summary } = await syncSlackUsers(context(env), { mode: 'full' });

  expect(summary).toMatchObject({
    mode: 'full',
    pagesRead: 452, // + USLACKBOT and the app's bot user
    upserted: 450,
    unchanged: 0,
    failed: 0,
    removed: 0,
    bots: 2,
    deleted: 0,
    missingEmail: 0,
    guests: 0,
    notionRequests: 0,
    rateLimited: 0,
    warnings: [],
    errors: [],
  });
  expect(env.slack.stats().byMethod['users.list']).toBe(3);
  expect(summary.slackRequests).toBe(4); // auth.test (no teamId given) + 3 pages
  expect(summary.brevoRequests).toBe(env.brevo.stats().requests);
  // Paced at one users.list every 3 s, the first at once.
  expect(env.clock.slept).toBeGreaterThanOrEqual(6_000);

  expect(env.brevo.getContact(emailOf(6))?.attributes).toEqual({
    FIRSTNAME: 'First6',
    LASTNAME: 'Last6',
    SMS: '+33610000006',
    JOB_TITLE: 'Engineer 6',
    TIMEZONE: 'Europe/Paris',
    SLACK_ADMIN: false,
    SLACK_TEAM: TEAM,
    SLACK_GUEST: false,
  });
  expect(env.brevo.getContact(emailOf(0))?.attributes).toMatchObject({ SLACK_ADMIN: true, SLACK_STATUS: 'On leave' });
  expect(env.brevo.getContact(emailOf(7))?.attributes).not.toHaveProperty('SMS');
  expect(env.brevo.contacts()).toHaveLength(450);
  expect(env.brevo.listMembers(env.listId)).toHaveLength(450);
  expect(env.brevo.ignoredAttributeValues).toEqual([]);
  expect(env.brevo.deprecatedBatchCalls).toBe(0);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(1);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(0);
  const fps = await env.store.loadFingerprints('acme', 'slack', SOURCE);
  expect(fps.size).toBe(450);
  expect(fps.get(env.userIds[6] as string)).toMatchObject({ identifier: emailOf(6), listId: env.listId });
});

test('bots, USLACKBOT, deactivated and email-less users are counted, not written; guests sync flagged', async () => {
  const env = await setup({ users: 10 });
  env.slack.addUser({ name: 'deploybot', realName: 'Deploy Bot', isBot: true, email: 'bot@example.com' });
  env.slack.addUser({ name: 'left', realName: 'Gone Person', email: 'left@example.com', deleted: true });
  env.slack.addUser({ name: 'noemail', realName: 'No Email' });
  const guest = env.slack.addUser({
    name: 'guest',
    realName: 'Multi Guest',
    email: 'guest@example.com',
    isRestricted: true,
  });
  env.slack.addUser({
    name: 'single',
    realName: 'Single Guest',
    email: 'single@example.com',
    isUltraRestricted: true,
  });

  const { summary } = await syncSlackUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({ upserted: 12, bots: 3, deleted: 1, missingEmail: 1, guests: 2, failed: 0 });
  expect(summary.pagesRead).toBe(
    summary.upserted + summary.unchanged + summary.failed + summary.bots + summary.deleted + summary.missingEmail,
  );
  expect(summary.warnings).toEqual([]); // other users have emails: the scope is there
  const emails = env.brevo.contacts().map((c) => c.email);
  expect(emails).toHaveLength(12);
  for (const skipped of ['bot@example.com', 'left@example.com']) expect(emails).not.toContain(skipped);
  expect(env.brevo.getContact('guest@example.com')?.attributes.SLACK_GUEST).toBe(true);
  expect(env.brevo.getContact('single@example.com')?.attributes.SLACK_GUEST).toBe(true);
  expect(env.brevo.getContact(emailOf(1))?.attributes.SLACK_GUEST).toBe(false);

  // A guest made a full member: the flag follows.
  env.slack.updateUser(guest.id, { isRestricted: false });
  const again = await syncSlackUsers(context(env), { mode: 'incremental' });
  expect(again.summary).toMatchObject({ upserted: 1, unchanged: 11, guests: 1 });
  expect(env.brevo.getContact('guest@example.com')?.attributes.SLACK_GUEST).toBe(false);
  expect(env.brevo.getContact('single@example.com')?.attributes.SLACK_GUEST).toBe(true);
});

test('a token without users:read.email: one warning, zero contacts', async () => {
  const env = await setup({
    users: 30,
    scopes: SANDBOX_WORKSPACE.scopes.filter((s) => s !== 'users:read.email'),
  });
  const { summary } = await syncSlackUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({ pagesRead: 32, upserted: 0, failed: 0, bots: 2, missingEmail: 30 });
  expect(summary.warnings).toEqual([NO_EMAIL_SCOPE_WARNING]);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('a second run with no changes writes nothing', async () => {
  const env = await setup({ users: 120 });
  await syncSlackUsers(context(env), { mode: 'full' });
  env.brevo.resetStats();

  for (const mode of ['incremental', 'full'] as const) {
    const { summary } = await syncSlackUsers(context(env, { teamId: TEAM }), { mode });
    expect(summary).toMatchObject({ upserted: 0, unchanged: 120, removed: 0, failed: 0 });
  }
  // Two runs: one attribute read each, no contact write.
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(0);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(0);
  expect(env.brevo.stats().requests).toBe(2);
  // With the team id given, auth.test is not called.
  expect(env.slack.stats().byMethod['auth.test']).toBe(1);
});

test('a few changed users are upserted one by one; an email change leaves the old address out of the list', async () => {
  const env = await setup({ users: 40 });
  await syncSlackUsers(context(env), { mode: 'full' });
  env.slack.updateUser(env.userIds[1] as string, { title: 'Staff Engineer' });
  env.slack.updateUser(env.userIds[2] as string, { email: 'renamed2@example.com' });
  env.brevo.resetStats();

  const { summary } = await syncSlackUsers(context(env), { mode: 'incremental' });
  expect(summary).toMatchObject({ upserted: 2, unchanged: 38 });
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(2);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(0);
  expect(env.brevo.getContact(emailOf(1))?.attributes.JOB_TITLE).toBe('Staff Engineer');
  const members = env.brevo.listMembers(env.listId);
  expect(members).toContain('renamed2@example.com');
  expect(members).not.toContain(emailOf(2));
  expect(members).toHaveLength(40);
});

test('a deactivated user leaves the list; a full run also sweeps users Slack no longer returns', async () => {
  const env = await setup({ users: 25 });
  await syncSlackUsers(context(env), { mode: 'full' });
  // A member synced by an earlier run who is no longer in users.list at all.
  env.brevo.addContact({ email: 'vanished@example.com', listIds: [env.listId] });
  await env.store.putFingerprints('acme', 'slack', SOURCE, [
    {
      rowId: 'U0VANISHED',
      fp: 'old',
      identifier: 'vanished@example.com',
      identifierType: 'email_id',
      listId: env.listId,
      seenRun: '20200101T000000000Z-00000000',
    },
  ]);
  env.slack.updateUser(env.userIds[3] as string, { deleted: true });

  const inc = await syncSlackUsers(context(env), { mode: 'incremental' });
  expect(inc.summary).toMatchObject({ removed: 1, deleted: 1, unchanged: 24 });
  expect(env.brevo.listMembers(env.listId)).not.toContain(emailOf(3));
  expect(env.brevo.listMembers(env.listId)).toContain('vanished@example.com'); // only a full run sweeps

  env.slack.updateUser(env.userIds[4] as string, { deleted: true });
  const full = await syncSlackUsers(context(env), { mode: 'full' });
  expect(full.summary).toMatchObject({ removed: 2, deleted: 2, unchanged: 23, upserted: 0 });
  const members = env.brevo.listMembers(env.listId);
  expect(members).toHaveLength(23);
  expect(members).not.toContain(emailOf(4));
  expect(members).not.toContain('vanished@example.com');
  // Out of the list, not deleted from Brevo.
  expect(env.brevo.getContact(emailOf(4))).toBeDefined();
  const fps = await env.store.loadFingerprints('acme', 'slack', SOURCE);
  expect(fps.has('U0VANISHED')).toBe(false);
  expect(fps.size).toBe(23);

  // Reactivated: back in the list.
  env.slack.updateUser(env.userIds[4] as string, { deleted: false });
  const back = await syncSlackUsers(context(env), { mode: 'full' });
  expect(back.summary).toMatchObject({ upserted: 1, removed: 0 });
  expect(env.brevo.listMembers(env.listId)).toContain(emailOf(4));
});

// Issue 10 changed this: an invalid phone used to fail the whole member; now only the phone is left out.
test('an invalid phone is left out with a field error; the member, its other values and its list membership are written', async () => {
  const env = await setup({ users: 30 });
  env.slack.updateUser(env.userIds[5] as string, { phone: 'call me maybe' });
  const { summary } = await syncSlackUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({ upserted: 30, failed: 0, fieldErrors: 1 });
  expect(summary.errors).toEqual([
    {
      pageId: env.userIds[5],
      property: 'phone',
      attribute: 'SMS',
      kind: 'field',
      reason: 'phone → SMS: invalid phone number "ca•• •• •••be"',
    },
  ]);
  const five = env.brevo.getContact(emailOf(5));
  expect(five?.attributes).toMatchObject({ FIRSTNAME: 'First5', LASTNAME: 'Last5', JOB_TITLE: 'Engineer 5' });
  expect(five?.attributes.SMS).toBeUndefined();
  expect(env.brevo.listMembers(env.listId)).toHaveLength(30);
  expect(
    summary.upserted + summary.unchanged + summary.failed + summary.bots + summary.deleted + summary.missingEmail,
  ).toBe(summary.pagesRead);

  // Still bad: reported again on the next run, nothing rewritten.
  const still = await syncSlackUsers(context(env), { mode: 'full' });
  expect(still.summary).toMatchObject({ upserted: 0, unchanged: 30, fieldErrors: 1, removed: 0 });

  // Fixed: the member is written again, with the phone.
  env.slack.updateUser(env.userIds[5] as string, { phone: '+33 6 11 22 33 44' });
  const fixed = await syncSlackUsers(context(env), { mode: 'full' });
  expect(fixed.summary).toMatchObject({ upserted: 1, unchanged: 29, fieldErrors: 0, errors: [] });
  expect(env.brevo.getContact(emailOf(5))?.attributes.SMS).toBe('+33611223344');

  // A synced member whose phone turns invalid stays in the list, keeps the phone Brevo holds (the
  // sync never erases) and is reported.
  env.slack.updateUser(env.userIds[6] as string, { phone: '12' });
  const again = await syncSlackUsers(context(env), { mode: 'full' });
  expect(again.summary).toMatchObject({ failed: 0, removed: 0, fieldErrors: 1 });
  expect(again.summary.errors.map((e) => e.pageId)).toEqual([env.userIds[6]]);
  expect(env.brevo.listMembers(env.listId)).toContain(emailOf(6));
  expect(env.brevo.getContact(emailOf(6))?.attributes.SMS).toBe('+33610000006');
});

test('the issue 10 measurement: 236 members, 55 with local phones: all 236 written, local phones normalised by time zone or left out', async () => {
  const env = await setup({ users: 181 });
  // 55 members with phones written without a country code, as people type them in Slack.
  const local: { phone: string; tz: string }[] = [
    ...Array.from({ length: 25 }, (_, i) => ({
      phone: `06 23 85 ${String(10 + i).padStart(2, '0')} 63`,
      tz: 'Europe/Paris',
    })),
    ...Array.from({ length: 20 }, (_, i) => ({
      phone: `(212) 555-${String(100 + i).padStart(4, '0')}`,
      tz: 'America/New_York',
    })),
    // A zone that is no one country's: no guess, the phone is left out.
    ...Array.from({ length: 10 }, (_, i) => ({ phone: `0${812345600 + i}`, tz: 'Etc/UTC' })),
  ];
  const localIds = local.map(
    (l, i) =>
      env.slack.addUser({ name: `local${i}`, realName: `Local${i} Person`, email: `local${i}@example.com`, ...l }).id,
  );
  const { summary } = await syncSlackUsers(context(env), { mode: 'full' });
  expect(summary).toMatchObject({ pagesRead: 238, bots: 2, upserted: 236, failed: 0, fieldErrors: 10 });
  expect(env.brevo.listMembers(env.listId)).toHaveLength(236);
  expect(env.brevo.getContact('local0@example.com')?.attributes.SMS).toBe('+33623851063');
  expect(env.brevo.getContact('local25@example.com')?.attributes.SMS).toBe('+12125550100');
  const leftOut = summary.errors.map((e) => e.pageId).sort();
  expect(leftOut).toEqual(localIds.slice(45).sort());
  for (const e of summary.errors) {
    expect(e).toMatchObject({ property: 'phone', attribute: 'SMS', kind: 'field' });
    expect(e.reason).toMatch(/^phone → SMS: phone number "08••••••\d\d" has no country code/);
  }
  expect(env.brevo.getContact('local50@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'Local50',
    LASTNAME: 'Person',
  });

  // A configured default_country_code wins over the time zone (the admin's statement).
  const withDefault = await syncSlackUsers({ ...context(env), defaultCountryCode: '33' }, { mode: 'full' });
  expect(withDefault.summary).toMatchObject({ fieldErrors: 0, upserted: 30 }); // 10 left out + 20 New York rewritten as +33
  expect(env.brevo.getContact('local50@example.com')?.attributes.SMS).toBe('+33812345605');
});

test('attributes missing from the Brevo account are a warning, once; the rest is written', async () => {
  const env = await setup({ users: 30, skipAttributes: ['SLACK_STATUS', 'TIMEZONE'] });
  const { summary } = await syncSlackUsers(context(env, { mapping: { title: '' } }), {
    mode: 'full',
  });
  expect(summary.upserted).toBe(30);
  expect(summary.warnings).toEqual([
    expect.stringMatching(/^Brevo has no contact attribute TIMEZONE: Slack field tz is not synced/),
    expect.stringMatching(/^Brevo has no contact attribute SLACK_STATUS: Slack field status_text is not synced/),
  ]);
  const attrs = env.brevo.getContact(emailOf(0))?.attributes;
  expect(attrs).not.toHaveProperty('SLACK_STATUS');
  expect(attrs).not.toHaveProperty('JOB_TITLE'); // mapping title: '' turns the default off
  expect(env.brevo.ignoredAttributeValues).toEqual([]);
});

test('without a list every changed user is upserted (import needs a list) and nothing is swept', async () => {
  const env = await setup({ users: 25 });
  const { summary } = await syncSlackUsers(context(env, { listId: null }), { mode: 'full' });
  expect(summary.upserted).toBe(25);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts' })).toBe(25);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(0);
  expect(env.brevo.listMembers(env.listId)).toHaveLength(0);
});

test('a 429 with Retry-After pauses users.list and the sync still completes', async () => {
  const env = await setup({ users: 250 });
  env.slack.failNext(1, { retryAfter: 7 });
  const { summary } = await syncSlackUsers(context(env, { teamId: TEAM }), { mode: 'full' });
  expect(summary).toMatchObject({ rateLimited: 1, upserted: 250, slackRequests: 3 });
  expect(env.clock.slept).toBeGreaterThanOrEqual(7_000 + 3_000);
});

test('errors a person can act on: users:read missing, a revoked token', async () => {
  const env = await setup({ users: 3, scopes: ['chat:write'] });
  await expect(syncSlackUsers(context(env, { teamId: TEAM }), { mode: 'full' })).rejects.toThrow(
    /Slack users.list failed: missing_scope .*users:read/,
  );
  env.slack.revokeToken(SLACK_SANDBOX_TOKEN);
  const err = await syncSlackUsers(context(env, { teamId: TEAM }), { mode: 'full' }).catch((e) => e);
  expect(err).toBeInstanceOf(SlackApiError);
  expect((err as SlackApiError).permanent).toBe(true);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('a run that fails after writing exposes its counts so far in the summary it was given', async () => {
  const env = await setup({ users: 6 });
  const ctx = { ...context(env, { teamId: TEAM }), options: { importFirstPollMs: 10, pageSize: 2, flushRows: 2 } };
  // Slack fails the third users.list page: the first held the workspace's two bots, the second two
  // members, written (flushRows 2) before the failure.
  let pages = 0;
  ctx.onProgress = (e) => {
    if (e.type === 'rows' && ++pages === 2) env.slack.failNext(1, { error: 'internal_error' });
  };
  const summary = emptySlackUsersSummary('full');
  const err = await syncSlackUsers(ctx, { mode: 'full', summary }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SlackApiError);
  expect(env.brevo.contacts()).toHaveLength(2);
  expect(summary).toMatchObject({ mode: 'full', pagesRead: 4, bots: 2, upserted: 2, failed: 0 });
  expect(summary.slackRequests).toBe(3);
  expect(summary.brevoRequests).toBeGreaterThan(0);
});

test('Tier 2 with a real clock: a 3-page run gets zero 429s and stays under 10 s', async () => {
  const env = await setup({ users: 450, tiers: true });
  const started = Date.now();
  const { summary } = await syncSlackUsers(context(env, { clock: systemClock, teamId: TEAM }), { mode: 'full' });
  const elapsed = Date.now() - started;
  expect(summary).toMatchObject({ pagesRead: 452, upserted: 450, rateLimited: 0 });
  expect(env.slack.stats().byMethod['users.list']).toBe(3);
  expect(env.slack.stats().rateLimited).toBe(0);
  expect(elapsed).toBeGreaterThanOrEqual(6_000); // pages at 0, 3 and 6 s
  expect(elapsed).toBeLessThan(10_000);
}, 20_000);

describe('mapping one user', () => {
  const { plan } = buildUserPlan({
    attributes: [
      { name: 'FIRSTNAME', category: 'normal', type: 'text' },
      { name: 'LASTNAME', category: 'normal', type: 'text' },
      { name: 'SMS', category: 'normal', type: 'text' },
      { name: 'SLACK_ADMIN', category: 'normal', type: 'boolean' },
    ],
    defaultCountryCode: '33',
  });

  test('real_name is split when the profile has no first or last name', () => {
    expect(splitRealName('Ada King Lovelace')).toEqual({ first: 'Ada King', last: 'Lovelace' });
    expect(splitRealName('  Cher ')).toEqual({ first: 'Cher' });
    expect(splitRealName('')).toEqual({});
    const res = mapSlackUser(
      { id: 'U1', real_name: 'Grace Brewster Hopper', profile: { email: 'G@Navy.mil', phone: '06 12 34 56 78' } },
      plan,
      undefined,
    );
    expect(res).toMatchObject({
      ok: true,
      row: {
        email: 'g@navy.mil',
        attributes: { FIRSTNAME: 'Grace Brewster', LASTNAME: 'Hopper', SMS: '+33612345678' },
      },
    });
    const one = mapSlackUser({ id: 'U2', profile: { real_name: 'Cher', email: 'cher@example.com' } }, plan, 1);
    expect(one.ok && one.row.attributes).toEqual({ FIRSTNAME: 'Cher' });
    const own = mapSlackUser(
      { id: 'U3', real_name: 'X Y Z', profile: { first_name: 'Xavier', last_name: null, email: 'x@example.com' } },
      plan,
      1,
    );
    expect(own.ok && own.row.attributes).toEqual({ FIRSTNAME: 'Xavier' });
  });

  test('the plan warns about what it cannot write', () => {
    const built = buildUserPlan({
      attributes: [{ name: 'SCORE', category: 'calculated' }],
      mapping: { first_name: 'SCORE', last_name: 'email', tz: '' } as Partial<Record<SlackField, string>>,
    });
    expect(built.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/SCORE is a calculated Brevo attribute/),
        expect.stringMatching(/last_name cannot be mapped to EMAIL/),
        expect.stringMatching(/no contact attribute SMS/),
      ]),
    );
    expect(built.warnings.some((w) => w.includes('TIMEZONE'))).toBe(false);
    expect(built.plan.fields).toEqual([]);
  });

  test('an attribute the account has, of a kind Brevo added later: named as such, never "create it"', () => {
    const built = buildUserPlan({
      attributes: [{ name: 'FIRSTNAME', category: 'normal', type: 'text' }],
      unsupported: [{ name: 'JOB_TITLE', reason: 'unsupported attribute type "rich"' }],
      mapping: { title: 'JOB_TITLE' } as Partial<Record<SlackField, string>>,
    });
    expect(built.warnings).toContain(
      'Brevo attribute JOB_TITLE is of a kind this version cannot write (unsupported attribute type "rich"): Slack field title is not synced',
    );
    expect(built.warnings.some((w) => w.includes('no contact attribute JOB_TITLE'))).toBe(false);
    expect(built.plan.fields.map((f) => f.target)).toEqual(['FIRSTNAME']);
  });
});
