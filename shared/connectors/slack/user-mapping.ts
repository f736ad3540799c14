/**
 * One Slack member → one Brevo contact: the Slack fields that can be mapped, the default mapping,
 * the plan checked against the account's attributes, and how each member is classified (bot,
 * deactivated, no email) and mapped (names split, phones normalised with a country code).
 */
import { type UnsupportedAttribute, unsupportedAttributeMessage } from '../../core/brevo/client';
import { type EmailContactRow, fieldError, mapEmailKeyedContact } from '../../core/brevo/contact-rows';
import { callingCodeForTimeZone, coerceToAttribute, coerceToIdentifier } from '../../core/mapping';
import { splitRealName } from '../../core/mapping/person-name';
import type { BrevoAttribute, Coerced, Extracted } from '../../core/mapping/types';
import type { RowError } from '../../core/ports';

export const SLACKBOT_USER_ID = 'USLACKBOT';

/** The Slack user fields that can be mapped to Brevo attributes. */
export const SLACK_FIELDS = [
  'first_name',
  'last_name',
  'real_name',
  'display_name',
  'name',
  'id',
  'team_id',
  'phone',
  'title',
  'pronouns',
  'start_date',
  'tz',
  'tz_label',
  'tz_offset',
  'is_admin',
  'is_owner',
  'is_primary_owner',
  'is_restricted',
  'is_ultra_restricted',
  'status_text',
  'status_emoji',
] as const;
export type SlackField = (typeof SLACK_FIELDS)[number];

/** Slack field → Brevo attribute used when the context gives no mapping for that field. */
export const DEFAULT_SLACK_USER_MAPPING: Readonly<Partial<Record<SlackField, string>>> = {
  first_name: 'FIRSTNAME',
  last_name: 'LASTNAME',
  phone: 'SMS',
  title: 'JOB_TITLE',
  tz: 'TIMEZONE',
  is_admin: 'SLACK_ADMIN',
  team_id: 'SLACK_TEAM',
  status_text: 'SLACK_STATUS',
};

/** Brevo's phone identifiers: normalised to +<digits> (they are unique per account). */
const PHONE_TARGETS = ['SMS', 'WHATSAPP', 'LANDLINE_NUMBER'] as const;
type PhoneTarget = (typeof PHONE_TARGETS)[number];

