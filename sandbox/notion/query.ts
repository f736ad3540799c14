/**
 * Query compilation for POST /v1/data_sources/:id/query (and the 2022-06-28 database query):
 * filters become predicates and sorts become key extractors, once per request, so evaluating
 * 10,000 pages stays in the low milliseconds.
 */
import type { DataSourceRec, PageRec, PropDef } from './types';
import { bodyInvalid, isRecord, normaliseId, safeDecode, validationError } from './util';
import { plainText, rawValue } from './values';

export type Predicate = (page: PageRec) => boolean;
export type SortValue = string | number | null;

export interface CompiledQuery {
  predicate: Predicate;
  /** One extractor per sort; the final tie-break (page id, ascending) is implicit. */
  keys: Array<(page: PageRec) => SortValue>;
  directions: Array<1 | -1>;
  /** True when the filter depends on "now" (relative dates), so results cannot be cached. */
  usesNow: boolean;
}

const DAY_MS = 86_400_000;

export function findProperty(ds: DataSourceRec, nameOrId: string): PropDef | undefined {
  const byName = ds.props.get(nameOrId);
  if (byName) return byName;
  const decoded = safeDecode(nameOrId);
  for (const def of ds.props.values()) if (def.id === nameOrId || def.decodedId === decoded) return def;
  return undefined;
}

interface Ctx {
  ds: DataSourceRec;
  now: number;
  usesNow: boolean;
}

export function compileQuery(ds: DataSourceRec, filter: unknown, sorts: unknown, now: number): CompiledQuery {
  const ctx: Ctx = { ds, now, usesNow: false };
  const predicate = filter === undefined ? () => true : compileFilter(filter, ctx, 'body.filter', 0);
  const { keys, directions } = compileSorts(ds, sorts);
  return { predicate, keys, directions, usesNow: ctx.usesNow };
}

// ---------------------------------------------------------------------------------------------
// Filters

function compileFilter(f: unknown, ctx: Ctx, path: string, depth: number): Predicate {
  if (!isRecord(f)) throw bodyInvalid(path, 'an object', f);
  if ('and' in f || 'or' in f) {
    const op = 'and' in f ? 'and' : 'or';
    if (Object.keys(f).length !== 1) throw bodyInvalid(path, 'an object with exactly one of `and` or `or`', f);
    if (depth >= 2) {
      throw validationError(`${path}: compound filters can be nested at most two levels deep.`);
    }
    const list = f[op];
    if (!Array.isArray(list)) throw bodyInvalid(`${path}.${op}`, 'an array', list);
    if (list.length > 100) throw bodyInvalid(`${path}.${op}.length`, '≤ `100`', list.length);
    const parts = list.map((sub, i) => compileFilter(sub, ctx, `${path}.${op}[${i}]`, depth + 1));
    return op === 'and' ? (p) => parts.every((fn) => fn(p)) : (p) => parts.some((fn) => fn(p));
  }
  if ('timestamp' in f) return compileTimestampFilter(f, ctx, path);
  if ('property' in f) return compilePropertyFilter(f, ctx, path);
  throw validationError(
    `${path} should be a property filter ({property, <type>: condition}), a timestamp filter ({timestamp, <timestamp>: condition}) or a compound filter ({and}/{or}), instead was \`${JSON.stringify(f)}\`.`,
  );
}

function onlyConditionKey(f: Record<string, unknown>, path: string, fixed: string[]): string {
  const keys = Object.keys(f).filter((k) => !fixed.includes(k) && k !== 'type');
  if (keys.length !== 1)
    throw validationError(`${path} should have exactly one condition, instead had keys ${JSON.stringify(keys)}.`);
  return keys[0]!;
}

function compileTimestampFilter(f: Record<string, unknown>, ctx: Ctx, path: string): Predicate {
  const ts = f.timestamp;
  if (ts !== 'created_time' && ts !== 'last_edited_time') {
    throw bodyInvalid(`${path}.timestamp`, '`"created_time"` or `"last_edited_time"`', ts);
  }
  const key = onlyConditionKey(f, path, ['timestamp']);
  if (key !== ts) throw bodyInvalid(`${path}.${ts}`, 'defined', undefined);
  const test = compileDateCondition(f[key], ctx, `${path}.${key}`);
  return ts === 'created_time' ? (p) => test(p.createdTime) : (p) => test(p.lastEditedTime);
}

