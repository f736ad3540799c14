/**
 * `connectors.slack`: the bot token and signing secret of the tenant's Slack app, channel names →
 * ids, the notification routes (checked in depth by notifications/ at validation time), what
 * interactions do in Brevo, members → contacts and the scheduled summaries. Strict: a misspelt key
 * is refused with its path. The checks that span keys are in config-checks.ts.
 */
import { z } from 'zod';
import { envRef } from '../../core/config/load';
import {
  connectorLoggingKeys,
  localTimeSchema as localTime,
  timeZoneSchema as timeZone,
} from '../../core/config/schema';
import { WEEKDAYS } from '../../core/time/zoned';

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

/** A summary's channel: a name from connectors.slack.channels or a channel id (checked in config-checks.ts). */
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
  ...connectorLoggingKeys,
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

/** What a section without its bot token is told (the docs' blocks leave it out). */
export const slackRequiredHints = {
  bot_token: `is required: add "bot_token: ${envRef('SLACK_BOT_TOKEN')}" (xoxb-...) under connectors.slack`,
};

export type SlackConnectorConfig = z.infer<typeof slackConnectorSchema>;

/** Where the code reads `config.connectors.slack`: the parsed section's type, under its name. */
declare module '../../core/config/schema' {
  interface ConnectorSections {
    slack: SlackConnectorConfig;
  }
}
