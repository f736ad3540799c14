/**
 * Issue 5 through the management API without API Gateway: tenants made by createTenant, the Brevo
 * key checked against the Brevo simulator before it is stored, Notion and Slack connected by token
 * (checked with users/me and auth.test), the Notion five checks, status after a real sync through
 * the lane worker, disconnect, and tenant isolation on every one of these routes. State in
 * dynalite, secrets in the file store, providers simulated.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import { SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { handleApiRequest, UNKNOWN_KEY_REASON } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import { DISCONNECTED_REASON } from '../../shared/app/disconnect';
import type { ScheduleName } from '../../shared/app/topology';
import { topology } from '../../shared/app/topology';
import { TEST_PAGE_TITLE } from '../../shared/connectors/notion/connection-test';
import { notionDescriptor } from '../../shared/connectors/notion/descriptor';
import { handleNotionLaneMessage } from '../../shared/connectors/notion/lane';
import { slackDescriptor } from '../../shared/connectors/slack/descriptor';
import { performBrevoAction } from '../../shared/connectors/slack/interactions';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import type { ApiDeps } from '../../shared/core/http/api-types';
import type { LaneMessage, LaneQueue, RunRecord, ScheduleManager } from '../../shared/core/ports';
import { emptySummary } from '../../shared/core/runs/summary';
import { brevoApiKeySecretName } from '../../shared/core/tenancy/connections';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { apiDepsOver, freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const NOTION_TOKEN = `ntn_${randomUUID().replace(/-/g, '')}`;
/** The same workspace's integration, connected again with another token. */
const OTHER_NOTION_TOKEN = `ntn_${randomUUID().replace(/-/g, '')}`;
const BREVO_KEY = `xkeysib-${randomUUID()}`;
const SLACK_TOKEN = 'xoxb-tenant-app';

class RecordingLane implements LaneQueue {
  readonly sent: { queue: string; message: LaneMessage }[] = [];
  async send(queue: 'notionLane', messages: LaneMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ queue, message });
  }
}

/** Schedules as a set, so a removal is seen. */
class RecordingSchedules implements ScheduleManager {
  readonly live = new Map<string, { input: unknown; timezone?: string }>();
  async ensure(schedule: ScheduleName, name: string, input: unknown, options: { timezone?: string } = {}) {
    this.live.set(`${schedule}/${name}`, { input, ...options });
  }
  async remove(schedule: ScheduleName, name: string): Promise<void> {
    this.live.delete(`${schedule}/${name}`);
  }
}

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let slack: SlackSimulator;
let store: DynamoRepositories;
let table: string;
let rawClient: Awaited<ReturnType<typeof freshStore>>['client'];
let dir: string;
let secrets: FileSecretStore;
let dataSourceId: string;
const clock = new VirtualClock();
const schedules = new RecordingSchedules();
const lane = new RecordingLane();
let deps: ApiDeps;

beforeAll(async () => {
  notion = new NotionSimulator({
    tokens: [NOTION_TOKEN, OTHER_NOTION_TOKEN],
    rateLimit: false,
    workspaceName: 'Acme HQ',
  });
  brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false, importProcessingMs: 0 });
  slack = new SlackSimulator({
    tiers: false,
    workspaces: [
      {
        teamId: 'T0ACME',
        teamName: 'Acme',
        botToken: SLACK_TOKEN,
        botUserId: 'U0BOT',
        botId: 'B0BOT',
        scopes: ['chat:write', 'team:read', 'channels:read'],
      },
    ],
  });
  await Promise.all([notion.start(), brevo.start(), slack.start()]);
  slack.addChannel({ id: 'C0MARKETING', name: 'marketing' });
  ({ dataSourceId } = seedSandbox(notion, brevo, { rows: 30 }));
  ({ store, table, client: rawClient } = await freshStore());
  dir = mkdtempSync(join(tmpdir(), 'tajo-tenants-'));
  secrets = new FileSecretStore(join(dir, 'secrets'));
  deps = apiDepsOver(store, {
    secrets,
    schedules,
    lane,
    clock,
    endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl, slackApiUrl: slack.apiUrl },
    documents: new LocalDocumentStore(join(dir, 'documents')),
  });
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop(), slack.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The sandbox config's Notion section as a connect body (the YAML section as JSON). */
function notionBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  const section = parseConfig(sandboxConfigYaml(), { NOTION_TOKEN, BREVO_API_KEY: BREVO_KEY }).connectors.notion;
  return { ...section, ...over };
}

