/**
 * The abandoned-cart skill: a platform's cart (a webhook or resource of `kind: cart` in its
 * definition) not completed within the skill's minutes becomes the Brevo event `cart_abandoned`
 * (email → identifiers.email_id, the cart's fields → event_properties) and the Slack notification
 * (the tenant's `cart_abandoned` route, or the skill's channel). Each waits in the timer queue
 * (core/lanes/timers.ts, condition `cartStillAbandoned`): when due it is dropped if the buyer
 * ordered since (the order ledger, fed by `kind: order` events), the cart was completed, or a
 * later update of the cart started its own wait.
 */
import { looseKey, type WebhookDefinition } from '../../connectors/custom/definition/schema';
import type { MappedRecord } from '../../connectors/custom/records';
import {
  notificationKey,
  notifyLaneMessage,
  slackLaneGroupId,
} from '../../connectors/slack/notifications/lane-messages';
import { parseNotificationsConfig, routeEvents } from '../../connectors/slack/notifications/routing';
import type { BrevoEvent } from '../../core/brevo/client';
import { contactThreadKey, type NotificationEvent } from '../../core/events/events';
import { sha256Hex } from '../../core/hash';
import { timerMessage } from '../../core/lanes/timers';
import { normalizeEmail } from '../../core/mapping';
import type {
  CartLedger,
  Clock,
  ConnectionRecord,
  ConnectionStore,
  LaneMessage,
  LaneQueue,
  OrderLedger,
  SkillStore,
} from '../../core/ports';
import { type AbandonedCartSettings, abandonedCartSettings } from '../skills';

/** A cart whose wait ended longer ago than this is history (a first full sync's), not an abandonment to act on. */
export const STALE_CART_MS = 24 * 3_600_000;

/** The Brevo event (and the Slack route) an abandoned cart becomes. */
export const CART_ABANDONED_EVENT = 'cart_abandoned';

/** A platform event the skills read: what its definition entry says it is, and its mapped fields. */
export interface CommerceEvent {
  /** The connector (`shopify`): cart ids are the platform's, so the ledger keys them by it. */
  connector: string;
  kind: 'cart' | 'order';
  /** The entry's mapped fields, in the definition's words (checkout_token, email, amount...). */
  fields: Record<string, unknown>;
  /** When the platform says it happened; else when it arrived. */
  occurredAt: string;
}

/**
 * The skills' view of a webhook delivery: its entry's kind, the connector and its mapped fields
 * (webhookPayload's record); undefined for an entry of no kind.
 */
export function commerceEventOf(
  connector: string,
  webhook: WebhookDefinition,
  record: Pick<MappedRecord, 'fields'>,
  occurredAt: string,
): CommerceEvent | undefined {
  const kind = 'kind' in webhook ? webhook.kind : undefined;
  return kind ? { connector, kind, fields: record.fields, occurredAt } : undefined;
}

export interface Cart {
  id: string;
  /** `<connector>:<id>` in the cart ledger. */
  ledgerKey: string;
  email?: string;
  amount?: number;
  currency?: string;
  recoveryUrl?: string;
  completedAt?: string;
  /** Its latest update: abandoned since then. */
  updatedAt: string;
}

/** A cart event's cart, or why it is none (no id: nothing to follow). */
export function cartOf(event: CommerceEvent): Cart | { skip: string } {
  const id = scalar(field(event.fields, 'cart_id') ?? field(event.fields, 'checkout_token'));
  if (id === undefined) return { skip: `a cart from ${event.connector} without cart_id or checkout_token` };
  const email = normalizeEmail(scalar(field(event.fields, 'email')) ?? '');
  const rawAmount = scalar(field(event.fields, 'amount'));
  const amount = rawAmount === undefined ? Number.NaN : Number(rawAmount);
  const completedAt = isoOf(field(event.fields, 'completed_at'));
  return {
    id,
    ledgerKey: `${event.connector}:${id}`,
    ...(email ? { email } : {}),
    ...(Number.isFinite(amount) ? { amount } : {}),
    ...optional('currency', scalar(field(event.fields, 'currency'))?.toUpperCase()),
    ...optional('recoveryUrl', scalar(field(event.fields, 'recovery_url'))),
    ...optional('completedAt', completedAt),
    // Shopify's definition maps the checkout's update time as created_at (its events' date).
    updatedAt: isoOf(field(event.fields, 'updated_at')) ?? isoOf(field(event.fields, 'created_at')) ?? event.occurredAt,
  };
}

