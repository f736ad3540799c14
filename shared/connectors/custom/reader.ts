/**
 * Reads one resource of a definition: every page, paced at the definition's rate_limit per
 * connection, through the core's paced fetch (the one retry policy: 429 + Retry-After, 5xx,
 * resets), signed in by the auth (oauth2 refreshes once on a 401), incremental with
 * `updated_since` (the last run's high-water mark minus an overlap). Pages come out as mapped
 * records with the high-water mark so far; where they go (contacts, events) is the caller's.
 */

import { ProviderError, RateLimitedError, TajoError, UnreachableError } from '../../core/errors';
import { type CallStats, newStats, pacedFetch, parseRetryAfter } from '../../core/http/paced-fetch';
import type { RetryPolicy } from '../../core/http/retry-policy';
import { integrationKey } from '../../core/integration-key';
import { type Clock, systemClock } from '../../core/ports';
import { sharedPacer } from '../../core/ratelimit/pacer';
import {
  type AuthSession,
  authSession,
  type ConnectionSettings,
  credentialHint,
  credentialNeeds,
  type OAuthTokens,
  resolveBaseUrl,
} from './auth';
import { type Definition, MAX_PAGES, type ResourceDefinition } from './definition/schema';
import { assertPlatformUrlAllowed } from './outbound';
import { firstPageUrl, nextPageUrl } from './pagination';
import { getPath } from './paths';
import { type MappedRecord, mapRecord } from './records';

export interface PlatformClientOptions {
  definition: Definition;
  settings: ConnectionSettings;
  clock?: Clock;
  stats?: CallStats;
  /** Who shares this connection's pace (default: the definition's name, base URL and credential). */
  connectionKey?: string;
  retry?: Partial<RetryPolicy>;
  /** A Retry-After longer than this is not slept through: RateLimitedError parks the caller. */
  maxInProcessWaitMs?: number;
  /** Stores tokens an oauth2 refresh returned (with it, a token about to expire is refreshed first). */
  onTokens?: (tokens: OAuthTokens) => Promise<void> | void;
  /** The platform refused the oauth2 refresh token: the connection needs installing again. */
  onRefused?: (reason: string) => Promise<void> | void;
  /** The stored oauth2 tokens now: another process may have refreshed them. */
  latest?: () => Promise<Readonly<Record<string, string | undefined>>>;
}

export interface PlatformAnswer {
  url: URL;
  body: unknown;
  headers: Headers;
}

/** GETs on a platform's API for one connection: paced, retried, signed in, answers parsed as JSON. */
export interface PlatformClient {
  readonly baseUrl: string;
  readonly stats: CallStats;
  get(url: URL): Promise<PlatformAnswer>;
}

