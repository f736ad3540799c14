/**
 * A definition's config section `connectors.<name>` (design14 "Config section"), made at runtime
 * from the definition: its connection parameters, its auth's credentials, the webhook secret,
 * sync_to_list, mode, schedule, `sync` per resource and `field_mapping`. The zod schema refuses a
 * misspelt key at its path; the checks zod cannot express (a credential the auth needs, a `sync`
 * key that is not a resource, a field the definition does not offer, a mode it cannot run) are the
 * engine's sectionIssues, with their paths under the section.
 */
import { z } from 'zod';
import type { ConnectionSettings } from './auth';
import { sectionIssues } from './config-checks';
import { SCHEDULES, SYNC_MODES, secretKeys } from './connection';
import type { Definition } from './definition/schema';

/** The keys of a section that are the connection's values (not secret): base_url and the parameters. */
export function paramKeys(definition: Definition): string[] {
  return ['base_url', ...Object.keys(definition.connection)];
}

/** A section as its schema parses it. */
export interface ParsedSection {
  enabled: boolean;
  definition?: string;
  sync_to_list?: string | number;
  mode?: (typeof SYNC_MODES)[number];
  schedule: (typeof SCHEDULES)[number];
  sync?: Record<string, boolean>;
  field_mapping?: Record<string, string>;
  [key: string]: unknown;
}

const text = z.string({ error: 'expected text' });

/** The zod schema of `connectors.<name>` for this definition. */
export function sectionSchema(definition: Definition): z.ZodType<ParsedSection> {
  const values: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (const key of [...paramKeys(definition), ...secretKeys(definition)]) values[key] = text.optional();
  return z.strictObject({
    enabled: z.boolean({ error: 'expected true or false' }).default(true),
    /** The definition file (relative to the config file): read by the resolution, not here. */
    definition: text.optional(),
    ...values,
    sync_to_list: z
      .union([text.min(1), z.number().int().positive()], { error: 'expected a list id or name' })
      .optional(),
    mode: z.enum(SYNC_MODES, { error: `expected one of ${SYNC_MODES.join(', ')}` }).optional(),
    schedule: z.enum(SCHEDULES, { error: `expected one of ${SCHEDULES.join(', ')}` }).default('hourly'),
    sync: z.record(z.string(), z.boolean({ error: 'expected true or false' })).optional(),
    field_mapping: z.record(z.string(), text.min(1, 'expected a Brevo attribute')).optional(),
  }) as unknown as z.ZodType<ParsedSection>;
}

/** The string values of a section: what the auth, the base URL and the signature read. */
export function sectionValues(definition: Definition, section: ParsedSection): ConnectionSettings {
  const out: Record<string, string> = {};
  for (const key of [...paramKeys(definition), ...secretKeys(definition)]) {
    const value = section[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/** Stands for an API body's (empty) base: its issues' paths are the body's own keys. */
const BODY = '(body)';

/** The cross-key issues of a parsed section, with paths under `base` (`connectors.<name>`; '' for an API body). */
export function sectionProblems(
  definition: Definition,
  section: ParsedSection,
  base: string,
): { path: string; message: string }[] {
  if (!section.enabled) return [];
  return sectionIssues(
    definition,
    {
      ...(section.mode !== undefined ? { mode: section.mode } : {}),
      ...(section.sync !== undefined ? { sync: section.sync } : {}),
      ...(section.field_mapping !== undefined ? { field_mapping: section.field_mapping } : {}),
      settings: sectionValues(definition, section),
    },
    base === '' ? BODY : base,
  ).map((i) => ({ path: i.path.startsWith(`${BODY}.`) ? i.path.slice(BODY.length + 1) : i.path, message: i.message }));
}

/** `shop_url` → `shop-url`: the CLI's option for a config key. */
export function kebab(key: string): string {
  return key.replace(/_/g, '-');
}