const slackBody = (over: Record<string, unknown> = {}) => ({
  bot_token: SLACK_TOKEN,
  signing_secret: 'tenant-signing-secret',
  channels: { marketing: 'C0MARKETING' },
  notifications: { new_subscriber: { channel: 'marketing' } },
  ...over,
});

async function newTenant() {
  return createTenant({ tenants: store, clock }, `t-${randomUUID().slice(0, 8)}`);
}

function call(
  method: string,
  path: string,
  tenant: { tenantId: string; apiKey: string },
  body?: unknown,
  params: Record<string, string> = {},
) {
  return handleApiRequest(deps, {
    routeKey: `${method} ${path}`,
    pathParameters: { tenantId: tenant.tenantId, ...params },
    headers: { authorization: `Bearer ${tenant.apiKey}`, host: 'api.example.test' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const BREVO = '/tenants/{tenantId}/brevo';
const LIST = '/tenants/{tenantId}/connections';
const CONNECTION = '/tenants/{tenantId}/connections/{connector}';
const STATUS = '/tenants/{tenantId}/connections/{connector}/status';
const TEST = '/tenants/{tenantId}/connections/{connector}/test';
const SYNC = '/tenants/{tenantId}/connections/{connector}/sync';
const notionParam = { connector: 'notion' };
const slackParam = { connector: 'slack' };

/** Every item of the table, as raw text: what DynamoDB holds in clear. */
async function tableText(): Promise<string> {
  const res = await rawClient.send(new ScanCommand({ TableName: table }));
  return JSON.stringify(res.Items ?? []);
}

/** Plays the Notion lane: runs every queued message (and its continuations) through the worker. */
async function drainLane(): Promise<void> {
  while (lane.sent.length > 0) {
    const { message } = lane.sent.shift()!;
    await handleNotionLaneMessage(
      { ...deps, syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 } },
      message.body,
      { deadline: Date.now() + 60_000, lastAttempt: false, groupId: message.groupId },
    );
  }
}

async function connectedTenant() {
  const t = await newTenant();
  expect((await call('PUT', BREVO, t, { apiKey: BREVO_KEY, keyName: 'tajo-sync' })).status).toBe(200);
  expect((await call('PUT', CONNECTION, t, notionBody(), notionParam)).status).toBe(200);
  return t;
}

describe('tenants', () => {
  test('created with two credentials shown once and kept as hashes; an id is taken once', async () => {
    const t = await newTenant();
    expect(t.apiKey).toMatch(/^tajo_/);
    expect(t.webhookToken).toMatch(/^whk_/);
    const text = await tableText();
    expect(text).not.toContain(t.apiKey);
    expect(text).not.toContain(t.webhookToken);
    const again = createTenant({ tenants: store, clock }, t.tenantId);
    await expect(again).rejects.toThrow(/already exists/);
    // The first key still works: creating again did not replace it.
    expect((await call('GET', LIST, t)).status).toBe(200);
    await expect(createTenant({ tenants: store, clock }, 'Not_Valid')).rejects.toThrow(/lower-case/);
  });
});

describe('Brevo key', () => {
  test('a key Brevo refuses is refused and nothing is stored', async () => {
    const t = await newTenant();
    const res = await call('PUT', BREVO, t, { apiKey: 'xkeysib-wrong' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/Brevo rejected the API key.*nothing was stored/);
    expect((await store.getTenant(t.tenantId))?.brevoApiKeyRef).toBeUndefined();
    await expect(secrets.get(`local:${brevoApiKeySecretName(t.tenantId)}`)).rejects.toThrow(/not found/);
  });

  test('a good key is checked against the account, stored as a secret, and only its reference is in DynamoDB', async () => {
    const t = await newTenant();
    const checksBefore = brevo.log.records.filter((r) => r.route === 'GET /v3/account').length;
    const res = await call('PUT', BREVO, t, { apiKey: BREVO_KEY, keyName: 'tajo-sync' });
    expect(res).toMatchObject({
      status: 200,
      body: { connected: true, account: { email: 'owner@sandbox.example', keyName: 'tajo-sync' } },
    });
    expect(brevo.log.records.filter((r) => r.route === 'GET /v3/account').length).toBe(checksBefore + 1);
    const tenant = await store.getTenant(t.tenantId);
    expect(await secrets.get(tenant?.brevoApiKeyRef as string)).toBe(BREVO_KEY);
    expect(await tableText()).not.toContain(BREVO_KEY);
  });

  test('bodies that are not the documented shape are 400 (no tenant in the body, no unknown keys)', async () => {
    const t = await newTenant();
    for (const body of ['{', '[]', { apiKey: '' }, { apiKey: BREVO_KEY, tenantId: 'other' }]) {
      expect((await call('PUT', BREVO, t, body)).status).toBe(400);
    }
    expect((await call('PUT', BREVO, t)).status).toBe(400);
  });
});

describe('connect Notion by token', () => {
  test('refused (409) until the tenant has a Brevo key', async () => {
    const t = await newTenant();
    const res = await call('PUT', CONNECTION, t, notionBody(), notionParam);
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toMatch(/Brevo API key/);
    expect(await store.getConnection(t.tenantId, 'notion')).toBeUndefined();
  });

  test('a token Notion refuses is 400 and nothing is stored', async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY });
    const res = await call('PUT', CONNECTION, t, notionBody({ token: 'ntn_wrong' }), notionParam);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/Notion rejected the token.*nothing was stored/);
    expect(await store.getConnection(t.tenantId, 'notion')).toBeUndefined();
    await expect(secrets.get(`local:${notionDescriptor.secrets.token(t.tenantId)}`)).rejects.toThrow(/not found/);
    expect(schedules.live.has(`notionPoll/notion-${t.tenantId}`)).toBe(false);
  });

  test('a wrong section is refused with the path of each wrong key, before the token is even tried', async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY });
    const before = notion.stats().requests;
    const res = await call(
      'PUT',
      CONNECTION,
      t,
      notionBody({
        databases: [{ id: SANDBOX_DATABASE_ID, field_mapping: { Name: { type: 'title', target: 'FIRSTNAME' } } }],
        tenantId: 'someone-else',
      }),
      notionParam,
    );
    expect(res.status).toBe(400);
    const issues = (res.body as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues).toContain('tenantId');
    expect(notion.stats().requests).toBe(before);
  });

  test('connected: token in the secret store, record with references and who the token is, schedule made', async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY });
    const res = await call('PUT', CONNECTION, t, notionBody(), notionParam);
    expect(res).toMatchObject({
      status: 200,
      body: {
        connected: true,
        connector: 'notion',
        workspace: { name: 'Acme HQ', botId: notion.botUser.id },
        schedule: 'every 4 hours',
        databases: 1,
      },
    });
    const conn = await store.getConnection(t.tenantId, 'notion');
    expect(await secrets.get(conn?.tokenRef as string)).toBe(NOTION_TOKEN);
    expect(conn?.brevoApiKeyRef).toBe((await store.getTenant(t.tenantId))?.brevoApiKeyRef);
    expect(schedules.live.get(`notionPoll/notion-${t.tenantId}`)).toEqual({ input: { tenantId: t.tenantId } });
    expect(await tableText()).not.toContain(NOTION_TOKEN);

    const list = await call('GET', LIST, t);
    expect(list.body).toMatchObject({
      tenantId: t.tenantId,
      brevo: { connected: true, account: { email: 'owner@sandbox.example' } },
      connections: [{ connector: 'notion', enabled: true, workspace: { name: 'Acme HQ' } }],
    });
    expect(JSON.stringify(list.body)).not.toMatch(/ntn_|xkeysib-|local:/);
  });
});

