/**
 * The deployment's distributed Slack app (`POST /slack/events`, `POST /slack/interactions`): the
 * app's signing secret, then team → tenant, then the same path as a tenant's own app. Driven
 * through acceptSlackRequest on dynalite (the team claims are real conditional writes), with an
 * in-memory lane that deduplicates as a FIFO queue does. The HTTP routes are in the local stack's
 * end-to-end test.
 */

import { SlackSimulator } from '../../sandbox/slack';
import { parseConfig } from '../../shared/app/config';
import { connectSlack } from '../../shared/app/connections';
import type { QueueName } from '../../shared/app/topology';
import { SLACK_APP_CACHE_MS, slackAppCredentials } from '../../shared/connectors/slack/app';
import { acceptSlackRequest, type SlackRequest } from '../../shared/connectors/slack/interactions';
import { signSlackRequest } from '../../shared/connectors/slack/signature';
import { WorkspaceClaimedError } from '../../shared/core/errors';
import type {
  ConnectionRecord,
  LaneMessage,
  LaneQueue,
  ScheduleManager,
  SecretStore,
  SlackSettings,
} from '../../shared/core/ports';
import { freshStore } from '../support/stores';

const APP_SECRET = 'app-signing-secret';
const TENANT_A_SECRET = 'tenant-a-own-app-secret';
const NOW = 1_795_370_000_000;

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  gets = 0;
  async put(name: string, value: string): Promise<string> {
    this.values.set(`mem:${name}`, value);
    return `mem:${name}`;
  }
  async get(ref: string): Promise<string> {
    this.gets++;
    const v = this.values.get(ref);
    if (v === undefined) throw new Error(`no secret ${ref}`);
    return v;
  }
  async delete(ref: string): Promise<void> {
    this.values.delete(ref);
  }
}

/** A FIFO queue's deduplication: a second message with the same id inside the window is dropped. */
class MemoryLane implements LaneQueue {
  readonly messages: (LaneMessage & { queue: QueueName })[] = [];
  private readonly seen = new Set<string>();
  async send(queue: QueueName, messages: LaneMessage[]): Promise<void> {
    for (const m of messages) {
      if (this.seen.has(m.deduplicationId)) continue;
      this.seen.add(m.deduplicationId);
      this.messages.push({ ...m, queue });
    }
  }
  bodies(): { tenantId: string; email?: string }[] {
    return this.messages.map((m) => JSON.parse(m.body));
  }
}

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

const slackSettings = (teamId: string, extra: Partial<SlackSettings> = {}): SlackSettings =>
  ({
    enabled: true,
    teamId,
    channels: {},
    notifications: {},
    interactions: { add_to_newsletter: { action: 'add_to_list', list: 'Newsletter' } },
    ...extra,
  }) as unknown as SlackSettings;

const connection = (tenantId: string, settings: SlackSettings, signingSecretRef?: string) =>
  ({
    tenantId,
    connector: 'slack',
    settings,
    tokenRef: `mem:${tenantId}/slack-bot-token`,
    signingSecretRef,
    brevoApiKeyRef: `mem:${tenantId}/brevo-api-key`,
    integrationKey: `ik-${tenantId}`,
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
  }) as ConnectionRecord<'slack'>;

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
const click = (team: Record<string, unknown>, email = 'clicker@example.com', triggerId = 'trg-1') =>
  form({
    type: 'block_actions',
    trigger_id: triggerId,
    ...team,
    actions: [{ action_id: 'add_to_newsletter', value: email, action_ts: '1795370000.000001' }],
  });

async function setup() {
  const { store } = await freshStore();
  const secrets = new MemorySecrets();
  const lane = new MemoryLane();
  const logs: { message: string; data: Record<string, unknown> }[] = [];
  const appRef = await secrets.put('slack-app', JSON.stringify({ signing_secret: APP_SECRET, client_id: '1.2' }));
  const tenantARef = await secrets.put('a/slack-signing-secret', TENANT_A_SECRET);
  const clock = { now: () => NOW, sleep: async () => undefined };
  // Tenant A: workspace T0AAA (its own app's secret too); tenant B: workspace T0BBB.
  await store.putConnection(connection('tenant-a', slackSettings('T0AAA'), tenantARef));
  await store.claimSlackTeam({ tenantId: 'tenant-a', teamId: 'T0AAA', isEnterpriseInstall: false, createdAt: 'x' });
  await store.putConnection(connection('tenant-b', slackSettings('T0BBB')));
  await store.claimSlackTeam({ tenantId: 'tenant-b', teamId: 'T0BBB', isEnterpriseInstall: false, createdAt: 'x' });
  const deps = {
    connections: store,
    secrets,
    lane,
    clock,
    app: { credentials: slackAppCredentials({ secrets, clock }, appRef), teams: store },
    log: (message: string, data: Record<string, unknown>) => logs.push({ message, data }),
  };
  const send = (
    kind: SlackRequest['kind'],
    body: string,
    opts: { secret?: string; ts?: number; headers?: Record<string, string>; tenantId?: string } = {},
  ) => {
    const ts = opts.ts ?? Math.floor(NOW / 1000);
    return acceptSlackRequest(deps, {
      via: opts.tenantId ? { app: 'tenant', tenantId: opts.tenantId } : { app: 'distributed' },
      kind,
      rawBody: Buffer.from(body, 'utf8'),
      headers: {
        'X-Slack-Request-Timestamp': String(ts),
        'X-Slack-Signature': signSlackRequest(body, opts.secret ?? APP_SECRET, ts),
        ...opts.headers,
      },
    });
  };
  return { store, secrets, lane, logs, deps, send, appRef };
}

