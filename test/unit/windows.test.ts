/**
 * shared/connectors/notion/windows.ts: reading a data source by last_edited_time past Notion's
 * per-query row cap (DESIGN §6: "a query whose result is cut is continued in windows, whatever the
 * cap is"). The unit checks pin the state machine; the model checks drive it against an in-memory
 * query engine with a cap and assert that every row is read exactly once.
 */
import type { NotionPage, QueryArgs, QueryPage } from '../../shared/connectors/notion/client';
import {
  advanceWindow,
  freshRows,
  initialWindow,
  type WindowState,
  windowQuery,
} from '../../shared/connectors/notion/windows';
import { TajoError } from '../../shared/core/errors';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

function row(id: string, edited: string, created = at(-1000)): NotionPage {
  return { object: 'page', id, created_time: created, last_edited_time: edited, properties: {} };
}

function page(pages: NotionPage[], over: Partial<QueryPage> = {}): QueryPage {
  return { pages, hasMore: false, nextCursor: undefined, incomplete: false, ...over };
}

describe('initialWindow / windowQuery', () => {
  test('a full read has no filter and sorts by last_edited_time, then created_time, ascending', () => {
    const w = initialWindow();
    expect(w).toEqual({ lower: undefined, boundaryIds: [], done: false });
    const q = windowQuery(w, false);
    expect(q.filter).toBeUndefined();
    expect(q.sorts).toEqual([
      { timestamp: 'last_edited_time', direction: 'ascending' },
      { timestamp: 'created_time', direction: 'ascending' },
    ]);
    expect(q.pageSize).toBe(100);
    expect(q.inTrash).toBe(false);
    expect(q.startCursor).toBeUndefined();
  });

  test('an incremental read filters on_or_after the lower bound and passes in_trash and the cursor', () => {
    const w: WindowState = { ...initialWindow(at(5)), startCursor: 'cur-1' };
    const q = windowQuery(w, true);
    expect(q.filter).toEqual({ timestamp: 'last_edited_time', last_edited_time: { on_or_after: at(5) } });
    expect(q.startCursor).toBe('cur-1');
    expect(q.inTrash).toBe(true);
  });
});

