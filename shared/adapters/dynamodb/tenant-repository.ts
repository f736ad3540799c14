/** Tenants: one item per tenant, `T#<tenant>` / `TENANT`. */
import type { TenantRecord, TenantRegistry } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

const tenantItemKey = (tenantId: string) => ({ pk: tenantKey(tenantId), sk: 'TENANT' });

export class TenantRepository implements TenantRegistry {
  constructor(private readonly table: DynamoTable) {}

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.table.get<TenantRecord>(tenantItemKey(tenantId));
  }

  async putTenant(record: TenantRecord): Promise<void> {
    await this.table.put({ ...tenantItemKey(record.tenantId), ...record });
  }

  async createTenant(record: TenantRecord): Promise<boolean> {
    return this.table.putIf({
      Item: { ...tenantItemKey(record.tenantId), ...record },
      // An existing tenant keeps its key: creating it again must not lock its owner out.
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }
}
