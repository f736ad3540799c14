/**
 * One normalized shape for everything that can become a Slack notification: Brevo's marketing and
 * contact webhooks (snake_case `event` values, one object or a batched array) and platform events
 * (orders, abandoned carts, tickets). Pure: no I/O, and no clock unless one is injected.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fromZodIssues, type NotificationIssue } from '../config/issues';

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

// ---------------------------------------------------------------------------------------------
// Brevo webhooks
// ---------------------------------------------------------------------------------------------

export interface BrevoParseOptions {
  /** Names of the API keys this service writes with: a contact change carrying one is our own echo. */
  ownApiKeyNames?: readonly string[];
  /** Only used when an item carries no timestamp at all; without it such an item is ignored. */
  now?: () => Date;
}

export interface IgnoredItem {
  /** Position in the posted array (0 for a single object). */
  index: number;
  reason: string;
  /** An event type Brevo sent that has no notification (new types included): its name, for the counts. */
  unsupported?: string;
}

export interface BrevoParseResult {
  events: NotificationEvent[];
  ignored: IgnoredItem[];
}

type Payload = Record<string, unknown>;

function isRecord(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t ? t : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An id Brevo sends as a number or a digit string; beyond 2^53 it is not an id we can keep exactly. */
function int(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number.parseInt(v, 10) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function emailOf(p: Payload): string | undefined {
  const e = str(p.email);
  return e?.includes('@') ? e.toLowerCase() : undefined;
}

/** Seconds or milliseconds since the epoch (Brevo sends seconds; be tolerant of ms). */
function fromEpoch(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const d = new Date(n > 1e12 ? n : n * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Brevo `date*` strings: ISO with a zone is exact; `YYYY-MM-DD HH:mm:ss` has no zone (local or
 * CET/CEST per Brevo) and is read as UTC, so it can be off by the zone offset. `ts*` come first.
 */
function fromDateString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let d: Date | undefined;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i.test(s)) d = new Date(s);
  else {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?$/.exec(s);
    if (m) d = new Date(`${m[1]}T${m[2]}${m[3] ?? ''}Z`);
  }
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

const TS_KEYS = ['ts_event', 'ts', 'ts_sent'] as const;
const CAMPAIGN_TS_KEYS = ['ts_sent', 'ts_event', 'ts'] as const;
const DATE_KEYS = ['date_event', 'date', 'date_sent'] as const;

function occurredAt(p: Payload, tsKeys: readonly string[], now?: () => Date): string | undefined {
  for (const k of tsKeys) {
    const v = fromEpoch(p[k]);
    if (v) return v;
  }
  for (const k of DATE_KEYS) {
    const v = fromDateString(p[k]);
    if (v) return v;
  }
  return now?.().toISOString();
}

/**
 * A stable id from Brevo's own fields (webhook id, event time, email, event, plus what tells two
 * changes at the same second apart), hashed: a retry of the same delivery yields the same id.
 */
function brevoEventId(event: string, p: Payload): string {
  const time = p.ts_event ?? p.ts ?? p.date_event ?? p.date ?? null;
  const parts = [
    event,
    p.id ?? null,
    time,
    emailOf(p) ?? null,
    p.camp_id ?? null,
    p.list_id ?? null,
    p.content ?? null,
    p['message-id'] ?? null,
  ];
  // Nothing identifying beyond the event name: fall back to the whole item (still stable on retry).
  const material = time === null && (p.id ?? null) === null ? [event, canonical(p)] : parts;
  const hash = createHash('sha256').update(canonical(material)).digest('hex').slice(0, 32);
  return `brevo:${event}:${hash}`;
}

/** JSON with sorted keys, so key order never changes a hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function listIdsOf(v: unknown): number[] | undefined {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const ids = arr.map(int).filter((n): n is number => n !== undefined);
  return ids.length ? [...new Set(ids)] : undefined;
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

function campaignOf(p: Payload): { id: number; name: string } | undefined {
  const id = int(p.camp_id);
  if (id === undefined) return undefined;
  return { id, name: str(p['campaign name']) ?? str(p.campaign_name) ?? `Campaign ${id}` };
}

function isTransactional(p: Payload): boolean {
  return p.camp_id === undefined && (p['message-id'] !== undefined || p.message_id !== undefined);
}

/** Brevo `event` values that become contact notifications (the rest are ignored with a reason). */
const CONTACT_EVENT_TYPES: Record<string, NotificationEventType | undefined> = {
  list_addition: 'new_subscriber',
  unsubscribe: 'unsubscribed',
  unsubscribed: 'unsubscribed',
  hard_bounce: 'hard_bounce',
  spam: 'spam',
  contact_updated: 'contact_updated',
};

const CAMPAIGN_SEND_EVENTS = new Set(['delivered', 'sent', 'request']);

type ItemResult = { event: NotificationEvent } | { reason: string; unsupported?: string };

function parseBrevoItem(item: unknown, opts: BrevoParseOptions): ItemResult {
  if (!isRecord(item)) return { reason: 'not an object' };
  const name = str(item.event)?.toLowerCase();
  if (!name) return { reason: 'no "event" field' };
  if (isTransactional(item)) return { reason: `transactional "${name}" event: not notified` };

  if (CAMPAIGN_SEND_EVENTS.has(name)) {
    const campaign = campaignOf(item);
    if (!campaign) return { reason: `"${name}" without camp_id (transactional): not notified` };
    const at = occurredAt(item, CAMPAIGN_TS_KEYS, opts.now);
    if (!at) return { reason: 'no timestamp (ts_sent, ts_event, ts, date_event or date)' };
    return {
      event: {
        id: campaignSentId(campaign.id),
        type: 'campaign_sent',
        occurredAt: at,
        source: 'brevo',
        campaign,
        threadKey: campaignThreadKey(campaign.id),
        raw: item,
      },
    };
  }

  const type = CONTACT_EVENT_TYPES[name];
  if (!type) return { reason: `no notification for Brevo event "${name}"`, unsupported: name.slice(0, 64) };
  const email = emailOf(item);
  if (!email) return { reason: `"${name}" without a valid email` };
  const at = occurredAt(item, TS_KEYS, opts.now);
  if (!at) return { reason: 'no timestamp (ts_event, ts, date_event or date)' };

  const contact: NotificationContact = { email };
  const contactId = item.contact_id;
  if (typeof contactId === 'number' || (typeof contactId === 'string' && contactId.trim())) contact.id = contactId;
  const event: NotificationEvent = {
    id: brevoEventId(name, item),
    type,
    occurredAt: at,
    source: 'brevo',
    contact,
    threadKey: contactThreadKey(email),
    raw: item,
  };
  const campaign = campaignOf(item);
  if (campaign && (type === 'unsubscribed' || type === 'hard_bounce' || type === 'spam')) event.campaign = campaign;
  if (type === 'new_subscriber') {
    const listIds = listIdsOf(item.list_id);
    if (listIds) event.listIds = listIds;
  }
  if (type === 'contact_updated') {
    const { fields, values } = changesOf(item.content);
    if (fields.length) event.changedFields = fields;
    const first = str(values.FIRSTNAME);
    const last = str(values.LASTNAME);
    if (first) contact.firstName = first;
    if (last) contact.lastName = last;
  }
  if (type === 'contact_updated' || type === 'new_subscriber') {
    const keyName = str(item.api_key_name);
    event.ownWrite = keyName !== undefined && (opts.ownApiKeyNames ?? []).some((n) => n.trim() === keyName);
  }
  return { event };
}

/**
 * A Brevo webhook body (one event object or a batched array) → notification events. Every input
 * index ends up either in an event or in `ignored` with a reason; the delivered/sent items of one
 * campaign collapse into ONE campaign_sent (id `campaign_sent:<camp_id>`, so later batches dedupe
 * on it too).
 */
export function parseBrevoWebhook(body: unknown, options: BrevoParseOptions = {}): BrevoParseResult {
  let input = body;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      return { events: [], ignored: [{ index: 0, reason: 'body is not JSON' }] };
    }
  }
  if (input === undefined || input === null) return { events: [], ignored: [{ index: 0, reason: 'empty body' }] };
  const items = Array.isArray(input) ? input : [input];
  const events: NotificationEvent[] = [];
  const ignored: IgnoredItem[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const r = parseBrevoItem(item, options);
    if ('reason' in r) {
      ignored.push({ index, reason: r.reason, ...(r.unsupported ? { unsupported: r.unsupported } : {}) });
      return;
    }
    if (seen.has(r.event.id)) {
      ignored.push({ index, reason: `duplicate of ${r.event.id} in this delivery` });
      return;
    }
    seen.add(r.event.id);
    events.push(r.event);
  });
  return { events, ignored };
}

