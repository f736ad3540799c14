import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { outageRetryDelayMs, providerDown } from '../../shared/app/health';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import { RateLimitedError } from '../../shared/core/errors';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { deadLetterOf, openLaneMessage, retryLater } from '../../shared/core/lanes/lane-retry';
import { invocationDeadline } from '../commons/deadline';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordNotifications } from '../commons/powertools';

/**
 * A batch of the Slack lane. A FIFO batch may hold several message groups (channels, tenants): each
 * group is posted on its own. A Slack 429 hides that group's messages for its Retry-After, and
 * Slack unreachable for a wait that grows with each receive: the whole channel waits on purpose
 * (its next post would meet the same limit or outage). A post Slack refuses is taken out of the
 * channel's way instead (lane-retry.ts): retried after a backoff, then dead-lettered with a reason.
 */
export const handler = middy(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // No Slack (or Brevo) retry of the batch's posts waits past the invocation (retry-policy.ts).
    runWithDeadline(invocationDeadline(context, deps().clock.now()), () => postBatch(event)),
).use(lambdaLogging());

async function postBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const d = deps();
  const groups = new Map<string, SQSRecord[]>();
  for (const r of event.Records) {
    const g = r.attributes.MessageGroupId ?? r.messageId;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const failures: string[] = [];
  const opened = new Map(event.Records.map((r) => [r.messageId, openLaneMessage(r.body)]));
  for (const records of groups.values()) {
    try {
      const res = await postSlackBatch(
        {
          connections: d.store,
          threads: d.store,
          deliveries: d.store,
          pending: d.store,
          secrets: d.secrets,
          oauthTokens: d.oauthTokens,
          clock: d.clock,
          slackApiUrl: process.env.SLACK_API_URL,
          log: (msg, data) => logger.warn(msg, data),
        },
        records.map((r) => ({
          id: r.messageId,
          body: opened.get(r.messageId)?.body ?? r.body,
          groupId: r.attributes.MessageGroupId,
          // Delivered before: its post may have been made (answer lost, or the invocation died before
          // marking it), so the worker looks for it by its key before posting again.
          redelivered:
            Number(r.attributes.ApproximateReceiveCount) > 1 || (opened.get(r.messageId)?.failedAttempts ?? 0) > 0,
        })),
      );
      recordNotifications(res);
      // Refused or unreadable messages are taken out of the channel's way (retried after a
      // backoff, then dead-lettered with the reason): the channel's next notifications go on.
      for (const id of res.failed) {
        const r = records.find((x) => x.messageId === id) as SQSRecord;
        try {
          const out = await retryLater(
            { lane: d.lane, clock: d.clock, deadLetter: deadLetterOf(d.lane, 'slackLane') },
            {
              queue: 'slackLane',
              opened: opened.get(id) ?? openLaneMessage(r.body),
              groupId: r.attributes.MessageGroupId,
              reason: 'Slack refused the post or the message is unreadable (status slack shows the reason)',
            },
          );
          logger.error('Slack post failed; retried out of the channel’s way', { messageId: id, ...out });
        } catch (sendErr) {
          logger.error('Slack post failed and could not be re-sent; the queue retries it', {
            messageId: id,
            sendError: (sendErr as Error).message,
          });
          failures.push(id);
        }
      }
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
}