export function platformClient(opts: PlatformClientOptions): PlatformClient {
  const { definition, settings } = opts;
  const clock = opts.clock ?? systemClock;
  const stats = opts.stats ?? newStats();
  const baseUrl = resolveBaseUrl(definition, settings);
  const rate = definition.rate_limit.requests_per_second;
  const credential = credentialNeeds(definition.auth)
    .map((n) => settings[n.key] ?? '')
    .join(':');
  const key = opts.connectionKey ?? integrationKey(`platform-${definition.name}`, `${baseUrl}|${credential}`);
  const pacer = sharedPacer(`platform:${definition.name}:${key}`, 1000 / rate, clock);
  const fetchPaced = pacedFetch({
    provider: 'platform',
    clock,
    stats,
    pacerFor: () => pacer,
    retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? 1000 / rate,
    ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
    ...(opts.maxInProcessWaitMs !== undefined ? { maxInProcessWaitMs: opts.maxInProcessWaitMs } : {}),
  });
  // Every request of the connection (reads, link pages, token refreshes) goes through the outbound check.
  const fetchAllowed = (url: URL | string, init?: RequestInit) => {
    const target = typeof url === 'string' ? new URL(url) : url;
    assertPlatformUrlAllowed(target, definition.label);
    return fetchPaced(target, init);
  };
  const auth: AuthSession = authSession(definition, settings, {
    clock,
    ...(opts.onTokens !== undefined ? { onTokens: opts.onTokens } : {}),
    ...(opts.onRefused !== undefined ? { onRefused: opts.onRefused } : {}),
    ...(opts.latest !== undefined ? { latest: opts.latest } : {}),
  });

  const send = async (url: URL) => {
    const signed = new URL(url);
    const headers = new Headers({ accept: 'application/json', ...definition.headers });
    await auth.prepare();
    auth.apply(signed, headers);
    try {
      return await fetchAllowed(signed, { method: 'GET', headers });
    } catch (err) {
      // The core names the provider kind ('platform'); a person needs the platform's own name.
      if (err instanceof RateLimitedError)
        err.message = `${definition.label} rate limit: retry after ${Math.ceil(err.retryAfterMs / 1000)} s`;
      if (err instanceof UnreachableError)
        err.message = err.message.replace(/^cannot reach platform/, `cannot reach ${definition.label}`);
      throw err;
    }
  };

  return {
    baseUrl,
    stats,
    async get(url) {
      let res = await send(url);
      if (res.status === 401 && (await auth.refresh())) {
        await res.body?.cancel();
        res = await send(url);
      }
      const where = `GET ${url.pathname}`;
      if (!res.ok) {
        await res.body?.cancel();
        const hint = res.status === 401 || res.status === 403 ? `: ${credentialHint(definition)}` : '';
        throw new ProviderError(
          'platform',
          res.status,
          `http_${res.status}`,
          `${definition.label} answered ${res.status} to ${where}${hint}`,
        );
      }
      const text = await res.text();
      try {
        return { url, body: text === '' ? null : JSON.parse(text), headers: res.headers };
      } catch {
        throw new ProviderError(
          'platform',
          res.status,
          'unexpected_answer',
          `${definition.label} answered ${where} with something other than JSON`,
        );
      }
    },
  };
}

export interface ReadResourceOptions extends PlatformClientOptions {
  /** The resource's key in the definition. */
  resource: string;
  /** The last run's high-water mark (ISO 8601); absent on a first run or a full one. */
  since?: string;
  maxPages?: number;
  /** A client to share between resources of one connection (one pace, one token refresh). */
  client?: PlatformClient;
  /** Goes on with a read cut short (a Lambda's deadline), from its last page's `next`, `index + 1`, `seen`, mark. */
  resume?: { next: string; index: number; seen: number; highWaterMark?: string };
}

export interface ResourcePage {
  resource: string;
  /** 0 for the first page. */
  index: number;
  records: MappedRecord[];
  /** Records read so far, this page's included. */
  seen: number;
  /** The next page's URL (no credentials in it), absent when this page is known to be the last. */
  next?: string;
  /**
   * The greatest `updated_since.field` seen so far (ISO 8601), or the `since` given. Store it as the
   * next run's `since` only once the read has ended: pages are not in `field` order, so a mark
   * stored mid-read would skip the older records of later pages.
   */
  highWaterMark?: string;
}

