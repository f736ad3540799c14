/**
 * Property schemas and values: turning seed input into stored values, request values (PATCH) into
 * stored values, and stored values into Notion's response shapes (notion.md §5).
 */
import { randomUUID } from 'node:crypto';
import type {
  DataSourceRec,
  OptionDef,
  PageRec,
  PropDef,
  PropertySchema,
  PropertyType,
  SelectColor,
  UserRec,
} from './types';
import { PROPERTY_TYPES } from './types';
import {
  bodyInvalid,
  floorToMinute,
  iso,
  isRecord,
  normaliseId,
  safeDecode,
  shortPropertyId,
  validationError,
} from './util';

const COLORS: SelectColor[] = [
  'default',
  'gray',
  'brown',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'red',
];

export const DEFAULT_ANNOTATIONS = Object.freeze({
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: 'default',
});

export interface RichText {
  type: 'text';
  text: { content: string; link: { url: string } | null };
  annotations: typeof DEFAULT_ANNOTATIONS | Record<string, unknown>;
  plain_text: string;
  href: string | null;
}

export function richText(content: string, link: string | null = null): RichText {
  return {
    type: 'text',
    text: { content, link: link === null ? null : { url: link } },
    annotations: { ...DEFAULT_ANNOTATIONS },
    plain_text: content,
    href: link,
  };
}

export const richTextArray = (s: string): RichText[] => (s === '' ? [] : [richText(s)]);