describe('connect with only the credentials (the SDK: connect(name, {token}))', () => {
  test('over an existing connection: its settings are kept, its credentials replaced, and the answer says so', async () => {
    const t = await connectedTenant();
    const before = await store.getConnection(t.tenantId, 'notion');
    const res = await call('PUT', CONNECTION, t, { token: OTHER_NOTION_TOKEN }, notionParam);
    expect(res).toMatchObject({ status: 200, body: { connected: true, kept: 'settings', databases: 1 } });
    const after = await store.getConnection(t.tenantId, 'notion');
    expect(after?.settings).toEqual(before?.settings);
    expect(await secrets.get(after?.tokenRef as string)).toBe(OTHER_NOTION_TOKEN);
    // A body with settings replaces them as before (and says nothing was kept).
    const whole = await call('PUT', CONNECTION, t, notionBody({ databases: [] }), notionParam);
    expect(whole).toMatchObject({ status: 200, body: { databases: 0 } });
    expect(whole.body).not.toHaveProperty('kept');
  });

  test("Slack's bot token and signing secret alone keep the channels and notifications", async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY, keyName: 'tajo-sync' });
    expect((await call('PUT', CONNECTION, t, slackBody(), slackParam)).status).toBe(200);
    const res = await call(
      'PUT',
      CONNECTION,
      t,
      { bot_token: SLACK_TOKEN, signing_secret: 'rotated-signing-secret' },
      slackParam,
    );
    expect(res).toMatchObject({ status: 200, body: { kept: 'settings', channels: 1 } });
    const conn = await store.getConnection(t.tenantId, 'slack');
    expect(conn?.settings).toMatchObject({
      channels: { marketing: 'C0MARKETING' },
      notifications: { new_subscriber: { channel: 'marketing' } },
      teamId: 'T0ACME',
    });
    expect(await secrets.get(conn?.signingSecretRef as string)).toBe('rotated-signing-secret');
    // The bot token alone: the signing secret stays (Slack's events are still verified).
    const tokenOnly = await call('PUT', CONNECTION, t, { bot_token: SLACK_TOKEN }, slackParam);
    expect(tokenOnly).toMatchObject({ status: 200, body: { kept: 'settings', channels: 1 } });
    const after = await store.getConnection(t.tenantId, 'slack');
    expect(await secrets.get(after?.signingSecretRef as string)).toBe('rotated-signing-secret');
    await call('DELETE', CONNECTION, t, undefined, slackParam);
  });

  test('without an existing connection, the credentials alone connect with the defaults, as before', async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY });
    const res = await call('PUT', CONNECTION, t, { token: NOTION_TOKEN }, notionParam);
    expect(res).toMatchObject({ status: 200, body: { databases: 0 } });
    expect(res.body).not.toHaveProperty('kept');
  });
});

