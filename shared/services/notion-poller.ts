/**
 * What a schedule fires. A connection's own schedule starts an incremental sync in its lane; the
 * stack's sweep (every 4 hours) makes sure every connection has its schedule, so a connection
 * whose schedule was lost is polled again from the next window on.
 */
import { z } from 'zod';
import type { Clock, ConnectionStore, LaneQueue, ScheduleManager } from '../ports';
import { ensureConnectionSchedule } from './connections';
import { enqueueNotionSync } from './notion-lane';

export const pollInputSchema = z.union([
  z.object({ sweep: z.literal(true) }),
  z.object({ tenantId: z.string().min(1), full: z.boolean().optional() }),
]);
export type PollInput = z.infer<typeof pollInputSchema>;

export async function handleNotionPoll(
  deps: { connections: ConnectionStore; lane: LaneQueue; schedules: ScheduleManager; clock: Clock },
  input: PollInput,
): Promise<{ queued: number; scheduled: number; skipped: string[] }> {
  if ('sweep' in input) {
    const connections = await deps.connections.listConnections('notion');
    let scheduled = 0;
    for (const c of connections) {
      if (!c.settings.enabled) continue;
      if (await ensureConnectionSchedule(deps.schedules, c)) scheduled += 1;
    }
    return { queued: 0, scheduled, skipped: [] };
  }
  // One start per tenant per 5-minute slot: a retried invocation does not start a second run.
  const slot = Math.floor(deps.clock.now() / 300_000);
  const res = await enqueueNotionSync(deps, {
    tenantId: input.tenantId,
    mode: input.full ? 'full' : 'incremental',
    trigger: 'schedule',
    dedupeKey: `schedule-${slot}`,
  });
  return { queued: res.queued ? 1 : 0, scheduled: 0, skipped: res.reason ? [res.reason] : [] };
}
