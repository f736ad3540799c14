/**
 * A platform delivery as hub events (ingress/events.ts): orders become order_placed (id, total,
 * currency from the definition's fields), other events a custom event named after the Brevo event,
 * carts and contacts none (the abandoned-cart skill and Brevo's own webhooks report those); ids
 * stay stable across the platform's retries.
 */
import { normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';
import { hubEventsOf, webhookKind } from '../../../shared/connectors/custom/ingress/events';
import { mapRecord } from '../../../shared/connectors/custom/records';

const definition = normalizeDefinition({
  name: 'acmeshop',
  version: '1.0.0',
  label: 'Acme Shop',
  auth: { type: 'none' },
  webhooks: {
    order_created: {
      path: '/webhooks/order',
      to: 'event',
      event: 'order_placed',
      mapping: {
        email: 'customer.email',
        order_id: 'id',
        amount: 'total',
        currency: 'currency',
        first_name: 'customer.first',
      },
    },
    refund_issued: { path: '/webhooks/refund', to: 'event', mapping: { email: 'email', amount: 'amount' } },
    customer_created: { path: '/webhooks/customer', to: 'contact', mapping: { email: 'email' } },
    cart_updated: {
      path: '/webhooks/cart',
      to: 'event',
      mapping: { email: 'email', cart_id: 'token', amount: 'total' },
    },
  },
  signature: { header: 'X-Acme-Signature' },
});

const eventsOf = (key: string, body: unknown) => {
  const webhook = definition.webhooks[key];
  if (!webhook) throw new Error(key);
  const mapping = 'mapping' in webhook && webhook.mapping ? webhook.mapping : {};
  return hubEventsOf({
    definition,
    key,
    webhook,
    record: mapRecord(body, mapping, { source: key }),
    deliveryId: 'd-1',
    receivedAt: '2026-11-22T10:00:00.000Z',
  });
};

test('an order → order_placed with its id, total and currency; its contact and thread', () => {
  const [event, ...rest] = eventsOf('order_created', {
    id: 77,
    total: '120.50',
    currency: 'eur',
    customer: { email: 'Ada@Example.com', first: 'Ada' },
  });
  expect(rest).toEqual([]);
  expect(event).toMatchObject({
    id: 'platform:acmeshop:d-1',
    type: 'order_placed',
    source: 'platform',
    occurredAt: '2026-11-22T10:00:00.000Z',
    contact: { email: 'ada@example.com', firstName: 'Ada' },
    order: { id: '77', total: 120.5, currency: 'EUR' },
    threadKey: 'contact:ada@example.com',
  });
  // The same delivery (a retry) gives the same id: Slack posts it once.
  expect(eventsOf('order_created', { id: 77, customer: { email: 'ada@example.com' } })[0]?.id).toBe(event?.id);
});

test('another event → custom, titled by the definition; a contact or a cart → none', () => {
  expect(eventsOf('refund_issued', { email: 'grace@example.com', amount: 5 })).toEqual([
    expect.objectContaining({
      type: 'custom',
      custom: { name: 'refund_issued', title: 'Acme Shop: refund issued' },
      contact: { email: 'grace@example.com' },
    }),
  ]);
  expect(eventsOf('customer_created', { email: 'x@example.com' })).toEqual([]);
  // A kind: cart entry is the abandoned-cart skill's (its cart parsing: test/unit/skills/commerce-events), not a notification.
  const cart = { ...definition.webhooks.cart_updated, kind: 'cart' } as never;
  expect(webhookKind('cart_updated', cart)).toBe('cart');
  expect(webhookKind('order_created', definition.webhooks.order_created as never)).toBe('order');
});
