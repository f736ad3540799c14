/**
 * Data model and validation rules of the Brevo simulator: attribute definitions, how a written value
 * is checked against its attribute type (Brevo silently drops mismatches, rejects bad dates), phone
 * and email rules, and the `;`-separated CSV of `fileBody` imports.
 */

export type AttributeCategory = 'normal' | 'transactional' | 'category' | 'calculated' | 'global';
export type AttributeType = 'text' | 'date' | 'float' | 'boolean' | 'id' | 'category' | 'multiple-choice' | 'user';
export type AttributeValue = string | number | boolean | string[];

export const ATTRIBUTE_CATEGORIES: readonly AttributeCategory[] = [
  'normal',
  'transactional',
  'category',
  'calculated',
  'global',
];

/** Types allowed per category (brevo.md §2); calculated and global attributes take no type. */
const TYPES_BY_CATEGORY: Record<AttributeCategory, readonly AttributeType[]> = {
  normal: ['text', 'date', 'float', 'boolean', 'multiple-choice', 'user'],
  transactional: ['text', 'date', 'float', 'boolean', 'id'],
  category: ['category'],
  calculated: [],
  global: [],
};

export interface EnumerationItem {
  value: number;
  label: string;
}

export interface AttributeDef {
  name: string;
  category: AttributeCategory;
  type?: AttributeType;
  enumeration?: EnumerationItem[];
  multiCategoryOptions?: string[];
  /** calculated/global only. */
  calculatedValue?: string;
  isRecurring?: boolean;
}

export interface AttributeInput {
  name: string;
  category: AttributeCategory;
  type?: AttributeType;
  enumeration?: EnumerationItem[];
  multiCategoryOptions?: string[];
  value?: string;
  isRecurring?: boolean;
}

export interface SimContact {
  id: number;
  /** Lower-cased. Absent for contacts identified only by SMS / ext_id. */
  email?: string;
  ext_id?: string;
  emailBlacklisted: boolean;
  smsBlacklisted: boolean;
  attributes: Record<string, AttributeValue>;
  listIds: Set<number>;
  createdAt: string;
  modifiedAt: string;
}

export type WriteSource = 'create' | 'update' | 'import' | 'event';

/** A value Brevo would have dropped without telling the caller. */
export interface IgnoredAttributeValue {
  /** The contact's email (or the identifier used when it has none). */
  email: string;
  attribute: string;
  value: unknown;
  reason: string;
  source: WriteSource;
  processId?: number;
}

/** Identifier attributes holding phone numbers; each is unique across the account. */
export const PHONE_KEYS = ['SMS', 'WHATSAPP', 'LANDLINE_NUMBER'] as const;
export type PhoneKey = (typeof PHONE_KEYS)[number];
export function isPhoneKey(key: string): key is PhoneKey {
  return key === 'SMS' || key === 'WHATSAPP' || key === 'LANDLINE_NUMBER';
}

export interface ErrorBody {
  code: string;
  message: string;
  metadata?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

export function err(status: number, code: string, message: string, metadata?: Record<string, unknown>): ApiError {
  return new ApiError(status, metadata ? { code, message, metadata } : { code, message });
}

// ---------------------------------------------------------------------------------------------
// Scalars

const EMAIL_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isValidEmail(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 254 &&
    EMAIL_RE.test(value) &&
    !value.startsWith('.') &&
    !value.includes('..')
  );
}

/**
 * Accepted forms (brevo.md §1): `+<cc><digits>`, `00<cc><digits>`, `<cc><digits>`; 8–15 digits after
 * the prefix, the first being a country-code digit (1–9). Returns the digits (the uniqueness key).
 */
export function normalizePhone(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  let rest = s;
  if (s.startsWith('+')) rest = s.slice(1);
  else if (s.startsWith('00')) rest = s.slice(2);
  return /^[1-9]\d{7,14}$/.test(rest) ? rest : undefined;
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isValidDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[mo - 1] ?? 0);
}

/** ISO-8601 date-time with a time part (events' `event_date`, campaigns' `scheduledAt`). */
export function isIsoDateTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

// ---------------------------------------------------------------------------------------------
// Attribute definitions

