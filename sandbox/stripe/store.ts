/**
 * Stripe simulator, state layer: one account's customers, checkout sessions and invoices, seeded
 * deterministically (some customers have no email, name or phone; open sessions have no customer
 * details), newest first as Stripe lists them, and the control API tests and the bench use.
 */
import { SimClock, SimServer } from '../http-kit';
import { FIRST_NAMES, LAST_NAMES, pick, seededRandom } from '../platform-kit';
import { registerTestSecrets } from '../secrets-registry';
import type { StripeCheckoutSession, StripeCustomer, StripeInvoice, StripeSimulatorOptions } from './types';

export const STRIPE_SANDBOX_KEY = 'sk_test_sandbox';
export const STRIPE_SANDBOX_WEBHOOK_SECRET = 'whsec_sandbox_endpoint_secret';
/** Generated objects are dated back from here (not the clock): the same seed gives the same account. */
const SEED_NOW_S = Date.parse('2026-03-01T00:00:00.000Z') / 1000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export abstract class StripeAccount extends SimServer {
  readonly clock: SimClock;
  readonly webhookSecret: string;
  protected readonly apiKeys: Set<string>;
  /** Each list newest first; ids index every object for `starting_after` lookups. */
  protected readonly customerList: StripeCustomer[] = [];
  protected readonly sessionList: StripeCheckoutSession[] = [];
  protected readonly invoiceList: StripeInvoice[] = [];
  private readonly random: () => number;

  constructor(options: StripeSimulatorOptions = {}) {
    super();
    this.clock = options.clock ?? new SimClock();
    this.webhookSecret = options.webhookSecret ?? STRIPE_SANDBOX_WEBHOOK_SECRET;
    this.apiKeys = new Set(options.apiKeys ?? [STRIPE_SANDBOX_KEY]);
    registerTestSecrets(this.webhookSecret, ...this.apiKeys);
    this.random = seededRandom(options.seed ?? 14);
    this.seed(options);
  }

  // -------------------------------------------------------------------------------------------
  // Control API

  customers(): StripeCustomer[] {
    return this.customerList.map((c) => ({ ...c }));
  }

  checkoutSessions(): StripeCheckoutSession[] {
    return this.sessionList.map((s) => ({ ...s, customer_details: s.customer_details && { ...s.customer_details } }));
  }

  invoices(): StripeInvoice[] {
    return this.invoiceList.map((i) => ({ ...i }));
  }

  /** A customer created now (the clock), first in the list as Stripe lists newest first. */
  addCustomer(fields: Partial<Pick<StripeCustomer, 'email' | 'name' | 'phone'>> = {}): StripeCustomer {
    const customer = this.makeCustomer(Math.floor(this.clock.now() / 1000), fields);
    this.customerList.unshift(customer);
    return { ...customer };
  }

  // -------------------------------------------------------------------------------------------
  // Seeding

  private seed(options: StripeSimulatorOptions): void {
    const random = this.random;
    const customerCount = options.customers ?? 120;
    for (let i = 0; i < customerCount; i += 1) {
      const first = pick(random, FIRST_NAMES);
      const last = pick(random, LAST_NAMES);
      this.customerList.push(
        this.makeCustomer(SEED_NOW_S - (i + 1) * 3600, {
          // About 1 in 10 without email, 1 in 8 without name, most without phone.
          email: random() < 0.1 ? null : `${first}.${last}.${i}@example.com`.toLowerCase(),
          name: random() < 0.125 ? null : `${first} ${last}`,
          phone: random() < 0.3 ? `+1415555${String(i).padStart(4, '0')}` : null,
        }),
      );
    }
    const sessionCount = options.checkoutSessions ?? 60;
    for (let i = 0; i < sessionCount; i += 1) {
      const customer = this.customerList.length > 0 && random() < 0.6 ? pick(random, this.customerList) : undefined;
      const roll = random();
      const status = roll < 0.7 ? 'complete' : roll < 0.85 ? 'open' : 'expired';
      const email = customer?.email ?? (random() < 0.5 ? `buyer.${i}@example.com` : null);
      this.sessionList.push({
        id: `cs_test_${this.randomId(24)}`,
        object: 'checkout.session',
        status,
        payment_status: status === 'complete' ? 'paid' : 'unpaid',
        mode: 'payment',
        amount_total: 500 + Math.floor(random() * 20000),
        currency: 'eur',
        customer: customer?.id ?? null,
        customer_email: customer ? null : email,
        customer_details: status === 'complete' ? { email, name: customer?.name ?? null, phone: null } : null,
        livemode: false,
        created: SEED_NOW_S - (i + 1) * 1800,
      });
    }
    const invoiceCount = options.invoices ?? 60;
    for (let i = 0; i < invoiceCount && this.customerList.length > 0; i += 1) {
      const customer = pick(random, this.customerList);
      const status = pick(random, ['paid', 'paid', 'paid', 'open', 'draft', 'void'] as const);
      const amount = 1000 + Math.floor(random() * 50000);
      this.invoiceList.push({
        id: `in_${this.randomId(14)}`,
        object: 'invoice',
        status,
        number: status === 'draft' ? null : `SBX-${String(i + 1).padStart(4, '0')}`,
        customer: customer.id,
        customer_email: customer.email,
        customer_name: customer.name,
        amount_due: amount,
        amount_paid: status === 'paid' ? amount : 0,
        currency: 'eur',
        livemode: false,
        created: SEED_NOW_S - (i + 1) * 2400,
      });
    }
  }

  private makeCustomer(
    created: number,
    fields: Partial<Pick<StripeCustomer, 'email' | 'name' | 'phone'>>,
  ): StripeCustomer {
    return {
      id: `cus_${this.randomId(14)}`,
      object: 'customer',
      email: fields.email ?? null,
      name: fields.name ?? null,
      phone: fields.phone ?? null,
      description: null,
      address: null,
      balance: 0,
      currency: null,
      delinquent: false,
      metadata: {},
      preferred_locales: [],
      livemode: false,
      created,
    };
  }

  protected randomId(length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(this.random() * ALPHABET.length)];
    return out;
  }
}