/**
 * Condition keys accepted per property type (the key names the filter type), after Notion's filter
 * reference: the text condition serves every text-like type, the date condition the timestamps, the
 * people condition created_by/last_edited_by. A select and a status are different types: Notion
 * refuses a `select` filter on a status property (and the reverse) with a 400 validation_error.
 */
const FILTER_KEYS: Record<string, string[]> = {
  title: ['title', 'rich_text'],
  rich_text: ['rich_text', 'title'],
  url: ['url', 'rich_text'],
  email: ['email', 'rich_text'],
  phone_number: ['phone_number', 'rich_text'],
  number: ['number'],
  checkbox: ['checkbox'],
  select: ['select'],
  status: ['status'],
  multi_select: ['multi_select'],
  date: ['date'],
  created_time: ['created_time', 'date'],
  last_edited_time: ['last_edited_time', 'date'],
  people: ['people'],
  created_by: ['created_by', 'people'],
  last_edited_by: ['last_edited_by', 'people'],
  relation: ['relation'],
  files: ['files'],
  unique_id: ['unique_id', 'number'],
  formula: ['formula'],
};

function compilePropertyFilter(f: Record<string, unknown>, ctx: Ctx, path: string): Predicate {
  if (typeof f.property !== 'string') throw bodyInvalid(`${path}.property`, 'a string', f.property);
  const def = findProperty(ctx.ds, f.property);
  if (!def) throw validationError(`Could not find property with name or id: ${f.property}`);
  const key = onlyConditionKey(f, path, ['property']);
  const allowed = FILTER_KEYS[def.type];
  if (!allowed)
    throw validationError(`${path}: filtering on ${def.type} properties is not supported by the simulator.`);
  if (!allowed.includes(key)) {
    // Notion's own wording (its 400 validation_error for a filter of another type than the property's).
    throw validationError(
      `The property type in the database does not match the property type of the filter provided: database property ${def.type} does not match filter ${key}`,
    );
  }
  const cond = f[key];
  const cpath = `${path}.${key}`;
  switch (def.type) {
    case 'title':
    case 'rich_text': {
      const t = compileTextCondition(cond, cpath);
      return (p) => t(plainText(p.values[def.name]));
    }
    case 'url':
    case 'email':
    case 'phone_number': {
      const t = compileTextCondition(cond, cpath);
      return (p) => t((p.values[def.name] as string | null | undefined) ?? '');
    }
    case 'number': {
      const t = compileNumberCondition(cond, cpath);
      return (p) => t((p.values[def.name] as number | null | undefined) ?? null);
    }
    case 'unique_id': {
      const t = compileNumberCondition(cond, cpath);
      return (p) =>
        t(((p.values[def.name] as { number?: number | null } | undefined)?.number ?? null) as number | null);
    }
    case 'checkbox': {
      const c = requireOneOp(cond, cpath, ['equals', 'does_not_equal']);
      if (typeof c.value !== 'boolean') throw bodyInvalid(`${cpath}.${c.op}`, 'a boolean', c.value);
      const want = c.op === 'equals' ? c.value : !c.value;
      return (p) => ((p.values[def.name] as boolean | undefined) ?? false) === want;
    }
    case 'select':
    case 'status': {
      const c = requireOneOp(cond, cpath, ['equals', 'does_not_equal', 'is_empty', 'is_not_empty']);
      const name = (p: PageRec) => (p.values[def.name] as { name: string } | null | undefined)?.name ?? null;
      if (c.op === 'is_empty') return (p) => name(p) === null;
      if (c.op === 'is_not_empty') return (p) => name(p) !== null;
      if (typeof c.value !== 'string') throw bodyInvalid(`${cpath}.${c.op}`, 'a string', c.value);
      const v = c.value;
      return c.op === 'equals' ? (p) => name(p) === v : (p) => name(p) !== v;
    }
    case 'multi_select': {
      const c = requireOneOp(cond, cpath, ['contains', 'does_not_contain', 'is_empty', 'is_not_empty']);
      const names = (p: PageRec) =>
        ((p.values[def.name] as Array<{ name: string }> | undefined) ?? []).map((o) => o.name);
      if (c.op === 'is_empty') return (p) => names(p).length === 0;
      if (c.op === 'is_not_empty') return (p) => names(p).length > 0;
      const wanted = Array.isArray(c.value) ? c.value : [c.value];
      if (!wanted.every((w) => typeof w === 'string')) throw bodyInvalid(`${cpath}.${c.op}`, 'a string', c.value);
      return c.op === 'contains'
        ? (p) => wanted.some((w) => names(p).includes(w as string))
        : (p) => !wanted.some((w) => names(p).includes(w as string));
    }
    case 'date': {
      const t = compileDateCondition(cond, ctx, cpath);
      return (p) => {
        const d = p.values[def.name] as { start: string } | null | undefined;
        return t(d ? Date.parse(d.start) : null);
      };
    }
    case 'created_time':
    case 'last_edited_time': {
      const t = compileDateCondition(cond, ctx, cpath);
      return (p) => t(rawValue(def, p) as number);
    }
    case 'people':
    case 'created_by':
    case 'last_edited_by':
    case 'relation': {
      const c = requireOneOp(cond, cpath, ['contains', 'does_not_contain', 'is_empty', 'is_not_empty']);
      const ids = (p: PageRec): string[] => {
        const v = rawValue(def, p);
        return Array.isArray(v) ? (v as string[]) : [v as string];
      };
      if (c.op === 'is_empty') return (p) => ids(p).length === 0;
      if (c.op === 'is_not_empty') return (p) => ids(p).length > 0;
      if (typeof c.value !== 'string') throw bodyInvalid(`${cpath}.${c.op}`, 'a string', c.value);
      const id = normaliseId(c.value) ?? c.value;
      return c.op === 'contains' ? (p) => ids(p).includes(id) : (p) => !ids(p).includes(id);
    }
    case 'files': {
      const c = requireOneOp(cond, cpath, ['is_empty', 'is_not_empty']);
      const n = (p: PageRec) => ((p.values[def.name] as unknown[] | undefined) ?? []).length;
      return c.op === 'is_empty' ? (p) => n(p) === 0 : (p) => n(p) > 0;
    }
    case 'formula':
      return compileFormulaFilter(def, cond, ctx, cpath);
    default:
      throw validationError(`${path}: filtering on ${def.type} properties is not supported by the simulator.`);
  }
}

