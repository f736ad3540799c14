/**
 * A definition connection's batch schedule (modes batch and hybrid: the webhooks' backstop): one
 * EventBridge Scheduler schedule per connection, like the Notion poll, whose tick queues an
 * incremental sync in the platform lane. The topology's `platformSync` schedule (its target: the
 * platform lane's poller) is shared by every definition connector; each connection's instance names
 * its connector, and its input says which connection to sync.
 */
import { z } from 'zod';
import { type ConnectionSchedule, ensureSchedule } from '../../../core/connector';
import type { Clock, ConnectionStore, LaneQueue, RunStore, ScheduleManager } from '../../../core/ports';
import { settingsOf, storedDefinition } from '../connection';
import { installPending } from '../oauth-connection';
import { enqueuePlatformSync } from './enqueue';

/** The topology's schedule every definition connection's instance belongs to. */
export const PLATFORM_SYNC_SCHEDULE = 'platformSync';

/**
 * The topology's entry of the shared schedule (one for every definition connector): hourly, spread
 * over 15 minutes; its target runs the tick (or, with {"sweep": true}, restores lost schedules).
 */
export const platformSyncScheduleSpec: ConnectionSchedule['spec'] = {
  cadence: { everyHours: 1 },
  flexibleWindowMinutes: 15,
  sweepEveryHours: 4,
  target: 'platformPoller',
  description:
    "Incremental sync per definition connection (hourly, or daily with schedule: daily): batch mode's runs, hybrid's backstop",
};

/** A definition connector's connections on the shared schedule: an instance each, its input naming the connection. */
export function platformSyncSchedule(connector: string): ConnectionSchedule {
  return {
    schedule: PLATFORM_SYNC_SCHEDULE,
    instanceName: (tenantId) => `${connector}-${tenantId}`,
    input: (tenantId) => ({ tenantId, connector }),
    spec: platformSyncScheduleSpec,
  };
}

/** A run started this recently makes a `schedule: daily` connection's tick a no-op. */
const DAILY_MS = 23 * 3_600_000;

/**
 * A schedule's tick: the connection's incremental sync queued in the platform lane, unless the
 * connection is realtime (webhooks only), disabled, gone, or daily and synced within the day.
 */
export async function onPlatformSyncTick(
  deps: { connections: ConnectionStore; runs: RunStore; lane: LaneQueue; clock: Clock },
  input: { tenantId: string; connector: string },
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const record = await deps.connections.getConnection(input.tenantId, input.connector);
  if (!record) return { queued: false, reason: `tenant ${input.tenantId} has no ${input.connector} connection` };
  const settings = settingsOf(record);
  if (settings.mode === 'realtime') return { queued: false, reason: 'mode realtime: webhooks only, no schedule' };
  const pending = installPending(record);
  if (pending) return { queued: false, reason: pending };
  if (settings.schedule === 'daily') {
    const [last] = await deps.runs.listRuns(input.tenantId, input.connector, 1, { job: null });
    if (last && deps.clock.now() - Date.parse(last.startedAt) < DAILY_MS)
      return { queued: false, reason: `schedule daily: the last run started ${last.startedAt}` };
  }
  return enqueuePlatformSync(deps, { ...input, mode: 'incremental', trigger: 'schedule' });
}

export const platformPollInputSchema = z.union([
  z.object({ sweep: z.literal(true) }),
  z.object({ tenantId: z.string().min(1), connector: z.string().min(1) }),
]);

/**
 * The shared schedule's target: a connection's tick, or the sweep (every 4 hours) that gives every
 * enabled connection of the named definition connectors its schedule back when it was lost.
 */
function hasStoredDefinition(c: Parameters<typeof storedDefinition>[0]): boolean {
  try {
    return storedDefinition(c) !== undefined;
  } catch {
    return false;
  }
}

export async function handlePlatformPoll(
  deps: { connections: ConnectionStore; runs: RunStore; lane: LaneQueue; clock: Clock; schedules: ScheduleManager },
  input: z.infer<typeof platformPollInputSchema>,
  /** The definition connectors a sweep looks at (the catalogue's and the ones the deployment knows). */
  connectorNames: readonly string[],
): Promise<{ queued: number; scheduled: number; skipped: string[] }> {
  if ('sweep' in input) {
    let scheduled = 0;
    for (const name of connectorNames)
      for (const c of await deps.connections.listConnections(name)) {
        // A stored definition the schema now refuses is that connection's problem (its status and
        // sync say so), never a reason to stop restoring the others' schedules.
        if (!c.settings.enabled || !hasStoredDefinition(c)) continue;
        if (await ensureSchedule(deps.schedules, platformSyncSchedule(name), c)) scheduled += 1;
      }
    return { queued: 0, scheduled, skipped: [] };
  }
  const res = await onPlatformSyncTick(deps, input);
  return { queued: res.queued ? 1 : 0, scheduled: 0, skipped: res.reason ? [res.reason] : [] };
}
