/**
 * Shopify simulator, gateway layer: what every request goes through. Queued failures first, then the
 * Admin API path and version, the access token (401), the leaky bucket (429 + Retry-After, and
 * `X-Shopify-Shop-Api-Call-Limit` on every answer), then the route's access scope (403).
 */
import type { SimRequest, SimResponse } from '../http-kit';
import { LeakyBucket } from '../platform-kit';
import { ShopifyStore } from './store';
import type { ShopifyFailure, ShopifyScope, ShopifySimulatorOptions } from './types';

export const INVALID_TOKEN_BODY = {
  errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
};
export const THROTTLED_BODY = {
  errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
};
const ADMIN_PATH = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\//;

export class ShopifyError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export abstract class ShopifyGateway extends ShopifyStore {
  /** Requests answered 429 so far. */
  rateLimitedCount = 0;
  private readonly bucket: LeakyBucket | undefined;
  private readonly failures: { remaining: number; spec: ShopifyFailure; route?: string }[] = [];
  private readonly callLimit = new WeakMap<SimRequest, string>();

  constructor(options: ShopifySimulatorOptions = {}) {
    super(options);
    const spec = options.bucket ?? { size: 40, leakPerSecond: 2 };
    this.bucket = spec === false ? undefined : new LeakyBucket(spec.size, spec.leakPerSecond, () => this.clock.now());
  }

  /** The next `n` authenticated requests (to `route`, e.g. "GET /admin/api/:version/customers.json") get this answer. */
  failNext(n: number, spec: ShopifyFailure, route?: string): void {
    this.failures.push(route === undefined ? { remaining: n, spec } : { remaining: n, spec, route });
  }

  /** Units in the bucket now (what X-Shopify-Shop-Api-Call-Limit reports). */
  bucketUsed(): number {
    return this.bucket?.used() ?? 0;
  }

  protected override before(req: SimRequest, route: string): SimResponse | undefined {
    if (!ADMIN_PATH.test(req.path)) return undefined; // notFound answers it
    const token = req.headers['x-shopify-access-token'];
    if (typeof token !== 'string' || !this.tokens.has(token)) return { status: 401, body: INVALID_TOKEN_BODY };
    const failure = this.failures.find((f) => f.route === undefined || f.route === route);
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      return { status: failure.spec.status, body: failure.spec.body, headers: failure.spec.headers ?? {} };
    }
    if (!this.bucket) return undefined;
    const taken = this.bucket.add();
    const limitHeader = `${this.bucket.used()}/${this.bucket.size}`;
    if (!taken.ok) {
      this.rateLimitedCount += 1;
      return {
        status: 429,
        body: THROTTLED_BODY,
        headers: { 'Retry-After': String(taken.retryAfterSeconds), 'X-Shopify-Shop-Api-Call-Limit': limitHeader },
      };
    }
    this.callLimit.set(req, limitHeader);
    return undefined;
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { errors: 'Invalid JSON in request body' } };
  }

  protected notFound(_req: SimRequest): SimResponse {
    return { status: 404, body: { errors: 'Not Found' } };
  }

  /** Registers an Admin API GET route that needs `scope` (if any); ShopifyError becomes its answer. */
  protected get(
    resourcePath: string,
    scope: ShopifyScope | undefined,
    handler: (req: SimRequest) => SimResponse,
  ): void {
    this.route('GET', `/admin/api/:version/${resourcePath}`, (req) => {
      let res: SimResponse;
      try {
        const token = String(req.headers['x-shopify-access-token']);
        if (scope !== undefined && !(this.tokens.get(token) ?? []).includes(scope)) {
          throw new ShopifyError(403, { errors: `[API] This action requires merchant approval for ${scope} scope.` });
        }
        res = handler(req);
      } catch (e) {
        if (!(e instanceof ShopifyError)) throw e;
        res = { status: e.status, body: e.body };
      }
      const limit = this.callLimit.get(req);
      return limit === undefined
        ? res
        : { ...res, headers: { 'X-Shopify-Shop-Api-Call-Limit': limit, ...(res.headers ?? {}) } };
    });
  }
}
