/**
 * `tajo connectors query notion`: the rows of a database that match a filter, in a given order
 * (notion.md §3). Filters are Notion's own filter JSON, or a shorthand (`Stage=Won`, `Score>10`,
 * `Name~acme`) typed from the data source's schema, so a wrong property or an operator that does
 * not fit the property's type is refused here, naming both, before Notion sees the request.
 */

import { TajoError } from '../../core/errors';
import { extractedToStrings } from '../../core/mapping';
import type { NotionGateway, NotionPage, SchemaProperty } from './client';
import { extractNotionValue, type NotionPropertyValue } from './mapping/values';

/** A filter or sort argument that cannot be turned into a query (exit 2 in the CLI: bad usage). */
export class QueryArgError extends TajoError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

export const SHORTHAND_OPERATORS = ['!=', '=', '>', '<', '~'] as const;
export type ShorthandOperator = (typeof SHORTHAND_OPERATORS)[number];

const TEXT_TYPES = ['title', 'rich_text', 'url', 'email', 'phone_number'];
const DATE_TYPES = ['date', 'created_time', 'last_edited_time'];

/** Which Notion condition each shorthand operator becomes, per property type ('' value: emptiness). */
function conditionFor(type: string, op: ShorthandOperator, raw: string): Record<string, unknown> | string {
  const value = raw.trim();
  const empty = value === '';
  if (empty && (op === '=' || op === '!=') && type !== 'checkbox') {
    return op === '=' ? { is_empty: true } : { is_not_empty: true };
  }
  if (TEXT_TYPES.includes(type)) {
    if (op === '=') return { equals: value };
    if (op === '!=') return { does_not_equal: value };
    if (op === '~') return { contains: value };
    return 'use =, != or ~ (contains)';
  }
  if (type === 'number' || type === 'unique_id') {
    if (op === '~') return 'use =, !=, > or <';
    const n = Number(value);
    if (!Number.isFinite(n)) return `expected a number, got "${value}"`;
    const key = { '=': 'equals', '!=': 'does_not_equal', '>': 'greater_than', '<': 'less_than' }[op];
    return { [key]: n };
  }
  if (type === 'checkbox') {
    const b = /^(true|yes|1|on|checked)$/i.test(value)
      ? true
      : /^(false|no|0|off|unchecked)$/i.test(value)
        ? false
        : undefined;
    if (b === undefined) return `expected true or false, got "${value}"`;
    if (op === '=') return { equals: b };
    if (op === '!=') return { does_not_equal: b };
    return 'use = or !=';
  }
  if (type === 'select' || type === 'status') {
    if (op === '=') return { equals: value };
    if (op === '!=') return { does_not_equal: value };
    return 'use = or !=';
  }
  if (type === 'multi_select') {
    if (op === '=' || op === '~') return { contains: value };
    if (op === '!=') return { does_not_contain: value };
    return 'use = (contains), ~ (contains) or != (does not contain)';
  }
  if (DATE_TYPES.includes(type)) {
    if (op === '~') return 'use =, >, < (after, before)';
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(Date.parse(value)))
      return `expected an ISO 8601 date such as 2026-11-22, got "${value}"`;
    if (op === '!=') return 'use =, > or < (dates have no "not equal")';
    const key = { '=': 'equals', '>': 'after', '<': 'before' }[op];
    return { [key]: value };
  }
  return 'the shorthand does not filter this type: give Notion filter JSON instead';
}

/** Exact name first, then the same name in another case (people type "stage" for "Stage"). */
function findProperty(schema: Record<string, SchemaProperty>, name: string): [string, SchemaProperty] | undefined {
  if (schema[name]) return [name, schema[name]];
  const lower = name.toLowerCase();
  const hits = Object.entries(schema).filter(([n]) => n.toLowerCase() === lower);
  return hits.length === 1 ? hits[0] : undefined;
}

function noSuchProperty(arg: string, name: string, schema: Record<string, SchemaProperty>): QueryArgError {
  return new QueryArgError(
    `${arg}: the data source has no property "${name}" (it has: ${Object.keys(schema).join(', ') || 'none'})`,
  );
}

/**
 * One `--filter`: Notion filter JSON (starts with `{`, passed as is) or `Property<op>value` with
 * op one of = != > < ~, typed from the schema.
 */
