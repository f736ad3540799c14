/**
 * Turns an `Extracted` Notion meaning into the value a Brevo attribute or contact identifier takes
 * (brevo.md §1–§2). `{ ok: true, value: null }` means "no value"; `{ ok: false }` carries a reason
 * fit to show to the tenant.
 */

import { extractedToStrings, formatNumber } from './extracted';
import { maskPersonal } from './mask';
import type { BrevoAttribute, BrevoValue, Coerced, Extracted, IdentifierTarget } from './types';

export interface CoerceOptions {
  defaultCountryCode?: string /* digits, e.g. '33', used when a phone has no country code */;
}

const NONE: Coerced = { ok: true, value: null };
const MAX_LISTED_OPTIONS = 10;
const MAX_QUOTED_CHARS = 80;

function ok(value: BrevoValue | null): Coerced {
  return { ok: true, value };
}

function fail(reason: string): Coerced {
  return { ok: false, reason };
}

function quote(s: string): string {
  const short = s.length > MAX_QUOTED_CHARS ? `${s.slice(0, MAX_QUOTED_CHARS - 1)}…` : s;
  return `"${short}"`;
}

/** Empty, whitespace-only text and empty lists all mean "no value". */
function isEmpty(x: Extracted): boolean {
  return (
    x.kind === 'empty' ||
    (x.kind === 'text' && x.value.trim() === '') ||
    (x.kind === 'list' && x.value.every((s) => s.trim() === ''))
  );
}

/** The text form used by text/id/user attributes (and inside reasons). */
function asText(x: Extracted): string {
  switch (x.kind) {
    case 'list':
      return x.value.join(', ');
    case 'date':
      return x.end === undefined ? x.start : `${x.start} → ${x.end}`;
    default:
      return extractedToStrings(x).join('');
  }
}

/** How a value is named in a failure reason. */
function describe(x: Extracted): string {
  switch (x.kind) {
    case 'text':
      return quote(x.value);
    case 'number':
      return `the number ${formatNumber(x.value)}`;
    case 'boolean':
      return `the boolean ${x.value}`;
    case 'date':
      return `the date ${quote(asText(x))}`;
    case 'list':
      return `a list of ${x.value.length} value${x.value.length === 1 ? '' : 's'} (${quote(asText(x))})`;
    case 'empty':
      return 'no value';
  }
}

/** Text, or the only item of a one-item list; undefined for anything else. */
function singleText(x: Extracted): string | undefined {
  if (x.kind === 'text') return x.value.trim();
  if (x.kind === 'list') {
    const items = nonEmptyItems(x.value);
    return items.length === 1 ? items[0] : undefined;
  }
  return undefined;
}

