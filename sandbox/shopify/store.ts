/**
 * Shopify simulator, state layer: one shop's customers, orders, abandoned checkouts and products,
 * seeded deterministically (some customers have no email, null names, no phone, as real shops do),
 * and the control API tests and the bench change them with (writes stamp `updated_at` from the clock).
 */
import { SimClock, SimServer } from '../http-kit';
import { FIRST_NAMES, LAST_NAMES, pick, seededRandom } from '../platform-kit';
import { registerTestSecrets } from '../secrets-registry';
import {
  type CustomerRef,
  SHOPIFY_SCOPES,
  type ShopifyCheckout,
  type ShopifyCustomer,
  type ShopifyOrder,
  type ShopifyProduct,
  type ShopifyScope,
  type ShopifySimulatorOptions,
} from './types';

export const SHOPIFY_SANDBOX_TOKEN = 'shpat_sandbox';
export const SHOPIFY_SANDBOX_CLIENT_SECRET = 'shpss_sandbox_client_secret';
/** Generated records are dated from here (not the clock): the same seed gives the same timestamps. */
const SEED_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;

export abstract class ShopifyStore extends SimServer {
  readonly clock: SimClock;
  readonly shopDomain: string;
  readonly clientSecret: string;
  protected readonly tokens: Map<string, readonly ShopifyScope[]>;
  protected readonly customerMap = new Map<number, ShopifyCustomer>();
  protected readonly orderMap = new Map<number, ShopifyOrder>();
  protected readonly checkoutMap = new Map<number, ShopifyCheckout>();
  protected readonly productMap = new Map<number, ShopifyProduct>();
  private nextCustomerId = 6_100_000_001;
  private nextOrderId = 5_200_000_001;
  private nextOrderNumber = 1001;
  private nextCheckoutId = 3_300_000_001;

  constructor(options: ShopifySimulatorOptions = {}) {
    super();
    this.clock = options.clock ?? new SimClock();
    this.shopDomain = options.shopDomain ?? 'sandbox-store.myshopify.com';
    this.clientSecret = options.clientSecret ?? SHOPIFY_SANDBOX_CLIENT_SECRET;
    this.tokens = new Map(Object.entries(options.tokens ?? { [SHOPIFY_SANDBOX_TOKEN]: SHOPIFY_SCOPES }));
    registerTestSecrets(this.clientSecret, ...this.tokens.keys());
    this.seed(options);
  }

  // -------------------------------------------------------------------------------------------
  // Control API

  customers(): ShopifyCustomer[] {
    return [...this.customerMap.values()].map((c) => ({ ...c }));
  }

  orders(): ShopifyOrder[] {
    return [...this.orderMap.values()].map((o) => ({ ...o }));
  }

  checkouts(): ShopifyCheckout[] {
    return [...this.checkoutMap.values()].map((c) => ({ ...c }));
  }

  products(): ShopifyProduct[] {
    return [...this.productMap.values()].map((p) => ({ ...p }));
  }

  customer(id: number): ShopifyCustomer {
    const found = this.customerMap.get(id);
    if (!found) throw new Error(`shopify simulator: no customer ${id}`);
    return { ...found };
  }

  addCustomer(fields: Partial<Omit<ShopifyCustomer, 'id'>> = {}): ShopifyCustomer {
    const now = this.iso();
    const customer: ShopifyCustomer = {
      ...this.blankCustomer(this.nextCustomerId++, now),
      ...fields,
    };
    this.customerMap.set(customer.id, customer);
    return { ...customer };
  }

  /** Changes a customer as the admin would: `updated_at` becomes the clock's now. */
  updateCustomer(id: number, patch: Partial<Omit<ShopifyCustomer, 'id'>>): ShopifyCustomer {
    const current = this.customerMap.get(id);
    if (!current) throw new Error(`shopify simulator: no customer ${id}`);
    Object.assign(current, patch, { updated_at: this.iso() });
    return { ...current };
  }

  /** Changes an order as the admin would (its note, its name...): `updated_at` becomes the clock's now. */
  updateOrder(id: number, patch: Partial<Omit<ShopifyOrder, 'id'>>): ShopifyOrder {
    const current = this.orderMap.get(id);
    if (!current) throw new Error(`shopify simulator: no order ${id}`);
    Object.assign(current, patch, { updated_at: this.iso() });
    return { ...current };
  }

  /** Places an order now for a customer (or a guest with `email`), updating the customer's totals. */
  addOrder(input: { customerId?: number; email?: string | null; total: number }): ShopifyOrder {
    const at = this.iso();
    const customer = input.customerId === undefined ? undefined : this.customerMap.get(input.customerId);
    if (input.customerId !== undefined && !customer)
      throw new Error(`shopify simulator: no customer ${input.customerId}`);
    const order = this.makeOrder(customer, input.email ?? customer?.email ?? null, input.total, at, 'open');
    this.orderMap.set(order.id, order);
    if (customer) this.countOrder(customer, order, at);
    return { ...order };
  }

  iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  // -------------------------------------------------------------------------------------------
  // Seeding

