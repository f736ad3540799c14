/**
 * The SDK's Notion routes (issue 15): query a database and create a page through the tenant's
 * stored connection, against the Notion simulator, with the tenant connected through the
 * management API (dynalite, file secrets). The routes are called as api.ts calls them once wired.
 */
import { randomUUID } from 'node:crypto';
import { SANDBOX_DATABASE_ID, SANDBOX_LEADS_DATABASE_ID } from '../../sandbox/sandbox';
import { notionPacerDrainMs } from '../../shared/connectors/notion/context';
import {
  NOTION_PAGES_ROUTE,
  NOTION_QUERY_ROUTE,
  notionCreatePageAnswerSchema,
  notionQueryAnswerSchema,
  notionSdkOperations,
  notionSdkRoutes,
} from '../../shared/connectors/notion/sdk-api';
import { routeKey } from '../../shared/core/connector';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { type NotionSdkStack, startNotionSdkStack } from '../support/notion-sdk-stack';

const ROWS = 30;
/** Notion's per-query row cap, made small: a query of every row reaches it. */
const QUERY_CAP = 25;

let stack: NotionSdkStack;
let notion: NotionSdkStack['notion'];

beforeAll(async () => {
  stack = await startNotionSdkStack({ rows: ROWS, lane: { send: async () => undefined }, queryCap: QUERY_CAP });
  notion = stack.notion;
});

afterAll(() => stack.stop());

/** A tenant whose Notion connection is the sandbox config's section (with `over` on top). */
const connected = (over: Record<string, unknown> = {}) => stack.connected(() => over);

async function sdk(route: string, tenantId: string, body: unknown) {
  const op = notionSdkOperations[route];
  if (!op) throw new Error(`no operation ${route}`);
  return op(
    stack.deps,
    { routeKey: route, pathParameters: { tenantId }, headers: {}, body: JSON.stringify(body) },
    tenantId,
  );
}

test('the routes the topology is given are the operations served', () => {
  expect(notionSdkRoutes.map(routeKey).sort()).toEqual(Object.keys(notionSdkOperations).sort());
});

