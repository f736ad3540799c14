/**
 * A platform's record → the definition's fields (mapping: field ← path in the record) → a Brevo
 * contact row (the config's field_mapping: field → attribute, or the defaults below) or the body of
 * a Brevo event. A record that cannot be written (no email, an invalid one) is a per-record error
 * naming the record (`customers[id=123]: no email`), never a throw; a value that does not fit its
 * attribute is left out with a field error, coerced as every other source's values are.
 */

import type { BrevoEvent } from '../../core/brevo/client';
import { type ContactRow, fieldError, mapEmailKeyedContact } from '../../core/brevo/contact-rows';
import {
  type BrevoAttribute,
  type CoerceOptions,
  coerceToAttribute,
  coerceToIdentifier,
  type Extracted,
  normalizeEmail,
} from '../../core/mapping';
import type { RowError } from '../../core/ports';
import { looseKey } from './definition/schema';
import { getPath } from './paths';

/** One record through the definition's mapping. */
export interface MappedRecord {
  /** The record's id (its `id` path), or `#<n>` (its position) when it has none. */
  id: string;
  /** How errors name it: `customers[id=123]`. */
  label: string;
  /** field → value at its path (undefined when the path is missing). */
  fields: Record<string, unknown>;
}

export function mapRecord(
  record: unknown,
  mapping: Readonly<Record<string, string>>,
  at: { source: string; idPath?: string; index?: number },
): MappedRecord {
  const rawId = getPath(record, at.idPath ?? 'id');
  const id =
    typeof rawId === 'string' || typeof rawId === 'number' || typeof rawId === 'bigint'
      ? String(rawId)
      : `#${at.index ?? 0}`;
  const fields: Record<string, unknown> = {};
  for (const [field, path] of Object.entries(mapping)) fields[field] = getPath(record, path);
  return { id, label: `${at.source}[${id.startsWith('#') ? id : `id=${id}`}]`, fields };
}

// ------------------------------------------------------------------------------------- contacts

export type ContactTarget =
  | { kind: 'email' }
  | { kind: 'identifier'; identifier: 'SMS' | 'EXT_ID' }
  | { kind: 'attribute'; name: string; attribute?: BrevoAttribute };

export interface ContactPlanEntry {
  /** The definition's field name (as the definition spells it). */
  field: string;
  target: ContactTarget;
}

export interface PlanIssue {
  /** Relative to the config section: `field_mapping.totalOrders`. */
  path: string;
  message: string;
}

const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  firstname: 'FIRSTNAME',
  lastname: 'LASTNAME',
  phone: 'SMS',
  sms: 'SMS',
  extid: 'EXT_ID',
  id: 'EXT_ID',
};

/** The Brevo attribute a field goes to without a field_mapping: FIRSTNAME, SMS, EXT_ID or UPPER_SNAKE. */
export function defaultAttribute(field: string): string {
  return DEFAULT_ATTRIBUTES[looseKey(field)] ?? upperSnake(field);
}

/** A field's Brevo attribute: the config's field_mapping (names matched loosely), else defaultAttribute. */
export function attributeLookup(fieldMapping: Readonly<Record<string, string>> | undefined): (field: string) => string {
  const byLoose = new Map(Object.entries(fieldMapping ?? {}).map(([f, a]) => [looseKey(f), a]));
  return (field) => byLoose.get(looseKey(field)) ?? defaultAttribute(field);
}

/** `totalSpent`, `total_spent`, `total-spent` → `TOTAL_SPENT`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toUpperCase();
}

function targetFor(attribute: string, attributes: readonly BrevoAttribute[] | undefined): ContactTarget {
  const name = attribute.trim().toUpperCase();
  if (name === 'EMAIL') return { kind: 'email' };
  if (name === 'SMS' || name === 'EXT_ID') return { kind: 'identifier', identifier: name };
  const known = attributes?.find((a) => a.name.toUpperCase() === name);
  return known === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, attribute: known };
}

/**
 * Where each field goes. With `fieldMapping` (the config's, field → attribute, names matched
 * loosely) only those fields and the email; a field the definition does not offer is an issue
 * listing the ones it does. Without it every mapped field goes to its default attribute.
 * `attributes` (the account's, when known) give the types values are coerced to.
 */
