/**
 * What the skills read from a platform delivery: the catalogue's webhook entries through the
 * engine's mapping (webhookPayload), as a cart (its id, buyer, amount, recovery link, completion,
 * last update) or an order; an entry of no kind is nothing to them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cartOf, commerceEventOf } from '../../../shared/app/skills/abandoned-cart';
import { parseDefinitionText } from '../../../shared/connectors/custom/definition/parse';
import type { Definition } from '../../../shared/connectors/custom/definition/schema';
import { webhookPayload } from '../../../shared/connectors/custom/webhooks';

const catalogue = (name: string) =>
  parseDefinitionText(
    readFileSync(join(__dirname, '../../../shared/connectors/catalogue', `${name}.yaml`), 'utf8'),
    `${name}.yaml`,
    'yaml',
  );
const ARRIVED = '2026-11-22T12:00:00.000Z';

function delivered(definition: Definition, key: string, body: unknown) {
  const webhook = definition.webhooks[key];
  if (!webhook) throw new Error(`${definition.name} has no webhook ${key}`);
  return commerceEventOf(definition.name, webhook, webhookPayload(key, webhook, body).record, ARRIVED);
}

/** A Shopify checkout as its webhooks send it (sandbox/shopify/types.ts ShopifyCheckout). */
const checkout = {
  id: 4001,
  token: 'c4001abc',
  cart_token: 'cart4001',
  email: 'Ada@Example.com',
  customer: null,
  abandoned_checkout_url: 'https://acme.myshopify.com/checkouts/ac/c4001abc/recover',
  total_price: '120.50',
  currency: 'EUR',
  completed_at: null,
  closed_at: null,
  created_at: '2026-11-22T10:00:00Z',
  updated_at: '2026-11-22T10:30:00Z',
};

test('a Shopify checkout is a cart: its token, buyer, amount, recovery link; open since its last update', () => {
  const event = delivered(catalogue('shopify'), 'checkouts_update', checkout);
  expect(event).toMatchObject({ connector: 'shopify', kind: 'cart', occurredAt: ARRIVED });
  expect(cartOf(event as NonNullable<typeof event>)).toEqual({
    id: 'c4001abc',
    ledgerKey: 'shopify:c4001abc',
    email: 'ada@example.com',
    amount: 120.5,
    currency: 'EUR',
    recoveryUrl: 'https://acme.myshopify.com/checkouts/ac/c4001abc/recover',
    updatedAt: '2026-11-22T10:30:00.000Z',
  });
  const done = delivered(catalogue('shopify'), 'checkouts_update', {
    ...checkout,
    completed_at: '2026-11-22T10:40:00Z',
  });
  expect(cartOf(done as NonNullable<typeof done>)).toMatchObject({ completedAt: '2026-11-22T10:40:00.000Z' });
});

test('orders: Shopify orders/create and Stripe checkout.session.completed; customers are of no kind', () => {
  expect(
    delivered(catalogue('shopify'), 'orders_create', { id: 9, email: 'ada@example.com', total_price: '1.00' }),
  ).toMatchObject({ kind: 'order', fields: { email: 'ada@example.com' } });
  const session = {
    type: 'checkout.session.completed',
    data: { object: { id: 'cs_1', customer_details: { email: 'bo@example.com' }, amount_total: 500, currency: 'eur' } },
  };
  expect(delivered(catalogue('stripe'), 'checkout_completed', session)).toMatchObject({
    connector: 'stripe',
    kind: 'order',
    fields: { email: 'bo@example.com', session_id: 'cs_1' },
  });
  expect(delivered(catalogue('shopify'), 'customers_create', { id: 1, email: 'c@example.com' })).toBeUndefined();
});

test('loose field names, numeric ids, unix seconds; a cart without an id is no cart', () => {
  const fields = { cartId: 77, Email: 'x@example.com', updated_at: 1_795_000_000, amount: 'n/a' };
  expect(cartOf({ connector: 'acme', kind: 'cart', occurredAt: ARRIVED, fields })).toEqual({
    id: '77',
    ledgerKey: 'acme:77',
    email: 'x@example.com',
    updatedAt: new Date(1_795_000_000_000).toISOString(),
  });
  expect(cartOf({ connector: 'acme', kind: 'cart', occurredAt: ARRIVED, fields: { email: 'x@example.com' } })).toEqual({
    skip: 'a cart from acme without cart_id or checkout_token',
  });
});
