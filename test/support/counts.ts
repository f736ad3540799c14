/**
 * The arithmetic every sync summary keeps (shared/core/runs/counts.ts), asserted with the buckets shown
 * so a failure says which one is off. Used by the tests of every summary: Notion sync, users syncs,
 * status, the CLI's JSON.
 */
import type { SyncSummary } from '../../shared/core/ports';
import { countsGap } from '../../shared/core/runs/counts';

type Counts = Pick<
  SyncSummary,
  'pagesRead' | 'upserted' | 'unchanged' | 'removed' | 'failed' | 'skipped' | 'skips' | 'vanished'
>;

export function expectCountsAddUp(s: Counts): void {
  const buckets = {
    pagesRead: s.pagesRead,
    upserted: s.upserted,
    unchanged: s.unchanged,
    removedRead: s.removed - (s.vanished ?? 0),
    failed: s.failed,
    skipped: s.skipped ?? 0,
  };
  // Shown whole on failure: "gap" is the records read that no bucket holds.
  expect({ ...buckets, gap: countsGap(s) }).toEqual({ ...buckets, gap: 0 });
  // Every skip has a reason, and the reasons account for all of them.
  expect((s.skips ?? []).reduce((n, k) => n + k.count, 0)).toBe(s.skipped ?? 0);
  for (const k of s.skips ?? []) expect(k.reason).toMatch(/\S/);
  expect(s.vanished ?? 0).toBeLessThanOrEqual(s.removed);
}
