/**
 * The CLI as a person meets it, as child processes of `node bin/tajo.cjs`: --help of every command
 * in the table runs nothing (no state directory appears, no config is read), the groups' help,
 * --version, the one-line answers to mistakes a person makes (an unknown command, connector or
 * option; an option without its value; a connector verb without its connector; no config file; a
 * folder or an unreadable file as the config; a closed pipe; a failure of main itself; npm start's
 * settings that are not numbers and its TAJO_CONFIG that does not exist), and `config validate` saying what `sync` would refuse (offline, and --online on the
 * simulators, with the very line the sync prints), its --json shape, and `sync.users` on the CLI sync.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMANDS, commandsUnder, usageLine } from '../../cli/help';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { startEmbeddedDynamo } from '../../shared/adapters/local/embedded-dynamodb';
import { unreadableConfigMessage } from '../../shared/core/config/load';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tajo.cjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-cli-help-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  out: string;
  err: string;
  /** stderr without Node's own warnings (an old Node, a deprecation): what tajo itself printed. */
  tajoErr: string[];
}

/**
 * Runs `node bin/tajo.cjs ...args` in `cwd` with only the given environment (and PATH); `script`
 * runs another entry point instead (npm start's).
 */
function tajo(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; onSpawn?: (c: ChildProcess) => void; script?: string[] },
): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(opts.script ?? [BIN]), ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', fail);
    opts.onSpawn?.(child);
    child.on('close', (code) =>
      done({ code, out, err, tajoErr: err.split('\n').filter((l) => l !== '' && !/^\(node:\d+\)|^\s|^\(Use/.test(l)) }),
    );
  });
}

/** At most `n` children at a time: the machine is shared. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T);
      }
    }),
  );
  return results;
}

/** A fresh working directory (no tajo.yaml) and a state directory that must never be created. */
async function emptyPlace(name: string): Promise<{ cwd: string; state: string }> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  return { cwd, state: join(cwd, 'state') };
}

// Arguments that would do something real without --help: delete, write, install, sync.
const HARMFUL_ARGS: Record<string, string[]> = {
  'connectors install notion': ['--token', 'ntn_x'],
  'connectors connect notion': ['--token', 'ntn_x'],
  'connectors connect brevo': ['--key', 'xkeysib-x'],
  'connectors test notion': ['--create-page'],
  'tenants create': ['acme'],
  'notion import': ['0123456789abcdef0123456789abcdef'],
};

test('--help of every command in the table runs nothing and shows its usage, an example and the exit codes', async () => {
  const runs = await pool([...COMMANDS], 4, async (c) => {
    const place = await emptyPlace(`help-${c.path.join('-')}`);
    const name = c.path.join(' ');
    const flag = c.path.length % 2 === 0 ? '-h' : '--help'; // both spellings, across the table
    const r = await tajo([...c.path, ...(HARMFUL_ARGS[name] ?? []), flag], {
      cwd: place.cwd,
      env: { TAJO_STATE_DIR: place.state, NOTION_BASE_URL: 'http://127.0.0.1:9', BREVO_BASE_URL: 'http://127.0.0.1:9' },
    });
    return { c, r, stateMade: existsSync(place.state) };
  });
  for (const { c, r, stateMade } of runs) {
    const name = c.path.join(' ');
    expect({ name, code: r.code, err: r.tajoErr, stateMade }).toEqual({ name, code: 0, err: [], stateMade: false });
    expect(r.out).toContain(`usage: ${usageLine(c)}\n`);
    expect(r.out).toContain(`Example:\n  ${c.example}\n`);
    expect(r.out).toContain('Exit codes: 0 done, 1 fatal error (one line on stderr), 2 bad usage or config.');
  }
});

test("the README's CLI section lists every command of the table", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## CLI\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const missing = COMMANDS.filter((c) => c.path[0] !== 'help')
    .map((c) => c.path.join(' '))
    .filter((name) => {
      // `status notion|slack` and `disconnect notion|slack|brevo` are written as one line.
      const [head, last] = [name.split(' ').slice(0, -1).join(' '), name.split(' ').at(-1) as string];
      return !section.includes(`tajo ${name}`) && !new RegExp(`tajo ${head} [a-z|-]*\\b${last}\\b`).test(section);
    });
  expect(missing).toEqual([]);
  expect(section).toContain('`0` done, `1` a fatal error');
});