describe('POST .../connections/notion/query', () => {
  test("Notion's filter and sorts, paginated with nextCursor, through the connection's data source", async () => {
    const t = await connected();
    notion.resetStats();
    const active = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 3 === 1);
    const seen: { seats: number; status: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, {
        databaseId: SANDBOX_DATABASE_ID,
        filter: { property: 'Status', select: { equals: 'Active' } },
        sorts: [{ property: 'Seats', direction: 'descending' }],
        pageSize: 4,
        ...(cursor ? { startCursor: cursor } : {}),
      });
      expect(res.status).toBe(200);
      const body = notionQueryAnswerSchema.parse(res.body);
      expect(body.hasMore).toBe(body.nextCursor !== null);
      for (const p of body.results) {
        const props = p.properties as Record<string, { number?: number; select?: { name: string } }>;
        seen.push({ seats: props.Seats?.number ?? -1, status: props.Status?.select?.name ?? '' });
      }
      cursor = body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(active.length / 4));
    expect(seen.every((r) => r.status === 'Active')).toBe(true);
    const expectedSeats = active.map((i) => (i % 50) + 1).sort((a, b) => b - a);
    expect(seen.map((r) => r.seats)).toEqual(expectedSeats);
    // The database is looked up once: the cursor carries its data source to the next pages.
    expect(notion.stats().byRoute).toEqual({
      'GET /v1/databases/:database_id': 1,
      'POST /v1/data_sources/:data_source_id/query': pages,
    });
    // The lane's pacer (keyed by the connection's integration key) paid for these calls.
    const conn = await stack.store.getConnection(t.tenantId, 'notion');
    expect(notionPacerDrainMs(conn?.integrationKey as string, stack.clock)).toBeGreaterThan(0);
  });

  test('a database with two data sources is read source after source; a cursor of another database is refused', async () => {
    const t = await connected();
    const db = notion.addDatabase({ title: 'Split', properties: { Name: { type: 'title' } } });
    const first = db.dataSources[0]?.id as string;
    const second = notion.addDataSource(db.id, { name: 'Archive', properties: { Name: { type: 'title' } } }).id;
    notion.addPages(first, [{ properties: { Name: 'a1' } }, { properties: { Name: 'a2' } }]);
    notion.addPages(second, [{ properties: { Name: 'b1' } }]);
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, {
        databaseId: db.id,
        pageSize: 1,
        ...(cursor ? { startCursor: cursor } : {}),
      });
      const body = notionQueryAnswerSchema.parse(res.body);
      const name = body.results[0]?.properties.Name as { title?: { plain_text: string }[] } | undefined;
      titles.push(...(name?.title ?? []).map((r) => r.plain_text));
      cursor = body.nextCursor ?? undefined;
    } while (cursor);
    expect(titles.sort()).toEqual(['a1', 'a2', 'b1']);

    const started = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: db.id, pageSize: 1 });
    const startCursor = notionQueryAnswerSchema.parse(started.body).nextCursor;
    const other = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID, startCursor });
    expect(other).toMatchObject({ status: 400, body: { error: expect.stringMatching(/another database/) } });
    const forged = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: db.id, startCursor: 'not-ours' });
    expect(forged).toMatchObject({ status: 400, body: { error: expect.stringMatching(/nextCursor/) } });
    // A new page needs one data source as its parent: Notion cannot place it in a split database.
    const made = await sdk(NOTION_PAGES_ROUTE, t.tenantId, { databaseId: db.id, properties: {} });
    expect(made).toMatchObject({ status: 400, body: { error: expect.stringMatching(/has 2 data sources/) } });
  });

  test("Notion's row cap is said in warnings, not hidden behind hasMore: false", async () => {
    const t = await connected();
    const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID });
    const body = notionQueryAnswerSchema.parse(res.body);
    expect(body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(body.results).toHaveLength(QUERY_CAP);
    expect(body.warnings).toEqual([expect.stringMatching(/row cap cut this query short/)]);
  });

  test("a database outside the connection's config is queried too (the integration decides)", async () => {
    const t = await connected();
    const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_LEADS_DATABASE_ID });
    expect(res.status).toBe(200);
    expect(notionQueryAnswerSchema.parse(res.body).results).toHaveLength(3);
  });

  test("Notion's 400 comes back as a 400 with its message; an unshared database as a 404 saying to share it", async () => {
    const t = await connected();
    const bad = await sdk(NOTION_QUERY_ROUTE, t.tenantId, {
      databaseId: SANDBOX_DATABASE_ID,
      filter: { property: 'No such property', status: { equals: 'Active' } },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/No such property/);
    const hidden = notion.addDatabase({ title: 'Private', properties: { Name: { type: 'title' } } });
    notion.unshareDatabase(hidden.id);
    const missing = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: hidden.id });
    expect(missing).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((missing.body as { error: string }).error).toMatch(/share the database with the integration/);
  });

  test('bodies are checked before Notion is called: a bad id, a page size over 100', async () => {
    const t = await connected();
    const before = notion.stats().requests;
    const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: 'abc/../users', pageSize: 500 });
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(/databaseId.*Notion database id/);
    expect(notion.stats().requests).toBe(before);
  });

  test("Notion's 429: a short Retry-After is waited out; a long one comes back as 429 with retryAfterSeconds", async () => {
    const t = await connected();
    notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 2 });
    const slept = stack.clock.slept;
    const ok = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID, pageSize: 1 });
    expect(ok.status).toBe(200);
    expect(stack.clock.slept - slept).toBeGreaterThanOrEqual(2000);
    notion.failNext(5, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 60 });
    const limited = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID });
    expect(limited).toMatchObject({ status: 429, body: { code: 'rate_limited', retryAfterSeconds: 60 } });
    notion.failNext(0, { status: 429, code: 'x', message: 'x' });
  });

  test("the SDK's calls take their slots from the lane's schedule: a 429 the lane saw holds them too", async () => {
    const t = await connected();
    const conn = await stack.store.getConnection(t.tenantId, 'notion');
    // The schedule the lane's gateway uses (notionPacer: `notion:<integration key>`), held as a
    // lane worker holds it after Notion's 429, from another process: no pacer of this one knows.
    const schedule = `notion:${conn?.integrationKey}`;
    notion.resetStats();
    await stack.store.holdSlots(t.tenantId, schedule, stack.clock.now() + 60_000, 3600);
    const held = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID, pageSize: 1 });
    expect(held).toMatchObject({ status: 429, body: { code: 'rate_limited', retryAfterSeconds: 60 } });
    expect(notion.stats().requests).toBe(0);
    // A hold within what a request waits (10 s) is waited out, then the query is answered.
    stack.clock.advance(60_000);
    await stack.store.holdSlots(t.tenantId, schedule, stack.clock.now() + 4_000, 3600);
    const from = stack.clock.now();
    const ok = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID, pageSize: 1 });
    expect(ok.status).toBe(200);
    expect(stack.clock.now() - from).toBeGreaterThanOrEqual(4_000);
    // Its two calls (the database, its rows) moved the schedule on: the lane's next call waits its turn.
    const next = await stack.store.takeSlot(t.tenantId, schedule, {
      now: stack.clock.now(),
      intervalMs: 334,
      maxAheadMs: 10_000,
      ttlSeconds: 60,
    });
    expect(next).toMatchObject({ granted: true });
    expect((next as { at: number }).at).toBeGreaterThan(stack.clock.now());
  });

  test('a connection on 2022-06-28 queries and creates through the database endpoints (no data source)', async () => {
    const t = await connected({ api_version: '2022-06-28' });
    notion.resetStats();
    const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID, pageSize: 5 });
    expect(notionQueryAnswerSchema.parse(res.body).results).toHaveLength(5);
    const made = await sdk(NOTION_PAGES_ROUTE, t.tenantId, {
      databaseId: SANDBOX_LEADS_DATABASE_ID,
      properties: { Name: { title: [{ text: { content: 'Old version' } }] } },
    });
    expect(made.status).toBe(201);
    expect(notion.stats().byRoute).toEqual({ 'POST /v1/databases/:database_id/query': 1, 'POST /v1/pages': 1 });
  });

  test('a tenant without a Notion connection: 404 not_connected', async () => {
    const t = await createTenant({ tenants: stack.store, clock: stack.clock }, `t-${randomUUID().slice(0, 8)}`);
    const res = await sdk(NOTION_QUERY_ROUTE, t.tenantId, { databaseId: SANDBOX_DATABASE_ID });
    expect(res).toMatchObject({ status: 404, body: { code: 'not_connected' } });
  });
});

