/**
 * A fetch that every provider call goes through: it waits for the lane's pacer, counts requests,
 * and follows the one retry policy (retry-policy.ts): 429 (Retry-After or the provider's reset
 * header, pausing the whole lane), 5xx, resets and stalls are retried with jittered exponential
 * backoff when the call is safe to repeat, never past the run's deadline; network failures become
 * UnreachableError. SDK retries are off: retries live here, inside the same budget (DESIGN §5).
 */
import { type Provider, RateLimitedError, UnreachableError } from '../errors';
import { type ApiCallLine, apiCallLog, describeRequestBody, describeResponseBody } from '../logging/api-calls';
import { type Personal, redactUrlPart } from '../logging/redact';
import type { Clock } from '../ports';
import type { CallPacer } from '../ratelimit/pacer';
import { currentDeadline, type RetryPolicy, resolveRetryPolicy, retryDelayMs } from './retry-policy';

export interface CallStats {
  requests: number;
  rateLimited: number;
  /** Attempts that were retries (after a 429, a 5xx, a reset or a stall). */
  retries?: number;
}

export function newStats(): CallStats {
  return { requests: 0, rateLimited: 0 };
}

/** Logged API bodies are personal where their keys say, unless the client says the whole body is. */
export const DEFAULT_PERSONAL_BODIES: Personal = 'keys';

export interface PacedFetchOptions {
  provider: Provider;
  /**
   * How logged bodies are redacted (log_api_calls: bodies): `all` when the whole body is personal
   * content but its structure (Slack's: messages built from contact data, people's text), `keys`
   * (default) when it is personal where its keys say (Brevo attributes, Notion properties).
   */
  personalBodies?: Personal;
  clock: Clock;
  stats: CallStats;
  /** Picks the pacer for a request (Brevo paces contacts and "other" endpoints apart). */
  pacerFor: (url: URL, method: string) => CallPacer | undefined;
  /** How long to wait after a 429, from the provider's headers. */
  retryAfterMs: (res: Response) => number;
  /** Longer waits are not slept through in-process: the caller parks the lane instead. */
  maxInProcessWaitMs?: number;
  /** Overrides of the retry policy (defaults: DEFAULT_RETRY_POLICY, then TAJO_RETRY_* in the environment). */
  retry?: Partial<RetryPolicy>;
  /**
   * Calls that are safe to repeat although their method is not idempotent: reads sent as POST,
   * and writes whose repetition is harmless (an import, a list change). Any other POST is retried
   * only when it provably never reached the provider (429, connection refused).
   */
  isRetryable?: (url: URL, method: string) => boolean;
  /**
   * Called before each retry (not the first attempt): a provider that counts every request against
   * a budget (Brevo's 100/hour "other endpoints") takes one more unit here, or throws to stop.
   */
  beforeRetry?: (url: URL, method: string) => Promise<void> | void;
  /** Epoch ms no retry wait may cross; default the enclosing runWithDeadline's. */
  deadline?: () => number | undefined;
  /**
   * Called once per attempt with a line that never contains a secret, besides the process's API
   * call log (log_api_calls, shared/core/logging/api-calls.ts).
   */
  onCall?: (line: ApiCallLine) => void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Failures before any byte of the request reached the provider: safe to repeat for every call. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/**
 * Network failures worth another attempt: the connection broke, stalled or could not be made for
 * now. Anything else (an unknown host, a port fetch refuses, a malformed URL) fails at once: no
 * wait makes it work.
 */
const TRANSIENT = new Set([
  ...NOT_SENT,
  'timed out',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function pacedFetch(opts: PacedFetchOptions): typeof fetch {
  const maxWait = opts.maxInProcessWaitMs ?? 60_000;
  const policy = resolveRetryPolicy(opts.retry);

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
    const repeatable = IDEMPOTENT.has(method) || (opts.isRetryable?.(url, method) ?? false);
    const deadline = opts.deadline?.() ?? currentDeadline() ?? Number.POSITIVE_INFINITY;
    /** Whether another attempt may start after `waitMs`: attempts left and the deadline not crossed. */
    const mayRetry = (attempt: number, waitMs: number) =>
      attempt < policy.maxAttempts && opts.clock.now() + waitMs < deadline;
    let attempt = 0;
    for (;;) {
      const pacer = opts.pacerFor(url, method);
      await pacer?.acquire();
      opts.stats.requests += 1;
      attempt += 1;
      if (attempt > 1) {
        await opts.beforeRetry?.(url, method);
        opts.stats.retries = (opts.stats.retries ?? 0) + 1;
      }
      const started = opts.clock.now();
      let res: Response;
      try {
        // A stall counts as a failure after the attempt timeout. Real time, whatever the clock: the
        // deadline bounds waits (clock time), the timeout bounds one socket (wall time).
        res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(policy.attemptTimeoutMs) });
      } catch (err) {
        const cause = describeNetworkError(err);
        await report(opts, { url, method, init, attempt, started, status: 0, error: cause });
        const wait = retryDelayMs(policy, attempt);
        const notSent = NOT_SENT.has(cause);
        // A caller's own abort is not a fault to absorb.
        if (
          !init?.signal?.aborted &&
          TRANSIENT.has(cause) &&
          (repeatable || notSent) &&
          mayRetry(attempt, wait) &&
          !(notSent && attempt >= policy.maxUnreachableAttempts)
        ) {
          await opts.clock.sleep(wait);
          continue;
        }
        throw new UnreachableError(opts.provider, url.origin, cause);
      }
      const retryAfter = res.status === 429 ? Math.max(opts.retryAfterMs(res), 250) : undefined;
      await report(opts, { url, method, init, attempt, started, status: res.status, retryAfterMs: retryAfter, res });
      if (retryAfter !== undefined) {
        // A 429 was refused before any effect: safe to repeat whatever the call.
        opts.stats.rateLimited += 1;
        await pacer?.pause(retryAfter);
        await res.body?.cancel();
        const wait = retryDelayMs(policy, attempt, retryAfter);
        if (retryAfter > maxWait || !mayRetry(attempt, wait)) throw new RateLimitedError(opts.provider, retryAfter);
        // A paced lane holds every call until the pause is over; the jitter on top is this call's.
        await opts.clock.sleep(pacer ? wait - retryAfter : wait);
        continue;
      }
      if (res.status >= 500 && res.status !== 501 && repeatable) {
        const wait = retryDelayMs(policy, attempt);
        if (mayRetry(attempt, wait)) {
          await res.body?.cancel();
          await opts.clock.sleep(wait);
          continue;
        }
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
    const personal = opts.personalBodies ?? DEFAULT_PERSONAL_BODIES;
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
