/**
 * A small platform API for the engine's tests, one per pagination style, on 127.0.0.1: it
 * enforces its auth (401), its pace (a token bucket: 429 + Retry-After, and a client that comes
 * back before Retry-After is over is refused and counted), its page size cap and its cursor rules
 * (opaque cursors it issued, used once; a page_info link carries nothing but the page size), and
 * filters by `updated_after`. A simulator, not a mock: the engine has to follow its rules.
 */
import { randomBytes } from 'node:crypto';
import { type SimRequest, type SimResponse, SimServer, TokenBucket } from '../../../sandbox/http-kit';

export type SimPagination = 'cursor-next' | 'cursor-last-item' | 'page' | 'offset' | 'link';

export interface SimRecord {
  id: string;
  updated_at: string;
  [k: string]: unknown;
}

export interface PlatformSimOptions {
  pagination: SimPagination;
  records: SimRecord[];
  /** The credential: `X-Api-Key: <apiKey>` (unless `oauth`). */
  apiKey: string;
  /** OAuth2 instead: `Authorization: Bearer <access>`; POST /oauth/token swaps `refresh` for a new access token. */
  oauth?: { access: string; refresh: string; clientId: string; clientSecret: string };
  /** Records per page at most (a larger page size is a 400). */
  maxPageSize?: number;
  /** Requests per second the bucket refills; 429 beyond. */
  ratePerSecond?: number;
  burst?: number;
  /** Every n-th request is answered 429 with Retry-After: 1, whatever the bucket says. */
  throttleEvery?: number;
  /** Link pagination: the origin its next links point at (default its own). */
  linkOrigin?: string;
}

export class PlatformSim extends SimServer {
  /** Requests that came back before their Retry-After was over. */
  earlyRetries = 0;
  /** 429s sent. */
  throttled = 0;
  /** The query string of every request that got past auth. */
  readonly queries: string[] = [];
  private readonly bucket: TokenBucket;
  private notBefore = 0;
  private served = 0;
  private readonly cursors = new Map<string, number>();

  constructor(readonly opts: PlatformSimOptions) {
    super();
    this.bucket = new TokenBucket(opts.ratePerSecond ?? 50, opts.burst ?? 50);
    this.route('GET', '/api/customers', (req) => this.list(req));
    this.route('POST', '/oauth/token', (req) => this.token(req));
  }

  /** Token refreshes answered (a new access token each; the old one stops working). */
  refreshes = 0;

  private token(req: SimRequest): SimResponse {
    const oauth = this.opts.oauth;
    const form = new URLSearchParams(req.rawBody.toString('utf8'));
    if (
      oauth === undefined ||
      form.get('grant_type') !== 'refresh_token' ||
      form.get('refresh_token') !== oauth.refresh ||
      form.get('client_id') !== oauth.clientId ||
      form.get('client_secret') !== oauth.clientSecret
    )
      return { status: 400, body: { error: 'invalid_grant' } };
    this.refreshes += 1;
    oauth.access = `access-${this.refreshes}`;
    oauth.refresh = `refresh-${this.refreshes}`;
    return {
      status: 200,
      body: { access_token: oauth.access, refresh_token: oauth.refresh, expires_in: 3600, token_type: 'bearer' },
    };
  }

  protected override before(req: SimRequest, route: string): SimResponse | undefined {
    if (route === 'POST /oauth/token') return undefined;
    const oauth = this.opts.oauth;
    const signedIn = oauth
      ? req.headers.authorization === `Bearer ${oauth.access}`
      : req.headers['x-api-key'] === this.opts.apiKey;
    if (!signedIn) return { status: 401, body: { error: 'not signed in' } };
    this.queries.push(req.query.toString());
    const now = Date.now();
    if (now < this.notBefore) {
      this.earlyRetries += 1;
      return this.tooMany(Math.ceil((this.notBefore - now) / 1000));
    }
    this.served += 1;
    if (this.opts.throttleEvery !== undefined && this.served % this.opts.throttleEvery === 0) return this.tooMany(1);
    const token = this.bucket.take();
    if (!token.ok) return this.tooMany(token.retryAfterSeconds);
    return undefined;
  }