/**
 * The timer messages of one open cart: its Brevo event, and its Slack notification on each route
 * (the skill's channel instead of the route's when set), each due `settings.minutes` after the cart's
 * latest update and each dropped then if the cart is no longer abandoned.
 */
export function abandonedCartTimers(args: {
  tenantId: string;
  connector: string;
  cart: Cart & { email: string };
  settings: AbandonedCartSettings;
  slack?: ConnectionRecord<'slack'>;
  now: number;
}): LaneMessage[] {
  const { tenantId, connector, cart, settings, now } = args;
  const dueAt = new Date(Date.parse(cart.updatedAt) + settings.minutes * 60_000).toISOString();
  const condition = {
    kind: 'cartStillAbandoned' as const,
    cartId: cart.id,
    abandonedAt: cart.updatedAt,
    email: cart.email,
    ledgerKey: cart.ledgerKey,
    skill: 'abandoned-cart',
  };
  // One cart update, one event: redeliveries of the update (the platform's retries) share the key.
  const onceKey = sha256Hex(`${tenantId}:${CART_ABANDONED_EVENT}:${cart.ledgerKey}:${cart.updatedAt}`);
  const timers = [
    timerMessage(
      {
        tenantId,
        dueAt,
        condition,
        deliver: {
          brevoEvent: brevoCartEvent(connector, cart),
          connector,
          groupId: tenantId,
          deduplicationId: onceKey,
        },
      },
      now,
    ),
  ];
  const event = notificationOf(connector, cart);
  for (const route of slackRoutes(args.slack, event, settings.channel)) {
    timers.push(
      timerMessage(
        {
          tenantId,
          dueAt,
          condition,
          deliver: {
            queue: 'slackLane',
            body: JSON.stringify(notifyLaneMessage(tenantId, route, event)),
            groupId: slackLaneGroupId(tenantId, route.channelId),
            deduplicationId: notificationKey(tenantId, route.channelId, event.id),
          },
        },
        now,
      ),
    );
  }
  return timers;
}

export interface CommerceOutcome {
  /** What the event did: an order or a cart recorded, and the timers started. */
  recorded: 'order' | 'cart' | 'nothing';
  timers: number;
  /** Why no timer was started for a cart (the skill is off, the cart is completed, no email...). */
  skipped?: string;
}

/**
 * What the platform webhook worker calls for each event of `kind: cart | order` (handPlatformEvents):
 * an order goes to the order ledger (it cancels its buyer's pending carts), a cart to the cart ledger
 * and, with the skill on and the cart open, to the timer queue.
 */
