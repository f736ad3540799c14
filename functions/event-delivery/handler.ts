import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EVENT_DELIVERY_ATTEMPTS, EVENT_DELIVERY_QUEUE, handleEventMessage } from '../../shared/app/event-delivery';
import { lambda } from '../commons/lambda';
import { logger, recordEventDelivery } from '../commons/powertools';

/**
 * The tenant events' delivery queue (app/event-delivery.ts): a failed delivery is hidden for its
 * backoff and reported, so the queue delivers it again, and after the last attempt parks it in the
 * dead-letter queue (`tajo lanes replay events`). The batch's messages run side by side.
 */
export const handler = lambda(async (event: SQSEvent, d): Promise<SQSBatchResponse> => {
  const deps = { eventEndpoints: d.store, secrets: d.secrets, lane: d.lane, clock: d.clock };
  const failures = await Promise.all(
    event.Records.map(async (r) => {
      const attempt = Number(r.attributes.ApproximateReceiveCount) || 1;
      const out = await handleEventMessage(deps, r.body, attempt).catch((err: Error) => ({
        kind: 'failed' as const,
        reason: err.message,
        retryInSeconds: 30 * attempt,
      }));
      if (out.kind === 'delivered' || out.kind === 'failed') recordEventDelivery(out.kind === 'delivered');
      if (out.kind === 'dropped') logger.info('event delivery dropped', { reason: out.reason, messageId: r.messageId });
      if (out.kind !== 'failed') return [];
      const last = attempt >= EVENT_DELIVERY_ATTEMPTS;
      logger.error(
        last ? 'event delivery failed for the last time: parked in the DLQ' : 'event delivery failed; retried',
        {
          reason: out.reason,
          attempt,
          messageId: r.messageId,
        },
      );
      // The last attempt comes back at once, to be moved to the dead-letter queue by the redrive.
      await d.lane.park(EVENT_DELIVERY_QUEUE, r.receiptHandle, last ? 0 : out.retryInSeconds * 1000);
      return [{ itemIdentifier: r.messageId }];
    }),
  );
  return { batchItemFailures: failures.flat() };
});
