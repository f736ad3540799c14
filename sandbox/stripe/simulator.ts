/**
 * Stripe API simulator: `GET /v1/customers`, `/v1/checkout/sessions`, `/v1/invoices` as Stripe lists
 * them (`{object: 'list', url, has_more, data}`, newest first), enforcing what
 * docs/reference/platforms.md records: `limit` 1..100 (default 10), `starting_after` / `ending_before`
 * naming an existing object of that list and never both, `created[gt|gte|lt|lte]`, unknown parameters
 * refused; auth and rate limits in gateway.ts; signed event deliveries in webhooks.ts.
 *
 * Layers: StripeAccount (store.ts: state, seeding, control API) <- StripeGateway (gateway.ts: key,
 * mode, limiters, faults) <- StripeSimulator (this file: list endpoints and routes).
 */
import type { SimRequest, SimResponse } from '../http-kit';
import type { SignedDelivery } from '../platform-kit';
import { invalidRequest, StripeGateway } from './gateway';
import type { StripeObject, StripeSimulatorOptions } from './types';
import { stripeWebhookDelivery } from './webhooks';

export const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;
const PAGING = ['limit', 'starting_after', 'ending_before', 'expand[]'];
const CREATED = /^created(\[(gt|gte|lt|lte)\])?$/;

type Filter<T> = (item: T, value: string) => boolean;

export class StripeSimulator extends StripeGateway {
  constructor(options: StripeSimulatorOptions = {}) {
    super(options);
    this.get('/v1/customers', (req) =>
      this.list(req, '/v1/customers', this.customerList, {
        email: (c, v) => c.email === v,
        test_clock: () => false,
      }),
    );
    this.get('/v1/checkout/sessions', (req) =>
      this.list(req, '/v1/checkout/sessions', this.sessionList, {
        customer: (s, v) => s.customer === v,
        status: (s, v) => s.status === v,
      }),
    );
    this.get('/v1/invoices', (req) =>
      this.list(req, '/v1/invoices', this.invoiceList, {
        customer: (i, v) => i.customer === v,
        status: (i, v) => i.status === v,
      }),
    );
  }

  /** An event of `type` about `object`, signed with the endpoint secret at the clock's time, as Stripe posts it. */
  delivery(type: string, object: unknown, options: { eventId?: string; timestamp?: number } = {}): SignedDelivery {
    const now = Math.floor(this.clock.now() / 1000);
    return stripeWebhookDelivery({
      type,
      object,
      secret: this.webhookSecret,
      timestamp: options.timestamp ?? now,
      eventId: options.eventId ?? `evt_${this.randomId(24)}`,
      created: now,
    });
  }

  private list<T extends StripeObject>(
    req: SimRequest,
    url: string,
    all: T[],
    filters: Record<string, Filter<T>>,
  ): SimResponse {
    for (const key of new Set(req.query.keys())) {
      if (!PAGING.includes(key) && !CREATED.test(key) && !(key in filters)) {
        throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
      }
    }
    const limit = limitOf(req.query.get('limit'));
    const after = req.query.get('starting_after');
    const before = req.query.get('ending_before');
    if (after !== null && before !== null) {
      throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.');
    }
    let items = all;
    for (const [key, keep] of Object.entries(filters)) {
      const value = req.query.get(key);
      if (value !== null) items = items.filter((item) => keep(item, value));
    }
    items = filterCreated(items, req.query);
    const position = new Map(all.map((o, i) => [o.id, i]));
    let page: T[];
    let hasMore: boolean;
    if (before !== null) {
      const anchor = positionOf(all, before, 'ending_before');
      const newer = items.filter((i) => (position.get(i.id) ?? 0) < anchor);
      page = newer.slice(Math.max(0, newer.length - limit));
      hasMore = newer.length > limit;
    } else {
      const anchor = after === null ? -1 : positionOf(all, after, 'starting_after');
      const older = items.filter((i) => (position.get(i.id) ?? 0) > anchor);
      page = older.slice(0, limit);
      hasMore = older.length > limit;
    }
    return { status: 200, body: { object: 'list', url, has_more: hasMore, data: page.map((o) => ({ ...o })) } };
  }
}

function limitOf(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw))
    throw invalidRequest(`Invalid integer: ${raw}`, { code: 'parameter_invalid_integer', param: 'limit' });
  const n = Number(raw);
  if (n < 1 || n > MAX_LIMIT) {
    throw invalidRequest(`limit must be between 1 and ${MAX_LIMIT}, got ${raw}`, {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  }
  return n;
}

/** The index of the object a cursor names; an id not in this list is refused, as Stripe does. */
function positionOf(all: StripeObject[], id: string, param: string): number {
  const index = all.findIndex((o) => o.id === id);
  if (index < 0) {
    const kind = all[0]?.object ?? 'object';
    throw invalidRequest(`No such ${kind}: '${id}'`, { code: 'resource_missing', param });
  }
  return index;
}

function filterCreated<T extends StripeObject>(items: T[], query: URLSearchParams): T[] {
  let out = items;
  for (const [key, raw] of query) {
    const m = CREATED.exec(key);
    if (!m) continue;
    if (!/^\d+$/.test(raw))
      throw invalidRequest(`Invalid integer: ${raw}`, { code: 'parameter_invalid_integer', param: key });
    const at = Number(raw);
    const op = m[2];
    out = out.filter((o) =>
      op === 'gt'
        ? o.created > at
        : op === 'gte'
          ? o.created >= at
          : op === 'lt'
            ? o.created < at
            : op === 'lte'
              ? o.created <= at
              : o.created === at,
    );
  }
  return out;
}