/** Validate a definition (HTTP create or the control API); throws ApiError(400). */
export function buildAttributeDef(input: AttributeInput): AttributeDef {
  const category = input.category;
  if (!ATTRIBUTE_CATEGORIES.includes(category)) {
    throw err(400, 'invalid_parameter', `Invalid attribute category: ${String(category)}`);
  }
  const name = String(input.name ?? '').toUpperCase();
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
    throw err(400, 'invalid_parameter', 'Attribute name must start with a letter and contain only A-Z, 0-9 and _');
  }
  if (name === 'EMAIL' || name === 'EXT_ID') throw err(400, 'invalid_parameter', `${name} is a reserved attribute`);
  const allowed = TYPES_BY_CATEGORY[category];
  const def: AttributeDef = { name, category };
  if (category === 'calculated' || category === 'global') {
    if (input.type !== undefined) {
      throw err(400, 'invalid_parameter', `type is not allowed for ${category} attributes`);
    }
    if (typeof input.value !== 'string' || input.value === '') {
      throw err(400, 'missing_parameter', `value is required for ${category} attributes`);
    }
    def.calculatedValue = input.value;
    if (input.isRecurring !== undefined) def.isRecurring = Boolean(input.isRecurring);
  } else {
    if (input.value !== undefined || input.isRecurring !== undefined) {
      throw err(400, 'invalid_parameter', 'value and isRecurring are only for calculated and global attributes');
    }
    const type = input.type ?? (category === 'category' ? 'category' : 'text');
    if (!allowed.includes(type)) {
      throw err(400, 'invalid_parameter', `type ${String(type)} is not allowed for ${category} attributes`);
    }
    def.type = type;
  }
  if (input.enumeration !== undefined && category !== 'category') {
    throw err(400, 'invalid_parameter', 'enumeration is only for category attributes');
  }
  if (input.multiCategoryOptions !== undefined && def.type !== 'multiple-choice') {
    throw err(400, 'invalid_parameter', 'multiCategoryOptions is only for multiple-choice attributes');
  }
  if (category === 'category') {
    const e = input.enumeration;
    if (!Array.isArray(e) || e.length === 0) {
      throw err(400, 'missing_parameter', 'enumeration is required for category attributes');
    }
    const values = new Set<number>();
    const labels = new Set<string>();
    for (const item of e) {
      if (
        !isPlainObject(item) ||
        !Number.isInteger(item.value) ||
        typeof item.label !== 'string' ||
        item.label === ''
      ) {
        throw err(400, 'invalid_parameter', 'enumeration items must be {value: integer, label: string}');
      }
      if (item.label.length > 200) throw err(400, 'invalid_parameter', 'enumeration label exceeds 200 characters');
      if (values.has(item.value) || labels.has(item.label)) {
        throw err(400, 'invalid_parameter', 'enumeration values and labels must be unique');
      }
      values.add(item.value);
      labels.add(item.label);
    }
    def.enumeration = e.map((i) => ({ value: i.value, label: i.label }));
  }
  if (def.type === 'multiple-choice') {
    const o = input.multiCategoryOptions;
    if (!Array.isArray(o) || o.length === 0) {
      throw err(400, 'missing_parameter', 'multiCategoryOptions is required for multiple-choice attributes');
    }
    if (o.some((x) => typeof x !== 'string' || x === '' || x.length > 200)) {
      throw err(400, 'invalid_parameter', 'multiCategoryOptions must be non-empty strings of at most 200 characters');
    }
    if (new Set(o).size !== o.length) throw err(400, 'invalid_parameter', 'multiCategoryOptions must be unique');
    def.multiCategoryOptions = [...o];
  }
  return def;
}