describe('POST .../connections/notion/pages', () => {
  const properties = (name: string) => ({
    Name: { title: [{ text: { content: name } }] },
    Email: { email: `${name.toLowerCase()}@example.com` },
    'Converted Date': { date: { start: '2026-11-22T10:00:00.000Z' } },
  });

  test('creates the page in the data source and answers 201 with its id and url', async () => {
    const t = await connected();
    const res = await sdk(NOTION_PAGES_ROUTE, t.tenantId, {
      databaseId: SANDBOX_LEADS_DATABASE_ID,
      properties: properties('Katherine'),
    });
    expect(res.status).toBe(201);
    const { id, url } = notionCreatePageAnswerSchema.parse(res.body);
    const query = await sdk(NOTION_QUERY_ROUTE, t.tenantId, {
      databaseId: SANDBOX_LEADS_DATABASE_ID,
      filter: { property: 'Email', email: { equals: 'katherine@example.com' } },
    });
    const found = notionQueryAnswerSchema.parse(query.body).results;
    expect(found.map((p) => [p.id, p.url])).toEqual([[id, url]]);
  });

  test('a read-only connection: 409 read_only naming connectors.notion.read_only, and Notion is not called', async () => {
    const t = await connected({ read_only: true, rules: [] });
    const before = notion.stats().requests;
    const res = await sdk(NOTION_PAGES_ROUTE, t.tenantId, {
      databaseId: SANDBOX_LEADS_DATABASE_ID,
      properties: properties('Dorothy'),
    });
    expect(res).toMatchObject({ status: 409, body: { code: 'read_only' } });
    expect((res.body as { error: string }).error).toMatch(/connectors\.notion\.read_only/);
    expect(notion.stats().requests).toBe(before);
  });

  test("Notion's validation error on a property comes back as a 400 with its message", async () => {
    const t = await connected();
    const res = await sdk(NOTION_PAGES_ROUTE, t.tenantId, {
      databaseId: SANDBOX_LEADS_DATABASE_ID,
      properties: { Nope: { title: [{ text: { content: 'x' } }] } },
    });
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(/Nope/);
  });
});
