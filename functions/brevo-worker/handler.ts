import type { SQSEvent } from 'aws-lambda';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { invocationDeadline } from '../commons/deadline';
import { lambda } from '../commons/lambda';
import { processLaneBatch } from '../commons/lane-batch';
import { brevoActionStep } from '../commons/lane-workers';

/** Brevo work from Slack (brevoActionStep), in order per tenant's Brevo account. */
export const handler = lambda((event: SQSEvent, d, context) =>
  // No Brevo or Slack retry of the batch's actions waits past the invocation (retry-policy.ts).
  runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    processLaneBatch(event, context, (record) => brevoActionStep(d, record)),
  ),
);
