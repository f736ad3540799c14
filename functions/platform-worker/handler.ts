import type { SQSEvent } from 'aws-lambda';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { invocationDeadline } from '../commons/deadline';
import { lambda } from '../commons/lambda';
import { processLaneBatch } from '../commons/lane-batch';
import { platformLaneStep } from '../commons/lane-workers';

/** Platform webhook deliveries (platformLaneStep), in order per tenant and connector. */
export const handler = lambda((event: SQSEvent, d, context) =>
  // No Brevo retry of the batch's writes waits past the invocation (retry-policy.ts).
  runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    processLaneBatch(event, context, (record) => platformLaneStep(d, record)),
  ),
);
