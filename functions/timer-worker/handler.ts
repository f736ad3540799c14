import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleTimerBatch } from '../../shared/services/timers';
import { deps } from '../commons/deps';
import { lambdaLogging, logger } from '../commons/powertools';

/** The timer queue: re-queues what is not due yet, checks and hands on what is. */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  const res = await handleTimerBatch(
    { lane: d.lane, orders: d.store, clock: d.clock, log: (msg, data) => logger.info(msg, data) },
    event.Records.map((r) => ({ id: r.messageId, body: r.body })),
  );
  if (res.unreadable.length > 0) logger.error('unreadable timer messages', { count: res.unreadable.length });
  return { batchItemFailures: res.failed.map((itemIdentifier) => ({ itemIdentifier })) };
}).use(lambdaLogging());
