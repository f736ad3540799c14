/**
 * Turns a database's field_mapping (its own, or the connector's: mapping/database-mapping.ts), its Notion
 * schema and the Brevo account's attributes into a plan that maps one row to one contact. Problems the person must fix (a property that does not
 * exist, a type that does not match, a Brevo attribute that does not exist) are found here, once,
 * before any row is written.
 */
import { type UnsupportedAttribute, unsupportedAttributeMessage } from '../../../core/brevo/client';
import { type ContactRow, contactFingerprint, fieldError } from '../../../core/brevo/contact-rows';
import { formatPath } from '../../../core/config/path';
import { ConfigError } from '../../../core/errors';
import { coerceToAttribute, coerceToIdentifier } from '../../../core/mapping';
import { splitRealName } from '../../../core/mapping/person-name';
import type { BrevoAttribute, Extracted, IdentifierTarget } from '../../../core/mapping/types';
import type { Fingerprint, RowError } from '../../../core/ports';
import type { SchemaProperty } from '../client';
import {
  type FieldMapping,
  NOTION_PROPERTY_TYPES,
  type NotionDatabaseConfig,
  normalizePropertyType,
} from '../config-schema';
import { databaseMapping } from '../mapping/database-mapping';
import { extractNotionValue, type NotionPropertyValue } from '../mapping/values';

const IDENTIFIERS: readonly IdentifierTarget[] = ['EMAIL', 'SMS', 'WHATSAPP', 'LANDLINE_NUMBER', 'EXT_ID'];
/** Which identifier names the contact when several are mapped. */
const IDENTIFIER_PRIORITY: readonly IdentifierTarget[] = ['EMAIL', 'SMS', 'EXT_ID'];

export interface PlannedField {
  property: string;
  propertyId: string;
  notionType: string;
  target: string;
  identifier?: IdentifierTarget;
  attribute?: BrevoAttribute;
  /** The title read as a person's name: its first names or its last (the default mapping's split). */
  part?: 'first' | 'last';
}

export interface MappingPlan {
  fields: PlannedField[];
  /** The identifier that keys the contact. */
  key: IdentifierTarget;
  defaultCountryCode?: string;
  /**
   * Mapped properties left out, one line each naming the database and the mapping path: a Notion
   * property of a type this version cannot read, or a Brevo attribute it cannot write. The rest of
   * the mapping syncs; the run's summary carries these lines.
   */
  warnings: string[];
}

/** A row as the contact writer takes it; `rowId` is the Notion page id. */
export interface MappedRow extends ContactRow {
  email?: string;
}