export function parseFilterArg(arg: string, schema: Record<string, SchemaProperty>): Record<string, unknown> {
  const shown = `--filter ${JSON.stringify(arg)}`;
  if (arg.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(arg);
    } catch (err) {
      throw new QueryArgError(`${shown}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new QueryArgError(`${shown}: expected a Notion filter object`);
    return parsed as Record<string, unknown>;
  }
  const m = /^(.*?)(!=|=|>|<|~)(.*)$/s.exec(arg);
  if (!m || (m[1] ?? '').trim() === '')
    throw new QueryArgError(
      `${shown}: expected Property=value, Property!=value, Property>n, Property<n, Property~text or filter JSON`,
    );
  const name = (m[1] as string).trim();
  const op = m[2] as ShorthandOperator;
  const found = findProperty(schema, name);
  if (!found) throw noSuchProperty(shown, name, schema);
  const [propName, def] = found;
  const cond = conditionFor(def.type, op, m[3] ?? '');
  if (typeof cond === 'string')
    throw new QueryArgError(`${shown}: property "${propName}" is of type ${def.type}; "${op}" does not fit: ${cond}`);
  return { property: propName, [def.type]: cond };
}

/** `--sort Property` ascending, `--sort -Property` descending; created_time / last_edited_time as timestamps. */
export function parseSortArg(arg: string, schema: Record<string, SchemaProperty>): Record<string, unknown> {
  const descending = arg.startsWith('-');
  const name = (descending ? arg.slice(1) : arg).trim();
  const direction = descending ? 'descending' : 'ascending';
  const found = findProperty(schema, name);
  if (found) return { property: found[0], direction };
  if (name === 'created_time' || name === 'last_edited_time') return { timestamp: name, direction };
  throw noSuchProperty(`--sort ${JSON.stringify(arg)}`, name, schema);
}

/** The filter of several `--filter`s: all must hold. */
export function combineFilters(filters: Record<string, unknown>[]): Record<string, unknown> | undefined {
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  return { and: filters };
}

export interface QueryRow {
  id: string;
  url?: string;
  title: string;
  /** Each property as text (lists joined by ", "). */
  properties: Record<string, string>;
}

export function rowOf(page: NotionPage): QueryRow {
  let title = '';
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(page.properties)) {
    const textValue = extractedToStrings(extractNotionValue(value as NotionPropertyValue)).join(', ');
    if (value.type === 'title') title = textValue;
    else properties[name] = textValue;
  }
  return { id: page.id, url: page.url, title, properties };
}

export interface QueryResult {
  database: string;
  title: string;
  sources: string[];
  rows: QueryRow[];
  /** More rows match than --limit let through. */
  truncated: boolean;
  /** Notion's per-query row cap cut a source short (notion.md §3). */
  incomplete: boolean;
}

/**
 * Resolves the database to its data sources (or the database itself on 2022-06-28), types the
 * filters and sorts from each source's schema, and reads pages until `limit` rows.
 */
export async function queryNotionDatabase(
  notion: NotionGateway,
  args: { databaseId: string; filters: string[]; sorts: string[]; limit: number; onRow?: (row: QueryRow) => void },
): Promise<QueryResult> {
  const db = await notion.resolveDatabase(args.databaseId);
  const result: QueryResult = {
    database: args.databaseId,
    title: db.title,
    sources: db.sources.map((s) => s.id),
    rows: [],
    truncated: false,
    incomplete: false,
  };
  for (const source of db.sources) {
    if (result.rows.length >= args.limit) {
      result.truncated = true;
      break;
    }
    const schema = await notion.getSchema(source.id);
    const filter = combineFilters(args.filters.map((f) => parseFilterArg(f, schema)));
    const sorts = args.sorts.map((s) => parseSortArg(s, schema));
    let cursor: string | undefined;
    do {
      const remaining = args.limit - result.rows.length;
      const page = await notion.query(source.id, {
        filter,
        sorts: sorts.length > 0 ? sorts : undefined,
        startCursor: cursor,
        pageSize: Math.min(100, remaining),
      });
      for (const p of page.pages.slice(0, remaining)) {
        const row = rowOf(p);
        result.rows.push(row);
        args.onRow?.(row);
      }
      if (page.incomplete) result.incomplete = true;
      cursor = page.hasMore ? page.nextCursor : undefined;
      if (cursor !== undefined && result.rows.length >= args.limit) {
        result.truncated = true;
        break;
      }
    } while (cursor !== undefined);
  }
  return result;
}

/** A plain-text table: title and the first few other properties, each column cut at 30 characters. */
export function formatTable(rows: QueryRow[], maxColumns = 4): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.properties)))].slice(0, maxColumns);
  const header = ['Title', ...names];
  const cells = rows.map((r) => [r.title, ...names.map((n) => r.properties[n] ?? '')]);
  const cut = (s: string) => (s.length > 30 ? `${s.slice(0, 29)}…` : s).replace(/\s+/g, ' ');
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => cut(c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => cut(v).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}