test('tajo help, tajo help COMMAND and the groups show their commands; --version prints the version', async () => {
  const { cwd, state } = await emptyPlace('groups');
  const env = { TAJO_STATE_DIR: state };
  const [help, helpSync, connectors, sync, tenants, helpCmd, flagCmd, version, v] = await pool(
    [
      ['help'],
      ['help', 'connectors', 'sync'],
      ['connectors', '--help'],
      ['connectors', 'sync', '--help'],
      ['tenants', '--help'],
      ['help', 'config', 'validate'],
      ['config', 'validate', '--help'],
      ['--version'],
      ['-V'],
    ],
    4,
    (args) => tajo(args, { cwd, env }),
  );
  for (const c of COMMANDS) expect(help?.out).toContain(`tajo ${c.path.join(' ')}`);
  expect(help?.code).toBe(0);
  const syncs = commandsUnder(['connectors', 'sync']).map((c) => `tajo ${c.path.join(' ')}`);
  expect(syncs).toEqual([
    'tajo connectors sync notion',
    'tajo connectors sync notion-users',
    'tajo connectors sync slack-users',
    'tajo connectors sync shopify',
    'tajo connectors sync stripe',
  ]);
  for (const r of [helpSync, sync]) {
    expect(r?.code).toBe(0);
    expect(r?.out).toContain('usage: tajo connectors sync <command> [options]');
    for (const s of syncs) expect(r?.out).toContain(s);
    expect(r?.out).not.toContain('tajo connectors list');
  }
  expect(connectors?.out).toContain('tajo connectors disconnect brevo');
  expect(connectors?.out).not.toContain('tajo tenants create');
  expect(tenants?.out).toContain('tajo tenants create ID');
  expect(helpCmd?.out).toBe(flagCmd?.out);
  expect(helpCmd?.out).toContain('--online');
  expect(version).toMatchObject({ code: 0, out: `tajo ${VERSION}\n` });
  expect(v).toMatchObject({ code: 0, out: `tajo ${VERSION}\n` });
  expect(existsSync(state)).toBe(false);
});

test('an unknown command, connector or option: one line naming it and the nearest usage, exit 2', async () => {
  const { cwd, state } = await emptyPlace('mistakes');
  const env = { TAJO_STATE_DIR: state };
  const [shopify, typo, option, misplaced, extra, noValue] = await pool(
    [
      ['connectors', 'connect', 'hubspot', '--shop-url', 'x.myshopify.com'],
      ['conectors', 'list'],
      ['connectors', 'list', '--bogus'],
      ['connectors', 'list', '--token', 'x'],
      ['connectors', 'sync', 'notion', 'now'],
      ['connectors', 'query', 'notion', '--limit'],
    ],
    4,
    (args) => tajo(args, { cwd, env }),
  );
  expect(shopify).toMatchObject({ code: 2, out: '' });
  expect(shopify?.tajoErr).toEqual([
    'tajo: unknown connector "hubspot" (built in and catalogue: notion, slack, shopify, stripe, brevo; a connector of your own: add definition: <file> to connectors.hubspot in the config); tajo connectors connect takes notion, slack, brevo, shopify, stripe',
  ]);
  const list = usageLine(COMMANDS.find((c) => c.path.join(' ') === 'connectors list') as (typeof COMMANDS)[number]);
  expect(typo?.tajoErr).toEqual(['tajo: unknown command "conectors list"', `usage: ${list}`]);
  // A near miss of a connector's name is a typo: one line naming the one meant.
  const near = await tajo(['connectors', 'sync', 'shopfy'], { cwd, env });
  expect(near).toMatchObject({ code: 2, out: '' });
  expect(near.tajoErr[0]).toBe('tajo: unknown connector "shopfy": did you mean shopify?');
  const short = await tajo(['sync', 'notion'], { cwd, env });
  expect(short).toMatchObject({ code: 2, out: '' });
  expect(short.tajoErr).toEqual([
    'tajo: unknown command "sync notion"',
    `usage: ${usageLine(COMMANDS.find((c) => c.path.join(' ') === 'connectors sync notion') as (typeof COMMANDS)[number])}`,
  ]);
  expect(option?.tajoErr).toEqual(['tajo: unknown option --bogus for tajo connectors list', `usage: ${list}`]);
  expect(misplaced?.tajoErr).toEqual(['tajo: option --token does not apply to tajo connectors list', `usage: ${list}`]);
  expect(extra?.tajoErr[0]).toBe('tajo: unexpected argument "now" for tajo connectors sync notion');
  expect(noValue?.tajoErr[0]).toBe('tajo: --limit needs a value: --limit N (see tajo connectors query notion --help)');
  for (const r of [typo, option, misplaced, extra, noValue]) expect(r?.code).toBe(2);
  expect(existsSync(state)).toBe(false);
});

