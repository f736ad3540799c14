/**
 * The platform lane's `platform.sync` job (the worker is the ingress's: shared/connectors/custom/
 * ingress/, which calls this for a PlatformSyncMessage): the queued run of a stored connection,
 * under the run id sync now answered, through the same runPlatformSync as the CLI.
 *
 * One message reads up to the worker's time budget: past its deadline the run stops at the end of a
 * page (its writes flushed, its marks not stored), keeps the reader's checkpoint in its record, and
 * a continue message (same run id) goes on from there, as the Notion lane's steps do.
 */
import { z } from 'zod';
import type { LaneQueue, RunRecord } from '../../../core/ports';
import { platformGroupId } from '../ingress/unit';
import { type StoredSyncDeps, syncStoredConnection } from './connection-sync';
import { PLATFORM_LANE, type PlatformSyncMessage } from './enqueue';

const messageSchema = z.object({
  type: z.literal('platform.sync'),
  tenantId: z.string().min(1),
  connector: z.string().min(1),
  runId: z.string().min(1),
  mode: z.enum(['full', 'incremental']),
  trigger: z.enum(['api', 'schedule', 'local', 'cli']),
  checkpoint: z.unknown().optional(),
  groupId: z.string().optional(),
});

/** A lane message's body as a platform sync, or undefined when it is another job's. */
export function platformSyncMessage(body: unknown): PlatformSyncMessage | undefined {
  const parsed = messageSchema.safeParse(body);
  return parsed.success ? (parsed.data as PlatformSyncMessage) : undefined;
}

/** How long one message reads before it hands over to a continue message (a Lambda's 15 minutes, less margin). */
export const SYNC_MESSAGE_BUDGET_MS = 10 * 60_000;

/**
 * Runs one queued sync message: the run from its start, or a continued run from its record's
 * checkpoint; a run cut at the budget queues its continue message. A failed run is recorded, not thrown.
 */
export async function runPlatformSyncJob(
  deps: StoredSyncDeps & { lane: LaneQueue },
  message: PlatformSyncMessage,
  budgetMs = SYNC_MESSAGE_BUDGET_MS,
): Promise<RunRecord> {
  const resume = message.checkpoint
    ? await deps.runs.getRun(message.tenantId, message.connector, message.runId)
    : undefined;
  // A continue message whose run has ended (a redelivery): nothing left to do.
  if (message.checkpoint && !resume)
    throw new Error(`run ${message.runId} of ${message.connector} is not recorded: cannot continue it`);
  if (resume && (resume.status !== 'running' || !resume.checkpoint)) return resume;
  const { run, checkpoint } = await syncStoredConnection(deps, {
    tenantId: message.tenantId,
    connector: message.connector,
    full: message.mode === 'full',
    trigger: message.trigger,
    runId: message.runId,
    deadline: deps.clock.now() + budgetMs,
    ...(resume ? { resume } : {}),
  });
  if (checkpoint) {
    const next: PlatformSyncMessage = {
      ...message,
      checkpoint: { resource: checkpoint.resource, index: checkpoint.index },
    };
    await deps.lane.send(PLATFORM_LANE, [
      {
        body: JSON.stringify(next),
        groupId: platformGroupId(message.tenantId, message.connector),
        deduplicationId: `${message.tenantId}:${message.connector}:sync:${message.runId}:${checkpoint.resource}:${checkpoint.index}`,
      },
    ]);
  }
  return run;
}
