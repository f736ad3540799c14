/**
 * The skills a tenant turns on (product-docs §3 step 5: `tajo skills enable abandoned-cart`):
 * - customer-sync: a connected platform's customers become Brevo contacts on the connection's own
 *   mode (its schedule for batch/hybrid, its customer webhooks for realtime/hybrid); off, customers
 *   sync only when a person asks (`tajo connectors sync`). The sync and webhook code ask
 *   `customerSyncAllows` (core/skills.ts).
 * - abandoned-cart: a platform's cart not completed within `minutes` becomes the Brevo event
 *   `cart_abandoned` and the Slack notification; a later order cancels it (skills/abandoned-cart.ts).
 * Stored per tenant (SkillStore); the CLI (`tajo skills`) and the API call these same services.
 */
import { z } from 'zod';
import type { Definition } from '../connectors/custom/definition/schema';
import { resolveChannel } from '../connectors/slack/notifications/routing';
import { ConfigError, RequestRefusedError } from '../core/errors';
import type { Clock, ConnectionStore, SkillRecord, SkillStore } from '../core/ports';
import { isSkillName, SKILL_NAMES, type SkillName } from '../core/skills';

export { customerSyncAllows, skillEnabled } from '../core/skills';

/** How long a cart may stay open before it is abandoned, by default (minutes). */
export const DEFAULT_ABANDONED_MINUTES = 30;
/** A week: past that a cart is no one's to recover (and the order ledger forgets). */
const MAX_ABANDONED_MINUTES = 7 * 24 * 60;

export const abandonedCartSettingsSchema = z.strictObject({
  minutes: z
    .number({ error: 'expected a number of minutes' })
    .int('expected whole minutes')
    .min(1, 'at least 1 minute')
    .max(MAX_ABANDONED_MINUTES, `at most ${MAX_ABANDONED_MINUTES} minutes (a week)`)
    .default(DEFAULT_ABANDONED_MINUTES),
  /** The Slack channel (a name of connectors.slack.channels or an id); default: the cart_abandoned route's. */
  channel: z.string().trim().min(1, 'expected a channel name or id').optional(),
});
export type AbandonedCartSettings = z.output<typeof abandonedCartSettingsSchema>;

interface SkillSpec {
  summary: string;
  settings: z.ZodType<Record<string, unknown>>;
  /** What a platform must offer for the skill to act (its definition). */
  platformOffers: (d: Definition) => boolean;
  needs: string;
}

export const SKILLS: Record<SkillName, SkillSpec> = {
  'customer-sync': {
    summary: "customers -> Brevo contacts on each platform connection's mode (schedule, webhooks or both)",
    settings: z.strictObject({}),
    platformOffers: (d) =>
      Object.values(d.resources).some((r) => r.to === 'contacts') ||
      Object.values(d.webhooks).some((w) => w.to === 'contact'),
    needs: 'a connected platform with customers',
  },
  'abandoned-cart': {
    summary: 'a cart not completed within its minutes -> Brevo event cart_abandoned and the Slack notification',
    settings: abandonedCartSettingsSchema,
    platformOffers: (d) =>
      Object.values(d.webhooks).some((w) => 'kind' in w && w.kind === 'cart') ||
      Object.values(d.resources).some((r) => r.kind === 'cart'),
    needs: 'a connected platform with carts',
  },
};

/** The skill a name (a path's, a command line's) means; any other is refused with the list. */
export function skillOf(name: string | undefined): SkillName {
  if (isSkillName(name)) return name;
  throw new RequestRefusedError(
    404,
    `unknown skill ${JSON.stringify(name ?? '')}: the skills are ${SKILL_NAMES.join(', ')}`,
    'not_found',
  );
}

export interface SkillListing {
  name: SkillName;
  enabled: boolean;
  summary: string;
  settings: Record<string, unknown>;
  /** What it needs, and whether the tenant has it: `ready` when a platform offering it is connected. */
  needs: string;
  platforms: string[];
  connected: string[];
  ready: boolean;
  updatedAt?: string;
}

export interface SkillDeps {
  skills: SkillStore;
  connections: ConnectionStore;
  clock: Clock;
  /** The platforms the tenant can connect, as definitions (the catalogue and its registered ones). */
  platformDefinitions: (tenantId: string) => Promise<Definition[]>;
}

/** Every skill, on or off, with its settings and what it needs. */
export async function listSkills(deps: SkillDeps, tenantId: string): Promise<{ skills: SkillListing[] }> {
  const [records, definitions] = await Promise.all([
    deps.skills.listSkills(tenantId),
    deps.platformDefinitions(tenantId),
  ]);
  const skills = await Promise.all(
    SKILL_NAMES.map((name) =>
      describeSkill(
        deps,
        tenantId,
        name,
        records.find((r) => r.skill === name),
        definitions,
      ),
    ),
  );
  return { skills };
}

/**
 * Turns a skill on with its settings (those given over those stored, then the defaults); refused
 * with each bad setting's path. A Slack channel is checked against the tenant's Slack connection.
 */
