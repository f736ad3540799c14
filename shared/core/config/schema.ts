/**
 * The Tajo YAML, as the docs show it. Every section is strict: a misspelt key, an unknown top-level
 * key or a connector that is not built in is refused with its path (nothing passes in silence).
 */
import { z } from 'zod';
import { isTimeZone, WEEKDAYS } from '../time/zoned';

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

/** A Brevo attribute (FIRSTNAME, COMPANY...) or an identifier: email, SMS, EXT_ID. */
const mappingTarget = z
  .string()
  .trim()
  .min(1, 'expected a Brevo attribute name')
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a Brevo attribute name (letters, digits, _)');

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

/**
 * Log levels, most detailed first. `verbose` is what the product docs' debug blocks write: the
 * most detailed level, the same lines as `debug`.
 */
export const LOG_LEVELS = ['verbose', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel = z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` });

/**
 * `debug`, `log_level`, `log_api_calls`, `log_events` inside a connector's section: that
 * connector's logging, over the top-level keys (shared/core/logging/api-calls.ts loggingSettings).
 * Left unset, the top-level value applies.
 */
const connectorLogging = {
  debug: z.boolean().optional(),
  log_level: logLevel.optional(),
  log_api_calls: z.boolean().optional(),
  log_events: z.boolean().optional(),
};

/**
 * Tenant ids end up in AWS names (schedules: 64 characters; secrets; dedup ids): short, lower-case
 * letters, digits and dashes, so no derived name ever needs cutting.
 */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'expected 1 to 48 lower-case letters, digits and dashes');

export const API_VERSIONS = ['2022-06-28', '2025-09-03', '2026-03-11'] as const;

/** A Notion database id as copied from its URL: 32 hex characters, dashes optional. */
const notionDatabaseId = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => /^[0-9a-fA-F]{32}$/.test(s.replace(/-/g, '')), {
    message: 'expected a Notion database id (32 hex characters, dashes optional)',
  });

/** A local wall-clock time of the day, 24-hour "HH:MM" (summaries, scheduled publishing). */
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time "HH:MM", e.g. "09:00"');
const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Paris" or "UTC"' });

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
  ...connectorLogging,
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

/**
 * `connectors.slack`: the bot token and signing secret of the tenant's Slack app, channel names →
 * ids, and the notification routes (checked in depth by shared/connectors/slack/notifications at validation time).
 */
const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a Brevo attribute name');
const listRef = z.union([z.number().int().positive(), z.string().min(1)]);

/**
 * What a Slack interaction does in Brevo, keyed by the action_id (buttons), the modal's callback_id
 * (view_submission) or the shortcut's callback_id (message_action).
 */
export const slackInteractionSchema = z.discriminatedUnion('action', [
  /** A button whose value is the contact's email adds it to a list. */
  z.strictObject({ action: z.literal('add_to_list'), list: listRef }),
  /** A button whose value is the contact's email sets an attribute. */
  z.strictObject({
    action: z.literal('set_attribute'),
    attribute: attributeName,
    value: z.union([z.string(), z.number(), z.boolean()]),
  }),
  /** A modal's inputs (their action_id → attribute, one of them `email`) create or update a contact. */
  z.strictObject({
    action: z.literal('create_contact'),
    fields: z.record(z.string(), z.string().min(1)),
    list: listRef.optional(),
  }),
  /** A message shortcut adds the message's author (their Slack email) to a list. */
  z.strictObject({ action: z.literal('add_author_to_list'), list: listRef }),
]);
export type SlackInteraction = z.infer<typeof slackInteractionSchema>;

/** A summary's channel: a name from connectors.slack.channels or a channel id (checked in load.ts). */
const summaryChannel = z
  .string()
  .trim()
  .min(1, 'expected a channel name from connectors.slack.channels or a channel id');

/**
 * `connectors.slack.summaries`: marketing figures from Brevo posted on a schedule. Daily covers the
 * previous local day; weekly, on `day`, the previous 7 local days. Times are in `timezone`.
 */
export const slackSummariesSchema = z.strictObject({
  timezone: timeZone.default('UTC'),
  daily: z.strictObject({ channel: summaryChannel, at: localTime.default('09:00') }).optional(),
  weekly: z
    .strictObject({
      channel: summaryChannel,
      day: z
        .string()
        .transform((d) => d.trim().toLowerCase())
        .pipe(z.enum(WEEKDAYS, { error: `expected a day of the week (${WEEKDAYS.join(', ')})` }))
        .default('monday'),
      at: localTime.default('09:00'),
    })
    .optional(),
});
export type SlackSummariesConfig = z.infer<typeof slackSummariesSchema>;

export const slackConnectorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ...connectorLogging,
  bot_token: z.string().min(1, 'the Slack bot token is empty (xoxb-...; or reference an environment variable)'),
  signing_secret: z.string().min(1, "the Slack app's signing secret is empty").optional(),
  channels: z.record(z.string(), z.string()).default({}),
  notifications: z.record(z.string(), z.unknown()).default({}),
  interactions: z.record(z.string(), slackInteractionSchema).default({}),
  /** Workspace members → Brevo contacts (tajo connectors sync slack-users). */
  users: z
    .strictObject({
      sync_to_list: listRef.optional(),
      /** Slack field (first_name, phone, title, tz, is_admin, team_id, status_text...) → Brevo attribute. */
      field_mapping: z.record(z.string(), z.string()).optional(),
      guest_attribute: attributeName.optional(),
      default_country_code: z
        .union([z.string(), z.number()])
        .transform((v) => String(v).replace(/^\+/, ''))
        .optional(),
      /**
       * With a users section, the members are kept in sync: the connection's daily job syncs them
       * (default), or `off` leaves it to `tajo connectors sync slack-users` and the API.
       */
      schedule: z.enum(['daily', 'off']).default('daily'),
    })
    .optional(),
  summaries: slackSummariesSchema.optional(),
});

/** The connectors built into this release; any other `connectors.<name>` is refused (load.ts says why). */
export const BUILT_IN_CONNECTORS = ['notion', 'slack'] as const;

export const tajoConfigSchema = z.strictObject({
  tenant: tenantIdSchema.optional(),
  debug: z.boolean().default(false),
  log_level: logLevel.default('info'),
  log_api_calls: z.boolean().default(false),
  /** Inbound events (Slack events and interactions, Notion and Brevo webhooks) logged as they arrive. */
  log_events: z.boolean().default(false),
  brevo: z.strictObject({
    api_key: z
      .string()
      .min(1, 'the Brevo API key is empty (give it, or reference an environment variable like BREVO_API_KEY)'),
    /**
     * The key's name in Brevo (SMTP & API → API keys). Brevo's contact webhooks carry it as
     * api_key_name, so contact changes our own writes caused are not notified again.
     */
    api_key_name: z.string().min(1).optional(),
  }),
  connectors: z
    .strictObject({
      notion: notionConnectorSchema.optional(),
      slack: slackConnectorSchema.optional(),
    })
    .default({}),
});

export type TajoConfig = z.infer<typeof tajoConfigSchema>;
export type NotionConnectorConfig = z.infer<typeof notionConnectorSchema>;
export type SlackConnectorConfig = z.infer<typeof slackConnectorSchema>;
export type NotionDatabaseConfig = z.infer<typeof databaseSchema>;
export type FieldMappingEntry = z.infer<typeof fieldMappingEntry>;
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export type PublishConfig = z.infer<typeof publishSchema>;
