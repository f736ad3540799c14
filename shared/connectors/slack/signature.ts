/**
 * Verifying that a request really comes from Slack (reference/slack.md §1).
 *
 * Slack signs every request it sends us: `x-slack-signature: v0=<hex HMAC-SHA256>` over
 * `v0:<x-slack-request-timestamp>:<raw body bytes>`, keyed with the app's signing secret taken as a
 * plain UTF-8 string. We recompute it over exactly the bytes we received and compare in constant
 * time. A timestamp further than `toleranceSeconds` (5 minutes) from our clock, in either
 * direction, is refused: Slack's doc uses abs(); Bolt only refuses old ones.
 *
 * Decisions (the tests pin each of them):
 * - The body is bytes. API Gateway hands us a base64 string when `isBase64Encoded`; `rawBodyOf`
 *   decodes it to bytes and nothing here turns bytes back into a string (Bolt's Lambda receiver
 *   decodes with 'ascii', which breaks the HMAC of any non-ASCII JSON body, bolt-js #971).
 * - Header names are looked up case-insensitively. The same header under two spellings with
 *   different values is refused as malformed. Values are taken as received, except that
 *   surrounding spaces/tabs are dropped (HTTP optional whitespace is not part of a field value).
 * - Only `v0` is accepted, and only as `v0=` + 64 **lowercase** hex digits, which is what Slack
 *   sends (Python's hexdigest). Uppercase or mixed-case hex is refused (401), as Bolt's string
 *   comparison does: there is one spelling of a valid signature.
 * - The timestamp must be a decimal integer of seconds without sign, point or leading zeros; its
 *   header text is what goes into the base string.
 * - 400 = a header is missing or cannot be parsed (no `v<n>=` version prefix, timestamp not an
 *   integer). 401 = the headers parse but the request is not authentic or not fresh: unknown
 *   version, badly formed hex, mismatch, stale or future timestamp.
 * - Reasons never contain the secret, the expected signature or the received one.
 * - A rawBody that is not a Buffer (a string, say) is refused with 400, never coerced to bytes.
 * - An empty signing secret is a configuration error (ConfigError), a non-finite nowMs or a
 *   negative tolerance a programming error (TypeError): these throw. Request input never throws.
 *
 * What this cannot catch: an exact replay inside the window verifies. Deduplicate by event id
 * (and x-slack-retry-num, §3) downstream.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../core/errors';

export interface SlackRequestParts {
  /** Exactly the bytes Slack sent: decode API Gateway's base64 body to bytes first, never re-serialise. */
  rawBody: Buffer;
  /** Header values as received; names are case-insensitive in HTTP, so pass the headers object and we look them up. */
  headers: Record<string, string | undefined>;
}

/** 400: malformed (missing/garbled headers), 401: bad/stale signature. `timestamp` is in seconds. */
export type SlackVerification = { ok: true; timestamp: number } | { ok: false; status: 400 | 401; reason: string };

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const VERSION = 'v0';
/** `v<digits>=`: a header without this shape is not a Slack signature at all (400). */
const VERSIONED = /^(v\d+)=/;
const V0_SIGNATURE = /^v0=[0-9a-f]{64}$/;
/** Unix seconds: no sign, no fraction, no leading zero, at most 15 digits (a safe integer). */
const TIMESTAMP = /^(0|[1-9]\d{0,14})$/;

function requireSecret(signingSecret: string): void {
  if (typeof signingSecret !== 'string' || signingSecret.length === 0) {
    throw new ConfigError([{ path: '', message: 'the Slack signing secret is empty: requests cannot be verified' }]);
  }
}

function digestHex(rawBody: Buffer, signingSecret: string, timestamp: string): string {
  // The key is the secret's UTF-8 bytes (not hex/base64-decoded); the body stays bytes.
  const base = Buffer.concat([Buffer.from(`${VERSION}:${timestamp}:`, 'utf8'), rawBody]);
  return createHmac('sha256', Buffer.from(signingSecret, 'utf8')).update(base).digest('hex');
}

type Lookup = { value: string } | { missing: true } | { conflict: true };

