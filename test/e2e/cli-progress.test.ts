/**
 * Progress and counts as a person at a terminal sees them: the CLI in a pseudo-terminal (`script`
 * from util-linux) rewrites one progress line per database on stderr; in a pipe it prints plain
 * lines; `--json` in a pipe prints none. Every summary it prints adds up, skips with their reason.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  seedSandbox,
  seedSandboxNewsletter,
} from '../../sandbox/sandbox';
import { expectCountsAddUp } from '../support/counts';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/tajo.cjs');
const ROWS = 1200;

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows: ROWS });
  seedSandboxNewsletter(notion, brevo);
  dir = await mkdtemp(join(tmpdir(), 'tajo-progress-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml({ newsletter: true }));
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

function env(state: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    NOTION_BASE_URL: notion.baseUrl,
    BREVO_BASE_URL: brevo.baseUrl,
    TAJO_STATE_DIR: join(dir, state),
  };
}

/** The CLI in a pseudo-terminal: stdout and stderr both land in the transcript, as on a screen. */
async function inTerminal(args: string[], state: string): Promise<string> {
  const transcript = join(dir, `${state}.typescript`);
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  await run('script', ['-qfec', command, transcript], { env: env(state), timeout: 120_000 });
  return readFile(transcript, 'utf8');
}

const SUMMARY = new RegExp(
  `Notion sync \\(full\\) succeeded in [\\d.]+ s: ${ROWS + 2} rows read, ${ROWS} written, 0 unchanged, 0 removed, 0 failed, ` +
    '2 skipped \\(publish-only database "Newsletters": 2\\)',
);

test('on a terminal: one line rewritten per database (its own rows, the rate), then a summary that adds up', async () => {
  const screen = await inTerminal(['connectors', 'sync', 'notion', '--full', '--config', config], 'tty');
  expect(screen).toMatch(SUMMARY);
  // The live line is rewritten in place (\r … erase to the end of the line), never a new line each time.
  // "Erase to the end of the line" (ESC [K) is spelt <EL> here so the pattern stays readable.
  const shown = screen.replaceAll(`${String.fromCharCode(27)}[K`, '<EL>');
  const live = [...shown.matchAll(/\r {2}(Customers|Newsletters): (\d+) rows read, (\d+) written[^\r\n]*<EL>/g)];
  expect(live.length).toBeGreaterThanOrEqual(2);
  const customers = live.filter((m) => m[1] === 'Customers').map((m) => Number(m[2]));
  expect(customers.at(-1)).toBe(ROWS);
  // Per database: the Newsletters line counts its 2 rows, not the run's total.
  expect(live.filter((m) => m[1] === 'Newsletters').map((m) => Number(m[2]))).toEqual([2]);
  expect(screen).toMatch(/→ Customers\r?\n/);
  expect(screen).toMatch(/ {2}Customers: writing 1200 contacts to Brevo \(an import\)/);
});

test('in a pipe: plain lines, no carriage return; --json in a pipe: no progress, the JSON adds up', async () => {
  const plain = await run(process.execPath, [BIN, 'connectors', 'sync', 'notion', '--full', '--config', config], {
    env: env('pipe'),
  });
  expect(plain.stderr).not.toContain('\r');
  expect(plain.stderr).toMatch(/^→ Customers$/m);
  expect(plain.stderr).toMatch(/^ {2}Customers: \d+ rows read, 0 written · /m);
  expect(plain.stdout).toMatch(SUMMARY);

  const json = await run(
    process.execPath,
    [BIN, 'connectors', 'sync', 'notion', '--full', '--json', '--config', config],
    { env: env('json') },
  );
  expect(json.stderr).toBe('');
  const summary = JSON.parse(json.stdout.trim().split('\n').at(-1) as string);
  expect(summary).toMatchObject({
    pagesRead: ROWS + 2,
    // A state of its own: every row is new to it.
    upserted: ROWS,
    unchanged: 0,
    skipped: 2,
    skips: [{ reason: 'publish-only database "Newsletters"', count: 2 }],
  });
  expectCountsAddUp(summary);
});

test('status after a sync: the same counts, adding up, in its lines and its --json', async () => {
  const status = await run(process.execPath, [BIN, 'connectors', 'status', 'notion', '--config', config], {
    env: env('json'),
  });
  expect(status.stdout).toContain(
    `    ${ROWS + 2} rows read, ${ROWS} written, 0 unchanged, 0 removed, 0 failed, 2 skipped (publish-only database "Newsletters": 2)`,
  );
  const json = await run(process.execPath, [BIN, 'connectors', 'status', 'notion', '--json', '--config', config], {
    env: env('json'),
  });
  const answer = JSON.parse(json.stdout.trim().split('\n').at(-1) as string);
  expect(answer.lastRun.summary).toMatchObject({ pagesRead: ROWS + 2, skipped: 2 });
  expectCountsAddUp(answer.lastRun.summary);
  expect(answer.lastRun.progress).toBeUndefined();
});
