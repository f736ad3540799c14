/**
 * The Tajo YAML, the part every connector shares: the tenant, logging, the Brevo hub, and the
 * pieces connector sections are built from. The whole-config schema is composed from the connectors'
 * sections (tajoConfigSchemaFor): the core names no connector. Every section is strict: a misspelt
 * key, an unknown top-level key or a connector no section is given for is refused with its path
 * (nothing passes in silence; load.ts says what exists).
 */
import { z } from 'zod';
import { isTimeZone } from '../time/zoned';

/**
 * Log levels, most detailed first. `verbose` is what the product docs' debug blocks write: the
 * most detailed level, the same lines as `debug`.
 */
export const LOG_LEVELS = ['verbose', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel = z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` });

/**
 * `debug`, `log_level`, `log_api_calls`, `log_events` inside a connector's section (spread them into
 * it): that connector's logging, over the top-level keys (shared/core/logging/api-calls.ts
 * loggingSettings). Left unset, the top-level value applies.
 */
export const connectorLoggingKeys = {
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

/** A field mapping's target: a Brevo attribute (FIRSTNAME, COMPANY...) or an identifier: email, SMS, EXT_ID. */
export const mappingTargetSchema = z
  .string()
  .trim()
  .min(1, 'expected a Brevo attribute name')
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a Brevo attribute name (letters, digits, _)');

/** A local wall-clock time of the day, 24-hour "HH:MM" (summaries, scheduled publishing). */
export const localTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time "HH:MM", e.g. "09:00"');
export const timeZoneSchema = z
  .string()
  .refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Paris" or "UTC"' });

/** The keys above `connectors`, in the order the "unknown top-level key" line lists them. */
const sharedKeys = {
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
};

/** One `connectors.<name>` section the config takes: a connector's name and its section's schema. */
export interface ConfigSection {
  name: string;
  section: z.ZodType;
  /** A missing key's line, by its key in the section (`token`): what to add, the docs' blocks leaving it out. */
  requiredHints?: Readonly<Record<string, string>>;
  /** The checks that span the parsed section's keys: issues with paths under `base` (`connectors.<name>`). */
  validate?(section: unknown, base: string): { path: string; message: string }[];
}

/**
 * The whole-config schema over these sections (the registry's, and at runtime any a caller adds:
 * one per connector definition). Any other `connectors.<name>` is refused. A name given twice is a
 * programming error: the second section would hide the first.
 */
export function tajoConfigSchemaFor(sections: readonly ConfigSection[]) {
  const connectors: Record<string, z.ZodOptional<z.ZodType>> = {};
  for (const { name, section } of sections) {
    if (Object.hasOwn(connectors, name)) throw new Error(`the config section connectors.${name} is given twice`);
    connectors[name] = section.optional();
  }
  return z.strictObject({ ...sharedKeys, connectors: z.strictObject(connectors).default({}) });
}
export type TajoConfigSchema = ReturnType<typeof tajoConfigSchemaFor>;

/**
 * Each connector's parsed section type, by its name. Empty here (the core names no connector):
 * each connector adds its own in its config-schema.ts (TypeScript declaration merging), so the code
 * that reads `config.connectors.notion` gets Notion's type without the core importing Notion.
 */
// biome-ignore lint/suspicious/noEmptyInterface: connectors add their sections by declaration merging
export interface ConnectorSections {}

/** The config as the product reads it: the shared keys and the connectors' parsed sections. */
export type TajoConfig = z.infer<z.ZodObject<typeof sharedKeys>> & {
  connectors: { [Name in keyof ConnectorSections]?: ConnectorSections[Name] };
};