describe('connect Slack by token', () => {
  test('auth.test tells the team; the team is claimed; another tenant cannot take it', async () => {
    const a = await newTenant();
    await call('PUT', BREVO, a, { apiKey: BREVO_KEY, keyName: 'tajo-sync' });
    const res = await call('PUT', CONNECTION, a, slackBody(), slackParam);
    expect(res).toMatchObject({
      status: 200,
      body: { connected: true, workspace: { id: 'T0ACME', name: 'Acme', botId: 'B0BOT', botUserId: 'U0BOT' } },
    });
    expect((res.body as { workspace: { scopes: string[] } }).workspace.scopes).toContain('chat:write');
    const conn = await store.getConnection(a.tenantId, 'slack');
    expect(conn?.settings).toMatchObject({ teamId: 'T0ACME', ownApiKeyNames: ['tajo-sync'] });
    expect(await secrets.get(conn?.signingSecretRef as string)).toBe('tenant-signing-secret');
    expect(await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ACME' })).toMatchObject({
      tenantId: a.tenantId,
    });
    expect(schedules.live.get(`slackDaily/slack-${a.tenantId}`)).toMatchObject({ timezone: 'UTC' });
    const status = await call('GET', STATUS, a, undefined, slackParam);
    const midnight = new Date(clock.now());
    midnight.setUTCHours(0, 15, 0, 0);
    if (midnight.getTime() <= clock.now()) midnight.setUTCDate(midnight.getUTCDate() + 1);
    expect(status.body).toMatchObject({
      connector: 'slack',
      connected: true,
      workspace: { name: 'Acme' },
      channels: 1,
      notifications: ['new_subscriber'],
      usersSync: 'not configured',
      usersCount: 0,
      lastRun: null,
      lastSync: null,
      timezone: 'UTC',
      nextRun: { at: midnight.toISOString(), windowMinutes: 30, estimated: false },
    });

    const b = await newTenant();
    await call('PUT', BREVO, b, { apiKey: BREVO_KEY });
    const taken = await call('PUT', CONNECTION, b, slackBody(), slackParam);
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).not.toContain(a.tenantId);
    expect(await store.getConnection(b.tenantId, 'slack')).toBeUndefined();

    const wrong = await call('PUT', CONNECTION, b, slackBody({ bot_token: 'xoxb-nope' }), slackParam);
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toMatch(/Slack refused the bot token/);

    // A notification route to an undeclared channel is refused with its path.
    const badRoute = await call(
      'PUT',
      CONNECTION,
      b,
      slackBody({ notifications: { new_subscriber: { channel: 'nowhere' } } }),
      slackParam,
    );
    expect(badRoute.status).toBe(400);
    expect(JSON.stringify(badRoute.body)).toContain('notifications.new_subscriber.channel');

    // Disconnect releases the claim: the team is free for b.
    const gone = await call('DELETE', CONNECTION, a, undefined, slackParam);
    expect(gone.body).toMatchObject({
      removed: {
        slackTeams: ['W:T0ACME'],
        secrets: [slackDescriptor.secrets.token(a.tenantId), slackDescriptor.secrets.signingSecret?.(a.tenantId)],
        schedules: [`slackDaily/slack-${a.tenantId}`],
      },
    });
    expect(await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ACME' })).toBeUndefined();
    expect(schedules.live.has(`slackDaily/slack-${a.tenantId}`)).toBe(false);
    await expect(secrets.get(conn?.tokenRef as string)).rejects.toThrow(/not found/);
    expect((await call('PUT', CONNECTION, b, slackBody(), slackParam)).status).toBe(200);
    await call('DELETE', CONNECTION, b, undefined, slackParam);
  });

  test("the Slack and Brevo lanes drop a disconnected connection's messages with a log; nothing is retried", async () => {
    const t = await newTenant();
    await call('PUT', BREVO, t, { apiKey: BREVO_KEY });
    await call('PUT', CONNECTION, t, slackBody(), slackParam);
    await call('DELETE', CONNECTION, t, undefined, slackParam);
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    const posted = slack.messages('C0MARKETING').length;
    const event = {
      id: 'evt-1',
      type: 'new_subscriber',
      source: 'brevo',
      occurredAt: new Date(clock.now()).toISOString(),
      contact: { email: 'new@example.com' },
      raw: {},
    };
    const batch = await postSlackBatch(
      { connections: store, threads: store, secrets, clock, slackApiUrl: slack.apiUrl, log },
      [
        {
          id: 'm1',
          body: JSON.stringify({
            type: 'slack.notify',
            tenantId: t.tenantId,
            channelId: 'C0MARKETING',
            template: null,
            event,
          }),
        },
      ],
    );
    expect(batch).toEqual({ failed: [], posted: 0, digests: 0, dropped: 0 });
    expect(slack.messages('C0MARKETING')).toHaveLength(posted);
    const action = await performBrevoAction(
      { connections: store, secrets, clock, brevoBaseUrl: brevo.baseUrl, log },
      JSON.stringify({ op: 'upsert_contact', tenantId: t.tenantId, email: 'x@example.com', source: 'button' }),
    );
    expect(action).toBe('dropped');
    expect(logs).toEqual([
      expect.stringMatching(/Slack lane messages for a tenant without a Slack connection: dropped/),
      expect.stringMatching(/Brevo lane message for a tenant without a Slack connection: dropped/),
    ]);
  });
});