export function plainText(items: unknown): string {
  if (!Array.isArray(items)) return '';
  let out = '';
  for (const it of items) if (isRecord(it) && typeof it.plain_text === 'string') out += it.plain_text;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema

export function buildPropDef(name: string, schema: PropertySchema, ds: DataSourceRec, takenIds: Set<string>): PropDef {
  if (!isRecord(schema) || !PROPERTY_TYPES.includes(schema.type)) {
    throw new Error(
      `NotionSimulator: property ${JSON.stringify(name)} has an unsupported type ${JSON.stringify(schema?.type)}`,
    );
  }
  const nested = isRecord(schema[schema.type]) ? (schema[schema.type] as Record<string, unknown>) : {};
  const id = schema.type === 'title' ? 'title' : (schema.id ?? shortPropertyId(`${ds.id}:${name}`, takenIds));
  takenIds.add(id);
  const def: PropDef = {
    id,
    decodedId: safeDecode(id),
    name,
    type: schema.type,
    description: schema.description ?? null,
    options: [],
    optionsByName: new Map(),
    format: String(schema.format ?? nested.format ?? 'number'),
    prefix: (schema.prefix ?? nested.prefix ?? null) as string | null,
    expression: String(schema.expression ?? nested.expression ?? ''),
    relationDataSourceId: null,
    relationDatabaseId: null,
    rollup: { function: 'count', relationProperty: '', rollupProperty: '' },
  };
  const options = schema.options ?? (Array.isArray(nested.options) ? nested.options : undefined);
  if (Array.isArray(options)) for (const o of options) addOption(def, typeof o === 'string' ? { name: o } : o);
  if (def.type === 'status' && def.options.length === 0) {
    for (const [n, c] of [
      ['Not started', 'default'],
      ['In progress', 'blue'],
      ['Done', 'green'],
    ] as const) {
      addOption(def, { name: n, color: c });
    }
  }
  if (def.type === 'relation') {
    const r = (schema.relation ?? nested) as Record<string, unknown>;
    const dsId = r.dataSourceId ?? r.data_source_id;
    const dbId = r.databaseId ?? r.database_id;
    def.relationDataSourceId = typeof dsId === 'string' ? (normaliseId(dsId) ?? dsId) : null;
    def.relationDatabaseId = typeof dbId === 'string' ? (normaliseId(dbId) ?? dbId) : null;
  }
  if (def.type === 'rollup') {
    const r = (schema.rollup ?? nested) as Record<string, unknown>;
    def.rollup = {
      function: String(r.function ?? 'count'),
      relationProperty: String(r.relationProperty ?? r.relation_property_name ?? ''),
      rollupProperty: String(r.rollupProperty ?? r.rollup_property_name ?? ''),
    };
  }
  return def;
}

function addOption(def: PropDef, o: { name: string; id?: string; color?: SelectColor; description?: string | null }) {
  if (def.optionsByName.has(o.name)) return def.optionsByName.get(o.name)!;
  const opt: OptionDef = {
    id: o.id ?? randomUUID(),
    name: o.name,
    color: o.color ?? COLORS[def.options.length % COLORS.length]!,
    description: o.description ?? null,
  };
  def.options.push(opt);
  def.optionsByName.set(opt.name, opt);
  return opt;
}

/** Schema entry of GET /v1/data_sources/:id (and of the 2022-06-28 database object). */
export function renderPropertyConfig(def: PropDef, ds: DataSourceRec, allDs: Map<string, DataSourceRec>) {
  const opts = () => def.options.map((o) => ({ id: o.id, name: o.name, color: o.color, description: o.description }));
  let config: unknown = {};
  switch (def.type) {
    case 'number':
      config = { format: def.format };
      break;
    case 'select':
    case 'multi_select':
      config = { options: opts() };
      break;
    case 'status': {
      const ids = def.options.map((o) => o.id);
      config = {
        options: opts(),
        groups: [
          { id: `${def.id}-todo`, name: 'To-do', color: 'gray', option_ids: ids.slice(0, 1) },
          { id: `${def.id}-doing`, name: 'In progress', color: 'blue', option_ids: ids.slice(1, -1) },
          { id: `${def.id}-done`, name: 'Complete', color: 'green', option_ids: ids.length > 1 ? ids.slice(-1) : [] },
        ],
      };
      break;
    }
    case 'formula':
      config = { expression: def.expression };
      break;
    case 'unique_id':
      config = { prefix: def.prefix };
      break;
    case 'relation': {
      const target = def.relationDataSourceId ? allDs.get(def.relationDataSourceId) : undefined;
      config = {
        database_id: target?.databaseId ?? def.relationDatabaseId ?? ds.databaseId,
        data_source_id: target?.id ?? def.relationDataSourceId ?? ds.id,
        type: 'single_property',
        single_property: {},
      };
      break;
    }
    case 'rollup':
      config = {
        function: def.rollup.function,
        rollup_property_name: def.rollup.rollupProperty,
        relation_property_name: def.rollup.relationProperty,
        rollup_property_id: 'title',
        relation_property_id: ds.props.get(def.rollup.relationProperty)?.id ?? '',
      };
      break;
    default:
      config = {};
  }
  return { id: def.id, name: def.name, description: def.description, type: def.type, [def.type]: config };
}

// ---------------------------------------------------------------------------------------------
// Seed values (control API)

function seedError(def: PropDef, value: unknown, expected: string): Error {
  return new Error(
    `NotionSimulator: property ${JSON.stringify(def.name)} (${def.type}) expects ${expected}, got ${JSON.stringify(value)}`,
  );
}

function dateValue(v: unknown, def: PropDef): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return { start: v, end: null, time_zone: null };
  if (isRecord(v) && typeof v.start === 'string') {
    return {
      start: v.start,
      end: (v.end as string | undefined) ?? null,
      time_zone: (v.time_zone as string | undefined) ?? null,
    };
  }
  throw seedError(def, v, 'an ISO string or {start, end?}');
}

function optionValue(def: PropDef, name: string) {
  const o = addOption(def, { name });
  return { id: o.id, name: o.name, color: o.color };
}

/** Default stored value of a property on a new page. */
export function emptyValue(type: PropertyType): unknown {
  switch (type) {
    case 'title':
    case 'rich_text':
    case 'multi_select':
    case 'people':
    case 'files':
    case 'relation':
      return [];
    case 'checkbox':
      return false;
    case 'formula':
      return { type: 'string', string: null };
    case 'rollup':
      return { type: 'number', number: null, function: 'count' };
    case 'unique_id':
      return { prefix: null, number: null };
    case 'button':
      return {};
    case 'verification':
      return { state: 'unverified', date: null, verified_by: null };
    default:
      return null;
  }
}

