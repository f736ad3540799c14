/**
 * Skills: what the service does on its own with a tenant's synced data once the tenant turns it on
 * (product-docs §3 step 5). Their names live here so the sync and webhook code (connectors import
 * the core only) can ask whether one is on; what each needs and its settings are app/skills.ts's.
 */
import type { SkillStore } from './ports';

export const SKILL_NAMES = ['customer-sync', 'abandoned-cart'] as const;
export type SkillName = (typeof SKILL_NAMES)[number];

export function isSkillName(name: unknown): name is SkillName {
  return (SKILL_NAMES as readonly unknown[]).includes(name);
}

/** Whether the tenant turned the skill on (a skill never enabled is off). */
export async function skillEnabled(skills: SkillStore, tenantId: string, skill: SkillName): Promise<boolean> {
  return (await skills.getSkill(tenantId, skill))?.enabled === true;
}

/** Who asks a connection to write customers to Brevo contacts. */
export type CustomerSyncTrigger = 'schedule' | 'webhook' | 'cli' | 'api';

/**
 * Whether customers become Brevo contacts now (customer-sync). A person asking (`tajo connectors sync`,
 * the API's sync now) always runs; on its own, a connection writes customers only with the skill on and
 * in its mode: its schedule when batch or hybrid, its customer webhooks when realtime or hybrid.
 */
export async function customerSyncAllows(
  skills: SkillStore,
  args: { tenantId: string; trigger: CustomerSyncTrigger; mode: 'realtime' | 'batch' | 'hybrid' },
): Promise<{ allowed: true } | { allowed: false; reason: string }> {
  if (args.trigger === 'cli' || args.trigger === 'api') return { allowed: true };
  if (!(await skillEnabled(skills, args.tenantId, 'customer-sync')))
    return {
      allowed: false,
      reason: 'the customer-sync skill is off (tajo skills enable customer-sync): customers sync only by hand',
    };
  const wanted = args.trigger === 'schedule' ? ['batch', 'hybrid'] : ['realtime', 'hybrid'];
  if (!wanted.includes(args.mode))
    return {
      allowed: false,
      reason: `the connection's mode is ${args.mode}: its ${args.trigger === 'schedule' ? 'schedule' : 'webhooks'} do not sync customers`,
    };
  return { allowed: true };
}