/** A users.list member as far as the sync reads it. Profile fields may be absent, null or ''. */
export interface SlackUser {
  id: string;
  team_id?: string;
  name?: string;
  deleted?: boolean;
  real_name?: string | null;
  tz?: string | null;
  tz_label?: string | null;
  tz_offset?: number | null;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot?: boolean;
  profile?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface PlannedField {
  field: SlackField;
  target: string;
  phone?: PhoneTarget;
  attribute?: BrevoAttribute;
}

export interface UserPlan {
  fields: PlannedField[];
  guest?: BrevoAttribute;
  defaultCountryCode?: string;
}

/** The mapping checked against the account's attributes; what cannot be written becomes a warning. */
export function buildUserPlan(args: {
  attributes: BrevoAttribute[];
  /** Attributes the account has but this version cannot write (BrevoClient.readAttributes). */
  unsupported?: UnsupportedAttribute[];
  mapping?: Partial<Record<SlackField, string>>;
  guestAttribute?: string;
  defaultCountryCode?: string;
}): { plan: UserPlan; warnings: string[] } {
  const byName = new Map(args.attributes.map((a) => [a.name.toUpperCase(), a]));
  const unsupported = new Map((args.unsupported ?? []).map((u) => [u.name.toUpperCase(), u]));
  const warnings: string[] = [];
  const fields: PlannedField[] = [];
  const merged: Record<string, string | undefined> = { ...DEFAULT_SLACK_USER_MAPPING, ...args.mapping };
  const usable = (target: string, what: string): BrevoAttribute | undefined => {
    const attr = byName.get(target);
    const unwritable = unsupported.get(target);
    if (!attr && unwritable) {
      warnings.push(`${unsupportedAttributeMessage(unwritable)}: ${what} is not synced`);
      return undefined;
    }
    if (!attr) {
      warnings.push(
        `Brevo has no contact attribute ${target}: ${what} is not synced (create it under Contacts → Settings → Attributes)`,
      );
      return undefined;
    }
    if (attr.category === 'calculated' || attr.category === 'global') {
      warnings.push(`${target} is a ${attr.category} Brevo attribute and cannot be written: ${what} is not synced`);
      return undefined;
    }
    return attr;
  };
  for (const [field, raw] of Object.entries(merged)) {
    if (raw === undefined || raw.trim() === '') continue;
    if (!(SLACK_FIELDS as readonly string[]).includes(field)) {
      warnings.push(`unknown Slack field "${field}" in the mapping: ignored (known: ${SLACK_FIELDS.join(', ')})`);
      continue;
    }
    const target = raw.trim().toUpperCase();
    if (target === 'EMAIL' || target === 'EXT_ID') {
      warnings.push(`Slack field ${field} cannot be mapped to ${target}: the contact is keyed by the Slack email`);
      continue;
    }
    const attribute = usable(target, `Slack field ${field}`);
    if (!attribute) continue;
    const phone = PHONE_TARGETS.find((p) => p === target);
    fields.push({ field: field as SlackField, target, phone, attribute });
  }
  let guest: BrevoAttribute | undefined;
  if (args.guestAttribute?.trim()) guest = usable(args.guestAttribute.trim().toUpperCase(), 'the guest flag');
  return { plan: { fields, guest, defaultCountryCode: args.defaultCountryCode }, warnings };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** First and last name: the profile's, or real_name split when the profile has neither. */
function names(u: SlackUser): { first?: string; last?: string } {
  const p = u.profile ?? {};
  const first = text(p.first_name);
  const last = text(p.last_name);
  if (first !== undefined || last !== undefined) return { first, last };
  return splitRealName(text(p.real_name) ?? text(u.real_name));
}

function asText(v: string | undefined): Extracted {
  return v === undefined ? { kind: 'empty' } : { kind: 'text', value: v };
}

function asBool(v: unknown): Extracted {
  return typeof v === 'boolean' ? { kind: 'boolean', value: v } : { kind: 'empty' };
}

/** What one Slack field of a user means, independent of where it goes. */
export function slackFieldValue(u: SlackUser, field: SlackField): Extracted {
  const p = u.profile ?? {};
  switch (field) {
    case 'first_name':
      return asText(names(u).first);
    case 'last_name':
      return asText(names(u).last);
    case 'real_name':
      return asText(text(p.real_name) ?? text(u.real_name));
    case 'display_name':
      return asText(text(p.display_name));
    case 'name':
      return asText(text(u.name));
    case 'id':
      return asText(text(u.id));
    case 'team_id':
      return asText(text(u.team_id) ?? text(p.team));
    case 'phone':
    case 'title':
    case 'pronouns':
    case 'start_date':
    case 'status_text':
    case 'status_emoji':
      return asText(text(p[field]));
    case 'tz':
    case 'tz_label':
      return asText(text(u[field]));
    case 'tz_offset':
      return typeof u.tz_offset === 'number' ? { kind: 'number', value: u.tz_offset } : { kind: 'empty' };
    case 'is_admin':
    case 'is_owner':
    case 'is_primary_owner':
    case 'is_restricted':
    case 'is_ultra_restricted':
      return asBool(u[field]);
  }
}

export function isGuest(u: SlackUser): boolean {
  return u.is_restricted === true || u.is_ultra_restricted === true;
}

export type UserKind = 'bot' | 'deleted' | 'missingEmail' | 'member';

/** Why a member is skipped (checked in this order, so each member counts once), or 'member'. */
export function classifyUser(u: SlackUser): UserKind {
  if (u.is_bot === true || u.id === SLACKBOT_USER_ID) return 'bot';
  if (u.deleted === true) return 'deleted';
  if (text(u.profile?.email) === undefined) return 'missingEmail';
  return 'member';
}

/** A member as a contact, keyed by its (normalised) email. */
export interface MappedUser extends EmailContactRow {
  userId: string;
}

/**
 * The calling code for a member's phone written without one: the configured
 * default_country_code when there is one (the admin's statement about the workspace), else the
 * one the member's Slack time zone suggests (Europe/Paris → 33), else none.
 */
export function memberCountryCode(u: SlackUser, defaultCountryCode: string | undefined): string | undefined {
  return defaultCountryCode?.trim() ? defaultCountryCode : callingCodeForTimeZone(u.tz);
}

/**
 * Maps one member (with an email) to a contact. A field that cannot map is left out with a field
 * error and the member is still written; only an invalid email fails the member.
 */
export function mapSlackUser(
  u: SlackUser,
  plan: UserPlan,
  listId: number | undefined,
): { ok: true; row: MappedUser } | { ok: false; errors: RowError[] } {
  const opts = { defaultCountryCode: memberCountryCode(u, plan.defaultCountryCode) };
  const mapped = mapEmailKeyedContact(u.id, text(u.profile?.email), listId, (attributes, fieldErrors, sources) => {
    for (const f of plan.fields) {
      const x = slackFieldValue(u, f.field);
      const coerced: Coerced = f.phone
        ? coerceToIdentifier(x, f.phone, opts)
        : coerceToAttribute(x, f.attribute as BrevoAttribute, opts);
      if (!coerced.ok) {
        fieldErrors.push(fieldError(u.id, f.field, f.target, `${f.field} → ${f.target}: ${coerced.reason}`));
        continue;
      }
      // Empty values are left out: the sync never erases what Brevo holds for an empty Slack field.
      if (coerced.value !== null && coerced.value !== '') {
        attributes[f.target] = coerced.value;
        sources[f.target] = f.field;
      }
    }
    if (plan.guest) {
      const coerced = coerceToAttribute({ kind: 'boolean', value: isGuest(u) }, plan.guest);
      if (coerced.ok && coerced.value !== null) {
        attributes[plan.guest.name] = coerced.value;
        sources[plan.guest.name] = 'is_restricted';
      } else if (!coerced.ok) {
        fieldErrors.push(fieldError(u.id, 'is_restricted', plan.guest.name, `${plan.guest.name}: ${coerced.reason}`));
      }
    }
  });
  return mapped.ok ? { ok: true, row: { ...mapped.row, userId: u.id } } : mapped;
}
