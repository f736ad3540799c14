/**
 * Shopify simulator, list endpoints: cursor pagination through the `Link` header. The first request
 * carries the filters; its cursor (`page_info`, opaque) keeps them, and a request with `page_info` may
 * carry only `limit` and `fields` besides (anything else is refused, as Shopify's docs say). `limit`
 * is 1..250 (default 50). Records are in id order; `rel="previous"` is given too.
 */
import type { SimRequest, SimResponse } from '../http-kit';
import { parseIsoParam } from '../platform-kit';
import { ShopifyError, ShopifyGateway } from './gateway';

export const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 50;
const WITH_PAGE_INFO = new Set(['page_info', 'limit', 'fields']);

interface Cursor {
  /** The resource the cursor was made for. */
  r: string;
  /** The first request's filters. */
  f: Record<string, string>;
  /** The id the page starts after (next) or ends before (previous). */
  a: number;
  d: 'next' | 'previous';
}

interface Listed {
  id: number;
  created_at: string;
  updated_at: string;
}

/** Extra filters of one resource (`status`...), applied after the common ones. */
export type ResourceFilter<T> = (items: T[], filters: Record<string, string>) => T[];

export abstract class ShopifyListing extends ShopifyGateway {
  protected list<T extends Listed>(
    req: SimRequest,
    resource: string,
    all: Iterable<T>,
    extraFilter?: ResourceFilter<T>,
  ): SimResponse {
    const limit = this.limitOf(req);
    const pageInfo = req.query.get('page_info');
    let filters: Record<string, string>;
    let cursor: Cursor | undefined;
    if (pageInfo !== null) {
      const extra = [...req.query.keys()].filter((k) => !WITH_PAGE_INFO.has(k));
      if (extra.length > 0) {
        throw new ShopifyError(400, {
          errors: {
            page_info: `cannot be combined with ${[...new Set(extra)].join(', ')}: a request with page_info takes only limit and fields; put filters on the first request`,
          },
        });
      }
      cursor = decodeCursor(pageInfo, resource);
      filters = cursor.f;
    } else {
      filters = {};
      for (const [k, v] of req.query) if (!WITH_PAGE_INFO.has(k)) filters[k] = v;
    }
    let items = this.commonFilter(
      [...all].sort((x, y) => x.id - y.id),
      filters,
    );
    if (extraFilter) items = extraFilter(items, filters);
    let page: T[];
    if (cursor === undefined) page = items.slice(0, limit);
    else if (cursor.d === 'next') page = items.filter((i) => i.id > (cursor as Cursor).a).slice(0, limit);
    else {
      const before = items.filter((i) => i.id < (cursor as Cursor).a);
      page = before.slice(Math.max(0, before.length - limit));
    }
    const links: string[] = [];
    const first = page[0];
    const last = page[page.length - 1];
    const link = (d: Cursor['d'], a: number) =>
      `<${this.baseUrl}${req.path}?limit=${limit}&page_info=${encodeCursor({ r: resource, f: filters, a, d })}>; rel="${d}"`;
    if (first && items[0] && first.id !== items[0].id) links.push(link('previous', first.id));
    if (last && items[items.length - 1]?.id !== last.id) links.push(link('next', last.id));
    const fields = req.query.get('fields');
    const body = { [resource]: page.map((item) => project(item, fields)) };
    return links.length > 0 ? { status: 200, body, headers: { Link: links.join(', ') } } : { status: 200, body };
  }

  private limitOf(req: SimRequest): number {
    const raw = req.query.get('limit');
    if (raw === null) return DEFAULT_LIMIT;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) {
      throw new ShopifyError(400, { errors: { limit: `must be a whole number from 1 to ${MAX_LIMIT}, got ${raw}` } });
    }
    return n;
  }

  private commonFilter<T extends Listed>(items: T[], filters: Record<string, string>): T[] {
    let out = items;
    const bound = (name: string, field: 'created_at' | 'updated_at', keep: (value: number, at: number) => boolean) => {
      const raw = filters[name];
      if (raw === undefined) return;
      const at = parseIsoParam(name, raw);
      if (typeof at !== 'number') throw new ShopifyError(400, { errors: { [name]: at.error } });
      out = out.filter((i) => keep(Date.parse(i[field]), at));
    };
    bound('updated_at_min', 'updated_at', (v, at) => v >= at);
    bound('updated_at_max', 'updated_at', (v, at) => v <= at);
    bound('created_at_min', 'created_at', (v, at) => v >= at);
    bound('created_at_max', 'created_at', (v, at) => v <= at);
    const sinceId = filters.since_id;
    if (sinceId !== undefined) out = out.filter((i) => i.id > Number(sinceId));
    const ids = filters.ids;
    if (ids !== undefined) {
      const wanted = new Set(ids.split(',').map(Number));
      out = out.filter((i) => wanted.has(i.id));
    }
    return out;
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(raw: string, resource: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (c.r === resource && typeof c.a === 'number' && (c.d === 'next' || c.d === 'previous') && c.f) return c;
  } catch {
    // falls through to the refusal
  }
  throw new ShopifyError(400, { errors: { page_info: 'Invalid value.' } });
}

function project<T extends object>(item: T, fields: string | null): Partial<T> {
  if (fields === null || fields.trim() === '') return { ...item };
  const wanted = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(item).filter(([k]) => wanted.has(k))) as Partial<T>;
}
