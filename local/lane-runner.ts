/**
 * Plays the Lambda SQS event source locally: `concurrency` pollers receive batches from a lane
 * (fauxqs keeps FIFO message groups locked while in flight, like SQS), invoke the function with an
 * SQSEvent, delete what succeeded and leave the reported failures to the queue's redrive policy.
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LambdaHandler, lambdaContext } from './functions';

export interface LaneRunnerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: LambdaHandler;
  batchSize: number;
  concurrency: number;
  timeoutSeconds: number;
  onError?: (err: unknown) => void;
  /** Called with the body of each message the function finished (npm start prints what was done). */
  onDone?: (body: string) => void;
}

export class LaneRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  /** Messages handed to the function so far (tests and the benchmark read it). */
  invocations = 0;
  private inFlight = 0;

  constructor(private readonly o: LaneRunnerOptions) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.o.concurrency }, () => this.loop());
  }

  /**
   * Stops receiving and waits for the batches in flight, at most `graceMs`: a long sync step is not
   * waited for. Its message stays in the queue (kept in the state), and the next start delivers it
   * again, the step going on from the run's last checkpoint.
   */
  async stop(graceMs = 3000): Promise<void> {
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.loops),
      new Promise((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let messages: Message[] = [];
      try {
        const res = await this.o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.o.queueUrl,
            MaxNumberOfMessages: this.o.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = res.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        this.o.onError?.(err);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      this.inFlight += 1;
      try {
        await this.invoke(messages);
      } finally {
        this.inFlight -= 1;
      }
    }
  }

  private async invoke(messages: Message[]): Promise<void> {
    this.invocations += 1;
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          MessageGroupId: m.Attributes?.MessageGroupId,
          MessageDeduplicationId: m.Attributes?.MessageDeduplicationId,
          SequenceNumber: m.Attributes?.SequenceNumber,
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: this.o.queueArn,
        awsRegion: 'us-east-1',
      })),
    };
    let failed = new Set<string>();
    try {
      const res = (await this.o.handler(event, lambdaContext(this.o.functionName, this.o.timeoutSeconds))) as
        | SQSBatchResponse
        | undefined;
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      // A thrown handler fails the whole batch, as with Lambda.
      this.o.onError?.(err);
      failed = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    for (const m of done) this.o.onDone?.(m.Body ?? '');
    if (done.length > 0) {
      await this.o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.o.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }
}