export function contactPlan(
  mapping: Readonly<Record<string, string>>,
  fieldMapping?: Readonly<Record<string, string>>,
  attributes?: readonly BrevoAttribute[],
): { plan: ContactPlanEntry[]; issues: PlanIssue[] } {
  const offered = Object.keys(mapping);
  const byLoose = new Map(offered.map((f) => [looseKey(f), f]));
  const emailField = byLoose.get('email');
  const plan: ContactPlanEntry[] = emailField === undefined ? [] : [{ field: emailField, target: { kind: 'email' } }];
  const issues: PlanIssue[] = [];
  if (fieldMapping === undefined) {
    for (const field of offered) {
      if (field === emailField) continue;
      const attribute = defaultAttribute(field);
      plan.push({ field, target: targetFor(attribute, attributes) });
    }
    return { plan, issues };
  }
  for (const [configField, attribute] of Object.entries(fieldMapping)) {
    const field = byLoose.get(looseKey(configField));
    if (field === undefined) {
      issues.push({
        path: `field_mapping.${configField}`,
        message: `the definition offers no field "${configField}" (it offers: ${offered.join(', ')})`,
      });
      continue;
    }
    const target = targetFor(attribute, attributes);
    if (target.kind === 'email') {
      if (field !== emailField)
        issues.push({
          path: `field_mapping.${configField}`,
          message: 'only the email field can be the EMAIL identifier',
        });
      continue;
    }
    if (field === emailField) {
      issues.push({
        path: `field_mapping.${configField}`,
        message: 'the email field is the identifier: map it to email',
      });
      continue;
    }
    plan.push({ field, target });
  }
  return { plan, issues };
}

/** A platform's JSON value as the coercion functions read it; objects are not values. */
export function toExtracted(value: unknown): Extracted | { kind: 'object' } {
  if (value === undefined || value === null) return { kind: 'empty' };
  if (typeof value === 'string') return { kind: 'text', value };
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'bigint') return { kind: 'text', value: String(value) };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)))
      return { kind: 'list', value: value.filter((v) => v !== null).map(String) };
    return { kind: 'object' };
  }
  return { kind: 'object' };
}

/** The type a value takes when Brevo's attribute is not known: the value's own. */
function inferredAttribute(name: string, x: Extracted): BrevoAttribute {
  const type = x.kind === 'number' ? 'float' : x.kind === 'boolean' ? 'boolean' : 'text';
  return { name, category: 'normal', type };
}

export type ContactResult = { ok: true; row: ContactRow } | { ok: false; errors: RowError[] };

/** One mapped record → the contact row the contact writer takes, or why it cannot be written. */
export function contactRowFor(
  record: MappedRecord,
  plan: readonly ContactPlanEntry[],
  listId?: number,
  opts?: CoerceOptions,
): ContactResult {
  const emailEntry = plan.find((e) => e.target.kind === 'email');
  const rawEmail = emailEntry === undefined ? undefined : record.fields[emailEntry.field];
  if (emailEntry === undefined || rawEmail === undefined || rawEmail === null || rawEmail === '') {
    const property = emailEntry?.field ?? 'email';
    return { ok: false, errors: [{ pageId: record.id, property, reason: `${record.label}: no email` }] };
  }
  if (typeof rawEmail !== 'string') {
    const reason = `${record.label}: the email is not text (${Array.isArray(rawEmail) ? 'a list' : typeof rawEmail})`;
    return { ok: false, errors: [{ pageId: record.id, property: emailEntry.field, reason }] };
  }
  const result = mapEmailKeyedContact(record.id, rawEmail, listId, (attributes, fieldErrors, sources) => {
    for (const { field, target } of plan) {
      if (target.kind === 'email') continue;
      const name = target.kind === 'identifier' ? target.identifier : target.name;
      const x = toExtracted(record.fields[field]);
      if (x.kind === 'object') {
        const reason = `${record.label}: ${field} → ${name}: the value is an object; map a path to one of its values (a.b)`;
        fieldErrors.push(fieldError(record.id, field, name, reason));
        continue;
      }
      const coerced =
        target.kind === 'identifier'
          ? coerceToIdentifier(x, target.identifier, opts)
          : coerceToAttribute(x, target.attribute ?? inferredAttribute(name, x), opts);
      if (!coerced.ok) {
        fieldErrors.push(fieldError(record.id, field, name, `${record.label}: ${field} → ${name}: ${coerced.reason}`));
        continue;
      }
      // An empty value is left out: the sync never erases what Brevo holds.
      if (coerced.value === null || coerced.value === '') continue;
      attributes[name] = coerced.value;
      sources[name] = field;
    }
  });
  if (result.ok) return result;
  return {
    ok: false,
    errors: result.errors.map((e) => (e.kind === 'field' ? e : { ...e, reason: `${record.label}: ${e.reason}` })),
  };
}

