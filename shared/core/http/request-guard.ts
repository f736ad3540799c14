/**
 * What every door checks before anything reads a request (parsing, logging, a store call): the
 * body's size, the path's ids, the body's encoding and nesting. One home, used by the Lambda
 * handlers (functions/commons/request-guard.ts, ahead of the logging middleware) and by the local
 * gateway, so a bad request gets the same defined answer wherever it arrives: a 4xx with a
 * one-line `{error}`, never a 5xx or a 429 (both tell the sender to retry; input that can never be
 * processed must not be retried).
 *
 * The limits, and why:
 * - Body ≤ 1 MiB (BODY_LIMIT_BYTES). API Gateway takes 10 MB and Lambda 6 MB, but no door needs
 *   more than a few kilobytes: Brevo's webhooks carry one event (a batched marketing webhook a few
 *   hundred), Notion's events carry ids only, Slack caps a view submission well under 1 MB, and the
 *   management routes take a config section or a page id. Anything bigger is refused with 413
 *   before it is parsed or logged.
 * - Tenant ids as tenants are created (shared/core/config/schema.ts tenantIdSchema: 1–48 of [a-z0-9-]);
 *   every other path id (connector, page, import) ≤ 200 characters, no control characters: longer
 *   than any real one (a Notion page URL included) and short enough for a DynamoDB key.
 * - JSON nesting ≤ 64 levels (MAX_JSON_DEPTH): real payloads stay under 15 (Slack's views are the
 *   deepest); the check is one linear scan, so a 10,000-deep body never reaches a recursive walk.
 * - Bodies must be valid UTF-8 (JSON and forms are text): refused with 400, never queued.
 */
import { tenantIdSchema } from '../config/schema';
import { headerValue } from './headers';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;
export const MAX_PATH_ID_LENGTH = 200;

export interface GuardRefusal {
  status: 400 | 413;
  error: string;
}

/** The smallest view of an API Gateway (payload 2.0) event the checks need. */
export interface GuardedEvent {
  headers?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

const tooLarge = (bytes: number): GuardRefusal => ({
  status: 413,
  error: `the body is ${bytes} bytes; the limit is ${BODY_LIMIT_BYTES} bytes (1 MiB)`,
});

/** A declared Content-Length over the limit: refused before reading the body at all. */
export function checkDeclaredLength(contentLength: string | undefined): GuardRefusal | undefined {
  if (contentLength === undefined || !/^\d{1,20}$/.test(contentLength.trim())) return undefined;
  const n = Number(contentLength.trim());
  return n > BODY_LIMIT_BYTES ? tooLarge(n) : undefined;
}

/** A body's size in bytes, computed from its encoded length (a 6 MB body is not decoded to be measured). */
function bodyBytes(event: GuardedEvent): number {
  const body = event.body ?? '';
  if (!event.isBase64Encoded) return Buffer.byteLength(body, 'utf8');
  const pad = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((body.length * 3) / 4) - pad);
}

/** The first path parameter that no real id looks like, with the reason; undefined when all are fine. */
export function checkPathParameters(params: Record<string, string | undefined> | undefined): string | undefined {
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    if (name === 'tenantId') {
      if (!tenantIdSchema.safeParse(value).success)
        return `tenant id ${preview(value)} is not valid: expected 1 to 48 lower-case letters, digits and dashes`;
      continue;
    }
    if (value.length === 0 || value.length > MAX_PATH_ID_LENGTH)
      return `${name} ${preview(value)} is not valid: expected 1 to ${MAX_PATH_ID_LENGTH} characters`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(value)) return `${name} is not valid: it contains control characters`;
  }
  return undefined;
}

/** A value short enough for a one-line reason (a 5,000-character id is not echoed whole). */
function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Whether a JSON text nests deeper than `max` (arrays and objects), in one pass that skips
 * strings: linear, no recursion, so it can run before JSON.parse and any walk of the value.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or undefined when it is not valid UTF-8. */
function bodyText(event: GuardedEvent): string | undefined {
  const body = event.body ?? '';
  if (!event.isBase64Encoded) return body.isWellFormed() ? body : undefined;
  try {
    return fatalUtf8.decode(Buffer.from(body, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * The refusal a request gets before any handler reads it, or undefined when it may go on. Order:
 * size (cheapest, and nothing bigger is decoded), path ids, encoding, nesting. Linear in the body.
 */
export function guardRequest(event: GuardedEvent): GuardRefusal | undefined {
  const bytes = bodyBytes(event);
  if (bytes > BODY_LIMIT_BYTES) return tooLarge(bytes);
  const badId = checkPathParameters(event.pathParameters);
  if (badId) return { status: 400, error: badId };
  if (!event.body) return undefined;
  const text = bodyText(event);
  if (text === undefined) return { status: 400, error: 'the body is not valid UTF-8' };
  const contentType = headerValue(event.headers, 'content-type') ?? '';
  if (/x-www-form-urlencoded/i.test(contentType)) {
    // Slack's interactions and commands: JSON inside a form field (`payload`). Each name and value
    // is decoded strictly (decodeURIComponent throws on percent-escapes that are not UTF-8, where
    // URLSearchParams would put replacement characters in).
    for (const pair of text.split('&')) {
      const eq = pair.indexOf('=');
      let value: string;
      try {
        decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
        value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      } catch {
        return { status: 400, error: 'the form body is not valid UTF-8 (or has a malformed %-escape)' };
      }
      if (jsonTooDeep(value)) return { status: 400, error: `a form field nests deeper than ${MAX_JSON_DEPTH} levels` };
    }
    return undefined;
  }
  if (jsonTooDeep(text)) return { status: 400, error: `the body nests deeper than ${MAX_JSON_DEPTH} levels` };
  return undefined;
}

/** A door refusal's machine code (ApiError's `code`), by its status. */
const GUARD_CODES = { 400: 'bad_request', 413: 'payload_too_large' } as const;

/** A refusal as the HTTP answer every route gives: JSON `{error, code}` on one line, never cached. */
export function refusalResponse(r: GuardRefusal): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    statusCode: r.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: r.error, code: GUARD_CODES[r.status] }),
  };
}
