/**
 * Tenants: one item per tenant, `T#<tenant>` / `TENANT`, and one per API key hash,
 * `APIKEY#<sha256>` / `APIKEY` → `{tenantId}`, so a key finds its tenant (GET /me) with a get, not
 * a scan. The index item holds no secret (the hash of a 192-bit random key); it is written with
 * the tenant whenever its credentials are issued or rotated, and a rotated key's old item is
 * harmless: a lookup answers only when the tenant's current hash is the one asked for.
 */
import { sameHexDigest } from '../../core/hash';
import type { TenantRecord, TenantRegistry } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

const tenantItemKey = (tenantId: string) => ({ pk: tenantKey(tenantId), sk: 'TENANT' });
const apiKeyItemKey = (apiKeyHash: string) => ({ pk: `APIKEY#${apiKeyHash}`, sk: 'APIKEY' });

export class TenantRepository implements TenantRegistry {
  constructor(private readonly table: DynamoTable) {}

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.table.get<TenantRecord>(tenantItemKey(tenantId));
  }

  async putTenant(record: TenantRecord): Promise<void> {
    await this.table.put({ ...tenantItemKey(record.tenantId), ...record });
    await this.indexApiKey(record);
  }

  async createTenant(record: TenantRecord): Promise<boolean> {
    const created = await this.table.putIf({
      Item: { ...tenantItemKey(record.tenantId), ...record },
      // An existing tenant keeps its key: creating it again must not lock its owner out.
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    if (created) await this.indexApiKey(record);
    return created;
  }

  async indexApiKey(record: Pick<TenantRecord, 'tenantId' | 'apiKeyHash'>): Promise<void> {
    await this.table.put({ ...apiKeyItemKey(record.apiKeyHash), tenantId: record.tenantId });
  }

  async findTenantByApiKeyHash(apiKeyHash: string): Promise<TenantRecord | undefined> {
    const index = await this.table.get<{ tenantId: string }>(apiKeyItemKey(apiKeyHash));
    if (!index) return undefined;
    const tenant = await this.getTenant(index.tenantId);
    return tenant && sameHexDigest(tenant.apiKeyHash, apiKeyHash) ? tenant : undefined;
  }
}