test("an option without its value (any option, last or before another) or a switch given one: one line in the CLI's words, exit 2", async () => {
  const { cwd, state } = await emptyPlace('values');
  const env = { TAJO_STATE_DIR: state };
  const query = usageLine(
    COMMANDS.find((c) => c.path.join(' ') === 'connectors query notion') as (typeof COMMANDS)[number],
  );
  const sync = usageLine(
    COMMANDS.find((c) => c.path.join(' ') === 'connectors sync notion') as (typeof COMMANDS)[number],
  );
  const [database, beforeOther, short, sortLast, switchValue] = await pool(
    [
      ['connectors', 'query', 'notion', '--database'],
      ['connectors', 'query', 'notion', '--database', '--json'],
      ['connectors', 'sync', 'notion', '-c'],
      ['connectors', 'query', 'notion', '--database', 'x', '--sort'],
      ['connectors', 'query', 'notion', '--json=yes'],
    ],
    4,
    (args) => tajo(args, { cwd, env }),
  );
  const needs = 'tajo: --database needs a value: --database ID (see tajo connectors query notion --help)';
  expect(database).toMatchObject({ code: 2, out: '', tajoErr: [needs, `usage: ${query}`] });
  expect(beforeOther).toMatchObject({ code: 2, tajoErr: [needs, `usage: ${query}`] });
  expect(short).toMatchObject({
    code: 2,
    tajoErr: ['tajo: -c needs a value: --config FILE (see tajo connectors sync notion --help)', `usage: ${sync}`],
  });
  expect(sortLast?.tajoErr[0]).toBe(
    'tajo: --sort needs a value: --sort [-]PROP (see tajo connectors query notion --help)',
  );
  expect(switchValue?.tajoErr[0]).toBe('tajo: --json takes no value (see tajo connectors query notion --help)');
  for (const r of [database, beforeOther, short, sortLast, switchValue]) expect(r?.code).toBe(2);
  expect(existsSync(state)).toBe(false);
});

test('tajo connectors VERB without its connector: says it needs a connector name and lists those the verb takes', async () => {
  const { cwd, state } = await emptyPlace('no-connector');
  const env = { TAJO_STATE_DIR: state };
  const verbs = ['status', 'test', 'connect', 'disconnect', 'sync'];
  const runs = await pool(verbs, 4, (verb) => tajo(['connectors', verb], { cwd, env }));
  const lists: Record<string, string> = {
    status: 'a connector name (notion, slack, shopify, stripe)',
    test: 'a connector name (notion, slack, shopify, stripe)',
    connect: 'a connector name (notion, slack, brevo, shopify, stripe)',
    disconnect: 'a connector name (notion, slack, brevo, shopify, stripe)',
    sync: 'a connector or job name (notion, notion-users, slack-users, shopify, stripe)',
  };
  verbs.forEach((verb, i) => {
    expect(runs[i]).toMatchObject({ code: 2, out: '' });
    // The first line, then the usage of each (indented: tajoErr leaves indented lines out).
    expect(runs[i]?.tajoErr).toEqual([`tajo: tajo connectors ${verb} needs ${lists[verb]}:`]);
    for (const c of commandsUnder(['connectors', verb])) expect(runs[i]?.err).toContain(`\n  ${usageLine(c)}\n`);
  });
  expect(existsSync(state)).toBe(false);
});

