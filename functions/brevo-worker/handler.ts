import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RateLimitedError } from '../../shared/errors';
import { performBrevoAction } from '../../shared/services/slack-interactions';
import { deps } from '../commons/deps';
import { logger } from '../commons/powertools';

/** Brevo work from Slack, one tenant's lane at a time; a message after a failure waits behind it (FIFO). */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  for (const [i, r] of event.Records.entries()) {
    try {
      await performBrevoAction(
        {
          connections: d.store,
          secrets: d.secrets,
          clock: d.clock,
          brevoBaseUrl: d.endpoints.brevoBaseUrl,
          slackApiUrl: process.env.SLACK_API_URL,
          log: (msg, data) => logger.warn(msg, data),
        },
        r.body,
      );
    } catch (err) {
      const rest = event.Records.slice(i);
      const delay = err instanceof RateLimitedError ? err.retryAfterMs : 30_000;
      await Promise.all(rest.map((x) => d.lane.park('brevoLane', x.receiptHandle, delay)));
      logger.error('Brevo action failed; retried later', { error: err as Error });
      return { batchItemFailures: rest.map((x) => ({ itemIdentifier: x.messageId })) };
    }
  }
  return { batchItemFailures: [] };
}).use(injectLambdaContext(logger));
