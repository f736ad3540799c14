/**
 * `sync.pages: true` from the CLI, as a user runs it: `tajo connectors sync notion` sends the page
 * changes as Brevo events, counts them in the summary, and sends none again on a re-run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
  seedSandbox,
} from '../../sandbox/sandbox';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  await Promise.all([notion.start(), brevo.start()]);
  dir = await mkdtemp(join(tmpdir(), 'tajo-pages-'));
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const tajo = (args: string[]) => runTajo(args, simulatorEnv(notion, brevo, dir));

const pageEvents = () => brevo.events().filter((e) => e.event_name.startsWith('notion_page_'));

test('the CLI sync sends page changes as Brevo events: a baseline first, then one per change, none on a re-run', async () => {
  // Seeded rows were last edited minutes ago; the edits below happen now, in a later minute.
  const { pageIds, dataSourceId } = seedSandbox(notion, brevo, { rows: 10 });
  const config = join(dir, 'tajo.yaml');
  await writeFile(
    config,
    sandboxConfigYaml().replace('sync:\n      databases: true', 'sync:\n      databases: true\n      pages: true'),
  );
  const first = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(first.code).toBe(0);
  expect(lastJson(first.stdout)).toMatchObject({ upserted: 10, events: 0 });

  notion.updatePage(pageIds[0] as string, { Website: 'https://unmapped.example' });
  notion.updatePage(pageIds[1] as string, { Company: 'Mapped edit' });
  notion.trashPage(pageIds[2] as string);
  const added = notion.addPage(dataSourceId, { properties: sandboxRow(10) });
  const second = await tajo(['connectors', 'sync', 'notion', '--config', config]);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('  4 page events sent to Brevo (sync.pages)');
  expect(
    pageEvents()
      .map((e) => `${e.event_name} ${e.event_properties?.page_id}`)
      .sort(),
  ).toEqual(
    [
      `notion_page_updated ${pageIds[0]}`,
      `notion_page_updated ${pageIds[1]}`,
      `notion_page_deleted ${pageIds[2]}`,
      `notion_page_created ${added.id}`,
    ].sort(),
  );

  const again = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(lastJson(again.stdout)).toMatchObject({ events: 0, warnings: [] });
  expect(pageEvents()).toHaveLength(4);
  const status = await tajo(['connectors', 'status', 'notion', '--config', config]);
  expect(status.stdout).toMatch(/last run .*\n.*, 0 page events sent/);
});