export function attributeJson(def: AttributeDef): Record<string, unknown> {
  const out: Record<string, unknown> = { name: def.name, category: def.category };
  if (def.type !== undefined) out.type = def.type;
  if (def.enumeration) out.enumeration = def.enumeration.map((e) => ({ ...e }));
  if (def.multiCategoryOptions) out.multiCategoryOptions = [...def.multiCategoryOptions];
  if (def.calculatedValue !== undefined) out.calculatedValue = def.calculatedValue;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Value checks

export type ValueCheck =
  | { kind: 'set'; value: AttributeValue }
  | { kind: 'clear' }
  /** Silently ignored by Brevo (type mismatch). */
  | { kind: 'ignore'; reason: string }
  /** A 400 on single writes; skipped and counted in imports. */
  | { kind: 'reject'; reason: string; message: string };

/**
 * Check one value against its attribute. `fromCsv` values are strings and are converted the way a
 * CSV import reads them (numbers, true/false, comma-separated multiple choice, category label or value).
 */
export function checkValue(def: AttributeDef, raw: unknown, fromCsv: boolean): ValueCheck {
  if (def.category === 'calculated' || def.category === 'global') {
    return { kind: 'ignore', reason: `read-only ${def.category} attribute` };
  }
  if (raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0)) return { kind: 'clear' };
  const mismatch = (): ValueCheck => ({ kind: 'ignore', reason: `type mismatch: expected ${def.type}` });
  switch (def.type) {
    case 'text':
    case 'user':
      return typeof raw === 'string' ? { kind: 'set', value: raw } : mismatch();
    case 'float': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return { kind: 'set', value: raw };
      if (fromCsv && typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())) {
        return { kind: 'set', value: Number(raw.trim()) };
      }
      return mismatch();
    }
    case 'id': {
      if (typeof raw === 'number' && Number.isInteger(raw)) return { kind: 'set', value: raw };
      if (fromCsv && typeof raw === 'string' && /^\d+$/.test(raw.trim())) return { kind: 'set', value: Number(raw) };
      return mismatch();
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { kind: 'set', value: raw };
      if (fromCsv && typeof raw === 'string') {
        const s = raw.trim().toLowerCase();
        if (s === 'true' || s === '1' || s === 'yes') return { kind: 'set', value: true };
        if (s === 'false' || s === '0' || s === 'no') return { kind: 'set', value: false };
      }
      return mismatch();
    }
    case 'date': {
      if (typeof raw !== 'string') return mismatch();
      if (isValidDate(raw)) return { kind: 'set', value: raw };
      return {
        kind: 'reject',
        reason: 'invalid date format',
        message: `Invalid date format for attribute ${def.name}`,
      };
    }
    case 'category': {
      const e = def.enumeration ?? [];
      if (typeof raw === 'string') {
        const byLabel = e.find((x) => x.label === raw);
        if (byLabel) return { kind: 'set', value: byLabel.label };
        if (fromCsv && /^-?\d+$/.test(raw.trim())) {
          const byValue = e.find((x) => x.value === Number(raw.trim()));
          if (byValue) return { kind: 'set', value: byValue.label };
        }
        return { kind: 'ignore', reason: 'unknown category value' };
      }
      if (typeof raw === 'number') {
        const byValue = e.find((x) => x.value === raw);
        return byValue ? { kind: 'set', value: byValue.label } : { kind: 'ignore', reason: 'unknown category value' };
      }
      return mismatch();
    }
    case 'multiple-choice': {
      let items: unknown = raw;
      if (fromCsv && typeof raw === 'string') {
        items = raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
      }
      if (!Array.isArray(items) || items.some((x) => typeof x !== 'string')) return mismatch();
      const options = def.multiCategoryOptions ?? [];
      const unknown = (items as string[]).find((x) => !options.includes(x));
      if (unknown !== undefined) {
        return {
          kind: 'reject',
          reason: 'unknown multiple-choice option',
          message: `Invalid option "${unknown}" for multiple-choice attribute ${def.name}`,
        };
      }
      return { kind: 'set', value: [...new Set(items as string[])] };
    }
    default:
      return mismatch();
  }
}

// ---------------------------------------------------------------------------------------------
// CSV (fileBody)

/** Parse `;`-separated CSV with optional double-quoted fields ("" escapes a quote). */
export function parseCsv(text: string, sep = ';'): string[][] {
  const rows: string[][] = [];
  if (!text.includes('"')) {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      rows.push(line.split(sep));
    }
    return rows;
  }
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  const pushRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0]?.trim() === '')) rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
      } else {
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"') inQuotes = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n') pushRow();
    else if (c !== '\r') field += c;
    i += 1;
  }
  if (field !== '' || row.length > 0) pushRow();
  return rows;
}
