/** Starting work in the Notion lane (poller, API, local scheduler, webhooks): a run's first message. */

import type { SyncScope } from '../../../core/connector';
import type { ConnectionRecord } from '../../../core/ports';
import { newRunId } from '../../../core/runs/summary';
import { queueableConnection } from '../../../core/tenancy/connections';
import { planNotionSync, type RunScope } from '../sync/scope';
import type { NotionLaneDeps } from './deps';
import type { NotionLaneMessage } from './messages';

type Queued = { queued: boolean; reason?: string; runId?: string };

/**
 * Sync now (the API's hook): the databases sync, or the users job (`job: 'users'`, or `resources:
 * ['users']`), narrowed by the scope (one database of the config, a target list). A scope the
 * connection cannot honour is refused (RequestRefusedError 400) before anything is queued.
 */
export async function notionSyncNow(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: {
    tenantId: string;
    mode: 'full' | 'incremental';
    trigger: 'api' | 'local' | 'cli';
    restart?: boolean;
    job?: string;
    scope?: SyncScope;
  },
): Promise<Queued> {
  const { job, scope, restart, ...run } = args;
  if (job === undefined && scope === undefined) return enqueueNotionSync(deps, { ...run, restart });
  const target = await queueableConnection(deps.connections, args.tenantId, { name: 'notion', label: 'Notion' });
  if ('reason' in target) return { queued: false, reason: target.reason };
  const plan = planNotionSync(target.conn.settings, job, scope);
  const runId = newRunId(deps.clock);
  if (plan.job === 'users') {
    const message = { type: 'notion.users.sync', ...run, runId } as const;
    return sendFirst(deps, target.conn, message, `${args.tenantId}:users:${runId}`);
  }
  return sendFirst(
    deps,
    target.conn,
    startMessage({ ...run, runId, restart, scope: plan.scope }),
    `${args.tenantId}:start:${runId}`,
  );
}

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
): Promise<Queued> {
  const runId = newRunId(deps.clock);
  return queueForConnection(
    deps,
    startMessage({ ...args, runId }),
    `${args.tenantId}:start:${args.dedupeKey ?? runId}`,
  );
}

function startMessage(args: {
  tenantId: string;
  runId: string;
  mode: 'full' | 'incremental';
  trigger: Extract<NotionLaneMessage, { type: 'notion.sync.start' }>['trigger'];
  restart?: boolean;
  scope?: RunScope;
}): Extract<NotionLaneMessage, { type: 'notion.sync.start' }> {
  return {
    type: 'notion.sync.start',
    tenantId: args.tenantId,
    runId: args.runId,
    mode: args.mode,
    trigger: args.trigger,
    ...(args.restart ? { restart: true } : {}),
    ...(args.scope ? { scope: args.scope } : {}),
  };
}

/**
 * Queues the workspace users sync on its own (API, CLI against a deployed stack), in the
 * connection's lane so it is paced with the database steps. Runs whatever `sync.users` says: that
 * switch is for the scheduled poll, this is a person asking.
 */
export async function enqueueNotionUsersSync(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: { tenantId: string; mode: 'full' | 'incremental'; trigger: 'api' | 'local' | 'cli' },
): Promise<Queued> {
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
): Promise<Queued> {
  const target = await queueableConnection(deps.connections, message.tenantId, { name: 'notion', label: 'Notion' });
  if ('reason' in target) return { queued: false, reason: target.reason };
  return sendFirst(deps, target.conn, message, deduplicationId);
}

async function sendFirst(
  deps: Pick<NotionLaneDeps, 'lane'>,
  conn: ConnectionRecord,
  message: Extract<NotionLaneMessage, { runId: string }>,
  deduplicationId: string,
): Promise<Queued> {
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId },
  ]);
  return { queued: true, runId: message.runId };
}