test('no config file, a folder as the config, a closed pipe and a failure of main: one line each', async () => {
  const { cwd, state } = await emptyPlace('failures');
  const folder = join(cwd, 'configs');
  await mkdir(folder);
  const env = { TAJO_STATE_DIR: state };
  let closed: ChildProcess | undefined;
  const [missing, validateMissing, isDir, pipe] = await Promise.all([
    tajo(['connectors', 'sync', 'notion'], { cwd, env }),
    tajo(['config', 'validate'], { cwd, env }),
    tajo(['config', 'validate', '--config', folder], { cwd, env }),
    // The reader goes away before the status is printed (`tajo connectors status notion | head -0`).
    tajo(['connectors', 'status', 'notion'], {
      cwd,
      env: { TAJO_STATE_DIR: join(cwd, 'pipe-state') },
      onSpawn: (c) => {
        closed = c;
        c.stdout?.destroy();
      },
    }),
  ]);
  const noConfig =
    'tajo: no config file: ./tajo.yaml not found; give --config FILE, set TAJO_CONFIG, or create one (see README)';
  // A sync with neither a config nor --api: the person may have meant the running stack (trial 3 §8).
  expect(missing).toMatchObject({
    code: 2,
    tajoErr: [
      'tajo: no ./tajo.yaml here: add --api URL (or set TAJO_API_URL) to sync through a running stack (npm start prints its URL), or --config FILE to sync in this process',
    ],
  });
  expect(validateMissing).toMatchObject({ code: 2, tajoErr: [noConfig] });
  expect(isDir).toMatchObject({
    code: 2,
    tajoErr: [`tajo: ${folder} is a folder, not a config file: give --config path/to/tajo.yaml`],
  });
  expect(closed).toBeDefined();
  expect(pipe).toMatchObject({ code: 0, tajoErr: [] });
  expect(pipe.err).not.toContain('EPIPE');

  // bin/tajo.cjs's last resort: main itself rejects (a bug of main, not of a command).
  const fake = `
    const Module = require('node:module');
    const file = ${JSON.stringify(join(ROOT, 'cli', 'main.ts'))};
    const m = new Module(file); m.filename = file; m.loaded = true;
    m.exports = { main: () => Promise.reject(new Error('boom at main\\n    at main (cli/main.ts:1:1)')) };
    require.cache[file] = m;
    require(${JSON.stringify(BIN)});`;
  const fakeFile = join(cwd, 'main-rejects.cjs');
  await writeFile(fakeFile, fake);
  const last = await new Promise<Ran>((done) => {
    const c = spawn(process.execPath, [fakeFile, 'connectors', 'list'], { cwd, env: { PATH: process.env.PATH ?? '' } });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('close', (code) => done({ code, out: '', err, tajoErr: err.split('\n').filter((l) => l.startsWith('tajo')) }));
  });
  expect(last.code).toBe(1);
  expect(last.tajoErr).toHaveLength(1);
  expect(last.tajoErr[0]).toContain('boom at main');
  expect(last.err).not.toContain('cli/main.ts:1:1');
});

test('the local state held by another process (a running npm start): one line, never a database stack', async () => {
  const { cwd, state } = await emptyPlace('held');
  const held = await startEmbeddedDynamo(join(state, 'dynamodb'));
  try {
    const r = await tajo(['connectors', 'status', 'notion'], { cwd, env: { TAJO_STATE_DIR: state } });
    expect(r.code).toBe(1);
    expect(r.tajoErr).toHaveLength(1);
    expect(r.tajoErr[0]).toMatch(/^tajo: /);
    expect(r.err).not.toMatch(/^\s+at /m);
  } finally {
    await held.close();
  }
});