// --------------------------------------------------------------------------------------- events

/** Brevo event names and property keys: letters, digits, `-` and `_` (others become `_`). */
export function brevoName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 255);
}

const DATE_FIELDS = ['eventdate', 'createdat'];

/** An ISO date-time from an ISO string or unix seconds, or undefined. */
function isoDateTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export type EventResult = { ok: true; event: BrevoEvent } | { ok: false; error: RowError };

/**
 * One mapped record → `POST /v3/events`: `email` → identifiers.email_id, `ext_id` →
 * identifiers.ext_id, `event_date` (or `created_at`) → event_date, the other fields → properties.
 */
export function eventBodyFor(
  record: MappedRecord,
  eventName: string,
  options: {
    /** Fields that also update the contact (`contact_properties`), by their attribute. */
    contactProperties?: readonly string[];
    /** A field's Brevo attribute (the config's field_mapping); default: defaultAttribute. */
    attributeOf?: (field: string) => string;
  } = {},
): EventResult {
  const identifiers: BrevoEvent['identifiers'] = {};
  const properties: Record<string, unknown> = {};
  const contactProperties: Record<string, string | number> = {};
  const toContact = new Set((options.contactProperties ?? []).map(looseKey));
  let eventDate: string | undefined;
  let badEmail: unknown;
  for (const [field, value] of Object.entries(record.fields)) {
    const key = looseKey(field);
    if (key === 'email') {
      const email = typeof value === 'string' ? normalizeEmail(value) : undefined;
      if (email !== undefined) identifiers.email_id = email;
      else if (value !== undefined && value !== null && value !== '') badEmail = value;
      continue;
    }
    if (key === 'extid' && (typeof value === 'string' || typeof value === 'number') && String(value) !== '') {
      identifiers.ext_id = String(value);
      continue;
    }
    if (DATE_FIELDS.includes(key) && eventDate === undefined) {
      eventDate = isoDateTime(value);
      if (key === 'eventdate') continue;
    }
    if (toContact.has(key) && (typeof value === 'string' || typeof value === 'number')) {
      contactProperties[(options.attributeOf ?? defaultAttribute)(field)] = value;
      continue;
    }
    if (value !== undefined && value !== null) properties[brevoName(field)] = value;
  }
  if (identifiers.email_id === undefined && identifiers.ext_id === undefined) {
    const reason =
      badEmail === undefined
        ? `${record.label}: no email (the event needs an email or an ext_id)`
        : `${record.label}: invalid email address: the event needs a valid email or an ext_id`;
    return { ok: false, error: { pageId: record.id, property: 'email', reason } };
  }
  const event: BrevoEvent = { event_name: brevoName(eventName), identifiers };
  if (Object.keys(properties).length > 0) event.event_properties = properties;
  if (Object.keys(contactProperties).length > 0) event.contact_properties = contactProperties;
  if (eventDate !== undefined) event.event_date = eventDate;
  return { ok: true, event };
}
