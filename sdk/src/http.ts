/**
 * One request to the management API, retried as Stripe's SDK does: 429/502/503/504 and network
 * failures, honouring Retry-After, else exponential backoff with jitter. A call that is not
 * idempotent (a POST that starts something) is retried only when the API surely did not act on it:
 * a 502/503/504 or a connection that was refused; never after a 4xx, never after a timeout.
 */
import { errorFromAnswer, TajoConnectionError, TajoError } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  apiKey: () => string;
  baseUrl: () => string;
  fetch: FetchLike;
  maxRetries: number;
  timeoutMs: number;
  /** Waits between attempts (tests replace it; defaults to a timer). */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  /** Safe to send twice: GET, PUT, DELETE and read-only POSTs (a query). */
  idempotent?: boolean;
  /**
   * Sent as the Idempotency-Key header, the same on every attempt: the API takes a retried call for
   * the first one, so a POST that creates something may be retried after a timeout.
   */
  idempotencyKey?: string;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
/** A Retry-After longer than this is not waited for: the error carries it instead. */
const MAX_RETRY_AFTER_SECONDS = 60;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

/** How long to wait before attempt `attempt` (1 = the first retry); `random` in [0, 1). */
export function retryDelayMs(attempt: number, retryAfterSeconds: number | undefined, random = Math.random()): number {
  if (retryAfterSeconds !== undefined) return retryAfterSeconds * 1000;
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

export class Transport {
  constructor(private readonly o: TransportOptions) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? (method !== 'POST' || options.idempotencyKey !== undefined);
    const url = `${this.o.baseUrl().replace(/\/+$/, '')}${path}`;
    const init = this.init(method, options.body, options.idempotencyKey);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once(url, init, `${method} ${path}`);
      const last = attempt >= this.o.maxRetries;
      if (outcome.ok) return outcome.value as T;
      const err = outcome.error;
      if (last || !retryable(err, idempotent, outcome.sent)) throw err;
      if ((err.retryAfterSeconds ?? 0) > MAX_RETRY_AFTER_SECONDS) throw err;
      await (this.o.sleep ?? sleep)(retryDelayMs(attempt + 1, err.retryAfterSeconds));
    }
  }

  private init(method: string, body: unknown, idempotencyKey?: string): RequestInit {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.o.apiKey()}`,
      accept: 'application/json',
      'user-agent': 'tajo-sdk-node/0.1.0',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
  }

  private async once(
    url: string,
    init: RequestInit,
    what: string,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: TajoError; sent: boolean }> {
    let res: Response;
    try {
      res = await this.o.fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (err) {
      return { ok: false, ...networkError(err, url, this.o.timeoutMs) };
    }
    const text = await res.text().catch(() => '');
    const body = parseJson(text);
    if (res.ok) {
      if (text !== '' && body === undefined) {
        const message = `${what} answered ${res.status} with a body that is not JSON: is ${url} the Tajo API (TAJO_API_URL)?`;
        return {
          ok: false,
          error: new TajoError({ status: res.status, code: 'invalid_response', message }),
          sent: true,
        };
      }
      return { ok: true, value: body ?? {} };
    }
    return { ok: false, error: errorFromAnswer(res.status, body, res.headers, what), sent: true };
  }
}

function retryable(err: TajoError, idempotent: boolean, sent: boolean): boolean {
  if (err instanceof TajoConnectionError) return idempotent || !sent;
  if (!RETRYABLE.has(err.status)) return false;
  return idempotent || err.status >= 500;
}

function networkError(err: unknown, url: string, timeoutMs: number): { error: TajoError; sent: boolean } {
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    const message = `no answer from ${url} within ${timeoutMs} ms: raise timeoutMs or check the API`;
    return { error: new TajoConnectionError({ status: 0, code: 'timeout', message }, { cause: err }), sent: true };
  }
  const code = (err as { cause?: { code?: string } })?.cause?.code ?? 'network_error';
  // Refused or unresolved: the request never reached the API, so it may go again whatever it does.
  const sent = !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
  const message = `cannot reach ${url} (${code}): check TAJO_API_URL and that the API is running`;
  return { error: new TajoConnectionError({ status: 0, code: 'connection_error', message }, { cause: err }), sent };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A path segment, escaped. */
export const seg = (s: string | number) => encodeURIComponent(String(s));
