import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { tenantGroupedLanes } from '../../shared/app/topology';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { tenantBrevoEvents } from '../../shared/core/lanes/brevo-event-poster';
import { handleTimerBatch } from '../../shared/core/lanes/timers';
import { invocationDeadline } from '../commons/deadline';
import { storePorts } from '../commons/deps';
import { lambda } from '../commons/lambda';
import { logger } from '../commons/powertools';

/** The timer queue: re-queues what is not due yet, checks and hands on (or posts to Brevo) what is. */
export const handler = lambda(async (event: SQSEvent, d, context): Promise<SQSBatchResponse> => {
  const stores = storePorts(d, 'tenants', 'connections', 'markers');
  const brevoEvents = tenantBrevoEvents({
    ...stores,
    secrets: d.secrets,
    clock: d.clock,
    brevoBaseUrl: d.endpoints.brevoBaseUrl,
  });
  // Whatever provider call a due message leads to here never retries past the invocation.
  const res = await runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    handleTimerBatch(
      {
        lane: d.lane,
        orders: d.store,
        carts: d.store,
        skills: d.store,
        clock: d.clock,
        brevoEvents,
        tenantGroupedLanes,
        log: (msg, data) => logger.info(msg, data),
      },
      event.Records.map((r) => ({ id: r.messageId, body: r.body })),
    ),
  );
  if (res.unreadable.length > 0) logger.error('unreadable timer messages', { count: res.unreadable.length });
  return { batchItemFailures: res.failed.map((itemIdentifier) => ({ itemIdentifier })) };
});