describe('advanceWindow', () => {
  test('has_more continues the same query with the cursor', () => {
    const w = initialWindow(at(0));
    const next = advanceWindow(w, page([row('a', at(0)), row('b', at(1))], { hasMore: true, nextCursor: 'c2' }));
    expect(next.startCursor).toBe('c2');
    expect(next.lower).toBe(at(0));
    expect(next.done).toBe(false);
    expect(windowQuery(next, false).startCursor).toBe('c2');
    expect(w.startCursor).toBeUndefined(); // the input state is not mutated
  });

  test('a complete last page ends the window', () => {
    const w = { ...initialWindow(at(0)), startCursor: 'c2' };
    const next = advanceWindow(w, page([row('a', at(3))]));
    expect(next.done).toBe(true);
    expect(next.startCursor).toBeUndefined();
  });

  test('an empty complete page ends the window', () => {
    expect(advanceWindow(initialWindow(at(0)), page([])).done).toBe(true);
  });

  test('a capped page moves lower to the last row’s minute and remembers the rows of that minute', () => {
    const w = initialWindow(at(0));
    const next = advanceWindow(
      w,
      page([row('a', at(0)), row('b', at(2)), row('c', at(4)), row('d', at(4))], { incomplete: true }),
    );
    expect(next.done).toBe(false);
    expect(next.lower).toBe(at(4));
    expect(next.startCursor).toBeUndefined();
    expect(next.minute).toBeUndefined();
    expect(next.boundaryMinute).toBe(at(4));
    expect(next.boundaryIds).toEqual(['c', 'd']);
    expect(windowQuery(next, false).filter).toEqual({
      timestamp: 'last_edited_time',
      last_edited_time: { on_or_after: at(4) },
    });
  });

  test('boundary ids carry over across the pages of one query', () => {
    let w = initialWindow();
    w = advanceWindow(w, page([row('a', at(1)), row('b', at(2))], { hasMore: true, nextCursor: 'x' }));
    expect(w.boundaryIds).toEqual(['b']);
    w = advanceWindow(w, page([row('c', at(2)), row('d', at(2))], { incomplete: true }));
    expect(w.boundaryMinute).toBe(at(2));
    expect(w.boundaryIds).toEqual(['b', 'c', 'd']);
    expect(w.lower).toBe(at(2));
  });

  test('a capped window that does not advance splits its minute by created_time', () => {
    // The previous window ended at minute 4; the re-query is capped again inside minute 4.
    const w: WindowState = { ...initialWindow(at(4)), boundaryMinute: at(4), boundaryIds: ['c', 'd'] };
    const next = advanceWindow(
      w,
      page([row('c', at(4), at(-9)), row('d', at(4), at(-8)), row('e', at(4), at(-7))], { incomplete: true }),
    );
    // Rows came in created order: the split continues from the last row's created_time, and only
    // the rows of that created minute are re-read (and skipped).
    expect(next.minute).toBe(at(4));
    expect(next.createdLower).toBe(at(-7));
    expect(next.boundaryCreated).toBe(at(-7));
    expect(next.boundaryIds).toEqual(['e']);

    const q = windowQuery(next, false);
    expect(q.filter).toEqual({
      and: [
        { timestamp: 'last_edited_time', last_edited_time: { on_or_after: at(4) } },
        { timestamp: 'last_edited_time', last_edited_time: { before: at(5) } },
        { timestamp: 'created_time', created_time: { on_or_after: at(-7) } },
      ],
    });
    expect(q.sorts).toEqual([{ timestamp: 'created_time', direction: 'ascending' }]);

    // The first split query is capped too: continue from its last created_time.
    const split = advanceWindow(
      next,
      page([row('c', at(4), at(-9)), row('f', at(4), at(-6)), row('g', at(4), at(-5))], { incomplete: true }),
    );
    expect(split.minute).toBe(at(4));
    expect(split.createdLower).toBe(at(-5));
    expect(windowQuery(split, false).filter).toEqual({
      and: [
        { timestamp: 'last_edited_time', last_edited_time: { on_or_after: at(4) } },
        { timestamp: 'last_edited_time', last_edited_time: { before: at(5) } },
        { timestamp: 'created_time', created_time: { on_or_after: at(-5) } },
      ],
    });
  });

  test('completing the split minute resumes at the next minute', () => {
    const w: WindowState = {
      ...initialWindow(at(4)),
      minute: at(4),
      createdLower: at(-5),
      boundaryMinute: at(4),
      boundaryIds: ['c', 'd'],
    };
    const next = advanceWindow(w, page([row('h', at(4), at(-4))]));
    expect(next.done).toBe(false);
    expect(next.minute).toBeUndefined();
    expect(next.createdLower).toBeUndefined();
    expect(next.lower).toBe(at(5));
    expect(windowQuery(next, false).filter).toEqual({
      timestamp: 'last_edited_time',
      last_edited_time: { on_or_after: at(5) },
    });
  });

  test('a minute whose rows all share one created_time beyond the cap cannot be paged: it throws', () => {
    const w: WindowState = { ...initialWindow(at(4)), minute: at(4), createdLower: at(-5), boundaryIds: [] };
    let caught: unknown;
    try {
      advanceWindow(w, page([row('x', at(4), at(-5)), row('y', at(4), at(-5))], { incomplete: true }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TajoError);
    expect((caught as TajoError).kind).toBe('notion_cap');
    expect((caught as Error).message).toContain(at(4));
  });

  test('an incomplete page with no rows throws', () => {
    expect(() => advanceWindow(initialWindow(at(0)), page([], { incomplete: true }))).toThrow(TajoError);
  });
});

describe('freshRows', () => {
  test('drops re-read boundary rows only when their last_edited_time is still the boundary minute', () => {
    const w: WindowState = { ...initialWindow(at(4)), boundaryMinute: at(4), boundaryIds: ['c', 'd'] };
    const pages = [row('c', at(4)), row('d', at(6)), row('e', at(4)), row('f', at(7))];
    // c was read at minute 4: skipped. d was edited again since (minute 6): kept. e is new.
    expect(freshRows(w, pages).map((p) => p.id)).toEqual(['d', 'e', 'f']);
  });

  test('keeps everything when there is no boundary', () => {
    const pages = [row('c', at(4)), row('d', at(4))];
    expect(freshRows(initialWindow(at(4)), pages)).toEqual(pages);
    expect(freshRows({ ...initialWindow(at(4)), boundaryMinute: at(4), boundaryIds: [] }, pages)).toEqual(pages);
  });
});

// ------------------------------------------------------------------------------------------------
// A model of Notion's query: filter on the two timestamps, sort ascending with ties by id, pages of
// `pageSize`, and at most `cap` rows per query (the page reaching it is marked incomplete).

function execute(rows: NotionPage[], args: QueryArgs, cap: number, pageSize: number): QueryPage {
  const conds: Record<string, unknown>[] = [];
  const f = args.filter as Record<string, unknown> | undefined;
  if (f) conds.push(...(Array.isArray(f.and) ? (f.and as Record<string, unknown>[]) : [f]));
  const match = (p: NotionPage) =>
    conds.every((c) => {
      const field = c.timestamp as 'last_edited_time' | 'created_time';
      const op = c[field] as { on_or_after?: string; before?: string };
      const v = Date.parse(p[field]);
      if (op.on_or_after !== undefined && v < Date.parse(op.on_or_after)) return false;
      if (op.before !== undefined && v >= Date.parse(op.before)) return false;
      return true;
    });
  const sortField = (args.sorts?.[0]?.timestamp as 'last_edited_time' | 'created_time') ?? 'created_time';
  const all = rows
    .filter(match)
    .sort((a, b) => Date.parse(a[sortField]) - Date.parse(b[sortField]) || a.id.localeCompare(b.id));
  const capped = all.slice(0, cap);
  const offset = args.startCursor ? Number(args.startCursor) : 0;
  const slice = capped.slice(offset, offset + pageSize);
  const end = offset + slice.length;
  if (end < capped.length) return page(slice, { hasMore: true, nextCursor: String(end) });
  return page(slice, { incomplete: all.length > cap });
}

function readAll(rows: NotionPage[], opts: { cap: number; pageSize: number; lower?: string }): string[] {
  const seen: string[] = [];
  let w = initialWindow(opts.lower);
  for (let i = 0; !w.done; i++) {
    if (i > 10_000) throw new Error('the window never finished');
    const res = execute(rows, windowQuery(w, false), opts.cap, opts.pageSize);
    seen.push(...freshRows(w, res.pages).map((p) => p.id));
    w = advanceWindow(w, res);
  }
  return seen;
}

const id = (i: number) => `p${String(i).padStart(4, '0')}`;

describe('reading past the cap (model)', () => {
  test('rows spread over minutes are all read exactly once, whatever the cap', () => {
    // 60 rows, 6 per minute over 10 minutes, ids not in edit order.
    const rows = Array.from({ length: 60 }, (_, i) => row(id((i * 37) % 60), at(Math.floor(i / 6)), at(-100 + i)));
    for (const cap of [7, 10, 13, 59, 1000]) {
      const seen = readAll(rows, { cap, pageSize: 4 });
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
    }
  });

  test('a minute with more rows than the cap is split by created_time; nothing is lost or doubled', () => {
    // 5 rows before, 30 rows edited in minute 10 (created 3 per minute), 7 rows after.
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => row(id(i), at(i), at(-200 + i))),
      ...Array.from({ length: 30 }, (_, i) => row(id(100 + i), at(10), at(-100 + Math.floor(i / 3)))),
      ...Array.from({ length: 7 }, (_, i) => row(id(200 + i), at(11 + i), at(-50 + i))),
    ];
    for (const cap of [8, 10, 29]) {
      const seen = readAll(rows, { cap, pageSize: 3 });
      expect(new Set(seen).size).toBe(42);
      expect(seen).toHaveLength(42);
    }
  });

  test('an incremental read from a lower bound reads exactly the rows edited on or after it', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(id(i), at(Math.floor(i / 4)), at(-100 + i)));
    const seen = readAll(rows, { cap: 6, pageSize: 5, lower: at(5) });
    expect(seen.sort()).toEqual(rows.slice(20).map((r) => r.id));
  });

  test('a minute whose rows exceed the cap within one created_time fails instead of looping', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(id(i), at(3), at(-10)));
    expect(() => readAll(rows, { cap: 8, pageSize: 4 })).toThrow(/same minute/);
  });
});
