import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The sha256 of a secret we hand out (a tenant's API key, its webhook token), hex: what is stored
 * and compared instead of the secret itself.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether two hex digests are equal, in constant time (a stored hash against a presented secret's). */
export function sameHexDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
