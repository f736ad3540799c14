/**
 * Brevo API v3 over fetch: the requests every Brevo call makes (the API key, the shared rate limits
 * and the hourly budget, which POSTs may be retried, Brevo's errors in words). The API's operations
 * are BrevoClient's (client.ts).
 */
import { z } from 'zod';
import { BudgetExhaustedError, ProviderError, RateLimitedError } from '../errors';
import { maybe } from '../http/answer';
import { type CallStats, pacedFetch, parseRetryAfter } from '../http/paced-fetch';
import type { Clock } from '../ports';
import type { BudgetAnswer, CallReserver } from '../ratelimit/call-budget';
import { type BrevoLimits, isPacedPath } from './limits';

export const BREVO_DEFAULT_BASE_URL = 'https://api.brevo.com';

export interface BrevoClientOptions {
  apiKey: string;
  baseUrl?: string;
  clock: Clock;
  stats: CallStats;
  limits: BrevoLimits;
  /** Longer 429 waits are not slept through in process (a Lambda parks the lane instead). */
  maxInProcessWaitMs?: number;
  /**
   * The tenant's "other endpoints" budget shared across invocations (ratelimit/call-budget.ts):
   * every such call takes one, unless reserved ahead with reserveOtherCalls. Without it only the
   * in-process budget applies.
   */
  otherBudget?: CallReserver;
}

export class BrevoTransport {
  private readonly fetch: typeof fetch;
  private readonly base: string;
  /** "Other endpoint" calls already reserved in the shared budget (reserveOtherCalls). */
  private prepaidOther = 0;

  constructor(protected readonly opts: BrevoClientOptions) {
    this.base = (opts.baseUrl ?? BREVO_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.fetch = pacedFetch({
      provider: 'brevo',
      clock: opts.clock,
      stats: opts.stats,
      pacerFor: (url) => (isPacedPath(url.pathname) ? opts.limits.contacts : undefined),
      // Brevo documents no Retry-After; x-sib-ratelimit-reset says when the window reopens. A
      // Retry-After (a proxy or gateway in front of Brevo) is honoured when present.
      retryAfterMs: (res) =>
        parseRetryAfter(res.headers.get('retry-after'), opts.clock.now()) ??
        Math.max(1, Number(res.headers.get('x-sib-ratelimit-reset') ?? '1') || 1) * 1000,
      maxInProcessWaitMs: opts.maxInProcessWaitMs,
      isRetryable: (url, method) => method === 'POST' && isRepeatableBrevoPost(url.pathname),
      // Brevo counts every request it receives: a retry of an "other" endpoint draws on the budget.
      beforeRetry: async (url) => {
        if (!isPacedPath(url.pathname)) await this.takeOtherBudget();
      },
    });
  }

  protected async request(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    const res = await this.raw(method, path, body);
    if (!res.ok) throw await this.error(res, what);
    if (res.status === 204) return undefined;
    return this.json(res, what);
  }

  /**
   * A call whose answer body we do not read (Brevo documents 204): any 2xx is success, whatever
   * body comes with it, so an answer Brevo changes never turns an accepted write into a failure.
   */
  protected async send(method: string, path: string, what: string, body?: unknown): Promise<void> {
    const res = await this.raw(method, path, body);
    if (!res.ok) throw await this.error(res, what);
    await res.body?.cancel();
  }

  /** The body of a successful answer; one that is not JSON is a ProviderError, never a SyntaxError. */
  protected async json(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderError(
        'brevo',
        res.status,
        'unexpected_answer',
        `Brevo answered ${what} with a body that is not JSON`,
      );
    }
  }

