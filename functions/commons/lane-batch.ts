/**
 * The one FIFO batch processor of every lane worker (Powertools' SqsFifoPartialProcessorAsync):
 * a batch's records are handled in order; a record that throws fails itself and the later records
 * of its message group (returned as failures, delivered again in order), and the other groups go
 * on. What a worker does with a failure that should not hold its group back (retried later through
 * the timer queue, then dead-lettered) is takeOutOfTheWay.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { failureReason } from '../../shared/core/errors';
import {
  deadLetterOf,
  type OpenedLaneMessage,
  type RetryLane,
  retryBackoffMs,
  retryLater,
} from '../../shared/core/lanes/lane-retry';
import type { HandlerDeps } from './deps';

export function processLaneBatch(
  event: SQSEvent,
  context: Context,
  step: (record: SQSRecord) => Promise<void>,
  /** false: a batch whose every record failed is answered with its failures instead of thrown. */
  options: { throwOnFullBatchFailure?: boolean } = {},
): Promise<SQSBatchResponse> {
  return processPartialResponse(event, step, new SqsFifoPartialProcessorAsync(), {
    context,
    skipGroupOnError: true,
    ...options,
  });
}

/**
 * A step for a worker that handles a message group at once (the Slack lane posts a channel's batch
 * together): `handleGroup` runs at the group's first record with all its records; each record then
 * fails if its id is among those it returns.
 */
export function perGroupStep(
  event: SQSEvent,
  handleGroup: (records: SQSRecord[]) => Promise<ReadonlySet<string>>,
): (record: SQSRecord) => Promise<void> {
  const groupOf = (r: SQSRecord) => r.attributes.MessageGroupId ?? r.messageId;
  const results = new Map<string, Promise<ReadonlySet<string>>>();
  return async (record) => {
    const group = groupOf(record);
    let result = results.get(group);
    if (!result) {
      result = handleGroup(event.Records.filter((r) => groupOf(r) === group));
      results.set(group, result);
    }
    if ((await result).has(record.messageId)) throw new Error(`message ${record.messageId} is retried by the queue`);
  };
}

/** A failed message's log lines (each worker words its own). */
export interface OutOfTheWayLog {
  retried(result: Awaited<ReturnType<typeof retryLater>>): void;
  notSent(sendError: Error): void;
}

/**
 * A message that failed for a reason that should not stall its group is taken out of its way:
 * retried after a backoff through the timer queue (the group goes on meanwhile), then, after the
 * last attempt, put in the lane's dead-letter queue with its reason (lane-retry.ts). Returns true
 * then (acknowledge it). When that send fails (SQS refused), the message stays: hidden for a backoff
 * unless `park` is false, and false is returned (fail it back to the queue, which retries it in
 * place and dead-letters it after maxReceiveCount).
 */
export async function takeOutOfTheWay(
  d: Pick<HandlerDeps, 'lane' | 'clock'>,
  args: {
    queue: RetryLane;
    record: SQSRecord;
    opened: OpenedLaneMessage;
    /** The reason the retry and the dead letter carry (default: the error's). */
    reason?: string;
    error?: unknown;
    park?: boolean;
    log: OutOfTheWayLog;
  },
): Promise<boolean> {
  const { queue, record } = args;
  try {
    const result = await retryLater(
      { lane: d.lane, clock: d.clock, deadLetter: deadLetterOf(d.lane, queue) },
      {
        queue,
        opened: args.opened,
        groupId: record.attributes.MessageGroupId,
        reason: args.reason ?? failureReason(args.error),
      },
    );
    args.log.retried(result);
    return true;
  } catch (sendErr) {
    if (args.park !== false) {
      const delayMs = retryBackoffMs(Number(record.attributes.ApproximateReceiveCount));
      await d.lane.park(queue, record.receiptHandle, delayMs).catch(() => undefined);
    }
    args.log.notSent(sendErr as Error);
    return false;
  }
}
