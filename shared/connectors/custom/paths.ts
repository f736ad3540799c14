/**
 * Paths into a platform's JSON, as a definition writes them: `contact.email`, `items.0.id` and
 * `items[0].id` are the same path. The empty path is the value itself.
 */

export type PathSegment = string | number;

const BRACKET = /\[(\d+)\]/g;

/** `a.b[0].c` → ['a', 'b', 0, 'c']; digits-only segments are array indexes. */
export function parsePath(path: string): PathSegment[] {
  const trimmed = path.trim();
  if (trimmed === '') return [];
  return trimmed
    .replace(BRACKET, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Whether a path is well formed: segments of letters, digits, `_`, `-`, `$`, `@`, or `[n]` indexes. */
export function isValidPath(path: string): boolean {
  return /^\s*([A-Za-z0-9_$@-]+|\[\d+\])((\.[A-Za-z0-9_$@-]+)|\[\d+\])*\s*$/.test(path);
}

/** The value at `path` in `value`, or undefined when any step is missing or not a container. */
export function getPath(value: unknown, path: string | readonly PathSegment[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let current: unknown = value;
  for (const seg of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : Number.NaN;
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
    } else {
      if (!Object.hasOwn(current, String(seg))) return undefined;
      current = (current as Record<string, unknown>)[String(seg)];
    }
  }
  return current;
}
