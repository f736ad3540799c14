/**
 * Reading a data source in order of last_edited_time past Notion's per-query row cap.
 *
 * A query returns at most N rows (10,000 today; the code does not assume the number). When a
 * query is cut, `request_status` says "incomplete" while has_more is false. We then start a new
 * query at the last row's last_edited_time (on_or_after: the field is rounded to the minute, so
 * the boundary minute is read again and its rows are skipped by id). If a whole window is one
 * minute (more than N rows edited in the same minute), that minute is split by created_time.
 */
import { TajoError } from '../../core/errors';
import type { NotionPage, QueryArgs, QueryPage } from './client';

export interface WindowState {
  /** on_or_after bound on last_edited_time (undefined: from the beginning). */
  lower?: string;
  /** Set while one minute is read by created_time because it alone exceeds the cap. */
  minute?: string;
  createdLower?: string;
  /** Continuation of the current query. */
  startCursor?: string;
  /**
   * Rows already read that the next query reads again (skipped then): those whose last_edited_time
   * equals `boundaryMinute`, or, while a crowded minute is split, whose created_time equals
   * `boundaryCreated`. Only the boundary is kept, so the checkpoint stays small.
   */
  boundaryMinute?: string;
  boundaryCreated?: string;
  boundaryIds: string[];
  done: boolean;
}

export function initialWindow(lower?: string): WindowState {
  return { lower, boundaryIds: [], done: false };
}

const MINUTE_MS = 60_000;

export function windowQuery(w: WindowState, inTrash: boolean): QueryArgs {
  const args: QueryArgs = { pageSize: 100, startCursor: w.startCursor, inTrash };
  if (w.minute) {
    const end = new Date(Date.parse(w.minute) + MINUTE_MS).toISOString();
    const and: Record<string, unknown>[] = [
      { timestamp: 'last_edited_time', last_edited_time: { on_or_after: w.minute } },
      { timestamp: 'last_edited_time', last_edited_time: { before: end } },
    ];
    if (w.createdLower) and.push({ timestamp: 'created_time', created_time: { on_or_after: w.createdLower } });
    args.filter = { and };
    args.sorts = [{ timestamp: 'created_time', direction: 'ascending' }];
    return args;
  }
  if (w.lower) args.filter = { timestamp: 'last_edited_time', last_edited_time: { on_or_after: w.lower } };
  // created_time second: within a minute rows come in created order, so a minute that must be
  // split continues from the last row read instead of reading the minute again.
  args.sorts = [
    { timestamp: 'last_edited_time', direction: 'ascending' },
    { timestamp: 'created_time', direction: 'ascending' },
  ];
  return args;
}

/** Rows of a result page that were not read before (boundary re-reads removed). */
export function freshRows(w: WindowState, pages: NotionPage[]): NotionPage[] {
  if (w.boundaryIds.length === 0) return pages;
  const seen = new Set(w.boundaryIds);
  if (w.minute) return pages.filter((p) => !(p.created_time === w.boundaryCreated && seen.has(p.id)));
  return pages.filter((p) => !(p.last_edited_time === w.boundaryMinute && seen.has(p.id)));
}

/** The window after a result page has been processed. */
export function advanceWindow(w: WindowState, page: QueryPage): WindowState {
  const next: WindowState = { ...w };
  // Rows come sorted by the window's key: track the ids that share the greatest key seen.
  const ids = new Set(w.boundaryIds);
  for (const p of page.pages) {
    if (next.minute) {
      if (next.boundaryCreated === undefined || p.created_time > next.boundaryCreated) {
        next.boundaryCreated = p.created_time;
        ids.clear();
      }
      if (p.created_time === next.boundaryCreated) ids.add(p.id);
    } else {
      if (next.boundaryMinute === undefined || p.last_edited_time > next.boundaryMinute) {
        next.boundaryMinute = p.last_edited_time;
        ids.clear();
      }
      if (p.last_edited_time === next.boundaryMinute) ids.add(p.id);
    }
  }
  next.boundaryIds = [...ids];
  if (page.hasMore && page.nextCursor) {
    next.startCursor = page.nextCursor;
    return next;
  }
  next.startCursor = undefined;
  const last = page.pages.at(-1);
  if (!page.incomplete) {
    if (next.minute) {
      // The crowded minute is read; go on with everything edited after it.
      const after = new Date(Date.parse(next.minute) + MINUTE_MS).toISOString();
      return {
        ...next,
        minute: undefined,
        createdLower: undefined,
        boundaryCreated: undefined,
        boundaryIds: [],
        lower: after,
      };
    }
    return { ...next, done: true };
  }
  if (!last) throw new TajoError('Notion reported an incomplete query with no rows', 'notion_cap');
  if (next.minute) {
    if (next.createdLower === last.created_time) {
      throw new TajoError(
        `more rows than one Notion query returns were created and edited in the same minute (${next.minute}); cannot page past them`,
        'notion_cap',
      );
    }
    return { ...next, createdLower: last.created_time };
  }
  if (last.last_edited_time === next.lower) {
    // The whole capped window is one minute: split it by created_time, from the last row read
    // (rows came in created order). Only the rows of that created minute are read again.
    return {
      ...next,
      minute: last.last_edited_time,
      createdLower: last.created_time,
      boundaryCreated: last.created_time,
      boundaryIds: page.pages.filter((p) => p.created_time === last.created_time).map((p) => p.id),
    };
  }
  return { ...next, lower: last.last_edited_time };
}
