/**
 * Delayed work. SQS FIFO lanes cannot delay one message, and SQS delays any message 15 minutes at
 * most, so a message that must wait (an abandoned cart is notified only if it is still abandoned 30
 * minutes later) rides the standard timer queue in hops of ≤ 15 minutes. When it is due, its
 * condition is checked and, if it still holds, it is handed to its lane, or (the abandoned-cart
 * skill's Brevo event) posted to the tenant's Brevo account, paced with its other Brevo writes; a
 * Brevo rate limit sends it round another hop. Failures retry, then land in the timer queue's
 * dead-letter queue like any other lane's.
 */
import { z } from 'zod';
import type { BrevoEvent } from '../brevo/client';
import { RateLimitedError } from '../errors';
import type { CartLedger, Clock, LaneMessage, LaneQueue, OrderLedger, SkillStore } from '../ports';

/** SQS's longest per-message delay. */
export const MAX_HOP_SECONDS = 900;

const isoDateTime = z.iso.datetime({ offset: true });

/** What must still be true when the timer is due for the message to be delivered. */
const cartStillAbandoned = z.object({
  kind: z.literal('cartStillAbandoned'),
  cartId: z.string().min(1),
  abandonedAt: isoDateTime,
  /** Without the contact's email an order cannot be matched to the cart: the cart is notified. */
  email: z.string().optional(),
  /**
   * The cart in the cart ledger (`<connector>:<id>`, the abandoned-cart skill's carts): a completed
   * cart, or one updated after `abandonedAt` (that update has its own timer), is not notified.
   */
  ledgerKey: z.string().min(1).optional(),
  /** The skill that started the wait (abandoned-cart): turned off since, the cart is not notified. */
  skill: z.string().min(1).optional(),
});
/** The body of `POST /v3/events` a timer posts (core/brevo/client.ts BrevoEvent). */
const brevoEventSchema = z.object({
  event_name: z.string().min(1),
  identifiers: z
    .object({ email_id: z.string().min(1).optional(), ext_id: z.string().min(1).optional() })
    .refine((i) => i.email_id !== undefined || i.ext_id !== undefined, { error: 'needs email_id or ext_id' }),
  event_properties: z.record(z.string(), z.unknown()).optional(),
  event_date: isoDateTime.optional(),
}) satisfies z.ZodType<BrevoEvent>;

export const timerConditionSchema = z.discriminatedUnion('kind', [cartStillAbandoned]);
export type TimerCondition = z.infer<typeof timerConditionSchema>;

export const timerMessageSchema = z.object({
  type: z.literal('timer'),
  tenantId: z.string().min(1),
  dueAt: isoDateTime,
  condition: timerConditionSchema.optional(),
  deliver: z.union([
    z.object({
      /**
       * slackLane: abandoned carts; notionLane: publishing passes deferred by Brevo's hourly budget;
       * any lane: a failed message retried after its backoff (lane-retry.ts).
       */
      queue: z.enum(['slackLane', 'notionLane', 'brevoLane', 'platformLane']),
      body: z.string().min(1),
      groupId: z.string().min(1),
      deduplicationId: z.string().min(1),
    }),
    z.object({
      /** Posted to the tenant's Brevo account (`POST /v3/events`) once per deduplicationId. */
      brevoEvent: brevoEventSchema,
      /** Whose Brevo key posts it when the tenant has none of its own (the cart's platform connection). */
      connector: z.string().min(1).optional(),
      groupId: z.string().min(1),
      deduplicationId: z.string().min(1),
    }),
  ]),
});
export type TimerMessage = z.infer<typeof timerMessageSchema>;

/** The timer-queue message that delivers `deliver` to its lane at `dueAt` if `condition` holds then. */
export function timerMessage(args: Omit<TimerMessage, 'type'>, now: number): LaneMessage & { delaySeconds: number } {
  const message: TimerMessage = { type: 'timer', ...args };
  return {
    body: JSON.stringify(message),
    // Standard queues ignore these; kept so the message reads the same in logs and DLQ tools.
    groupId: args.deliver.groupId,
    deduplicationId: args.deliver.deduplicationId,
    delaySeconds: hopSeconds(Date.parse(args.dueAt) - now),
  };
}

function hopSeconds(remainingMs: number): number {
  return Math.min(MAX_HOP_SECONDS, Math.max(0, Math.ceil(remainingMs / 1000)));
}

/**
 * Posts a Brevo event for the tenant once per `onceKey` ('already sent' when a delivery before this
 * one did); throws when it could not (RateLimitedError: the timer waits another hop).
 */
export type BrevoEventPoster = (
  tenantId: string,
  event: BrevoEvent,
  opts: { onceKey: string; connector?: string },
) => Promise<'sent' | 'already sent'>;

export interface TimerDeps {
  lane: LaneQueue;
  orders: OrderLedger;
  clock: Clock;
  /** The abandoned-cart skill's carts (conditions with a ledgerKey); without it those timers fail. */
  carts?: CartLedger;
  /** The skills, for conditions naming the skill that started the wait; without it those timers fail. */
  skills?: SkillStore;
  /** The abandoned-cart skill's Brevo events; without it those timers fail (retried, then dead-lettered). */
  brevoEvents?: BrevoEventPoster;
  log?: (message: string, data: Record<string, unknown>) => void;
  /**
   * The lanes whose groups begin with the tenant (their descriptors' `tenantGroups`: the topology's
   * `tenantGroupedLanes`): a timer hands a message into one only in its own tenant's group.
   */
  tenantGroupedLanes: ReadonlySet<string>;
}

