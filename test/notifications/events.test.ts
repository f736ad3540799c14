/**
 * shared/connectors/brevo/webhook-events.ts and shared/core/events/platform-events.ts: Brevo webhook
 * payloads (single and batched) and platform events → normalized NotificationEvents with stable ids, thread keys and reasons for what is ignored.
 */

import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import { notificationEventSchema } from '../../shared/core/events/events';
import { parsePlatformEvent } from '../../shared/core/events/platform-events';
import {
  cartAbandoned,
  contactUpdated,
  deliveredBatch,
  listAddition,
  marketingEvent,
  orderPlaced,
  TS,
  ticketCreated,
  transactionalEvent,
} from './fixtures';

const TS_ISO = new Date(TS * 1000).toISOString();

describe('parseBrevoWebhook: contact events', () => {
  it('maps list_addition to new_subscriber with its list ids, the contact and a contact thread', () => {
    const payload = listAddition();
    const { events, ignored } = parseBrevoWebhook(payload);
    expect(ignored).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.type).toBe('new_subscriber');
    expect(e.listIds).toEqual([3, 7]);
    expect(e.contact).toEqual({ email: 'ann.lee@example.com' });
    expect(e.threadKey).toBe('contact:ann.lee@example.com');
    expect(e.occurredAt).toBe(TS_ISO);
    expect(e.source).toBe('brevo');
    expect(e.raw).toBe(payload);
    expect(e.ownWrite).toBe(false);
    expect(notificationEventSchema.safeParse(e).success).toBe(true);
  });

  it('gives the same id to a retried delivery and different ids to different events', () => {
    const first = parseBrevoWebhook(listAddition()).events[0]!;
    // Brevo retries post the same payload; key order must not matter.
    const shuffled = Object.fromEntries(Object.entries(listAddition()).reverse());
    const retry = parseBrevoWebhook(shuffled).events[0]!;
    const later = parseBrevoWebhook(listAddition({ ts: TS + 60 })).events[0]!;
    const other = parseBrevoWebhook(listAddition({ email: 'someone@example.com' })).events[0]!;
    expect(first.id).toMatch(/^brevo:list_addition:[0-9a-f]{32}$/);
    expect(retry.id).toBe(first.id);
    expect(later.id).not.toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });

  it('keys the id on Brevo’s identifying fields, not on incidental ones like the date format', () => {
    // Brevo's `date` has been seen both as ISO and as "YYYY-MM-DD HH:mm:ss" for the same kind of event.
    const naive = parseBrevoWebhook(listAddition({ date: '2026-11-03 10:15:02' })).events[0]!;
    const iso = parseBrevoWebhook(listAddition({ date: '2026-11-03T09:15:02.000Z', key: 'rotated' })).events[0]!;
    expect(iso.id).toBe(naive.id);
  });

  it('maps both unsubscribe and unsubscribed to unsubscribed, keeping the campaign', () => {
    for (const name of ['unsubscribe', 'unsubscribed']) {
      const { events, ignored } = parseBrevoWebhook(marketingEvent(name));
      expect(ignored).toEqual([]);
      expect(events[0]).toMatchObject({
        type: 'unsubscribed',
        contact: { email: 'bob@example.org' },
        campaign: { id: 42, name: 'November Newsletter' },
        threadKey: 'contact:bob@example.org',
        occurredAt: TS_ISO,
      });
    }
  });

  it('marks a contact_updated made with our own API key as ownWrite', () => {
    const own = parseBrevoWebhook(contactUpdated(), { ownApiKeyNames: ['tajo-sync'] }).events[0]!;
    expect(own.type).toBe('contact_updated');
    expect(own.ownWrite).toBe(true);
    expect(own.changedFields).toEqual(['FIRSTNAME', 'LASTNAME', 'COMPANY']);
    expect(own.contact).toEqual({ email: 'ann.lee@example.com', firstName: 'Ann', lastName: 'Lee' });
  });

  it('does not mark a change made in the Brevo UI, by another key, or when no own keys are configured', () => {
    const ui = parseBrevoWebhook(contactUpdated({ api_key_name: '' }), { ownApiKeyNames: ['tajo-sync'] }).events[0]!;
    const otherKey = parseBrevoWebhook(contactUpdated({ api_key_name: 'zapier' }), { ownApiKeyNames: ['tajo-sync'] })
      .events[0]!;
    const noOption = parseBrevoWebhook(contactUpdated()).events[0]!;
    const missingField = parseBrevoWebhook(contactUpdated({ api_key_name: undefined }), {
      ownApiKeyNames: ['tajo-sync'],
    }).events[0]!;
    expect([ui.ownWrite, otherKey.ownWrite, noOption.ownWrite, missingField.ownWrite]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('maps hard_bounce and spam of a campaign, each in the contact thread', () => {
    const { events } = parseBrevoWebhook([marketingEvent('hard_bounce'), marketingEvent('spam', { reason: 'abuse' })]);
    expect(events.map((e) => e.type)).toEqual(['hard_bounce', 'spam']);
    expect(events.map((e) => e.threadKey)).toEqual(['contact:bob@example.org', 'contact:bob@example.org']);
    expect(events[1]!.campaign).toEqual({ id: 42, name: 'November Newsletter' });
    expect(events[0]!.id).not.toBe(events[1]!.id);
  });
});

describe('parseBrevoWebhook: campaigns and batches', () => {
  it('turns a batch of 500 delivered events of one campaign into ONE campaign_sent', () => {
    const batch = deliveredBatch(500);
    const { events, ignored } = parseBrevoWebhook(batch);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({
      id: 'campaign_sent:42',
      type: 'campaign_sent',
      campaign: { id: 42, name: 'November Newsletter' },
      threadKey: 'campaign:42',
      occurredAt: '2026-11-03T08:00:00.000Z',
    });
    expect(e.contact).toBeUndefined();
    expect(ignored).toHaveLength(499);
    expect(ignored[0]).toEqual({ index: 1, reason: 'duplicate of campaign_sent:42 in this delivery' });
    expect(ignored.at(-1)!.index).toBe(499);
    // The next 5-minute batch of the same send carries the same dedupe id.
    expect(parseBrevoWebhook(deliveredBatch(3)).events[0]!.id).toBe('campaign_sent:42');
  });

  it('gives each campaign of a mixed batch its own campaign_sent', () => {
    const { events } = parseBrevoWebhook([...deliveredBatch(3, 42), ...deliveredBatch(2, 43)]);
    expect(events.map((e) => e.id)).toEqual(['campaign_sent:42', 'campaign_sent:43']);
  });

  it('ignores transactional and other events with a reason and the index', () => {
    const body = [
      transactionalEvent('delivered'),
      marketingEvent('opened'),
      marketingEvent('click', { link: 'https://example.com' }),
      marketingEvent('soft_bounce'),
      'not an event',
      { email: 'x@example.com' },
      listAddition({ email: 'no-at-sign' }),
      marketingEvent('delivered', { camp_id: undefined }),
      transactionalEvent('hard_bounce'),
      listAddition(),
    ];
    const { events, ignored } = parseBrevoWebhook(body);
    expect(events.map((e) => e.type)).toEqual(['new_subscriber']);
    expect(ignored.map((i) => i.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ignored[0]!.reason).toMatch(/transactional/);
    expect(ignored[1]!.reason).toBe('no notification for Brevo event "opened"');
    expect(ignored[3]!.reason).toMatch(/soft_bounce/);
    expect(ignored[4]!.reason).toBe('not an object');
    expect(ignored[5]!.reason).toMatch(/no "event"/);
    expect(ignored[6]!.reason).toMatch(/email/);
    expect(ignored[7]!.reason).toMatch(/without camp_id/);
    expect(ignored[8]!.reason).toMatch(/transactional "hard_bounce"/);
  });
});

describe('parseBrevoWebhook: timestamps and bodies', () => {
  it('reads a zone-less Brevo date as UTC when no ts is present', () => {
    const e = parseBrevoWebhook(listAddition({ ts: undefined, date: '2026-11-03 10:15:02' })).events[0]!;
    expect(e.occurredAt).toBe('2026-11-03T10:15:02.000Z');
    const iso = parseBrevoWebhook(contactUpdated({ ts: undefined, date: '2026-11-03T11:00:00+01:00' })).events[0]!;
    expect(iso.occurredAt).toBe('2026-11-03T10:00:00.000Z');
  });

  it('ignores an item with no time at all unless a clock is injected', () => {
    const bare = listAddition({ ts: undefined, date: undefined });
    expect(parseBrevoWebhook(bare).ignored[0]!.reason).toMatch(/no timestamp/);
    const withClock = parseBrevoWebhook(bare, { now: () => new Date('2026-11-03T12:00:00Z') });
    expect(withClock.events[0]!.occurredAt).toBe('2026-11-03T12:00:00.000Z');
  });

  it('accepts a JSON string body and reports an unusable one', () => {
    expect(parseBrevoWebhook(JSON.stringify([listAddition()])).events).toHaveLength(1);
    expect(parseBrevoWebhook('{not json').ignored).toEqual([{ index: 0, reason: 'body is not JSON' }]);
    expect(parseBrevoWebhook(null).ignored).toEqual([{ index: 0, reason: 'empty body' }]);
  });
});

describe('parsePlatformEvent', () => {
  it('normalizes an order (amount strings, currency case, contact names, thread by contact)', () => {
    const r = parsePlatformEvent(orderPlaced());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.event).toMatchObject({
      id: 'platform:order_placed:evt_ord_1001',
      type: 'order_placed',
      source: 'platform',
      occurredAt: '2026-11-03T09:20:00.000Z',
      contact: { email: 'dana@example.com', firstName: 'Dana', lastName: 'Moss' },
      order: { id: 'ORD-1001', total: 1299, currency: 'EUR' },
      threadKey: 'contact:dana@example.com',
    });
    expect(r.event.order!.items).toEqual([
      { name: 'Espresso machine', quantity: 1, price: 1199 },
      { name: 'Descaler', quantity: 2, price: 50 },
    ]);
    expect(notificationEventSchema.safeParse(r.event).success).toBe(true);
  });

  it('defaults a cart’s abandonedAt to occurred_at (in UTC) and keeps its url', () => {
    const r = parsePlatformEvent(cartAbandoned());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.event.id).toBe('platform:cart_abandoned:9001');
    expect(r.event.cart).toEqual({
      id: 'cart_77',
      total: 89.5,
      currency: 'EUR',
      abandonedAt: '2026-11-03T08:30:00.000Z',
      url: 'https://shop.example.com/cart/77?r=1&s=2',
    });
  });

  it('threads a ticket without a contact by ticket', () => {
    const r = parsePlatformEvent(ticketCreated());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.event.contact).toBeUndefined();
    expect(r.event.threadKey).toBe('ticket:T-5');
    expect(r.event.ticket).toEqual({
      id: 'T-5',
      subject: 'Refund for order ORD-1001',
      priority: 'high',
      url: 'https://help.example.com/t/5',
    });
  });

  it('refuses a broken event with the path of every wrong key', () => {
    const r = parsePlatformEvent(
      orderPlaced({
        occurred_at: 'yesterday',
        contact: { email: 'not-an-email' },
        order: { id: 'ORD-1', total: -5, currency: 'euro', items: [{ name: 'ok' }, { quantity: 1 }] },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path).sort();
    expect(paths).toEqual(['contact.email', 'occurred_at', 'order.currency', 'order.items[1].name', 'order.total']);
    expect(r.issues.find((i) => i.path === 'order.currency')!.message).toMatch(/ISO 4217/);
  });

  it('names the missing section and an unknown event', () => {
    const noTicket = parsePlatformEvent({ event: 'ticket_created', id: 'x', occurred_at: '2026-11-03T09:40:00Z' });
    expect(noTicket.ok ? [] : noTicket.issues.map((i) => i.path)).toEqual(['ticket']);
    const unknown = parsePlatformEvent({ event: 'order_shipped', id: 'x', occurred_at: '2026-11-03T09:40:00Z' });
    expect(unknown.ok ? [] : unknown.issues).toEqual([
      {
        path: 'event',
        message: 'expected one of order_placed, cart_abandoned, ticket_created, custom, got "order_shipped"',
      },
    ]);
    const badUrl = parsePlatformEvent(cartAbandoned({ cart: { id: 'c', url: 'javascript:alert(1)' } }));
    expect(badUrl.ok ? [] : badUrl.issues.map((i) => i.path)).toEqual(['cart.url']);
    expect(parsePlatformEvent([orderPlaced()]).ok).toBe(false);
  });
});

describe('parseBrevoWebhook on what Brevo may send next', () => {
  it('never throws on mutated items: every index becomes an event or an ignored item with a reason', () => {
    // Deterministic pseudo-random values of every JSON type, in every field Brevo sends.
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1.5,
      1e300,
      2 ** 60,
      '',
      ' ',
      'x',
      '2026-13-45',
      {},
      [],
      [null],
      { a: 1 },
    ];
    const fields = ['event', 'email', 'id', 'ts', 'ts_event', 'date', 'camp_id', 'list_id', 'content', 'contact_id'];
    const base = [listAddition(), contactUpdated(), marketingEvent('delivered'), marketingEvent('opened')];
    const items = Array.from({ length: 400 }, (_, i) => {
      const item: Record<string, unknown> = { ...base[i % base.length] };
      for (const f of fields) if (rnd() < 0.3) item[f] = values[Math.floor(rnd() * values.length)];
      if (rnd() < 0.2) item.event = `new_type_${i % 3}`;
      if (rnd() < 0.1) item[`extra_${i}`] = { nested: [i] };
      return item;
    });
    const out = parseBrevoWebhook(items);
    // Duplicates (a campaign's delivered items after the first) are ignored items too.
    expect(out.events.length + out.ignored.length).toBe(items.length);
    // Each event is one the Slack lane's message schema reads back (ids within the safe integers).
    for (const e of out.events) expect(notificationEventSchema.safeParse(e).error?.issues).toBeUndefined();
    for (const i of out.ignored) expect(i.reason).toEqual(expect.any(String));
    expect(out.ignored.filter((i) => i.unsupported?.startsWith('new_type_')).length).toBeGreaterThan(0);
  });
});
