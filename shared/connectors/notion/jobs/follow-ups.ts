/** The messages a job sends after itself, into its connection's group (or the timer queue). */
import { timerMessage } from '../../../core/lanes/timers';
import type { ConnectionRecord, RunRecord } from '../../../core/ports';
import { newRunId } from '../../../core/runs/summary';
import type { NotionLaneDeps } from '../lane/deps';
import type { NotionLaneMessage } from '../lane/messages';
import type { RunScope } from '../sync/scope';

export async function sendPublish(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  runId: string,
  trigger: RunRecord['trigger'],
  deduplicationId: string,
) {
  const message: NotionLaneMessage = { type: 'notion.publish', tenantId: conn.tenantId, runId, trigger };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId },
  ]);
}

/**
 * Deferred publishing comes back when it is due (Brevo's hourly budget reopens, a failure's backoff
 * ends): a FIFO lane cannot delay one message, so it rides the timer queue until then. Should the
 * timer be lost, the next run's pass picks the work up: nothing waits on the timer alone.
 */
export async function sendPublishTimer(deps: NotionLaneDeps, conn: ConnectionRecord, wakeAt: number) {
  // Stamped with the due time: run ids sort by start, and this pass starts then.
  const runId = newRunId({ now: () => wakeAt, sleep: async () => undefined });
  const message: NotionLaneMessage = { type: 'notion.publish', tenantId: conn.tenantId, runId, trigger: 'schedule' };
  // One timer per tenant and due minute: passes deferred to the same time share it.
  const due = Math.ceil(wakeAt / 60_000) * 60_000;
  await deps.lane.send('timerQueue', [
    timerMessage(
      {
        tenantId: conn.tenantId,
        dueAt: new Date(due).toISOString(),
        deliver: {
          queue: 'notionLane',
          body: JSON.stringify(message),
          groupId: conn.integrationKey,
          deduplicationId: `${conn.tenantId}:publish:${due}`,
        },
      },
      deps.clock.now(),
    ),
  ]);
}

export async function sendContinuation(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  runId: string,
  step: number,
  scope?: RunScope,
) {
  const message: NotionLaneMessage = {
    type: 'notion.sync.continue',
    tenantId: conn.tenantId,
    runId,
    step,
    ...(scope ? { scope } : {}),
  };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId: `${runId}:${step}` },
  ]);
}

/** The users sync after a database run, under an id of its own (deduplicated per database run). */
export async function sendUsersSync(deps: NotionLaneDeps, conn: ConnectionRecord, run: RunRecord) {
  const message: NotionLaneMessage = {
    type: 'notion.users.sync',
    tenantId: conn.tenantId,
    runId: newRunId(deps.clock),
    mode: run.mode,
    trigger: run.trigger,
  };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId: `${run.runId}:users` },
  ]);
}
