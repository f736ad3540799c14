/**
 * Stripe simulator, gateway layer: queued failures, the secret key (Bearer or Basic username; 401
 * with `Www-Authenticate` otherwise), the key's mode, and the rate limiters: the mode's global limit
 * (live 100/s, test 25/s) and the per-endpoint default (25/s), both answered 429 without Retry-After
 * (Stripe documents none). Errors have Stripe's shape `{error: {type, code?, param?, message}}`.
 */
import { type SimRequest, type SimResponse, TokenBucket } from '../http-kit';
import { basicCredentials } from '../oauth-kit';
import { StripeAccount } from './store';
import type { StripeFailure, StripeLimits, StripeSimulatorOptions } from './types';

const DEFAULT_LIMITS: StripeLimits = { live: 100, test: 25, perEndpoint: 25 };

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly error: { type: string; message: string; code?: string; param?: string },
  ) {
    super(error.message);
  }

  toResponse(): SimResponse {
    return { status: this.status, body: { error: this.error } };
  }
}

export function invalidRequest(message: string, extra: { code?: string; param?: string } = {}): StripeError {
  return new StripeError(400, { type: 'invalid_request_error', message, ...extra });
}

export abstract class StripeGateway extends StripeAccount {
  /** Requests answered 429 so far. */
  rateLimitedCount = 0;
  private readonly limits: StripeLimits | undefined;
  private readonly modeBuckets = new Map<string, TokenBucket>();
  private readonly endpointBuckets = new Map<string, TokenBucket>();
  private readonly failures: { remaining: number; spec: StripeFailure; route?: string }[] = [];

  constructor(options: StripeSimulatorOptions = {}) {
    super(options);
    this.limits = options.limits === false ? undefined : { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  }

  /** The next `n` authenticated requests (to `route`, e.g. "GET /v1/customers") get this answer. */
  failNext(n: number, spec: StripeFailure, route?: string): void {
    this.failures.push(route === undefined ? { remaining: n, spec } : { remaining: n, spec, route });
  }

  protected override before(req: SimRequest, route: string): SimResponse | undefined {
    const key = secretKeyOf(req);
    if (key === undefined) {
      return unauthorized(
        "You did not provide an API key: send your secret key as 'Authorization: Bearer sk_...' or as the Basic username.",
      );
    }
    if (!this.apiKeys.has(key)) return unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
    const failure = this.failures.find((f) => f.route === undefined || f.route === route);
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      return { status: failure.spec.status, body: failure.spec.body, headers: failure.spec.headers ?? {} };
    }
    if (
      this.limits &&
      !(
        this.take(this.modeBuckets, modeOf(key), modeOf(key) === 'live' ? this.limits.live : this.limits.test) &&
        this.take(this.endpointBuckets, route, this.limits.perEndpoint)
      )
    ) {
      this.rateLimitedCount += 1;
      return {
        status: 429,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly: slow down and retry with exponential backoff.',
          },
        },
      };
    }
    return undefined;
  }

  protected invalidJson(): SimResponse {
    return invalidRequest('Invalid request body: Stripe takes form-encoded bodies').toResponse();
  }

  protected notFound(req: SimRequest): SimResponse {
    return new StripeError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.path}).`,
    }).toResponse();
  }

  /** Registers a GET route; StripeError becomes its answer. */
  protected get(path: string, handler: (req: SimRequest) => SimResponse): void {
    this.route('GET', path, (req) => {
      try {
        return handler(req);
      } catch (e) {
        if (e instanceof StripeError) return e.toResponse();
        throw e;
      }
    });
  }

  private take(buckets: Map<string, TokenBucket>, key: string, perSecond: number): boolean {
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(perSecond, perSecond, () => this.clock.now());
      buckets.set(key, bucket);
    }
    return bucket.take().ok;
  }
}

function secretKeyOf(req: SimRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  return basicCredentials(header)?.id;
}

function modeOf(key: string): 'live' | 'test' {
  return key.includes('_live_') ? 'live' : 'test';
}

function maskKey(key: string): string {
  return `${key.slice(0, key.indexOf('_', 3) + 1)}****${key.slice(-4)}`;
}

function unauthorized(message: string): SimResponse {
  return {
    status: 401,
    body: { error: { type: 'invalid_request_error', message } },
    headers: { 'Www-Authenticate': 'Basic realm="Stripe"' },
  };
}
