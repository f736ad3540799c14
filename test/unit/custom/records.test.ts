/**
 * Record → fields → Brevo contact row or event: nested and indexed paths, null and missing values,
 * arrays, objects, loose field names, the default attributes, the config's field_mapping (and a
 * field it names that the definition does not offer), per-record errors naming the record.
 */
import { getPath, parsePath } from '../../../shared/connectors/custom/paths';
import {
  brevoName,
  contactPlan,
  contactRowFor,
  eventBodyFor,
  mapRecord,
  upperSnake,
} from '../../../shared/connectors/custom/records';
import type { BrevoAttribute } from '../../../shared/core/mapping';

const MAPPING = {
  email: 'contact.email',
  firstName: 'contact.first_name',
  last_name: 'contact.last_name',
  phone: 'contact.phone',
  total_spent: 'stats.total_spent',
  tags: 'tags',
  first_order: 'orders[0].id',
  address: 'address',
  vip: 'flags.vip',
};

const record = {
  id: 123,
  contact: { email: ' Ada@Example.COM ', first_name: 'Ada', last_name: null, phone: '+44 20 7946 0958' },
  stats: { total_spent: '120.50' },
  tags: ['a', 'b'],
  orders: [{ id: 'o1' }, { id: 'o2' }],
  address: { city: 'London' },
  flags: {},
};

describe('paths', () => {
  it('reads a.b.c, a.0.b and a[0].b alike; missing steps are undefined', () => {
    expect(parsePath('orders[0].id')).toEqual(['orders', 0, 'id']);
    expect(getPath(record, 'orders.1.id')).toBe('o2');
    expect(getPath(record, 'orders[1].id')).toBe('o2');
    expect(getPath(record, 'contact.missing.deeper')).toBeUndefined();
    expect(getPath(record, 'tags.x')).toBeUndefined();
    expect(getPath(record, 'constructor')).toBeUndefined();
    expect(getPath([1, 2], '')).toEqual([1, 2]);
  });
});

