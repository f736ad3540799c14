/**
 * The one retry policy every provider call follows (Notion, Brevo, Slack, custom platforms; used by
 * pacedFetch): exponential backoff with full jitter, Retry-After honoured, a cap on attempts, and
 * never a wait past the run's deadline. What is safe to repeat is decided by the caller
 * (pacedFetch: idempotent methods, the client's isRetryable hook); this module says how long to
 * wait and when to stop.
 *
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the n-th retry waits a
 * uniform random time in [0, min(maxDelay, base · 2^(n-1))], which spreads the retries of many
 * clients hit by the same fault instead of sending them back together.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readEnv } from '../env';
import type { Clock } from '../ports';

export interface RetryPolicy {
  /**
   * Attempts per call, the first included. 12 keeps a call through a provider failing 40% of the
   * time (0.4^12 ≈ 2·10⁻⁵ per call), while the deadline bounds the time spent.
   */
  maxAttempts: number;
  /**
   * Attempts when nothing listens (connection refused, unknown host): a wrong URL or an outage far
   * more often than a blip, so the person or the lane hears of it in a second or two.
   */
  maxUnreachableAttempts: number;
  /** The first retry's wait ceiling (doubled each retry). */
  baseDelayMs: number;
  /** No backoff wait is longer (a Retry-After may be, up to the caller's in-process limit). */
  maxDelayMs: number;
  /** One attempt's limit: a stalled answer counts as a transient failure after this long. */
  attemptTimeoutMs: number;
  /** [0, 1): injected so tests draw reproducible waits. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 12,
  maxUnreachableAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 60_000,
  random: Math.random,
};

/**
 * The wait before retry number `retry` (1 for the first): full jitter under the exponential
 * ceiling, or the provider's Retry-After when it gave one (never less than what it asked).
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(policy.random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/**
 * Policy overrides from the environment, for test rigs and the fault suite only (short waits and
 * timeouts against a local fault proxy): TAJO_RETRY_BASE_MS, TAJO_RETRY_MAX_MS,
 * TAJO_RETRY_ATTEMPTS, TAJO_HTTP_TIMEOUT_MS. Values that are not positive integers are ignored.
 */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<RetryPolicy> {
  const out: Partial<RetryPolicy> = {};
  const { retryBaseMs: base, retryMaxMs: max, retryAttempts: attempts, httpTimeoutMs: timeout } = readEnv(env);
  if (base !== undefined) out.baseDelayMs = base;
  if (max !== undefined) out.maxDelayMs = max;
  if (attempts !== undefined) out.maxAttempts = attempts;
  if (timeout !== undefined) out.attemptTimeoutMs = timeout;
  return out;
}

/** The policy in effect: defaults, then the environment's overrides, then the caller's. */
export function resolveRetryPolicy(over: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...retryPolicyFromEnv(), ...over };
}

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `fn` with a deadline (epoch ms, on the clock the calls use) that every provider call made
 * inside it respects: no retry wait crosses it, so a run that cannot get through in time fails with
 * the transient error at once and checkpoints, instead of being killed mid-wait (Lambda timeout).
 * Nested calls keep the earlier deadline.
 */
export function runWithDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  const outer = deadlines.getStore();
  return deadlines.run(outer === undefined ? deadline : Math.min(outer, deadline), fn);
}

/** The deadline of the enclosing runWithDeadline, if any. */
export function currentDeadline(): number | undefined {
  return deadlines.getStore();
}

/**
 * A creation the provider has no idempotency key for (a Brevo list or campaign, a Notion page, a
 * Slack post): the write is never repeated blindly. When its answer is lost (`isLost`: a 5xx, a
 * reset, a stall; it may have been applied), the policy's backoff is waited, then `find` reads back
 * what it would have made; only when that finds nothing is it made again, up to the policy's
 * attempts and never past the deadline (then the lost answer's error stands).
 */
export async function createOnce<T>(args: {
  clock: Clock;
  create: () => Promise<T>;
  find: () => Promise<T | undefined>;
  isLost: (err: unknown) => boolean;
  policy?: Partial<RetryPolicy>;
}): Promise<T> {
  const policy = resolveRetryPolicy(args.policy);
  const deadline = currentDeadline() ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await args.create();
    } catch (err) {
      if (attempt >= policy.maxAttempts || !args.isLost(err)) throw err;
      const wait = retryDelayMs(policy, attempt);
      if (args.clock.now() + wait >= deadline) throw err;
      await args.clock.sleep(wait);
      const found = await args.find();
      if (found !== undefined) return found;
    }
  }
}
