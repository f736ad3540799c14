/**
 * The deliveries' signature: `tajo-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * computed over the raw bytes and compared in constant time; a `t` more than 300 s away is refused
 * (a replayed delivery). Several v1 values may come (a rotated secret): one match is enough.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TajoSignatureError } from './errors';

export const SIGNATURE_HEADER = 'tajo-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureOf(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return mac.digest('hex');
}

/** A `tajo-signature` header for `rawBody`: what the service sends (tests of your own handlers use it). */
export function signatureHeader(secret: string, rawBody: string | Uint8Array, timestamp = nowSeconds()): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, rawBody)}`;
}

/** Throws TajoSignatureError unless one of `secrets` signed `rawBody` within the tolerance. */
export function verifySignature(
  rawBody: string | Uint8Array,
  header: string | undefined,
  secrets: readonly string[],
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): void {
  if (secrets.length === 0) {
    throw new TajoSignatureError(
      'no webhook secret to verify with: pass webhookSecret to TajoClient, set TAJO_WEBHOOK_SECRET, or subscribe() first',
    );
  }
  if (!header) throw new TajoSignatureError(`no ${SIGNATURE_HEADER} header: not a Tajo delivery`);
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const given = parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/i.test(v))
    .map(([, v]) => v as string);
  if (!Number.isInteger(t) || given.length === 0) {
    throw new TajoSignatureError(`${SIGNATURE_HEADER} is not t=<seconds>,v1=<hex>: not a Tajo delivery`);
  }
  const age = Math.abs(nowSeconds() - t);
  if (age > toleranceSeconds) {
    throw new TajoSignatureError(
      `${SIGNATURE_HEADER} is ${age} s old (at most ${toleranceSeconds}): a replay, or this machine's clock is off`,
    );
  }
  for (const secret of secrets) {
    const expected = Buffer.from(signatureOf(secret, t, rawBody), 'hex');
    if (given.some((g) => timingSafeEqual(Buffer.from(g, 'hex'), expected))) return;
  }
  throw new TajoSignatureError(
    `${SIGNATURE_HEADER} does not match the body: the wrong webhook secret, or the body was changed (verify the raw bytes, before any JSON parser)`,
  );
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
