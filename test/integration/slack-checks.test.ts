/**
 * `tajo connectors test slack`: the docs page's five checks, by name and in order, whatever happens:
 * all pass against the simulator; a refused token or an unreachable Slack still lists all five
 * (the later ones as not checked), so --json has one stable shape.
 */
import { createServer } from 'node:net';
import { SlackSimulator } from '../../sandbox/slack';
import { SLACK_CHECKS, testSlackConnection } from '../../shared/connectors/slack/connection-test';

const TOKEN = 'xoxb-five-checks';
const DOCS_NAMES = [
  'Bot token valid',
  'Workspace accessible',
  'Channels readable',
  'Message posting enabled',
  'Event subscriptions active',
];

/** The scopes the Slack docs page lists: no team:read among them. */
const DOCS_SCOPES = [
  'chat:write',
  'channels:read',
  'channels:history',
  'users:read',
  'users:read.email',
  'reactions:write',
  'files:write',
];
const DOCS_TOKEN = 'xoxb-docs-scopes';
const BARE_TOKEN = 'xoxb-bare';

let slack: SlackSimulator;

beforeAll(async () => {
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: 'T0FIVE',
        teamName: 'Five',
        botToken: TOKEN,
        botUserId: 'U0FIVEBOT',
        botId: 'B0FIVE',
        scopes: ['chat:write', 'channels:read', 'team:read'],
      },
      {
        teamId: 'T0DOCS',
        teamName: 'Docs',
        botToken: DOCS_TOKEN,
        botUserId: 'U0DOCSBOT',
        botId: 'B0DOCS',
        scopes: DOCS_SCOPES,
      },
      {
        teamId: 'T0BARE',
        teamName: 'Bare',
        botToken: BARE_TOKEN,
        botUserId: 'U0BAREBOT',
        botId: 'B0BARE',
        scopes: ['chat:write'],
      },
    ],
  });
  await slack.start();
  slack.addChannel({ id: 'C0FIVE0001', name: 'sales' });
});

afterAll(() => slack.stop());

test('the five checks carry the names the Slack docs page prints, in its order', async () => {
  expect([...SLACK_CHECKS]).toEqual(DOCS_NAMES);
  const checks = await testSlackConnection({
    token: TOKEN,
    apiUrl: slack.apiUrl,
    channels: { sales: 'C0FIVE0001' },
    now: Date.now(),
  });
  expect(checks.map((c) => c.name)).toEqual(DOCS_NAMES);
  expect(checks.slice(0, 4).map((c) => c.ok)).toEqual([true, true, true, true]);
  // No deployment URL given: said, not guessed.
  expect(checks[4]).toMatchObject({ ok: false, detail: expect.stringMatching(/--events-url/) });
});

test('a refused token, or Slack unreachable: still five checks, the later ones not checked', async () => {
  const refused = await testSlackConnection({ token: 'xoxb-unknown', apiUrl: slack.apiUrl, channels: {}, now: 0 });
  expect(refused.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
    ['Bot token valid', false, false],
    ...DOCS_NAMES.slice(1).map((n) => [n, false, true]),
  ]);
  expect(refused[0]?.detail).toMatch(/Slack refused the token \(invalid_auth\)/);

  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  const down = await testSlackConnection({
    token: TOKEN,
    apiUrl: `http://127.0.0.1:${port}/api/`,
    channels: {},
    now: 0,
  });
  expect(down.map((c) => c.name)).toEqual(DOCS_NAMES);
  expect(down[0]).toMatchObject({
    ok: false,
    detail: expect.stringMatching(/^cannot reach slack at http:\/\/127\.0\.0\.1/),
  });
  expect(down.slice(1).every((c) => c.skipped && /Slack is unreachable/.test(c.detail))).toBe(true);
});

test('"Workspace accessible" passes with the docs\' scopes (no team:read) and says how it was checked', async () => {
  const viaTeamInfo = await testSlackConnection({ token: TOKEN, apiUrl: slack.apiUrl, channels: {}, now: 0 });
  expect(viaTeamInfo[1]).toEqual({ name: 'Workspace accessible', ok: true, detail: 'workspace "Five" (team.info)' });

  const docs = await testSlackConnection({ token: DOCS_TOKEN, apiUrl: slack.apiUrl, channels: {}, now: 0 });
  expect(docs[1]).toMatchObject({
    name: 'Workspace accessible',
    ok: true,
    detail: expect.stringMatching(
      /^workspace "Docs" \(T0DOCS.*\) from auth\.test, readable with users:read \(users\.list\); team\.info not used: no team:read scope$/,
    ),
  });

  // Neither users:read nor channels:read: nothing in the workspace can be read, and the line says what to add.
  const bare = await testSlackConnection({ token: BARE_TOKEN, apiUrl: slack.apiUrl, channels: {}, now: 0 });
  expect(bare[1]).toMatchObject({
    ok: false,
    detail: expect.stringMatching(
      /the app can read nothing in workspace "Bare".*add the users:read and channels:read scopes/,
    ),
  });
});
