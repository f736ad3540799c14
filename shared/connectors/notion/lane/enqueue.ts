/** Starting work in the Notion lane (poller, API, local scheduler, webhooks): a run's first message. */

import { newRunId } from '../../../core/runs/summary';
import { queueableConnection } from '../../../core/tenancy/connections';
import type { NotionLaneDeps } from './deps';
import type { NotionLaneMessage } from './messages';

export async function enqueueNotionSync(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: {
    tenantId: string;
    mode: 'full' | 'incremental';
    trigger: 'schedule' | 'api' | 'local' | 'cli' | 'webhook';
    dedupeKey?: string;
    /** Abandon an unfinished run instead of resuming it. */
    restart?: boolean;
  },
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const runId = newRunId(deps.clock);
  return queueForConnection(
    deps,
    {
      type: 'notion.sync.start',
      tenantId: args.tenantId,
      runId,
      mode: args.mode,
      trigger: args.trigger,
      ...(args.restart ? { restart: true } : {}),
    },
    `${args.tenantId}:start:${args.dedupeKey ?? runId}`,
  );
}

/**
 * Queues the workspace users sync on its own (API, CLI against a deployed stack), in the
 * connection's lane so it is paced with the database steps. Runs whatever `sync.users` says: that
 * switch is for the scheduled poll, this is a person asking.
 */
export async function enqueueNotionUsersSync(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: { tenantId: string; mode: 'full' | 'incremental'; trigger: 'api' | 'local' | 'cli' },
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const runId = newRunId(deps.clock);
  return queueForConnection(
    deps,
    { type: 'notion.users.sync', tenantId: args.tenantId, runId, mode: args.mode, trigger: args.trigger },
    `${args.tenantId}:users:${runId}`,
  );
}

/** Sends a run's first message into its connection's lane (group = the integration). */
async function queueForConnection(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane'>,
  message: Extract<NotionLaneMessage, { runId: string }>,
  deduplicationId: string,
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const target = await queueableConnection(deps.connections, message.tenantId, { name: 'notion', label: 'Notion' });
  if ('reason' in target) return { queued: false, reason: target.reason };
  const conn = target.conn;
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId },
  ]);
  return { queued: true, runId: message.runId };
}