describe('test notion: the five checks', () => {
  const names = [
    'API authentication successful',
    'Database access verified',
    'User list accessible',
    'Search operational',
    'Page creation available',
  ];
  type Checks = { ok: boolean; checks: { name: string; ok: boolean; detail: string; skipped?: boolean }[] };
  const run = async (t: { tenantId: string; apiKey: string }, body?: unknown) =>
    (await call('POST', TEST, t, body, notionParam)).body as Checks;

  test('all pass read-only; page creation is skipped until allowed, then a row is created and trashed', async () => {
    const t = await connectedTenant();
    const readOnly = await run(t);
    expect(readOnly.checks.map((c) => c.name)).toEqual(names);
    expect(readOnly.ok).toBe(true);
    expect(readOnly.checks[0]?.detail).toMatch(/Acme HQ/);
    expect(readOnly.checks[4]).toMatchObject({ skipped: true, detail: expect.stringMatching(/--create-page/) });
    const before = new Set(notion.pageIds(dataSourceId));

    const write = await run(t, { createPage: true });
    expect(write.ok).toBe(true);
    expect(write.checks[4]).toMatchObject({ ok: true, detail: expect.stringMatching(/moved it to the trash/) });
    const created = notion.pageIds(dataSourceId).filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    const page = notion.getPage(created[0] as string) as { in_trash: boolean; properties: { Name: unknown } };
    expect(page.in_trash).toBe(true);
    expect(JSON.stringify(page.properties.Name)).toContain(TEST_PAGE_TITLE);
  });

  test('a read-only connection never writes, even when page creation is allowed', async () => {
    const t = await newTenant();
    expect((await call('PUT', BREVO, t, { apiKey: BREVO_KEY })).status).toBe(200);
    const readOnly = notionBody({ read_only: true, rules: undefined });
    expect((await call('PUT', CONNECTION, t, readOnly, notionParam)).status).toBe(200);
    const before = notion.pageIds(dataSourceId).length;
    const res = await run(t, { createPage: true });
    expect(res.checks[4]).toMatchObject({ skipped: true, detail: expect.stringMatching(/read-only/) });
    expect(notion.pageIds(dataSourceId)).toHaveLength(before);
  });

  test('each failure says what to do: share the database, add the capability', async () => {
    const t = await connectedTenant();
    notion.unshareDatabase(SANDBOX_DATABASE_ID);
    notion.setCapabilities({ userInformation: 'none', insertContent: false });
    try {
      const res = await run(t, { createPage: true });
      expect(res.ok).toBe(false);
      const by = Object.fromEntries(res.checks.map((c) => [c.name, c]));
      expect(by['Database access verified']).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/not shared.*Connections/),
      });
      // sync.users is off: a user list Notion refuses is reported, not failed.
      expect(by['User list accessible']).toMatchObject({ ok: true, detail: expect.stringMatching(/user information/) });
      expect(by['Page creation available']).toMatchObject({
        skipped: true,
        detail: expect.stringMatching(/no readable database/),
      });

      notion.shareDatabase(SANDBOX_DATABASE_ID);
      const noInsert = await run(t, { createPage: true });
      expect(noInsert.checks[4]).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/Insert content capability/),
      });
    } finally {
      notion.shareDatabase(SANDBOX_DATABASE_ID);
      notion.setCapabilities({ userInformation: 'with_email', insertContent: true });
    }
  });

  test('a revoked token fails authentication and skips the rest', async () => {
    const t = await connectedTenant();
    await secrets.put(notionDescriptor.secrets.token(t.tenantId), 'ntn_revoked');
    const res = await run(t);
    expect(res.ok).toBe(false);
    expect(res.checks[0]).toMatchObject({
      name: 'API authentication successful',
      ok: false,
      detail: expect.stringMatching(/401/),
    });
    expect(res.checks.slice(1).every((c) => c.skipped)).toBe(true);
  });
});

