/**
 * Page import against the Notion simulator: search, a realistic nested page rendered with its files
 * stored, a PDF-only page, an expired file URL, re-sync of edited pages only, request counts, and
 * not one write to Notion. Documents go to the local document store in a temp dir, records to dynalite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimClock } from '../../sandbox/http-kit';
import {
  blocks as b,
  NotionSimulator,
  pdfOnlyContent,
  realisticContent,
  TINY_PDF,
  TINY_PNG,
} from '../../sandbox/notion';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { loadBlockTree } from '../../shared/connectors/notion/content/load';
import { renderMarkdown } from '../../shared/connectors/notion/content/markdown';
import {
  buildNotionImportDeps,
  importPage,
  parseNotionPageId,
  resyncDocuments,
} from '../../shared/connectors/notion/documents/import';
import type { Clock } from '../../shared/core/ports';
import type { ImportedDocumentStore } from '../../shared/core/ports/documents';
import { freshStore } from '../support/stores';

const T0 = Date.parse('2026-11-22T09:00:30.000Z');
const TENANT = 'acme';

let sim: NotionSimulator;
let simClock: SimClock;
let dir: string;
let token: string;
let documents: LocalDocumentStore;
let imported: ImportedDocumentStore;
let clock: Clock;

beforeEach(async () => {
  token = `secret_${randomUUID()}`;
  simClock = new SimClock();
  simClock.set(T0);
  sim = new NotionSimulator({ tokens: [token], rateLimit: false, clock: simClock });
  await sim.start();
  dir = await mkdtemp(join(tmpdir(), 'tajo-import-'));
  documents = new LocalDocumentStore(join(dir, 'documents'));
  imported = (await freshStore()).store;
  // The pacer's sleeps move the simulator's clock: pacing without waiting, file expiry still real.
  clock = { now: () => simClock.now(), sleep: async (ms) => simClock.advance(ms) };
});

afterEach(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function deps(download?: typeof fetch) {
  const d = buildNotionImportDeps({
    notionToken: token,
    apiVersion: '2025-09-03',
    readOnly: true,
    endpoints: { notionBaseUrl: sim.baseUrl },
    documents,
    imported,
    clock,
  });
  return download ? { ...d, download } : d;
}

function writesToNotion() {
  return sim.log.records.filter((r) => r.method !== 'GET' && !(r.method === 'POST' && r.path === '/v1/search'));
}

const body = (doc: string) => doc.slice(doc.indexOf('\n---\n\n') + '\n---\n\n'.length);

test('search lists only what is shared with the integration, pages and data sources', async () => {
  const shared = sim.addContentPage({ title: 'Handbook', children: [b.paragraph('hi')] });
  sim.addContentPage({ title: 'Private plans', children: [], shared: false });
  sim.addDatabase({ title: 'Customers', properties: { Name: { type: 'title' } } });
  const gw = deps().gateway;
  const all = await gw.search({});
  const titles = all.results.map((r) => r.title).sort();
  expect(titles).toContain('Handbook');
  expect(titles).toContain('Customers');
  expect(titles).not.toContain('Private plans');
  const pages = await gw.search({ query: 'hand', filter: 'page' });
  expect(pages.results).toEqual([expect.objectContaining({ object: 'page', id: shared.id, title: 'Handbook' })]);
  const dbs = await gw.search({ filter: 'database' });
  expect(dbs.results.every((r) => r.object === 'data_source')).toBe(true);
  // Cursor pagination: page size 1 walks every result once.
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const p = await gw.search({ pageSize: 1, startCursor: cursor });
    seen.push(...p.results.map((r) => r.id));
    cursor = p.hasMore ? p.nextCursor : undefined;
  } while (cursor);
  expect(seen.sort()).toEqual(all.results.map((r) => r.id).sort());
  expect(writesToNotion()).toEqual([]);
});

test('a nested realistic page: every block rendered, files downloaded and linked to the stored copies', async () => {
  const page = sim.addContentPage({
    title: 'Billing guide',
    children: [...realisticContent(2, { childPages: 2 }), b.fileHosted('prices.csv', 'a,b\n1,2\n', 'text/csv')],
    icon: { type: 'emoji', emoji: '💶' },
  });
  sim.resetStats();
  const res = await importPage(deps(), { tenantId: TENANT, pageId: page.url });
  expect(res).toMatchObject({ pageId: page.id, title: 'Billing guide', kind: 'markdown', warnings: [], changed: true });
  expect(res.documentKey).toBe(`notion/${page.id}/page.md`);
  // Every request the import made is counted, and nothing else reached Notion.
  expect(res.requests).toBe(sim.stats().requests);
  expect(sim.stats().byRoute['GET /v1/pages/:page_id']).toBe(1);

  // Hosted image, PDF and CSV stored with their bytes and content types.
  expect(res.files.map((f) => f.contentType).sort()).toEqual(['application/pdf', 'image/png', 'text/csv']);
  const png = res.files.find((f) => f.contentType === 'image/png');
  expect((await documents.get(TENANT, png?.key ?? ''))?.body.equals(TINY_PNG)).toBe(true);
  const pdf = res.files.find((f) => f.contentType === 'application/pdf');
  expect((await documents.get(TENANT, pdf?.key ?? ''))?.body.equals(TINY_PDF)).toBe(true);
  expect(sim.fileDownloads).toBe(3);
  expect((await stat(documents.locate(TENANT, res.documentKey))).mode & 0o777).toBe(0o600);

  const doc = (await documents.get(TENANT, res.documentKey))?.body.toString('utf8') ?? '';
  expect(doc).toMatch(/^---\nnotion_page_id: /);
  expect(doc).toContain('title: Billing guide');
  expect(doc).toContain('emoji: 💶');
  expect(doc).toContain('last_edited_time: ');
  // The same tree through renderMarkdown, with files mapped to the stored copies, gives the same body.
  const gw = deps().gateway;
  const tree = await loadBlockTree((id, c, n) => gw.listBlockChildren(id, c, n), page.id);
  const links = new Map(res.files.map((f) => [f.blockId, `files/${f.key.split('/').slice(3).join('/')}`]));
  expect(body(doc)).toBe(renderMarkdown(tree.blocks, { fileUrl: (blk) => links.get(blk.id) }));
  const md = body(doc);
  for (const f of res.files) expect(md).toContain(`files/${f.blockId}/`);
  expect(md).not.toContain(sim.filesBaseUrl);
  expect(md).not.toContain('X-Amz-Signature');
  for (const expected of ['<details>', '| Limit |', '```sql', '$$', '- [x] Owner assigned', 'Campaigns note 2.1']) {
    expect(md).toContain(expected);
  }
  expect(md).not.toMatch(/<!-- unsupported/);
  expect(writesToNotion()).toEqual([]);
});

test('a PDF-only page stores the PDF itself as the document', async () => {
  const page = sim.addContentPage({ title: 'Signed contract', children: pdfOnlyContent('contract.pdf') });
  const res = await importPage(deps(), { tenantId: TENANT, pageId: page.id });
  expect(res).toMatchObject({ kind: 'file', documentKey: `notion/${page.id}/contract.pdf`, files: [] });
  const stored = await documents.get(TENANT, res.documentKey);
  expect(stored?.contentType).toBe('application/pdf');
  expect(stored?.body.equals(TINY_PDF)).toBe(true);
  expect(await imported.getImportedDocument(TENANT, page.id)).toMatchObject({ kind: 'file', title: 'Signed contract' });
});

test('an expired file URL is refreshed once by re-reading its block', async () => {
  const page = sim.addContentPage({ title: 'Scan', children: [b.paragraph('See below'), b.imageHosted('scan.png')] });
  let downloads = 0;
  // The hour passes between reading the blocks and downloading (a slow, throttled import).
  const slow: typeof fetch = (url, init) => {
    if (downloads++ === 0) simClock.advance(3601_000);
    return fetch(url, init);
  };
  sim.resetStats();
  const res = await importPage(deps(slow), { tenantId: TENANT, pageId: page.id });
  expect(res.warnings).toEqual([]);
  expect(res.files).toHaveLength(1);
  expect(downloads).toBe(2);
  expect(sim.stats().byRoute['GET /v1/blocks/:block_id']).toBe(1);
  expect(res.requests).toBe(sim.stats().requests);
});

test('a file that cannot be refreshed is left out with a warning, the page still imports', async () => {
  const page = sim.addContentPage({ title: 'Broken', children: [b.imageHosted('gone.png')] });
  const always403: typeof fetch = async () => new Response('<Error/>', { status: 403 });
  const res = await importPage(deps(always403), { tenantId: TENANT, pageId: page.id });
  expect(res.files).toEqual([]);
  expect(res.warnings).toEqual([expect.stringMatching(/image block .* left out: download answered 403/)]);
});

test('resync re-imports only the edited page; unchanged pages cost one request each', async () => {
  const a = sim.addContentPage({ title: 'A', children: [b.paragraph('alpha'), b.imageHosted('a.png')] });
  const c = sim.addContentPage({ title: 'C', children: [b.paragraph('gamma')] });
  const p = sim.addContentPage({ title: 'P', children: pdfOnlyContent('p.pdf') });
  // Notion's last_edited_time has minute precision: import in a later minute than the seeding.
  simClock.advance(120_000);
  for (const page of [a, c, p]) await importPage(deps(), { tenantId: TENANT, pageId: page.id });
  const before = await imported.getImportedDocument(TENANT, a.id);

  simClock.advance(120_000);
  sim.appendBlocks(c.id, [b.paragraph('delta, added later')]);
  simClock.advance(120_000);
  sim.resetStats();
  const res = await resyncDocuments(deps(), { tenantId: TENANT });
  expect(res).toMatchObject({ checked: 3, reimported: 1, unchanged: 2, failed: 0, errors: [] });
  expect(res.requests).toBe(sim.stats().requests);
  // 2 unchanged × 1 page read + the edited page: 1 page read + 1 children list.
  expect(res.requests).toBe(4);
  const cDoc = await imported.getImportedDocument(TENANT, c.id);
  expect((await documents.get(TENANT, cDoc?.documentKey ?? ''))?.body.toString()).toContain('delta, added later');
  // Unchanged: the same record, only stamped with the re-sync's check.
  const aAfter = await imported.getImportedDocument(TENANT, a.id);
  expect(aAfter).toEqual({ ...before, checkedAt: expect.any(String) });
  expect(Date.parse(aAfter?.checkedAt ?? '')).toBeGreaterThan(Date.parse(before?.importedAt ?? ''));

  // A page that is no longer shared fails alone; the others are still checked.
  sim.unsharePage(a.id);
  const again = await resyncDocuments(deps(), { tenantId: TENANT });
  expect(again).toMatchObject({ checked: 3, failed: 1, unchanged: 2 });
  expect(again.errors[0]?.reason).toMatch(/share it with the integration/);
  expect(writesToNotion()).toEqual([]);
});

test('documents are tenant-scoped: other tenants list nothing, keys cannot climb out', async () => {
  const page = sim.addContentPage({ title: 'Media', children: [b.imageHosted('one.png')] });
  await importPage(deps(), { tenantId: TENANT, pageId: page.id });
  expect((await documents.list(TENANT)).map((o) => o.key)).toHaveLength(2);
  expect(await documents.list('other-tenant')).toEqual([]);
  expect(await imported.listImportedDocuments('other-tenant')).toEqual([]);
  await expect(documents.get(TENANT, '../other-tenant/x')).rejects.toThrow(/invalid document key/);
});

test('page ids from URLs and dashed or compact ids', () => {
  const id = '1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809';
  expect(parseNotionPageId('https://www.notion.so/acme/Billing-Guide-1a2b3c4d5e6f708192a3b4c5d6e7f809?pvs=4')).toBe(id);
  expect(parseNotionPageId('1a2b3c4d5e6f708192a3b4c5d6e7f809')).toBe(id);
  expect(parseNotionPageId(id.toUpperCase())).toBe(id);
  expect(() => parseNotionPageId('not-a-page')).toThrow(/not a Notion page/);
});
