/**
 * A provider being down degrades, never blocks: the local stack (what `npm start` runs) starts with
 * Slack unreachable, says so in its start lines, `GET /health` and the connection's status (why,
 * when it was checked), and still accepts and queues the Brevo webhook. Started again over the same
 * state with Slack back, the degraded state is gone. (That the queued post is made once Slack
 * answers is test/integration/slack-docs-routing.test.ts: the lane parks the group 30 s per retry.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_SLACK_CHANNEL, sandboxConfigYaml } from '../../sandbox/sandbox';
import { SlackSimulator } from '../../sandbox/slack';
import { listAddition } from '../notifications/fixtures';

const TOKEN = 'xoxb-degraded-start';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let dir: string;
let slackPort: number;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];
let slack: SlackSimulator | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-degraded-'));
  slackPort = await freePort();
  await writeFile(join(dir, 'tajo.yaml'), sandboxConfigYaml());
  env = {
    ...process.env,
    TAJO_STATE_DIR: dir,
    // The sandbox config without the publishing demo (its pass would hold each start).
    TAJO_CONFIG: join(dir, 'tajo.yaml'),
    TAJO_SANDBOX_ROWS: '5',
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
  };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  await slack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** `npm start` (local/start.ts under tsx), over the same state dir each time; resolves once it serves. */
async function npmStart(): Promise<{ url: string; out: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const deadline = Date.now() + 45_000;
  while (!out.includes('Serving.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not serve in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    out,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

const readState = (name: string) => readFile(join(dir, name), 'utf8').then((s) => s.trim());

const get = async (url: string, path: string) => {
  const key = await readState('default.api-key');
  const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

test('Slack unreachable: npm start serves degraded, /health and status say why, webhooks are queued; a restart with Slack back clears it', async () => {
  const started = Date.now();
  const first = await npmStart();
  expect(first.out).toMatch(
    /slack degraded: cannot reach slack at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(nothing answers there: is it running\?\)\. Webhooks are still accepted and queued/,
  );
  expect(first.out).not.toMatch(/\n\s+at /);

  const health = await fetch(`${first.url}/health`).then((r) => r.json());
  expect(health).toMatchObject({
    ok: true,
    status: 'degraded',
    providers: {
      slack: { state: 'degraded', reason: expect.stringMatching(/cannot reach slack/), checkedAt: expect.any(String) },
      notion: { state: 'ok' },
      brevo: { state: 'ok' },
    },
  });
  // Unauthenticated, and nothing secret in it.
  expect(JSON.stringify(health)).not.toContain(TOKEN);
  expect(JSON.stringify(health)).not.toContain(await readState('default.api-key'));

  const status = await get(first.url, '/tenants/default/connections/slack/status');
  expect(status.status).toBe(200);
  expect(status.body).toMatchObject({
    connected: true,
    health: { state: 'degraded', providers: ['slack'], reason: expect.stringMatching(/cannot reach slack/) },
  });
  const checkedAt = Date.parse((status.body.health as { checkedAt: string }).checkedAt);
  expect(checkedAt).toBeGreaterThanOrEqual(started - 1000);

  // The Brevo webhook is accepted and queued for the Slack lane while Slack is down.
  const res = await fetch(`${first.url}/webhooks/brevo/default`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await readState('default.webhook-token')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(listAddition({ email: 'while.down@example.com', ts: Math.floor(Date.now() / 1000) })),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ accepted: 1, queued: 1 });
  await first.stop();

  // Slack is back (the same address): a new start connects it for real and the degraded state is gone.
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: 'T0BACK',
        teamName: 'Back',
        botToken: TOKEN,
        botUserId: 'U0BACKBOT',
        botId: 'B0BACK',
        scopes: ['chat:write', 'channels:read'],
      },
    ],
  });
  await slack.start(slackPort);
  slack.addChannel({ id: SANDBOX_SLACK_CHANNEL, name: 'marketing' });
  const second = await npmStart();
  expect(second.out).not.toMatch(/(slack|notion) degraded:/);
  const healthy = await get(second.url, '/tenants/default/connections/slack/status');
  expect(healthy.body).toMatchObject({ health: { state: 'ok' }, workspace: { id: 'T0BACK' } });
  expect(await fetch(`${second.url}/health`).then((r) => r.json())).toMatchObject({
    status: 'ok',
    providers: { slack: { state: 'ok' } },
  });
  await second.stop();
}, 120_000);