describe('status, sync now, disconnect', () => {
  test('status after a sync: databases and pages tracked, last run and its errors, next run', async () => {
    const t = await connectedTenant();
    const queued = await call('POST', SYNC, t, { full: true }, notionParam);
    expect(queued).toMatchObject({ status: 202, body: { queued: true, mode: 'full' } });
    await drainLane();
    const res = await call('GET', STATUS, t, undefined, notionParam);
    expect(res.status).toBe(200);
    const s = res.body as Record<string, unknown> & { nextRun: { at: string; estimated: boolean } };
    expect(s).toMatchObject({
      connected: true,
      workspace: { name: 'Acme HQ' },
      databasesSynced: 1,
      pagesTracked: 30,
      usersCount: 0,
      lastSync: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastSyncRun: {
        runId: (queued.body as { runId: string }).runId,
        status: 'succeeded',
        mode: 'full',
        trigger: 'api',
      },
      lastErrors: { error: null, rows: [], more: 0 },
      databases: [{ name: 'Customers', sources: 1, pagesTracked: 30 }],
    });
    expect(s.lastSync).toBe((s.lastRun as { finishedAt: string }).finishedAt);
    // No scheduled run yet: the 4-hour rate counts from when the schedule was written (connect).
    const conn = await store.getConnection(t.tenantId, 'notion');
    expect(s.nextRun).toEqual({
      at: new Date(Date.parse(conn?.updatedAt as string) + 4 * 3_600_000).toISOString(),
      windowMinutes: 30,
      estimated: true,
    });
    // After a scheduled run 5 hours ago, the next is due 8 hours after it (the first slot after now).
    const scheduledAt = clock.now() - 5 * 3_600_000;
    await store.putRun({
      tenantId: t.tenantId,
      connector: 'notion',
      runId: `${new Date(scheduledAt).toISOString().replace(/[-:.]/g, '')}-00000009`,
      mode: 'incremental',
      status: 'succeeded',
      startedAt: new Date(scheduledAt).toISOString(),
      finishedAt: new Date(scheduledAt + 1000).toISOString(),
      trigger: 'schedule',
      summary: emptySummary('incremental'),
    });
    const later = (await call('GET', STATUS, t, undefined, notionParam)).body as { nextRun: { at: string } };
    expect(later.nextRun.at).toBe(new Date(scheduledAt + 8 * 3_600_000).toISOString());
  });

  test('disconnect removes secret, record, schedule, webhook state and pending pages, stops its run, and says so', async () => {
    const t = await connectedTenant();
    const conn = await store.getConnection(t.tenantId, 'notion');
    const webhookRef = await secrets.put(`${t.tenantId}/notion-webhook-token`, 'verification-token');
    await store.putNotionWebhook({ tenantId: t.tenantId, confirmedRef: webhookRef, confirmedAt: 'x' });
    await store.addPendingPage(
      t.tenantId,
      { pageId: 'p1', types: ['page.created'], propertyIds: [], authors: [] },
      3600,
    );
    const running: RunRecord = {
      tenantId: t.tenantId,
      connector: 'notion',
      runId: '20261122T100000000Z-00000001',
      mode: 'full',
      status: 'running',
      startedAt: new Date(clock.now()).toISOString(),
      trigger: 'api',
      summary: emptySummary('full'),
      checkpoint: { phase: 'sources' },
    };
    await store.putRun(running);

    const res = await call('DELETE', CONNECTION, t, undefined, notionParam);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      disconnected: true,
      removed: {
        secrets: [notionDescriptor.secrets.token(t.tenantId), 'Notion webhook verification token'],
        schedules: [`notionPoll/notion-${t.tenantId}`],
        notionWebhook: true,
        pendingPages: 1,
        runsStopped: [running.runId],
        record: true,
      },
      kept: expect.arrayContaining([expect.stringMatching(/Brevo API key/), expect.stringMatching(/run history/)]),
    });
    expect(await store.getConnection(t.tenantId, 'notion')).toBeUndefined();
    await expect(secrets.get(conn?.tokenRef as string)).rejects.toThrow(/not found/);
    await expect(secrets.get(webhookRef)).rejects.toThrow(/not found/);
    expect(await store.getNotionWebhook(t.tenantId)).toBeUndefined();
    expect(await store.listPendingPages(t.tenantId, 10)).toEqual([]);
    expect(schedules.live.has(`notionPoll/notion-${t.tenantId}`)).toBe(false);
    const stopped = await store.getRun(t.tenantId, 'notion', running.runId);
    expect(stopped).toMatchObject({ status: 'failed', error: DISCONNECTED_REASON });
    expect(stopped?.checkpoint).toBeUndefined();
    // The tenant's Brevo key stays (it is the tenant's, not the connection's).
    expect(await secrets.get((await store.getTenant(t.tenantId))?.brevoApiKeyRef as string)).toBe(BREVO_KEY);

    // Status says it is gone; a second disconnect is 404; sync now is 409.
    expect((await call('GET', STATUS, t, undefined, notionParam)).body).toMatchObject({
      connected: false,
      nextRun: null,
    });
    expect((await call('DELETE', CONNECTION, t, undefined, notionParam)).status).toBe(404);
    expect((await call('POST', SYNC, t, {}, notionParam)).status).toBe(409);
  });

  test('queued work of a disconnected connection is dropped with a log, not retried', async () => {
    const t = await connectedTenant();
    await call('POST', SYNC, t, {}, notionParam);
    const queued = lane.sent.splice(0);
    expect(queued).toHaveLength(1);
    await call('DELETE', CONNECTION, t, undefined, notionParam);
    const logs: string[] = [];
    const res = await handleNotionLaneMessage(
      { ...deps, log: (_level, message) => logs.push(message) },
      queued[0]!.message.body,
      { deadline: Date.now() + 60_000, lastAttempt: false, groupId: queued[0]!.message.groupId },
    );
    expect(res).toBeUndefined();
    expect(logs).toEqual([expect.stringMatching(/without a Notion connection: dropped/)]);
    expect(lane.sent).toHaveLength(0);
    expect(await store.listRuns(t.tenantId, 'notion', 5)).toEqual([]);
  });

  test("work queued for the previous token of a reconnected connection moves to the new token's group, not run in the old one", async () => {
    const t = await connectedTenant();
    await call('POST', SYNC, t, {}, notionParam);
    const old = lane.sent.splice(0)[0]!.message;
    // The run started under the old token: its first step ran.
    const startedRun = JSON.parse(old.body) as { runId: string };
    await store.putRun({
      tenantId: t.tenantId,
      connector: 'notion',
      runId: startedRun.runId,
      mode: 'incremental',
      status: 'running',
      startedAt: new Date(clock.now()).toISOString(),
      trigger: 'api',
      summary: emptySummary('incremental'),
    });
    expect((await call('PUT', CONNECTION, t, notionBody({ token: OTHER_NOTION_TOKEN }), notionParam)).status).toBe(200);
    expect((await store.getConnection(t.tenantId, 'notion'))?.integrationKey).not.toBe(old.groupId);
    const logs: string[] = [];
    const continued = JSON.stringify({
      type: 'notion.sync.continue',
      tenantId: t.tenantId,
      runId: startedRun.runId,
      step: 1,
    });
    await handleNotionLaneMessage({ ...deps, log: (_l, m) => logs.push(m) }, continued, {
      deadline: Date.now() + 60_000,
      lastAttempt: false,
      groupId: old.groupId,
    });
    expect(logs).toEqual([expect.stringMatching(/outside its connection's group: moved there/)]);
    // Not run in the old group: the run is as it was, and the same step waits in the new group.
    expect(await store.getRun(t.tenantId, 'notion', startedRun.runId)).toMatchObject({ status: 'running' });
    const newKey = (await store.getConnection(t.tenantId, 'notion'))?.integrationKey;
    expect(lane.sent.splice(0).map((m) => [m.message.groupId, m.message.body])).toEqual([[newKey, continued]]);
  });

  test('the Brevo key cannot be removed while a connection writes with it; afterwards it can', async () => {
    const t = await connectedTenant();
    const busy = await call('DELETE', BREVO, t);
    expect(busy.status).toBe(409);
    expect(JSON.stringify(busy.body)).toMatch(/notion connection still writes/);
    await call('DELETE', CONNECTION, t, undefined, notionParam);
    const ref = (await store.getTenant(t.tenantId))?.brevoApiKeyRef as string;
    expect((await call('DELETE', BREVO, t)).status).toBe(200);
    await expect(secrets.get(ref)).rejects.toThrow(/not found/);
    expect(await store.getTenant(t.tenantId)).not.toHaveProperty('brevoApiKeyRef');
    expect((await call('DELETE', BREVO, t)).status).toBe(404);
  });

  test("any connector's connection keeps the key from being removed, and follows a new key", async () => {
    const t = await connectedTenant();
    const notion = (await store.getConnection(t.tenantId, 'notion'))!;
    // A connection of a connector made from a definition (Shopify from the catalogue), stored as connect stores it.
    await store.putConnection({ ...notion, connector: 'shopify', brevoApiKeyRef: 'an-older-key-ref' });
    await call('DELETE', CONNECTION, t, undefined, notionParam);
    const busy = await call('DELETE', BREVO, t);
    expect(busy.status).toBe(409);
    expect(JSON.stringify(busy.body)).toMatch(/shopify connection still writes/);
    expect((await store.listTenantConnections(t.tenantId)).map((c) => c.connector)).toEqual(['shopify']);
    // The key given again: the Shopify connection writes with the tenant's stored key from now on.
    expect((await call('PUT', BREVO, t, { apiKey: BREVO_KEY, keyName: 'tajo-sync' })).status).toBe(200);
    const tenantRef = (await store.getTenant(t.tenantId))?.brevoApiKeyRef;
    expect((await store.getConnection(t.tenantId, 'shopify'))?.brevoApiKeyRef).toBe(tenantRef);
  });
});

describe('tenant isolation on every management route', () => {
  // GET /me names no tenant: a key always answers its own (test/integration/api-me-runs.test.ts).
  const tenantRoutes = topology.routes.filter(
    (r) => r.function === 'api' && r.auth === 'tenantApiKey' && r.path.includes('{tenantId}'),
  );

  test.each(tenantRoutes.map((r) => [`${r.method} ${r.path}`]))(
    "%s: tenant A's key on tenant B is 404 and changes nothing of B",
    async (routeKey) => {
      const a = await connectedTenant();
      const b = await connectedTenant();
      const [method, path] = routeKey.split(' ') as [string, string];
      const bBefore = {
        tenant: await store.getTenant(b.tenantId),
        conn: await store.getConnection(b.tenantId, 'notion'),
      };
      const body =
        path.endsWith('/brevo') && method === 'PUT'
          ? { apiKey: BREVO_KEY }
          : method === 'PUT'
            ? notionBody()
            : method === 'POST'
              ? {}
              : undefined;
      const res = await call(method, path, { tenantId: b.tenantId, apiKey: a.apiKey }, body, notionParam);
      const refusal = { error: UNKNOWN_KEY_REASON, code: 'not_found' };
      expect(res).toEqual({ status: 404, body: refusal });
      expect(await store.getTenant(b.tenantId)).toEqual(bBefore.tenant);
      expect(await store.getConnection(b.tenantId, 'notion')).toEqual(bBefore.conn);
      expect(lane.sent).toHaveLength(0);
      // The same call with B's own key is served (so the 404 above was the key, not the route).
      const own = await call(method, path, b, body, notionParam);
      expect(own.status).toBeLessThan(500);
      // A route naming a resource (an import, a document) may answer 404 for the made-up id, but
      // with its own reason, not the key's refusal.
      expect(own.body).not.toEqual(refusal);
      lane.sent.splice(0);
    },
  );
});
