/**
 * A fetch that every provider call goes through: it waits for the lane's pacer, counts requests,
 * honours 429 (Retry-After or the provider's reset header) by pausing the whole lane, retries
 * transient failures of idempotent calls, and turns network failures into UnreachableError.
 * SDK retries are off: retries live here, inside the same budget (DESIGN §5).
 */
import { type Provider, RateLimitedError, UnreachableError } from '../errors';
import type { Clock } from '../ports';
import type { Pacer } from '../ratelimit/pacer';

export interface CallStats {
  requests: number;
  rateLimited: number;
}

export function newStats(): CallStats {
  return { requests: 0, rateLimited: 0 };
}

export interface PacedFetchOptions {
  provider: Provider;
  clock: Clock;
  stats: CallStats;
  /** Picks the pacer for a request (Brevo paces contacts and "other" endpoints apart). */
  pacerFor: (url: URL, method: string) => Pacer | undefined;
  /** How long to wait after a 429, from the provider's headers. */
  retryAfterMs: (res: Response) => number;
  /** Longer waits are not slept through in-process: the caller parks the lane instead. */
  maxInProcessWaitMs?: number;
  maxRateLimitRetries?: number;
  /** Retries of 5xx / network errors for idempotent methods. */
  maxTransientRetries?: number;
  /** Calls that are safe to repeat although their method is not idempotent (reads sent as POST). */
  isRetryable?: (url: URL, method: string) => boolean;
  timeoutMs?: number;
  /** Called once per request with a line that never contains a secret (for log_api_calls). */
  onCall?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function pacedFetch(opts: PacedFetchOptions): typeof fetch {
  const maxWait = opts.maxInProcessWaitMs ?? 60_000;
  const max429 = opts.maxRateLimitRetries ?? 5;
  const maxTransient = opts.maxTransientRetries ?? 2;
  const timeoutMs = opts.timeoutMs ?? 60_000;

  return async (input, requestInit) => {
    let init = requestInit;
    if (input instanceof Request) {
      // A Request carries its own method, headers and body: keep them (init, if given, wins).
      init = {
        method: input.method,
        headers: input.headers,
        body: input.body ? await input.arrayBuffer() : undefined,
        ...requestInit,
      };
    }
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    let rateLimitedTries = 0;
    let transientTries = 0;
    const repeatable = IDEMPOTENT.has(method) || (opts.isRetryable?.(url, method) ?? false);
    for (;;) {
      const pacer = opts.pacerFor(url, method);
      await pacer?.acquire();
      opts.stats.requests += 1;
      const started = opts.clock.now();
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = describeNetworkError(err);
        if (repeatable && transientTries < maxTransient) {
          transientTries += 1;
          await opts.clock.sleep(500 * 2 ** transientTries);
          continue;
        }
        throw new UnreachableError(opts.provider, url.origin, cause);
      }
      opts.onCall?.({ method, path: url.pathname, status: res.status, ms: opts.clock.now() - started });
      if (res.status === 429) {
        opts.stats.rateLimited += 1;
        const wait = Math.max(opts.retryAfterMs(res), 250);
        pacer?.pause(wait);
        if (wait > maxWait || rateLimitedTries >= max429) {
          await res.body?.cancel();
          throw new RateLimitedError(opts.provider, wait);
        }
        rateLimitedTries += 1;
        await res.body?.cancel();
        // A paced lane holds every call until the wait is over; an unpaced call waits by itself.
        if (!pacer) await opts.clock.sleep(wait);
        continue;
      }
      if (res.status >= 500 && res.status !== 501 && repeatable && transientTries < maxTransient) {
        transientTries += 1;
        await res.body?.cancel();
        await opts.clock.sleep(500 * 2 ** transientTries);
        continue;
      }
      return res;
    }
  };
}

/** A network failure in a few words (`timed out`, `ECONNREFUSED`), for UnreachableError. */
export function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Retry-After as seconds or an HTTP date (RFC 9110). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
