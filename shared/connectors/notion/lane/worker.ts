/**
 * The Notion lane's worker: one lane message in, its job run (jobs/). A step that has more to do
 * sends its continuation into the same message group, so the integration's steps stay one at a
 * time and resume where the checkpoint says.
 */

import { createHash } from 'node:crypto';
import { TajoError } from '../../../core/errors';
import type { ConnectionRecord, RunRecord } from '../../../core/ports';
import { runNotionJob } from '../jobs';
import type { NotionLaneDeps } from './deps';
import { type NotionLaneMessage, notionLaneMessageSchema } from './messages';

/**
 * Runs one lane message. Returns normally when the message is done with (including runs that
 * failed for good: a bad token does not get better by retrying); throws ParkLane to be retried
 * after a delay, or any other error to let the queue retry it and, in the end, dead-letter it.
 */
export async function handleNotionLaneMessage(
  deps: NotionLaneDeps,
  rawBody: string,
  opts: {
    deadline: number;
    lastAttempt: boolean;
    /** The message group it was delivered in (SQS MessageGroupId); checked against the connection's. */
    groupId?: string;
  },
): Promise<RunRecord | undefined> {
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(rawBody);
  } catch {
    throw new TajoError('lane message is not JSON', 'bad_message');
  }
  const message = notionLaneMessageSchema.parse(parsedJson);
  const conn = await deps.connections.getConnection(message.tenantId, 'notion');
  if (!conn) {
    // Disconnected: the work queued for it is dropped, not retried (it never would succeed).
    deps.log?.('warn', 'lane message for a tenant without a Notion connection: dropped', {
      tenantId: message.tenantId,
      type: message.type,
    });
    return undefined;
  }
  if (opts.groupId !== undefined && opts.groupId !== conn.integrationKey) {
    await moveToOwnGroup(deps, conn, rawBody, { type: message.type, from: opts.groupId });
    return undefined;
  }
  return runNotionJob(deps, conn, message, opts);
}

/**
 * Steps run only in their integration's group (one at a time per integration). A message found in
 * another group (queued for the token the connection had before it was connected again, a replayed
 * dead letter of the old token, or a bug) is not run there, with anyone's credentials: it is handed
 * to its connection's own group, so nothing is lost and no two steps of one run overlap. Run with
 * the current token, a step for data the new token cannot see fails with the reason in its run record.
 */
async function moveToOwnGroup(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  rawBody: string,
  found: { type: NotionLaneMessage['type']; from: string },
): Promise<void> {
  await deps.lane.send('notionLane', [
    {
      body: rawBody,
      groupId: conn.integrationKey,
      deduplicationId: `regroup-${createHash('sha256').update(rawBody).digest('hex')}`,
    },
  ]);
  deps.log?.('warn', "lane message outside its connection's group: moved there", {
    tenantId: conn.tenantId,
    type: found.type,
    from: found.from,
    to: conn.integrationKey,
  });
}