/** Convert a simple seed value to the stored value. Throws a plain Error on bad input (test seeding bug). */
export function seedValue(def: PropDef, v: unknown): unknown {
  switch (def.type) {
    case 'title':
    case 'rich_text':
      if (v === null || v === undefined) return [];
      if (typeof v === 'string') return richTextArray(v);
      if (Array.isArray(v)) return v;
      throw seedError(def, v, 'a string');
    case 'number':
      if (v === null || typeof v === 'number') return v;
      throw seedError(def, v, 'a number or null');
    case 'checkbox':
      if (typeof v === 'boolean') return v;
      throw seedError(def, v, 'a boolean');
    case 'url':
    case 'email':
    case 'phone_number':
      if (v === null || typeof v === 'string') return v;
      throw seedError(def, v, 'a string or null');
    case 'select':
    case 'status':
      if (v === null) return null;
      if (typeof v === 'string') return optionValue(def, v);
      throw seedError(def, v, 'an option name or null');
    case 'multi_select':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((n) => optionValue(def, n));
      throw seedError(def, v, 'an array of option names');
    case 'date':
      return dateValue(v, def);
    case 'people':
    case 'relation':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((x) => normaliseId(x) ?? x);
      throw seedError(def, v, 'an array of ids');
    case 'files':
      if (!Array.isArray(v)) throw seedError(def, v, 'an array of {name, url}');
      return v.map((f) => {
        if (!isRecord(f) || typeof f.url !== 'string') throw seedError(def, v, 'an array of {name, url}');
        const name = typeof f.name === 'string' ? f.name : f.url;
        return f.type === 'file'
          ? { name, type: 'file', file: { url: f.url, expiry_time: f.expiry_time ?? iso(Date.now() + 3_600_000) } }
          : { name, type: 'external', external: { url: f.url } };
      });
    case 'formula':
      if (isRecord(v) && typeof v.type === 'string') return v;
      if (typeof v === 'string') return { type: 'string', string: v };
      if (typeof v === 'number') return { type: 'number', number: v };
      if (typeof v === 'boolean') return { type: 'boolean', boolean: v };
      if (v === null) return { type: 'string', string: null };
      throw seedError(def, v, '{type, <type>: value}');
    case 'rollup':
      if (isRecord(v) && typeof v.type === 'string') return { function: def.rollup.function, ...v };
      throw seedError(def, v, 'a rollup value {type, <type>, function}');
    case 'unique_id':
      if (typeof v === 'number') return { prefix: def.prefix, number: v };
      if (isRecord(v))
        return { prefix: (v.prefix as string | null | undefined) ?? def.prefix, number: v.number ?? null };
      throw seedError(def, v, '{prefix, number}');
    case 'verification':
      if (isRecord(v) && typeof v.state === 'string') {
        return { state: v.state, date: v.date ?? null, verified_by: v.verified_by ?? null };
      }
      throw seedError(def, v, '{state, date?, verified_by?}');
    case 'place':
      if (v === null || isRecord(v)) return v;
      throw seedError(def, v, '{lat, lon, ...} or null');
    case 'button':
      return {};
    case 'created_time':
    case 'last_edited_time':
    case 'created_by':
    case 'last_edited_by':
      throw new Error(
        `NotionSimulator: property ${JSON.stringify(def.name)} (${def.type}) mirrors page metadata; set createdTime/lastEditedTime/createdBy/lastEditedBy instead`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Request values (PATCH /v1/pages/:id properties)

const LIMITS = {
  text: 2000,
  richItems: 100,
  url: 2000,
  email: 200,
  phone: 200,
  multi: 100,
  relation: 100,
  people: 100,
};

export function requestRichText(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw bodyInvalid(path, 'an array', v);
  if (v.length > LIMITS.richItems) throw bodyInvalid(`${path}.length`, `≤ \`${LIMITS.richItems}\``, v.length);
  return v.map((item, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(item)) throw bodyInvalid(p, 'an object', item);
    const text = item.text;
    if (!isRecord(text) || typeof text.content !== 'string') {
      throw bodyInvalid(`${p}.text.content`, 'a string', isRecord(text) ? text.content : undefined);
    }
    if (text.content.length > LIMITS.text) {
      throw bodyInvalid(`${p}.text.content.length`, `≤ \`${LIMITS.text}\``, text.content.length);
    }
    const link = isRecord(text.link) && typeof text.link.url === 'string' ? text.link.url : null;
    const out = richText(text.content, link);
    if (isRecord(item.annotations)) out.annotations = { ...DEFAULT_ANNOTATIONS, ...item.annotations };
    return out;
  });
}

function requestOption(def: PropDef, v: unknown, path: string) {
  if (!isRecord(v)) throw bodyInvalid(path, 'an object with `name` or `id`', v);
  if (typeof v.id === 'string') {
    const o = def.options.find((x) => x.id === v.id);
    if (!o) throw validationError(`${path}.id: option with id ${v.id} does not exist for ${def.name}.`);
    return { id: o.id, name: o.name, color: o.color };
  }
  if (typeof v.name !== 'string') throw bodyInvalid(`${path}.name`, 'a string', v.name);
  if (def.type === 'status' && !def.optionsByName.has(v.name)) {
    throw validationError(`Invalid status option. Status option "${v.name}" does not exist for ${def.name}.`);
  }
  return optionValue(def, v.name);
}

function requestIds(v: unknown, path: string, max: number): string[] {
  if (!Array.isArray(v)) throw bodyInvalid(path, 'an array', v);
  if (v.length > max) throw bodyInvalid(`${path}.length`, `≤ \`${max}\``, v.length);
  return v.map((x, i) => {
    const id = isRecord(x) && typeof x.id === 'string' ? normaliseId(x.id) : undefined;
    if (!id) throw bodyInvalid(`${path}[${i}].id`, 'a valid uuid', isRecord(x) ? x.id : x);
    return id;
  });
}

function requestString(v: unknown, path: string, max: number): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw bodyInvalid(path, 'a string or `null`', v);
  if (v.length > max) throw bodyInvalid(`${path}.length`, `≤ \`${max}\``, v.length);
  return v;
}

/**
 * Convert one property value of a PATCH body (API request shape, e.g. `{select:{name}}`) into the stored value.
 */
export function requestValue(def: PropDef, input: unknown, path: string): unknown {
  if (!isRecord(input)) throw bodyInvalid(path, 'an object', input);
  const t = def.type;
  if (!(t in input)) throw bodyInvalid(`${path}.${t}`, 'defined', undefined);
  const v = input[t];
  const p = `${path}.${t}`;
  switch (t) {
    case 'title':
    case 'rich_text':
      return requestRichText(v, p);
    case 'number':
      if (v === null || (typeof v === 'number' && Number.isFinite(v))) return v;
      throw bodyInvalid(p, 'a number or `null`', v);
    case 'checkbox':
      if (typeof v === 'boolean') return v;
      throw bodyInvalid(p, 'a boolean', v);
    case 'url':
      return requestString(v, p, LIMITS.url);
    case 'email':
      return requestString(v, p, LIMITS.email);
    case 'phone_number':
      return requestString(v, p, LIMITS.phone);
    case 'select':
    case 'status':
      return v === null ? null : requestOption(def, v, p);
    case 'multi_select':
      if (!Array.isArray(v)) throw bodyInvalid(p, 'an array', v);
      if (v.length > LIMITS.multi) throw bodyInvalid(`${p}.length`, `≤ \`${LIMITS.multi}\``, v.length);
      return v.map((o, i) => requestOption(def, o, `${p}[${i}]`));
    case 'date':
      if (v === null) return null;
      if (!isRecord(v) || typeof v.start !== 'string' || Number.isNaN(Date.parse(v.start))) {
        throw bodyInvalid(`${p}.start`, 'a valid ISO 8601 date string', isRecord(v) ? v.start : v);
      }
      return {
        start: v.start,
        end: (v.end as string | undefined) ?? null,
        time_zone: (v.time_zone as string | undefined) ?? null,
      };
    case 'relation':
      return requestIds(v, p, LIMITS.relation);
    case 'people':
      return requestIds(v, p, LIMITS.people);
    case 'files':
      return seedValueForFiles(def, v, p);
    case 'place':
      if (v === null || isRecord(v)) return v;
      throw bodyInvalid(p, 'an object or `null`', v);
    default:
      throw validationError(`${path}: property ${def.name} of type ${t} cannot be updated through the API.`);
  }
}

function seedValueForFiles(def: PropDef, v: unknown, p: string): unknown {
  if (!Array.isArray(v)) throw bodyInvalid(p, 'an array', v);
  return v.map((f, i) => {
    if (!isRecord(f) || !isRecord(f.external) || typeof f.external.url !== 'string') {
      throw bodyInvalid(
        `${p}[${i}].external.url`,
        'a string',
        isRecord(f) && isRecord(f.external) ? f.external.url : undefined,
      );
    }
    return {
      name: typeof f.name === 'string' ? f.name : def.name,
      type: 'external',
      external: { url: f.external.url },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering

export const REFERENCE_LIMIT = 25;

/** A full user; `emails: false` renders `person: {}` (user information capability without email, notion.md §7). */
export function renderUser(users: Map<string, UserRec>, id: string, emails = true): Record<string, unknown> {
  const u = users.get(id);
  if (!u) return { object: 'user', id };
  return u.type === 'person'
    ? {
        object: 'user',
        id: u.id,
        name: u.name,
        avatar_url: u.avatarUrl,
        type: 'person',
        person: u.email && emails ? { email: u.email } : {},
      }
    : { object: 'user', id: u.id, name: u.name, avatar_url: u.avatarUrl, type: 'bot', bot: {} };
}

/** The raw value of a property for a page (metadata-backed types resolved, nothing truncated). */
export function rawValue(def: PropDef, page: PageRec): unknown {
  switch (def.type) {
    case 'created_time':
      return page.createdTime;
    case 'last_edited_time':
      return page.lastEditedTime;
    case 'created_by':
      return page.createdBy;
    case 'last_edited_by':
      return page.lastEditedBy;
    default:
      return page.values[def.name] ?? emptyValue(def.type);
  }
}

/** `{id, type, <type>: value}` as it appears in a page object's `properties`. */
export function renderPropertyValue(
  def: PropDef,
  page: PageRec,
  users: Map<string, UserRec>,
  emails = true,
): Record<string, unknown> {
  const v = rawValue(def, page);
  switch (def.type) {
    case 'created_time':
    case 'last_edited_time':
      return { id: def.id, type: def.type, [def.type]: iso(floorToMinute(v as number)) };
    case 'created_by':
    case 'last_edited_by':
      return { id: def.id, type: def.type, [def.type]: { object: 'user', id: v as string } };
    case 'relation': {
      const ids = v as string[];
      return {
        id: def.id,
        type: 'relation',
        relation: ids.slice(0, REFERENCE_LIMIT).map((id) => ({ id })),
        has_more: ids.length > REFERENCE_LIMIT,
      };
    }
    case 'people': {
      const ids = v as string[];
      return {
        id: def.id,
        type: 'people',
        people: ids.slice(0, REFERENCE_LIMIT).map((id) => renderUser(users, id, emails)),
      };
    }
    default:
      return { id: def.id, type: def.type, [def.type]: v };
  }
}

/** Title text of a page (for URLs, search and sorting). */
export function pageTitle(ds: DataSourceRec, page: PageRec): string {
  for (const def of ds.props.values()) if (def.type === 'title') return plainText(page.values[def.name]);
  return '';
}

export function pageUrl(title: string, id: string): string {
  const slug = title
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const hex = id.replace(/-/g, '');
  return `https://www.notion.so/${slug ? `${slug}-` : ''}${hex}`;
}
