/**
 * Lanes on SQS FIFO queues (and the standard timer queue, whose messages carry their own delay). The queue URL of each lane comes from the environment (infra sets it;
 * the local runtime points it at fauxqs). Parking a lane hides the in-flight message for the
 * provider's Retry-After, which holds back its whole message group.
 */
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ENV, type QueueName, topology } from '../../app/topology';
import { deadLetterReason } from '../../core/lanes/lane-retry';
import type { LaneMessage, LaneQueue } from '../../core/ports';

/**
 * Lane bodies are JSON. Outside ASCII they are sent as \uXXXX escapes (the same JSON once parsed):
 * SQS restricts message characters, and emulators differ on characters beyond the BMP (emoji in a
 * template or a contact's name), so an ASCII body is accepted everywhere.
 */
export function asciiJson(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * SQS caps a received message's total hidden time at 12 h from its receive; leave room for the
 * longest a worker can have held it (the 15-minute Lambda maximum).
 */
export const MAX_PARK_SECONDS = 43_200 - 900;

export class SqsLaneQueue implements LaneQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  url(queue: QueueName): string {
    const url = this.env[ENV.queueUrl(queue)];
    if (!url) throw new Error(`${ENV.queueUrl(queue)} is not set`);
    return url;
  }

  async send(queue: QueueName, messages: LaneMessage[]): Promise<void> {
    const fifo = topology.queues[queue].fifo;
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const res = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.url(queue),
          Entries: chunk.map((m, j) =>
            fifo
              ? {
                  Id: String(j),
                  MessageBody: asciiJson(m.body),
                  MessageGroupId: m.groupId,
                  MessageDeduplicationId: m.deduplicationId.slice(0, 128),
                }
              : {
                  Id: String(j),
                  MessageBody: asciiJson(m.body),
                  // SQS delays a message at most 15 minutes; longer waits are hops (the timer queue).
                  ...(m.delaySeconds ? { DelaySeconds: Math.min(900, Math.max(0, Math.ceil(m.delaySeconds))) } : {}),
                },
          ),
        }),
      );
      if (res.Failed?.length) {
        throw new Error(
          `SQS refused ${res.Failed.length} lane message(s): ${res.Failed.map((f) => f.Message ?? f.Code).join('; ')}`,
        );
      }
    }
  }

  /**
   * Puts a message (a lane-retry envelope holding the reason) in the lane's dead-letter queue.
   * Workers call it only when the deployment names the DLQ (hasDeadLetter); otherwise the failure
   * goes back to the queue, whose redrive policy dead-letters it (without the reason).
   */
  async deadLetter(queue: QueueName, body: string, groupId: string | undefined): Promise<void> {
    const url = this.env[ENV.dlqUrl(queue)];
    if (!url) throw new Error(`${ENV.dlqUrl(queue)} is not set`);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: asciiJson(body),
        ...(topology.queues[queue].fifo
          ? {
              MessageGroupId: groupId ?? 'ungrouped',
              MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
            }
          : {}),
      }),
    );
  }

  /** Whether this deployment names the lane's dead-letter queue (workers park failures there themselves). */
  hasDeadLetter(queue: QueueName): boolean {
    return Boolean(this.env[ENV.dlqUrl(queue)]);
  }

  /** Makes an in-flight message (and so its group) wait `delayMs` before it is delivered again. */
  async park(queue: QueueName, receiptHandle: string, delayMs: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.url(queue),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(MAX_PARK_SECONDS, Math.max(1, Math.ceil(delayMs / 1000))),
      }),
    );
  }
}

/** One dead letter moved back: why it was dead-lettered (from its envelope) and after how many attempts. */
export interface ReplayedMessage {
  messageId: string;
  reason: string;
  attempts?: number;
}

/**
 * Moves messages from a lane's dead-letter queue back into the lane, keeping each message's group
 * (so the integration's order and pacing hold) with a fresh deduplication id. A worker's envelope
 * (lane-retry.ts) is opened: the original body goes back with a fresh attempt count, and its
 * reason is reported. Works on SQS and on fauxqs (which has no StartMessageMoveTask).
 */
export async function replayDeadLetters(
  sqs: SQSClient,
  args: { dlqUrl: string; queueUrl: string; max?: number },
): Promise<ReplayedMessage[]> {
  const max = args.max ?? Number.POSITIVE_INFINITY;
  const moved: ReplayedMessage[] = [];
  while (moved.length < max) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: args.dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved.length),
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      const group = m.Attributes?.MessageGroupId;
      const dead = deadLetterReason(m.Body ?? '');
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: args.queueUrl,
          MessageBody: asciiJson(dead.body),
          ...(group
            ? { MessageGroupId: group, MessageDeduplicationId: `replay-${m.MessageId}-${Date.now()}`.slice(0, 128) }
            : {}),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: args.dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      moved.push({
        messageId: m.MessageId ?? '',
        reason: dead.reason,
        ...(dead.attempts ? { attempts: dead.attempts } : {}),
      });
    }
  }
  return moved;
}

/** Messages waiting in a queue (visible + in flight + delayed), as SQS approximates them. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = res.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
