/** Skills a tenant turned on: `SKILL#<skill>` under the tenant. */
import type { SkillRecord, SkillStore } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

const skillKey = (tenantId: string, skill: string) => ({ pk: tenantKey(tenantId), sk: `SKILL#${skill}` });

export class SkillRepository implements SkillStore {
  constructor(private readonly table: DynamoTable) {}

  async getSkill(tenantId: string, skill: string): Promise<SkillRecord | undefined> {
    // Consistent: a skill turned off a moment ago must not act on the next event.
    return this.table.get<SkillRecord>(skillKey(tenantId, skill), { consistent: true });
  }

  async listSkills(tenantId: string): Promise<SkillRecord[]> {
    return this.table.queryAll<SkillRecord>(tenantId, 'SKILL#', { consistent: true });
  }

  async putSkill(record: SkillRecord): Promise<void> {
    await this.table.put({ ...skillKey(record.tenantId, record.skill), ...record });
  }
}
