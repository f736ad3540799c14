/** Once-only markers with an expiry: `MARK#<key>` under the tenant. */
import type { MarkerStore } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

const markerKey = (tenantId: string, key: string) => ({ pk: tenantKey(tenantId), sk: `MARK#${key}` });

export class MarkerRepository implements MarkerStore {
  constructor(private readonly table: DynamoTable) {}

  async claimMarker(tenantId: string, key: string, ttlSeconds: number): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    return this.table.putIf({
      Item: { ...markerKey(tenantId, key), [TABLE_SCHEMA.ttlAttribute]: now + ttlSeconds },
      // DynamoDB deletes expired items lazily (up to days later): an expired marker is free again.
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
      ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.ttlAttribute },
      ExpressionAttributeValues: { ':now': now },
    });
  }

  async hasMarker(tenantId: string, key: string): Promise<boolean> {
    const item = await this.table.getItem(markerKey(tenantId, key), { consistent: true });
    const ttl = item?.[TABLE_SCHEMA.ttlAttribute] as number | undefined;
    return item !== undefined && (ttl === undefined || ttl >= Math.floor(Date.now() / 1000));
  }

  async releaseMarker(tenantId: string, key: string): Promise<void> {
    await this.table.delete(markerKey(tenantId, key));
  }
}
