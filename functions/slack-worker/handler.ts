import type { SQSEvent } from 'aws-lambda';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { invocationDeadline } from '../commons/deadline';
import { lambda } from '../commons/lambda';
import { perGroupStep, processLaneBatch } from '../commons/lane-batch';
import { postSlackGroup } from '../commons/lane-workers';

/**
 * The Slack lane: each message group (one channel) is posted together (postSlackGroup). A batch
 * whose every record failed (a channel waiting out a rate limit) is answered, not thrown.
 */
export const handler = lambda((event: SQSEvent, d, context) =>
  // No Slack (or Brevo) retry of the batch's posts waits past the invocation (retry-policy.ts).
  runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    processLaneBatch(
      event,
      context,
      perGroupStep(event, (records) => postSlackGroup(d, records)),
      { throwOnFullBatchFailure: false },
    ),
  ),
);
