/**
 * `log_api_calls` and `debug`: every call to a provider (Notion through its SDK and raw requests,
 * Slack, Brevo) is described by the paced fetch they all go through, as one structured line. Where
 * the line goes is the process's choice, made once at start: the functions' Powertools logger, the
 * CLI's stderr, the local stack's output. Bodies are included only at `debug`, redacted.
 */
import type { TajoConfig } from '../config/schema';
import type { Provider } from '../errors';
import { type Personal, redactBody, redactText } from './redact';

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
  /** Bodies for every provider, unless `providers` says otherwise for one. */
  bodies: boolean;
  /** Per-provider modes (a connector's own `log_api_calls`/`debug`); a provider left out uses `bodies`. */
  providers?: Partial<Record<Provider, ApiCallMode>>;
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

/**
 * The process's API call log; with a provider, the log for that provider's calls (undefined when
 * its calls are not logged), `bodies` then saying whether its bodies are.
 */
export function apiCallLog(provider?: Provider): ApiCallLog | undefined {
  const mode = provider === undefined ? undefined : current?.providers?.[provider];
  if (mode === undefined || current === undefined) return current;
  return mode === 'off' ? undefined : { bodies: mode === 'bodies', write: current.write };
}

/** Log levels as the loggers know them (`verbose`, the docs' most detailed level, is `debug`). */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LoggingSettings {
  /**
   * The process's level (the functions' logger): the top-level keys'. A connector's own keys decide
   * what of its calls and events is logged; one logger per process cannot have a level per connector.
   */
  level: Level;
  /**
   * The API call log: one mode for every provider, or, when connectors differ, a spec naming each
   * (`notion=bodies,brevo=off,slack=calls`; TAJO_LOG_API_CALLS carries it to the functions).
   */
  apiCalls: ApiCallSpec;
  /**
   * Providers whose inbound events (webhooks, Slack events) are logged as they arrive (`log_events`,
   * or a connector's own `debug`); absent at level debug, where every request is logged.
   */
  events?: Provider[];
}

/** A mode for all providers, or `provider=mode` pairs separated by commas. */
export type ApiCallSpec = string;

/** What a connector section (or the top level) may say about logging. */
interface LoggingKeys {
  debug?: boolean;
  log_level?: Level | 'verbose';
  log_api_calls?: boolean;
  log_events?: boolean;
}

/** One provider's logging, once the top level and its connector section are combined. */
export interface ProviderLogging {
  level: Level;
  apiCalls: ApiCallMode;
  events: boolean;
}

export const PROVIDERS: readonly Provider[] = ['notion', 'slack', 'brevo'];

type LoggingConfig = Pick<TajoConfig, 'debug' | 'log_level' | 'log_api_calls'> & {
  log_events?: boolean;
  connectors?: Partial<Record<string, LoggingKeys | undefined>>;
};

/**
 * One provider's logging. A connector section's keys apply to that connector and win over the
 * top-level ones, key by key; Brevo has no section, so the top level is its. The rule per level:
 * `debug: true` is level debug with every call and its bodies, and its events; `log_api_calls` logs
 * the calls (with bodies at debug/verbose); `log_level` alone sets the level; `log_events` logs the
 * inbound events.
 */
export function providerLogging(config: LoggingConfig, provider: Provider): ProviderLogging {
  // Brevo (the hub) has no section under connectors: the top level is its.
  const own: LoggingKeys = config.connectors?.[provider] ?? {};
  const debug = own.debug ?? config.debug;
  if (debug) return { level: 'debug', apiCalls: 'bodies', events: true };
  const level = levelOf(own.log_level ?? config.log_level);
  const calls = own.log_api_calls ?? config.log_api_calls;
  return {
    level,
    apiCalls: calls ? (level === 'debug' ? 'bodies' : 'calls') : 'off',
    events: own.log_events ?? config.log_events ?? false,
  };
}

/** `verbose` is the most detailed level the docs name: the loggers' debug. */
export function levelOf(level: Level | 'verbose'): Level {
  return level === 'verbose' ? 'debug' : level;
}

/**
 * The config's logging keys as one process's settings: the level is the top level's, the API call
 * log and the event log are per provider.
 */
export function loggingSettings(config: LoggingConfig): LoggingSettings {
  const each = PROVIDERS.map((p) => [p, providerLogging(config, p)] as const);
  const top = providerLogging({ ...config, connectors: undefined }, 'brevo');
  const modes = new Set(each.map(([, l]) => l.apiCalls));
  const apiCalls = modes.size === 1 ? top.apiCalls : each.map(([p, l]) => `${p}=${l.apiCalls}`).join(',');
  const events = top.level === 'debug' ? [] : each.filter(([, l]) => l.events).map(([p]) => p);
  return { level: top.level, apiCalls, ...(events.length > 0 ? { events } : {}) };
}

/** TAJO_LOG_API_CALLS: a mode for all, or per provider; anything unknown is off. */
export function parseApiCallSpec(value: string | undefined): Record<Provider, ApiCallMode> {
  const all = parseApiCallMode(value);
  const out: Record<Provider, ApiCallMode> = { notion: all, slack: all, brevo: all, platform: all };
  for (const pair of (value ?? '').split(',')) {
    const [p, m] = pair.split('=').map((x) => x.trim());
    if (m !== undefined && (PROVIDERS as readonly string[]).includes(p ?? '')) out[p as Provider] = parseApiCallMode(m);
  }
  return out;
}

/** The API call log a spec asks for (undefined when every provider is off), writing through `write`. */
export function apiCallLogFromSpec(
  spec: string | undefined,
  write: (line: ApiCallLine) => void,
): ApiCallLog | undefined {
  const modes = parseApiCallSpec(spec);
  if (PROVIDERS.every((p) => modes[p] === 'off')) return undefined;
  return { bodies: false, providers: modes, write };
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

/**
 * A person-readable API call log writing lines through `write` (the CLI's stderr, the local
 * stack's output): one mode for every provider, or a spec naming each (loggingSettings).
 */
export function textApiCallLog(spec: ApiCallSpec, write: (text: string) => void): ApiCallLog | undefined {
  return apiCallLogFromSpec(spec, (line) => write(formatApiCall(line)));
}

/**
 * The request's body as a loggable string (bodies are strings, forms or bytes in our clients);
 * `personal` as the client's pacedFetch says (personalBodies).
 */
export function describeRequestBody(
  body: unknown,
  contentType: string,
  personal: Personal = 'keys',
): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return redactBody(body, contentType, { personal });
  if (body instanceof URLSearchParams) {
    return redactBody(body.toString(), 'application/x-www-form-urlencoded', { personal });
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes =
      body instanceof ArrayBuffer
        ? new Uint8Array(body)
        : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return /json|text|form/i.test(contentType)
      ? redactBody(new TextDecoder().decode(bytes), contentType, { personal })
      : `(${bytes.byteLength} bytes)`;
  }
  return '(stream)';
}

/** The response's body (read from a clone, so the caller still reads its own), when it is text. */
export async function describeResponseBody(res: Response, personal: Personal = 'keys'): Promise<string | undefined> {
  const contentType = res.headers.get('content-type') ?? '';
  if (!/json|text|form/i.test(contentType)) {
    const length = res.headers.get('content-length');
    return length ? `(${length} bytes, ${contentType || 'no content type'})` : undefined;
  }
  try {
    const text = await res.clone().text();
    return text ? redactBody(text, contentType, { personal }) : undefined;
  } catch (err) {
    return `(unreadable: ${redactText((err as Error).message)})`;
  }
}
