/**
 * The reader against a local platform API (platform-sim.ts) per pagination: every record once, in
 * order, signed in, paced, through 429 + Retry-After without coming back early; incremental reads
 * with the high-water mark and its overlap; answers that do not fit the definition refused in one line.
 */

import { type Definition, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';
import { type ResourcePage, readResource } from '../../../shared/connectors/custom/reader';
import { ProviderError, RateLimitedError, UnreachableError } from '../../../shared/core/errors';
import { customers, PlatformSim, type SimPagination } from './platform-sim';

const KEY = 'sk_test_reader';
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 50 };

function definitionFor(pagination: SimPagination, extra: Record<string, unknown> = {}): Definition {
  const shapes: Record<SimPagination, Record<string, unknown>> = {
    'cursor-next': {
      items: 'data',
      page_size: { param: 'limit', size: 7 },
      pagination: { type: 'cursor', param: 'cursor', next: 'meta.next_cursor' },
    },
    'cursor-last-item': {
      items: 'data',
      page_size: { param: 'limit', size: 7 },
      pagination: { type: 'cursor', param: 'starting_after', last_item: 'id', has_more: 'has_more' },
    },
    page: { items: 'items', page_size: { param: 'per_page', size: 7 }, pagination: { type: 'page', param: 'page' } },
    offset: { page_size: { param: 'limit', size: 7 }, pagination: { type: 'offset', param: 'offset' } },
    link: { items: 'customers', page_size: { param: 'limit', size: 7 }, pagination: { type: 'link' } },
  };
  return normalizeDefinition({
    name: 'simshop',
    version: '1.0.0',
    base_url: 'http://127.0.0.1:1',
    auth: { type: 'api_key', header: 'X-Api-Key' },
    rate_limit: { requests_per_second: 40 },
    resources: {
      customers: {
        endpoint: '/api/customers',
        ...shapes[pagination],
        updated_since: { param: 'updated_after', field: 'updated_at' },
        mapping: { email: 'contact.email', first_name: 'contact.first_name', total_spent: 'stats.total_spent' },
        ...extra,
      },
    },
  });
}

async function readAll(sim: PlatformSim, def: Definition, since?: string, apiKey = KEY, maxPages?: number) {
  const pages: ResourcePage[] = [];
  for await (const page of readResource({
    definition: def,
    resource: 'customers',
    settings: { api_key: apiKey, base_url: sim.baseUrl },
    retry: FAST_RETRY,
    connectionKey: `test-${Math.random()}`,
    ...(since !== undefined ? { since } : {}),
    ...(maxPages !== undefined ? { maxPages } : {}),
  }))
    pages.push(page);
  return pages;
}

const PAGINATIONS: SimPagination[] = ['cursor-next', 'cursor-last-item', 'page', 'offset', 'link'];

