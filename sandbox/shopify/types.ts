/** Public types of the Shopify simulator: options and the records its REST Admin API answers with. */
import type { SimClock } from '../http-kit';

export const SHOPIFY_SCOPES = ['read_customers', 'read_orders', 'read_products'] as const;
export type ShopifyScope = (typeof SHOPIFY_SCOPES)[number];

export interface ShopifySimulatorOptions {
  /** The shop's myshopify domain (X-Shopify-Shop-Domain of deliveries); default `sandbox-store.myshopify.com`. */
  shopDomain?: string;
  /** Admin API access token → its scopes; default one token `shpat_sandbox` with every read scope. */
  tokens?: Record<string, readonly ShopifyScope[]>;
  /** The app's client secret deliveries are signed with; default `shpss_sandbox_client_secret`. */
  clientSecret?: string;
  /** Seeded record counts (defaults: 120 customers, 200 orders, 30 checkouts, 15 products). */
  customers?: number;
  orders?: number;
  checkouts?: number;
  products?: number;
  /** Seed of the generated data (default 14): the same seed, the same shop. */
  seed?: number;
  /** Leaky bucket (default the standard plan: size 40, 2/s); `false` turns rate limiting off. */
  bucket?: { size: number; leakPerSecond: number } | false;
  clock?: SimClock;
}

export interface CustomerRef {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
}

export interface ShopifyCustomer extends CustomerRef {
  phone: string | null;
  orders_count: number;
  /** A decimal string, as Shopify sends money. */
  total_spent: string;
  last_order_id: number | null;
  last_order_name: string | null;
  currency: string;
  state: 'enabled' | 'disabled' | 'invited' | 'declined';
  verified_email: boolean;
  tags: string;
  created_at: string;
  updated_at: string;
}

export interface ShopifyOrder {
  id: number;
  name: string;
  email: string | null;
  customer: CustomerRef | null;
  total_price: string;
  currency: string;
  financial_status: 'paid' | 'pending' | 'refunded';
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  cancelled_at: string | null;
}

export interface ShopifyCheckout {
  id: number;
  token: string;
  cart_token: string;
  email: string | null;
  customer: CustomerRef | null;
  abandoned_checkout_url: string;
  total_price: string;
  currency: string;
  completed_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ShopifyProduct {
  id: number;
  title: string;
  vendor: string;
  product_type: string;
  status: 'active' | 'draft' | 'archived';
  created_at: string;
  updated_at: string;
}

export interface ShopifyFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
