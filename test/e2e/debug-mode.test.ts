/**
 * Debug mode as a user turns it on: `debug: true` / `log_api_calls: true` in the seed config. The
 * local stack's functions then log each request they get and each provider call they make (with
 * bodies at debug), and the CLI prints each provider call on stderr; in every line, tokens and
 * personal data (the sandbox rows' emails, names and phones) are redacted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
  seedSandbox,
} from '../../sandbox/sandbox';
import { registeredTestSecrets } from '../../sandbox/secrets-registry';
import { interceptOutput } from '../support/intercept-output';
import { startSandboxStack } from '../support/sandbox-stack';
import { findSecrets } from '../support/secret-scan';

const ROWS = 4;

/** Everything personal the sandbox rows hold, as it would appear in a body. */
const personal = Array.from({ length: ROWS }, (_, i) => sandboxRow(i)).flatMap((r) => [
  r.Email as string,
  r.Name as string,
  r.Phone as string,
]);

function expectClean(lines: string[]): void {
  const text = lines.join('\n');
  expect(
    findSecrets(text, [...registeredTestSecrets(), SANDBOX_NOTION_TOKEN, SANDBOX_BREVO_KEY, SANDBOX_SLACK_TOKEN]),
  ).toEqual([]);
  expect(personal.filter((p) => text.includes(p))).toEqual([]);
}

test('the local stack with debug: true logs requests and provider calls, redacted', async () => {
  const running = await startSandboxStack({ sandboxRows: ROWS, configYaml: `debug: true\n${sandboxConfigYaml()}` });
  // The functions' Powertools lines: kept here (and checked below) instead of printed.
  const output = interceptOutput();
  try {
    const { stack } = running;
    const run = await stack.syncAndWait('full', 60_000);
    expect(run.summary.upserted).toBe(ROWS);
    const status = await fetch(`${stack.url}/tenants/default/connections/notion/status?email=ada%40example.com`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    expect(status.status).toBe(200);
  } finally {
    output.restore();
    await running.stop();
  }
  const lines = output.jsonLines();

  // One line per provider call, with the call's facts and its redacted bodies.
  const calls = lines.filter((l) => l.message === 'api call');
  expect(new Set(calls.map((c) => c.provider))).toEqual(new Set(['notion', 'brevo']));
  const query = calls.find((c) => c.provider === 'notion' && String(c.path).endsWith('/query'));
  expect(query).toMatchObject({
    level: 'INFO',
    method: 'POST',
    status: 200,
    attempt: 1,
    ms: expect.any(Number),
    // The function and invocation it belongs to, like every other line.
    function_name: 'notionWorker',
    function_request_id: expect.any(String),
  });
  expect(query?.path).toMatch(/^\/v1\/data_sources\/[0-9a-f-]+\/query$/);
  expect(String(query?.response)).toContain('[redacted]');
  const write = calls.find(
    (c) => c.provider === 'brevo' && c.method === 'POST' && /\/v3\/contacts/.test(String(c.path)),
  );
  expect(String(write?.request)).toContain('[redacted]');

  // At debug, what each function received: the API request with its key redacted, the lane messages.
  const requests = lines.filter((l) => l.message === 'request' && l.level === 'DEBUG');
  const api = requests.find((r) => r.route === 'GET /tenants/{tenantId}/connections/{connector}/status');
  expect(api).toMatchObject({
    headers: expect.objectContaining({ authorization: '[redacted]' }),
    query: 'email=[redacted]',
  });
  expect(requests.some((r) => Array.isArray(r.records) && r.function_name === 'notionWorker')).toBe(true);

  expectClean(output.written);
}, 90_000);

describe('the CLI', () => {
  const run = promisify(execFile);
  const BIN = resolve(__dirname, '../../bin/tajo.cjs');
  let notion: NotionSimulator;
  let brevo: BrevoSimulator;
  let dir: string;

  beforeAll(async () => {
    notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
    brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
    await Promise.all([notion.start(), brevo.start()]);
    seedSandbox(notion, brevo, { rows: ROWS });
    dir = await mkdtemp(join(tmpdir(), 'tajo-debug-cli-'));
  });

  afterAll(async () => {
    await Promise.all([notion.stop(), brevo.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  async function sync(settings: string, state: string) {
    const config = join(dir, `${state}.yaml`);
    await writeFile(config, `${settings}\n${sandboxConfigYaml()}`);
    return run(process.execPath, [BIN, 'connectors', 'sync', 'notion', '--config', config, '--json'], {
      env: {
        PATH: process.env.PATH ?? '',
        NOTION_BASE_URL: notion.baseUrl,
        BREVO_BASE_URL: brevo.baseUrl,
        TAJO_STATE_DIR: join(dir, state),
      },
      timeout: 60_000,
    });
  }

  test('log_api_calls: one line per provider call on stderr, no bodies; stdout keeps its JSON summary', async () => {
    const { stdout, stderr } = await sync('log_api_calls: true', 'calls');
    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toMatchObject({ upserted: ROWS });
    const apiLines = stderr.split('\n').filter((l) => l.startsWith('[api]'));
    expect(
      apiLines.some((l) => /^\[api\] notion POST \/v1\/data_sources\/[0-9a-f-]+\/query → 200 \(\d+ ms\)$/.test(l)),
    ).toBe(true);
    expect(apiLines.some((l) => l.startsWith('[api] brevo '))).toBe(true);
    expect(apiLines.some((l) => l.includes('request') || l.includes('response'))).toBe(false);
    expectClean([stdout, stderr]);
  });

  test('debug: the bodies come along, redacted', async () => {
    const { stderr } = await sync('debug: true', 'debug');
    const bodies = stderr
      .split('\n')
      .filter((l) => l.startsWith('[api]   request') || l.startsWith('[api]   response'));
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.some((l) => l.includes('[redacted]'))).toBe(true);
    expectClean([stderr]);
  });
});
