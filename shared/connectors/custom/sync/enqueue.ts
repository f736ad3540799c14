/**
 * Sync now through the API (and the batch/hybrid schedule): a run's first message into the
 * platform lane (its worker is the ingress's, shared/connectors/custom/ingress/, which calls the
 * sync job, job.ts). One message group per connection, so its reads keep one pace.
 */
import type { SyncNowHook } from '../../../core/connector';
import { newRunId } from '../../../core/runs/summary';
import { queueableConnection } from '../../../core/tenancy/connections';
import { PLATFORM_LANE, platformGroupId } from '../ingress/unit';
import { installPending } from '../oauth-connection';

export { PLATFORM_LANE };

/** A sync's message in the platform lane: its start, or where it continues (job.ts). */
export interface PlatformSyncMessage {
  type: 'platform.sync';
  tenantId: string;
  connector: string;
  runId: string;
  mode: 'full' | 'incremental';
  trigger: 'api' | 'schedule' | 'local' | 'cli';
  /** Absent on the first message; a continue message's says where (the run record holds the reader's checkpoint). */
  checkpoint?: unknown;
  /** The connection's message group (platformGroupId: with its webhook deliveries): a continue message stays in it. */
  groupId?: string;
}

export async function enqueuePlatformSync(
  ports: Parameters<SyncNowHook>[0],
  args: Pick<PlatformSyncMessage, 'tenantId' | 'connector' | 'mode' | 'trigger'>,
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const target = await queueableConnection(ports.connections, args.tenantId, {
    name: args.connector,
    label: args.connector,
  });
  if ('reason' in target) return { queued: false, reason: target.reason };
  const pending = installPending(target.conn);
  if (pending) return { queued: false, reason: pending };
  const message: PlatformSyncMessage = {
    type: 'platform.sync',
    tenantId: args.tenantId,
    connector: args.connector,
    runId: newRunId(ports.clock),
    mode: args.mode,
    trigger: args.trigger,
    groupId: platformGroupId(args.tenantId, args.connector),
  };
  await ports.lane.send(PLATFORM_LANE, [
    {
      body: JSON.stringify(message),
      groupId: platformGroupId(args.tenantId, args.connector),
      deduplicationId: `${args.tenantId}:${args.connector}:sync:${message.runId}`,
    },
  ]);
  return { queued: true, runId: message.runId };
}