function compileFormulaFilter(def: PropDef, cond: unknown, ctx: Ctx, path: string): Predicate {
  if (!isRecord(cond)) throw bodyInvalid(path, 'an object', cond);
  const keys = Object.keys(cond);
  if (keys.length !== 1) throw validationError(`${path} should have exactly one of string, number, checkbox, date.`);
  const kind = keys[0]!;
  const val = (p: PageRec) => p.values[def.name] as Record<string, unknown> | undefined;
  switch (kind) {
    case 'string': {
      const t = compileTextCondition(cond.string, `${path}.string`);
      return (p) => t(String(val(p)?.string ?? ''));
    }
    case 'number': {
      const t = compileNumberCondition(cond.number, `${path}.number`);
      return (p) => t((val(p)?.number as number | null | undefined) ?? null);
    }
    case 'checkbox': {
      const c = requireOneOp(cond.checkbox, `${path}.checkbox`, ['equals', 'does_not_equal']);
      return (p) => (val(p)?.boolean === c.value) === (c.op === 'equals');
    }
    case 'date': {
      const t = compileDateCondition(cond.date, ctx, `${path}.date`);
      return (p) => {
        const d = val(p)?.date as { start: string } | null | undefined;
        return t(d ? Date.parse(d.start) : null);
      };
    }
    default:
      throw validationError(`${path} should have exactly one of string, number, checkbox, date.`);
  }
}

function requireOneOp(cond: unknown, path: string, ops: string[]): { op: string; value: unknown } {
  if (!isRecord(cond)) throw bodyInvalid(path, 'an object', cond);
  const keys = Object.keys(cond);
  if (keys.length !== 1 || !ops.includes(keys[0]!)) {
    throw validationError(
      `${path} should have exactly one of ${ops.map((o) => `\`${o}\``).join(', ')}, instead was \`${JSON.stringify(cond)}\`.`,
    );
  }
  const op = keys[0]!;
  const value = cond[op];
  if ((op === 'is_empty' || op === 'is_not_empty') && value !== true)
    throw bodyInvalid(`${path}.${op}`, '`true`', value);
  return { op, value };
}

function compileTextCondition(cond: unknown, path: string): (s: string) => boolean {
  const c = requireOneOp(cond, path, [
    'equals',
    'does_not_equal',
    'contains',
    'does_not_contain',
    'starts_with',
    'ends_with',
    'is_empty',
    'is_not_empty',
  ]);
  if (c.op === 'is_empty') return (s) => s === '';
  if (c.op === 'is_not_empty') return (s) => s !== '';
  if (typeof c.value !== 'string') throw bodyInvalid(`${path}.${c.op}`, 'a string', c.value);
  const v = c.value;
  const lv = v.toLowerCase();
  switch (c.op) {
    case 'equals':
      return (s) => s === v;
    case 'does_not_equal':
      return (s) => s !== v;
    case 'contains':
      return (s) => s.toLowerCase().includes(lv);
    case 'does_not_contain':
      return (s) => !s.toLowerCase().includes(lv);
    case 'starts_with':
      return (s) => s.toLowerCase().startsWith(lv);
    default:
      return (s) => s.toLowerCase().endsWith(lv);
  }
}