  private seed(options: ShopifySimulatorOptions): void {
    const random = seededRandom(options.seed ?? 14);
    const customerCount = options.customers ?? 120;
    for (let i = 0; i < customerCount; i += 1) {
      const created = SEED_EPOCH + i * 7 * MINUTE;
      const at = new Date(created).toISOString();
      const customer = this.blankCustomer(this.nextCustomerId++, at);
      const first = pick(random, FIRST_NAMES);
      const last = pick(random, LAST_NAMES);
      // About 1 in 12 has no email (a POS or phone-only customer), 1 in 10 no first name, 1 in 15 no last name.
      customer.email = random() < 1 / 12 ? null : `${first}.${last}.${i}@example.com`.toLowerCase();
      customer.first_name = random() < 0.1 ? null : first;
      customer.last_name = random() < 1 / 15 ? null : last;
      customer.phone = random() < 0.3 ? `+3361234${String(i).padStart(4, '0')}` : null;
      customer.state = customer.email === null ? 'disabled' : pick(random, ['enabled', 'invited', 'disabled'] as const);
      customer.verified_email = customer.email !== null && random() < 0.8;
      customer.updated_at = new Date(created + Math.floor(random() * 3 * 24 * 60) * MINUTE).toISOString();
      this.customerMap.set(customer.id, customer);
    }
    const customers = [...this.customerMap.values()];
    const orderCount = options.orders ?? 200;
    for (let i = 0; i < orderCount; i += 1) {
      const created = SEED_EPOCH + (i * 11 + 30) * MINUTE;
      const customer = customers.length > 0 && random() < 0.9 ? pick(random, customers) : undefined;
      const roll = random();
      const state = roll < 0.7 ? 'open' : roll < 0.9 ? 'closed' : 'cancelled';
      const total = Math.round((10 + random() * 240) * 100) / 100;
      const email = customer ? customer.email : random() < 0.5 ? `guest.${i}@example.com` : null;
      const order = this.makeOrder(customer, email, total, new Date(created).toISOString(), state);
      this.orderMap.set(order.id, order);
      if (customer && state !== 'cancelled') this.countOrder(customer, order, customer.updated_at);
    }
    const checkoutCount = options.checkouts ?? 30;
    for (let i = 0; i < checkoutCount; i += 1) {
      const created = SEED_EPOCH + (i * 23 + 45) * MINUTE;
      const customer = customers.length > 0 && random() < 0.7 ? pick(random, customers) : undefined;
      const id = this.nextCheckoutId++;
      const token = `c${id.toString(16)}${Math.floor(random() * 0xffffff).toString(16)}`;
      const closed = random() < 0.2;
      this.checkoutMap.set(id, {
        id,
        token,
        cart_token: `cart${id.toString(36)}`,
        email: customer?.email ?? (random() < 0.5 ? `visitor.${i}@example.com` : null),
        customer: customer ? ref(customer) : null,
        abandoned_checkout_url: `https://${this.shopDomain}/checkouts/ac/${token}/recover`,
        total_price: (Math.round((15 + random() * 200) * 100) / 100).toFixed(2),
        currency: 'EUR',
        completed_at: null,
        closed_at: closed ? new Date(created + 90 * MINUTE).toISOString() : null,
        created_at: new Date(created).toISOString(),
        updated_at: new Date(created + Math.floor(random() * 60) * MINUTE).toISOString(),
      });
    }
    const productCount = options.products ?? 15;
    for (let i = 0; i < productCount; i += 1) {
      const at = new Date(SEED_EPOCH + i * 60 * MINUTE).toISOString();
      const id = 8_400_000_001 + i;
      this.productMap.set(id, {
        id,
        title: `${pick(random, ['Classic', 'Organic', 'Vintage', 'Travel'])} ${pick(random, ['Mug', 'Tee', 'Tote', 'Notebook'])}`,
        vendor: 'Sandbox Goods',
        product_type: pick(random, ['Home', 'Apparel', 'Stationery']),
        status: pick(random, ['active', 'active', 'draft', 'archived'] as const),
        created_at: at,
        updated_at: at,
      });
    }
  }

  private blankCustomer(id: number, at: string): ShopifyCustomer {
    return {
      id,
      email: null,
      first_name: null,
      last_name: null,
      phone: null,
      orders_count: 0,
      total_spent: '0.00',
      last_order_id: null,
      last_order_name: null,
      currency: 'EUR',
      state: 'disabled',
      verified_email: false,
      tags: '',
      created_at: at,
      updated_at: at,
    };
  }

  private makeOrder(
    customer: ShopifyCustomer | undefined,
    email: string | null,
    total: number,
    at: string,
    state: 'open' | 'closed' | 'cancelled',
  ): ShopifyOrder {
    const later = new Date(Date.parse(at) + 2 * 24 * 60 * MINUTE).toISOString();
    return {
      id: this.nextOrderId++,
      name: `#${this.nextOrderNumber++}`,
      email,
      customer: customer ? ref(customer) : null,
      total_price: total.toFixed(2),
      currency: 'EUR',
      financial_status: state === 'cancelled' ? 'refunded' : 'paid',
      created_at: at,
      updated_at: state === 'open' ? at : later,
      closed_at: state === 'closed' ? later : null,
      cancelled_at: state === 'cancelled' ? later : null,
    };
  }

  private countOrder(customer: ShopifyCustomer, order: ShopifyOrder, at: string): void {
    customer.orders_count += 1;
    customer.total_spent = (Number(customer.total_spent) + Number(order.total_price)).toFixed(2);
    customer.last_order_id = order.id;
    customer.last_order_name = order.name;
    if (at > customer.updated_at) customer.updated_at = at;
  }
}

function ref(customer: ShopifyCustomer): CustomerRef {
  return {
    id: customer.id,
    email: customer.email,
    first_name: customer.first_name,
    last_name: customer.last_name,
  };
}