  private tooMany(seconds: number): SimResponse {
    this.throttled += 1;
    this.notBefore = Math.max(this.notBefore, Date.now() + seconds * 1000);
    return { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': String(seconds) } };
  }

  private issueCursor(offset: number): string {
    const token = randomBytes(9).toString('base64url');
    this.cursors.set(token, offset);
    return token;
  }

  private takeCursor(token: string): number | undefined {
    const offset = this.cursors.get(token);
    this.cursors.delete(token);
    return offset;
  }

  private list(req: SimRequest): SimResponse {
    const q = req.query;
    const max = this.opts.maxPageSize ?? 100;
    const size = Number(q.get('limit') ?? q.get('per_page') ?? 20);
    if (!Number.isInteger(size) || size < 1 || size > max)
      return { status: 400, body: { error: `limit must be 1..${max}` } };
    // updated_after: an ISO date-time or unix seconds.
    const sinceParam = q.get('updated_after');
    const since =
      sinceParam === null ? 0 : /^\d+$/.test(sinceParam) ? Number(sinceParam) * 1000 : Date.parse(sinceParam);
    if (Number.isNaN(since)) return { status: 400, body: { error: 'bad updated_after' } };
    const all = this.opts.records
      .filter((r) => Date.parse(r.updated_at) >= since)
      .sort((a, b) => a.id.localeCompare(b.id));
    let offset = 0;
    switch (this.opts.pagination) {
      case 'cursor-next': {
        const cursor = q.get('cursor');
        if (cursor !== null) {
          const at = this.takeCursor(cursor);
          if (at === undefined) return { status: 400, body: { error: 'unknown or used cursor' } };
          offset = at;
        }
        const data = all.slice(offset, offset + size);
        const more = offset + size < all.length;
        return { status: 200, body: { data, meta: { next_cursor: more ? this.issueCursor(offset + size) : null } } };
      }
      case 'cursor-last-item': {
        const after = q.get('starting_after');
        if (after !== null) {
          const i = all.findIndex((r) => r.id === after);
          if (i < 0) return { status: 400, body: { error: `no such object: ${after}` } };
          offset = i + 1;
        }
        const data = all.slice(offset, offset + size);
        return { status: 200, body: { object: 'list', data, has_more: offset + size < all.length } };
      }
      case 'page': {
        const page = Number(q.get('page') ?? 1);
        if (!Number.isInteger(page) || page < 1) return { status: 400, body: { error: 'page starts at 1' } };
        return { status: 200, body: { items: all.slice((page - 1) * size, page * size) } };
      }
      case 'offset': {
        offset = Number(q.get('offset') ?? 0);
        if (!Number.isInteger(offset) || offset < 0) return { status: 400, body: { error: 'bad offset' } };
        return { status: 200, body: all.slice(offset, offset + size) };
      }
      case 'link': {
        const pageInfo = q.get('page_info');
        if (pageInfo !== null) {
          const others = [...q.keys()].filter((k) => k !== 'page_info' && k !== 'limit');
          if (others.length > 0) return { status: 400, body: { error: `page_info takes only limit (got ${others})` } };
          const at = this.takeCursor(pageInfo);
          if (at === undefined) return { status: 400, body: { error: 'unknown page_info' } };
          offset = at;
        }
        const data = all.slice(offset, offset + size);
        const headers: Record<string, string> = {};
        if (offset + size < all.length) {
          const next = `${this.opts.linkOrigin ?? this.baseUrl}/api/customers?limit=${size}&page_info=${this.issueCursor(offset + size)}`;
          headers.link = `<${this.baseUrl}/api/customers?limit=${size}>; rel="previous", <${next}>; rel="next"`;
        }
        return { status: 200, body: { customers: data }, headers };
      }
    }
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { error: 'invalid json' } };
  }

  protected notFound(): SimResponse {
    return { status: 404, body: { error: 'not found' } };
  }
}

/** `n` customers with ids c0001.., emails, nested names and totals, updated a minute apart from `start`. */
export function customers(n: number, start = Date.parse('2026-01-01T00:00:00Z')): SimRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(4, '0')}`,
    updated_at: new Date(start + i * 60_000).toISOString(),
    email: `person${i + 1}@example.com`,
    contact: { email: `person${i + 1}@example.com`, first_name: `First${i + 1}` },
    stats: { total_spent: (i + 1) * 10.5 },
  }));
}
