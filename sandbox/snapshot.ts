/**
 * A JSON form of the simulators' in-memory data, so the sandbox of `npm start` keeps its ids and
 * data across restarts. The stores share records between indexes (a page sits in the store's map
 * and in its data source's map; a contact's list set is the same object everywhere), so the codec
 * keeps object identity: each object, array, Map and Set is written once with an id, later
 * occurrences as a reference. Buffers (Notion-hosted files) are base64. Functions are refused: a
 * store that held one could not be restored as it was.
 */

type Encoded =
  | null
  | boolean
  | number
  | string
  | { $ref: number }
  | { $id: number; $obj: Record<string, Encoded> }
  | { $id: number; $arr: Encoded[] }
  | { $id: number; $map: [Encoded, Encoded][] }
  | { $id: number; $set: Encoded[] }
  | { $buf: string }
  | { $undef: true };

export function encodeGraph(value: unknown): unknown {
  const ids = new Map<object, number>();
  const enc = (v: unknown, path: string): Encoded => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (v === undefined) return { $undef: true };
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`snapshot: ${path} is not a finite number`);
      return v;
    }
    if (typeof v !== 'object') throw new Error(`snapshot: ${path} is a ${typeof v}, which cannot be kept`);
    if (Buffer.isBuffer(v)) return { $buf: v.toString('base64') };
    const seen = ids.get(v);
    if (seen !== undefined) return { $ref: seen };
    const $id = ids.size;
    ids.set(v, $id);
    if (Array.isArray(v)) return { $id, $arr: v.map((x, i) => enc(x, `${path}[${i}]`)) };
    if (v instanceof Map) return { $id, $map: [...v].map(([k, x]) => [enc(k, `${path} key`), enc(x, `${path}.get`)]) };
    if (v instanceof Set) return { $id, $set: [...v].map((x) => enc(x, `${path} item`)) };
    const $obj: Record<string, Encoded> = {};
    for (const [k, x] of Object.entries(v)) $obj[k] = enc(x, `${path}.${k}`);
    return { $id, $obj };
  };
  return enc(value, 'root');
}

export function decodeGraph(encoded: unknown): unknown {
  const byId = new Map<number, unknown>();
  const dec = (e: unknown): unknown => {
    if (e === null || typeof e !== 'object') return e;
    const o = e as Record<string, unknown>;
    if ('$ref' in o) {
      if (!byId.has(o.$ref as number)) throw new Error(`snapshot: reference ${String(o.$ref)} before its object`);
      return byId.get(o.$ref as number);
    }
    if ('$undef' in o) return undefined;
    if ('$buf' in o) return Buffer.from(String(o.$buf), 'base64');
    const id = o.$id as number;
    // Registered before the children are read: a record may refer back to its container.
    if ('$arr' in o) {
      const out: unknown[] = [];
      byId.set(id, out);
      for (const x of o.$arr as unknown[]) out.push(dec(x));
      return out;
    }
    if ('$map' in o) {
      const out = new Map<unknown, unknown>();
      byId.set(id, out);
      for (const [k, x] of o.$map as [unknown, unknown][]) out.set(dec(k), dec(x));
      return out;
    }
    if ('$set' in o) {
      const out = new Set<unknown>();
      byId.set(id, out);
      for (const x of o.$set as unknown[]) out.add(dec(x));
      return out;
    }
    if ('$obj' in o) {
      const out: Record<string, unknown> = {};
      byId.set(id, out);
      for (const [k, x] of Object.entries(o.$obj as Record<string, unknown>)) {
        const v = dec(x);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    throw new Error('snapshot: an entry of unknown shape');
  };
  return dec(encoded);
}

/** Replaces the contents of a live Map with those of a restored one (the field itself is readonly). */
export function refill<K, V>(target: Map<K, V>, source: unknown): void {
  if (!(source instanceof Map)) throw new Error('snapshot: a map is missing');
  target.clear();
  for (const [k, v] of source) target.set(k as K, v as V);
}

/** Same for an array field. */
export function refillArray<T>(target: T[], source: unknown): void {
  if (!Array.isArray(source)) throw new Error('snapshot: a list is missing');
  target.length = 0;
  // One push per item: a spread of a long event log would exceed the argument limit.
  for (const x of source as T[]) target.push(x);
}
