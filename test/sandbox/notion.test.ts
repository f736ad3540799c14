/**
 * NotionSimulator: the rules a Notion client must follow, checked through the official SDK
 * (@notionhq/client v5, retries off) and raw fetch where the SDK hides details.
 */
import {
  APIErrorCode,
  APIResponseError,
  Client,
  collectAllDataSourceRows,
  collectPaginatedAPI,
  isFullPage,
  type PageObjectResponse,
} from '@notionhq/client';
import { SimClock } from '../../sandbox/http-kit';
import { NotionSimulator, type NotionSimulatorOptions, type NotionVersion } from '../../sandbox/notion';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TOKEN = 'secret_sandbox';

const started: NotionSimulator[] = [];
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
  opts: { body?: unknown; version?: string | null; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  if (opts.version !== null) headers['notion-version'] = opts.version ?? '2025-09-03';
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
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

function pages(results: unknown[]): PageObjectResponse[] {
  return results.filter((r): r is PageObjectResponse => isFullPage(r as PageObjectResponse));
}

/** Every item of a paginated page property (the SDK types the endpoint as list-or-item). */
async function propertyItems(client: Client, pageId: string, propertyId: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  do {
    const res = await client.pages.properties.retrieve({
      page_id: pageId,
      property_id: propertyId,
      start_cursor: cursor,
    });
    if (res.object !== 'list') throw new Error(`expected a list for ${propertyId}`);
    out.push(...res.results);
    cursor = res.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

const titleOf = (p: PageObjectResponse): string => {
  const prop = Object.values(p.properties).find((v) => v.type === 'title');
  return prop?.type === 'title' ? prop.title.map((t) => t.plain_text).join('') : '';
};

/** A contacts database with n rows created one minute apart (row 0 oldest). */
function seedContacts(sim: NotionSimulator, n: number, opts: { shared?: boolean } = {}) {
  const db = sim.addDatabase({
    title: 'Contacts',
    shared: opts.shared,
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      Subscribed: { type: 'checkbox' },
      Tier: { type: 'select', options: ['Free', 'Pro'] },
      Score: { type: 'number' },
      Notes: { type: 'rich_text' },
    },
  });
  const ds = db.dataSources[0]!;
  const rows = sim.addPages(
    ds.id,
    Array.from({ length: n }, (_, i) => ({
      properties: {
        Name: `Contact ${String(i).padStart(4, '0')}`,
        Email: `c${i}@example.com`,
        Subscribed: i % 2 === 0,
        Tier: i % 3 === 0 ? 'Pro' : 'Free',
        Score: i,
        Notes: i % 5 === 0 ? 'VIP customer' : 'regular',
      },
    })),
    { start: T0 - n * 60_000, stepMs: 60_000 },
  );
  return { db, ds, rows };
}

describe('NotionSimulator: auth, versions, rate limits, faults', () => {
  test('rejects an unknown token with 401 unauthorized and the Notion error shape', async () => {
    const { sim } = await startSim();
    const err = await apiError(sdk(sim, '2025-09-03', 'secret_wrong').users.me({}));
    expect(err.status).toBe(401);
    expect(err.code).toBe(APIErrorCode.Unauthorized);
    const res = await raw(sim, 'GET', '/v1/users/me', { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ object: 'error', status: 401, code: 'unauthorized', message: 'API token is invalid.' });
  });

  test('requires Notion-Version and only accepts live versions', async () => {
    const { sim } = await startSim();
    const missing = await raw(sim, 'GET', '/v1/users/me', { version: null });
    expect(missing.status).toBe(400);
    expect(missing.json.code).toBe('missing_version');
    const old = await raw(sim, 'GET', '/v1/users/me', { version: '2021-05-13' });
    expect(old.status).toBe(400);
    expect(old.json.code).toBe('validation_error');
    for (const v of ['2022-06-28', '2025-09-03', '2026-03-11'] as const) {
      const me = await sdk(sim, v).users.me({});
      expect(me).toMatchObject({ object: 'user', type: 'bot', name: 'Tajo Sandbox' });
    }
  });

  test('unpaced requests get 429 rate_limited with an integer Retry-After; the bucket refills with the clock', async () => {
    const { sim, clock } = await startSim({ rateLimit: { perSecond: 3, burst: 3 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await raw(sim, 'GET', '/v1/users/me');
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.json.code).toBe('rate_limited');
        retryAfter = res.headers.get('retry-after');
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    expect(sim.stats().rateLimited).toBe(7);
    const err = await apiError(sdk(sim).users.me({}));
    expect(err.code).toBe(APIErrorCode.RateLimited);
    clock.advance(1000);
    expect((await raw(sim, 'GET', '/v1/users/me')).status).toBe(200);
    sim.resetStats();
    expect(sim.stats()).toEqual({ requests: 0, rateLimited: 0, byRoute: {} });
  });

  test('rate limits each token separately', async () => {
    const { sim } = await startSim({ tokens: ['secret_a', 'secret_b'], rateLimit: { perSecond: 3, burst: 1 } });
    expect((await raw(sim, 'GET', '/v1/users/me', { token: 'secret_a' })).status).toBe(200);
    expect((await raw(sim, 'GET', '/v1/users/me', { token: 'secret_a' })).status).toBe(429);
    expect((await raw(sim, 'GET', '/v1/users/me', { token: 'secret_b' })).status).toBe(200);
  });

  test('failNext injects errors for the next n requests, with Retry-After when asked', async () => {
    const { sim } = await startSim();
    sim.failNext(2, { status: 503, code: 'service_unavailable', message: 'Try later', retryAfter: 7 });
    const first = await raw(sim, 'GET', '/v1/users/me');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.json).toEqual({ object: 'error', status: 503, code: 'service_unavailable', message: 'Try later' });
    const second = await apiError(sdk(sim).users.me({}));
    expect(second.code).toBe(APIErrorCode.ServiceUnavailable);
    expect((await raw(sim, 'GET', '/v1/users/me')).status).toBe(200);
  });

  test('unknown routes, bad JSON and unknown body fields are 400s', async () => {
    const { sim } = await startSim();
    const { ds } = seedContacts(sim, 1);
    expect((await raw(sim, 'GET', '/v1/nope')).json.code).toBe('invalid_request_url');
    const bad = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, { body: '{"page_size":' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid_json');
    const extra = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, { body: { pagesize: 10 } });
    expect(extra.json.code).toBe('validation_error');
    expect(extra.json.message).toContain('body.pagesize');
    const badId = await raw(sim, 'GET', '/v1/pages/not-a-uuid');
    expect(badId.json.code).toBe('validation_error');
  });
});

describe('NotionSimulator: querying', () => {
  test('paginates 250 rows with page_size 100, default order created_time descending', async () => {
    const { sim } = await startSim();
    const { ds, rows } = seedContacts(sim, 250);
    const client = sdk(sim);
    const sizes: number[] = [];
    const ids: string[] = [];
    let cursor: string | undefined;
    let last: Awaited<ReturnType<Client['dataSources']['query']>> | undefined;
    do {
      last = await client.dataSources.query({ data_source_id: ds.id, page_size: 100, start_cursor: cursor });
      sizes.push(last.results.length);
      ids.push(...last.results.map((r) => r.id));
      cursor = last.next_cursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 50]);
    expect(last.has_more).toBe(false);
    expect(last.request_status).toBeUndefined();
    expect(new Set(ids).size).toBe(250);
    expect(ids[0]).toBe(rows[249]!.id);
    expect(ids[249]).toBe(rows[0]!.id);
    expect(sim.log.count({ route: 'POST /v1/data_sources/:data_source_id/query' })).toBe(3);
  });

  test('refuses page_size 101 and cursors from another query', async () => {
    const { sim } = await startSim();
    const { ds } = seedContacts(sim, 30);
    const client = sdk(sim);
    const err = await apiError(client.dataSources.query({ data_source_id: ds.id, page_size: 101 }));
    expect(err.code).toBe(APIErrorCode.ValidationError);
    expect(err.message).toContain('body.page_size should be ≤');
    const first = await client.dataSources.query({ data_source_id: ds.id, page_size: 10 });
    const other = await apiError(
      client.dataSources.query({
        data_source_id: ds.id,
        page_size: 10,
        start_cursor: first.next_cursor!,
        sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
      }),
    );
    expect(other.code).toBe(APIErrorCode.ValidationError);
    // The same query may change page_size between pages.
    const second = await client.dataSources.query({
      data_source_id: ds.id,
      page_size: 25,
      start_cursor: first.next_cursor!,
    });
    expect(second.results).toHaveLength(20);
  });

  test('timestamps are rounded down to the minute; on_or_after sees edits that share a minute', async () => {
    const { sim, clock } = await startSim();
    clock.set(Date.parse('2026-11-22T10:15:20.500Z'));
    const { ds, rows } = seedContacts(sim, 3);
    const client = sdk(sim);
    const page = sim.addPage(ds.id, { properties: { Name: 'Fresh' } });
    expect(page.createdTime).toBe('2026-11-22T10:15:00.000Z');

    clock.set(Date.parse('2026-11-22T10:16:05.000Z'));
    sim.updatePage(rows[0]!.id, { Score: 100 });
    clock.advance(40_000); // 10:16:45, same minute
    await client.pages.update({ page_id: rows[1]!.id, properties: { Score: { number: 200 } } });
    const a = (await client.pages.retrieve({ page_id: rows[0]!.id })) as PageObjectResponse;
    const b = (await client.pages.retrieve({ page_id: rows[1]!.id })) as PageObjectResponse;
    expect(a.last_edited_time).toBe('2026-11-22T10:16:00.000Z');
    expect(b.last_edited_time).toBe('2026-11-22T10:16:00.000Z');
    expect(a.created_time).toMatch(/:00\.000Z$/);

    const since = (iso: string) =>
      client.dataSources.query({
        data_source_id: ds.id,
        filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: iso } },
      });
    expect((await since('2026-11-22T10:16:00Z')).results.map((r) => r.id).sort()).toEqual(
      [rows[0]!.id, rows[1]!.id].sort(),
    );
    // A watermark with seconds (the time of the previous sync) misses edits of that minute.
    expect((await since('2026-11-22T10:16:30Z')).results).toHaveLength(0);
    const after = await client.dataSources.query({
      data_source_id: ds.id,
      filter: { timestamp: 'last_edited_time', last_edited_time: { after: '2026-11-22T10:15:00Z' } },
    });
    expect(after.results).toHaveLength(2);
  });

  test('the query cap ends pagination with has_more false and request_status incomplete', async () => {
    const { sim } = await startSim({ queryCap: 50 });
    const { ds } = seedContacts(sim, 120);
    const client = sdk(sim);
    const sizes: number[] = [];
    let cursor: string | undefined;
    let res: Awaited<ReturnType<Client['dataSources']['query']>>;
    do {
      res = await client.dataSources.query({ data_source_id: ds.id, page_size: 20, start_cursor: cursor });
      sizes.push(res.results.length);
      if (res.next_cursor) expect(res.request_status).toBeUndefined();
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([20, 20, 10]);
    expect(res.has_more).toBe(false);
    expect(res.next_cursor).toBeNull();
    expect(res.request_status).toEqual({ type: 'incomplete', incomplete_reason: 'query_result_limit_reached' });
    // A narrower query gets its own budget; the SDK helper windows on created_time and gets every row.
    const all = await collectAllDataSourceRows(client, { data_source_id: ds.id });
    expect(new Set(all.map((r) => r.id)).size).toBe(120);
    // Exactly cap rows in total is not "incomplete".
    const small = await client.dataSources.query({
      data_source_id: ds.id,
      page_size: 100,
      filter: { property: 'Score', number: { less_than: 50 } },
    });
    expect(small.results).toHaveLength(50);
    expect(small.request_status).toBeUndefined();
  });

  test('trashed pages are excluded by default; in_trash:true returns only trashed ones', async () => {
    const { sim } = await startSim();
    const { ds, rows } = seedContacts(sim, 5);
    sim.trashPage(rows[0]!.id);
    const client = sdk(sim);
    await client.pages.update({ page_id: rows[1]!.id, in_trash: true });
    const live = await client.dataSources.query({ data_source_id: ds.id });
    expect(live.results).toHaveLength(3);
    const trashed = await client.dataSources.query({ data_source_id: ds.id, in_trash: true });
    expect(trashed.results.map((r) => r.id).sort()).toEqual([rows[0]!.id, rows[1]!.id].sort());
    expect(pages(trashed.results).every((p) => p.in_trash && p.archived)).toBe(true);
    const viaArchived = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, { body: { archived: true } });
    expect((viaArchived.json.results as unknown[]).length).toBe(2);
    const on2026 = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, {
      body: { archived: true },
      version: '2026-03-11',
    });
    expect(on2026.json.code).toBe('validation_error');
    // Editing a trashed page is refused until it is restored.
    const edit = await apiError(client.pages.update({ page_id: rows[1]!.id, properties: { Score: { number: 1 } } }));
    expect(edit.code).toBe(APIErrorCode.ValidationError);
    sim.restorePage(rows[0]!.id);
    expect((await client.dataSources.query({ data_source_id: ds.id })).results).toHaveLength(4);
    sim.deletePage(rows[2]!.id);
    expect((await apiError(client.pages.retrieve({ page_id: rows[2]!.id }))).code).toBe(APIErrorCode.ObjectNotFound);
  });

  test('property filters, compound filters and property sorts', async () => {
    const { sim } = await startSim();
    const { ds } = seedContacts(sim, 30);
    const client = sdk(sim);
    const q = async (body: Omit<Parameters<Client['dataSources']['query']>[0], 'data_source_id'>) =>
      pages((await client.dataSources.query({ data_source_id: ds.id, ...body })).results);

    expect(await q({ filter: { property: 'Subscribed', checkbox: { equals: true } } })).toHaveLength(15);
    expect(await q({ filter: { property: 'Tier', select: { equals: 'Pro' } } })).toHaveLength(10);
    expect(await q({ filter: { property: 'Notes', rich_text: { contains: 'vip' } } })).toHaveLength(6);
    expect(await q({ filter: { property: 'Name', rich_text: { equals: 'Contact 0007' } } })).toHaveLength(1);
    expect(await q({ filter: { property: 'Score', number: { greater_than: 24 } } })).toHaveLength(5);
    const both = await q({
      filter: {
        and: [
          { property: 'Tier', select: { equals: 'Pro' } },
          {
            or: [
              { property: 'Score', number: { less_than: 4 } },
              { timestamp: 'created_time', created_time: { on_or_after: new Date(T0 - 3 * 60_000).toISOString() } },
            ],
          },
        ],
      },
    });
    expect(both.map((p) => p.properties.Score)).toEqual([
      expect.objectContaining({ number: 27 }),
      expect.objectContaining({ number: 3 }),
      expect.objectContaining({ number: 0 }),
    ]);
    const sorted = await q({
      sorts: [
        { property: 'Tier', direction: 'descending' },
        { property: 'Score', direction: 'ascending' },
      ],
      page_size: 3,
    });
    expect(sorted.map(titleOf)).toEqual(['Contact 0000', 'Contact 0003', 'Contact 0006']);
    const unknown = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, {
      body: { filter: { property: 'Score', number: { around: 3 } } },
    });
    expect(unknown.json.code).toBe('validation_error');
    const shape = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, { body: { filter: { foo: 1 } } });
    expect(shape.json.code).toBe('validation_error');
    const missing = await raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, {
      body: { filter: { property: 'Nope', checkbox: { equals: true } } },
    });
    expect(missing.json.code).toBe('validation_error');
  });

  test('a filter of another type than its property is refused as Notion refuses it: select and status are not interchangeable', async () => {
    const { sim } = await startSim();
    const db = sim.addDatabase({
      title: 'Pipeline',
      properties: {
        Name: { type: 'title' },
        Stage: { type: 'status', options: ['Lead', 'Active'] },
        Tier: { type: 'select', options: ['Free', 'Pro'] },
      },
    });
    const ds = db.dataSources[0]!;
    sim.addPages(
      ds.id,
      Array.from({ length: 4 }, (_, i) => ({
        properties: { Name: `Row ${i}`, Stage: i % 2 ? 'Active' : 'Lead', Tier: i < 3 ? 'Pro' : 'Free' },
      })),
    );
    const query = (filter: unknown) => raw(sim, 'POST', `/v1/data_sources/${ds.id}/query`, { body: { filter } });
    const byStatus = await query({ property: 'Stage', status: { equals: 'Active' } });
    expect(byStatus.status).toBe(200);
    expect(byStatus.json.results).toHaveLength(2);
    expect((await query({ property: 'Tier', select: { equals: 'Pro' } })).json.results).toHaveLength(3);

    const selectOnStatus = await query({ property: 'Stage', select: { equals: 'Active' } });
    expect(selectOnStatus.status).toBe(400);
    expect(selectOnStatus.json).toMatchObject({
      object: 'error',
      code: 'validation_error',
      message:
        'The property type in the database does not match the property type of the filter provided: database property status does not match filter select',
    });
    const statusOnSelect = await query({ and: [{ property: 'Tier', status: { equals: 'Pro' } }] });
    expect(statusOnSelect.status).toBe(400);
    expect(statusOnSelect.json.message).toMatch(/database property select does not match filter status$/);
  });

  test('cursors survive edits between pages (edited rows may move)', async () => {
    const { sim, clock } = await startSim();
    const { ds, rows } = seedContacts(sim, 30);
    const client = sdk(sim);
    const sorts = [{ timestamp: 'last_edited_time' as const, direction: 'ascending' as const }];
    const first = await client.dataSources.query({ data_source_id: ds.id, sorts, page_size: 10 });
    clock.advance(5 * 60_000);
    sim.updatePage(rows[0]!.id, { Score: -1 }); // already returned; moves to the end
    sim.updatePage(rows[15]!.id, { Score: -1 }); // not yet returned; moves to the end
    sim.deletePage(rows[9]!.id); // the cursor's own row disappears
    const rest = await collectPaginatedAPI(client.dataSources.query, {
      data_source_id: ds.id,
      sorts,
      page_size: 10,
      start_cursor: first.next_cursor!,
    });
    const seen = [...first.results, ...rest].map((r) => r.id);
    expect(rest[0]!.id).toBe(rows[10]!.id);
    expect(seen.filter((id) => id === rows[0]!.id)).toHaveLength(2);
    expect(seen.filter((id) => id === rows[15]!.id)).toHaveLength(1);
    expect(new Set(seen).size).toBe(30);
  });

  test('answers a 10,000-row data source quickly', async () => {
    const { sim } = await startSim();
    const { ds } = seedContacts(sim, 10_000);
    const client = sdk(sim);
    const t = performance.now();
    const all = await collectPaginatedAPI(client.dataSources.query, {
      data_source_id: ds.id,
      filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-01-01T00:00:00Z' } },
    });
    const ms = performance.now() - t;
    expect(all).toHaveLength(10_000);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('NotionSimulator: objects, versions and sharing', () => {
  test("a database not shared with the integration is a 404 with Notion's message", async () => {
    const { sim } = await startSim();
    const { db, ds, rows } = seedContacts(sim, 2, { shared: false });
    const client = sdk(sim);
    const err = await apiError(client.databases.retrieve({ database_id: db.id }));
    expect(err.status).toBe(404);
    expect(err.code).toBe(APIErrorCode.ObjectNotFound);
    expect(err.message).toBe(
      `Could not find database with ID: ${db.id}. Make sure the relevant pages and databases are shared with your integration "Tajo Sandbox".`,
    );
    expect((await apiError(client.dataSources.query({ data_source_id: ds.id }))).status).toBe(404);
    expect((await apiError(client.pages.retrieve({ page_id: rows[0]!.id }))).status).toBe(404);
    sim.shareDatabase(db.id);
    expect((await client.dataSources.query({ data_source_id: ds.id })).results).toHaveLength(2);
    sim.unshareDatabase(db.id);
    expect((await apiError(client.databases.retrieve({ database_id: db.id }))).status).toBe(404);
  });

  test('2025-09-03 uses data sources; 2022-06-28 uses the old database routes and shapes', async () => {
    const { sim } = await startSim();
    const { db, ds, rows } = seedContacts(sim, 3);
    const v2025 = sdk(sim, '2025-09-03');
    const v2022 = sdk(sim, '2022-06-28');

    const container = (await v2025.databases.retrieve({ database_id: db.id })) as Record<string, unknown>;
    expect(container).toMatchObject({ object: 'database', id: db.id, data_sources: [{ id: ds.id, name: 'Contacts' }] });
    expect(container.properties).toBeUndefined();
    const source = (await v2025.dataSources.retrieve({ data_source_id: ds.id })) as Record<string, unknown>;
    expect(source).toMatchObject({
      object: 'data_source',
      id: ds.id,
      parent: { type: 'database_id', database_id: db.id },
    });
    expect(source.properties).toMatchObject({
      Name: { id: 'title', name: 'Name', type: 'title', title: {} },
      Tier: { type: 'select', select: { options: [{ name: 'Free' }, { name: 'Pro' }] } },
    });

    const old = (await v2022.databases.retrieve({ database_id: db.id })) as Record<string, unknown>;
    expect(old.data_sources).toBeUndefined();
    expect(old.properties).toMatchObject({ Email: { type: 'email' } });
    const oldQuery = (await v2022.request({
      path: `databases/${db.id}/query`,
      method: 'post',
      body: { page_size: 2 },
    })) as {
      results: PageObjectResponse[];
      type: string;
      has_more: boolean;
    };
    expect(oldQuery.results).toHaveLength(2);
    expect(oldQuery.has_more).toBe(true);
    expect(oldQuery.results[0]!.parent).toEqual({ type: 'database_id', database_id: db.id });

    const newPage = (await v2025.pages.retrieve({ page_id: rows[0]!.id })) as PageObjectResponse;
    expect(newPage.parent).toEqual({ type: 'data_source_id', data_source_id: ds.id, database_id: db.id });
    expect(newPage.url).toBe(`https://www.notion.so/Contact-0000-${rows[0]!.id.replace(/-/g, '')}`);
    expect(newPage.properties.Email).toEqual({ id: expect.any(String), type: 'email', email: 'c0@example.com' });
    const newest = (await sdk(sim, '2026-03-11').pages.retrieve({ page_id: rows[0]!.id })) as Record<string, unknown>;
    expect(newest.archived).toBeUndefined();
    expect(newest.in_trash).toBe(false);

    const wrong1 = await apiError(v2025.request({ path: `databases/${db.id}/query`, method: 'post', body: {} }));
    expect(wrong1.code).toBe(APIErrorCode.InvalidRequestURL);
    const wrong2 = await apiError(v2022.dataSources.query({ data_source_id: ds.id }));
    expect(wrong2.code).toBe(APIErrorCode.InvalidRequestURL);

    // A second data source breaks the old version's database routes.
    sim.addDataSource(db.id, { name: 'Archive', properties: { Name: { type: 'title' } } });
    const multi = await apiError(v2022.request({ path: `databases/${db.id}/query`, method: 'post', body: {} }));
    expect(multi.code).toBe(APIErrorCode.ValidationError);
    expect(multi.message).toContain('multiple data sources');
    const both = (await v2025.databases.retrieve({ database_id: db.id })) as { data_sources: unknown[] };
    expect(both.data_sources).toHaveLength(2);
  });

  test('relations over 25 are truncated in the page and complete through the property endpoint', async () => {
    const { sim } = await startSim();
    const targets = sim.addDatabase({ title: 'Companies', properties: { Name: { type: 'title' } } }).dataSources[0]!;
    const companyIds = sim
      .addPages(
        targets.id,
        Array.from({ length: 60 }, (_, i) => ({ properties: { Name: `Co ${i}` } })),
      )
      .map((p) => p.id);
    const people = Array.from(
      { length: 30 },
      (_, i) => sim.addUser({ name: `User ${i}`, type: 'person', email: `u${i}@x.io` }).id,
    );
    const deals = sim.addDatabase({
      title: 'Deals',
      properties: {
        Name: { type: 'title' },
        Companies: { type: 'relation', id: '%3FxYz', relation: { dataSourceId: targets.id } },
        Owners: { type: 'people' },
      },
    }).dataSources[0]!;
    const deal = sim.addPage(deals.id, { properties: { Name: 'Big deal', Companies: companyIds, Owners: people } });
    const client = sdk(sim);

    const page = (await client.pages.retrieve({ page_id: deal.id })) as PageObjectResponse;
    const rel = page.properties.Companies as unknown as {
      id: string;
      relation: Array<{ id: string }>;
      has_more: boolean;
    };
    expect(rel.id).toBe('%3FxYz');
    expect(rel.relation).toHaveLength(25);
    expect(rel.has_more).toBe(true);
    const owners = page.properties.Owners as { people: unknown[] };
    expect(owners.people).toHaveLength(25);
    expect(owners.people[0]).toMatchObject({ object: 'user', type: 'person', person: { email: 'u0@x.io' } });

    const first = await client.pages.properties.retrieve({ page_id: deal.id, property_id: rel.id, page_size: 25 });
    expect(first).toMatchObject({
      object: 'list',
      type: 'property_item',
      has_more: true,
      property_item: { id: '%3FxYz', type: 'relation', relation: {} },
    });
    const items = await propertyItems(client, deal.id, rel.id);
    expect(items.map((i) => (i as { relation: { id: string } }).relation.id)).toEqual(companyIds);
    expect(await propertyItems(client, deal.id, page.properties.Owners!.id)).toHaveLength(30);

    const schema = (await client.dataSources.retrieve({ data_source_id: deals.id })) as {
      properties: Record<string, unknown>;
    };
    expect(schema.properties.Companies).toMatchObject({
      type: 'relation',
      relation: { data_source_id: targets.id, database_id: targets.databaseId },
    });

    const title = await client.pages.properties.retrieve({ page_id: deal.id, property_id: 'title' });
    expect(title).toMatchObject({ object: 'list', results: [{ type: 'title', title: { plain_text: 'Big deal' } }] });
    const notFound = await apiError(client.pages.properties.retrieve({ page_id: deal.id, property_id: 'zzzz' }));
    expect(notFound.status).toBe(404);
  });

  test('page property values have the real shapes', async () => {
    const { sim, clock } = await startSim();
    clock.set(Date.parse('2026-11-22T08:30:45.000Z'));
    const user = sim.addUser({ name: 'Ada', type: 'person', email: 'ada@example.com' });
    const ds = sim.addDatabase({
      title: 'Everything',
      properties: {
        Title: { type: 'title' },
        Text: { type: 'rich_text' },
        Tags: { type: 'multi_select' },
        Stage: { type: 'status' },
        When: { type: 'date' },
        Files: { type: 'files' },
        Link: { type: 'url' },
        Phone: { type: 'phone_number' },
        Calc: { type: 'formula', expression: 'prop("x")' },
        Roll: { type: 'rollup' },
        Created: { type: 'created_time' },
        Edited: { type: 'last_edited_time' },
        Creator: { type: 'created_by' },
        Editor: { type: 'last_edited_by' },
        Ref: { type: 'unique_id', prefix: 'CRM' },
        Go: { type: 'button' },
        Checked: { type: 'verification' },
        Where: { type: 'place' },
      },
    }).dataSources[0]!;
    const p = sim.addPage(ds.id, {
      createdBy: user.id,
      properties: {
        Title: 'Hello',
        Text: 'World',
        Tags: ['a', 'b'],
        Stage: 'In progress',
        When: { start: '2026-12-01', end: '2026-12-02' },
        Files: [{ name: 'cv.pdf', url: 'https://example.com/cv.pdf' }],
        Link: 'https://example.com',
        Phone: '+33 1 23',
        Calc: { type: 'number', number: 42 },
        Roll: { type: 'number', number: 3, function: 'count' },
        Where: { lat: 48.85, lon: 2.35, name: 'Paris' },
      },
    });
    const page = (await sdk(sim).pages.retrieve({ page_id: p.id })) as PageObjectResponse;
    const props = page.properties as Record<string, Record<string, unknown>>;
    expect(props.Title!.title).toEqual([
      {
        type: 'text',
        text: { content: 'Hello', link: null },
        annotations: {
          bold: false,
          italic: false,
          strikethrough: false,
          underline: false,
          code: false,
          color: 'default',
        },
        plain_text: 'Hello',
        href: null,
      },
    ]);
    expect(props.Tags!.multi_select).toEqual([
      { id: expect.any(String), name: 'a', color: expect.any(String) },
      { id: expect.any(String), name: 'b', color: expect.any(String) },
    ]);
    expect(props.Stage!.status).toMatchObject({ name: 'In progress' });
    expect(props.When!.date).toEqual({ start: '2026-12-01', end: '2026-12-02', time_zone: null });
    expect(props.Files!.files).toEqual([
      { name: 'cv.pdf', type: 'external', external: { url: 'https://example.com/cv.pdf' } },
    ]);
    expect(props.Calc!.formula).toEqual({ type: 'number', number: 42 });
    expect(props.Created!.created_time).toBe('2026-11-22T08:30:00.000Z');
    expect(props.Edited!.last_edited_time).toBe('2026-11-22T08:30:00.000Z');
    expect(props.Creator!.created_by).toEqual({ object: 'user', id: user.id });
    expect(props.Ref!.unique_id).toEqual({ prefix: 'CRM', number: 1 });
    expect(props.Go!.button).toEqual({});
    expect(props.Checked!.verification).toEqual({ state: 'unverified', date: null, verified_by: null });
    expect(props.Where!.place).toMatchObject({ lat: 48.85, lon: 2.35 });
    expect(page.created_by).toEqual({ object: 'user', id: user.id });
    for (const v of Object.values(props)) expect(typeof v.id).toBe('string');

    // filter_properties trims the payload to the requested ids.
    const trimmed = (await sdk(sim).pages.retrieve({
      page_id: p.id,
      filter_properties: ['title'],
    })) as PageObjectResponse;
    expect(Object.keys(trimmed.properties)).toEqual(['Title']);
  });

  test('users list paginates persons and bots; search finds pages and data sources by title', async () => {
    const { sim } = await startSim();
    for (let i = 0; i < 4; i++) sim.addUser({ name: `P${i}`, type: 'person', email: `p${i}@x.io` });
    sim.addUser({ name: 'Other bot', type: 'bot' });
    const client = sdk(sim);
    const first = await client.users.list({ page_size: 2 });
    expect(first.results).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const users = await collectPaginatedAPI(client.users.list, { page_size: 2 });
    expect(users).toHaveLength(6);
    expect(users.filter((u) => u.type === 'person')).toHaveLength(4);

    const { ds } = seedContacts(sim, 12);
    seedContacts(sim, 1, { shared: false });
    const found = await client.search({ query: 'contact 001' });
    expect(pages(found.results).map(titleOf).sort()).toEqual(['Contact 0010', 'Contact 0011']);
    const sources = await client.search({ filter: { property: 'object', value: 'data_source' } });
    expect(sources.results.map((r) => r.id)).toEqual([ds.id]);
    const old = await raw(sim, 'POST', '/v1/search', { body: { filter: { property: 'object', value: 'database' } } });
    expect(old.json.code).toBe('validation_error');
  });
});
