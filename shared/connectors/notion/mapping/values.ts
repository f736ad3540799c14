/**
 * Reads a Notion page property value (the shapes of notion.md §5) into an `Extracted` meaning.
 *
 * Values arrive as untyped JSON, so every access is checked: a malformed or unknown value yields
 * `{ kind: 'empty' }` rather than throwing.
 */
import { extractedToStrings } from '../../../core/mapping/extracted';
import type { Extracted } from '../../../core/mapping/types';

/** A Notion property value exactly as the API returns it in a page's `properties`. */
export interface NotionPropertyValue {
  id: string;
  type: string;
  [key: string]: unknown;
}

const EMPTY: Extracted = { kind: 'empty' };

/** Notion computes page-object values of these types from at most 25 references (notion.md §5). */
export const NOTION_REFERENCE_LIMIT = 25;

type Rec = Record<string, unknown>;

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nonEmptyString(x: unknown): string | undefined {
  if (typeof x !== 'string') return undefined;
  const t = x.trim();
  return t === '' ? undefined : t;
}

function text(x: unknown): Extracted {
  const s = nonEmptyString(x);
  return s === undefined ? EMPTY : { kind: 'text', value: s };
}

function list(items: string[]): Extracted {
  return items.length === 0 ? EMPTY : { kind: 'list', value: items };
}

function richText(x: unknown): Extracted {
  if (!Array.isArray(x)) return EMPTY;
  let out = '';
  for (const seg of x) {
    if (!isRecord(seg)) continue;
    if (typeof seg.plain_text === 'string') out += seg.plain_text;
    else if (isRecord(seg.text) && typeof seg.text.content === 'string') out += seg.text.content;
  }
  return text(out);
}

function dateValue(x: unknown): Extracted {
  if (!isRecord(x)) return EMPTY;
  const start = nonEmptyString(x.start);
  if (start === undefined) return EMPTY;
  const end = nonEmptyString(x.end);
  return end === undefined ? { kind: 'date', start } : { kind: 'date', start, end };
}

function numberValue(x: unknown): Extracted {
  return typeof x === 'number' && Number.isFinite(x) ? { kind: 'number', value: x } : EMPTY;
}

function booleanValue(x: unknown): Extracted {
  return typeof x === 'boolean' ? { kind: 'boolean', value: x } : EMPTY;
}

function selectName(x: unknown): string | undefined {
  return isRecord(x) ? nonEmptyString(x.name) : undefined;
}

/** People: the person's email when known, else the name, else the id. Groups: name, else id. */
function userLabel(u: unknown, preferEmail: boolean): string | undefined {
  if (!isRecord(u)) return undefined;
  if (preferEmail && isRecord(u.person)) {
    const email = nonEmptyString(u.person.email);
    if (email !== undefined) return email;
  }
  return nonEmptyString(u.name) ?? nonEmptyString(u.id);
}

/**
 * External files keep their URL. A Notion-hosted file's URL is signed and expires after an hour:
 * useless in a contact and different on every read, so the file's name stands for it.
 */
function fileUrl(f: unknown): string | undefined {
  if (!isRecord(f)) return undefined;
  if (f.type === 'external' || (f.type === undefined && isRecord(f.external))) {
    return isRecord(f.external) ? nonEmptyString(f.external.url) : undefined;
  }
  const name = nonEmptyString(f.name);
  if (name) return name;
  const inner = f.file;
  return isRecord(inner) ? nonEmptyString(inner.url)?.split('?')[0] : undefined;
}

function formulaValue(f: unknown): Extracted {
  if (!isRecord(f)) return EMPTY;
  switch (f.type) {
    case 'string':
      return text(f.string);
    case 'number':
      return numberValue(f.number);
    case 'boolean':
      return booleanValue(f.boolean);
    case 'date':
      return dateValue(f.date);
    default:
      return EMPTY; // 'unsupported' and anything new
  }
}

function uniqueIdValue(u: unknown): Extracted {
  if (!isRecord(u) || typeof u.number !== 'number' || !Number.isFinite(u.number)) return EMPTY;
  const prefix = nonEmptyString(u.prefix);
  return { kind: 'text', value: prefix === undefined ? String(u.number) : `${prefix}-${u.number}` };
}

