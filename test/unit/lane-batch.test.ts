/**
 * functions/commons/lane-batch.ts: the lane workers' one FIFO batch processor. A record that fails
 * fails the later records of its message group too (delivered again, in order); the other groups go
 * on; a worker that handles a group at once (the Slack lane) sees each group's records once.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { perGroupStep, processLaneBatch } from '../../functions/commons/lane-batch';

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function batch(...records: [id: string, group: string][]): SQSEvent {
  return {
    Records: records.map(
      ([messageId, group]) =>
        ({
          messageId,
          receiptHandle: `rh-${messageId}`,
          body: '{}',
          attributes: { ApproximateReceiveCount: '1', MessageGroupId: group },
          messageAttributes: {},
          eventSource: 'aws:sqs',
        }) as unknown as SQSRecord,
    ),
  };
}

const failedIds = (res: { batchItemFailures: { itemIdentifier: string }[] }) =>
  res.batchItemFailures.map((f) => f.itemIdentifier).sort();

test('a failed record fails the rest of its group; other groups go on, in order', async () => {
  const seen: string[] = [];
  const event = batch(['a1', 'A'], ['b1', 'B'], ['a2', 'A'], ['b2', 'B'], ['a3', 'A']);
  const res = await processLaneBatch(event, context, async (r) => {
    seen.push(r.messageId);
    if (r.messageId === 'a2') throw new Error('refused');
  });
  expect(failedIds(res)).toEqual(['a2', 'a3']);
  expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
});

test('per group: each group handled once with its records; the ids it returns fail with the rest of their group', async () => {
  const calls: string[][] = [];
  const event = batch(['a1', 'A'], ['b1', 'B'], ['a2', 'A'], ['a3', 'A'], ['c1', 'C']);
  const res = await processLaneBatch(
    event,
    context,
    perGroupStep(event, async (records) => {
      calls.push(records.map((r) => r.messageId));
      if (records[0]?.attributes.MessageGroupId === 'C') throw new Error('rate limited');
      return new Set(records.filter((r) => r.messageId === 'a2').map((r) => r.messageId));
    }),
    { throwOnFullBatchFailure: false },
  );
  expect(calls).toEqual([['a1', 'a2', 'a3'], ['b1'], ['c1']]);
  expect(failedIds(res)).toEqual(['a2', 'a3', 'c1']);
});

test('a batch whose every record failed is answered, not thrown, when the worker asks so', async () => {
  const event = batch(['a1', 'A'], ['a2', 'A']);
  const step = perGroupStep(event, async () => {
    throw new Error('Slack down');
  });
  const res = await processLaneBatch(event, context, step, { throwOnFullBatchFailure: false });
  expect(failedIds(res)).toEqual(['a1', 'a2']);
  await expect(processLaneBatch(event, context, async () => Promise.reject(new Error('x')))).rejects.toThrow();
});