test('a signed click from a known team reaches the Brevo lane for that team’s tenant', async () => {
  const { lane, send } = await setup();
  const res = await send('interactions', click({ team: { id: 'T0AAA' }, user: { id: 'U1', team_id: 'T0AAA' } }));
  expect(res).toEqual({ status: 200, body: {} });
  expect(lane.messages).toHaveLength(1);
  expect(lane.messages[0]).toMatchObject({ queue: 'brevoLane', groupId: 'tenant-a' });
  expect(lane.bodies()[0]).toMatchObject({ op: 'upsert_contact', tenantId: 'tenant-a', email: 'clicker@example.com' });

  // user.team_id is enough when `team` is null (some payloads of org-wide apps).
  await send('interactions', click({ team: null, user: { id: 'U2', team_id: 'T0BBB' } }, 'b@example.com', 't2'));
  expect(lane.messages[1]).toMatchObject({ groupId: 'tenant-b' });
  expect(lane.bodies()[1]).toMatchObject({ tenantId: 'tenant-b', email: 'b@example.com' });
});

test('url_verification is answered before any team lookup; events of a known team are acked', async () => {
  const { send, logs } = await setup();
  const challenge = await send('events', JSON.stringify({ type: 'url_verification', challenge: 'c-1', token: 't' }));
  expect(challenge).toEqual({ status: 200, body: { challenge: 'c-1' } });
  const event = await send(
    'events',
    JSON.stringify({
      type: 'event_callback',
      team_id: 'T0OTHERORG', // a Slack Connect channel: the installation is in `authorizations`
      authorizations: [{ team_id: 'T0AAA', enterprise_id: null, is_enterprise_install: false }],
      event: { type: 'app_mention' },
    }),
    { headers: { 'X-Slack-Retry-Num': '2' } },
  );
  expect(event).toEqual({ status: 200, body: { ok: true } });
  expect(logs.at(-1)).toMatchObject({
    message: 'Slack event acknowledged',
    data: { tenantId: 'tenant-a', type: 'app_mention', retryNum: '2' },
  });
});

test('forged, stale, future and tenant-app signatures are refused on the app route; nothing is queued', async () => {
  const { lane, send } = await setup();
  const body = click({ team: { id: 'T0AAA' } });
  expect((await send('interactions', body, { secret: 'forged' })).status).toBe(401);
  expect((await send('interactions', body, { ts: Math.floor(NOW / 1000) - 301 })).status).toBe(401);
  expect((await send('interactions', body, { ts: Math.floor(NOW / 1000) + 301 })).status).toBe(401);
  // Tenant A's own app secret is not the deployment app's: refused, though the team is A's.
  expect((await send('interactions', body, { secret: TENANT_A_SECRET })).status).toBe(401);
  expect(
    (await send('events', JSON.stringify({ type: 'url_verification', challenge: 'x' }), { secret: TENANT_A_SECRET }))
      .status,
  ).toBe(401);
  // And the other way round: the app's signature does not open a tenant's own-app route.
  expect((await send('interactions', body, { tenantId: 'tenant-a' })).status).toBe(401);
  // A body that is not even parseable is refused by the signature, not by a parse error.
  expect((await send('interactions', 'payload=%7Bbroken', { secret: 'forged' })).status).toBe(401);
  expect(lane.messages).toHaveLength(0);
  // The tenant route still works with the tenant's own secret, on the same path.
  expect((await send('interactions', body, { tenantId: 'tenant-a', secret: TENANT_A_SECRET })).status).toBe(200);
  expect(lane.bodies()).toEqual([expect.objectContaining({ tenantId: 'tenant-a' })]);
});

