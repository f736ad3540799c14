/**
 * The platform lane's worker logic: a message's type → its job. `delivery` is a webhook delivery
 * (delivery.ts); the definition connectors' sync jobs (`sync`, `sync-continue`:
 * shared/connectors/custom/sync/job.ts) join this table. A message outside its own group (another
 * tenant's, or another connector's) is dropped: a group runs one tenant's connection only.
 */
import type { LaneQueue, RunRecord } from '../../../core/ports';
import type { StoredSyncDeps } from '../sync/connection-sync';
import { platformSyncMessage, runPlatformSyncJob } from '../sync/job';
import { type DeliveryDeps, type DeliveryOutcome, processDelivery } from './delivery';
import { deliveryMessageSchema, platformLaneHeadSchema } from './messages';
import { platformGroupId } from './unit';

export type PlatformLaneOutcome =
  | DeliveryOutcome
  | { outcome: 'dropped'; reason: string }
  | { outcome: 'synced'; runId: string; status: RunRecord['status'] };

/** What every job is given: the delivery job's ports and the sync job's, and when the invocation ends. */
export type PlatformLaneDeps = DeliveryDeps &
  StoredSyncDeps & {
    lane: LaneQueue;
    /** Epoch ms the invocation must be done by: a sync hands over to a continue message before it. */
    deadline?: number;
  };

/** Left to a sync message's invocation after its budget: flushing the last page and queuing the continue message. */
const SYNC_HANDOVER_MARGIN_MS = 60_000;

type Job = (deps: PlatformLaneDeps, message: unknown) => Promise<PlatformLaneOutcome>;

/** The jobs by message type: a webhook delivery, a definition connection's sync (its start or where it continues). */
export const PLATFORM_LANE_JOBS: Readonly<Record<string, Job>> = {
  delivery: (deps, message) => processDelivery(deps, deliveryMessageSchema.parse(message)),
  'platform.sync': async (deps, message) => {
    const sync = platformSyncMessage(message);
    if (sync === undefined) throw new Error('unreadable platform.sync message');
    const budget =
      deps.deadline === undefined ? undefined : Math.max(0, deps.deadline - deps.clock.now() - SYNC_HANDOVER_MARGIN_MS);
    const run = await runPlatformSyncJob(deps, sync, budget);
    return { outcome: 'synced', runId: run.runId, status: run.status };
  },
};

export async function handlePlatformLaneMessage(
  deps: PlatformLaneDeps,
  body: string,
  groupId: string | undefined,
): Promise<PlatformLaneOutcome> {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new Error('unreadable platform lane message (not JSON)');
  }
  const head = platformLaneHeadSchema.safeParse(message);
  if (!head.success) throw new Error('unreadable platform lane message (no type, tenantId or connector)');
  const { type, tenantId, connector } = head.data;
  if (groupId !== undefined && groupId !== platformGroupId(tenantId, connector)) {
    const reason = "platform lane message outside its tenant's group: dropped";
    deps.log?.('error', reason, { tenantId, connector, groupId });
    return { outcome: 'dropped', reason };
  }
  const job = PLATFORM_LANE_JOBS[type];
  if (job === undefined) throw new Error(`no platform lane job handles ${type} messages`);
  return job(deps, message);
}
