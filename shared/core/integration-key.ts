import { createHash } from 'node:crypto';

/** A stable, non-reversible id for a token: lane message group, pacer key, log field. */
export function integrationKey(kind: string, token: string): string {
  return `${kind}-${createHash('sha256').update(token).digest('hex').slice(0, 20)}`;
}
