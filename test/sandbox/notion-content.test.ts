/**
 * NotionSimulator content API: blocks, page create/update, page markdown, users and their
 * capability levels, search over shared pages, Notion-hosted file URLs that expire, and the sandbox
 * workspace seed. Through the official SDK (v5, retries off) and raw fetch.
 */
import {
  APIErrorCode,
  APIResponseError,
  type BlockObjectResponse,
  Client,
  collectPaginatedAPI,
  isFullBlock,
  isFullPage,
  type PageObjectResponse,
} from '@notionhq/client';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import {
  BLOCK_TYPES,
  blocks as b,
  NotionSimulator,
  type NotionSimulatorOptions,
  type NotionVersion,
  realisticContent,
  seedDocsTree,
  TINY_PDF,
  TINY_PNG,
} from '../../sandbox/notion';
import {
  SANDBOX_DOCS_PAGES,
  SANDBOX_LEADS_DATABASE_ID,
  SANDBOX_NOTION_USERS,
  seedSandbox,
} from '../../sandbox/sandbox';

const T0 = Date.parse('2026-11-22T10:00:30.000Z');
const TOKEN = 'secret_sandbox';

const started: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function startSim(options: NotionSimulatorOptions = {}): Promise<{ sim: NotionSimulator; clock: SimClock }> {
  const clock = options.clock ?? new SimClock();
  if (!options.clock) clock.set(T0);
  const sim = new NotionSimulator({ rateLimit: false, ...options, clock });
  await sim.start();
  started.push(sim);
  return { sim, clock };
}

function sdk(sim: NotionSimulator, notionVersion: NotionVersion = '2025-09-03', auth = TOKEN): Client {
  return new Client({ auth, baseUrl: sim.baseUrl, retry: false, notionVersion, logger: () => {} });
}