test('an unknown team: events get an empty 200 (no retries), interactions a text for the user, both logged', async () => {
  const { lane, send, logs } = await setup();
  const event = await send(
    'events',
    JSON.stringify({ type: 'event_callback', team_id: 'T0NOBODY', event: { type: 'app_mention' } }),
  );
  expect(event).toEqual({ status: 200, body: undefined });
  const interaction = await send('interactions', click({ team: { id: 'T0NOBODY' } }));
  expect(interaction.status).toBe(200);
  expect(interaction.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not connected/) });
  // No team at all in a signed payload is the same: it leads to no tenant.
  expect((await send('interactions', click({}))).body).toMatchObject({ response_type: 'ephemeral' });
  expect(lane.messages).toHaveLength(0);
  expect(logs.filter((l) => /no tenant has connected/.test(l.message)).map((l) => l.data.team)).toEqual([
    'W:T0NOBODY',
    'W:T0NOBODY',
    undefined,
  ]);
});

test('a team mapped to tenant A never acts on tenant B', async () => {
  const { store, lane, send } = await setup();
  // The installation's team decides, not the clicking user's home workspace.
  await send('interactions', click({ team: { id: 'T0AAA' }, user: { id: 'U9', team_id: 'T0BBB' } }));
  expect(lane.messages.map((m) => m.groupId)).toEqual(['tenant-a']);

  // A mapping B's connection does not back (B's workspace is T0BBB) leads nowhere, not to B.
  await store.claimSlackTeam({ tenantId: 'tenant-b', teamId: 'T0STRAY', isEnterpriseInstall: false, createdAt: 'x' });
  const stray = await send('interactions', click({ team: { id: 'T0STRAY' } }, 'stray@example.com', 't3'));
  expect(stray.body).toMatchObject({ response_type: 'ephemeral' });

  // A mapping whose tenant has no Slack connection (disconnected) leads nowhere either.
  await store.claimSlackTeam({ tenantId: 'tenant-c', teamId: 'T0CCC', isEnterpriseInstall: false, createdAt: 'x' });
  expect((await send('interactions', click({ team: { id: 'T0CCC' } }, 'c@example.com', 't4'))).body).toMatchObject({
    response_type: 'ephemeral',
  });
  expect(lane.bodies().map((b) => b.tenantId)).toEqual(['tenant-a']);
});

test('an org-wide (Enterprise Grid) install is found by its enterprise, for any workspace of the org', async () => {
  const { store, lane, send } = await setup();
  await store.putConnection(
    connection('tenant-e', slackSettings('E0ORG', { enterpriseId: 'E0ORG', enterpriseInstall: true })),
  );
  await store.claimSlackTeam({
    tenantId: 'tenant-e',
    enterpriseId: 'E0ORG',
    isEnterpriseInstall: true,
    createdAt: 'x',
  });
  const res = await send(
    'interactions',
    click({ team: { id: 'T0ANYWS' }, enterprise: { id: 'E0ORG' }, is_enterprise_install: true }, 'e@example.com'),
  );
  expect(res.status).toBe(200);
  const event = await send(
    'events',
    JSON.stringify({
      type: 'event_callback',
      team_id: 'T0ANYWS',
      enterprise_id: 'E0ORG',
      authorizations: [{ team_id: null, enterprise_id: 'E0ORG', is_enterprise_install: true }],
      event: { type: 'app_mention' },
    }),
  );
  expect(event).toEqual({ status: 200, body: { ok: true } });
  // The same org, not installed org-wide: the workspace's own mapping is needed, and T0ANYWS has none.
  const notOrgWide = await send(
    'interactions',
    click({ team: { id: 'T0ANYWS' }, enterprise: { id: 'E0ORG' }, is_enterprise_install: false }, 'n@example.com'),
  );
  expect(notOrgWide.body).toMatchObject({ response_type: 'ephemeral' });
  expect(lane.bodies()).toEqual([expect.objectContaining({ tenantId: 'tenant-e', email: 'e@example.com' })]);
});

test('the same request retried (X-Slack-Retry-Num) or sent twice has one effect', async () => {
  const { lane, send } = await setup();
  const body = click({ team: { id: 'T0AAA' } });
  expect((await send('interactions', body)).status).toBe(200);
  expect((await send('interactions', body, { headers: { 'X-Slack-Retry-Num': '1' } })).status).toBe(200);
  expect(
    (
      await send('interactions', body, {
        headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' },
      })
    ).status,
  ).toBe(200);
  expect(lane.messages).toHaveLength(1);
});

