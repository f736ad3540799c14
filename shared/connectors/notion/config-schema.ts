/**
 * `connectors.notion` as the docs show it: the token, the databases (their field mapping, what a
 * removed row does, publishing), page events, members and the Brevo → Notion rules. Strict: a
 * misspelt key is refused with its path. The checks that span keys are in config-checks.ts.
 */
import { z } from 'zod';
import { envRef } from '../../core/config/load';
import {
  connectorLoggingKeys,
  localTimeSchema as localTime,
  mappingTargetSchema as mappingTarget,
  timeZoneSchema as timeZone,
} from '../../core/config/schema';

/** Notion property types a field mapping may name, plus the short aliases people write. */
export const NOTION_PROPERTY_TYPES = [
  'title',
  'rich_text',
  'number',
  'select',
  'multi_select',
  'status',
  'date',
  'people',
  'files',
  'checkbox',
  'url',
  'email',
  'phone_number',
  'formula',
  'relation',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'verification',
  'place',
] as const;
export type NotionPropertyType = (typeof NOTION_PROPERTY_TYPES)[number];

const TYPE_ALIASES: Record<string, NotionPropertyType> = {
  text: 'rich_text',
  phone: 'phone_number',
  multiselect: 'multi_select',
  multi_select: 'multi_select',
  boolean: 'checkbox',
  person: 'people',
  id: 'unique_id',
};

export function normalizePropertyType(t: string): NotionPropertyType | undefined {
  const lower = t.trim().toLowerCase();
  if ((NOTION_PROPERTY_TYPES as readonly string[]).includes(lower)) return lower as NotionPropertyType;
  return TYPE_ALIASES[lower];
}

const fieldMappingObject = z.strictObject(
  {
    /** Optional: without it the type is the property's own, read from the database schema. */
    type: z
      .string()
      .refine((t) => normalizePropertyType(t) !== undefined, {
        message: `expected a Notion property type (${NOTION_PROPERTY_TYPES.join(', ')}, or text, phone)`,
      })
      .optional(),
    target: mappingTarget,
  },
  { error: 'expected a Brevo attribute name (short form) or { type, target }' },
);

/**
 * One mapping entry: `{ type, target }`, or the short form `Property: ATTRIBUTE` the docs show
 * (platform field → Brevo attribute). Both parse to the object, so every reader sees one shape, a
 * mistake in either is reported at the same paths, and a parsed config parses again unchanged
 * (connect stores what it parsed).
 */
const fieldMappingEntry = z.preprocess((v) => (typeof v === 'string' ? { target: v } : v), fieldMappingObject);

/** `Property: entry`, at a database or beside `databases` for every database without its own. */
export const fieldMappingSchema = z.record(z.string().min(1, 'a property needs a name'), fieldMappingEntry);

export const API_VERSIONS = ['2022-06-28', '2025-09-03', '2026-03-11'] as const;

/** A Notion database id as copied from its URL: 32 hex characters, dashes optional. */
export const notionDatabaseId = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => /^[0-9a-fA-F]{32}$/.test(s.replace(/-/g, '')), {
    message: 'expected a Notion database id (32 hex characters, dashes optional)',
  });

/**
 * `databases[].publish`: a page of the database that enters a state (Status = Published) becomes a
 * Brevo email campaign to a list, sent or scheduled once per entry (shared/connectors/notion/publish/publish).
 * What depends on the database's schema (the property types, the option) is checked when the sync
 * reads the schema.
 */
