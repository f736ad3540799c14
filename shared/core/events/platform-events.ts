/**
 * Platform events (orders, abandoned carts, tickets, a platform's own): what a shop or help desk
 * posts to the tenant's webhook, checked and normalized into the core event model.
 */
import { z } from 'zod';
import { fromZodIssues, type NotificationIssue } from '../config/issues';
import { contactThreadKey, type NotificationContact, type NotificationEvent } from './events';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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
