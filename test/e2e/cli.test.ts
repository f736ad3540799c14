/**
 * The `tajo` CLI as a user runs it: a child process on this Node, talking to the simulators over
 * loopback (NOTION_BASE_URL / BREVO_BASE_URL), state in a temp TAJO_STATE_DIR.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NEWSLETTER_DATABASE_ID,
  SANDBOX_NEWSLETTER_LIST,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SENDER_EMAIL,
  sandboxConfigYaml,
  seedSandbox,
  seedSandboxNewsletter,
} from '../../sandbox/sandbox';
import { startEmbeddedDynamo } from '../../shared/adapters/local/embedded-dynamodb';
import { emptyRuleRun } from '../../shared/connectors/notion/rules/brevo-to-notion';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;
let pageIds: string[];

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  await Promise.all([notion.start(), brevo.start()]);
  pageIds = seedSandbox(notion, brevo, { rows: 180 }).pageIds;
  dir = await mkdtemp(join(tmpdir(), 'tajo-cli-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml());
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const tajo = (args: string[], env: Record<string, string> = {}) =>
  runTajo(args, { ...simulatorEnv(notion, brevo, dir), ...env });

test('sync --json: one JSON object on the last line with the contract fields; the next run is incremental', async () => {
  const first = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(first.code).toBe(0);
  const summary = lastJson(first.stdout);
  for (const key of [
    'mode',
    'pagesRead',
    'upserted',
    'unchanged',
    'removed',
    'failed',
    'errors',
    'notionRequests',
    'brevoRequests',
    'rateLimited',
    'durationMs',
  ]) {
    expect(summary).toHaveProperty(key);
  }
  expect(summary).toMatchObject({ pagesRead: 180, upserted: 180, failed: 0, rateLimited: 0 });
  expect(brevo.contacts()).toHaveLength(180);

  notion.updatePage(pageIds[3] as string, { Email: 'broken-address' });
  notion.updatePage(pageIds[4] as string, { Company: 'Edited Ltd' });
  const second = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(second.code).toBe(0);
  const s2 = lastJson(second.stdout);
  expect(s2).toMatchObject({ mode: 'incremental', upserted: 1, failed: 1 });
  expect((s2.errors as { pageId: string; property: string }[])[0]).toMatchObject({
    pageId: pageIds[3],
    property: 'Email',
  });
  expect(s2.notionRequests).toBeLessThanOrEqual(3);
});

test('without --json a person sees progress and a readable summary; status shows the last run', async () => {
  const res = await tajo(['connectors', 'sync', 'notion', '--config', config, '--full']);
  expect(res.code).toBe(0);
  expect(res.stderr).toMatch(/→ Customers/);
  expect(res.stdout).toMatch(/Notion sync \(full\) succeeded in [\d.]+ s: 180 rows read/);
  const status = await tajo(['connectors', 'status', 'notion', '--config', config]);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/last run .*: succeeded \(full\)/);
  const json = await tajo(['connectors', 'status', 'notion', '--config', config, '--json']);
  expect(lastJson(json.stdout)).toMatchObject({ tenantId: 'default', lastRun: { status: 'succeeded', mode: 'full' } });
});

test('status shows the Brevo → Notion rules, the last rule delivery, its conflicts and row errors', async () => {
  const state = await startEmbeddedDynamo(join(dir, 'state', 'dynamodb'));
  try {
    const run = emptyRuleRun('default', '20261122T100000000Z-abcd1234', 2, '2026-11-22T10:00:00.000Z');
    Object.assign(run, { status: 'succeeded', updated: 1, failed: 1 });
    run.conflicts.push({
      rule: 'converted-leads',
      email: 'ann@example.com',
      pageId: 'p-1',
      property: 'Name',
      winner: 'notion',
      kept: 'Ann (VIP)',
      lost: 'Ann Lee',
      brevoAt: '2026-11-22T10:00:40.000Z',
      notionEditedAt: '2026-11-22T10:00:00.000Z',
      reason: 'within that minute the Notion edit wins',
      at: '2026-11-22T10:01:00.000Z',
    });
    run.errors.push({
      rule: 'converted-leads',
      email: 'gus@example.com',
      eventId: 'e-2',
      property: 'Converted Date',
      reason: '"soon" is not a date',
    });
    await state.store.putRuleRun(run);
  } finally {
    await state.close();
  }
  const status = await tajo(['connectors', 'status', 'notion', '--config', config]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(
    'rule converted-leads: contact_updated → database 2a1d6f4b0c3e4d5f9a8b7c6d5e4f3a21 (upsert)',
  );
  expect(status.stdout).toMatch(
    /last rule delivery 20261122T100000000Z-abcd1234: succeeded: 2 matches, 0 created, 1 updated/,
  );
  expect(status.stdout).toContain(
    'conflict converted-leads ann@example.com Name: notion won, kept "Ann (VIP)", lost "Ann Lee"',
  );
  expect(status.stdout).toContain('rule converted-leads gus@example.com (Converted Date): "soon" is not a date');
  const json = lastJson((await tajo(['connectors', 'status', 'notion', '--config', config, '--json'])).stdout);
  expect(json.rules).toMatchObject({
    configured: [{ name: 'converted-leads', event: 'contact_updated', action: 'upsert' }],
    recentRuns: [{ runId: '20261122T100000000Z-abcd1234', updated: 1, failed: 1 }],
    conflicts: [{ property: 'Name', winner: 'notion', lost: 'Ann Lee' }],
    errors: [{ email: 'gus@example.com' }],
  });
});

test('a wrong config exits 2 naming the key; a rejected token exits 1 with one line', async () => {
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, sandboxConfigYaml().replace('api_version: "2025-09-03"', 'api_version: "2020-01-01"'));
  const res = await tajo(['connectors', 'sync', 'notion', '--config', bad]);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/connectors\.notion\.api_version/);
  expect(notion.stats().byRoute['GET /v1/databases/:database_id'] ?? 0).toBeGreaterThan(0); // earlier runs only

  const before = notion.stats().requests;
  const validate = await tajo(['config', 'validate', '--config', bad]);
  expect(validate.code).toBe(2);
  expect(notion.stats().requests).toBe(before); // refused before anything is sent

  const denied = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json'], {
    NOTION_TOKEN: 'secret_not_valid',
  });
  expect(denied.code).toBe(1);
  expect(denied.stderr.trim().split('\n')).toHaveLength(1);
  expect(denied.stderr).toMatch(/Notion rejected the token \(401 unauthorized\)/);
  expect(lastJson(denied.stdout)).toMatchObject({ ok: false });

  const unreachable = await tajo(['connectors', 'sync', 'notion', '--config', config], {
    NOTION_BASE_URL: 'http://127.0.0.1:9',
  });
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toMatch(/cannot reach notion at http:\/\/127\.0\.0\.1:9/);
});

test('sync slack-users: members become contacts in a list; bots and people without email are counted, not written', async () => {
  const { SlackSimulator } = await import('../../sandbox/slack');
  const slack = new SlackSimulator({ tiers: false });
  await slack.start();
  try {
    slack.addUser({ id: 'U1', name: 'grace', realName: 'Grace Hopper', email: 'grace@example.com', title: 'Admiral' });
    slack.addUser({
      id: 'U2',
      name: 'alan',
      realName: 'Alan Turing',
      email: 'alan@example.com',
      phone: '+44 20 7946 0958',
    });
    slack.addUser({ id: 'U3', name: 'nobody', realName: 'No Email' });
    slack.addUser({ id: 'B1', name: 'robot', isBot: true });
    const cfg = join(dir, 'slack-users.yaml');
    await writeFile(
      cfg,
      `brevo: { api_key: ${SANDBOX_BREVO_KEY} }\nconnectors:\n  slack:\n    bot_token: xoxb-sandbox\n    users:\n      sync_to_list: Slack members\n`,
    );
    const res = await tajo(['connectors', 'sync', 'slack-users', '--config', cfg, '--json'], {
      SLACK_API_URL: slack.apiUrl,
    });
    expect(res.code).toBe(0);
    const summary = lastJson(res.stdout);
    expect(summary).toMatchObject({ upserted: 2, failed: 0, missingEmail: 1 });
    expect(summary.bots as number).toBeGreaterThanOrEqual(2); // the bot and USLACKBOT
    const list = brevo.lists().find((l) => l.name === 'Slack members')!;
    expect(brevo.listMembers(list.id).sort()).toEqual(['alan@example.com', 'grace@example.com']);
    expect(brevo.getContact('grace@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Grace', LASTNAME: 'Hopper' });
  } finally {
    await slack.stop();
  }
});

test('test slack: five checks, each failure with what to do', async () => {
  const { SlackSimulator } = await import('../../sandbox/slack');
  const { createServer } = await import('node:http');
  const { verifySlackSignature } = await import('../../shared/connectors/slack/signature');
  const secret = 'test-signing-secret';
  const slack = new SlackSimulator({
    tiers: false,
    workspaces: [
      {
        teamId: 'T0TEST',
        teamName: 'Test',
        botToken: 'xoxb-test',
        botUserId: 'U0BOT',
        botId: 'B0BOT',
        scopes: ['chat:write', 'channels:read', 'team:read', 'users:read'],
      },
    ],
  });
  await slack.start();
  slack.addChannel({ id: 'C0IN', name: 'in', teamId: 'T0TEST' });
  slack.addChannel({ id: 'C0OUT', name: 'out', isMember: false, teamId: 'T0TEST' });
  // A stand-in for the deployed events route: answers url_verification when the signature is right.
  const events = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const v = verifySlackSignature(
        { rawBody: raw, headers: req.headers as Record<string, string> },
        secret,
        Date.now(),
      );
      if (!v.ok) return void res.writeHead(v.status).end();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ challenge: JSON.parse(raw.toString()).challenge }));
    });
  });
  await new Promise<void>((r) => events.listen(0, '127.0.0.1', r));
  const eventsUrl = `http://127.0.0.1:${(events.address() as { port: number }).port}/slack/acme/events`;
  const write = async (channels: string) => {
    const cfg = join(dir, 'slack-test.yaml');
    await writeFile(
      cfg,
      `brevo: { api_key: k }\nconnectors:\n  slack:\n    bot_token: xoxb-test\n    signing_secret: ${secret}\n    channels: { ${channels} }\n`,
    );
    return cfg;
  };
  try {
    const ok = await tajo(
      ['connectors', 'test', 'slack', '--config', await write('in: C0IN'), '--events-url', eventsUrl],
      {
        SLACK_API_URL: slack.apiUrl,
      },
    );
    expect(ok.code).toBe(0);
    expect(
      ok.stdout
        .trim()
        .split('\n')
        .map((l) => l.slice(0, 2)),
    ).toEqual(['✓ ', '✓ ', '✓ ', '✓ ', '✓ ']);

    const notIn = await tajo(['connectors', 'test', 'slack', '--config', await write('out: C0OUT'), '--json'], {
      SLACK_API_URL: slack.apiUrl,
    });
    expect(notIn.code).toBe(1);
    const checks = (lastJson(notIn.stdout).checks as { name: string; ok: boolean; detail: string }[]).reduce(
      (m, c) => m.set(c.name, c),
      new Map<string, { ok: boolean; detail: string }>(),
    );
    expect(checks.get('Message posting enabled')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/invite it/),
    });
    expect(checks.get('Event subscriptions active')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/--events-url/),
    });

    // A token Slack does not know:
    const wrongCfg = join(dir, 'slack-wrong.yaml');
    await writeFile(wrongCfg, 'brevo: { api_key: k }\nconnectors:\n  slack:\n    bot_token: xoxb-wrong\n');
    const wrong = await tajo(['connectors', 'test', 'slack', '--config', wrongCfg], { SLACK_API_URL: slack.apiUrl });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/✗ Bot token valid: Slack refused the token \(invalid_auth\)/);
  } finally {
    events.close();
    await slack.stop();
  }
});

test('sync notion-users: members become contacts, bots counted, guests absent; status keeps the database run', async () => {
  const res = await tajo(['connectors', 'sync', 'notion-users', '--config', config, '--json']);
  expect(res.code).toBe(0);
  const summary = lastJson(res.stdout);
  // Ada, Grace, Alan; the Calendar bot and the integration itself; Gina the guest is not listed.
  expect(summary).toMatchObject({
    mode: 'incremental',
    pagesRead: 5,
    upserted: 3,
    bots: 2,
    missingEmail: 0,
    failed: 0,
  });
  for (const key of ['unchanged', 'removed', 'errors', 'notionRequests', 'brevoRequests', 'rateLimited', 'durationMs'])
    expect(summary).toHaveProperty(key);
  expect(brevo.getContact('grace@sandbox.example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'Grace',
    LASTNAME: 'Hopper',
  });
  expect(brevo.getContact('gina@partner.example.org')).toBeUndefined();

  const again = await tajo(['connectors', 'sync', 'notion-users', '--config', config]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/Notion users \(incremental\) synced in [\d.]+ s: 5 users read, 0 written, 3 unchanged/);

  const status = lastJson((await tajo(['connectors', 'status', 'notion', '--config', config, '--json'])).stdout);
  expect(status).toMatchObject({
    // The earlier tests' last database run (the unreachable one), not the users run after it.
    lastRun: { status: 'failed', error: expect.stringMatching(/cannot reach notion/) },
    lastUsersRun: { job: 'users', status: 'succeeded' },
  });
  expect((status.lastRun as { job?: string }).job).toBeUndefined();
});

test('sync notion-users without the user information capability: exit 1, one line naming the capability', async () => {
  notion.setCapabilities({ userInformation: 'none' });
  try {
    const res = await tajo(['connectors', 'sync', 'notion-users', '--config', config, '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/'Read user information including email addresses' capability/);
    expect(lastJson(res.stdout)).toMatchObject({ ok: false });
  } finally {
    notion.setCapabilities({ userInformation: 'with_email' });
  }
});

test('query notion: shorthand filters typed from the schema, sorts, limit; JSON lines then a summary', async () => {
  const { sandboxRow, SANDBOX_DATABASE_ID } = await import('../../sandbox/sandbox');
  const expected = Array.from({ length: 180 }, (_, i) => sandboxRow(i))
    .filter((r) => r.Plan === 'Pro' && (r.Seats as number) > 40 && r.Newsletter === true)
    .sort((a, b) => (b.Seats as number) - (a.Seats as number));
  const args = ['connectors', 'query', 'notion', '--database', SANDBOX_DATABASE_ID, '--config', config];
  const res = await tajo([
    ...args,
    '--filter',
    'Plan=Pro',
    '--filter',
    'seats>40',
    '--filter',
    '{"property":"Newsletter","checkbox":{"equals":true}}',
    '--sort',
    '-Seats',
    '--limit',
    '4',
    '--json',
  ]);
  expect(res.code).toBe(0);
  const lines = res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const rows = lines.slice(0, -1) as { title: string; properties: Record<string, string> }[];
  expect(rows).toHaveLength(4);
  expect(rows.map((r) => Number(r.properties.Seats))).toEqual(expected.slice(0, 4).map((r) => r.Seats));
  expect(rows.every((r) => r.properties.Plan === 'Pro')).toBe(true);
  expect(lines.at(-1)).toMatchObject({ rows: 4, truncated: expected.length > 4, title: 'Customers' });

  const table = await tajo([...args, '--filter', 'Name~Hopper', '--filter', 'Status=Churned', '--sort', 'Name']);
  expect(table.code).toBe(0);
  expect(table.stdout.split('\n')[1]).toMatch(/^Title\s+Email/);
  expect(table.stdout).toMatch(/Grace Hopper/);

  const missing = await tajo([...args, '--filter', 'Stage=Won']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/no property "Stage"/);
  const misfit = await tajo([...args, '--filter', 'Plan>3']);
  expect(misfit.code).toBe(2);
  expect(misfit.stderr).toMatch(/property "Plan" is of type select; ">" does not fit/);
});

test('sync publishes a Published page as one Brevo campaign, reports it, and never sends it again', async () => {
  const { publishedPageId, listId } = seedSandboxNewsletter(notion, brevo);
  const file = join(dir, 'publish.yaml');
  await writeFile(
    file,
    `brevo: { api_key: ${SANDBOX_BREVO_KEY} }
connectors:
  notion:
    token: ${SANDBOX_NOTION_TOKEN}
    databases:
      - id: "${SANDBOX_NEWSLETTER_DATABASE_ID}"
        publish:
          when: { property: Status, equals: Published }
          list: ${SANDBOX_NEWSLETTER_LIST}
          sender: { email: ${SANDBOX_SENDER_EMAIL} }
          existing: send
`,
  );
  const env = { TAJO_STATE_DIR: join(dir, 'state-publish') };
  const before = brevo.campaigns().length;
  const first = await tajo(['connectors', 'sync', 'notion', '--config', file, '--json'], env);
  expect(first.code).toBe(0);
  const summary = lastJson(first.stdout);
  expect(summary).toMatchObject({ pagesRead: 2, upserted: 0, failed: 0 });
  const campaign = brevo.campaigns().at(-1);
  expect(brevo.campaigns()).toHaveLength(before + 1);
  expect(campaign).toMatchObject({ status: 'sent', recipients: { listIds: [listId] } });
  expect(summary.publish).toMatchObject({
    entered: 1,
    campaigns: [
      { pageId: publishedPageId, campaignId: campaign?.id, status: 'sent', title: 'Sandbox news: what is new' },
    ],
  });

  const again = await tajo(['connectors', 'sync', 'notion', '--config', file, '--json'], env);
  expect(lastJson(again.stdout).publish).toMatchObject({ entered: 0, campaigns: [] });
  expect(brevo.campaigns()).toHaveLength(before + 1);

  const status = await tajo(['connectors', 'status', 'notion', '--config', file], env);
  expect(status.stdout).toContain('last publishing pass');
  expect(status.stdout).toContain(`"Sandbox news: what is new" (${publishedPageId}) → campaign ${campaign?.id} sent`);
});