test('an unreadable config file (EACCES): one line saying how to fix it', () => {
  // The message itself: the test may run as root, whom chmod 000 does not stop.
  const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  expect(unreadableConfigMessage('secret/tajo.yaml', denied)).toBe(
    'cannot read secret/tajo.yaml: permission denied; make it readable (chmod u+r secret/tajo.yaml) or give --config another file',
  );
  expect(unreadableConfigMessage('tajo.yaml', Object.assign(new Error('x'), { code: 'ENOTDIR' }))).toBe(
    'no config file: a part of ./tajo.yaml is a file, not a folder; check the path given to --config or TAJO_CONFIG',
  );
});

/** What `npm start` runs (local/start.ts under tsx), with only the given environment. */
function npmStart(env: Record<string, string>): Promise<Ran> {
  return tajo([], { cwd: ROOT, env, script: ['--import', 'tsx', 'local/start.ts'] });
}

test('npm start with PORT, TAJO_SANDBOX_ROWS or TAJO_LOCAL_POLL_MINUTES not a number it takes: one line saying what to give, exit 2', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'abc' }, 'PORT takes a port number from 1 to 65535 (got "abc"), or leave it unset for 3000'],
    [{ PORT: '70000' }, 'PORT takes a port number from 1 to 65535 (got "70000"), or leave it unset for 3000'],
    [
      { TAJO_SANDBOX_ROWS: 'abc' },
      'TAJO_SANDBOX_ROWS takes a whole number of rows (got "abc"), or leave it unset for 250',
    ],
    [
      { TAJO_LOCAL_POLL_MINUTES: 'abc' },
      'TAJO_LOCAL_POLL_MINUTES takes a number of minutes above 0 (got "abc"), or leave it unset for the topology\'s cadence',
    ],
  ];
  const { state } = await emptyPlace('start-numbers');
  for (const [given, line] of cases) {
    const r = await npmStart({ ...given, TAJO_STATE_DIR: state });
    expect(r).toMatchObject({ code: 2, out: '', tajoErr: [`tajo local stack: ${line}`] });
  }
  // Refused before anything starts.
  expect(existsSync(state)).toBe(false);
});

test("npm start with a TAJO_CONFIG that does not exist: refused with the CLI's line saying what npm start takes, exit 2 (no sandbox in its place)", async () => {
  const { cwd, state } = await emptyPlace('start-config');
  const file = join(cwd, 'no', 'such', 'file.yaml');
  const [started, cli] = await Promise.all([
    npmStart({ TAJO_CONFIG: file, TAJO_STATE_DIR: state }),
    tajo(['config', 'validate'], { cwd, env: { TAJO_CONFIG: file, TAJO_STATE_DIR: state } }),
  ]);
  expect(cli.tajoErr).toEqual([
    `tajo: no config file: ${file} not found; give --config FILE, set TAJO_CONFIG, or create one (see README)`,
  ]);
  expect(started).toMatchObject({
    code: 2,
    out: '',
    // The CLI's line, with what npm start takes instead of --config.
    tajoErr: [
      `tajo local stack: no config file: ${file} not found; npm start reads TAJO_CONFIG: point it at your config, or unset it to run the sandbox`,
    ],
  });
  expect(existsSync(state)).toBe(false);
});

