/**
 * Rule values meet the database: a rendered value becomes the Notion property value its schema
 * type takes (or a reason it cannot), a page's values get a canonical form so "what we wrote" and
 * "what the page holds" compare across Notion's own normalisation (datetimes come back with an
 * offset, text as rich-text segments), and a page's stored values hash to recognise our own writes.
 * No I/O here.
 */

import { fingerprint, formatNumber, normalizeEmail, toBrevoDate } from '../../../core/mapping';
import { NOTION_PROPERTY_TYPES } from '../config-schema';
import { extractNotionValue, type NotionPropertyValue } from '../mapping/values';
import type { RenderedValue } from './rules';

/** A data source property as the worker needs it: type, and the options of select-like types. */
export interface RuleSchemaProperty {
  id: string;
  type: string;
  options?: string[];
}

/** Notion's request limits (notion.md §2). */
const TEXT_CHUNK = 2000;
const MAX_SEGMENTS = 100;
const MAX_EMAIL = 200;
const MAX_PHONE = 200;
const MAX_URL = 2000;
const MAX_MULTI = 100;
const MAX_OPTION_NAME = 100;

export type NotionValueResult = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

function text(v: RenderedValue): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return v.map((x) => text(x as RenderedValue)).join(', ');
  return '';
}

const show = (v: RenderedValue) => JSON.stringify(v);

function toNumber(v: RenderedValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(v)) return undefined;
  return Number(v);
}

const TRUE = new Set(['true', 'yes', '1', 'on', 'checked']);
const FALSE = new Set(['false', 'no', '0', 'off', 'unchecked']);

function toBoolean(v: RenderedValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const t = text(v).toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

/**
 * A date value from what Brevo and platforms send: `YYYY-MM-DD`, ISO datetimes with a zone,
 * Brevo's zone-less `YYYY-MM-DD HH:mm:ss` (read as UTC, as the webhook parser does), or epoch
 * seconds / milliseconds.
 */
export function toNotionDate(v: RenderedValue): string | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return undefined;
    return new Date(v > 1e12 ? v : v * 1000).toISOString();
  }
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return toBrevoDate(s);
  const zoneless = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(s);
  const iso = zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : s;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) || toBrevoDate(iso) === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function optionName(name: string, property: string): string | { reason: string } {
  if (name.includes(','))
    return { reason: `option ${JSON.stringify(name)} of ${property}: Notion option names cannot hold a comma` };
  if (name.length > MAX_OPTION_NAME)
    return { reason: `option of ${property} is longer than ${MAX_OPTION_NAME} characters` };
  return name;
}

/**
 * The property value a create/update request carries for `value` in a property of this type, or
 * why the value does not fit. Types a rule cannot write (formulas, rollups, relations, people,
 * files, timestamps...) are refused with their type.
 */