export function buildPlan(args: {
  databaseIndex: number;
  database: NotionDatabaseConfig;
  /** connectors.notion.field_mapping: the mapping of a database without its own. */
  connectorMapping?: FieldMapping;
  title: string;
  schema: Record<string, SchemaProperty>;
  attributes: BrevoAttribute[];
  /** Attributes the account has but this version cannot write (BrevoClient.readAttributes). */
  unsupported?: UnsupportedAttribute[];
  defaultCountryCode?: string;
  /** A database outside the config: its default mapping (default-mapping.ts) instead of the inferred one. */
  defaults?: { entries: Record<string, { type: string; target: string }>; nameFrom?: string };
}): MappingPlan {
  const { database, schema, attributes, title } = args;
  const written = databaseMapping({ field_mapping: args.connectorMapping }, database, args.databaseIndex);
  // Messages point at the mapping the person wrote: the database's own, or the connector's.
  const mappingPath = formatPath(written.path);
  const byName = new Map(attributes.map((a) => [a.name.toUpperCase(), a]));
  const unsupported = new Map((args.unsupported ?? []).map((u) => [u.name.toUpperCase(), u]));
  const mapping: Record<string, { type?: string; target: string }> =
    written.mapping ?? args.defaults?.entries ?? inferMapping(schema, attributes);
  const issues: { path: string; message: string }[] = [];
  const fields: PlannedField[] = [];
  const warnings: string[] = [];

  for (const [property, entry] of Object.entries(mapping)) {
    const path = formatPath([...written.path, property]);
    const prop = schema[property];
    if (!prop) {
      const has = Object.keys(schema).sort().join(', ');
      // The connector's mapping is written for every database: one that lacks a property simply
      // does not sync it. A database's own mapping names its properties: a missing one is a mistake.
      if (written.source === 'connector') {
        warnings.push(
          `database "${title}" has no property "${property}": ${property} → ${entry.target} is not synced for it (it has: ${has})`,
        );
      } else {
        issues.push({
          path,
          message: `database "${title}" has no property "${property}" (it has: ${has}): rename the entry to one of those, or remove it from this database's field_mapping`,
        });
      }
      continue;
    }
    // The short form names no type: the property's own type (from the schema) is the one checked.
    const expected = entry.type === undefined ? undefined : normalizePropertyType(entry.type);
    if (expected && expected !== prop.type) {
      issues.push({
        path: `${path}.type`,
        message: `"${property}" is a ${prop.type} property in Notion, not ${expected}`,
      });
      continue;
    }
    const target = entry.target.toUpperCase();
    const identifier = IDENTIFIERS.find((i) => i === target);
    const attribute = byName.get(target);
    const targetPath = entry.type === undefined ? path : `${path}.target`;
    // A type Notion added later (or one with no value, such as button) reads as nothing: mapped
    // to an attribute it would write nothing, silently, so it is named; as the key, nothing works.
    if (!(NOTION_PROPERTY_TYPES as readonly string[]).includes(prop.type)) {
      const why = `"${property}" is a ${prop.type} property in Notion, which this version cannot read`;
      if (written.source === 'inferred') continue;
      if (identifier) issues.push({ path, message: `${why}: map another property to ${identifier}` });
      else
        warnings.push(`database "${title}": ${path}: ${why}: it is left out of the sync (remove it from the mapping)`);
      continue;
    }
    const unwritable = identifier ? undefined : unsupported.get(target);
    if (!attribute && unwritable) {
      warnings.push(
        `database "${title}": ${targetPath}: ${unsupportedAttributeMessage(unwritable)}: "${property}" is left out of the sync`,
      );
      continue;
    }
    if (!identifier && !attribute) {
      issues.push({
        path: targetPath,
        message: `Brevo has no contact attribute ${target}: create it in Brevo (Contacts → Settings → Attributes) or change the target`,
      });
      continue;
    }
    if (attribute && !identifier && attribute.category === 'calculated') {
      issues.push({
        path: targetPath,
        message: `${target} is a calculated Brevo attribute and cannot be written`,
      });
      continue;
    }
    const unreachable = unreachableReason(prop.type, identifier, attribute);
    // An inferred entry is a guess from the names: one that cannot work is simply not made.
    if (unreachable && written.source === 'inferred') continue;
    if (unreachable) {
      issues.push({ path: targetPath, message: `"${property}" is a ${prop.type} property: ${unreachable}` });
      continue;
    }
    fields.push({ property, propertyId: prop.id, notionType: prop.type, target, identifier, attribute });
  }
  const nameFrom = args.defaults?.nameFrom;
  const nameProp = nameFrom === undefined ? undefined : schema[nameFrom];
  if (nameFrom !== undefined && nameProp) {
    for (const [part, target] of [
      ['first', 'FIRSTNAME'],
      ['last', 'LASTNAME'],
    ] as const) {
      const attribute = byName.get(target);
      if (attribute)
        fields.push({
          property: nameFrom,
          propertyId: nameProp.id,
          notionType: nameProp.type,
          target,
          attribute,
          part,
        });
    }
  }
  const key = IDENTIFIER_PRIORITY.find((k) => fields.some((f) => f.identifier === k));
  if (!key && issues.length === 0) {
    issues.push({
      path: mappingPath,
      message: args.defaults
        ? `database "${title}" has no email property (nor a text property named Email): add it to connectors.notion.databases with a field_mapping that maps a property to email, SMS or EXT_ID`
        : written.source === 'inferred'
          ? `database "${title}" has no email property and no field_mapping: map a property to email, SMS or EXT_ID`
          : 'no property maps to email, SMS or EXT_ID',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { fields, key: key as IdentifierTarget, defaultCountryCode: args.defaultCountryCode, warnings };
}

type ValueKind = Extracted['kind'];

/** What each Notion property type's values read as (shared/core/mapping extractNotionValue); absent: any. */
const KINDS_OF_TYPE: Record<string, readonly ValueKind[]> = {
  title: ['text'],
  rich_text: ['text'],
  select: ['text'],
  status: ['text'],
  url: ['text'],
  email: ['text'],
  phone_number: ['text'],
  created_by: ['text'],
  last_edited_by: ['text'],
  unique_id: ['text'],
  verification: ['text'],
  place: ['text'],
  number: ['number'],
  checkbox: ['boolean'],
  date: ['date'],
  created_time: ['date'],
  last_edited_time: ['date'],
  multi_select: ['list'],
  people: ['list'],
  files: ['list'],
  relation: ['list'],
  // formula and rollup: their result type is not in the schema, so any value may come.
};

/** The value kinds each Brevo attribute type (and identifier) can take (shared/core/mapping coerce). */
const KINDS_OF_TARGET: Record<string, readonly ValueKind[]> = {
  float: ['number', 'boolean', 'text'],
  boolean: ['boolean', 'number', 'text'],
  date: ['date', 'text'],
  category: ['number', 'text', 'list'],
  'multiple-choice': ['list', 'text', 'number'],
  EMAIL: ['text', 'list'],
  SMS: ['number', 'text', 'list'],
  WHATSAPP: ['number', 'text', 'list'],
  LANDLINE_NUMBER: ['number', 'text', 'list'],
  EXT_ID: ['number', 'text', 'list'],
  // text, id, user: every value has a text form.
};

/**
 * Why no value of a property of this type can ever be written to the target (a date into a number
 * attribute), or undefined when some can: refused when the plan is made, once, rather than on
 * every row. The same check for the long form and the short one (whose type is the schema's).
 */
export function unreachableReason(
  notionType: string,
  identifier: IdentifierTarget | undefined,
  attribute: BrevoAttribute | undefined,
): string | undefined {
  const kinds = KINDS_OF_TYPE[notionType];
  const targetType = identifier ?? (attribute?.category === 'category' ? 'category' : (attribute?.type ?? 'text'));
  const accepted = KINDS_OF_TARGET[targetType];
  if (!kinds || !accepted || kinds.some((k) => accepted.includes(k))) return undefined;
  const name = identifier ?? attribute?.name ?? targetType;
  const what = identifier ? `the contact identifier ${name}` : `${name} (a ${targetType} attribute in Brevo)`;
  return `its values cannot be written to ${what}; map it to another attribute or map another property to ${name}`;
}

/**
 * Without a field_mapping: the first email property is the identifier, and properties whose name
 * matches a Brevo attribute (ignoring case, spaces and punctuation) map to it.
 */
export function inferMapping(
  schema: Record<string, SchemaProperty>,
  attributes: BrevoAttribute[],
): Record<string, { type: string; target: string }> {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const attrs = new Map(attributes.map((a) => [norm(a.name), a.name]));
  const out: Record<string, { type: string; target: string }> = {};
  const email = Object.entries(schema).find(([, p]) => p.type === 'email');
  if (email) out[email[0]] = { type: 'email', target: 'EMAIL' };
  for (const [name, prop] of Object.entries(schema)) {
    if (out[name]) continue;
    const target = attrs.get(norm(name));
    if (target && target !== 'EMAIL') out[name] = { type: prop.type, target };
  }
  return out;
}

/** Rebuilds a full property value from the property-item endpoint's items. */
export function valueFromItems(value: NotionPropertyValue, items: Record<string, unknown>[]): NotionPropertyValue {
  if (value.type === 'rollup') {
    // The paginated rollup's items are its elements; the page value keeps the function.
    const elements = items.map((i) => {
      const t = i.type as string;
      return { type: t, [t]: i[t] };
    });
    return {
      ...value,
      rollup: { type: 'array', array: elements, function: (value.rollup as { function?: string })?.function },
    };
  }
  return { ...value, [value.type]: items.map((i) => i[value.type]), has_more: false };
}

/** A title read as a person's name: its first names or its last one (empty when it has none). */
function namePart(value: Extracted, part: 'first' | 'last'): Extracted {
  if (value.kind !== 'text') return value;
  const split = splitRealName(value.value);
  const text = part === 'first' ? split.first : split.last;
  return text === undefined ? { kind: 'empty' } : { kind: 'text', value: text };
}

export type RowResult = { ok: true; row: MappedRow } | { ok: false; errors: RowError[] };

/**
 * Maps one Notion page to a Brevo contact, or says why it cannot be. A value that cannot reach its
 * attribute (or a second identifier: an SMS beside the email) is left out with a field error and
 * the contact is still written; only a row without a valid key identifier fails.
 */
export function mapRow(
  pageId: string,
  properties: Record<string, NotionPropertyValue>,
  plan: MappingPlan,
  listId: number | undefined,
): RowResult {
  const fieldErrors: RowError[] = [];
  let keyError: RowError | undefined;
  const attributes: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  let identifier: string | undefined;
  const byId = new Map<string, NotionPropertyValue>();
  for (const v of Object.values(properties)) byId.set(v.id, v);
  const opts = { defaultCountryCode: plan.defaultCountryCode };

  for (const field of plan.fields) {
    const isKey = field.identifier !== undefined && field.identifier === plan.key;
    // By name first; by id when the property was renamed since the plan was made.
    const value = properties[field.property] ?? byId.get(field.propertyId);
    if (!value) {
      const reason = `property "${field.property}" missing from the row`;
      if (isKey) keyError = { pageId, property: field.property, reason };
      else fieldErrors.push(fieldError(pageId, field.property, field.target, `${field.target}: ${reason}`));
      continue;
    }
    const extracted = field.part ? namePart(extractNotionValue(value), field.part) : extractNotionValue(value);
    const coerced = field.identifier
      ? coerceToIdentifier(extracted, field.identifier, opts)
      : coerceToAttribute(extracted, field.attribute as BrevoAttribute, opts);
    if (!coerced.ok) {
      if (isKey) keyError = { pageId, property: field.property, reason: coerced.reason };
      else fieldErrors.push(fieldError(pageId, field.property, field.target, `${field.target}: ${coerced.reason}`));
      continue;
    }
    if (isKey) {
      if (coerced.value === null || coerced.value === '') {
        keyError = {
          pageId,
          property: field.property,
          reason: `no ${plan.key === 'EMAIL' ? 'email' : plan.key} value: the row has no contact identifier`,
        };
        continue;
      }
      identifier = String(coerced.value);
      if (plan.key !== 'EMAIL') attributes[plan.key] = identifier;
      continue;
    }
    // Empty values are left out: the sync never erases what Brevo holds for an empty cell.
    if (coerced.value !== null) {
      attributes[field.target] = coerced.value;
      sources[field.target] = field.property;
    }
  }
  if (keyError !== undefined || identifier === undefined) {
    // The other problems come along, so one look at the row shows all there is to fix.
    return { ok: false, errors: [keyError ?? { pageId, reason: 'no contact identifier' }, ...fieldErrors] };
  }
  const identifierType: Fingerprint['identifierType'] =
    plan.key === 'EMAIL' ? 'email_id' : plan.key === 'EXT_ID' ? 'ext_id' : 'phone_id';
  return {
    ok: true,
    row: {
      rowId: pageId,
      identifier,
      identifierType,
      attributes,
      email: plan.key === 'EMAIL' ? identifier : undefined,
      fp: contactFingerprint(identifier, attributes, listId),
      ...(fieldErrors.length > 0 ? { fieldErrors } : {}),
      sources,
    },
  };
}
