/**
 * `npm start` stopped and started again on one state, as a person does (child processes of npm,
 * Ctrl-C to the process group, SIGTERM to npm): the sandbox comes back with its ids and data, the
 * sync after a restart is incremental and finds everything, the newsletter is mailed once ever,
 * the CLI beside a running stack gets one line naming --api, the curl lines have an effect in the
 * log, stopping leaves no process serving, a busy port is one line, and an explicit SLACK_API_URL
 * wins over the sandbox's own Slack. The OAuth install npm start prints (docs/connectors.md, the
 * sandbox's my-platform) runs as printed, and its tokens survive the restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_BREVO_KEY, SANDBOX_LEADS_DATABASE_ID, SANDBOX_NOTION_TOKEN } from '../../sandbox/sandbox';

const ROOT = join(__dirname, '..', '..');
let dir: string;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TAJO_STATE_DIR: dir, TAJO_SANDBOX_ROWS: '20', ...extra };
  for (const k of ['NOTION_TOKEN', 'BREVO_API_KEY', 'SLACK_BOT_TOKEN', 'TAJO_CONFIG', 'PORT']) delete env[k];
  for (const k of ['NOTION_BASE_URL', 'BREVO_BASE_URL', 'SLACK_API_URL']) if (!(k in extra)) delete env[k];
  // No TAJO_CONFIG (a missing one is refused now) and no ./tajo.yaml in the checkout: the sandbox.
  return env;
}

interface Started {
  child: ChildProcess;
  port: number;
  out: () => string;
  /** Resolves when the output has a line matching `re`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
}

/** `npm start` in its own process group (as a terminal runs it); resolves once it serves. */
async function npmStart(env: NodeJS.ProcessEnv, port?: number): Promise<Started> {
  const p = port ?? (await freePort());
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...env, PORT: String(p) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const waitFor = async (re: RegExp, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = out.split('\n').find((l) => re.test(l));
      if (m !== undefined) return m;
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode} before ${re}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`no ${re} in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, port: p, out: () => out, waitFor };
}

async function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([
    once(child, 'exit'),
    new Promise((_, rej) => setTimeout(() => rej(new Error('npm did not exit in time')), ms)),
  ]);
}

const portOpen = (port: number) =>
  fetch(`http://127.0.0.1:${port}/health`).then(
    () => true,
    () => false,
  );

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stackPid(): Promise<number> {
  return (JSON.parse(await readFile(join(dir, 'stack.json'), 'utf8')) as { pid: number }).pid;
}

