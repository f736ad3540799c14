/**
 * Reading a data source in order of last_edited_time past Notion's per-query row cap.
 *
 * A query returns at most N rows (10,000 today; the code does not assume the number). When a
 * query is cut, `request_status` says "incomplete" while has_more is false. We then start a new
 * query at the last row's last_edited_time (on_or_after: the field is rounded to the minute, so
 * the boundary minute is read again and its rows are skipped by id). If a whole window is one
 * minute (more than N rows edited in the same minute), that minute is split by created_time.
 */
import { TajoError } from '../../errors';
import type { NotionPage, QueryArgs, QueryPage } from './client';

export interface WindowState {
  /** on_or_after bound on last_edited_time (undefined: from the beginning). */
  lower?: string;
  /** Set while one minute is read by created_time because it alone exceeds the cap. */
  minute?: string;
  createdLower?: string;
  /** Continuation of the current query. */
  startCursor?: string;
  /** Rows already read whose last_edited_time equals `boundaryMinute` (skipped when re-read). */
  boundaryMinute?: string;
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
  args.sorts = [{ timestamp: 'last_edited_time', direction: 'ascending' }];
  return args;
}

/** Rows of a result page that were not read before (boundary re-reads removed). */
export function freshRows(w: WindowState, pages: NotionPage[]): NotionPage[] {
  if (!w.boundaryMinute || w.boundaryIds.length === 0) return pages;
  const seen = new Set(w.boundaryIds);
  return pages.filter((p) => !(p.last_edited_time === w.boundaryMinute && seen.has(p.id)));
}

/** The window after a result page has been processed. */
export function advanceWindow(w: WindowState, page: QueryPage): WindowState {
  const next: WindowState = { ...w, boundaryIds: [...w.boundaryIds] };
  for (const p of page.pages) {
    if (next.boundaryMinute === undefined || p.last_edited_time > next.boundaryMinute) {
      next.boundaryMinute = p.last_edited_time;
      next.boundaryIds = [p.id];
    } else if (p.last_edited_time === next.boundaryMinute && !next.boundaryIds.includes(p.id)) {
      next.boundaryIds.push(p.id);
    }
  }
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
      return { ...next, minute: undefined, createdLower: undefined, lower: after };
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
    // The whole capped window is one minute: split it by created_time.
    return { ...next, minute: last.last_edited_time, createdLower: undefined };
  }
  return { ...next, lower: last.last_edited_time };
}
