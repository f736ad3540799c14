/**
 * A stable digest of a set of values (e.g. the Brevo attributes computed for one contact), used to
 * skip writes when nothing changed.
 */
import { createHash } from 'node:crypto';

/**
 * sha256 hex (first 32 chars) of a canonical serialisation: object keys sorted at every depth,
 * array order kept, JSON semantics otherwise (keys whose value is `undefined` are left out, so
 * `{ A: undefined }` and `{}` agree, while `null` is a value of its own; `toJSON` is honoured, so
 * Dates hash as their ISO string). BigInts hash as their decimal text. Cycles throw.
 */
export function fingerprint(values: Record<string, unknown>): string {
  return createHash('sha256').update(canonical(values, new Set())).digest('hex').slice(0, 32);
}

function canonical(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(`${value}n`);
  if (typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const withToJSON = value as { toJSON?: () => unknown };
  if (typeof withToJSON.toJSON === 'function') return canonical(withToJSON.toJSON(), seen);
  if (seen.has(value)) throw new TypeError('fingerprint: cyclic value');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((v) => (v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : canonical(v, seen))).join(',')}]`;
  } else {
    const rec = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(rec).sort()) {
      const v = rec[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      parts.push(`${JSON.stringify(key)}:${canonical(v, seen)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return out;
}