function compileNumberCondition(cond: unknown, path: string): (n: number | null) => boolean {
  const c = requireOneOp(cond, path, [
    'equals',
    'does_not_equal',
    'greater_than',
    'less_than',
    'greater_than_or_equal_to',
    'less_than_or_equal_to',
    'is_empty',
    'is_not_empty',
  ]);
  if (c.op === 'is_empty') return (n) => n === null;
  if (c.op === 'is_not_empty') return (n) => n !== null;
  if (typeof c.value !== 'number') throw bodyInvalid(`${path}.${c.op}`, 'a number', c.value);
  const v = c.value;
  switch (c.op) {
    case 'equals':
      return (n) => n === v;
    case 'does_not_equal':
      return (n) => n !== v;
    case 'greater_than':
      return (n) => n !== null && n > v;
    case 'less_than':
      return (n) => n !== null && n < v;
    case 'greater_than_or_equal_to':
      return (n) => n !== null && n >= v;
    default:
      return (n) => n !== null && n <= v;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const RELATIVE: Record<string, number> = {
  today: 0,
  tomorrow: 1,
  yesterday: -1,
  one_week_ago: -7,
  one_week_from_now: 7,
  one_month_ago: -30,
  one_month_from_now: 30,
};

/**
 * A date operand: a datetime compares to the millisecond (no rounding: the stored timestamps are
 * minute-rounded, the operand is not); a date-only value (`2026-11-22`) means that whole UTC day.
 */
function dateOperand(v: unknown, ctx: Ctx, path: string): { start: number; end: number } {
  if (typeof v === 'string' && v in RELATIVE) {
    ctx.usesNow = true;
    const start = Math.floor(ctx.now / DAY_MS) * DAY_MS + RELATIVE[v]! * DAY_MS;
    return { start, end: start + DAY_MS };
  }
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw bodyInvalid(path, 'a valid ISO 8601 date string', v);
  const start = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v);
  return { start, end: DATE_ONLY.test(v) ? start + DAY_MS : start + 1 };
}

function compileDateCondition(cond: unknown, ctx: Ctx, path: string): (ms: number | null) => boolean {
  const c = requireOneOp(cond, path, [
    'equals',
    'before',
    'after',
    'on_or_before',
    'on_or_after',
    'this_week',
    'past_week',
    'past_month',
    'past_year',
    'next_week',
    'next_month',
    'next_year',
    'is_empty',
    'is_not_empty',
  ]);
  const p = `${path}.${c.op}`;
  switch (c.op) {
    case 'is_empty':
      return (ms) => ms === null;
    case 'is_not_empty':
      return (ms) => ms !== null;
    case 'equals': {
      const { start, end } = dateOperand(c.value, ctx, p);
      return (ms) => ms !== null && ms >= start && ms < end;
    }
    case 'before': {
      const { start } = dateOperand(c.value, ctx, p);
      return (ms) => ms !== null && ms < start;
    }
    case 'after': {
      const { end } = dateOperand(c.value, ctx, p);
      return (ms) => ms !== null && ms >= end;
    }
    case 'on_or_before': {
      const { end } = dateOperand(c.value, ctx, p);
      return (ms) => ms !== null && ms < end;
    }
    case 'on_or_after': {
      const { start } = dateOperand(c.value, ctx, p);
      return (ms) => ms !== null && ms >= start;
    }
    default: {
      if (!isRecord(c.value) || Object.keys(c.value).length > 0) throw bodyInvalid(p, '`{}`', c.value);
      ctx.usesNow = true;
      const now = ctx.now;
      const span: Record<string, [number, number]> = {
        past_week: [now - 7 * DAY_MS, now],
        past_month: [now - 30 * DAY_MS, now],
        past_year: [now - 365 * DAY_MS, now],
        next_week: [now, now + 7 * DAY_MS],
        next_month: [now, now + 30 * DAY_MS],
        next_year: [now, now + 365 * DAY_MS],
      };
      const weekStart = Math.floor(now / DAY_MS) * DAY_MS - new Date(now).getUTCDay() * DAY_MS;
      const [from, to] = span[c.op] ?? [weekStart, weekStart + 7 * DAY_MS];
      return (ms) => ms !== null && ms >= from && ms <= to;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sorts

function compileSorts(ds: DataSourceRec, sorts: unknown): Pick<CompiledQuery, 'keys' | 'directions'> {
  if (sorts === undefined || (Array.isArray(sorts) && sorts.length === 0)) {
    // Default order: created_time descending (tie-break: id ascending).
    return { keys: [(p) => p.createdTime], directions: [-1] };
  }
  if (!Array.isArray(sorts)) throw bodyInvalid('body.sorts', 'an array', sorts);
  if (sorts.length > 100) throw bodyInvalid('body.sorts.length', '≤ `100`', sorts.length);
  const keys: CompiledQuery['keys'] = [];
  const directions: CompiledQuery['directions'] = [];
  sorts.forEach((s, i) => {
    const path = `body.sorts[${i}]`;
    if (!isRecord(s)) throw bodyInvalid(path, 'an object', s);
    if (s.direction !== 'ascending' && s.direction !== 'descending') {
      throw bodyInvalid(`${path}.direction`, '`"ascending"` or `"descending"`', s.direction);
    }
    const extra = Object.keys(s).filter((k) => !['direction', 'timestamp', 'property'].includes(k));
    if (extra.length > 0) throw bodyInvalid(`${path}.${extra[0]}`, 'not present', s[extra[0]!]);
    directions.push(s.direction === 'ascending' ? 1 : -1);
    if ('timestamp' in s) {
      if ('property' in s) throw validationError(`${path} should have either \`property\` or \`timestamp\`, not both.`);
      if (s.timestamp === 'created_time') keys.push((p) => p.createdTime);
      else if (s.timestamp === 'last_edited_time') keys.push((p) => p.lastEditedTime);
      else throw bodyInvalid(`${path}.timestamp`, '`"created_time"` or `"last_edited_time"`', s.timestamp);
      return;
    }
    if (typeof s.property !== 'string') throw bodyInvalid(`${path}.property`, 'a string', s.property);
    const def = findProperty(ds, s.property);
    if (!def) throw validationError(`Could not find sort property with name or id: ${s.property}`);
    keys.push(sortKeyOf(def));
  });
  return { keys, directions };
}

function sortKeyOf(def: PropDef): (p: PageRec) => SortValue {
  const name = def.name;
  switch (def.type) {
    case 'title':
    case 'rich_text':
      return (p) => plainText(p.values[name]).toLowerCase() || null;
    case 'url':
    case 'email':
    case 'phone_number':
      return (p) => ((p.values[name] as string | null | undefined) ?? '').toLowerCase() || null;
    case 'number':
      return (p) => (p.values[name] as number | null | undefined) ?? null;
    case 'checkbox':
      return (p) => (p.values[name] ? 1 : 0);
    case 'select':
    case 'status': {
      // Notion orders select/status values by the option order of the schema.
      return (p) => {
        const v = p.values[name] as { name: string } | null | undefined;
        if (!v) return null;
        return def.options.findIndex((o) => o.name === v.name);
      };
    }
    case 'multi_select':
      return (p) => ((p.values[name] as Array<{ name: string }> | undefined) ?? [])[0]?.name.toLowerCase() ?? null;
    case 'date':
      return (p) => {
        const d = p.values[name] as { start: string } | null | undefined;
        return d ? Date.parse(d.start) : null;
      };
    case 'created_time':
    case 'last_edited_time':
    case 'created_by':
    case 'last_edited_by':
      return (p) => rawValue(def, p) as SortValue;
    case 'unique_id':
      return (p) => (p.values[name] as { number: number | null } | undefined)?.number ?? null;
    case 'formula':
      return (p) => {
        const f = p.values[name] as Record<string, unknown> | undefined;
        const v = f?.[String(f?.type)];
        if (typeof v === 'number' || typeof v === 'string') return v;
        if (typeof v === 'boolean') return v ? 1 : 0;
        return null;
      };
    default:
      return () => null;
  }
}

/** Compare two (keys, id) positions: empty values last in either direction, id ascending breaks ties. */
export function comparePositions(
  a: readonly SortValue[],
  aId: string,
  b: readonly SortValue[],
  bId: string,
  directions: ReadonlyArray<1 | -1>,
): number {
  for (let i = 0; i < directions.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x !== typeof y) return (typeof x === 'number' ? -1 : 1) * directions[i]!;
    return (x < y ? -1 : 1) * directions[i]!;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}
