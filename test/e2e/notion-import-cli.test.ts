/**
 * `tajo notion search|import|resync` as a child process against the Notion simulator, documents in
 * a temp TAJO_STATE_DIR.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { blocks as b, NotionSimulator, pdfOnlyContent } from '../../sandbox/notion';
import { startEmbeddedDynamo } from '../../shared/adapters/local/embedded-dynamodb';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/tajo.cjs');
const TOKEN = 'secret_cli_import';

let notion: NotionSimulator;
let dir: string;
let config: string;

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [TOKEN] });
  await notion.start();
  dir = await mkdtemp(join(tmpdir(), 'tajo-import-cli-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(
    config,
    `brevo:\n  api_key: xkeysib-unused\nconnectors:\n  notion:\n    token: ${TOKEN}\n    sync: {databases: false, pages: true}\n`,
  );
});

afterAll(async () => {
  await notion.stop();
  await rm(dir, { recursive: true, force: true });
});

async function tajo(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--config', config], {
      env: { PATH: process.env.PATH ?? '', NOTION_BASE_URL: notion.baseUrl, TAJO_STATE_DIR: join(dir, 'state') },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

test('search, import (page and PDF-only), resync; nothing written to Notion', async () => {
  const guide = notion.addContentPage({ title: 'Team guide', children: [b.heading(1, 'Hello'), b.imageHosted()] });
  const pdf = notion.addContentPage({ title: 'Contract', children: pdfOnlyContent('contract.pdf') });

  const search = await tajo(['notion', 'search', 'guide', '--json']);
  expect(search.code).toBe(0);
  expect(lastJson(search.stdout)).toMatchObject({ count: 1, results: [{ id: guide.id, title: 'Team guide' }] });
  const human = await tajo(['notion', 'search']);
  expect(human.stdout).toContain('Team guide');
  expect(human.stdout).toContain('Contract');

  const imported = await tajo(['notion', 'import', guide.url, '--json']);
  expect(imported.code).toBe(0);
  const res = lastJson(imported.stdout) as { location: string; requests: number; files: unknown[] };
  expect(res).toMatchObject({ kind: 'markdown', pageId: guide.id });
  expect(res.files).toHaveLength(1);
  expect(res.location).toBe(join(dir, 'state', 'documents', 'default', 'notion', guide.id, 'page.md'));
  expect(await readFile(res.location, 'utf8')).toContain('# Hello');

  const file = await tajo(['notion', 'import', pdf.id]);
  expect(file.code).toBe(0);
  expect(file.stdout).toMatch(/Imported "Contract" \(file\) → .*contract\.pdf/);

  const resync = await tajo(['notion', 'resync', '--json']);
  expect(resync.code).toBe(0);
  expect(lastJson(resync.stdout)).toMatchObject({ checked: 2, failed: 0 });

  const bad = await tajo(['notion', 'import', 'nope']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('not a Notion page URL or id');

  expect(notion.log.records.filter((r) => r.method !== 'GET' && r.path !== '/v1/search')).toEqual([]);
});

test('status: read-only, the documents, and a pending webhook token as a hint with how to fetch it', async () => {
  const page = notion.addContentPage({ title: 'Status page', children: [b.paragraph('x')] });
  expect((await tajo(['notion', 'import', page.id])).code).toBe(0);
  // A handshake the local stack would have stored (same state dir): a secret reference and a hint.
  const state = await startEmbeddedDynamo(join(dir, 'state', 'dynamodb'));
  try {
    await state.store.putNotionWebhook({
      tenantId: 'default',
      pendingRef: 'local:default/notion-webhook-pending',
      pendingAt: '2026-11-22T09:00:00.000Z',
      pendingHint: 'secret_…f00d',
    });
  } finally {
    await state.close();
  }
  const status = await tajo(['connectors', 'status', 'notion']);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('read-only: nothing is ever written to Notion');
  expect(status.stdout).toMatch(/documents: \d+ imported/);
  expect(status.stdout).toContain('webhook: verification token secret_…f00d received 2026-11-22T09:00:00.000Z');
  expect(status.stdout).toContain('/tenants/default/connections/notion/webhook');
  const json = lastJson((await tajo(['connectors', 'status', 'notion', '--json'])).stdout);
  expect(json).toMatchObject({
    readOnly: true,
    webhook: { state: 'pending', pending: { hint: 'secret_…f00d' } },
    documents: { count: expect.any(Number) },
  });
});