// ---------------------------------------------------------------------------------------------
// Platform events
// ---------------------------------------------------------------------------------------------

export const PLATFORM_EVENT_NAMES = ['order_placed', 'cart_abandoned', 'ticket_created', 'custom'] as const;

const idLike = z
  .union([z.string().trim().min(1, 'expected a non-empty id'), z.number().int()], {
    error: 'expected an id (string or integer)',
  })
  .transform((v) => String(v));
const amount = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'expected an amount like 129.90')], {
    error: 'expected a non-negative amount',
  })
  .transform((v) => Number(v));
const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code like EUR')
  .transform((c) => c.toUpperCase());
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(3000);
const timestamp = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 date-time with a zone, e.g. 2026-11-01T10:00:00Z',
});

const platformContactSchema = z.object({
  email: z.email('expected an email address').optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
});

const platformBase = {
  id: idLike,
  occurred_at: timestamp,
  contact: platformContactSchema.optional(),
};

export const platformEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('order_placed'),
    ...platformBase,
    order: z.object({
      id: idLike,
      total: amount,
      currency,
      items: z
        .array(
          z.object({
            name: z.string().min(1),
            quantity: z.number().positive().optional(),
            price: amount.optional(),
            sku: z.string().optional(),
          }),
        )
        .optional(),
    }),
  }),
  z.object({
    event: z.literal('cart_abandoned'),
    ...platformBase,
    cart: z.object({
      id: idLike,
      total: amount.optional(),
      currency: currency.optional(),
      /** Defaults to occurred_at. */
      abandoned_at: timestamp.optional(),
      url: httpUrl.optional(),
    }),
  }),
  z.object({
    event: z.literal('ticket_created'),
    ...platformBase,
    ticket: z.object({
      id: idLike,
      subject: z.string().trim().min(1, 'expected a subject'),
      priority: z.string().optional(),
      url: httpUrl.optional(),
    }),
  }),
  z.object({
    event: z.literal('custom'),
    ...platformBase,
    name: z.string().trim().min(1),
    title: z.string().optional(),
    message: z.string().optional(),
    url: httpUrl.optional(),
  }),
]);
export type PlatformEvent = z.input<typeof platformEventSchema>;

