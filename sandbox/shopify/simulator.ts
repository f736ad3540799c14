/**
 * Shopify Admin REST API simulator (version-agnostic paths `/admin/api/{version}/...`): customers,
 * orders (`status` open by default: `status=any` reads them all), abandoned checkouts, products and
 * shop, enforcing what docs/reference/platforms.md records: the access token, scopes, the leaky bucket,
 * Link-header pagination and its parameter rules, `updated_at_min`. Signed webhook deliveries: webhooks.ts.
 *
 * Layers, one concept per file, each extending the one before: ShopifyStore (store.ts: state, seeding,
 * control API) <- ShopifyGateway (gateway.ts: token, bucket, scopes, faults) <- ShopifyListing
 * (listing.ts: Link pagination, common filters) <- ShopifySimulator (this file: the routes).
 */
import type { SignedDelivery } from '../platform-kit';
import { ShopifyError } from './gateway';
import { ShopifyListing } from './listing';
import type { ShopifyCheckout, ShopifyOrder, ShopifySimulatorOptions } from './types';
import { shopifyWebhookDelivery } from './webhooks';

const ORDER_STATUSES = new Set(['open', 'closed', 'cancelled', 'any']);
const CHECKOUT_STATUSES = new Set(['open', 'closed']);

export class ShopifySimulator extends ShopifyListing {
  constructor(options: ShopifySimulatorOptions = {}) {
    super(options);
    this.registerRoutes();
  }

  /** A delivery of `topic` signed with this shop's client secret, as Shopify would post it (same `webhookId`: a retry). */
  delivery(topic: string, payload: unknown, webhookId?: string): SignedDelivery {
    return shopifyWebhookDelivery({
      topic,
      payload,
      secret: this.clientSecret,
      shopDomain: this.shopDomain,
      triggeredAt: new Date(this.clock.now()),
      ...(webhookId === undefined ? {} : { webhookId }),
    });
  }

  private registerRoutes(): void {
    // Any valid token may read its shop: what a connection test calls.
    this.get('shop.json', undefined, () => ({
      status: 200,
      body: { shop: { id: 1, name: 'Sandbox Store', myshopify_domain: this.shopDomain, currency: 'EUR' } },
    }));
    this.get('customers.json', 'read_customers', (req) => this.list(req, 'customers', this.customerMap.values()));
    this.get('orders.json', 'read_orders', (req) =>
      this.list(req, 'orders', this.orderMap.values(), (items, f) => filterOrders(items, f.status ?? 'open')),
    );
    this.get('checkouts.json', 'read_orders', (req) =>
      this.list(req, 'checkouts', this.checkoutMap.values(), (items, f) => filterCheckouts(items, f.status ?? 'open')),
    );
    this.get('products.json', 'read_products', (req) => this.list(req, 'products', this.productMap.values()));
  }
}

function filterOrders(items: ShopifyOrder[], status: string): ShopifyOrder[] {
  if (!ORDER_STATUSES.has(status)) {
    throw new ShopifyError(400, { errors: { status: `must be one of open, closed, cancelled, any; got ${status}` } });
  }
  if (status === 'any') return items;
  if (status === 'cancelled') return items.filter((o) => o.cancelled_at !== null);
  if (status === 'closed') return items.filter((o) => o.closed_at !== null);
  return items.filter((o) => o.closed_at === null && o.cancelled_at === null);
}

function filterCheckouts(items: ShopifyCheckout[], status: string): ShopifyCheckout[] {
  if (!CHECKOUT_STATUSES.has(status)) {
    throw new ShopifyError(400, { errors: { status: `must be open or closed; got ${status}` } });
  }
  return items.filter((c) => (status === 'closed') === (c.closed_at !== null));
}
