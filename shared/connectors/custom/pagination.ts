/**
 * The four paginations of a definition, as pure steps: given the page just read (its URL, answer,
 * items and headers), the URL of the next page or undefined when the read is over. Every kind stops
 * on an empty page (the reader checks that first); the reader also guards the page count.
 */

import type { ResourceDefinition } from './definition/schema';
import { getPath } from './paths';

export interface PageRead {
  /** The URL the page was read from. */
  url: URL;
  /** The parsed answer. */
  body: unknown;
  /** The records found at the resource's `items` path. */
  items: readonly unknown[];
  headers: Headers;
}

/** The first page's URL: endpoint, static params, page size, the pagination's start, the incremental filter. */
export function firstPageUrl(
  baseUrl: string,
  resource: ResourceDefinition,
  filter?: { param: string; value: string },
): URL {
  const url = resource.endpoint.startsWith('/')
    ? new URL(`${baseUrl}${resource.endpoint}`)
    : new URL(resource.endpoint);
  for (const [k, v] of Object.entries(resource.params)) url.searchParams.set(k, String(v));
  if (resource.page_size !== undefined) url.searchParams.set(resource.page_size.param, String(resource.page_size.size));
  const p = resource.pagination;
  if (p?.type === 'page') url.searchParams.set(p.param, String(p.start));
  if (p?.type === 'offset') url.searchParams.set(p.param, '0');
  if (filter !== undefined) url.searchParams.set(filter.param, filter.value);
  return url;
}

/** The next page's URL, or undefined when this page was the last. */
export function nextPageUrl(resource: ResourceDefinition, page: PageRead): URL | undefined {
  const p = resource.pagination;
  if (p === undefined || page.items.length === 0) return undefined;
  const size = resource.page_size?.size;
  switch (p.type) {
    case 'cursor': {
      let cursor: unknown;
      if (p.next !== undefined) cursor = getPath(page.body, p.next);
      else {
        if (p.has_more !== undefined && getPath(page.body, p.has_more) !== true) return undefined;
        cursor = getPath(page.items.at(-1), p.last_item ?? 'id');
      }
      if (cursor === undefined || cursor === null || cursor === '' || typeof cursor === 'object') return undefined;
      return withParam(page.url, p.param, String(cursor));
    }
    case 'page': {
      if (size !== undefined && page.items.length < size) return undefined;
      const current = Number(page.url.searchParams.get(p.param) ?? p.start);
      return withParam(page.url, p.param, String(current + 1));
    }
    case 'offset': {
      if (size !== undefined && page.items.length < size) return undefined;
      const current = Number(page.url.searchParams.get(p.param) ?? 0);
      return withParam(page.url, p.param, String(current + page.items.length));
    }
    case 'link': {
      const next = linkTarget(page.headers.get('link'), 'next');
      // Followed as given (Shopify's page_info links carry everything the next page needs).
      return next === undefined ? undefined : new URL(next, page.url);
    }
  }
}

function withParam(url: URL, param: string, value: string): URL {
  const next = new URL(url);
  next.searchParams.set(param, value);
  return next;
}

/**
 * The target of the first link with relation `rel` in an RFC 8288 `Link` header
 * (`<https://x/y?page_info=abc>; rel="next", <...>; rel="previous"`); relation types are
 * case-insensitive and a `rel` may list several, space-separated.
 */
export function linkTarget(header: string | null, rel: string): string | undefined {
  if (header === null) return undefined;
  const wanted = rel.toLowerCase();
  for (const link of splitLinks(header)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (m === null) continue;
    const [, target, params] = m;
    for (const param of (params ?? '').split(';')) {
      const pm = /^\s*rel\s*=\s*(?:"([^"]*)"|([^\s";,]+))\s*$/i.exec(param);
      if (pm === null) continue;
      const rels = (pm[1] ?? pm[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes(wanted)) return target;
    }
  }
  return undefined;
}

/** Splits a Link header on the commas between links (not those inside <...> or quotes). */
function splitLinks(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let inUri = false;
  let inQuote = false;
  for (const ch of header) {
    if (ch === '<' && !inQuote) inUri = true;
    else if (ch === '>' && !inQuote) inUri = false;
    else if (ch === '"' && !inUri) inQuote = !inQuote;
    if (ch === ',' && !inUri && !inQuote) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current);
  return out;
}
