/**
 * What a schedule fires. A connection's own schedule starts an incremental sync in its lane, and a
 * re-sync of its imported documents when it has some; the stack's sweep (every 4 hours) makes sure
 * every connection has its schedule, so a connection whose schedule was lost is polled again from
 * the next window on.
 */
import { z } from 'zod';
import { ensureSchedule } from '../../core/connector';
import type { Clock, ConnectionStore, LaneQueue, ScheduleManager } from '../../core/ports';
import type { ImportedDocumentStore } from '../../core/ports/documents';
import { enqueueDocumentsResync } from './documents/documents';
import { enqueueNotionSync } from './lane';
import { notionPollSchedule } from './schedule';

export const pollInputSchema = z.union([
  z.object({ sweep: z.literal(true) }),
  z.object({ tenantId: z.string().min(1), full: z.boolean().optional() }),
]);
export type PollInput = z.infer<typeof pollInputSchema>;

export async function handleNotionPoll(
  deps: {
    connections: ConnectionStore;
    lane: LaneQueue;
    schedules: ScheduleManager;
    clock: Clock;
    /** The imported documents' records: with some, the poll also queues their re-sync. */
    imported?: ImportedDocumentStore;
  },
  input: PollInput,
): Promise<{ queued: number; scheduled: number; skipped: string[]; documentsResyncQueued: number }> {
  if ('sweep' in input) {
    const connections = await deps.connections.listConnections('notion');
    let scheduled = 0;
    for (const c of connections) {
      if (!c.settings.enabled) continue;
      if (await ensureSchedule(deps.schedules, notionPollSchedule, c)) scheduled += 1;
    }
    return { queued: 0, scheduled, skipped: [], documentsResyncQueued: 0 };
  }
  // One start per tenant per 5-minute slot: a retried invocation does not start a second run.
  const slot = Math.floor(deps.clock.now() / 300_000);
  const res = await enqueueNotionSync(deps, {
    tenantId: input.tenantId,
    mode: input.full ? 'full' : 'incremental',
    trigger: 'schedule',
    dedupeKey: `schedule-${slot}`,
  });
  // Same message group as the sync: the re-sync runs between its steps, never beside them.
  let documentsResyncQueued = 0;
  if (res.queued && deps.imported && (await deps.imported.listImportedDocuments(input.tenantId)).length > 0) {
    const resync = await enqueueDocumentsResync(deps, {
      tenantId: input.tenantId,
      trigger: 'schedule',
      dedupeKey: `schedule-${slot}`,
    });
    if (resync.queued) documentsResyncQueued = 1;
  }
  return { queued: res.queued ? 1 : 0, scheduled: 0, skipped: res.reason ? [res.reason] : [], documentsResyncQueued };
}
