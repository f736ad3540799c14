/**
 * What this version cannot handle, as a user meets it through the CLI (in process, against the
 * simulators): a mapped Notion property of a type it cannot read (button), a mapped Brevo attribute
 * of a kind Brevo added later, and a search result of an object kind Notion added later. Each is
 * named in the output (the run's warnings, the search's "left out" lines); the rest works.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { NotionGateway } from '../../shared/connectors/notion/client';
import { BrevoClient } from '../../shared/core/brevo/client';

const TOKEN = 'ntn_unsupported_cli';
const KEY = 'xkeysib-unsupported-cli';
const DB = '7d1e2c3d4f5a4b6c8d7e9f0a1b2c3d40';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;

beforeEach(async () => {
  notion = new NotionSimulator({ tokens: [TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [KEY], importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  dir = await mkdtemp(join(tmpdir(), 'tajo-unsupported-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(
    config,
    `brevo:
  api_key: ${KEY}
connectors:
  notion:
    token: ${TOKEN}
    api_version: "2025-09-03"
    databases:
      - id: "${DB}"
        name: Members
        field_mapping:
          Email: email
          Name: FIRSTNAME
          Company: COMPANY
          Approve: LASTNAME
          Seats: LOYALTY
`,
  );
});

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function tajo(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const env = {
    PATH: process.env.PATH ?? '',
    NOTION_BASE_URL: notion.baseUrl,
    BREVO_BASE_URL: brevo.baseUrl,
    TAJO_STATE_DIR: join(dir, 'state'),
  };
  const code = await main([...args, '--config', config], env, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTTY: false,
  });
  return { code, out, err };
}

test('a mapped button property and a mapped attribute of an unknown kind: the run warns per field and syncs the rest', async () => {
  const db = notion.addDatabase({
    id: DB,
    title: 'Members',
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      Company: { type: 'rich_text' },
      Approve: { type: 'button' },
      Seats: { type: 'number' },
    },
  });
  const ds = db.dataSources[0]?.id as string;
  notion.addPage(ds, { properties: { Name: 'Ada', Email: 'ada@example.com', Company: 'Engines', Seats: 3 } });
  notion.addPage(ds, { properties: { Name: 'Grace', Email: 'grace@example.com', Company: 'Navy', Seats: 5 } });
  brevo.addAttribute({ name: 'COMPANY', category: 'normal', type: 'text' });
  // The account has LOYALTY, of a type Brevo added after this version: the client names it apart.
  const read = BrevoClient.prototype.readAttributes;
  jest.spyOn(BrevoClient.prototype, 'readAttributes').mockImplementation(async function (this: BrevoClient) {
    const r = await read.call(this);
    return {
      ...r,
      unsupported: [...r.unsupported, { name: 'LOYALTY', reason: 'unsupported attribute type "points"' }],
    };
  });

  const human = await tajo(['connectors', 'sync', 'notion']);
  expect(human.code).toBe(0);
  expect(human.err.filter((l) => l.startsWith('tajo:'))).toEqual([]);
  const path = 'connectors.notion.databases[0].field_mapping';
  const warnings = [
    `database "Members": ${path}.Approve: "Approve" is a button property in Notion, which this version cannot read: it is left out of the sync (remove it from the mapping)`,
    `database "Members": ${path}.Seats: Brevo attribute LOYALTY is of a kind this version cannot write (unsupported attribute type "points"): "Seats" is left out of the sync`,
  ];
  for (const w of warnings) expect(human.out).toContain(`  warning: ${w}`);
  expect(brevo.getContact('ada@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Ada', COMPANY: 'Engines' });
  expect(brevo.getContact('grace@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Grace', COMPANY: 'Navy' });

  // Every run says it again (a warning is about the config, not about one run's rows).
  const json = await tajo(['connectors', 'sync', 'notion', '--json']);
  expect(json.code).toBe(0);
  const summary = JSON.parse(json.out.at(-1) as string) as { warnings: string[]; status: string };
  expect(summary.status).toBe('succeeded');
  expect(summary.warnings).toEqual(warnings);
  // status keeps the last run's warnings.
  const status = await tajo(['connectors', 'status', 'notion', '--json']);
  expect(JSON.stringify(status.out)).toContain('which this version cannot read');
});

test('notion search names the results it cannot read instead of dropping them unseen', async () => {
  notion.addContentPage({ title: 'Team guide', children: [] });
  const search = NotionGateway.prototype.search;
  jest.spyOn(NotionGateway.prototype, 'search').mockImplementation(async function (this: NotionGateway, args) {
    const page = await search.call(this, args);
    // What the client reports for a result of an object kind Notion added later (wire-fuzz proves it).
    return { ...page, skipped: [{ id: 'f00d', reason: 'object: expected one of page, database, data_source' }] };
  });
  const human = await tajo(['notion', 'search']);
  expect(human.code).toBe(0);
  expect(human.out.some((l) => l.includes('Team guide'))).toBe(true);
  expect(human.out).toContain('1 result left out, unreadable:');
  expect(human.out).toContain('  f00d: object: expected one of page, database, data_source');
  const json = await tajo(['notion', 'search', '--json']);
  expect(JSON.parse(json.out.at(-1) as string)).toMatchObject({
    count: 1,
    skipped: [{ id: 'f00d', reason: 'object: expected one of page, database, data_source' }],
  });
});