/** The sandbox's own services, through their public APIs (the URLs npm start printed). */
async function sandboxCounts(out: string) {
  const m = /sandbox Notion (http:\S+) and Brevo (http:\S+)/.exec(out);
  if (!m) throw new Error(`no sandbox line:\n${out}`);
  const campaigns = (await fetch(`${m[2]}/v3/emailCampaigns`, { headers: { 'api-key': SANDBOX_BREVO_KEY } }).then((r) =>
    r.json(),
  )) as { campaigns?: { id: number; name: string }[] };
  const contacts = (await fetch(`${m[2]}/v3/contacts?limit=1`, { headers: { 'api-key': SANDBOX_BREVO_KEY } }).then(
    (r) => r.json(),
  )) as { count: number };
  const leads = (await fetch(`${m[1]}/v1/databases/${SANDBOX_LEADS_DATABASE_ID}/query`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${SANDBOX_NOTION_TOKEN}`,
      'notion-version': '2022-06-28',
      'content-type': 'application/json',
    },
    body: '{}',
  }).then((r) => r.json())) as { results: { properties: { Name: { title: { plain_text: string }[] } } }[] };
  return {
    campaigns: campaigns.campaigns?.length ?? 0,
    contacts: contacts.count,
    leads: leads.results.map((p) => p.properties.Name.title.map((t) => t.plain_text).join('')).sort(),
  };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/tajo.cjs', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
}

/** The CLI's environment as npm start's `export $(cat <state>/sandbox-platforms.env) TAJO_API_URL=... TAJO_API_KEY=...` line sets it. */
async function printedCliEnv(port: number): Promise<NodeJS.ProcessEnv> {
  const keys = (await readFile(join(dir, 'sandbox-platforms.env'), 'utf8')).trim().split('\n');
  const env = baseEnv({ HOME: dir, TAJO_API_URL: `http://127.0.0.1:${port}` });
  for (const line of keys) env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  env.TAJO_API_KEY = (await readFile(join(dir, 'default.api-key'), 'utf8')).trim();
  return env;
}

/** The `npx tajo ...` command npm start printed (the line after `prefix`), run with its $VARs set from `env`. */
function printedTajo(out: string, prefix: string, env: NodeJS.ProcessEnv) {
  const line = out.split('\n').find((l) => l.startsWith(`    npx tajo ${prefix}`));
  if (!line) throw new Error(`npm start printed no "npx tajo ${prefix}" line:\n${out}`);
  const words = line.trim().split(/\s+/).slice(2);
  return cli(
    words.map((w) => (w.startsWith('$') ? (env[w.slice(1)] ?? '') : w)),
    env,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-restart-'));
});

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(-c.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
  await rm(dir, { recursive: true, force: true });
});

test('three starts on one state: the sandbox and its ids are kept, the newsletter is sent once, stops leave nothing serving', async () => {
  // ---- First start: a new sandbox, saved in the state; its config written there too.
  const first = await npmStart(baseEnv());
  await first.waitFor(/^Serving\. Ctrl-C to stop\.$/);
  const out1 = first.out();
  expect(out1).toContain(
    `  sandbox data saved in ${join(dir, 'sandbox.json')} (the next start on this state keeps it)`,
  );
  expect(out1).toContain(`  config: ${join(dir, 'sandbox.tajo.yaml')}`);
  expect(await readFile(join(dir, 'sandbox.tajo.yaml'), 'utf8')).toContain('name: converted-leads');
  expect(out1).toContain('First sync of the Notion databases into Brevo...');
  expect(out1).toContain('  published "Sandbox news: what is new" → Brevo campaign 1 sent');
  expect(out1).not.toMatch(/\n\s+at /);
  // The sandbox Slack's URL like the others', and the SDK's environment in a file a shell reads.
  expect(out1).toMatch(/^ {2}sandbox Slack http:\/\/127\.0\.0\.1:\d+\S* \(notifications go to #marketing/m);
  expect(out1).toContain(`  the SDK against this stack (another shell): set -a; . ${join(dir, 'sdk.env')}; set +a`);
  const sdkEnvText = await readFile(join(dir, 'sdk.env'), 'utf8');
  expect(sdkEnvText).toContain(`TAJO_API_URL=http://127.0.0.1:${first.port}\n`);
  expect(sdkEnvText).toMatch(/^NOTION_TOKEN=.+\nSLACK_BOT_TOKEN=.+\nSLACK_SIGNING_SECRET=.+\nBREVO_API_KEY=.+$/m);
  const pid1 = await stackPid();
  expect(pidAlive(pid1)).toBe(true);

  // The curl lines it printed: each has a visible effect in the log and a true reply.
  const curls = out1.split('\n').filter((l) => l.includes('/webhooks/brevo/default'));
  expect(curls).toHaveLength(2);
  const token = (await readFile(join(dir, 'default.webhook-token'), 'utf8')).trim();
  const post = (body: string) =>
    fetch(`http://127.0.0.1:${first.port}/webhooks/brevo/default`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }).then((r) => r.json());
  const bodyOf = (line: string) => /-d '([^']+)'/.exec(line)?.[1] as string;
  expect(await post(bodyOf(curls[0] as string))).toMatchObject({ accepted: 1, queued: 1, skipped: 0 });
  expect(await post(bodyOf(curls[1] as string))).toMatchObject({ accepted: 1, skipped: 0, notion: { queued: 1 } });
  // The tenant events each put on the event stream: a new subscriber; a contact's three changed attributes.
  await first.waitFor(
    /^← Brevo webhook for default: 1 accepted, Slack: 1 queued, Notion rules: 0 queued, 1 published to the event stream$/,
  );
  await first.waitFor(
    /^← Brevo webhook for default: 1 accepted, Slack: 0 queued, Notion rules: 1 queued, 3 published to the event stream$/,
  );
  await first.waitFor(/^→ Slack: new_subscriber notification for C0MARKETING posted$/);
  await first.waitFor(
    /^→ Notion: Brevo → Notion rules, run \S+: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed$/,
  );
  const apiKey = (await readFile(join(dir, 'default.api-key'), 'utf8')).trim();
  expect(out1).toContain(
    `    curl -X POST -H "Authorization: Bearer ${apiKey}" http://127.0.0.1:${first.port}/tenants/default/connections/notion/sync`,
  );
  const sync = (await fetch(`http://127.0.0.1:${first.port}/tenants/default/connections/notion/sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
  }).then((r) => r.json())) as { runId: string };
  await first.waitFor(
    new RegExp(
      `^← notion sync for default: incremental run ${sync.runId} queued \\(tajo connectors status notion shows it\\)$`,
    ),
  );
  await first.waitFor(
    new RegExp(
      `^→ Notion: incremental sync run ${sync.runId} \\(api\\) succeeded: \\d+ rows read, 0 written, \\d+ unchanged, 0 removed, 0 failed, \\d+ skipped \\(publish-only database "Newsletters": \\d+\\)$`,
    ),
  );
  // The OAuth install npm start prints, as printed: register, connect with the app, open the URL, status, sync.
  const cliEnv = await printedCliEnv(first.port);
  expect(out1).toMatch(/^ {2}sandbox OAuth platform \(the docs' my-platform\) http:\/\/127\.0\.0\.1:\d+;/m);
  expect((await printedTajo(out1, 'connectors register', cliEnv)).stdout).toContain(
    'my-platform 1.0.0 registered for default (1 resource, 0 webhooks)\nNext: tajo connectors connect my-platform ...\n',
  );
  const connected = await printedTajo(out1, 'connectors connect my-platform', cliEnv);
  expect(connected.stderr).toBe('');
  const authorizeUrl = (connected.stdout.split('\n')[2] as string).trim();
  expect(authorizeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?/);
  expect((await printedTajo(out1, 'connectors status my-platform', cliEnv)).stdout).toMatch(
    /^my-platform: waiting for its OAuth install: open the URL connect printed, or tajo connectors install my-platform for a new one/,
  );
  // curl -L: the sandbox consents at once and its redirect lands on the stack's callback.
  expect(await fetch(authorizeUrl).then((r) => r.text())).toContain('my-platform connected');
  expect((await printedTajo(out1, 'connectors status my-platform', cliEnv)).stdout).toMatch(
    /^my-platform: connected, [^\n]*\n.*\n {2}oauth: installed /,
  );
  expect((await printedTajo(out1, 'connectors sync my-platform', cliEnv)).stdout).toContain(
    '25 records read, 25 written, 0 unchanged, 0 failed',
  );

  const before = await sandboxCounts(first.out());
  expect(before.campaigns).toBe(1);
  expect(before.leads).toContain('Nina Newton');

  // The CLI beside it, without --api: one line saying where the stack is; never a database trace.
  const beside = await cli(['connectors', 'status', 'notion', '--config', join(dir, 'sandbox.tajo.yaml')], baseEnv());
  expect(beside.code).not.toBe(0);
  expect(beside.stderr.trim().split('\n')).toEqual([
    `tajo: npm start (pid ${pid1}) is using the local state in ${dir}: talk to it with --api http://127.0.0.1:${first.port} ` +
      `(and TAJO_API_KEY=$(cat ${join(dir, 'default.api-key')})), or stop it first`,
  ]);

  // The same with the stack's file gone (a process holding the state that is not npm start): one
  // line too, never dynalite's "Database is closed" thrown from a callback.
  await rename(join(dir, 'stack.json'), join(dir, 'stack.json.aside'));
  const locked = await cli(['connectors', 'status', 'notion', '--config', join(dir, 'sandbox.tajo.yaml')], baseEnv());
  await rename(join(dir, 'stack.json.aside'), join(dir, 'stack.json'));
  expect(locked.code).not.toBe(0);
  expect(locked.stderr.trim().split('\n')).toEqual([
    `tajo: the local state in ${dir} is in use by another process (another tajo command, or an npm start ` +
      'still stopping: it takes a few seconds): wait for it to finish and try again, or talk to a running ' +
      'npm start with --api URL (the URL it printed)',
  ]);

  // A second npm start on a busy port: one line.
  const busy = await npmStart(baseEnv({ TAJO_STATE_DIR: await mkdtemp(join(tmpdir(), 'tajo-busy-')) }), first.port);
  await exited(busy.child, 60_000);
  expect(busy.child.exitCode).toBe(1);
  expect(busy.out()).toContain(
    `tajo local stack: port ${first.port} is in use (another npm start?): stop it or set PORT=${first.port + 1}`,
  );
  expect(busy.out()).not.toMatch(/\n\s+at |EADDRINUSE/);

  // Ctrl-C (SIGINT to the foreground process group).
  process.kill(-(first.child.pid as number), 'SIGINT');
  await exited(first.child, 15_000);
  expect(await portOpen(first.port)).toBe(false);
  expect(pidAlive(pid1)).toBe(false);
  expect(existsSync(join(dir, 'stack.json'))).toBe(false);

  // ---- Second start: the same sandbox, an incremental sync that finds its ids, no second campaign.
  const second = await npmStart(baseEnv());
  await second.waitFor(/^Serving\. Ctrl-C to stop\.$/);
  const out2 = second.out();
  expect(out2).toContain(
    `  sandbox data restored from ${join(dir, 'sandbox.json')} (kept across restarts; rm -rf ${dir} starts afresh)`,
  );
  expect(out2).toContain('Sync of what changed since the last run (incremental: the state keeps the last sync)...');
  expect(out2).toMatch(
    /\n {2}succeeded: \d+ rows read, 0 written, \d+ unchanged, 0 removed, 0 failed, \d+ skipped \(publish-only database "Newsletters": \d+\), in /,
  );
  expect(out2).not.toMatch(/published|failed:|cannot find|\n\s+at /);
  expect(await sandboxCounts(out2)).toEqual(before);
  // The OAuth platform came back on its port with its tokens: the installed connection syncs on.
  const platformLine = /^ {2}sandbox OAuth platform .*$/m;
  expect(platformLine.exec(out2)?.[0]).toBe(
    platformLine.exec(out1)?.[0]?.replace(`:${first.port}/`, `:${second.port}/`),
  );
  const again = await printedTajo(out2, 'connectors sync my-platform', await printedCliEnv(second.port));
  expect(again.stderr).not.toMatch(/tajo:|failed/);
  expect(again.stdout).toMatch(
    /^my-platform sync \(incremental\) succeeded in .*: 25 records read, \d+ written, \d+ unchanged, 0 failed$/m,
  );

  // SIGTERM to npm's own pid: the stack stops, nothing keeps serving.
  const pid2 = await stackPid();
  second.child.kill('SIGTERM');
  const t0 = Date.now();
  while ((await portOpen(second.port)) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 100));
  expect(await portOpen(second.port)).toBe(false);
  const t1 = Date.now();
  while (pidAlive(pid2) && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 100));
  expect(pidAlive(pid2)).toBe(false);

  // ---- Third start, with an explicit (dead) SLACK_API_URL: it wins over the sandbox's own Slack.
  const third = await npmStart(baseEnv({ SLACK_API_URL: 'http://127.0.0.1:9/' }));
  await third.waitFor(/^Serving\. Ctrl-C to stop\.$/);
  const out3 = third.out();
  expect(out3).toMatch(/\n {2}slack degraded: cannot reach slack at http:\/\/127\.0\.0\.1:9/);
  expect(out3).toContain('sandbox data restored from');
  expect(out3).not.toMatch(/published|cannot find|\n\s+at /);
  expect(await sandboxCounts(out3)).toEqual(before);
  process.kill(-(third.child.pid as number), 'SIGINT');
  await exited(third.child, 15_000);

  // ---- A state whose sandbox was not kept (made before sandboxes were saved): said plainly, with
  // how to reset it, and not saved over (the warning stays until the state is reset).
  await rm(join(dir, 'sandbox.json'));
  const fourth = await npmStart(baseEnv());
  await fourth.waitFor(/^Serving\. Ctrl-C to stop\.$/);
  expect(fourth.out()).toContain(
    `  warning: this state (${dir}) was left by a sandbox whose data was not kept (an older npm start): ` +
      'its ids are unknown to this new sandbox and the sync will not find them; ' +
      `to start a fresh sandbox, remove the state (rm -rf ${dir}) or set TAJO_STATE_DIR to another folder`,
  );
  process.kill(-(fourth.child.pid as number), 'SIGINT');
  await exited(fourth.child, 15_000);
  expect(existsSync(join(dir, 'sandbox.json'))).toBe(false);
}, 240_000);

test('a damaged saved sandbox: one line saying how to start afresh', async () => {
  const own = await mkdtemp(join(tmpdir(), 'tajo-damaged-'));
  try {
    await writeFile(join(own, 'sandbox.json'), '{"format":1,');
    const run = await npmStart(baseEnv({ TAJO_STATE_DIR: own }));
    await exited(run.child, 60_000);
    expect(run.child.exitCode).toBe(1);
    expect(run.out().trim().split('\n')).toEqual([
      `tajo local stack: the saved sandbox ${join(own, 'sandbox.json')} is damaged (not a sandbox snapshot): ` +
        `to start a fresh sandbox, remove the state (rm -rf ${own}) or set TAJO_STATE_DIR to another folder`,
    ]);
  } finally {
    await rm(own, { recursive: true, force: true });
  }
}, 90_000);
