/**
 * The run's secret scan (test/support): it must find a planted secret, say where without repeating
 * it, leave redacted lines alone, and the capture it reads must really hold what tests print.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOG_DIR_ENV, registeredTestSecrets, registerTestSecrets, secretsDir } from '../../sandbox/secrets-registry';
import { consoleBuffer } from '../support/log-capture';
import { formatFindings, logsDir, scanRunLogs } from '../support/secret-scan';

// Built at run time, so that no line of this file is itself a token.
const planted = ['plant', 'ed-signing', '-secret-', '7f3a9c'].join('');
const plantedToken = ['xoxb', '-2024', '-8888-', 'PlantedBotToken'].join('');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tajo-scan-test-'));
  mkdirSync(logsDir(dir), { recursive: true });
  mkdirSync(secretsDir(dir), { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a registered secret and a token shape in a log line fail the scan, which names them without repeating them', () => {
  writeFileSync(join(secretsDir(dir), '101.jsonl'), `${JSON.stringify(planted)}\n`);
  writeFileSync(
    join(logsDir(dir), '202.log'),
    [
      '[stdout] {"level":"INFO","message":"sync done"}',
      `[stderr] verifying with ${planted} failed`,
      '[console.log] nothing here',
      `[child.stderr] tajo: Slack auth.test failed for ${plantedToken}`,
    ].join('\n'),
  );
  const findings = scanRunLogs(dir);
  expect(findings.map((f) => [f.line, f.what])).toEqual([
    [2, `registered secret "plant…" (${planted.length} chars)`],
    [4, `token-shaped text "xoxb-…" (${plantedToken.length} chars)`],
  ]);
  expect(findings[0]?.excerpt).toBe('[stderr] verifying with [SECRET] failed');
  const report = formatFindings(findings);
  expect(report).toContain('202.log:2');
  expect(report).not.toContain(planted);
  expect(report).not.toContain(plantedToken);
});

test('redacted lines, ids and prose pass', () => {
  writeFileSync(join(secretsDir(dir), '101.jsonl'), `${JSON.stringify(planted)}\n`);
  writeFileSync(
    join(logsDir(dir), '202.log'),
    [
      '[stdout] {"message":"api call","path":"/v1/data_sources/1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60/query","status":200}',
      '[stderr] tajo: Notion rejected the token (401 unauthorized): check connectors.notion.token',
      '[stdout] {"headers":{"authorization":"[redacted]"},"token":"xoxb-[redacted]","hint":"secret_…a1b2"}',
      '[stderr] missing bearer token (set auth: {type: bearer} on the Brevo webhook)',
    ].join('\n'),
  );
  expect(scanRunLogs(dir)).toEqual([]);
});

test('registration is shared through the run directory; short values are not registered', () => {
  const previous = process.env[LOG_DIR_ENV];
  process.env[LOG_DIR_ENV] = dir;
  try {
    registerTestSecrets(planted, 'short', undefined);
  } finally {
    process.env[LOG_DIR_ENV] = previous;
  }
  expect(registeredTestSecrets(dir)).toContain(planted);
  expect(registeredTestSecrets(dir)).not.toContain('short');
  const onDisk = readFileSync(join(secretsDir(dir), `${process.pid}.jsonl`), 'utf8');
  expect(
    onDisk
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual([planted]);
});

test('what this test prints (stdout, stderr, console, a child process’s stderr) is in the run’s capture', async () => {
  const runDir = process.env[LOG_DIR_ENV];
  expect(runDir).toBeDefined();
  const marker = `capture-marker-${process.pid}-${Date.now()}`;
  process.stdout.write(`${marker}-stdout\n`);
  process.stderr.write(`${marker}-stderr\n`);
  console.warn(`${marker}-console`);
  await promisify(execFile)(process.execPath, ['-e', `process.stderr.write(${JSON.stringify(`${marker}-child`)})`]);
  const captured = readFileSync(join(logsDir(runDir as string), `${process.pid}.log`), 'utf8');
  expect(captured).toContain(`[stdout] ${marker}-stdout`);
  expect(captured).toContain(`[stderr] ${marker}-stderr`);
  expect(captured).toContain(`[child.stderr] ${marker}-child`);
  // Console calls are read from jest's buffer when the file ends (unless jest prints them at once).
  const printedAtOnce = captured.includes(`${marker}-console`);
  expect(printedAtOnce || consoleBuffer().some((e) => e.type === 'warn' && e.message === `${marker}-console`)).toBe(
    true,
  );
});