export interface TimerOutcome {
  /** Messages to retry (the queue's redrive sends them to the DLQ after its max receives). */
  failed: string[];
  delivered: number;
  /** Not due yet: sent back with the next hop's delay. */
  waiting: number;
  /** Due, but the condition no longer holds (the cart was bought), or not its tenant's to deliver. */
  dropped: number;
  /** Bodies that do not parse (also in `failed`: retried until the dead-letter queue takes them). */
  unreadable: string[];
}

/** Handles a batch of the timer queue. */
export async function handleTimerBatch(deps: TimerDeps, batch: { id: string; body: string }[]): Promise<TimerOutcome> {
  const out: TimerOutcome = { failed: [], delivered: 0, waiting: 0, dropped: 0, unreadable: [] };
  for (const m of batch) {
    let msg: TimerMessage;
    try {
      msg = timerMessageSchema.parse(JSON.parse(m.body));
    } catch {
      out.unreadable.push(m.id);
      out.failed.push(m.id);
      continue;
    }
    if (!handsOnItsOwnTenant(msg, deps.tenantGroupedLanes)) {
      // Its condition would be checked against one tenant's data and another's message delivered.
      deps.log?.("timer dropped: what it delivers is not its tenant's", { tenantId: msg.tenantId });
      out.dropped += 1;
      continue;
    }
    try {
      const now = deps.clock.now();
      // Within a second of due is due: another hop of 0-1 s would only add a receive.
      if (Date.parse(msg.dueAt) - now > 1_000) {
        await deps.lane.send('timerQueue', [timerMessage(msg, now)]);
        out.waiting += 1;
        continue;
      }
      const reason = await conditionFailure(deps, msg);
      if (reason) {
        deps.log?.('timer dropped: its condition no longer holds', { tenantId: msg.tenantId, reason });
        out.dropped += 1;
        continue;
      }
      if ('queue' in msg.deliver) {
        const { queue, ...lane } = msg.deliver;
        await deps.lane.send(queue, [lane]);
      } else if (await postBrevoEvent(deps, msg, msg.deliver, now)) {
        out.waiting += 1;
        continue;
      }
      out.delivered += 1;
    } catch (err) {
      deps.log?.('timer failed; retried', { tenantId: msg.tenantId, error: (err as Error).message });
      out.failed.push(m.id);
    }
  }
  return out;
}

/**
 * A timer delivers only its own tenant's message, into its own tenant's group: a lane whose groups
 * begin with the tenant (`tenantGroupedLanes`: Slack's, `<tenant>:<channel>`) is checked here; the
 * others check their groups themselves (Notion's are its connections' integration keys: a message
 * outside its connection's group is moved there, never run).
 */
function handsOnItsOwnTenant(msg: TimerMessage, tenantGroupedLanes: ReadonlySet<string>): boolean {
  // A Brevo event is posted with its own tenant's key: there is no other tenant's lane to reach.
  if (!('queue' in msg.deliver)) return true;
  let body: unknown;
  try {
    body = JSON.parse(msg.deliver.body);
  } catch {
    return false;
  }
  if ((body as { tenantId?: unknown } | null)?.tenantId !== msg.tenantId) return false;
  return !tenantGroupedLanes.has(msg.deliver.queue) || msg.deliver.groupId.startsWith(`${msg.tenantId}:`);
}

type BrevoEventDelivery = Exclude<TimerMessage['deliver'], { queue: unknown }>;

/**
 * Posts the timer's Brevo event; true when Brevo asked to wait (the timer was sent round another
 * hop for that long instead of failing: a rate limit is not the message's fault).
 */
async function postBrevoEvent(deps: TimerDeps, msg: TimerMessage, deliver: BrevoEventDelivery, now: number) {
  if (!deps.brevoEvents) throw new Error('this timer worker posts no Brevo events (TimerDeps.brevoEvents)');
  try {
    const res = await deps.brevoEvents(msg.tenantId, deliver.brevoEvent, {
      onceKey: deliver.deduplicationId,
      ...(deliver.connector ? { connector: deliver.connector } : {}),
    });
    if (res === 'already sent')
      deps.log?.('timer: its Brevo event was already sent', {
        tenantId: msg.tenantId,
        event: deliver.brevoEvent.event_name,
      });
    return false;
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    const dueAt = new Date(now + err.retryAfterMs).toISOString();
    await deps.lane.send('timerQueue', [timerMessage({ ...msg, dueAt }, now)]);
    return true;
  }
}

/** Why the message must not be delivered, or undefined when it must. */
async function conditionFailure(deps: TimerDeps, msg: TimerMessage): Promise<string | undefined> {
  const c = msg.condition;
  if (!c) return undefined;
  switch (c.kind) {
    case 'cartStillAbandoned': {
      if (c.skill) {
        if (!deps.skills) throw new Error('this timer worker cannot read skills (TimerDeps.skills)');
        if ((await deps.skills.getSkill(msg.tenantId, c.skill))?.enabled !== true)
          return `cart ${c.cartId}: the ${c.skill} skill was turned off`;
      }
      if (c.ledgerKey) {
        if (!deps.carts) throw new Error('this timer worker has no cart ledger (TimerDeps.carts)');
        const cart = await deps.carts.cartState(msg.tenantId, c.ledgerKey);
        if (cart.completedAt) return `cart ${c.cartId}: completed at ${cart.completedAt}`;
        if (cart.lastSeenAt && Date.parse(cart.lastSeenAt) > Date.parse(c.abandonedAt))
          return `cart ${c.cartId}: updated at ${cart.lastSeenAt}, after ${c.abandonedAt} (that update has its own timer)`;
      }
      if (!c.email) return undefined;
      const ordered = await deps.orders.lastOrderAt(msg.tenantId, c.email);
      if (ordered && Date.parse(ordered) >= Date.parse(c.abandonedAt)) {
        return `cart ${c.cartId}: the contact ordered at ${ordered}, after it was abandoned`;
      }
      return undefined;
    }
  }
}
