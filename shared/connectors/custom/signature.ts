/**
 * Verifies a webhook delivery against its definition's `signature` block: an HMAC (sha256, sha1 or
 * sha512) with the connection's secret over the raw body, or over `{timestamp}.{body}` when a
 * timestamp comes with it (a header of its own, or a `t=` part of a Stripe-style `t=..,v1=..`
 * header); hex or base64, a prefix stripped, compared in constant time on bytes; a timestamp
 * outside the tolerance, either direction, is refused. A definition without a signature block has
 * its deliveries refused: unsigned webhooks are never accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue, type RequestHeaders } from '../../core/http/headers';
import type { Definition, SignatureDefinition } from './definition/schema';

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

/** Request headers as Node gives them (lower-case names) or as a fetch Headers. */
export type DeliveryHeaders = RequestHeaders;

export function noSchemeReason(definition: Definition): string {
  return `${definition.name}'s definition declares no signature scheme: add a signature block`;
}

/**
 * Whether a delivery is signed by the connection's secret. `secret` is the value of the config key
 * the block names (`signature.secret`, default webhook_secret); `nowMs` the receiver's clock.
 */
export function verifyDelivery(args: {
  definition: Definition;
  headers: DeliveryHeaders;
  rawBody: Uint8Array | string;
  secret: string | undefined;
  nowMs: number;
}): SignatureVerdict {
  const scheme = args.definition.signature;
  if (scheme === undefined) return refuse(noSchemeReason(args.definition));
  if (args.secret === undefined || args.secret === '')
    return refuse(`connectors.${args.definition.name}.${scheme.secret} is not set: deliveries cannot be verified`);
  const value = headerValue(args.headers, scheme.header);
  if (value === undefined || value.trim() === '') return refuse(`${scheme.header} is missing`);

  let timestamp: string | undefined;
  let candidates: string[];
  if (scheme.parts !== undefined) {
    const parts = parseParts(value);
    timestamp = parts.get(scheme.parts.timestamp)?.[0];
    candidates = parts.get(scheme.parts.signature) ?? [];
    if (timestamp === undefined) return refuse(`${scheme.header} has no ${scheme.parts.timestamp}= timestamp`);
    if (candidates.length === 0) return refuse(`${scheme.header} has no ${scheme.parts.signature}= signature`);
  } else {
    candidates = [value.trim()];
    if (scheme.timestamp_header !== undefined) {
      timestamp = headerValue(args.headers, scheme.timestamp_header)?.trim();
      if (timestamp === undefined || timestamp === '') return refuse(`${scheme.timestamp_header} is missing`);
    }
  }
  if (timestamp !== undefined) {
    const stale = staleness(timestamp, scheme, args.nowMs);
    if (stale !== undefined) return refuse(stale);
  }
  const body = typeof args.rawBody === 'string' ? Buffer.from(args.rawBody, 'utf8') : Buffer.from(args.rawBody);
  const signed = timestamp === undefined ? body : Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
  const expected = createHmac(scheme.algorithm, args.secret).update(signed).digest();
  // Every candidate is compared (no early exit): the time taken does not say which one matched.
  let matched = false;
  for (const candidate of candidates) {
    const presented = decodeSignature(candidate, scheme);
    if (presented !== undefined && presented.length === expected.length && timingSafeEqual(presented, expected))
      matched = true;
  }
  return matched ? { ok: true } : refuse(`${scheme.header} does not match`);
}

/** The signature's bytes, or undefined when it is not in the scheme's prefix and encoding. */
function decodeSignature(candidate: string, scheme: SignatureDefinition): Buffer | undefined {
  let text = candidate.trim();
  if (scheme.prefix !== '') {
    if (!text.startsWith(scheme.prefix)) return undefined;
    text = text.slice(scheme.prefix.length);
  }
  if (scheme.encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
}

/** `t=1,v1=ab,v1=cd` → t → [1], v1 → [ab, cd]. */
function parseParts(value: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const list = out.get(key) ?? [];
    list.push(part.slice(eq + 1).trim());
    out.set(key, list);
  }
  return out;
}

/** Why a timestamp is refused (not a number of seconds, or outside the tolerance), or undefined. */
function staleness(timestamp: string, scheme: SignatureDefinition, nowMs: number): string | undefined {
  const name = scheme.timestamp_header ?? `${scheme.header} ${scheme.parts?.timestamp ?? 't'}=`;
  if (!/^\d{1,12}$/.test(timestamp)) return `${name} is not a timestamp in seconds`;
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  return skew > scheme.tolerance_s
    ? `${name} is outside the ${scheme.tolerance_s} s tolerance (replayed or clock skew)`
    : undefined;
}

function refuse(reason: string): SignatureVerdict {
  return { ok: false, reason };
}
