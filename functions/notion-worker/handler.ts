import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { handleNotionLaneMessage, ParkLane, retryBackoffMs } from '../../shared/services/notion-lane';
import { topology } from '../../shared/topology';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordRun } from '../commons/powertools';

const processor = new SqsFifoPartialProcessorAsync();

/** One lane message = one sync step; a parked lane hides the message for the provider's Retry-After. */
async function step(record: SQSRecord, context: Context): Promise<void> {
  const d = deps();
  const lastAttempt = Number(record.attributes.ApproximateReceiveCount) >= topology.queues.notionLane.maxReceiveCount;
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
      record.body,
      {
        deadline: Date.now() + context.getRemainingTimeInMillis(),
        lastAttempt,
        groupId: record.attributes.MessageGroupId,
      },
    ).then(recordRun);
  } catch (err) {
    if (err instanceof ParkLane) {
      await d.lane.park('notionLane', record.receiptHandle, err.delayMs);
      logger.warn('lane parked', { delayMs: err.delayMs, messageId: record.messageId });
    } else {
      // Retry with backoff instead of waiting out the queue's long visibility timeout.
      const delayMs = retryBackoffMs(Number(record.attributes.ApproximateReceiveCount));
      if (!lastAttempt) await d.lane.park('notionLane', record.receiptHandle, delayMs);
      logger.error('lane step failed; the queue retries it, then dead-letters it', {
        error: err as Error,
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        retryInMs: lastAttempt ? undefined : delayMs,
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