async function raw(
  sim: NotionSimulator,
  method: string,
  path: string,
  opts: { body?: unknown; version?: string; token?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${opts.token ?? TOKEN}`,
    'notion-version': opts.version ?? '2025-09-03',
  };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
}

async function apiError(p: Promise<unknown>): Promise<APIResponseError> {
  try {
    await p;
  } catch (err) {
    if (APIResponseError.isAPIResponseError(err)) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

const para = (i: number) => ({
  type: 'paragraph' as const,
  paragraph: { rich_text: [{ type: 'text' as const, text: { content: `Line ${i}` } }] },
});

function leadsDatabase(sim: NotionSimulator) {
  return sim.addDatabase({
    title: 'Leads',
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      'Converted Date': { type: 'date' },
      Status: { type: 'status', options: ['New', 'Converted'] },
    },
  }).dataSources[0]!;
}

async function allChildren(client: Client, blockId: string): Promise<BlockObjectResponse[]> {
  const list = await collectPaginatedAPI(client.blocks.children.list, { block_id: blockId });
  return list.filter((x): x is BlockObjectResponse => isFullBlock(x));
}

describe('NotionSimulator: blocks', () => {
  test('children paginate 100 at a time with opaque cursors; page_size 101 is refused', async () => {
    const { sim } = await startSim();
    const page = sim.addContentPage({
      title: 'Long',
      children: Array.from({ length: 250 }, (_, i) => b.paragraph(`Line ${i}`)),
    });
    const client = sdk(sim);
    const first = await client.blocks.children.list({ block_id: page.id });
    expect(first.results).toHaveLength(100);
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect(first.next_cursor).not.toMatch(/^[0-9a-f-]{36}$/); // opaque, not a bare block id
    const all = await allChildren(client, page.id);
    expect(all).toHaveLength(250);
    expect(all.map((x) => (x.type === 'paragraph' ? x.paragraph.rich_text[0]?.plain_text : ''))).toEqual(
      Array.from({ length: 250 }, (_, i) => `Line ${i}`),
    );
    expect(sim.stats().byRoute['GET /v1/blocks/:block_id/children']).toBe(4);

    const tooBig = await raw(sim, 'GET', `/v1/blocks/${page.id}/children?page_size=101`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json).toMatchObject({ object: 'error', status: 400, code: 'validation_error' });
    expect(String(tooBig.json.message)).toContain('page_size');
    const forged = await raw(sim, 'GET', `/v1/blocks/${page.id}/children?start_cursor=${all[5]!.id}`);
    expect(forged.json.code).toBe('validation_error');
  });

  test('every block type renders with the common fields; synced copies, child pages, tables and columns', async () => {
    const { sim } = await startSim();
    const db = leadsDatabase(sim);
    const other = sim.addContentPage({ title: 'Other' });
    const extras = [
      b.heading(4, 'Deep heading'),
      b.breadcrumb(),
      b.tab([b.paragraph('In a tab')]),
      b.linkToPage(other.id),
      b.linkPreview('https://github.com/makenotion/notion-sdk-js/pull/1'),
      b.videoExternal('https://videos.example.com/v.mp4'),
      b.audioHosted(),
      b.fileHosted('report.csv', 'a,b\n1,2\n', 'text/csv'),
      b.fileExternal('https://files.example.com/f.zip', 'f.zip'),
      b.meetingNotes('Weekly'),
      b.transcription('Old weekly'),
      b.template('Template text'),
      b.unsupported('form'),
      b.childDatabase(db.databaseId, 'Leads'),
    ];
    const page = sim.addContentPage({ title: 'All', children: [...realisticContent(1, { childPages: 2 }), ...extras] });
    const client = sdk(sim);

    // Walk the whole tree as an exporter would.
    const seen = new Map<string, BlockObjectResponse>();
    const walk = async (id: string): Promise<void> => {
      for (const block of await allChildren(client, id)) {
        seen.set(block.id, block);
        if (block.has_children && block.type !== 'child_page') await walk(block.id);
      }
    };
    await walk(page.id);
    const types = new Set([...seen.values()].map((x) => x.type));
    for (const t of BLOCK_TYPES) expect(types).toContain(t);
    for (const block of seen.values()) {
      expect(block).toMatchObject({
        object: 'block',
        in_trash: false,
        archived: false,
        created_time: '2026-11-22T10:00:00.000Z',
        last_edited_time: '2026-11-22T10:00:00.000Z',
        created_by: { object: 'user', id: sim.botUser.id },
      });
      expect(['page_id', 'block_id']).toContain(block.parent.type);
    }

    const byType = (t: string) => [...seen.values()].filter((x) => x.type === t);
    const [original, copy] = byType('synced_block') as Array<Extract<BlockObjectResponse, { type: 'synced_block' }>>;
    expect(original!.synced_block.synced_from).toBeNull();
    expect(copy!.synced_block.synced_from).toEqual({ type: 'block_id', block_id: original!.id });
    expect(copy!.has_children).toBe(true);
    const copyKids = await allChildren(client, copy!.id);
    expect(copyKids.map((x) => x.id)).toEqual((await allChildren(client, original!.id)).map((x) => x.id));

    const table = byType('table')[0] as Extract<BlockObjectResponse, { type: 'table' }>;
    expect(table.table).toEqual({ table_width: 3, has_column_header: true, has_row_header: false });
    const rows = (await allChildren(client, table.id)) as Array<Extract<BlockObjectResponse, { type: 'table_row' }>>;
    expect(rows.map((r) => r.table_row.cells.length)).toEqual([3, 3, 3, 3]);
    const column = byType('column')[0] as Extract<BlockObjectResponse, { type: 'column' }>;
    expect(column.column.width_ratio).toBe(0.5);
    expect(column.parent.type).toBe('block_id');

    // Child pages: the block id is the page id; the one inside a column has a block_id parent.
    const childPages = byType('child_page');
    expect(childPages).toHaveLength(2);
    const inColumn = childPages.find((x) => x.parent.type === 'block_id')!;
    const asPage = (await client.pages.retrieve({ page_id: inColumn.id })) as PageObjectResponse;
    expect(asPage.parent).toEqual({
      type: 'block_id',
      block_id: inColumn.parent.type === 'block_id' ? inColumn.parent.block_id : '',
    });
    expect(asPage.properties.title).toMatchObject({ id: 'title', type: 'title' });
    const retrieved = await client.blocks.retrieve({ block_id: inColumn.id });
    expect(retrieved).toMatchObject({ type: 'child_page', child_page: { title: 'Billing note 1.1' } });

    // Headings, to-dos, code and equations keep their payloads.
    expect(byType('heading_3').some((h) => h.type === 'heading_3' && h.heading_3.is_toggleable)).toBe(true);
    expect(byType('to_do').map((t) => (t.type === 'to_do' ? t.to_do.checked : null))).toEqual([true, false, false]);
    expect(byType('code').map((c) => (c.type === 'code' ? c.code.language : ''))).toEqual(['typescript', 'sql']);
    expect(byType('equation')[0]).toMatchObject({ equation: { expression: 'E = mc^2' } });
    // Lists go 3 deep.
    const deep = [...seen.values()].find(
      (x) =>
        x.type === 'bulleted_list_item' &&
        x.bulleted_list_item.rich_text[0]?.plain_text === 'Share the database with the integration',
    );
    expect(deep?.parent.type).toBe('block_id');

    // The page itself reads as a block too (workspace parent), and 2026-03-11 drops `archived`.
    const root = await raw(sim, 'GET', `/v1/blocks/${page.id}`, { version: '2026-03-11' });
    expect(root.json).toMatchObject({ type: 'child_page', parent: { type: 'workspace' }, has_children: true });
    expect(root.json).not.toHaveProperty('archived');
  });

  test('objects not shared with the integration are 404 object_not_found on every content route', async () => {
    const { sim } = await startSim();
    const tree = seedDocsTree(sim, { pages: 6, fanout: 2 });
    const deep = tree.pageIds[5]!;
    const blockId = sim.childIds(deep)[0]!;
    const client = sdk(sim);
    await expect(client.blocks.retrieve({ block_id: blockId })).resolves.toMatchObject({ id: blockId });
    sim.unsharePage(tree.rootId);
    for (const call of [
      client.blocks.retrieve({ block_id: blockId }),
      client.blocks.children.list({ block_id: deep }),
      client.blocks.children.append({ block_id: deep, children: [para(1)] }),
      client.pages.retrieve({ page_id: deep }),
      client.pages.retrieveMarkdown({ page_id: deep }),
      client.pages.update({ page_id: deep, in_trash: true }),
    ]) {
      const err = await apiError(call);
      expect(err.status).toBe(404);
      expect(err.code).toBe(APIErrorCode.ObjectNotFound);
    }
    const found = await client.search({ query: '' });
    expect(found.results.filter((r) => tree.pageIds.includes(r.id))).toEqual([]);
    sim.sharePage(tree.rootId);
    await expect(client.pages.retrieve({ page_id: deep })).resolves.toMatchObject({ id: deep });
    // A never-existing id is also 404.
    const missing = await raw(sim, 'GET', '/v1/blocks/00000000000000000000000000000001/children');
    expect(missing.json).toMatchObject({ status: 404, code: 'object_not_found' });
  });

  test('append: ≤ 100 children, two nesting levels, creatable types only, positions; last edit moves', async () => {
    const { sim, clock } = await startSim();
    const page = sim.addContentPage({ title: 'Target', children: [b.paragraph('first'), b.paragraph('last')] });
    clock.advance(5 * 60_000);
    const client = sdk(sim);
    const res = await client.blocks.children.append({
      block_id: page.id,
      children: [
        {
          type: 'toggle',
          toggle: {
            rich_text: [{ type: 'text', text: { content: 'T' } }],
            children: [
              {
                type: 'bulleted_list_item',
                bulleted_list_item: {
                  rich_text: [{ type: 'text', text: { content: 'L1' } }],
                  children: [para(2)],
                },
              },
            ],
          },
        },
      ],
      after: page.blockIds[0]!,
    });
    expect(res.results).toHaveLength(1); // first-level blocks only
    const toggle = res.results[0] as BlockObjectResponse;
    expect(toggle).toMatchObject({ type: 'toggle', has_children: true, last_edited_time: '2026-11-22T10:05:00.000Z' });
    expect(sim.childIds(page.id)).toEqual([page.blockIds[0], toggle.id, page.blockIds[1]]);
    const after = (await client.pages.retrieve({ page_id: page.id })) as PageObjectResponse;
    expect(after.last_edited_time).toBe('2026-11-22T10:05:00.000Z');
    expect(after.last_edited_by).toEqual({ object: 'user', id: sim.botUser.id });

    const cases: Array<[unknown, string]> = [
      [{ children: Array.from({ length: 101 }, (_, i) => para(i)) }, 'body.children.length'],
      [
        {
          children: [
            {
              toggle: {
                rich_text: [],
                children: [
                  { toggle: { rich_text: [], children: [{ toggle: { rich_text: [], children: [para(1)] } }] } },
                ],
              },
            },
          ],
        },
        'at most 2 levels',
      ],
      [{ children: [{ type: 'child_page', child_page: { title: 'x' } }] }, 'child_page'],
      [{ children: [{ type: 'image', image: { type: 'file', file: { url: 'https://x' } } }] }, 'Notion-hosted'],
      [
        { children: [{ type: 'paragraph', paragraph: { rich_text: [{ text: { content: 'x'.repeat(2001) } }] } }] },
        'text.content.length',
      ],
      [
        {
          children: [
            { type: 'table', table: { table_width: 2, children: [{ type: 'table_row', table_row: { cells: [[]] } }] } },
          ],
        },
        'table_width is 2',
      ],
      [{ children: [{ type: 'bogus', bogus: {} }] }, 'body.children[0].type'],
      [{}, 'body.children should be defined'],
    ];
    for (const [body, fragment] of cases) {
      const r = await raw(sim, 'PATCH', `/v1/blocks/${page.id}/children`, { body });
      expect({ status: r.status, code: r.json.code }).toEqual({ status: 400, code: 'validation_error' });
      expect(String(r.json.message)).toContain(fragment);
    }
    // 2026-03-11 uses `position` instead of `after`.
    const start = await raw(sim, 'PATCH', `/v1/blocks/${page.id}/children`, {
      version: '2026-03-11',
      body: { children: [para(0)], position: { type: 'start' } },
    });
    expect(start.status).toBe(200);
    expect(sim.childIds(page.id)[0]).toBe((start.json.results as Array<{ id: string }>)[0]!.id);
    const oldField = await raw(sim, 'PATCH', `/v1/blocks/${page.id}/children`, {
      version: '2026-03-11',
      body: { children: [para(0)], after: page.blockIds[0] },
    });
    expect(oldField.json.code).toBe('validation_error');
  });
});

describe('NotionSimulator: pages', () => {
  test('create in a data source validates against the schema and the page shows up in queries', async () => {
    const { sim, clock } = await startSim();
    const ds = leadsDatabase(sim);
    const client = sdk(sim);
    const created = (await client.pages.create({
      parent: { data_source_id: ds.id },
      properties: {
        Name: { title: [{ text: { content: 'Ada Lovelace' } }] },
        Email: { email: 'ada@example.com' },
        'Converted Date': { date: { start: '2026-11-20' } },
        Status: { status: { name: 'Converted' } },
      },
      icon: { type: 'emoji', emoji: '🎯' },
      children: [para(1)],
    })) as PageObjectResponse;
    expect(created).toMatchObject({
      object: 'page',
      created_time: '2026-11-22T10:00:00.000Z', // rounded to the minute
      last_edited_time: '2026-11-22T10:00:00.000Z',
      created_by: { object: 'user', id: sim.botUser.id },
      last_edited_by: { object: 'user', id: sim.botUser.id },
      icon: { type: 'emoji', emoji: '🎯' },
      cover: null,
      in_trash: false,
      parent: { type: 'data_source_id', data_source_id: ds.id, database_id: ds.databaseId },
    });
    expect(created.url).toMatch(/^https:\/\/www\.notion\.so\/Ada-Lovelace-[0-9a-f]{32}$/);
    expect(created.properties.Email).toEqual({ id: ds.properties.Email!.id, type: 'email', email: 'ada@example.com' });
    const q = await client.dataSources.query({ data_source_id: ds.id });
    expect(q.results.map((r) => r.id)).toEqual([created.id]);
    expect(await allChildren(client, created.id)).toHaveLength(1);
    // GET returns the same properties the query returned.
    const got = (await client.pages.retrieve({ page_id: created.id })) as PageObjectResponse;
    expect(got.properties).toEqual((q.results[0] as PageObjectResponse).properties);

    // The old parent form works for a single-source database.
    const viaDb = await client.pages.create({ parent: { database_id: ds.databaseId }, properties: {} });
    expect(isFullPage(viaDb) && viaDb.parent).toMatchObject({ data_source_id: ds.id });

    const bad: Array<[unknown, string]> = [
      [{ Nmae: { title: [] } }, 'Nmae is not a property that exists'],
      [{ Email: { email: 42 } }, 'body.properties.Email.email'],
      [{ Email: { rich_text: [] } }, 'body.properties.Email.email should be defined'],
      [{ 'Converted Date': { date: { start: 'yesterday' } } }, 'body.properties.Converted Date.date.start'],
      [{ Status: { status: { name: 'Lost' } } }, 'Status option "Lost" does not exist for Status'],
    ];
    for (const [properties, fragment] of bad) {
      const r = await raw(sim, 'POST', '/v1/pages', { body: { parent: { data_source_id: ds.id }, properties } });
      expect({ status: r.status, code: r.json.code }).toEqual({ status: 400, code: 'validation_error' });
      expect(String(r.json.message)).toContain(fragment);
    }
    const tooMany = await raw(sim, 'POST', '/v1/pages', {
      body: { parent: { data_source_id: ds.id }, children: Array.from({ length: 101 }, (_, i) => para(i)) },
    });
    expect(String(tooMany.json.message)).toContain('body.children.length');
    const both = await raw(sim, 'POST', '/v1/pages', {
      body: { parent: { data_source_id: ds.id }, children: [], markdown: '# x' },
    });
    expect(both.json.code).toBe('validation_error');
    expect(sim.pageIds(ds.id)).toHaveLength(2); // refused requests created nothing

    // Update: properties, icon, trash; writes stamp the bot and the current minute.
    clock.advance(3 * 60_000 + 15_000);
    const updated = (await client.pages.update({
      page_id: created.id,
      properties: { Status: { status: { name: 'New' } } },
      icon: { type: 'emoji', emoji: '✅' },
    })) as PageObjectResponse;
    expect(updated.last_edited_time).toBe('2026-11-22T10:03:00.000Z');
    expect(updated.icon).toEqual({ type: 'emoji', emoji: '✅' });
    expect(updated.properties.Status).toMatchObject({ status: { name: 'New' } });
    await client.pages.update({ page_id: created.id, in_trash: true });
    expect((await client.dataSources.query({ data_source_id: ds.id })).results.map((r) => r.id)).not.toContain(
      created.id,
    );
    const badIcon = await raw(sim, 'PATCH', `/v1/pages/${created.id}`, { body: { icon: { type: 'emoji' } } });
    expect(String(badIcon.json.message)).toContain('body.icon.emoji');
  });

  test('create under a page, from markdown (first h1 becomes the title); only title is a property there', async () => {
    const { sim } = await startSim();
    const parent = sim.addContentPage({ title: 'Parent' });
    const client = sdk(sim);
    const page = (await client.pages.create({
      parent: { page_id: parent.id },
      markdown:
        '# Release notes\n\nIntro line\n\n- one\n  - nested\n- [x] done\n\n```sql\nSELECT 1;\n```\n\n---\n> quoted',
    })) as PageObjectResponse;
    expect(page.parent).toEqual({ type: 'page_id', page_id: parent.id });
    expect(page.properties.title).toMatchObject({ type: 'title', title: [{ plain_text: 'Release notes' }] });
    const kids = await allChildren(client, page.id);
    expect(kids.map((k) => k.type)).toEqual(['paragraph', 'bulleted_list_item', 'to_do', 'code', 'divider', 'quote']);
    expect(kids[1]!.has_children).toBe(true);
    // The parent now lists it as a child_page block with the same id.
    expect(sim.childIds(parent.id)).toEqual([page.id]);
    const r = await raw(sim, 'POST', '/v1/pages', {
      body: { parent: { page_id: parent.id }, properties: { Email: { email: 'x@y.z' } } },
    });
    expect(String(r.json.message)).toContain('Email is not a property that exists');
  });
});

describe('NotionSimulator: page markdown', () => {
  test('renders the tree, truncates past the record limit and serves the missing subtrees by id', async () => {
    const { sim } = await startSim({ markdownRecordLimit: 30 });
    const page = sim.addContentPage({ title: 'Guide', children: realisticContent(2, { childPages: 1 }) });
    const client = sdk(sim);
    const md = await client.pages.retrieveMarkdown({ page_id: page.id });
    expect(md.object).toBe('page_markdown');
    expect(md.id).toBe(page.id);
    expect(md.truncated).toBe(true);
    expect(md.markdown).toContain('# Campaigns guide');
    expect(md.markdown).toContain('1. Prepare the account');
    expect(md.unknown_block_ids.length).toBeGreaterThan(0);
    // Each missing id is the root of an omitted subtree: fetching them completes the page.
    const parts = [md.markdown];
    for (const id of md.unknown_block_ids) {
      const part = await raw(sim, 'GET', `/v1/pages/${id}/markdown`);
      expect(part.status).toBe(200);
      parts.push(String(part.json.markdown));
    }
    const whole = parts.join('\n');
    expect(whole).toContain('<table header-row="true">');
    expect(whole).toContain('$$\nE = mc^2\n$$');
    expect(whole).toMatch(/<pdf src="http:\/\/127\.0\.0\.1:\d+\/[^"]+X-Amz-Expires=3600/);

    const { sim: roomy } = await startSim({ markdownRecordLimit: 10_000 });
    const full = roomy.addContentPage({ title: 'Guide', children: realisticContent(2, { childPages: 1 }) });
    const all = await sdk(roomy).pages.retrieveMarkdown({ page_id: full.id });
    expect(all.truncated).toBe(false);
    expect(all.unknown_block_ids).toEqual([]);
    expect(all.markdown).toMatch(
      /<page url="https:\/\/www\.notion\.so\/Campaigns-note-2-1-[0-9a-f]{32}">Campaigns note 2\.1<\/page>/,
    );
    expect(all.markdown).toContain('- [x] Owner assigned');
  });

  test('403 restricted_resource without the read content capability', async () => {
    const { sim } = await startSim({ capabilities: { readContent: false } });
    const page = sim.addContentPage({ title: 'Secret', children: [b.paragraph('x')] });
    for (const path of [`/v1/pages/${page.id}/markdown`, `/v1/blocks/${page.id}/children`, `/v1/pages/${page.id}`]) {
      const r = await raw(sim, 'GET', path);
      expect(r.json).toMatchObject({ object: 'error', status: 403, code: 'restricted_resource' });
    }
    const err = await apiError(sdk(sim).pages.retrieveMarkdown({ page_id: page.id }));
    expect(err.code).toBe(APIErrorCode.RestrictedResource);
  });
});

describe('NotionSimulator: users and capabilities', () => {
  function seedUsers(sim: NotionSimulator) {
    sim.addUser({ name: 'Ada', type: 'person', email: 'ada@example.com' });
    sim.addUser({ name: 'Grace', type: 'person', email: 'grace@example.com' });
    const guest = sim.addUser({ name: 'Guest', type: 'person', email: 'guest@partner.org', guest: true });
    sim.addUser({ name: 'Zapier', type: 'bot' });
    return guest;
  }

  test('with email: people carry person.email; guests are not listed but can be retrieved', async () => {
    const { sim } = await startSim();
    const guest = seedUsers(sim);
    const client = sdk(sim);
    const users = await collectPaginatedAPI(client.users.list, { page_size: 2 });
    expect(users.map((u) => u.name).sort()).toEqual(['Ada', 'Grace', 'Tajo Sandbox', 'Zapier']);
    const ada = users.find((u) => u.name === 'Ada');
    expect(ada).toMatchObject({ type: 'person', person: { email: 'ada@example.com' } });
    expect(await client.users.retrieve({ user_id: guest.id })).toMatchObject({ name: 'Guest' });
    expect(await client.users.me({})).toMatchObject({ id: sim.botUser.id, type: 'bot' });
    const tooBig = await raw(sim, 'GET', '/v1/users?page_size=101');
    expect(tooBig.json.code).toBe('validation_error');
  });

  test('without email: person is {}; none: 403 on users endpoints; levels can differ per token', async () => {
    const { sim } = await startSim({
      tokens: [TOKEN, 'secret_noemail', 'secret_nousers'],
      tokenCapabilities: {
        secret_noemail: { userInformation: 'without_email' },
        secret_nousers: { userInformation: 'none' },
      },
    });
    seedUsers(sim);
    const ada = [...(await sdk(sim, '2025-09-03', 'secret_noemail').users.list({})).results].find(
      (u) => u.name === 'Ada',
    );
    expect(ada).toMatchObject({ type: 'person', person: {} });
    expect(JSON.stringify(ada)).not.toContain('@');
    // people property values follow the same level.
    const ds = sim.addDatabase({ title: 'T', properties: { Owner: { type: 'people' } } }).dataSources[0]!;
    const p = sim.addPage(ds.id, { properties: { Owner: [ada!.id] } });
    const seen = (await sdk(sim, '2025-09-03', 'secret_noemail').pages.retrieve({
      page_id: p.id,
    })) as PageObjectResponse;
    expect(seen.properties.Owner).toMatchObject({ people: [{ id: ada!.id, person: {} }] });
    const full = (await sdk(sim).pages.retrieve({ page_id: p.id })) as PageObjectResponse;
    expect(full.properties.Owner).toMatchObject({ people: [{ person: { email: 'ada@example.com' } }] });

    const none = sdk(sim, '2025-09-03', 'secret_nousers');
    for (const call of [none.users.list({}), none.users.retrieve({ user_id: ada!.id })]) {
      const err = await apiError(call);
      expect({ status: err.status, code: err.code }).toEqual({ status: 403, code: 'restricted_resource' });
    }
    // The integration can always read itself (token check).
    expect(await none.users.me({})).toMatchObject({ type: 'bot' });
    sim.setCapabilities({ userInformation: 'with_email' }, 'secret_nousers');
    expect((await none.users.list({})).results.length).toBe(4);
  });
});

describe('NotionSimulator: search', () => {
  test('title query, object filters per version, last_edited_time sort, cursors, shared objects only', async () => {
    const { sim, clock } = await startSim();
    const ds = leadsDatabase(sim);
    sim.addPage(ds.id, { properties: { Name: 'Roadmap lead' } });
    clock.advance(60_000);
    const tree = seedDocsTree(sim, { pages: 5, fanout: 2, title: 'Roadmap' });
    clock.advance(60_000);
    const hidden = sim.addContentPage({ title: 'Roadmap (private)', shared: false });
    const client = sdk(sim);

    const hits = await client.search({ query: 'roadmap' });
    expect(hits.results.map((r) => r.id)).toEqual([tree.rootId, sim.pageIds(ds.id)[0]]);
    expect(hits.results.map((r) => r.id)).not.toContain(hidden.id);
    const asc = await client.search({
      query: 'roadmap',
      sort: { timestamp: 'last_edited_time', direction: 'ascending' },
    });
    expect(asc.results.map((r) => r.id)).toEqual([sim.pageIds(ds.id)[0], tree.rootId]);

    const pagesOnly = await collectPaginatedAPI(client.search, {
      filter: { property: 'object', value: 'page' },
      page_size: 2,
    });
    expect(pagesOnly).toHaveLength(6); // 5 docs pages + 1 row
    expect(pagesOnly.every((r) => r.object === 'page')).toBe(true);
    const sources = await client.search({ filter: { property: 'object', value: 'data_source' } });
    expect(sources.results.map((r) => [r.object, r.id])).toEqual([['data_source', ds.id]]);
    const old = await raw(sim, 'POST', '/v1/search', {
      version: '2022-06-28',
      body: { filter: { property: 'object', value: 'database' } },
    });
    expect((old.json.results as Array<{ object: string; id: string }>).map((r) => [r.object, r.id])).toEqual([
      ['database', ds.databaseId],
    ]);
    const wrong = await raw(sim, 'POST', '/v1/search', { body: { filter: { property: 'object', value: 'database' } } });
    expect(wrong.json.code).toBe('validation_error');
    const big = await raw(sim, 'POST', '/v1/search', { body: { page_size: 101 } });
    expect(big.json.code).toBe('validation_error');
  });
});

describe('NotionSimulator: Notion-hosted files', () => {
  test('signed URLs serve the bytes until they expire (simulator clock), then 403 "Request has expired"', async () => {
    const { sim, clock } = await startSim();
    const page = sim.addContentPage({
      title: 'Files',
      children: [b.imageHosted('shot.png'), b.pdfHosted('spec.pdf'), b.imageExternal('https://cdn.example.com/a.png')],
    });
    const client = sdk(sim);
    const [image, pdf, external] = await allChildren(client, page.id);
    if (image?.type !== 'image' || pdf?.type !== 'pdf' || external?.type !== 'image')
      throw new Error('unexpected blocks');
    if (image.image.type !== 'file' || pdf.pdf.type !== 'file') throw new Error('expected hosted files');
    expect(external.image).toEqual({
      caption: [],
      type: 'external',
      external: { url: 'https://cdn.example.com/a.png' },
    });
    const { url, expiry_time } = image.image.file;
    expect(url.startsWith(sim.filesBaseUrl)).toBe(true);
    expect(url).toContain('X-Amz-Signature=');
    expect(expiry_time).toBe('2026-11-22T11:00:30.000Z'); // one hour after the (frozen) clock

    const before = sim.stats().requests;
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(TINY_PNG);
    const pdfRes = await fetch(pdf.pdf.file.url);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdfRes.arrayBuffer())).toEqual(TINY_PDF);
    expect(sim.stats().requests).toBe(before); // downloads are not API requests
    expect(sim.fileDownloads).toBe(2);

    const tampered = await fetch(url.replace(/X-Amz-Expires=3600/, 'X-Amz-Expires=999999'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    clock.advance(61 * 60_000);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-type')).toBe('application/xml');
    const xml = await expired.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('<Message>Request has expired</Message>');

    // Re-reading the block signs a fresh URL that works again.
    const again = await client.blocks.retrieve({ block_id: image.id });
    if (!isFullBlock(again) || again.type !== 'image' || again.image.type !== 'file') throw new Error('expected image');
    expect(again.image.file.url).not.toBe(url);
    expect(again.image.file.expiry_time).toBe('2026-11-22T12:01:30.000Z');
    expect((await fetch(again.image.file.url)).status).toBe(200);
  });
});

describe('NotionSimulator: rate limit and request counting on the new endpoints', () => {
  test('3 req/s burst 3, then 429 rate_limited with Retry-After on blocks, pages, markdown and users', async () => {
    const { sim, clock } = await startSim({ rateLimit: { perSecond: 3, burst: 3 } });
    const page = sim.addContentPage({ title: 'P', children: [b.paragraph('x')] });
    const paths = [
      `/v1/blocks/${page.id}/children`,
      `/v1/pages/${page.id}/markdown`,
      `/v1/blocks/${page.id}`,
      '/v1/users',
    ];
    for (const path of paths) {
      clock.advance(2000); // refill
      for (let i = 0; i < 3; i++) expect((await raw(sim, 'GET', path)).status).toBe(200);
      const limited = await raw(sim, 'GET', path);
      expect(limited.status).toBe(429);
      expect(limited.json).toMatchObject({ object: 'error', code: 'rate_limited' });
      expect(limited.headers.get('retry-after')).toBe('1');
    }
    const err = await apiError(sdk(sim).pages.create({ parent: { page_id: page.id }, properties: {} }));
    expect(err.code).toBe(APIErrorCode.RateLimited);
    expect(sim.stats()).toMatchObject({ requests: 17, rateLimited: 5 });
    expect(sim.stats().byRoute['GET /v1/pages/:page_id/markdown']).toBe(4);
  });

  test('a wrong token is 401 on the new endpoints too', async () => {
    const { sim } = await startSim();
    const page = sim.addContentPage({ title: 'P' });
    const r = await raw(sim, 'GET', `/v1/blocks/${page.id}/children`, { token: 'secret_wrong' });
    expect(r.json).toMatchObject({ object: 'error', status: 401, code: 'unauthorized' });
  });
});

describe('sandbox workspace', () => {
  test('seedSandbox adds users, a Leads data source and a Docs tree of ≥ 50 nested pages', async () => {
    const { sim } = await startSim();
    const brevo = new BrevoSimulator();
    const seeded = seedSandbox(sim, brevo, { rows: 3, now: T0 });
    expect(seeded.pageIds).toHaveLength(3);
    const client = sdk(sim);
    const leads = await client.databases.retrieve({ database_id: SANDBOX_LEADS_DATABASE_ID });
    const leadsDsId = 'data_sources' in leads ? leads.data_sources[0]!.id : '';
    const schema = await client.dataSources.retrieve({ data_source_id: leadsDsId });
    expect(Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, v.type]))).toEqual({
      Name: 'title',
      Email: 'email',
      'Converted Date': 'date',
      Status: 'select',
      'Last Contact': 'date',
    });
    const users = await collectPaginatedAPI(client.users.list, {});
    expect(users.filter((u) => u.type === 'person')).toHaveLength(
      SANDBOX_NOTION_USERS.filter((u) => u.type === 'person' && !('guest' in u)).length,
    );
    expect(users.filter((u) => u.type === 'bot').length).toBe(2);

    const docs = await client.search({ query: 'Docs', filter: { property: 'object', value: 'page' } });
    const root = docs.results.find((r) => isFullPage(r) && r.parent.type === 'workspace')!;
    // Walk the tree through the API, as an exporter would: count pages and depth.
    let pages = 0;
    let maxDepth = 0;
    const walk = async (id: string, depth: number): Promise<void> => {
      pages++;
      maxDepth = Math.max(maxDepth, depth);
      const visit = async (parent: string): Promise<void> => {
        for (const block of await allChildren(client, parent)) {
          if (block.type === 'child_page') await walk(block.id, depth + 1);
          else if (block.has_children && block.type !== 'synced_block') await visit(block.id);
        }
      };
      await visit(id);
    };
    await walk(root.id, 0);
    expect(pages).toBe(SANDBOX_DOCS_PAGES);
    expect(pages).toBeGreaterThanOrEqual(50);
    expect(maxDepth).toBeGreaterThanOrEqual(3);
  });
});
