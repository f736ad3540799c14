/**
 * Retries out of the way (issue 12 §4): a lane message whose processing failed is NOT left in its
 * FIFO group (a hidden message holds back every later message of the group: one failing step of a
 * tenant would stall all of that tenant's webhook work for minutes). Instead, as SQS consumers that
 * care about head-of-line blocking do, the failure is acknowledged and the message is sent again
 * later through the timer queue (FIFO queues cannot delay one message), in an envelope counting
 * its attempts and keeping the last reason. After `maxAttempts`, the envelope is put in the lane's
 * dead-letter queue with its reason; `tajo lanes replay <lane>` sends the original body back.
 *
 * A provider's rate limit (ParkLane, Slack's or Brevo's 429) is different on purpose: the whole
 * lane must wait (every message of the group would hit the same limit), so that stays a
 * visibility change of the group's message (see the workers).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readEnv } from '../env';
import type { Clock, LaneQueue } from '../ports';
import { timerMessage } from './timers';

/** Lanes whose failures retry through the timer queue (the timer queue itself retries in place). */
export type RetryLane = 'notionLane' | 'slackLane' | 'brevoLane' | 'platformLane';

const envelopeSchema = z.object({
  /** Copied from the body: the timer queue delivers a tenant's message only into that tenant's lane. */
  tenantId: z.string().optional(),
  tajoRetry: z.object({
    /** Attempts already made (failed). */
    attempts: z.number().int().min(1),
    /** The last failure, one line. */
    reason: z.string(),
    firstFailedAt: z.string(),
    lastFailedAt: z.string(),
    /** Set when the envelope was put in the dead-letter queue (after the last attempt). */
    deadLettered: z.boolean().optional(),
  }),
  body: z.string(),
});
export type LaneEnvelope = z.infer<typeof envelopeSchema>;

/** A received lane body: the original message, and how many attempts failed before this one. */
export interface OpenedLaneMessage {
  body: string;
  /** Failed attempts before this delivery (0: first try). */
  failedAttempts: number;
  envelope?: LaneEnvelope;
}

export function openLaneMessage(raw: string): OpenedLaneMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { body: raw, failedAttempts: 0 };
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) return { body: raw, failedAttempts: 0 };
  return { body: env.data.body, failedAttempts: env.data.tajoRetry.attempts, envelope: env.data };
}

/** Attempts in all before a message is dead-lettered (the lanes' maxReceiveCount, kept as the same number). */
export const MAX_ATTEMPTS = 5;

/**
 * Backoff before attempt n+1: 2 s, 8 s, 32 s, 2 min... at most 15 min, with ±20 % jitter. The
 * first step can be changed with TAJO_LANE_RETRY_BASE_MS (tests and the local stack's demos).
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const first = readEnv().laneRetryBaseMs ?? 2_000;
  const base = Math.min(15 * 60_000, first * 4 ** Math.max(0, failedAttempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * How long a failed message waits in place (its receipt hidden) when it cannot be taken out of its
 * group's way: 30 s, 1 min, 2 min... at most 15 min, by the queue's receive count.
 */
export function retryBackoffMs(receiveCount: number): number {
  return Math.min(15 * 60_000, 30_000 * 2 ** Math.max(0, receiveCount - 1));
}

export interface LaneRetryDeps {
  lane: LaneQueue;
  clock: Clock;
  /** Puts an envelope in the lane's dead-letter queue (undefined: none wired; the failure is thrown to the queue's redrive). */
  deadLetter?: (queue: RetryLane, body: string, groupId: string | undefined) => Promise<void>;
}

/**
 * Takes a failed message out of its group's way: sends it again after a backoff (via the timer
 * queue), or after the last attempt puts it in the dead-letter queue with its reason. Returns what
 * it did; the caller then acknowledges the original (it is not failed back to the queue). Without
 * a dead-letter sender, the last failure is thrown so the queue's own redrive dead-letters it.
 */
export async function retryLater(
  deps: LaneRetryDeps,
  args: {
    queue: RetryLane;
    opened: OpenedLaneMessage;
    groupId: string | undefined;
    reason: string;
    maxAttempts?: number;
    delayMs?: (failedAttempts: number) => number;
  },
): Promise<{ outcome: 'retry'; delayMs: number; attempts: number } | { outcome: 'dead-lettered'; attempts: number }> {
  const now = new Date(deps.clock.now()).toISOString();
  const attempts = args.opened.failedAttempts + 1;
  const tenantId = tenantOf(args.opened.body);
  // The timer queue hands a message only to its own tenant's lane: a body without one cannot ride it.
  if (!tenantId) throw new Error(`not retried (no tenant in the message): ${args.reason}`);
  const envelope: LaneEnvelope = {
    tenantId,
    tajoRetry: {
      attempts,
      reason: args.reason.slice(0, 500),
      firstFailedAt: args.opened.envelope?.tajoRetry.firstFailedAt ?? now,
      lastFailedAt: now,
    },
    body: args.opened.body,
  };
  if (attempts >= (args.maxAttempts ?? MAX_ATTEMPTS)) {
    if (!deps.deadLetter) throw new Error(`failed ${attempts} times: ${args.reason}`);
    envelope.tajoRetry.deadLettered = true;
    await deps.deadLetter(args.queue, JSON.stringify(envelope), args.groupId);
    return { outcome: 'dead-lettered', attempts };
  }
  const delayMs = (args.delayMs ?? retryDelayMs)(attempts);
  const groupId = args.groupId ?? 'ungrouped';
  const digest = createHash('sha256').update(args.opened.body).digest('hex').slice(0, 40);
  await deps.lane.send('timerQueue', [
    timerMessage(
      {
        tenantId,
        dueAt: new Date(deps.clock.now() + delayMs).toISOString(),
        deliver: {
          queue: args.queue,
          body: JSON.stringify(envelope),
          groupId,
          // One retry per attempt of one body: a redelivered failure does not retry twice.
          deduplicationId: `retry-${attempts}-${digest}`,
        },
      },
      deps.clock.now(),
    ),
  ]);
  return { outcome: 'retry', delayMs, attempts };
}

function tenantOf(body: string): string | undefined {
  try {
    const t = (JSON.parse(body) as { tenantId?: unknown } | null)?.tenantId;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** What a dead-lettered body says: its reason and attempts (an envelope), or nothing known (the queue's redrive). */
export function deadLetterReason(raw: string): { reason: string; attempts?: number; body: string } {
  const opened = openLaneMessage(raw);
  if (!opened.envelope) return { reason: 'unknown (dead-lettered by the queue after its receives)', body: raw };
  return { reason: opened.envelope.tajoRetry.reason, attempts: opened.envelope.tajoRetry.attempts, body: opened.body };
}

/** The dead-letter sender of an SQS lane, when the deployment names that lane's DLQ. */
export function deadLetterOf(
  lane: {
    hasDeadLetter(queue: RetryLane): boolean;
    deadLetter(queue: RetryLane, body: string, groupId: string | undefined): Promise<void>;
  },
  queue: RetryLane,
): LaneRetryDeps['deadLetter'] {
  return lane.hasDeadLetter(queue) ? (q, body, groupId) => lane.deadLetter(q, body, groupId) : undefined;
}
