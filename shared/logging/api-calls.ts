/**
 * `log_api_calls` and `debug`: every call to a provider (Notion through its SDK and raw requests,
 * Slack, Brevo) is described by the paced fetch they all go through, as one structured line. Where
 * the line goes is the process's choice, made once at start: the functions' Powertools logger, the
 * CLI's stderr, the local stack's output. Bodies are included only at `debug`, redacted.
 */
import type { TajoConfig } from '../config/schema';
import type { Provider } from '../errors';
import { redactBody, redactText } from './redact';

export interface ApiCallLine {
  provider: Provider;
  method: string;
  /** The path with its ids (what a person debugging needs); emails and tokens in it redacted. */
  path: string;
  /** HTTP status; 0 when the provider could not be reached. */
  status: number;
  ms: number;
  /** 1 for the first try of a request; more for its retries (429, 5xx, network). */
  attempt: number;
  /** A 429: how long the lane pauses before the next call. */
  retryAfterMs?: number;
  /** Network failure (no status). */
  error?: string;
  /** Redacted bodies, at debug only. */
  request?: string;
  response?: string;
}

/** How much of each call is logged: nothing, one line, or the line with redacted bodies. */
export type ApiCallMode = 'off' | 'calls' | 'bodies';
export const API_CALL_MODES: readonly ApiCallMode[] = ['off', 'calls', 'bodies'];

export interface ApiCallLog {
  bodies: boolean;
  write(line: ApiCallLine): void;
}

/** One per process (as the Powertools logger is): set at start, read by every paced fetch. */
let current: ApiCallLog | undefined;

/** Sends every provider call of this process to `log` (undefined: nowhere); returns the undo. */
export function setApiCallLog(log: ApiCallLog | undefined): () => void {
  const previous = current;
  current = log;
  return () => {
    current = previous;
  };
}

export function apiCallLog(): ApiCallLog | undefined {
  return current;
}

export interface LoggingSettings {
  level: 'debug' | 'info' | 'warn' | 'error';
  apiCalls: ApiCallMode;
}

/**
 * The config's three keys as one rule: `debug: true` is level debug with every call and its bodies;
 * `log_api_calls` logs the calls (with bodies when log_level is debug); `log_level` alone sets the
 * level.
 */
export function loggingSettings(config: Pick<TajoConfig, 'debug' | 'log_level' | 'log_api_calls'>): LoggingSettings {
  if (config.debug) return { level: 'debug', apiCalls: 'bodies' };
  const apiCalls: ApiCallMode = config.log_api_calls ? (config.log_level === 'debug' ? 'bodies' : 'calls') : 'off';
  return { level: config.log_level, apiCalls };
}

export function parseApiCallMode(value: string | undefined): ApiCallMode {
  return (API_CALL_MODES as readonly string[]).includes(value ?? '') ? (value as ApiCallMode) : 'off';
}

/** One line for a person: `[api] notion POST /v1/data_sources/…/query → 200 (120 ms)`. */
export function formatApiCall(line: ApiCallLine): string {
  const outcome = line.status === 0 ? `unreachable: ${line.error ?? 'network error'}` : String(line.status);
  const notes = [
    line.attempt > 1 ? `attempt ${line.attempt}` : undefined,
    line.retryAfterMs !== undefined ? `rate limited, lane paused ${Math.ceil(line.retryAfterMs / 1000)} s` : undefined,
  ].filter(Boolean);
  let text = `[api] ${line.provider} ${line.method} ${line.path} → ${outcome} (${line.ms} ms${notes.length ? `, ${notes.join(', ')}` : ''})`;
  if (line.request) text += `\n[api]   request ${line.request}`;
  if (line.response) text += `\n[api]   response ${line.response}`;
  return text;
}

/** A person-readable API call log writing lines through `write` (the CLI's stderr, the local stack's output). */
export function textApiCallLog(mode: ApiCallMode, write: (text: string) => void): ApiCallLog | undefined {
  if (mode === 'off') return undefined;
  return { bodies: mode === 'bodies', write: (line) => write(formatApiCall(line)) };
}

/** The request's body as a loggable string (bodies are strings, forms or bytes in our clients). */
export function describeRequestBody(body: unknown, contentType: string): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return redactBody(body, contentType);
  if (body instanceof URLSearchParams) return redactBody(body.toString(), 'application/x-www-form-urlencoded');
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer);
    return /json|text|form/i.test(contentType)
      ? redactBody(new TextDecoder().decode(bytes), contentType)
      : `(${bytes.byteLength} bytes)`;
  }
  return '(stream)';
}

/** The response's body (read from a clone, so the caller still reads its own), when it is text. */
export async function describeResponseBody(res: Response): Promise<string | undefined> {
  const contentType = res.headers.get('content-type') ?? '';
  if (!/json|text|form/i.test(contentType)) {
    const length = res.headers.get('content-length');
    return length ? `(${length} bytes, ${contentType || 'no content type'})` : undefined;
  }
  try {
    const text = await res.clone().text();
    return text ? redactBody(text, contentType) : undefined;
  } catch (err) {
    return `(unreadable: ${redactText((err as Error).message)})`;
  }
}
