/**
 * The arithmetic every sync summary keeps, and the one line that shows it.
 *
 * Every record a run read lands in exactly one bucket:
 *   pagesRead = upserted + unchanged + (removed − vanished) + failed + skipped
 * - removed counts every contact that left the list; `vanished` are those a full run removed
 *   because their rows are no longer returned at all: they were not read, so they are not in
 *   pagesRead. Rows read in the trash (or a deactivated member already synced) are read and removed.
 * - skipped counts records read and not written on purpose, each with its reason in `skips`
 *   (a publish-only database's pages, bots, members without an email…).
 * Values left out of a written contact (field errors) are not a bucket: their contacts are written.
 */
import type { SyncSummary } from '../ports';

export interface SkipCount {
  /** Why these records were not written, in words a person reads ("bot", "publish-only database …"). */
  reason: string;
  count: number;
}

type Counts = Pick<
  SyncSummary,
  'pagesRead' | 'upserted' | 'unchanged' | 'removed' | 'failed' | 'skipped' | 'skips' | 'vanished'
>;

/** Counts `n` records skipped for `reason` (one entry per reason). */
export function addSkip(summary: Pick<SyncSummary, 'skipped' | 'skips'>, reason: string, n = 1): void {
  if (n <= 0) return;
  summary.skipped = (summary.skipped ?? 0) + n;
  summary.skips ??= [];
  const skips = summary.skips;
  const entry = skips.find((s) => s.reason === reason);
  if (entry) entry.count += n;
  else skips.push({ reason, count: n });
}

/** Records read that no bucket accounts for (0 when the summary adds up; negative when over-counted). */
export function countsGap(s: Counts): number {
  const removedRead = s.removed - (s.vanished ?? 0);
  return s.pagesRead - (s.upserted + s.unchanged + removedRead + s.failed + (s.skipped ?? 0));
}

/**
 * "252 rows read, 250 written, 0 unchanged, 0 removed, 0 failed, 2 skipped (publish-only database
 * "Newsletters": 2)": the buckets in the order of the sum, each skip with its reason, and the
 * removals that were not read said apart so the line still adds up.
 */
export function countsLine(s: Counts, noun = 'rows'): string {
  const skipped = s.skipped ?? 0;
  const reasons = (s.skips ?? []).map((k) => `${k.reason}: ${k.count}`).join('; ');
  const vanished = s.vanished ?? 0;
  return (
    `${s.pagesRead} ${noun} read, ${s.upserted} written, ${s.unchanged} unchanged, ${s.removed} removed` +
    (vanished > 0 ? ` (${vanished} no longer found, not read)` : '') +
    `, ${s.failed} failed, ${skipped} skipped${reasons ? ` (${reasons})` : ''}`
  );
}

/** The skip reasons of the users syncs (Slack members, Notion people). */
export const SKIP_BOT = 'bots';
export const SKIP_NO_EMAIL = 'without email';
export const SKIP_DEACTIVATED = 'deactivated, never synced';
