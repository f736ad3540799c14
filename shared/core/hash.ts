import { createHash } from 'node:crypto';

/**
 * The sha256 of a secret we hand out (a tenant's API key, its webhook token), hex: what is stored
 * and compared instead of the secret itself.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
