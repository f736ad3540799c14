/**
 * A fetch that every provider call goes through: it waits for the lane's pacer, counts requests,
 * honours 429 (Retry-After or the provider's reset header) by pausing the whole lane, retries
 * transient failures of idempotent calls, and turns network failures into UnreachableError.
 * SDK retries are off: retries live here, inside the same budget (DESIGN §5).
 */
import { type Provider, RateLimitedError, UnreachableError } from '../errors';
import { type ApiCallLine, apiCallLog, describeRequestBody, describeResponseBody } from '../logging/api-calls';
import { bodyPersonal, redactUrlPart } from '../logging/redact';
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
  /**
   * Called once per attempt with a line that never contains a secret, besides the process's API
   * call log (log_api_calls, shared/logging/api-calls.ts).
   */
  onCall?: (line: ApiCallLine) => void;
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
    let attempt = 0;
    for (;;) {
      const pacer = opts.pacerFor(url, method);
      await pacer?.acquire();
      opts.stats.requests += 1;
      attempt += 1;
      const started = opts.clock.now();
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = describeNetworkError(err);
        await report(opts, { url, method, init, attempt, started, status: 0, error: cause });
        if (repeatable && transientTries < maxTransient) {
          transientTries += 1;
          await opts.clock.sleep(500 * 2 ** transientTries);
          continue;
        }
        throw new UnreachableError(opts.provider, url.origin, cause);
      }
      const wait = res.status === 429 ? Math.max(opts.retryAfterMs(res), 250) : undefined;
      await report(opts, { url, method, init, attempt, started, status: res.status, retryAfterMs: wait, res });
      if (wait !== undefined) {
        opts.stats.rateLimited += 1;
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

/**
 * One attempt, described to the caller's onCall and the process's API call log. Bodies are read
 * (redacted, from a clone of the response) only when the log asks for them.
 */
async function report(
  opts: PacedFetchOptions,
  a: {
    url: URL;
    method: string;
    init: RequestInit | undefined;
    attempt: number;
    started: number;
    status: number;
    retryAfterMs?: number;
    error?: string;
    res?: Response;
  },
): Promise<void> {
  const log = apiCallLog(opts.provider);
  if (!log && !opts.onCall) return;
  const line: ApiCallLine = {
    provider: opts.provider,
    method: a.method,
    path: redactUrlPart(a.url.pathname),
    status: a.status,
    ms: opts.clock.now() - a.started,
    attempt: a.attempt,
    ...(a.retryAfterMs !== undefined ? { retryAfterMs: a.retryAfterMs } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
  };
  opts.onCall?.(line);
  if (!log) return;
  if (log.bodies) {
    const contentType = new Headers(a.init?.headers).get('content-type') ?? '';
    const personal = bodyPersonal(opts.provider, false);
    const request = describeRequestBody(a.init?.body, contentType, personal);
    const response = a.res ? await describeResponseBody(a.res, personal) : undefined;
    if (request !== undefined) line.request = request;
    if (response !== undefined) line.response = response;
  }
  log.write(line);
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