/** The resource's pages, in order, each with its mapped records; stops on the last or an empty page. */
export async function* readResource(opts: ReadResourceOptions): AsyncGenerator<ResourcePage> {
  const { definition } = opts;
  const resource = definition.resources[opts.resource];
  if (resource === undefined)
    throw new TajoError(
      `${definition.name} has no resource "${opts.resource}" (it has: ${Object.keys(definition.resources).join(', ') || 'none'})`,
      'config',
    );
  const client = opts.client ?? platformClient(opts);
  const maxPages = opts.maxPages ?? MAX_PAGES;
  const incremental = resource.updated_since;
  let mark = opts.since === undefined ? undefined : Date.parse(opts.since);
  if (mark !== undefined && Number.isNaN(mark))
    throw new TajoError(`${opts.resource}: the high-water mark "${opts.since}" is not a date`, 'config');
  const resumedMark = opts.resume?.highWaterMark === undefined ? undefined : Date.parse(opts.resume.highWaterMark);
  const filter =
    incremental !== undefined && mark !== undefined
      ? { param: incremental.param, value: formatMark(mark - incremental.overlap_s * 1000, incremental.format) }
      : undefined;
  if (resumedMark !== undefined && !Number.isNaN(resumedMark) && (mark === undefined || resumedMark > mark))
    mark = resumedMark;
  let url: URL | undefined = firstPageUrl(client.baseUrl, resource, filter);
  let seen = opts.resume?.seen ?? 0;
  if (opts.resume !== undefined) {
    url = new URL(opts.resume.next);
    // A stored checkpoint only ever leads back to the connection's own API.
    if (url.origin !== new URL(client.baseUrl).origin)
      throw new TajoError(
        `${opts.resource}: the checkpoint's next page is not on ${client.baseUrl}; run a full sync`,
        'config',
      );
  }
  for (let index = opts.resume?.index ?? 0; url !== undefined; index += 1) {
    if (index >= maxPages)
      throw new TajoError(
        `${definition.name}.${opts.resource}: more than ${maxPages} pages; check its pagination (${resource.pagination?.type ?? 'none'}) in the definition`,
        'pagination',
      );
    const page = await client.get(url);
    const items = itemsOf(definition, opts.resource, resource, page.body);
    if (items.length === 0) return;
    const records = items.map((item, i) =>
      mapRecord(item, resource.mapping, { source: opts.resource, idPath: resource.id, index: seen + i }),
    );
    seen += items.length;
    if (incremental !== undefined)
      for (const item of items) {
        const at = markOf(getPath(item, incremental.field));
        if (at !== undefined && (mark === undefined || at > mark)) mark = at;
      }
    const next = nextPageUrl(resource, { url, body: page.body, items, headers: page.headers });
    // Credentials go to the connection's API only: a Link elsewhere is not followed.
    if (next !== undefined && next.origin !== url.origin)
      throw new TajoError(
        `${definition.name}.${opts.resource}: the next page link leads to ${next.origin}, not ${url.origin}; not followed`,
        'pagination',
      );
    if (next !== undefined && next.href === url.href)
      throw new TajoError(
        `${definition.name}.${opts.resource}: the next page is the same page (${resource.pagination?.type} pagination does not advance); check the definition`,
        'pagination',
      );
    yield {
      resource: opts.resource,
      index,
      records,
      seen,
      ...(next !== undefined ? { next: next.href } : {}),
      ...(mark !== undefined ? { highWaterMark: new Date(mark).toISOString() } : {}),
    };
    url = next;
  }
}

function itemsOf(definition: Definition, key: string, resource: ResourceDefinition, body: unknown): unknown[] {
  // An empty answer (no body) ends the read like an empty page.
  if (body === null) return [];
  const items = resource.items.trim() === '' ? body : getPath(body, resource.items);
  if (Array.isArray(items)) return items;
  throw new ProviderError(
    'platform',
    200,
    'unexpected_answer',
    `${definition.label} answered ${key} without an array${resource.items ? ` at ${resource.items}` : ''}; check items: in the definition`,
  );
}

/**
 * A record's `updated_since.field` value in epoch ms, or undefined when it is not a date: an ISO
 * date-time, or unix seconds (a number or digits; `format` is what the filter sends, and platforms
 * that filter in seconds may still date records in ISO). Values past 10^11 are taken as milliseconds.
 */
export function markOf(value: unknown): number | undefined {
  const numeric =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)
        ? Number(value)
        : undefined;
  if (numeric !== undefined) return Number.isFinite(numeric) ? (numeric > 1e11 ? numeric : numeric * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The filter's value: ISO 8601 (UTC) or unix seconds. */
export function formatMark(ms: number, format: 'iso' | 'unix'): string {
  return format === 'unix' ? String(Math.floor(ms / 1000)) : new Date(ms).toISOString();
}