export async function enableSkill(
  deps: SkillDeps,
  tenantId: string,
  name: string | undefined,
  given: unknown,
): Promise<SkillListing & { warnings: string[] }> {
  const skill = skillOf(name);
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given)))
    throw new ConfigError([{ path: `skills.${skill}`, message: 'expected an object of settings' }]);
  const stored = await deps.skills.getSkill(tenantId, skill);
  const parsed = SKILLS[skill].settings.safeParse({ ...stored?.settings, ...(given as object | undefined) });
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        path: [`skills.${skill}`, ...i.path.map(String)].join('.'),
        message: i.code === 'unrecognized_keys' ? `unknown setting (${i.keys.join(', ')})` : i.message,
      })),
    );
  const warnings = await channelWarnings(deps, tenantId, skill, parsed.data);
  const record: SkillRecord = {
    tenantId,
    skill,
    enabled: true,
    settings: parsed.data,
    updatedAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.skills.putSkill(record);
  // Enabled even before a platform is connected: `needs` and `ready` say what it waits for.
  const listing = await describeSkill(deps, tenantId, skill, record, await deps.platformDefinitions(tenantId));
  return { ...listing, warnings };
}

/** Turns a skill off (its settings kept for the next enable). */
export async function disableSkill(
  deps: Pick<SkillDeps, 'skills' | 'clock'>,
  tenantId: string,
  name: string | undefined,
): Promise<{ name: SkillName; enabled: false; wasEnabled: boolean }> {
  const skill = skillOf(name);
  const stored = await deps.skills.getSkill(tenantId, skill);
  if (stored?.enabled)
    await deps.skills.putSkill({ ...stored, enabled: false, updatedAt: new Date(deps.clock.now()).toISOString() });
  return { name: skill, enabled: false, wasEnabled: stored?.enabled === true };
}

/** The abandoned-cart settings when the skill is on (the timers' and the webhook worker's question). */
export async function abandonedCartSettings(
  skills: SkillStore,
  tenantId: string,
): Promise<AbandonedCartSettings | undefined> {
  // One read: whether it is on and its settings are the same record (asked on every cart delivery).
  const record = await skills.getSkill(tenantId, 'abandoned-cart');
  if (record?.enabled !== true) return undefined;
  // Stored by enableSkill through the same schema; a record the schema now refuses acts on the defaults.
  const parsed = abandonedCartSettingsSchema.safeParse(record?.settings ?? {});
  return parsed.success ? parsed.data : abandonedCartSettingsSchema.parse({});
}

async function describeSkill(
  deps: SkillDeps,
  tenantId: string,
  name: SkillName,
  record: SkillRecord | undefined,
  definitions: Definition[],
): Promise<SkillListing> {
  const spec = SKILLS[name];
  const platforms = definitions.filter(spec.platformOffers).map((d) => d.name);
  const connected: string[] = [];
  for (const p of platforms) if (await deps.connections.getConnection(tenantId, p)) connected.push(p);
  const defaults = spec.settings.safeParse({});
  return {
    name,
    enabled: record?.enabled === true,
    summary: spec.summary,
    settings: record?.settings ?? (defaults.success ? defaults.data : {}),
    needs: spec.needs,
    platforms,
    connected,
    ready: connected.length > 0,
    ...(record ? { updatedAt: record.updatedAt } : {}),
  };
}

/** A channel the tenant's Slack connection does not know is refused; without a connection it waits for one. */
async function channelWarnings(
  deps: Pick<SkillDeps, 'connections'>,
  tenantId: string,
  skill: SkillName,
  settings: Record<string, unknown>,
): Promise<string[]> {
  const channel = settings.channel;
  if (typeof channel !== 'string') return [];
  const slack = await deps.connections.getConnection(tenantId, 'slack');
  if (!slack) return [`no Slack connection yet: the ${channel} notification starts once Slack is connected`];
  const channels = (slack.settings as { channels?: Record<string, string> }).channels ?? {};
  if (resolveChannel(channel, channels) === undefined)
    throw new ConfigError([
      {
        path: `skills.${skill}.channel`,
        message: `channel "${channel}" is not in connectors.slack.channels (${Object.keys(channels).join(', ') || 'none defined'}) and is not a channel id (C…/G…)`,
      },
    ]);
  return [];
}

/** A skill's settings and what it needs, one line: `minutes 30; needs a connected platform with carts: shopify`. */
export function skillDetails(s: SkillListing): string {
  const settings = Object.entries(s.settings)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const needs = s.ready
    ? `ready: ${s.connected.join(', ')} connected`
    : `needs ${s.needs}${s.platforms.length ? `: ${s.platforms.join(', ')}` : ''}`;
  return `${settings ? `${settings}; ` : ''}${needs}`;
}

/** The line `tajo skills list` prints for a skill (its --json twin is the listing itself). */
export function skillLine(s: SkillListing): string {
  return `${s.name.padEnd(15)} ${(s.enabled ? 'enabled' : 'disabled').padEnd(9)}${skillDetails(s)}`;
}