export const publishSchema = z.strictObject({
  /** The state: a status or select property equal to an option, or a checkbox equal to true/false. */
  when: z.strictObject({
    property: z.string().trim().min(1, 'expected the name of a status, select or checkbox property'),
    equals: z.union([z.string().trim().min(1), z.boolean()], {
      error: 'expected the option name (status, select) or true/false (checkbox)',
    }),
  }),
  /** The Brevo list the campaign goes to: its id, or its exact name (the list must exist). */
  list: z.union([z.number().int().positive(), z.string().trim().min(1)], {
    error: 'expected a Brevo list id or list name',
  }),
  /** A sender of the Brevo account: its email (and a display name), or its id. */
  sender: z
    .strictObject({
      email: z.email('expected the email of a sender verified in Brevo').optional(),
      name: z.string().trim().min(1).optional(),
      id: z.number().int().positive('expected a Brevo sender id').optional(),
    })
    .superRefine((s, ctx) => {
      if (s.email !== undefined && s.id !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['id'], message: 'give the sender by email or by id, not both' });
      } else if (s.email === undefined && s.id === undefined) {
        ctx.addIssue({ code: 'custom', message: 'give the sender email (verified in Brevo) or the sender id' });
      } else if (s.id !== undefined && s.name !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'a sender given by id takes its name from Brevo' });
      }
    }),
  /**
   * When the campaign goes out: `now` (default), a fixed ISO date-time (a past one means now), or
   * the page's date property (a date without a time is sent at `time` in `timezone`).
   */
  schedule: z
    .union([
      z.literal('now'),
      z.iso.datetime({
        offset: true,
        error:
          'expected "now", an ISO date-time with its offset (2026-06-01T09:00:00+02:00) or { property: <date property> }',
      }),
      z.strictObject({
        property: z.string().trim().min(1, 'expected the name of a date property'),
        time: localTime.default('09:00'),
        timezone: timeZone.default('UTC'),
      }),
    ])
    .default('now'),
  /** A text property (title, rich_text, select, status, formula) whose text is the subject; empty → the title. */
  subject_property: z.string().trim().min(1).optional(),
  reply_to: z.email('expected an email address').optional(),
  /** A line above the unsubscribe link (the postal address many laws require in marketing email). */
  footer_text: z.string().trim().min(1).optional(),
  /**
   * Pages already in the state when the rule is first seen: `skip` (default) records them as
   * published before, so switching publishing on never mails the back catalogue; `send` mails them.
   */
  existing: z.enum(['skip', 'send']).default('skip'),
});

const databaseSchema = z.strictObject({
  id: notionDatabaseId,
  name: z.string().min(1).optional(),
  /** A Brevo list id, or a list name (created in the Tajo folder when missing). */
  sync_to_list: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
  /** This database's own mapping: it replaces connectors.notion.field_mapping whole (no merge). */
  field_mapping: fieldMappingSchema.optional(),
  /** What happens to the contact when its row is trashed or vanishes. */
  on_remove: z
    .union([
      z.literal('remove_from_list'),
      z.strictObject({
        set_attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
        value: z.union([z.string(), z.number(), z.boolean()]),
      }),
    ])
    .default('remove_from_list'),
  /**
   * Pages entering a state become Brevo email campaigns. A database with `publish` and neither
   * `field_mapping` nor `sync_to_list` is read for publishing only: its rows are not contacts.
   */
  publish: publishSchema.optional(),
});

/** Brevo (and platform) events a Brevo → Notion rule can react to: Brevo's payload names, then platform events. */
export const NOTION_RULE_EVENTS = [
  'contact_updated',
  'list_addition',
  'unsubscribed',
  'hard_bounce',
  'spam',
  'order_placed',
  'cart_abandoned',
  'ticket_created',
  'custom',
] as const;
export type NotionRuleEvent = (typeof NOTION_RULE_EVENTS)[number];

const ruleScalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * `connectors.notion.rules[]`: a Brevo event that matches `when` creates or updates a page of
 * `database`. Property values are templates (`"{{contact.FIRSTNAME}} {{contact.LASTNAME}}"`),
 * literals, or `{from: path}` for the raw value (numbers, lists). Placeholders, paths and the
 * options that depend on the event are checked in shared/connectors/notion/rules (validateNotionRules); the property
 * types are checked against the database when a rule runs.
 */