export function toNotionValue(name: string, prop: RuleSchemaProperty, value: RenderedValue): NotionValueResult {
  const fail = (reason: string): NotionValueResult => ({ ok: false, reason });
  const t = prop.type;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return fail('the path names an object, not a value: name one of its fields');
  }
  switch (t) {
    case 'title':
    case 'rich_text': {
      const s = text(value);
      const segments: { type: 'text'; text: { content: string } }[] = [];
      for (let i = 0; i < s.length; i += TEXT_CHUNK) {
        segments.push({ type: 'text', text: { content: s.slice(i, i + TEXT_CHUNK) } });
      }
      if (segments.length > MAX_SEGMENTS)
        return fail(`${s.length} characters: Notion takes at most ${TEXT_CHUNK * MAX_SEGMENTS} in a text property`);
      return { ok: true, value: { [t]: segments } };
    }
    case 'email': {
      const email = normalizeEmail(text(value));
      if (email === undefined) return fail(`${show(value)} is not an email address`);
      if (email.length > MAX_EMAIL) return fail(`email longer than ${MAX_EMAIL} characters`);
      return { ok: true, value: { email } };
    }
    case 'phone_number': {
      const phone = text(value);
      if (!/\d/.test(phone)) return fail(`${show(value)} is not a phone number`);
      if (phone.length > MAX_PHONE) return fail(`phone number longer than ${MAX_PHONE} characters`);
      return { ok: true, value: { phone_number: phone } };
    }
    case 'url': {
      const url = text(value);
      if (url.length > MAX_URL) return fail(`URL longer than ${MAX_URL} characters`);
      return { ok: true, value: { url } };
    }
    case 'number': {
      const n = toNumber(value);
      return n === undefined ? fail(`${show(value)} is not a number`) : { ok: true, value: { number: n } };
    }
    case 'checkbox': {
      const b = toBoolean(value);
      return b === undefined
        ? fail(`${show(value)} is not a yes/no value (true, false, yes, no, 1, 0)`)
        : { ok: true, value: { checkbox: b } };
    }
    case 'select': {
      const n = optionName(text(value), name);
      return typeof n === 'string' ? { ok: true, value: { select: { name: n } } } : fail(n.reason);
    }
    case 'status': {
      // Unlike select, Notion does not create status options: the value must be one of them.
      const wanted = text(value);
      const option = prop.options?.find((o) => o.toLowerCase() === wanted.toLowerCase());
      if (option === undefined) {
        return fail(`${show(wanted)} is not a status of ${name} (it has: ${(prop.options ?? []).join(', ')})`);
      }
      return { ok: true, value: { status: { name: option } } };
    }
    case 'multi_select': {
      const names = (Array.isArray(value) ? value.map((x) => text(x as RenderedValue)) : text(value).split(','))
        .map((s) => s.trim())
        .filter(Boolean);
      if (names.length > MAX_MULTI) return fail(`${names.length} options: Notion takes at most ${MAX_MULTI}`);
      const out: { name: string }[] = [];
      for (const n of [...new Set(names)]) {
        const checked = optionName(n, name);
        if (typeof checked !== 'string') return fail(checked.reason);
        out.push({ name: checked });
      }
      return { ok: true, value: { multi_select: out } };
    }
    case 'date': {
      const start = toNotionDate(value);
      return start === undefined
        ? fail(`${show(value)} is not a date (expected YYYY-MM-DD or an ISO date-time)`)
        : { ok: true, value: { date: { start } } };
    }
    default:
      return fail(`${name} is a ${t} property: a rule cannot write it`);
  }
}

/** Property types whose page value can find a page (`equals` filters), and the filter they take. */
const MATCHABLE = new Set(['title', 'rich_text', 'email', 'phone_number', 'url', 'number', 'select', 'status']);

/** The query filter that finds pages whose `name` holds the same value as `requestValue`, or why it cannot. */
export function matchFilter(
  name: string,
  prop: RuleSchemaProperty,
  requestValue: Record<string, unknown>,
): { ok: true; filter: Record<string, unknown> } | { ok: false; reason: string } {
  if (!MATCHABLE.has(prop.type)) {
    return {
      ok: false,
      reason: `match_by ${name} is a ${prop.type} property: pages cannot be found by it (use a title, text, email, phone, URL, number, select or status property)`,
    };
  }
  const extracted = extractNotionValue({ id: prop.id, type: prop.type, ...requestValue });
  const equals =
    extracted.kind === 'number' ? extracted.value : extracted.kind === 'text' ? extracted.value : undefined;
  if (equals === undefined) return { ok: false, reason: `match_by ${name} has no value to search for` };
  return { ok: true, filter: { property: name, [prop.type]: { equals } } };
}

/**
 * A property value (as a page holds it, or as a request carries it) in a form that compares
 * equal across Notion's normalisation: text as plain text, datetimes as UTC ISO, lists sorted.
 * Files count by name (their signed URLs change on every read). `''` means empty.
 */
export function canonicalValue(value: NotionPropertyValue): string {
  const x = extractNotionValue(value);
  switch (x.kind) {
    case 'empty':
      return '';
    case 'text':
      return x.value;
    case 'number':
      return formatNumber(x.value);
    case 'boolean':
      return x.value ? 'true' : 'false';
    case 'date': {
      const norm = (d: string) => (d.includes('T') && !Number.isNaN(Date.parse(d)) ? new Date(d).toISOString() : d);
      return x.end === undefined ? norm(x.start) : `${norm(x.start)} → ${norm(x.end)}`;
    }
    case 'list':
      return JSON.stringify([...x.value].sort());
  }
}

/** Values Notion computes or stamps itself: not part of what a person (or a rule) stores in a page. */
const COMPUTED_TYPES = new Set<string>([
  'formula',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'verification',
]);
const STORED_TYPES = new Set<string>(NOTION_PROPERTY_TYPES.filter((t) => !COMPUTED_TYPES.has(t)));

/**
 * A hash of a page's stored property values. Equal hashes at an equal last_edited_time mean the
 * page is as our write left it: no one changed a value since, even within the same (rounded) minute.
 */
export function storedPropertiesHash(properties: Record<string, NotionPropertyValue>): string {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (STORED_TYPES.has(value.type)) values[name] = canonicalValue(value);
  }
  return fingerprint(values);
}
