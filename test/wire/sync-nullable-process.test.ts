/**
 * The case end to end, as a user runs it: `tajo connectors sync notion --json` against the
 * simulators, where Brevo's process object carries its nullable fields as null (`error`,
 * `export_url`, `completed_at` and `info` while the import runs), as its published schema allows.
 * Before the fix the run wrote every contact, then exited 1 with a raw zod dump as its error, and
 * the incremental run after it left trashed rows in the list.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
  seedSandbox,
} from '../../sandbox/sandbox';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;
let pageIds: string[];

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  // Imports take a while: the client's polls see the running process (nulls) before completion.
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], importProcessingMs: 300 });
  await Promise.all([notion.start(), brevo.start()]);
  pageIds = seedSandbox(notion, brevo, { rows: 60 }).pageIds;
  dir = await mkdtemp(join(tmpdir(), 'tajo-wire-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml());
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const tajo = (args: string[]) => runTajo(args, simulatorEnv(notion, brevo, dir));

async function processAnswer(id: number): Promise<Record<string, unknown>> {
  const res = await fetch(`${brevo.baseUrl}/v3/processes/${id}`, { headers: { 'api-key': SANDBOX_BREVO_KEY } });
  return (await res.json()) as Record<string, unknown>;
}

test('a sync whose Brevo process answers carry null fields completes, and the next incremental run too', async () => {
  const first = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(first.stderr).not.toMatch(/"expected"|invalid_type/);
  expect(first.code).toBe(0);
  const summary = lastJson(first.stdout);
  expect(summary).toMatchObject({ pagesRead: 60, upserted: 60, failed: 0, errors: [] });
  expect(summary.status).not.toBe('failed');

  // The client did follow the import, and what Brevo answered had its nullable fields null.
  const processes = brevo.processes();
  expect(processes.length).toBeGreaterThan(0);
  expect(brevo.log.count({ route: 'GET /v3/processes/:id', status: 200 })).toBeGreaterThan(0);
  const answer = await processAnswer(processes[0]!.id);
  expect(answer).toMatchObject({ status: 'completed', error: null, export_url: null });

  const list = brevo.lists().find((l) => l.name === SANDBOX_LIST);
  expect(brevo.listMembers(list!.id)).toHaveLength(60);

  // The incremental run after it: edits are written, trashed rows leave the list.
  notion.trashPage(pageIds[0]!);
  notion.trashPage(pageIds[1]!);
  notion.updatePage(pageIds[2]!, { Company: 'Changed Co' });
  const second = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(second.code).toBe(0);
  expect(lastJson(second.stdout)).toMatchObject({ mode: 'incremental', upserted: 1, removed: 2, failed: 0 });
  const members = brevo.listMembers(list!.id);
  expect(members).toHaveLength(58);
  expect(members).not.toContain(String(sandboxRow(0).Email).toLowerCase());
});