test('the app secret: read once per few minutes, refused (503) while absent or a placeholder', async () => {
  const { secrets, send, deps, appRef } = await setup();
  const before = secrets.gets;
  for (let i = 0; i < 5; i++) await send('events', JSON.stringify({ type: 'url_verification', challenge: `${i}` }));
  expect(secrets.gets - before).toBe(1);

  let now = NOW;
  const clock = { now: () => now, sleep: async () => undefined };
  const logs: string[] = [];
  const creds = slackAppCredentials({ secrets, clock, log: (m) => logs.push(m) }, appRef);
  await creds();
  now += SLACK_APP_CACHE_MS - 1;
  await creds();
  const gets = secrets.gets;
  now += 2;
  expect(await creds()).toMatchObject({ signing_secret: APP_SECRET, client_id: '1.2' });
  expect(secrets.gets).toBe(gets + 1);

  // The stack's placeholder (no signing_secret) and a missing reference: nothing verifies, 503.
  secrets.values.set('mem:placeholder', JSON.stringify({ replace_with: 'x', placeholder: 'random' }));
  const placeholder = slackAppCredentials({ secrets, clock, log: (m) => logs.push(m) }, 'mem:placeholder');
  expect(await placeholder()).toBeUndefined();
  expect(logs).toEqual([expect.stringMatching(/replace its value/)]);
  for (const credentials of [placeholder, slackAppCredentials({ secrets, clock }, undefined)]) {
    const res = await acceptSlackRequest(
      { ...deps, app: { ...deps.app, credentials } },
      {
        via: { app: 'distributed' },
        kind: 'events',
        rawBody: Buffer.from('{"type":"url_verification","challenge":"c"}'),
        headers: {},
      },
    );
    expect(res.status).toBe(503);
  }
});

describe('connectSlack keeps the team → tenant record', () => {
  let slack: SlackSimulator;
  const workspace = (teamId: string, botToken: string) => ({
    teamId,
    teamName: teamId,
    botToken,
    botUserId: `U${teamId}`,
    botId: `B${teamId}`,
    scopes: ['chat:write'],
  });
  beforeAll(async () => {
    slack = new SlackSimulator({
      tiers: false,
      workspaces: [workspace('T0ONE', 'xoxb-one'), workspace('T0TWO', 'xoxb-two')],
    });
    await slack.start();
  });
  afterAll(() => slack.stop());

  const config = (token: string) =>
    parseConfig(
      `brevo: { api_key: k }\nconnectors:\n  slack:\n    bot_token: ${token}\n    signing_secret: s\n    channels: { m: C0MARKETING }\n`,
      {},
    );

  test('written on connect; a second tenant claiming the team is refused before anything is stored', async () => {
    const { store } = await freshStore();
    const secrets = new MemorySecrets();
    const deps = {
      connections: store,
      secrets,
      schedules: noSchedules,
      teams: store,
      clock: { now: () => NOW, sleep: async () => undefined },
      slackApiUrl: slack.apiUrl,
    };
    await connectSlack(deps, { tenantId: 'acme', config: config('xoxb-one') });
    expect(await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ONE' })).toMatchObject({
      tenantId: 'acme',
      teamId: 'T0ONE',
      isEnterpriseInstall: false,
    });
    expect(await store.listSlackTeams('acme')).toEqual([expect.objectContaining({ teamId: 'T0ONE' })]);
    // Connecting again (new token, same workspace) is fine.
    await connectSlack(deps, { tenantId: 'acme', config: config('xoxb-one') });

    const stored = secrets.values.size;
    const refused = connectSlack(deps, { tenantId: 'globex', config: config('xoxb-one') });
    await expect(refused).rejects.toBeInstanceOf(WorkspaceClaimedError);
    await expect(refused).rejects.toThrow(/workspace T0ONE is already connected to another tenant/);
    await expect(refused).rejects.not.toThrow(/acme/);
    expect(secrets.values.size).toBe(stored);
    expect(await store.getConnection('globex', 'slack')).toBeUndefined();
    expect(await store.listSlackTeams('globex')).toEqual([]);
    expect((await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ONE' }))?.tenantId).toBe('acme');

    // Releasing is only the holder's: globex cannot drop acme's claim; acme can.
    await store.releaseSlackTeam('globex', { isEnterpriseInstall: false, teamId: 'T0ONE' });
    expect((await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ONE' }))?.tenantId).toBe('acme');

    // acme moves to another workspace: the old one is released, and free for globex.
    await connectSlack(deps, { tenantId: 'acme', config: config('xoxb-two') });
    expect((await store.listSlackTeams('acme')).map((t) => t.teamId)).toEqual(['T0TWO']);
    expect(await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ONE' })).toBeUndefined();
    await connectSlack(deps, { tenantId: 'globex', config: config('xoxb-one') });
    expect((await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0ONE' }))?.tenantId).toBe('globex');

    await store.releaseSlackTeam('acme', { isEnterpriseInstall: false, teamId: 'T0TWO' });
    expect(await store.listSlackTeams('acme')).toEqual([]);
    expect(await store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0TWO' })).toBeUndefined();
  });
});