function placeValue(p: unknown): Extracted {
  if (!isRecord(p)) return EMPTY;
  const label = nonEmptyString(p.name) ?? nonEmptyString(p.address);
  if (label !== undefined) return { kind: 'text', value: label };
  if (typeof p.lat === 'number' && typeof p.lon === 'number') return { kind: 'text', value: `${p.lat},${p.lon}` };
  return EMPTY;
}

function rollupValue(r: unknown): Extracted {
  if (!isRecord(r)) return EMPTY;
  switch (r.type) {
    case 'number':
      return numberValue(r.number);
    case 'date':
      return dateValue(r.date);
    case 'array': {
      if (!Array.isArray(r.array)) return EMPTY;
      const out: string[] = [];
      for (const el of r.array) {
        // Array elements are property values without an `id`.
        if (isRecord(el) && typeof el.type === 'string') {
          out.push(...extractedToStrings(extractNotionValue({ id: '', ...el, type: el.type })));
        }
      }
      return list(out);
    }
    default:
      return EMPTY; // 'unsupported', 'incomplete'
  }
}

function collect<T>(x: unknown, pick: (el: unknown) => T | undefined): T[] {
  if (!Array.isArray(x)) return [];
  const out: T[] = [];
  for (const el of x) {
    const v = pick(el);
    if (v !== undefined) out.push(v);
  }
  return out;
}

export function extractNotionValue(value: NotionPropertyValue): Extracted {
  if (!isRecord(value)) return EMPTY;
  const v = value[value.type];
  switch (value.type) {
    case 'title':
    case 'rich_text':
      return richText(v);
    case 'number':
      return numberValue(v);
    case 'select':
    case 'status': {
      const name = selectName(v);
      return name === undefined ? EMPTY : { kind: 'text', value: name };
    }
    case 'multi_select':
      return list(collect(v, selectName));
    case 'date':
      return dateValue(v);
    case 'people':
      return list(collect(v, (u) => userLabel(u, true)));
    case 'files':
      return list(collect(v, fileUrl));
    case 'checkbox':
      return booleanValue(v);
    case 'url':
    case 'email':
    case 'phone_number':
      return text(v);
    case 'formula':
      return formulaValue(v);
    case 'relation':
      return list(collect(v, (r) => (isRecord(r) ? nonEmptyString(r.id) : undefined)));
    case 'rollup':
      return rollupValue(v);
    case 'created_time':
    case 'last_edited_time': {
      const iso = nonEmptyString(v);
      return iso === undefined ? EMPTY : { kind: 'date', start: iso };
    }
    case 'created_by':
    case 'last_edited_by': {
      const label = userLabel(v, false);
      return label === undefined ? EMPTY : { kind: 'text', value: label };
    }
    case 'unique_id':
      return uniqueIdValue(v);
    case 'verification':
      return isRecord(v) ? text(v.state) : EMPTY;
    case 'place':
      return placeValue(v);
    default:
      return EMPTY; // 'button' and types this module does not know
  }
}

/**
 * True when a page-object value may hold only the first 25 references (relation, people,
 * title/rich_text mentions, rollup arrays; notion.md §5). The full value then has to be read with
 * `GET /v1/pages/:page_id/properties/:property_id`. Relations carry `has_more`; the other types are
 * flagged when they reach the limit.
 */
export function mayBeTruncated(value: NotionPropertyValue): boolean {
  if (!isRecord(value)) return false;
  if (value.has_more === true) return true;
  const v = value[value.type];
  switch (value.type) {
    case 'relation':
    case 'people':
      return Array.isArray(v) && v.length >= NOTION_REFERENCE_LIMIT;
    case 'title':
    case 'rich_text':
      return (
        Array.isArray(v) && v.filter((seg) => isRecord(seg) && seg.type === 'mention').length >= NOTION_REFERENCE_LIMIT
      );
    case 'rollup':
      return (
        isRecord(v) && (v.type === 'incomplete' || (Array.isArray(v.array) && v.array.length >= NOTION_REFERENCE_LIMIT))
      );
    default:
      return false;
  }
}
