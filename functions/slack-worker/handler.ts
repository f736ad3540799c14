import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RateLimitedError } from '../../shared/errors';
import { postSlackBatch } from '../../shared/services/slack-notifications';
import { deps } from '../commons/deps';
import { logger } from '../commons/powertools';

/**
 * One batch of a channel's lane (FIFO: a batch holds one message group). Failed messages are
 * reported back; a Slack 429 hides the batch for its Retry-After so the channel's lane waits.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  const batch = event.Records.map((r) => ({ id: r.messageId, body: r.body }));
  try {
    const res = await postSlackBatch(
      {
        connections: d.store,
        threads: d.store,
        secrets: d.secrets,
        clock: d.clock,
        slackApiUrl: process.env.SLACK_API_URL,
      },
      batch,
    );
    if (res.failed.length > 0)
      logger.error('Slack posts failed permanently; they go to the DLQ', { failed: res.failed.length });
    return { batchItemFailures: res.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  } catch (err) {
    const delay = err instanceof RateLimitedError ? err.retryAfterMs : 30_000;
    await Promise.all(event.Records.map((r) => d.lane.park('slackLane', r.receiptHandle, delay)));
    logger.warn('Slack batch retried later', { error: err as Error, delayMs: delay });
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
}).use(injectLambdaContext(logger));
