/** Small helpers of the Notion simulator: errors, ids, minute-rounded time, opaque cursors. */
import { createHash } from 'node:crypto';
import type { TimeInput } from './types';

/** Thrown by handlers and validators; the simulator turns it into Notion's error body. */
export class NotionApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const validationError = (message: string): NotionApiError =>
  new NotionApiError(400, 'validation_error', message);

/** Notion's validation message style: `body failed validation: body.page_size should be ≤ `100`, instead was `101`.` */
export function bodyInvalid(path: string, expectation: string, actual: unknown): NotionApiError {
  return validationError(`body failed validation: ${path} should be ${expectation}, instead was \`${show(actual)}\`.`);
}

export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = JSON.stringify(value);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Normalise a Notion id (with or without dashes, any case) to the dashed lowercase UUID form. */
export function normaliseId(raw: string): string | undefined {
  const hex = raw.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Like normaliseId but throws a control-API error (for seeding mistakes in tests). */
export function requireId(raw: string, what: string): string {
  const id = normaliseId(raw);
  if (!id)
    throw new Error(`NotionSimulator: ${what} id must be a UUID (with or without dashes), got ${JSON.stringify(raw)}`);
  return id;
}

export const MINUTE_MS = 60_000;

export const floorToMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export function toMs(input: TimeInput, what: string): number {
  const ms = input instanceof Date ? input.getTime() : typeof input === 'number' ? input : Date.parse(input);
  if (!Number.isFinite(ms)) throw new Error(`NotionSimulator: invalid ${what}: ${String(input)}`);
  return ms;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Stable hash of a JSON value with sorted object keys (so `{a,b}` and `{b,a}` hash the same). */
export function canonicalHash(value: unknown): string {
  return createHash('sha1').update(canonicalJson(value)).digest('base64url').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Opaque cursors: base64url JSON with a kind tag and the hash of the request that produced them. */
export function encodeCursor(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, kind: string, queryHash: string, path: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw validationError(`${path} is not a valid cursor: \`${show(cursor)}\`.`);
  }
  if (!isRecord(payload) || payload.s !== kind) {
    throw validationError(`${path} is not a valid cursor: \`${show(cursor)}\`.`);
  }
  if (payload.q !== queryHash) {
    throw validationError(
      `${path} does not belong to this request: a cursor can only continue the query (same filter, sorts and in_trash) that returned it.`,
    );
  }
  return payload;
}

/** Short property ids in Notion's style: 4 characters, some of which need URL-encoding. */
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:;?@[]^_{}|~`<>=!';

export function shortPropertyId(seed: string, taken: Set<string>): string {
  for (let salt = 0; ; salt++) {
    const digest = createHash('sha1').update(`${seed}#${salt}`).digest();
    let raw = '';
    for (let i = 0; i < 4; i++) raw += ID_CHARS[digest[i]! % ID_CHARS.length];
    const id = encodeURIComponent(raw);
    if (id !== 'title' && !taken.has(id)) return id;
  }
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
