/**
 * Skills a tenant turned on (`tajo skills enable`, PUT /tenants/{t}/skills/{skill}): one record per
 * tenant and skill, with its settings. The skills themselves (names, settings, what they need) are
 * the app's (app/skills.ts); the core only stores them and answers whether one is on.
 */
export interface SkillRecord {
  tenantId: string;
  skill: string;
  enabled: boolean;
  /** The skill's settings as its schema parsed them (abandoned-cart: minutes, channel). */
  settings: Record<string, unknown>;
  updatedAt: string;
}

export interface SkillStore {
  getSkill(tenantId: string, skill: string): Promise<SkillRecord | undefined>;
  listSkills(tenantId: string): Promise<SkillRecord[]>;
  putSkill(record: SkillRecord): Promise<void>;
}