  /**
   * Reserves `n` calls of the shared "other endpoints" budget for the calls about to be made, so a
   * sequence that must not stop halfway (create a campaign, then send it) starts only when all its
   * calls are available. `keep` calls of the hour stay free for other work. Without a shared
   * budget, answers ok.
   */
  async reserveOtherCalls(n: number, keep = 0): Promise<BudgetAnswer> {
    const budget = this.opts.otherBudget;
    if (!budget) return { ok: true, used: 0 };
    const answer = await budget.reserve(n, keep);
    if (answer.ok) this.prepaidOther += n;
    return answer;
  }

  /** One call of the "other endpoints" budget: in process, then the tenant's shared one. */
  private async takeOtherBudget(): Promise<void> {
    const budget = this.opts.limits.other.take();
    if (!budget.ok) throw new BudgetExhaustedError('brevo', 'other-endpoints (100/hour)', budget.retryInMs);
    const shared = this.opts.otherBudget;
    if (shared && this.prepaidOther > 0) this.prepaidOther -= 1;
    else if (shared) {
      const answer = await shared.reserve(1);
      if (!answer.ok) {
        throw new BudgetExhaustedError('brevo', `other-endpoints (${shared.limit}/hour)`, answer.retryInMs);
      }
    }
  }

  protected async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const other = !isPacedPath(path);
    if (other) await this.takeOtherBudget();
    try {
      return await this.fetch(`${this.base}${path}`, {
        method,
        headers: {
          'api-key': this.opts.apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // Brevo said 429 for longer than we wait in process: no invocation of this tenant should try
      // an "other" endpoint before the window reopens.
      if (other && err instanceof RateLimitedError && !(err instanceof BudgetExhaustedError)) {
        await this.opts.otherBudget?.block(this.opts.clock.now() + err.retryAfterMs);
      }
      throw err;
    }
  }

  protected async error(res: Response, what: string): Promise<ProviderError> {
    let code = 'unknown';
    let message = res.statusText;
    try {
      // Brevo's error model is {code, message, metadata?}; anything else keeps the status text.
      const b = z
        .looseObject({ code: maybe(z.string()).catch(undefined), message: maybe(z.string()).catch(undefined) })
        .catch({})
        .parse(await res.json());
      code = b.code ?? code;
      message = (b.message ?? message).replace(/\s+/g, ' ');
    } catch {
      // not JSON: keep the status text
    }
    if (res.status === 401) {
      return new ProviderError(
        'brevo',
        401,
        code,
        'Brevo rejected the API key (401 unauthorized): check brevo.api_key',
      );
    }
    if (res.status === 403 && /ip/i.test(message)) {
      return new ProviderError(
        'brevo',
        403,
        code,
        `Brevo blocked this IP address: authorise it under Security → Authorised IPs (${message})`,
      );
    }
    return new ProviderError('brevo', res.status, code, `Brevo error on ${what} (${res.status} ${code}): ${message}`);
  }
}

/**
 * Brevo POSTs whose repetition is harmless, so a 5xx, a reset or a stall is retried (brevo.md §3):
 * - `/v3/contacts/import`: an upsert by identifier (updateExistingContacts); a second process
 *   writes the same values again. An import whose answer was lost was applied once or twice, never
 *   differently.
 * - `/v3/contacts/lists/{id}/contacts/add|remove`: set membership; a repeat answers the contacts
 *   already in (or out of) the list under `failure`, which callers read as "nothing to do".
 * - `/v3/contacts` with `updateEnabled`: create-or-update; a repeat of a creation updates.
 * Not here, so retried only when Brevo provably did not take them (429, connection refused):
 * `/v3/events` and `/v3/events/batch` (Brevo has no idempotency key nor any way to read events
 * back: a repeat would be a second event, which may trigger an automation twice; docs/sync.md), campaign creation (resolved
 * by reading back, createEmailCampaign), sendNow, folder and list creation.
 */
function isRepeatableBrevoPost(path: string): boolean {
  return (
    path === '/v3/contacts/import' ||
    path === '/v3/contacts' ||
    /^\/v3\/contacts\/lists\/\d+\/contacts\/(add|remove)$/.test(path)
  );
}