export const notionRuleSchema = z.strictObject({
  /** Names the rule in status, conflicts and per-row errors; unique in the config. */
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, 'expected 1 to 64 letters, digits, spaces, ".", "_" or "-"'),
  when: z.strictObject({
    event: z.enum(NOTION_RULE_EVENTS, { error: `expected one of ${NOTION_RULE_EVENTS.join(', ')}` }),
    /** contact_updated: the attribute that must be among the changed ones. */
    attribute: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'expected a Brevo attribute name in upper case (e.g. LIFECYCLE_STAGE)')
      .optional(),
    /** contact_updated with `attribute`: its new value (or one of several); compared ignoring case. */
    becomes: z.union([ruleScalar, z.array(ruleScalar).min(1)]).optional(),
    /** list_addition: only additions to this list (or one of these lists). */
    list_id: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1)]).optional(),
  }),
  database: notionDatabaseId,
  /** upsert: the page whose `match_by` property holds the rendered value is updated, or one is created. */
  action: z.enum(['upsert', 'create']).default('upsert'),
  match_by: z.string().min(1).optional(),
  properties: z
    .record(
      z.string().min(1, 'a property needs a name'),
      z.union([ruleScalar, z.strictObject({ from: z.string().min(1) })], {
        error: 'expected a template string, a number, a boolean or {from: <path>}',
      }),
    )
    .refine((p) => Object.keys(p).length > 0, { message: 'give at least one property to write' }),
});
export type NotionRuleConfig = z.infer<typeof notionRuleSchema>;

export const notionConnectorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  token: z
    .string()
    .min(1, 'the Notion integration token is empty (give it, or reference an environment variable like NOTION_TOKEN)'),
  api_version: z.enum(API_VERSIONS).default('2025-09-03'),
  sync: z
    .strictObject({
      databases: z.boolean().default(true),
      pages: z.boolean().default(false),
      users: z.boolean().default(false),
    })
    .default({ databases: true, pages: false, users: false }),
  /**
   * Page change events (`sync.pages: true`): who an event is about when the page maps to no contact
   * (a page outside the synced databases, or a row without an email yet). One Brevo identifier.
   */
  pages: z
    .strictObject({
      event_identifier: z
        .strictObject({
          email_id: z.email().optional(),
          ext_id: z.string().min(1).optional(),
          contact_id: z.number().int().positive().optional(),
        })
        .refine((v) => Object.values(v).filter((x) => x !== undefined).length === 1, {
          message: 'give exactly one of email_id, ext_id, contact_id',
        })
        .optional(),
    })
    .optional(),
  /** Digits of the country code used for phone numbers written without one (e.g. "33"). */
  default_country_code: z
    .union([z.string(), z.number()])
    .transform((v) => String(v).replace(/^\+/, ''))
    .refine((v) => /^\d{1,4}$/.test(v), { message: 'expected 1 to 4 digits, e.g. "33"' })
    .optional(),
  databases: z.array(databaseSchema).default([]),
  /**
   * The mapping of every database without its own `field_mapping` (as the docs show it, beside
   * `databases`). A publish-only database (publish, no sync_to_list) stays publish-only.
   */
  field_mapping: fieldMappingSchema.optional(),
  ...connectorLoggingKeys,
  /**
   * Never write to Notion (the gateway refuses every write before it is sent). Default: true for an
   * import-only connection (no database sync, nothing that writes to Notion), false otherwise; an
   * explicit value wins (shared/connectors/notion/read-only.ts).
   */
  read_only: z.boolean().optional(),
  /**
   * Workspace members → Brevo contacts, switched on by `sync.users` (the scheduled poll) and run by
   * hand with `tajo connectors sync notion-users`. Without a list every write is an upsert.
   */
  users: z
    .strictObject({
      /** A Brevo list id, or a list name (created in the Tajo folder when missing). */
      sync_to_list: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
      /** Notion user field (first_name, last_name, name, id, avatar_url) → Brevo attribute ("" turns a default off). */
      field_mapping: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** Brevo → Notion: events that create or update database pages (see notionRuleSchema). */
  rules: z.array(notionRuleSchema).optional(),
});

/** What a section without its token is told (the docs' blocks leave it out). */
export const notionRequiredHints = {
  token: `is required: add "token: ${envRef('NOTION_TOKEN')}" (the internal integration secret, ntn_...) under connectors.notion`,
};

export type NotionConnectorConfig = z.infer<typeof notionConnectorSchema>;
export type NotionDatabaseConfig = z.infer<typeof databaseSchema>;
export type FieldMappingEntry = z.infer<typeof fieldMappingEntry>;
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export type PublishConfig = z.infer<typeof publishSchema>;

/** Where the code reads `config.connectors.notion`: the parsed section's type, under its name. */
declare module '../../core/config/schema' {
  interface ConnectorSections {
    notion: NotionConnectorConfig;
  }
}