export async function handCommerceEvent(
  deps: {
    skills: SkillStore;
    orders: OrderLedger;
    carts: CartLedger;
    connections: ConnectionStore;
    lane: LaneQueue;
    clock: Clock;
  },
  tenantId: string,
  event: CommerceEvent,
): Promise<CommerceOutcome> {
  if (event.kind === 'order') {
    const email = normalizeEmail(scalar(field(event.fields, 'email')) ?? '');
    if (!email) return { recorded: 'nothing', timers: 0, skipped: `an order from ${event.connector} without an email` };
    await deps.orders.recordOrder(tenantId, email, event.occurredAt);
    return { recorded: 'order', timers: 0 };
  }
  const cart = cartOf(event);
  if ('skip' in cart) return { recorded: 'nothing', timers: 0, skipped: cart.skip };
  // Recorded first: a timer is checked against the latest update, whatever happens to this one.
  await deps.carts.recordCart(tenantId, cart.ledgerKey, cart.updatedAt, cart.completedAt);
  if (cart.completedAt) return { recorded: 'cart', timers: 0, skipped: `cart ${cart.id} is completed` };
  const settings = await abandonedCartSettings(deps.skills, tenantId);
  if (!settings) return { recorded: 'cart', timers: 0, skipped: 'the abandoned-cart skill is off' };
  if (!cart.email)
    return { recorded: 'cart', timers: 0, skipped: `cart ${cart.id} has no email (Brevo events need one)` };
  const overdue = deps.clock.now() - (Date.parse(cart.updatedAt) + settings.minutes * 60_000);
  if (overdue > STALE_CART_MS)
    // A first full read of a platform's checkouts brings back months of old carts: not news to anyone.
    return { recorded: 'cart', timers: 0, skipped: `cart ${cart.id} was abandoned over a day ago (${cart.updatedAt})` };
  const slack = await deps.connections.getConnection(tenantId, 'slack');
  const timers = abandonedCartTimers({
    tenantId,
    connector: event.connector,
    cart: { ...cart, email: cart.email },
    settings,
    slack: slack?.settings.enabled ? slack : undefined,
    now: deps.clock.now(),
  });
  await deps.lane.send('timerQueue', timers);
  return { recorded: 'cart', timers: timers.length };
}

function brevoCartEvent(connector: string, cart: Cart & { email: string }): BrevoEvent {
  return {
    event_name: CART_ABANDONED_EVENT,
    identifiers: { email_id: cart.email },
    event_properties: {
      cart_id: cart.id,
      platform: connector,
      abandoned_at: cart.updatedAt,
      ...(cart.amount !== undefined ? { amount: cart.amount } : {}),
      ...(cart.currency ? { currency: cart.currency } : {}),
      ...(cart.recoveryUrl ? { recovery_url: cart.recoveryUrl } : {}),
    },
  };
}

function notificationOf(connector: string, cart: Cart & { email: string }): NotificationEvent {
  return {
    id: `platform:${CART_ABANDONED_EVENT}:${cart.ledgerKey}:${cart.updatedAt}`,
    type: 'cart_abandoned',
    occurredAt: cart.updatedAt,
    source: 'platform',
    contact: { email: cart.email },
    cart: {
      id: cart.id,
      abandonedAt: cart.updatedAt,
      ...(cart.amount !== undefined ? { total: cart.amount } : {}),
      ...(cart.currency ? { currency: cart.currency } : {}),
      ...(cart.recoveryUrl ? { url: cart.recoveryUrl } : {}),
    },
    threadKey: contactThreadKey(cart.email),
    raw: { connector, cart: cart.id },
  };
}

/**
 * Where the notification goes: the tenant's `cart_abandoned` route (its template, thread), with the
 * skill's channel in place of the route's when the skill names one. None without an enabled Slack
 * connection or a route; the Brevo event goes on regardless.
 */
function slackRoutes(slack: ConnectionRecord<'slack'> | undefined, event: NotificationEvent, channel?: string) {
  if (!slack) return [];
  const parsed = parseNotificationsConfig(slack.settings);
  if (!parsed.ok) return [];
  const config = parsed.config;
  const rule = config.notifications.cart_abandoned;
  const notifications = channel
    ? { ...config.notifications, cart_abandoned: { ...rule, channel } }
    : config.notifications;
  return routeEvents(event, { channels: config.channels, notifications }).targets;
}

/** A mapped field by its loose name (`checkoutToken` ≡ `checkout_token`). */
function field(fields: Record<string, unknown>, name: string): unknown {
  const wanted = looseKey(name);
  for (const [k, v] of Object.entries(fields)) if (looseKey(k) === wanted) return v;
  return undefined;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An ISO instant from a date string or unix seconds; undefined when absent or not a date. */
function isoOf(v: unknown): string | undefined {
  const s = scalar(v);
  if (s === undefined) return undefined;
  const ms = /^\d{9,10}$/.test(s) ? Number(s) * 1000 : Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