describe('contact rows', () => {
  const mapped = mapRecord(record, MAPPING, { source: 'customers' });
  const attributes: BrevoAttribute[] = [
    { name: 'TOTAL_SPENT', category: 'normal', type: 'float' },
    { name: 'VIP', category: 'normal', type: 'boolean' },
  ];

  it('maps with the default attributes (loose names, UPPER_SNAKE, identifiers), leaving objects out with a field error', () => {
    const { plan, issues } = contactPlan(MAPPING, undefined, attributes);
    expect(issues).toEqual([]);
    const result = contactRowFor(mapped, plan, 7);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.row.identifier).toBe('ada@example.com');
    expect(result.row.attributes).toEqual({
      FIRSTNAME: 'Ada',
      SMS: '+442079460958',
      TOTAL_SPENT: 120.5,
      TAGS: 'a, b',
      FIRST_ORDER: 'o1',
    });
    expect(result.row.fieldErrors).toEqual([
      {
        pageId: '123',
        property: 'address',
        attribute: 'ADDRESS',
        kind: 'field',
        reason: 'customers[id=123]: address → ADDRESS: the value is an object; map a path to one of its values (a.b)',
      },
    ]);
    expect(result.row.rowId).toBe('123');
  });

  it("follows the config's field_mapping with loose names, and refuses a field the definition does not offer", () => {
    const { plan, issues } = contactPlan(
      MAPPING,
      { email: 'email', first_name: 'FIRSTNAME', totalSpent: 'TOTAL_REVENUE', totalOrders: 'ORDER_COUNT' },
      attributes,
    );
    expect(issues).toEqual([
      {
        path: 'field_mapping.totalOrders',
        message:
          'the definition offers no field "totalOrders" (it offers: email, firstName, last_name, phone, total_spent, tags, first_order, address, vip)',
      },
    ]);
    const result = contactRowFor(mapped, plan);
    expect(result.ok && result.row.attributes).toEqual({ FIRSTNAME: 'Ada', TOTAL_REVENUE: '120.50' });
  });

  it('coerces to the attribute type and leaves a bad value out with its reason', () => {
    const { plan } = contactPlan({ email: 'e', total_spent: 't', vip: 'v' }, undefined, attributes);
    const result = contactRowFor(
      mapRecord(
        { id: 'x', e: 'a@b.co', t: 'lots', v: 'yes' },
        { email: 'e', total_spent: 't', vip: 'v' },
        { source: 'customers' },
      ),
      plan,
    );
    if (!result.ok) throw new Error('expected a row');
    expect(result.row.attributes).toEqual({ VIP: true });
    expect(result.row.fieldErrors?.[0]?.reason).toBe(
      'customers[id=x]: total_spent → TOTAL_SPENT: expected a number, got "lots"',
    );
  });

  it('a record without an email, with an invalid one, or with a non-text one is a per-record error', () => {
    const { plan } = contactPlan({ email: 'e' });
    const row = (e: unknown, id: unknown = 9) =>
      contactRowFor(mapRecord({ id, e }, { email: 'e' }, { source: 'customers', index: 4 }), plan);
    expect(row(undefined)).toEqual({
      ok: false,
      errors: [{ pageId: '9', property: 'email', reason: 'customers[id=9]: no email' }],
    });
    expect(row(null, null)).toEqual({
      ok: false,
      errors: [{ pageId: '#4', property: 'email', reason: 'customers[#4]: no email' }],
    });
    const invalid = row('not-an-email');
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.errors[0]?.reason).toMatch(/^customers\[id=9\]: invalid email address "/);
    expect(!invalid.ok && invalid.errors[0]?.reason).not.toContain('not-an-email');
    expect(row(['a@b.co'])).toEqual({
      ok: false,
      errors: [{ pageId: '9', property: 'email', reason: 'customers[id=9]: the email is not text (a list)' }],
    });
  });

  it('empty values are left out (never erase), unknown attributes keep the value type', () => {
    const m = { email: 'e', nickname: 'n', score: 's', active: 'a' };
    const { plan } = contactPlan(m);
    const result = contactRowFor(mapRecord({ e: 'a@b.co', n: '', s: 4, a: false }, m, { source: 'p' }), plan);
    expect(result.ok && result.row.attributes).toEqual({ SCORE: 4, ACTIVE: false });
  });

  it('names attributes UPPER_SNAKE', () => {
    expect(['totalSpent', 'total_spent', 'total-spent', 'lastOrderDate'].map(upperSnake)).toEqual([
      'TOTAL_SPENT',
      'TOTAL_SPENT',
      'TOTAL_SPENT',
      'LAST_ORDER_DATE',
    ]);
  });
});

describe('events', () => {
  it('email → identifiers, ext_id, event_date from created_at, the rest → properties', () => {
    const m = { email: 'buyer.email', ext_id: 'buyer.id', amount: 'total', created_at: 'created', 'order.id': 'id' };
    const rec = mapRecord({ id: 'o1', total: 12.5, created: 1767225600, buyer: { email: 'B@x.io', id: 77 } }, m, {
      source: 'orders',
    });
    expect(eventBodyFor(rec, 'order placed')).toEqual({
      ok: true,
      event: {
        event_name: 'order_placed',
        identifiers: { email_id: 'b@x.io', ext_id: '77' },
        event_properties: { amount: 12.5, created_at: 1767225600, order_id: 'o1' },
        event_date: '2026-01-01T00:00:00.000Z',
      },
    });
  });

  it('an event without a usable identifier is a per-record error; null properties are left out', () => {
    const rec = mapRecord({ id: 5, e: 'nope', p: null }, { email: 'e', p: 'p' }, { source: 'orders' });
    expect(eventBodyFor(rec, 'x')).toEqual({
      ok: false,
      error: {
        pageId: '5',
        property: 'email',
        reason: 'orders[id=5]: invalid email address: the event needs a valid email or an ext_id',
      },
    });
    const ok = eventBodyFor(mapRecord({ e: 'a@b.co', p: null }, { email: 'e', p: 'p' }, { source: 'o' }), 'x');
    expect(ok.ok && ok.event.event_properties).toBeUndefined();
  });

  it('Brevo names keep letters, digits, - and _', () => {
    expect(brevoName('checkout.session.completed')).toBe('checkout_session_completed');
  });
});
