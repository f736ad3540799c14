/**
 * The local stack keeps its queued work like SQS (issue 12 §2): `npm start` is killed (SIGKILL to
 * its process group) or stopped (Ctrl-C: SIGINT to the group) in the middle of a sync, with two
 * Brevo → Notion rule webhooks queued behind it in the tenant's FIFO group, and started again on
 * the same state. The killed sync's step comes back and the run goes on from its checkpoint (under
 * its own run id, no new run), each webhook makes its page once, and no run stays "running".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_LEADS_DATABASE_ID, SANDBOX_NOTION_TOKEN } from '../../sandbox/sandbox';

const ROOT = join(__dirname, '..', '..');
const ROWS = 4000;
const dirs: string[] = [];
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function stackEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TAJO_STATE_DIR: dir,
    TAJO_SANDBOX_ROWS: String(ROWS),
    // A checkpoint every 500 rows: a run of 4,000 has some to resume from.
    TAJO_SYNC_FLUSH_ROWS: '500',
  };
  for (const k of ['NOTION_TOKEN', 'BREVO_API_KEY', 'SLACK_BOT_TOKEN', 'PORT', 'TAJO_LOCAL_POLL_MINUTES'])
    delete env[k];
  for (const k of ['NOTION_BASE_URL', 'BREVO_BASE_URL', 'SLACK_API_URL']) delete env[k];
  // No TAJO_CONFIG (a missing one is refused now) and no ./tajo.yaml in the checkout: the sandbox.
  delete env.TAJO_CONFIG;
  return env;
}

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** `npm start` in its own process group (as a terminal runs it). */
async function npmStart(dir: string): Promise<Started> {
  const port = await freePort();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...stackEnv(dir), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  const add = (b: Buffer) => {
    out += b.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const waitFor = async (re: RegExp, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      // Progress lines are rewritten with \r on one line.
      for (const line of out.split(/[\r\n]/)) {
        const m = re.exec(line);
        if (m) return m;
      }
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode} before ${re}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`no ${re} in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, url: `http://127.0.0.1:${port}`, out: () => out, waitFor };
}

async function stopGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  process.kill(-(child.pid as number), signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    exited,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`npm start did not exit after ${signal}`)), 20_000);
    }),
  ]).finally(() => clearTimeout(timer));
  // The stack's own process (npm's grandchild) is gone too before the next start takes the state.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-(child.pid as number), 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function webhookLead(s: Started, dir: string, first: string): Promise<void> {
  const token = (await readFile(join(dir, 'default.webhook-token'), 'utf8')).trim();
  const res = await fetch(`${s.url}/webhooks/brevo/default`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      event: 'contact_updated',
      email: `${first.toLowerCase()}@example.com`,
      id: 1,
      ts: Math.floor(Date.now() / 1000),
      content: [{ LIFECYCLE_STAGE: 'customer', FIRSTNAME: first, LASTNAME: 'Durable' }],
    }),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ notion: { queued: 1 } });
}

async function leads(out: string): Promise<string[]> {
  const m = /sandbox Notion (http:\S+) and Brevo/.exec(out);
  if (!m) throw new Error(`no sandbox line:\n${out}`);
  const res = (await fetch(`${m[1]}/v1/databases/${SANDBOX_LEADS_DATABASE_ID}/query`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${SANDBOX_NOTION_TOKEN}`,
      'notion-version': '2022-06-28',
      'content-type': 'application/json',
    },
    body: '{}',
  }).then((r) => r.json())) as { results: { properties: { Name: { title: { plain_text: string }[] } } }[] };
  return res.results.map((p) => p.properties.Name.title.map((t) => t.plain_text).join('')).sort();
}

interface Status {
  lastRun: { runId: string; status: string; summary: { pagesRead: number } } | null;
  resume: unknown;
  recentRuns: { runId: string; status: string; error?: string }[];
}

async function status(s: Started, dir: string): Promise<Status> {
  const key = (await readFile(join(dir, 'default.api-key'), 'utf8')).trim();
  const res = await fetch(`${s.url}/tenants/default/connections/notion/status`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

afterAll(async () => {
  for (const c of children) {
    try {
      if (c.exitCode === null && c.signalCode === null) process.kill(-(c.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.each([
  ['SIGKILL', 'Killed'],
  ['SIGINT', 'Stopped'],
] as const)('npm start ended by %s in the middle of a sync', (signal, first) => {
  test('the next start delivers what was queued once and the sync goes on from its checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tajo-durable-'));
    dirs.push(dir);
    const one = await npmStart(dir);
    const [, runId] = (await one.waitFor(/run (\S+): \d+ rows read/)) as RegExpMatchArray;
    // Past a checkpoint (the run's counts are those of its last one), not at the end.
    const checkpointBy = Date.now() + 30_000;
    for (;;) {
      const run = (await status(one, dir)).lastRun;
      if (run?.runId === runId && run.status === 'running' && run.summary.pagesRead >= 500) break;
      if (run?.status !== 'running' || Date.now() > checkpointBy)
        throw new Error(`no checkpoint in time: ${one.out()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The sandbox's simulated Brevo and Notion are saved every 5 s (a real provider keeps its data):
    // killed before a save, the restarted sandbox would miss the list the run resolved.
    const checkpointAt = Date.now();
    while (Date.parse(JSON.parse(await readFile(join(dir, 'sandbox.json'), 'utf8')).savedAt) < checkpointAt) {
      if (Date.now() > checkpointBy + 10_000) throw new Error('the sandbox was not saved in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Two rule webhooks: queued behind the sync step in the tenant's FIFO group.
    await webhookLead(one, dir, `${first}A`);
    await webhookLead(one, dir, `${first}B`);
    await stopGroup(one.child, signal);
    expect(one.out()).not.toMatch(/Serving\./);

    const two = await npmStart(dir);
    const [, resumed, rowsAtCheckpoint] = (await two.waitFor(
      /Resuming the sync the last stop interrupted \(run (\S+), \w+, (\d+) rows read at its last checkpoint\)/,
    )) as RegExpMatchArray;
    expect(resumed).toBe(runId);
    expect(Number(rowsAtCheckpoint)).toBeGreaterThan(0);
    expect(two.out()).toMatch(/queued message\(s\) kept from the last stop/);
    await two.waitFor(/Serving\./, 60_000);
    expect(two.out()).toMatch(/ {2}succeeded: \d+ rows read/);

    // Each webhook made its page once (rules run after the sync's steps, in the group's order).
    const want = [`${first}A Durable`, `${first}B Durable`];
    const deadline = Date.now() + 20_000;
    let names = await leads(two.out());
    while (want.some((w) => !names.includes(w)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      names = await leads(two.out());
    }
    for (const w of want) expect(names.filter((n) => n === w)).toHaveLength(1);

    // The killed run finished under its own id; nothing was left running.
    const st = await status(two, dir);
    const killed = st.recentRuns.find((r) => r.runId === runId);
    expect(killed?.status).toBe('succeeded');
    expect(st.recentRuns.filter((r) => r.status === 'running')).toEqual([]);
    expect(st.resume).toBeNull();
    await stopGroup(two.child, 'SIGINT');
  }, 120_000);
});
