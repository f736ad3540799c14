/** Public types of the Stripe simulator: options and the objects its API answers with. */
import type { SimClock } from '../http-kit';

export interface StripeLimits {
  /** Requests per second in live mode (`sk_live_` keys); Stripe: 100. */
  live: number;
  /** Requests per second in test mode (`sk_test_` keys, sandboxes); Stripe: 25. */
  test: number;
  /** Requests per second to one endpoint (e.g. `GET /v1/customers`) unless Stripe says otherwise: 25. */
  perEndpoint: number;
}

export interface StripeSimulatorOptions {
  /** Secret keys that authenticate (`sk_test_...` test mode, `sk_live_...` live mode); default `['sk_test_sandbox']`. */
  apiKeys?: string[];
  /** The webhook endpoint's signing secret deliveries are signed with; default `whsec_sandbox_endpoint_secret`. */
  webhookSecret?: string;
  /** Seeded counts (defaults: 120 customers, 60 checkout sessions, 60 invoices). */
  customers?: number;
  checkoutSessions?: number;
  invoices?: number;
  /** Seed of the generated data (default 14). */
  seed?: number;
  /** Partial values override Stripe's; `false` turns rate limiting off. */
  limits?: Partial<StripeLimits> | false;
  clock?: SimClock;
}

export interface StripeCustomer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  address: null;
  balance: number;
  currency: string | null;
  delinquent: boolean;
  metadata: Record<string, string>;
  preferred_locales: string[];
  livemode: boolean;
  /** Unix seconds. */
  created: number;
}

export interface StripeCheckoutSession {
  id: string;
  object: 'checkout.session';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  mode: 'payment';
  amount_total: number;
  currency: string;
  customer: string | null;
  customer_email: string | null;
  customer_details: { email: string | null; name: string | null; phone: string | null } | null;
  livemode: boolean;
  created: number;
}

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  status: 'draft' | 'open' | 'paid' | 'void';
  number: string | null;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  amount_due: number;
  amount_paid: number;
  currency: string;
  livemode: boolean;
  created: number;
}

export type StripeObject = StripeCustomer | StripeCheckoutSession | StripeInvoice;

export interface StripeFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