/** Case-insensitive header lookup; two spellings with different values are a conflict. */
function header(headers: unknown, name: string): Lookup {
  if (typeof headers !== 'object' || headers === null) return { missing: true };
  let found: string | undefined;
  for (const [key, raw] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name || typeof raw !== 'string') continue;
    const value = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (found !== undefined && found !== value) return { conflict: true };
    found = value;
  }
  return found === undefined || found === '' ? { missing: true } : { value: found };
}

function refuse(status: 400 | 401, reason: string): SlackVerification {
  return { ok: false, status, reason };
}

export function verifySlackSignature(
  req: SlackRequestParts,
  signingSecret: string,
  nowMs: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): SlackVerification {
  requireSecret(signingSecret);
  if (!Number.isFinite(nowMs)) throw new TypeError('verifySlackSignature: nowMs must be a finite number');
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError('verifySlackSignature: toleranceSeconds must be a finite number >= 0');
  }

  const headers = (req as Partial<SlackRequestParts> | null | undefined)?.headers;
  const sig = header(headers, SLACK_SIGNATURE_HEADER);
  const ts = header(headers, SLACK_TIMESTAMP_HEADER);
  if ('conflict' in sig) return refuse(400, `${SLACK_SIGNATURE_HEADER} given twice with different values`);
  if ('conflict' in ts) return refuse(400, `${SLACK_TIMESTAMP_HEADER} given twice with different values`);
  if ('missing' in sig) return refuse(400, `missing ${SLACK_SIGNATURE_HEADER} header`);
  if ('missing' in ts) return refuse(400, `missing ${SLACK_TIMESTAMP_HEADER} header`);
  if (!TIMESTAMP.test(ts.value)) return refuse(400, `${SLACK_TIMESTAMP_HEADER} is not an integer number of seconds`);
  const version = VERSIONED.exec(sig.value)?.[1];
  if (version === undefined) return refuse(400, `${SLACK_SIGNATURE_HEADER} is not of the form v0=<hex>`);

  const rawBody = (req as { rawBody?: unknown }).rawBody;
  if (!Buffer.isBuffer(rawBody)) return refuse(400, 'request body is not raw bytes (Buffer)');

  const timestamp = Number(ts.value);
  const skewMs = nowMs - timestamp * 1000;
  if (Math.abs(skewMs) > toleranceSeconds * 1000) {
    const s = Math.round(Math.abs(skewMs) / 1000);
    return skewMs > 0
      ? refuse(401, `stale: request timestamp is ${s} s in the past (tolerance ${toleranceSeconds} s)`)
      : refuse(401, `future: request timestamp is ${s} s ahead of our clock (tolerance ${toleranceSeconds} s)`);
  }

  if (version !== VERSION) return refuse(401, `unsupported signature version ${version} (only ${VERSION})`);
  if (!V0_SIGNATURE.test(sig.value)) {
    return refuse(401, `signature is not ${VERSION}= followed by 64 lowercase hex digits`);
  }

  const expected = Buffer.from(`${VERSION}=${digestHex(rawBody, signingSecret, ts.value)}`, 'utf8');
  const received = Buffer.from(sig.value, 'utf8');
  // timingSafeEqual throws on different lengths; the format check makes them equal, this keeps it so.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return refuse(401, 'signature mismatch');
  }
  return { ok: true, timestamp };
}

/**
 * The raw bytes of an API Gateway v2 event body (base64-decoded when isBase64Encoded).
 * A body that is not base64-encoded is a string API Gateway decoded from UTF-8; encoding it back
 * as UTF-8 gives the original bytes. A missing body is zero bytes.
 */
export function rawBodyOf(event: { body?: string | null; isBase64Encoded?: boolean }): Buffer {
  const body = event.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** For tests and simulators: the header value Slack would send. A string body is taken as UTF-8. */
export function signSlackRequest(rawBody: Buffer | string, signingSecret: string, timestamp: number): string {
  requireSecret(signingSecret);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError('signSlackRequest: timestamp must be a non-negative integer of seconds');
  }
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `${VERSION}=${digestHex(bytes, signingSecret, String(timestamp))}`;
}
