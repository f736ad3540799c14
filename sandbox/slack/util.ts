/** Small helpers of the Slack simulator: API errors, argument coercion, ids, cursors, message ts. */

/** Thrown by handlers; the simulator turns it into `HTTP 200 {ok:false, error, ...extra}`. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

/** `invalid_blocks`-style error carrying Slack's validation messages. */
export function validationFailure(code: string, errors: string[]): SlackApiError {
  return new SlackApiError(code, {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

export type Args = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string argument (numbers are accepted from JSON bodies); empty → undefined. */
export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new SlackApiError('invalid_arguments', { argument: key });
  return v === '' ? undefined : v;
}

/** Form bodies carry `true`/`1`; JSON bodies carry booleans. */
export function bool(args: Args, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  throw new SlackApiError('invalid_arguments', { argument: key });
}

export function int(args: Args, key: string): number | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new SlackApiError('invalid_arguments', { argument: key });
  return Math.trunc(n);
}

/** An argument that is JSON: an already-parsed value (JSON body) or a JSON string (form body). */
export function jsonArg(args: Args, key: string, errorCode: string): unknown {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new SlackApiError(errorCode);
  }
}

/** Deterministic Slack-looking ids: a prefix letter and 10 upper-case base-36 characters. */
export class IdSource {
  private n = 0;
  constructor(private readonly seed: number) {}
  next(prefix: string): string {
    this.n += 1;
    return `${prefix}${(this.seed + this.n).toString(36).toUpperCase().padStart(10, '0').slice(-10)}`;
  }
}

/** Opaque cursors in Slack's shape: base64 of `<kind>:<id of the next item>`. */
export function encodeCursor(kind: string, id: string): string {
  return Buffer.from(`${kind}:${id}`, 'utf8').toString('base64');
}

export function decodeCursor(cursor: string, kind: string): string {
  const raw = Buffer.from(cursor, 'base64').toString('utf8');
  const prefix = `${kind}:`;
  if (!raw.startsWith(prefix) || raw.length === prefix.length) throw new SlackApiError('invalid_cursor');
  return raw.slice(prefix.length);
}

/**
 * One cursor page of `items` (by `id`), with `limit` clamped to 1..max (0 or absent → `fallback`;
 * `fallback` 0 means "everything").
 */
export function paginate<T>(
  items: T[],
  idOf: (item: T) => string,
  kind: string,
  cursor: string | undefined,
  limit: number | undefined,
  fallback: number,
  max: number,
): { page: T[]; nextCursor: string } {
  let start = 0;
  if (cursor) {
    const id = decodeCursor(cursor, kind);
    start = items.findIndex((it) => idOf(it) === id);
    if (start < 0) throw new SlackApiError('invalid_cursor');
  }
  if (limit !== undefined && limit < 0) throw new SlackApiError('invalid_limit');
  const size = limit === undefined || limit === 0 ? fallback : Math.min(limit, max);
  const end = size === 0 ? items.length : Math.min(items.length, start + size);
  const next = items[end];
  return { page: items.slice(start, end), nextCursor: next ? encodeCursor(kind, idOf(next)) : '' };
}

/** Message timestamps: `<unix seconds>.<6 digits>`, from microseconds. */
export function formatTs(micros: number): string {
  const s = Math.floor(micros / 1_000_000);
  return `${s}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

export function parseTs(ts: string): number | undefined {
  const m = /^(\d+)\.(\d{6})$/.exec(ts);
  if (!m) return undefined;
  return Number(m[1]) * 1_000_000 + Number(m[2]);
}

export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'workspace'
  );
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function dropUndefined<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}
