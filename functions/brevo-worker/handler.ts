import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { performBrevoAction } from '../../shared/connectors/slack/interactions';
import { failureReason, isInternalError, RateLimitedError } from '../../shared/core/errors';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { deadLetterOf, openLaneMessage, retryLater } from '../../shared/core/lanes/lane-retry';
import { retryBackoffMs } from '../../shared/core/lanes/receive-backoff';
import { invocationDeadline } from '../commons/deadline';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordBrevoActionFailed } from '../commons/powertools';

const processor = new SqsFifoPartialProcessorAsync();

/**
 * Brevo work from Slack. Brevo's 429 hides the message for its Retry-After and holds back the rest
 * of its group (the tenant's Brevo account) on purpose: the next action would hit the same limit.
 * Any other failure is taken out of the group's way (retried after a backoff through the timer
 * queue, then dead-lettered with its reason), so one bad action never stalls the tenant's others.
 */
async function action(r: SQSRecord): Promise<void> {
  const d = deps();
  const opened = openLaneMessage(r.body);
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
      opened.body,
      r.attributes.MessageGroupId,
    );
  } catch (err) {
    if (err instanceof RateLimitedError) {
      await d.lane.park('brevoLane', r.receiptHandle, err.retryAfterMs);
      logger.warn('Brevo rate limit: the lane waits', { delayMs: err.retryAfterMs });
      throw err;
    }
    recordBrevoActionFailed();
    try {
      const res = await retryLater(
        { lane: d.lane, clock: d.clock, deadLetter: deadLetterOf(d.lane, 'brevoLane') },
        { queue: 'brevoLane', opened, groupId: r.attributes.MessageGroupId, reason: failureReason(err) },
      );
      logger.error('Brevo action failed; retried out of its group’s way, then dead-lettered', {
        error: isInternalError(err) ? (err as Error) : failureReason(err),
        ...res,
      });
      return;
    } catch (sendErr) {
      const delay = retryBackoffMs(Number(r.attributes.ApproximateReceiveCount));
      await d.lane.park('brevoLane', r.receiptHandle, delay).catch(() => undefined);
      logger.error('Brevo action failed and could not be re-sent; the queue retries it', {
        error: err as Error,
        sendError: (sendErr as Error).message,
      });
      throw err;
    }
  }
}

// No Brevo or Slack retry of the batch's actions waits past the invocation (retry-policy.ts).
export const handler = middy(async (event: SQSEvent, context: Context) =>
  runWithDeadline(invocationDeadline(context, deps().clock.now()), () =>
    processPartialResponse(event, action, processor, { context, skipGroupOnError: true }),
  ),
).use(lambdaLogging());