function nonEmptyItems(items: string[]): string[] {
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function fold(s: string): string {
  return s.trim().toLowerCase();
}

function listLabels(labels: string[]): string {
  if (labels.length === 0) return '(none)';
  const shown = labels.slice(0, MAX_LISTED_OPTIONS).map(quote).join(', ');
  const more = labels.length - MAX_LISTED_OPTIONS;
  return more > 0 ? `${shown} (and ${more} more)` : shown;
}

// ---------------------------------------------------------------------------------------------
// Attributes

function toTextAttr(x: Extracted): Coerced {
  return ok(asText(x));
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function toFloat(x: Extracted): Coerced {
  switch (x.kind) {
    case 'number':
      return Number.isFinite(x.value) ? ok(x.value) : fail(`expected a number, got ${formatNumber(x.value)}`);
    case 'boolean':
      return ok(x.value ? 1 : 0);
    case 'text': {
      const t = x.value.trim();
      return DECIMAL.test(t) ? ok(Number(t)) : fail(`expected a number, got ${quote(x.value)}`);
    }
    default:
      return fail(`expected a number, got ${describe(x)}`);
  }
}

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

function toBoolean(x: Extracted): Coerced {
  switch (x.kind) {
    case 'boolean':
      return ok(x.value);
    case 'number':
      return Number.isNaN(x.value) ? fail('expected a boolean, got NaN') : ok(x.value !== 0);
    case 'text': {
      const t = fold(x.value);
      if (TRUE_WORDS.has(t)) return ok(true);
      if (FALSE_WORDS.has(t)) return ok(false);
      return fail(`expected a boolean (true/false, yes/no, 1/0), got ${quote(x.value)}`);
    }
    default:
      return fail(`expected a boolean, got ${describe(x)}`);
  }
}

function toDate(x: Extracted): Coerced {
  const raw = x.kind === 'date' ? x.start : x.kind === 'text' ? x.value : undefined;
  if (raw === undefined) return fail(`expected a date, got ${describe(x)}`);
  const d = toBrevoDate(raw);
  return d === undefined ? fail(`expected a date, got ${quote(raw)}`) : ok(d);
}

function toCategory(x: Extracted, attr: BrevoAttribute): Coerced {
  const enumeration = attr.enumeration ?? [];
  const labels = enumeration.map((e) => e.label);
  if (x.kind === 'number') {
    const hit = enumeration.find((e) => e.value === x.value);
    return hit
      ? ok(hit.value)
      : fail(`no category of ${attr.name} has the value ${formatNumber(x.value)}; allowed: ${listLabels(labels)}`);
  }
  const t = singleText(x);
  if (t === undefined) return fail(`expected a single category for ${attr.name}, got ${describe(x)}`);
  const key = fold(t);
  const hit = enumeration.find((e) => fold(e.label) === key);
  return hit ? ok(hit.value) : fail(`no category of ${attr.name} matches ${quote(t)}; allowed: ${listLabels(labels)}`);
}

function toMultipleChoice(x: Extracted, attr: BrevoAttribute): Coerced {
  let items: string[];
  if (x.kind === 'list') items = nonEmptyItems(x.value);
  else if (x.kind === 'text' || x.kind === 'number') items = nonEmptyItems(extractedToStrings(x));
  else return fail(`expected a list of options for ${attr.name}, got ${describe(x)}`);
  if (items.length === 0) return NONE;

  const options = attr.multiCategoryOptions ?? [];
  const byKey = new Map<string, string>();
  for (const o of options) if (!byKey.has(fold(o))) byKey.set(fold(o), o);

  const out: string[] = [];
  const unknown: string[] = [];
  for (const item of items) {
    const option = byKey.get(fold(item));
    if (option === undefined) {
      if (!unknown.includes(item)) unknown.push(item);
    } else if (!out.includes(option)) {
      out.push(option);
    }
  }
  if (unknown.length > 0) {
    const what = unknown.length === 1 ? 'unknown option' : 'unknown options';
    return fail(`${what} ${unknown.map(quote).join(', ')} for ${attr.name}; allowed: ${listLabels(options)}`);
  }
  return ok(out);
}

export function coerceToAttribute(x: Extracted, attr: BrevoAttribute, _opts?: CoerceOptions): Coerced {
  if (attr.category === 'calculated' || attr.category === 'global') {
    return fail(`${attr.name} is a ${attr.category} attribute; Brevo computes it and it cannot be written`);
  }
  if (isEmpty(x)) return NONE;
  const type = attr.category === 'category' ? 'category' : (attr.type ?? 'text');
  switch (type) {
    case 'text':
    case 'id':
    case 'user':
      return toTextAttr(x);
    case 'float':
      return toFloat(x);
    case 'boolean':
      return toBoolean(x);
    case 'date':
      return toDate(x);
    case 'category':
      return toCategory(x, attr);
    case 'multiple-choice':
      return toMultipleChoice(x, attr);
  }
}

// ---------------------------------------------------------------------------------------------
// Identifiers

export function coerceToIdentifier(x: Extracted, target: IdentifierTarget, opts?: CoerceOptions): Coerced {
  if (isEmpty(x)) return NONE;
  if (x.kind === 'list' && nonEmptyItems(x.value).length > 1) {
    return fail(`expected a single value for ${target}, got ${describe(x)}`);
  }
  switch (target) {
    case 'EMAIL': {
      const raw = singleText(x) ?? asText(x);
      const email = normalizeEmail(raw);
      // Emails and phones are personal data: a reason is stored and shown, so it names them masked.
      return email === undefined ? fail(`invalid email address ${quote(maskPersonal(raw))}`) : ok(email);
    }
    case 'SMS':
    case 'WHATSAPP':
    case 'LANDLINE_NUMBER': {
      const raw = x.kind === 'number' ? formatNumber(x.value) : (singleText(x) ?? asText(x));
      const phone =
        x.kind === 'boolean' || x.kind === 'date' ? undefined : normalizePhone(raw, opts?.defaultCountryCode);
      if (phone !== undefined) return ok(phone);
      if (x.kind !== 'boolean' && x.kind !== 'date' && lacksCountryCode(raw, opts?.defaultCountryCode)) {
        return fail(
          `phone number ${quote(maskPersonal(raw))} has no country code: write it as +<country code><number>, or set default_country_code`,
        );
      }
      return fail(`invalid phone number ${quote(maskPersonal(raw))}`);
    }
    case 'EXT_ID': {
      if (x.kind === 'number') return ok(formatNumber(x.value));
      const t = singleText(x);
      return t === undefined ? fail(`expected text or a number for EXT_ID, got ${describe(x)}`) : ok(t);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Normalisers

const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Trimmed, lower-cased and checked (`local@domain.tld`, dot-atom local part, a `mailto:` prefix is dropped). */
export function normalizeEmail(s: string): string | undefined {
  if (typeof s !== 'string') return undefined;
  let e = s.trim().toLowerCase();
  if (e.startsWith('mailto:')) e = e.slice('mailto:'.length).trim();
  if (e.length > 254) return undefined;
  const at = e.lastIndexOf('@');
  if (at <= 0 || e.indexOf('@') !== at) return undefined;
  const local = e.slice(0, at);
  const domain = e.slice(at + 1);
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return undefined;
  const tld = labels[labels.length - 1];
  if (!/^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return undefined;
  return e;
}

const PHONE_SEPARATORS = /[\s.\-()]/g;

/**
 * `+<digits>` (8–15 digits, the country code not starting with 0) or undefined.
 * See the rules in the module brief; additionally a literal `(0)` after an international prefix
 * (`+44 (0)20 …`) is dropped, and a national number starting with `0` with no default country code
 * is rejected (country codes never start with 0).
 */
export function normalizePhone(s: string, defaultCountryCode?: string): string | undefined {
  if (typeof s !== 'string') return undefined;
  let p = s.trim();
  if (/^tel:/i.test(p)) p = p.slice(4);
  if (/\p{L}/u.test(p)) return undefined;
  if (/^\s*(\+|00)/.test(p)) p = p.replace(/\(\s*0\s*\)/, '');
  p = p.replace(PHONE_SEPARATORS, '');

  let digits: string;
  if (/^\+\d+$/.test(p)) {
    digits = p.slice(1);
  } else if (/^00\d+$/.test(p)) {
    digits = p.slice(2);
  } else if (/^\d+$/.test(p)) {
    const cc = countryCode(defaultCountryCode);
    if (p.startsWith('0')) {
      if (cc === undefined) return undefined;
      digits = cc + p.slice(1);
    } else if (cc !== undefined) {
      digits = p.startsWith(cc) ? p : cc + p;
    } else {
      if (p.length < 11) return undefined;
      digits = p;
    }
  } else {
    return undefined;
  }
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : undefined;
}

/**
 * True for a national number normalizePhone refused only because it has no country code: digits
 * and separators without an international prefix, starting with a trunk 0 or too short to hold a
 * country code, and no usable default.
 */
function lacksCountryCode(s: string, defaultCountryCode?: string): boolean {
  if (countryCode(defaultCountryCode) !== undefined) return false;
  let p = s.trim();
  if (/^tel:/i.test(p)) p = p.slice(4);
  if (/^(\+|00)/.test(p)) return false;
  p = p.replace(PHONE_SEPARATORS, '');
  if (!/^\d+$/.test(p)) return false;
  const national = p.startsWith('0') ? p.slice(1) : p;
  // With a 1–3 digit country code in front it would be a valid number.
  return national.length >= 6 && national.length <= 14 && (p.startsWith('0') || p.length < 11);
}

/** '33', '+33' or '0033' → '33'; anything that is not a 1–3 digit country code → undefined. */
function countryCode(cc: string | undefined): string | undefined {
  if (cc === undefined) return undefined;
  const d = cc.trim().replace(/^(\+|00)/, '');
  return /^[1-9]\d{0,2}$/.test(d) ? d : undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

/** 'YYYY-MM-DD' from `YYYY-MM-DD` or an ISO datetime (date part as written, no timezone shift). */
export function toBrevoDate(s: string): string | undefined {
  if (typeof s !== 'string') return undefined;
  const m = ISO_DATE.exec(s.trim());
  if (m === null) return undefined;
  const [, y, mo, d, hh, mm, ss, , oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59)) return undefined;
  if (ss !== undefined && Number(ss) > 59) return undefined;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  return `${y}-${mo}-${d}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
