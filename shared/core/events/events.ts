/**
 * One normalized shape for everything that can become a Slack notification or a Brevo → Notion rule
 * match: Brevo's marketing and contact webhooks (parsed in connectors/brevo/webhook-events.ts) and
 * platform events (orders, abandoned carts, tickets: platform-events.ts). Pure: no I/O.
 */
import { z } from 'zod';

export const NOTIFICATION_EVENT_TYPES = [
  'new_subscriber',
  'campaign_sent',
  'order_placed',
  'cart_abandoned',
  'ticket_created',
  'unsubscribed',
  'hard_bounce',
  'spam',
  'contact_updated',
  'custom',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];
export const notificationEventTypeSchema = z.enum(NOTIFICATION_EVENT_TYPES);

export function isNotificationEventType(v: unknown): v is NotificationEventType {
  return typeof v === 'string' && (NOTIFICATION_EVENT_TYPES as readonly string[]).includes(v);
}

/**
 * Routing keys of `connectors.slack.notifications` that are not event types of their own: the Slack
 * docs page's names for a part of one event type. `high_value_order` is an order_placed whose total
 * reaches the route's threshold; `support_ticket` is every ticket_created (the same event, the docs' name).
 */
export const ROUTE_ALIASES = {
  high_value_order: 'order_placed',
  support_ticket: 'ticket_created',
} as const satisfies Record<string, NotificationEventType>;
export type RouteAlias = keyof typeof ROUTE_ALIASES;
/** What a key under connectors.slack.notifications may be: an event type or one of its aliases. */
export type RouteKey = NotificationEventType | RouteAlias;
export const ROUTE_KEYS: readonly RouteKey[] = [
  ...NOTIFICATION_EVENT_TYPES,
  ...(Object.keys(ROUTE_ALIASES) as RouteAlias[]),
];

export function isRouteKey(v: unknown): v is RouteKey {
  return typeof v === 'string' && (ROUTE_KEYS as readonly string[]).includes(v);
}

/** The event type a routing key receives (an alias's underlying type; an event type itself). */
export function eventTypeOfRoute(key: RouteKey): NotificationEventType {
  return Object.hasOwn(ROUTE_ALIASES, key) ? ROUTE_ALIASES[key as RouteAlias] : (key as NotificationEventType);
}

/** The routing keys an event type can be posted under (its own first, then its aliases). */
export function routeKeysOf(type: NotificationEventType): RouteKey[] {
  return [
    type,
    ...(Object.entries(ROUTE_ALIASES) as [RouteAlias, NotificationEventType][])
      .filter(([, t]) => t === type)
      .map(([k]) => k),
  ];
}

const isoDateTime = z.iso.datetime({ offset: true });

export const contactSchema = z.object({
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  /** Brevo contact id when known (the "View in Brevo" link prefers it over the email). */
  id: z.union([z.string(), z.number()]).optional(),
});
export const campaignSchema = z.object({ id: z.number().int(), name: z.string() });
export const orderItemSchema = z.object({
  name: z.string(),
  quantity: z.number().optional(),
  price: z.number().optional(),
  sku: z.string().optional(),
});
export const orderSchema = z.object({
  id: z.string(),
  total: z.number(),
  currency: z.string(),
  items: z.array(orderItemSchema).optional(),
});
export const cartSchema = z.object({
  id: z.string(),
  total: z.number().optional(),
  currency: z.string().optional(),
  abandonedAt: isoDateTime,
  url: z.string().optional(),
});
export const ticketSchema = z.object({
  id: z.string(),
  subject: z.string(),
  priority: z.string().optional(),
  url: z.string().optional(),
});
/** A platform's own event: a name and what to say. */
export const customSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  message: z.string().optional(),
  url: z.string().optional(),
});

export const notificationEventSchema = z.object({
  /** Stable across retries of the same delivery: the dedupe key. */
  id: z.string().min(1),
  type: notificationEventTypeSchema,
  occurredAt: isoDateTime,
  source: z.enum(['brevo', 'platform']),
  contact: contactSchema.optional(),
  campaign: campaignSchema.optional(),
  order: orderSchema.optional(),
  cart: cartSchema.optional(),
  ticket: ticketSchema.optional(),
  custom: customSchema.optional(),
  listIds: z.array(z.number().int()).optional(),
  /** contact_updated: the attributes Brevo says changed (`content`). */
  changedFields: z.array(z.string()).optional(),
  /** contact_updated / list_addition: the change was made with one of our own API keys (an echo). */
  ownWrite: z.boolean().optional(),
  /** `contact:<email>` or `campaign:<id>`: related notifications share a Slack thread. */
  threadKey: z.string().optional(),
  /** The original payload item, untouched. */
  raw: z.unknown(),
});
export type NotificationEvent = z.infer<typeof notificationEventSchema>;
export type NotificationContact = z.infer<typeof contactSchema>;

/** Which optional parts each event type carries: templates may only reference these. */
export const EVENT_TYPE_PARTS: Record<NotificationEventType, readonly EventPart[]> = {
  new_subscriber: ['contact', 'listIds', 'ownWrite'],
  campaign_sent: ['campaign'],
  order_placed: ['contact', 'order'],
  cart_abandoned: ['contact', 'cart'],
  ticket_created: ['contact', 'ticket'],
  unsubscribed: ['contact', 'campaign'],
  hard_bounce: ['contact', 'campaign'],
  spam: ['contact', 'campaign'],
  contact_updated: ['contact', 'changedFields', 'ownWrite'],
  custom: ['contact', 'custom'],
};
export type EventPart =
  | 'contact'
  | 'campaign'
  | 'order'
  | 'cart'
  | 'ticket'
  | 'custom'
  | 'listIds'
  | 'changedFields'
  | 'ownWrite';

export function contactThreadKey(email: string): string {
  return `contact:${email.trim().toLowerCase()}`;
}
export function campaignThreadKey(id: number | string): string {
  return `campaign:${id}`;
}
/** The dedupe id every delivered/sent item of one campaign shares: one notification per campaign. */
export function campaignSentId(campId: number | string): string {
  return `campaign_sent:${campId}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `content` of contact_updated: `[{"FIRSTNAME": "Ann"}]`, `["FIRSTNAME"]` or an object. */
export function changesOf(v: unknown): { fields: string[]; values: Record<string, unknown> } {
  const fields: string[] = [];
  const values: Record<string, unknown> = {};
  const add = (key: string, value?: unknown) => {
    if (!fields.includes(key)) fields.push(key);
    if (value !== undefined) values[key.toUpperCase()] = value;
  };
  const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const item of items) {
    if (typeof item === 'string' && item.trim()) add(item.trim());
    else if (isRecord(item)) for (const [k, val] of Object.entries(item)) add(k, val);
  }
  return { fields: fields.slice(0, 100), values };
}
