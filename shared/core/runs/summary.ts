/** A run's summary and id, the same for every connector's runs (database syncs, users syncs, jobs). */
import { randomUUID } from 'node:crypto';
import type { Clock, SyncSummary } from '../ports';

export function emptySummary(mode: SyncSummary['mode']): SyncSummary {
  return {
    mode,
    pagesRead: 0,
    upserted: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    skipped: 0,
    skips: [],
    vanished: 0,
    errors: [],
    errorsTruncated: 0,
    fieldErrors: 0,
    notionRequests: 0,
    brevoRequests: 0,
    rateLimited: 0,
    durationMs: 0,
    warnings: [],
  };
}

/** Run ids sort by start time (run records are listed newest first by id). */
export function newRunId(clock: Clock): string {
  return `${new Date(clock.now()).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

/** Whether `id` has newRunId's shape: anything else cannot be a run of ours (no store lookup). */
export function isRunId(id: string): boolean {
  return /^[0-9TZ]{15,20}-[0-9a-f]{8}$/.test(id);
}
