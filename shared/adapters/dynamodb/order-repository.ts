/** Orders seen per contact (abandoned-cart checks): `ORDER#<email>` under the tenant, the latest kept. */
import type { OrderLedger } from '../../core/ports';
import { type DynamoTable, tenantKey, ttlFromNow } from './table';
import { TABLE_SCHEMA } from './table-schema';

const orderKey = (tenantId: string, email: string) => ({ pk: tenantKey(tenantId), sk: `ORDER#${email.toLowerCase()}` });

export class OrderRepository implements OrderLedger {
  constructor(private readonly table: DynamoTable) {}

  async recordOrder(tenantId: string, email: string, at: string): Promise<void> {
    await this.table.putIf({
      Item: {
        ...orderKey(tenantId, email),
        at,
        // Longer than any cart delay (at most 7 days).
        [TABLE_SCHEMA.ttlAttribute]: ttlFromNow(30 * 86_400),
      },
      // Keep the latest: an older order delivered late must not hide a newer one.
      ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async lastOrderAt(tenantId: string, email: string): Promise<string | undefined> {
    const item = await this.table.getItem(orderKey(tenantId, email), { consistent: true });
    return item?.at as string | undefined;
  }
}
