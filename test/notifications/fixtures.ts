/**
 * Brevo webhook payloads shaped as Brevo posts them (reference/brevo.md §8: snake_case `event`,
 * "campaign name" with a space, ts_* in UTC seconds, date_* in local time) and platform events.
 */
import type { NotificationEvent } from '../../shared/core/events/events';

/** 2026-11-03T09:15:02Z */
export const TS = 1793697302;
/** 2026-11-03T08:00:00Z, when campaign 42 went out. */
export const TS_SENT = 1793692800;

export function listAddition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1048576,
    email: 'Ann.Lee@Example.com',
    event: 'list_addition',
    key: 'b6fa2c3e1d',
    list_id: [3, 7],
    date: '2026-11-03 10:15:02',
    ts: TS,
    api_key_name: '',
    ...overrides,
  };
}

export function contactUpdated(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1048577,
    email: 'ann.lee@example.com',
    event: 'contact_updated',
    key: 'b6fa2c3e1d',
    content: [{ FIRSTNAME: 'Ann', LASTNAME: 'Lee', COMPANY: 'Acme' }],
    date: '2026-11-03T09:15:02.000Z',
    ts: TS,
    api_key_name: 'tajo-sync',
    ...overrides,
  };
}

/** A marketing email event of campaign 42 ("November Newsletter"). */
export function marketingEvent(event: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 2001,
    camp_id: 42,
    email: 'bob@example.org',
    'campaign name': 'November Newsletter',
    date_sent: '2026-11-03 09:00:00',
    date_event: '2026-11-03 10:15:02',
    ts_sent: TS_SENT,
    ts_event: TS,
    ts: TS,
    tag: 'newsletter',
    event,
    ...overrides,
  };
}

/** A transactional email event: message-id, no camp_id. */
export function transactionalEvent(event: string): Record<string, unknown> {
  return {
    event,
    email: 'carol@example.net',
    id: 3001,
    date: '2026-11-03 10:15:02',
    ts: TS,
    'message-id': '<202611030915.12345678901@smtp-relay.mailin.fr>',
    ts_event: TS,
    subject: 'Your receipt',
    tag: 'receipt',
    template_id: 12,
  };
}

/** What Brevo's batched webhook posts for one campaign send: `n` delivered events. */
export function deliveredBatch(n: number, campId = 42): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    marketingEvent('delivered', {
      camp_id: campId,
      email: `recipient${i}@example.com`,
      ts_event: TS_SENT + 5 + i,
      ts: TS_SENT + 5 + i,
      date_event: '2026-11-03 09:00:05',
    }),
  );
}

export function orderPlaced(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'order_placed',
    id: 'evt_ord_1001',
    occurred_at: '2026-11-03T09:20:00Z',
    contact: { email: 'Dana@Example.com', first_name: 'Dana', last_name: 'Moss' },
    order: {
      id: 'ORD-1001',
      total: '1299.00',
      currency: 'eur',
      items: [
        { name: 'Espresso machine', quantity: 1, price: 1199 },
        { name: 'Descaler', quantity: 2, price: 50 },
      ],
    },
    ...overrides,
  };
}

export function cartAbandoned(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'cart_abandoned',
    id: 9001,
    occurred_at: '2026-11-03T09:30:00+01:00',
    contact: { email: 'eve@example.com' },
    cart: { id: 'cart_77', total: 89.5, currency: 'EUR', url: 'https://shop.example.com/cart/77?r=1&s=2' },
    ...overrides,
  };
}

export function ticketCreated(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'ticket_created',
    id: 'tkt-evt-5',
    occurred_at: '2026-11-03T09:40:00Z',
    ticket: { id: 'T-5', subject: 'Refund for order ORD-1001', priority: 'high', url: 'https://help.example.com/t/5' },
    ...overrides,
  };
}

/** A normalized event with sensible defaults for rendering tests. */
export function event(partial: Partial<NotificationEvent> & Pick<NotificationEvent, 'type'>): NotificationEvent {
  return {
    id: `test:${partial.type}`,
    occurredAt: '2026-11-03T09:15:02.000Z',
    source: 'brevo',
    raw: {},
    ...partial,
  };
}
