/**
 * `kind: cart | order` in the definition format: what an event is to the skills. The catalogue sets
 * it (Shopify's checkouts and orders, Stripe's completed checkouts); a kind the event cannot honour
 * is refused at its path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDefinitionText } from '../../../shared/connectors/custom/definition/parse';
import { DefinitionError, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';

const catalogue = (name: string) =>
  parseDefinitionText(
    readFileSync(join(__dirname, '../../../shared/connectors/catalogue', `${name}.yaml`), 'utf8'),
    `${name}.yaml`,
    'yaml',
  );

const base = {
  name: 'kindshop',
  version: '1.0.0',
  base_url: 'https://api.kindshop.example',
  auth: { type: 'bearer' },
};

function refusal(def: unknown): string[] {
  try {
    normalizeDefinition(def, 'kindshop.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return (err as DefinitionError).definitionIssues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('the definition was accepted');
}

test("the catalogue's carts and orders say what they are", () => {
  const shopify = catalogue('shopify');
  expect(shopify.resources.carts?.kind).toBe('cart');
  expect(shopify.resources.orders?.kind).toBe('order');
  expect(shopify.resources.customers?.kind).toBeUndefined();
  const kinds = Object.fromEntries(
    Object.entries(shopify.webhooks).map(([k, w]) => [k, 'kind' in w ? w.kind : undefined]),
  );
  expect(kinds).toEqual({
    customers_create: undefined,
    customers_update: undefined,
    orders_create: 'order',
    checkouts_create: 'cart',
    checkouts_update: 'cart',
  });
  const stripe = catalogue('stripe');
  const checkout = stripe.webhooks.checkout_completed;
  expect(checkout && 'kind' in checkout ? checkout.kind : undefined).toBe('order');
});

test('a cart maps its id as cart_id or checkout_token (loosely), and an email', () => {
  const def = normalizeDefinition({
    ...base,
    webhooks: {
      cart_updated: {
        path: '/carts',
        kind: 'cart',
        mapping: { email: 'buyer.email', cartId: 'id', completed_at: 'completed_at' },
      },
      order_paid: { path: '/orders', kind: 'order', mapping: { email: 'email', amount: 'total' } },
    },
  });
  expect(def.webhooks.cart_updated).toMatchObject({ kind: 'cart', to: 'event' });
  expect(def.webhooks.order_paid).toMatchObject({ kind: 'order' });
});

test('a kind the event cannot honour is refused at its path', () => {
  expect(
    refusal({ ...base, webhooks: { c: { path: '/c', kind: 'cart', mapping: { email: 'email', total: 't' } } } }),
  ).toEqual(['webhooks.c.mapping: a kind: cart event needs its id: map cart_id or checkout_token']);
  expect(
    refusal({ ...base, webhooks: { o: { path: '/o', kind: 'order', mapping: { ext_id: 'customer', total: 't' } } } }),
  ).toEqual([
    "webhooks.o.mapping: a kind: order event needs email (carts and orders are matched by the buyer's email)",
  ]);
  expect(
    refusal({
      ...base,
      webhooks: { c: { path: '/c', to: 'contact', kind: 'cart', mapping: { email: 'e', cart_id: 'i' } } },
    }),
  ).toEqual(['webhooks.c.kind: kind is for a to: event webhook']);
  expect(refusal({ ...base, webhooks: { c: { path: '/c', kind: 'cart' } } })).toEqual([
    'webhooks.c.mapping: a kind: cart webhook needs a mapping',
  ]);
  expect(
    refusal({
      ...base,
      resources: { customers: { endpoint: '/customers', kind: 'order', mapping: { email: 'email' } } },
    }),
  ).toEqual(['resources.customers.kind: kind is for a to: events resource']);
  // (A webhook entry's mistakes are the engine's union line; a resource names the key.)
  expect(
    refusal({
      ...base,
      resources: { carts: { endpoint: '/carts', to: 'events', kind: 'basket', mapping: { email: 'e', cart_id: 'i' } } },
    }),
  ).toEqual(['resources.carts.kind: expected one of cart, order']);
});