export type PlatformParseResult = { ok: true; event: NotificationEvent } | { ok: false; issues: NotificationIssue[] };

/** A platform's event (order, abandoned cart, ticket, custom) → a notification event, or issues with paths. */
export function parsePlatformEvent(body: unknown): PlatformParseResult {
  let input = body;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      return { ok: false, issues: [{ path: '', message: 'body is not JSON' }] };
    }
  }
  if (!isRecord(input)) return { ok: false, issues: [{ path: '', message: 'expected an event object' }] };
  if (!(PLATFORM_EVENT_NAMES as readonly unknown[]).includes(input.event)) {
    return {
      ok: false,
      issues: [
        {
          path: 'event',
          message: `expected one of ${PLATFORM_EVENT_NAMES.join(', ')}${input.event === undefined ? '' : `, got ${JSON.stringify(input.event)}`}`,
        },
      ],
    };
  }
  const parsed = platformEventSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) };
  const p = parsed.data;
  const occurred = new Date(p.occurred_at).toISOString();

  const event: NotificationEvent = {
    id: `platform:${p.event}:${p.id}`,
    type: p.event,
    occurredAt: occurred,
    source: 'platform',
    raw: input,
  };
  if (p.contact) {
    const c: NotificationContact = {};
    if (p.contact.email) c.email = p.contact.email.toLowerCase();
    if (p.contact.first_name) c.firstName = p.contact.first_name;
    if (p.contact.last_name) c.lastName = p.contact.last_name;
    if (p.contact.id !== undefined) c.id = p.contact.id;
    event.contact = c;
  }
  let fallbackThread: string | undefined;
  switch (p.event) {
    case 'order_placed':
      event.order = { id: p.order.id, total: p.order.total, currency: p.order.currency };
      if (p.order.items) {
        event.order.items = p.order.items.map((i) => ({
          name: i.name,
          ...(i.quantity !== undefined ? { quantity: i.quantity } : {}),
          ...(i.price !== undefined ? { price: i.price } : {}),
          ...(i.sku !== undefined ? { sku: i.sku } : {}),
        }));
      }
      fallbackThread = `order:${p.order.id}`;
      break;
    case 'cart_abandoned':
      event.cart = {
        id: p.cart.id,
        abandonedAt: new Date(p.cart.abandoned_at ?? p.occurred_at).toISOString(),
        ...(p.cart.total !== undefined ? { total: p.cart.total } : {}),
        ...(p.cart.currency !== undefined ? { currency: p.cart.currency } : {}),
        ...(p.cart.url !== undefined ? { url: p.cart.url } : {}),
      };
      fallbackThread = `cart:${p.cart.id}`;
      break;
    case 'ticket_created':
      event.ticket = {
        id: p.ticket.id,
        subject: p.ticket.subject,
        ...(p.ticket.priority !== undefined ? { priority: p.ticket.priority } : {}),
        ...(p.ticket.url !== undefined ? { url: p.ticket.url } : {}),
      };
      fallbackThread = `ticket:${p.ticket.id}`;
      break;
    case 'custom':
      event.custom = {
        name: p.name,
        ...(p.title !== undefined ? { title: p.title } : {}),
        ...(p.message !== undefined ? { message: p.message } : {}),
        ...(p.url !== undefined ? { url: p.url } : {}),
      };
      break;
  }
  const threadKey = event.contact?.email ? contactThreadKey(event.contact.email) : fallbackThread;
  if (threadKey) event.threadKey = threadKey;
  return { ok: true, event };
}
