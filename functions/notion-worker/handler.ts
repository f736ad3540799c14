import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { topology } from '../../shared/app/topology';
import { failedRunOf, handleNotionLaneMessage, ParkLane, wasFinishedBefore } from '../../shared/connectors/notion/lane';
import { failureReason, isInternalError } from '../../shared/core/errors';
import { deadLetterOf, MAX_ATTEMPTS, openLaneMessage, retryLater } from '../../shared/core/lanes/lane-retry';
import { retryBackoffMs } from '../../shared/core/lanes/receive-backoff';
import { invocationDeadline } from '../commons/deadline';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordRun } from '../commons/powertools';

const processor = new SqsFifoPartialProcessorAsync();

/**
 * One lane message = one sync step. A provider's rate limit (ParkLane) hides the message for its
 * Retry-After and so holds back the whole group on purpose: every other step of that integration
 * would hit the same limit. Any other failure is taken out of the group's way: retried after a
 * backoff through the timer queue (the group goes on with its other work meanwhile), then, after
 * the last attempt, put in the lane's dead-letter queue with its reason.
 */
async function step(record: SQSRecord, context: Context): Promise<void> {
  const d = deps();
  const opened = openLaneMessage(record.body);
  const lastAttempt =
    opened.failedAttempts + 1 >= MAX_ATTEMPTS ||
    Number(record.attributes.ApproximateReceiveCount) >= topology.queues.notionLane.maxReceiveCount;
  try {
    await handleNotionLaneMessage(
      {
        ...d,
        connections: d.store,
        cursors: d.store,
        runs: d.store,
        webhooks: d.store,
        markers: d.store,
        pageWrites: d.store,
        imported: d.store,
        publications: d.store,
        budgets: d.store,
        log: (level, msg, data) => logger[level](msg, { ...data }),
      },
      opened.body,
      {
        deadline: invocationDeadline(context, d.clock.now()),
        lastAttempt,
        groupId: record.attributes.MessageGroupId,
      },
    ).then((run) => (wasFinishedBefore(run) ? run : recordRun(run)));
  } catch (err) {
    // A run failed on its last attempt is thrown (to be dead-lettered) with its record: counted once here.
    recordRun(failedRunOf(err));
    if (err instanceof ParkLane) {
      await d.lane.park('notionLane', record.receiptHandle, err.delayMs);
      logger.warn('lane parked', { delayMs: err.delayMs, messageId: record.messageId });
      throw err;
    }
    const reason = failureReason(err);
    try {
      const r = await retryLater(
        { lane: d.lane, clock: d.clock, deadLetter: deadLetterOf(d.lane, 'notionLane') },
        { queue: 'notionLane', opened, groupId: record.attributes.MessageGroupId, reason },
      );
      logger.error(
        r.outcome === 'retry'
          ? 'lane step failed; retried later, out of its group’s way'
          : 'lane step failed for the last time; put in the dead-letter queue with its reason',
        // A provider's refusal is one line; only an internal error keeps its stack for debugging.
        { error: isInternalError(err) ? (err as Error) : reason, messageId: record.messageId, ...r },
      );
      return; // acknowledged: its retry (or dead letter) is on its way
    } catch (sendErr) {
      // Cannot take it out of the way (SQS refused): the queue retries it in place, then dead-letters it.
      const delayMs = retryBackoffMs(Number(record.attributes.ApproximateReceiveCount));
      if (!lastAttempt) await d.lane.park('notionLane', record.receiptHandle, delayMs).catch(() => undefined);
      logger.error('lane step failed and could not be re-sent; the queue retries it', {
        error: err as Error,
        sendError: (sendErr as Error).message,
        messageId: record.messageId,
      });
    }
    throw err;
  }
}

export const handler = middy(async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, (record: SQSRecord) => step(record, context), processor, {
    context,
    skipGroupOnError: true,
  }),
).use(lambdaLogging());
