/**
 * The platform lane's worker logic: a message's type → its job. `delivery` is a webhook delivery
 * (delivery.ts); the definition connectors' sync jobs (`sync`, `sync-continue`:
 * shared/connectors/custom/sync/job.ts) join this table. A message outside its own group (another
 * tenant's, or another connector's) is dropped: a group runs one tenant's connection only.
 */
import { type DeliveryDeps, type DeliveryOutcome, processDelivery } from './delivery';
import { deliveryMessageSchema, platformLaneHeadSchema } from './messages';
import { platformGroupId } from './unit';

export type PlatformLaneOutcome = DeliveryOutcome | { outcome: 'dropped'; reason: string };

/** What every job is given: the delivery job's ports (the sync jobs add theirs). */
export type PlatformLaneDeps = DeliveryDeps;

type Job = (deps: PlatformLaneDeps, message: unknown) => Promise<PlatformLaneOutcome>;

/** The jobs by message type (open: the sync jobs add `sync` and `sync-continue`). */
export const PLATFORM_LANE_JOBS: Readonly<Record<string, Job>> = {
  delivery: (deps, message) => processDelivery(deps, deliveryMessageSchema.parse(message)),
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
