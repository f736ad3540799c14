/**
 * One process's turn at a durable local queue directory (test/e2e/local-queues-durable.test.ts):
 * `node --import tsx test/support/queue-process.ts DIR PHASE`. Prints one JSON line of what it saw;
 * phase 1 ends by SIGKILL with a message in flight, as a killed `npm start` does.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startDurableQueues } from '../../local/durable-queues';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';

async function main(dir: string, phase: string): Promise<void> {
  const q = await startDurableQueues(dir);
  const sqs = new SQSClient({ endpoint: q.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: 'lane.fifo', Attributes: { FifoQueue: 'true', VisibilityTimeout: '5400' } }),
  );
  // The URL names the port of the start that created the queue: this start's endpoint is used.
  const url = `${q.endpoint}${new URL(created.QueueUrl as string).pathname}`;
  const receive = async () =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages?.[0];
  const send = async (body: string) =>
    (
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: `d-${body}`,
        }),
      )
    ).MessageId;
  const out: Record<string, unknown> = { restored: [...q.restored].sort(), deadLetters: q.deadLetters };
  if (phase === 'dlq') {
    // A dead letter, in a queue named as local/stack.ts names a lane's DLQ.
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: 'lane-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${q.endpoint}${new URL(dlq.QueueUrl as string).pathname}`,
        MessageBody: 'dead',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd-dead',
      }),
    );
    sqs.destroy();
    await q.close();
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  if (phase === '1') {
    out.sent = [await send('a'), await send('b'), await send('c')];
    out.received = (await receive())?.Body;
    process.stdout.write(`${JSON.stringify(out)}\n`, () => process.kill(process.pid, 'SIGKILL'));
    return;
  }
  if (phase === '2') {
    const m = await receive();
    out.received = m?.Body;
    out.receiveCount = m?.Attributes?.ApproximateReceiveCount;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m?.ReceiptHandle }));
    out.resent = await send('a');
  } else {
    const bodies: string[] = [];
    for (let m = await receive(); m; m = await receive()) {
      bodies.push(m.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
    out.bodies = bodies;
  }
  sqs.destroy();
  await q.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main(process.argv[2] as string, process.argv[3] as string).catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
