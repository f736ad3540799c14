import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RateLimitedError } from '../../shared/errors';
import { outageRetryDelayMs, providerDown } from '../../shared/services/health';
import { postSlackBatch } from '../../shared/services/slack-notifications';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordNotifications } from '../commons/powertools';

/**
 * A batch of the Slack lane. A FIFO batch may hold several message groups (channels, tenants): each
 * group is posted on its own, and a failure holds back only its own group. A Slack 429 hides that
 * group's messages for its Retry-After; Slack unreachable, for a wait that grows with each receive.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  const groups = new Map<string, SQSRecord[]>();
  for (const r of event.Records) {
    const g = r.attributes.MessageGroupId ?? r.messageId;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const failures: string[] = [];
  for (const records of groups.values()) {
    try {
      const res = await postSlackBatch(
        {
          connections: d.store,
          threads: d.store,
          deliveries: d.store,
          secrets: d.secrets,
          oauthTokens: d.oauthTokens,
          clock: d.clock,
          slackApiUrl: process.env.SLACK_API_URL,
          log: (msg, data) => logger.warn(msg, data),
        },
        records.map((r) => ({ id: r.messageId, body: r.body, groupId: r.attributes.MessageGroupId })),
      );
      recordNotifications(res);
      if (res.failed.length > 0)
        logger.error('Slack posts failed; retried, then dead-lettered', { failed: res.failed.length });
      failures.push(...res.failed);
    } catch (err) {
      // Slack's Retry-After; anything else (Slack down, mostly): a wait growing with each receive.
      const receives = Math.max(...records.map((r) => Number(r.attributes.ApproximateReceiveCount) || 1));
      const delay = err instanceof RateLimitedError ? err.retryAfterMs : outageRetryDelayMs(receives);
      await Promise.all(records.map((r) => d.lane.park('slackLane', r.receiptHandle, delay)));
      // A provider down or a rate limit is expected: one line; anything else keeps its stack for debugging.
      const expected = err instanceof RateLimitedError || providerDown(err) !== undefined;
      logger.warn('Slack group retried later', {
        error: expected ? (err as Error).message : (err as Error),
        delayMs: delay,
      });
      failures.push(...records.map((r) => r.messageId));
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}).use(lambdaLogging());
