/**
 * Platform webhook deliveries: `DELIVERY#<connector>#<delivery id>` under the tenant, holding
 * `claimed` (with its lease's end) or `done`; the TTL removes it after the retention.
 */
import type { DeliveryClaim, DeliveryLedger } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

const deliveryKey = (tenantId: string, connector: string, deliveryId: string) => ({
  pk: tenantKey(tenantId),
  sk: `DELIVERY#${connector}#${deliveryId}`,
});

export class DeliveryRepository implements DeliveryLedger {
  constructor(private readonly table: DynamoTable) {}

  async claimDelivery(
    tenantId: string,
    connector: string,
    deliveryId: string,
    leaseSeconds: number,
  ): Promise<DeliveryClaim> {
    const key = deliveryKey(tenantId, connector, deliveryId);
    const now = Math.floor(Date.now() / 1000);
    const claimed = await this.table.putIf({
      Item: {
        ...key,
        state: 'claimed',
        leaseUntil: now + leaseSeconds,
        [TABLE_SCHEMA.ttlAttribute]: now + leaseSeconds,
      },
      // Free: never seen, expired (DynamoDB deletes expired items lazily), or a lapsed claim (its worker died).
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now OR (#state = :claimed AND #lease < :now)',
      ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.ttlAttribute, '#state': 'state', '#lease': 'leaseUntil' },
      ExpressionAttributeValues: { ':now': now, ':claimed': 'claimed' },
    });
    if (claimed) return 'claimed';
    const item = await this.table.getItem(key, { consistent: true });
    // Gone between the two calls (released or expired): the caller tries again.
    if (item === undefined) return 'busy';
    return item.state === 'done' ? 'done' : 'busy';
  }

  async completeDelivery(
    tenantId: string,
    connector: string,
    deliveryId: string,
    retainSeconds: number,
  ): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    await this.table.put({
      ...deliveryKey(tenantId, connector, deliveryId),
      state: 'done',
      doneAt: new Date(now * 1000).toISOString(),
      [TABLE_SCHEMA.ttlAttribute]: now + retainSeconds,
    });
  }

  async releaseDelivery(tenantId: string, connector: string, deliveryId: string): Promise<void> {
    // Only a claim is dropped: a delivery marked done stays done.
    await this.table.deleteIf({
      Key: deliveryKey(tenantId, connector, deliveryId),
      ConditionExpression: '#state = :claimed',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':claimed': 'claimed' },
    });
  }
}