describe.each(PAGINATIONS)('%s pagination', (pagination) => {
  let sim: PlatformSim;
  afterEach(async () => sim.stop());

  it('reads every record once, in order, mapped, across pages', async () => {
    sim = new PlatformSim({ pagination, records: customers(30), apiKey: KEY });
    await sim.start();
    const pages = await readAll(sim, definitionFor(pagination));
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(ids).toEqual(customers(30).map((c) => c.id));
    expect(pages.map((p) => p.records.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages[0]?.records[0]).toEqual({
      id: 'c0001',
      label: 'customers[id=c0001]',
      fields: { email: 'person1@example.com', first_name: 'First1', total_spent: 10.5 },
    });
    expect(sim.log.count({ status: 400 })).toBe(0);
  });

  it('stops on an exact multiple of the page size without an error', async () => {
    sim = new PlatformSim({ pagination, records: customers(14), apiKey: KEY });
    await sim.start();
    const pages = await readAll(sim, definitionFor(pagination));
    expect(pages.flatMap((p) => p.records).length).toBe(14);
    expect(sim.log.count({ status: 400 })).toBe(0);
  });

  it('resumes a read cut short from its last page (next, index, seen, mark), nothing lost or repeated', async () => {
    sim = new PlatformSim({ pagination, records: customers(30), apiKey: KEY });
    await sim.start();
    const definition = definitionFor(pagination);
    const settings = { api_key: KEY, base_url: sim.baseUrl };
    const firstIds: string[] = [];
    let checkpoint: ResourcePage | undefined;
    for await (const page of readResource({ definition, resource: 'customers', settings })) {
      firstIds.push(...page.records.map((r) => r.id));
      checkpoint = page;
      if (page.index === 1) break;
    }
    expect(checkpoint?.next).toBeDefined();
    expect(checkpoint?.next).not.toContain(KEY);
    const rest: ResourcePage[] = [];
    const resume = {
      next: checkpoint?.next ?? '',
      index: (checkpoint?.index ?? 0) + 1,
      seen: checkpoint?.seen ?? 0,
      ...(checkpoint?.highWaterMark !== undefined ? { highWaterMark: checkpoint.highWaterMark } : {}),
    };
    for await (const page of readResource({ definition, resource: 'customers', settings, resume })) rest.push(page);
    expect([...firstIds, ...rest.flatMap((p) => p.records.map((r) => r.id))]).toEqual(customers(30).map((c) => c.id));
    expect(rest.map((p) => p.index)).toEqual([2, 3, 4]);
    expect(rest.at(-1)?.seen).toBe(30);
    expect(rest.at(-1)?.next).toBeUndefined();
    expect(rest.at(-1)?.highWaterMark).toBe(customers(30)[29]?.updated_at);
    expect(sim.log.count({ status: 400 })).toBe(0);
  });

  it('honours 429 + Retry-After: never back early, nothing lost or repeated', async () => {
    sim = new PlatformSim({ pagination, records: customers(21), apiKey: KEY, throttleEvery: 2 });
    await sim.start();
    const pages = await readAll(sim, definitionFor(pagination));
    expect(pages.flatMap((p) => p.records.map((r) => r.id))).toEqual(customers(21).map((c) => c.id));
    expect(sim.throttled).toBeGreaterThan(0);
    expect(sim.earlyRetries).toBe(0);
  });
});

describe('the reader', () => {
  let sim: PlatformSim;
  afterEach(async () => sim.stop());

  it('paces at the definition rate_limit (a platform allowing just over it never says 429)', async () => {
    // A burst of 2 absorbs network jitter between two calls; the elapsed time shows the pace.
    sim = new PlatformSim({ pagination: 'offset', records: customers(40), apiKey: KEY, ratePerSecond: 10, burst: 2 });
    await sim.start();
    const def = definitionFor('offset');
    def.rate_limit = { requests_per_second: 9, burst: 1 };
    const started = Date.now();
    const pages = await readAll(sim, def);
    expect(pages.length).toBe(6);
    expect(sim.throttled).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * (1000 / 9) - 20);
  });

  it('refuses a wrong key with the config key to check, and does not retry a 401', async () => {
    sim = new PlatformSim({ pagination: 'cursor-next', records: customers(3), apiKey: KEY });
    await sim.start();
    const err = await readAll(sim, definitionFor('cursor-next'), undefined, 'wrong').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toBe('simshop answered 401 to GET /api/customers: check connectors.simshop.api_key');
    expect(sim.log.records.length).toBe(1);
  });

  it('reads incrementally from the last high-water mark minus the overlap', async () => {
    const records = customers(20);
    sim = new PlatformSim({ pagination: 'cursor-next', records, apiKey: KEY });
    await sim.start();
    const def = definitionFor('cursor-next');
    const first = await readAll(sim, def);
    expect(new URLSearchParams(sim.queries[0]).has('updated_after')).toBe(false);
    const mark = first.at(-1)?.highWaterMark;
    expect(mark).toBe(records[19]?.updated_at);
    // Nothing new: the overlap (5 min) re-reads the last 6 records (a minute apart), no more.
    sim.queries.length = 0;
    const again = await readAll(sim, def, mark);
    expect(new URLSearchParams(sim.queries[0]).get('updated_after')).toBe(records[14]?.updated_at);
    expect(again.flatMap((p) => p.records.map((r) => r.id))).toEqual(records.slice(14).map((r) => r.id));
    expect(again.at(-1)?.highWaterMark).toBe(mark);
  });

  it('sends unix seconds when the format says so, and a mark never goes back', async () => {
    const records = customers(3, Date.parse('2025-06-01T00:00:00Z'));
    sim = new PlatformSim({ pagination: 'offset', records, apiKey: KEY });
    await sim.start();
    const def = definitionFor('offset', {
      updated_since: { param: 'updated_after', field: 'updated_at', format: 'unix', overlap_s: 60 },
    });
    const since = '2026-01-01T01:00:00.000Z';
    const pages = await readAll(sim, def, since);
    expect(pages).toEqual([]);
    expect(new URLSearchParams(sim.queries[0]).get('updated_after')).toBe(String(Date.parse(since) / 1000 - 60));
    // Older records than the mark (the platform ignoring the filter) do not move it back.
    sim.opts.records.push(...customers(2, Date.parse('2025-01-01T00:00:00Z')));
    const full = await readAll(sim, def);
    expect(full.at(-1)?.highWaterMark).toBe(records[2]?.updated_at);
  });

  it('refuses an answer without the array the definition names', async () => {
    sim = new PlatformSim({ pagination: 'cursor-next', records: customers(3), apiKey: KEY });
    await sim.start();
    const def = definitionFor('cursor-next', { items: 'results' });
    await expect(readAll(sim, def)).rejects.toThrow(
      'simshop answered customers without an array at results; check items: in the definition',
    );
  });

  it('stops a pagination that never ends at the page guard, saying where to look', async () => {
    sim = new PlatformSim({ pagination: 'offset', records: customers(30), apiKey: KEY });
    await sim.start();
    // Page numbers the platform ignores: page 1 again and again, each one full.
    const def = definitionFor('offset', {
      page_size: { param: 'limit', size: 7 },
      pagination: { type: 'page', param: 'ignored' },
    });
    await expect(readAll(sim, def, undefined, KEY, 3)).rejects.toThrow(
      'simshop.customers: more than 3 pages; check its pagination (page) in the definition',
    );
  });

  it('a Retry-After too long to sleep through parks the caller with RateLimitedError, named by the platform', async () => {
    sim = new PlatformSim({ pagination: 'offset', records: customers(5), apiKey: KEY, throttleEvery: 1 });
    await sim.start();
    const reading = readResource({
      definition: definitionFor('offset'),
      resource: 'customers',
      settings: { api_key: KEY, base_url: sim.baseUrl },
      maxInProcessWaitMs: 500,
      connectionKey: 'park-test',
    }).next();
    const err = await reading.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as Error).message).toBe('simshop rate limit: retry after 1 s');
    expect(sim.log.records.length).toBe(1);
  });

  it('a platform that cannot be reached is named, its URL without credentials', async () => {
    sim = new PlatformSim({ pagination: 'offset', records: [], apiKey: KEY });
    await sim.start();
    const url = sim.baseUrl;
    await sim.stop();
    const def = normalizeDefinition({ ...definitionFor('offset'), auth: { type: 'api_key', query: 'key' } });
    const err = await readResource({
      definition: def,
      resource: 'customers',
      settings: { api_key: 'sekrit', base_url: url },
      retry: { baseDelayMs: 1, maxUnreachableAttempts: 2 },
    })
      .next()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(
      `cannot reach simshop at ${url}: ECONNREFUSED (nothing answers there: is it running?)`,
    );
  });

  it("refuses a checkpoint that leads away from the connection's API", async () => {
    sim = new PlatformSim({ pagination: 'offset', records: [], apiKey: KEY });
    await sim.start();
    const reading = readResource({
      definition: definitionFor('offset'),
      resource: 'customers',
      settings: { api_key: KEY, base_url: sim.baseUrl },
      resume: { next: 'http://169.254.169.254/latest/meta-data', index: 3, seen: 21 },
    }).next();
    await expect(reading).rejects.toThrow(
      `customers: the checkpoint's next page is not on ${sim.baseUrl}; run a full sync`,
    );
    expect(sim.log.records.length).toBe(0);
  });

  it('does not follow a Link to another host (the credentials stay with the API)', async () => {
    sim = new PlatformSim({
      pagination: 'link',
      records: customers(10),
      apiKey: KEY,
      linkOrigin: 'http://127.0.0.2:9',
    });
    await sim.start();
    await expect(readAll(sim, definitionFor('link'))).rejects.toThrow(
      `simshop.customers: the next page link leads to http://127.0.0.2:9, not ${sim.baseUrl}; not followed`,
    );
    expect(sim.log.records.length).toBe(1);
  });
});