describe('config validate', () => {
  const TOKEN = 'ntn_validate_help';
  const KEY = 'xkeysib-validate-help';
  const DB = '5d1e2c3d4f5a4b6c8d7e9f0a1b2c3d41';
  let notion: NotionSimulator;
  let brevo: BrevoSimulator;
  let place: { cwd: string; state: string };
  let env: Record<string, string>;

  beforeAll(async () => {
    notion = new NotionSimulator({ tokens: [TOKEN] });
    brevo = new BrevoSimulator({ apiKeys: [KEY], importProcessingMs: 0 });
    await Promise.all([notion.start(), brevo.start()]);
    const db = notion.addDatabase({
      id: DB,
      title: 'Members',
      properties: { Name: { type: 'title' }, Email: { type: 'email' }, Seats: { type: 'number' } },
    });
    notion.addPage(db.dataSources[0]?.id as string, {
      properties: { Name: 'Ada', Email: 'ada@example.com', Seats: 3 },
    });
    notion.addUser({ name: 'Grace', type: 'person', email: 'grace@example.com' });
    notion.addUser({ name: 'Linus', type: 'person', email: 'linus@example.com' });
    place = await emptyPlace('validate');
    env = { TAJO_STATE_DIR: place.state, NOTION_BASE_URL: notion.baseUrl, BREVO_BASE_URL: brevo.baseUrl };
  });
  afterAll(async () => {
    await Promise.all([notion.stop(), brevo.stop()]);
  });

  async function config(name: string, mapping: string, extra = ''): Promise<string> {
    const file = join(place.cwd, name);
    await writeFile(
      file,
      `brevo:\n  api_key: ${KEY}\nconnectors:\n  notion:\n    token: ${TOKEN}\n${extra}    databases:\n      - id: "${DB}"\n        field_mapping:\n${mapping}`,
    );
    return file;
  }

  test('a misspelt property: refused with the line sync gives when the providers answer (and --online), valid --offline saying so', async () => {
    const file = await config('emial.yaml', '          Emial: email\n          Name: FIRSTNAME\n');
    const [offline, auto, online, sync, json] = await Promise.all([
      tajo(['config', 'validate', '--offline', '--config', file], { cwd: place.cwd, env }),
      tajo(['config', 'validate', '--config', file], { cwd: place.cwd, env }),
      tajo(['config', 'validate', '--online', '--config', file], { cwd: place.cwd, env }),
      tajo(['connectors', 'sync', 'notion', '--config', file], {
        cwd: place.cwd,
        env: { ...env, TAJO_STATE_DIR: join(place.cwd, 'sync-state') },
      }),
      tajo(['config', 'validate', '--online', '--json', '--config', file], { cwd: place.cwd, env }),
    ]);
    expect(offline.code).toBe(0);
    expect(offline.out).toContain(`${file}: valid: notion 1 database\n`);
    expect(offline.out).toContain('(checked offline (--offline); the schema checks the sync makes');
    const refusal = `tajo: connectors.notion.databases[0].field_mapping.Emial: database "Members" has no property "Emial" (it has: Email, Name, Seats): rename the entry to one of those, or remove it from this database's field_mapping`;
    expect(sync.tajoErr).toEqual([refusal]);
    expect(sync.code).toBe(2);
    expect(online).toMatchObject({ code: 2, out: '', tajoErr: [refusal] });
    expect(auto).toMatchObject({ code: 2, out: '', tajoErr: [refusal] });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out.trim().split('\n').pop() as string)).toEqual({
      ok: false,
      file,
      issues: [
        {
          path: 'connectors.notion.databases[0].field_mapping.Emial',
          message:
            'database "Members" has no property "Emial" (it has: Email, Name, Seats): rename the entry to one of those, or remove it from this database\'s field_mapping',
        },
      ],
    });
    // Validate reads only: nothing was created in Brevo.
    expect(existsSync(place.state)).toBe(false);
  });

  test('--online refuses a type that cannot reach its attribute and a list id that does not exist; passes a good config', async () => {
    brevo.addAttribute({ name: 'SEATS', category: 'normal', type: 'date' });
    const bad = await config(
      'types.yaml',
      '          Email: email\n          Seats: SEATS\n        sync_to_list: 9999\n',
    );
    const good = await config(
      'good.yaml',
      '          Email: email\n          Name: FIRSTNAME\n        sync_to_list: Members\n',
    );
    const [refused, passed] = await Promise.all([
      tajo(['config', 'validate', '--online', '--json', '--config', bad], { cwd: place.cwd, env }),
      tajo(['config', 'validate', '--online', '--config', good], { cwd: place.cwd, env }),
    ]);
    const answer = JSON.parse(refused.out.trim()) as { ok: boolean; issues: { path: string; message: string }[] };
    expect(refused.code).toBe(2);
    expect(answer.ok).toBe(false);
    expect(answer.issues.map((i) => i.path)).toEqual([
      'connectors.notion.databases[0].sync_to_list',
      'connectors.notion.databases[0].field_mapping.Seats',
    ]);
    expect(answer.issues[1]?.message).toContain('"Seats" is a number property: its values cannot be written to SEATS');
    expect(passed.code).toBe(0);
    expect(passed.out).toContain('  list Members: created by the first sync\n');
    expect(passed.out).toContain(`${good}: valid, checked online: notion 1 database\n`);
    expect(passed.out).not.toContain('checked offline');
  });

  test('a non-YAML file: one line with the first error position; --json on an invalid file lists its issues', async () => {
    const binary = join(place.cwd, 'binary.yaml');
    await writeFile(binary, Buffer.concat([Buffer.from('brevo:\n  api_key: x\n'), Buffer.alloc(50_000, '{:]\n')]));
    const misspelt = join(place.cwd, 'misspelt.yaml');
    await writeFile(misspelt, `brevo:\n  api_key: ${KEY}\n  api_kye: x\n`);
    const [yaml, json] = await Promise.all([
      tajo(['config', 'validate', '--config', binary], { cwd: place.cwd, env }),
      tajo(['config', 'validate', '--json', '--config', misspelt], { cwd: place.cwd, env }),
    ]);
    expect(yaml.code).toBe(2);
    expect(yaml.tajoErr).toHaveLength(1);
    expect(yaml.tajoErr[0]).toMatch(new RegExp(`^tajo: ${binary.replace(/[.]/g, '\\.')}:3:\\d+: not valid YAML: `));
    expect((yaml.tajoErr[0] as string).length).toBeLessThan(400);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toEqual({
      ok: false,
      file: misspelt,
      issues: [{ path: 'brevo.api_kye', message: 'unknown key (check its spelling and indentation)' }],
    });
  });

  test('a Slack-only config says what it has', async () => {
    const file = join(place.cwd, 'slack.yaml');
    await writeFile(
      file,
      `brevo:\n  api_key: ${KEY}\nconnectors:\n  slack:\n    bot_token: xoxb-1\n    channels:\n      sales: C0SALES01\n      support: C0SUPPORT1\n    notifications:\n      high_value_order:\n        channel: sales\n        template: order_alert\n`,
    );
    const r = await tajo(['config', 'validate', '--config', file], { cwd: place.cwd, env });
    expect(r.tajoErr).toEqual([]);
    expect(r.out).toBe(`${file}: valid: slack 2 channels, 1 notification route\n`);
  });

  test('sync notion with sync.users: true syncs the members after the databases; --json keeps the database summary last, with users', async () => {
    const file = await config('users.yaml', '          Email: email\n', '    sync:\n      users: true\n');
    const text = await tajo(['connectors', 'sync', 'notion', '--config', file], {
      cwd: place.cwd,
      env: { ...env, TAJO_STATE_DIR: join(place.cwd, 'users-text') },
    });
    const json = await tajo(['connectors', 'sync', 'notion', '--json', '--config', file], {
      cwd: place.cwd,
      env: { ...env, TAJO_STATE_DIR: join(place.cwd, 'users-json') },
    });
    expect(text.tajoErr.filter((l) => l.startsWith('tajo:'))).toEqual([]);
    expect(text.code).toBe(0);
    const lines = text.out.trim().split('\n');
    expect(lines[0]).toMatch(/^Notion sync \(incremental\) succeeded in [\d.]+ s: 1 rows read, 1 written/);
    // The members' own summary line after the database's (its wording is print.ts's; the counts are asserted in the JSON).
    expect(text.out).toMatch(/\nNotion users \(incremental\) synced in [\d.]+ s: 3 users read, 2 written/);
    expect(json.code).toBe(0);
    const last = JSON.parse(json.out.trim().split('\n').pop() as string);
    expect(last).toMatchObject({ status: 'succeeded', pagesRead: 1, upserted: 1 });
    expect(last.users).toMatchObject({ status: 'succeeded', pagesRead: 3, upserted: 2, bots: 1, missingEmail: 0 });
  });
});
