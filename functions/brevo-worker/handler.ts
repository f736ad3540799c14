import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RateLimitedError } from '../../shared/errors';
import { retryBackoffMs } from '../../shared/services/notion-lane';
import { performBrevoAction } from '../../shared/services/slack-interactions';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordBrevoActionFailed } from '../commons/powertools';

/**
 * Brevo work from Slack. A batch may hold several tenants (message groups): a failure holds back
 * only the rest of its own group (FIFO), parked for the Retry-After or a backoff.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  const failedGroups = new Set<string>();
  const failures: string[] = [];
  for (const r of event.Records) {
    const group = r.attributes.MessageGroupId ?? r.messageId;
    if (failedGroups.has(group)) {
      failures.push(r.messageId);
      continue;
    }
    try {
      await performBrevoAction(
        {
          connections: d.store,
          secrets: d.secrets,
          oauthTokens: d.oauthTokens,
          clock: d.clock,
          brevoBaseUrl: d.endpoints.brevoBaseUrl,
          slackApiUrl: process.env.SLACK_API_URL,
          log: (msg, data) => logger.warn(msg, data),
        },
        r.body,
        r.attributes.MessageGroupId,
      );
    } catch (err) {
      recordBrevoActionFailed();
      failedGroups.add(group);
      failures.push(r.messageId);
      await park(d, r, err);
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}).use(lambdaLogging());

async function park(d: ReturnType<typeof deps>, r: SQSRecord, err: unknown): Promise<void> {
  const delay =
    err instanceof RateLimitedError ? err.retryAfterMs : retryBackoffMs(Number(r.attributes.ApproximateReceiveCount));
  await d.lane.park('brevoLane', r.receiptHandle, delay);
  logger.error('Brevo action failed; retried later', { error: err as Error, delayMs: delay });
}
