/**
 * A definition connection's batch schedule (modes batch and hybrid: the webhooks' backstop): one
 * EventBridge Scheduler schedule per connection, like the Notion poll, whose tick queues an
 * incremental sync in the platform lane. The topology's `platformSync` schedule (its target: the
 * platform lane's poller) is shared by every definition connector; each connection's instance names
 * its connector, and its input says which connection to sync.
 */
import type { ConnectionSchedule } from '../../../core/connector';
import type { Clock, ConnectionStore, LaneQueue, RunStore } from '../../../core/ports';
import { settingsOf } from '../connection';
import { enqueuePlatformSync } from './enqueue';

/** The topology's schedule every definition connection's instance belongs to. */
export const PLATFORM_SYNC_SCHEDULE = 'platformSync';

/** The hourly tick of a definition connector's connections (`schedule: daily` ones skip 23 of them). */
export function platformSyncSchedule(connector: string, label: string): ConnectionSchedule {
  return {
    schedule: PLATFORM_SYNC_SCHEDULE,
    instanceName: (tenantId) => `${connector}-${tenantId}`,
    input: (tenantId) => ({ tenantId, connector }),
    spec: {
      cadence: { everyHours: 1 },
      flexibleWindowMinutes: 15,
      sweepEveryHours: 4,
      target: 'platformPoller',
      description: `Incremental ${label} sync per connection (hourly, or daily with schedule: daily), the webhooks' backstop`,
    },
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
  if (settings.schedule === 'daily') {
    const [last] = await deps.runs.listRuns(input.tenantId, input.connector, 1, { job: null });
    if (last && deps.clock.now() - Date.parse(last.startedAt) < DAILY_MS)
      return { queued: false, reason: `schedule daily: the last run started ${last.startedAt}` };
  }
  return enqueuePlatformSync(deps, { ...input, mode: 'incremental', trigger: 'schedule' });
}
