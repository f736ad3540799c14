/** A tenant's notification deliveries: one summary item, `SLACKDELIVERIES` under the tenant, versioned. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type NotificationDelivery,
  type NotificationDeliveryStore,
  type NotificationDeliverySummary,
  RECENT_NOTIFICATION_DELIVERIES,
} from '../../core/ports';
import { type DynamoTable, isConditionFailure, tenantKey } from './table';

type StoredSummary = NotificationDeliverySummary & { version: number };

export class NotificationDeliveryRepository implements NotificationDeliveryStore {
  constructor(private readonly table: DynamoTable) {}

  async getSlackDeliveries(tenantId: string): Promise<NotificationDeliverySummary | undefined> {
    const stored = await this.table.get<StoredSummary>({ pk: tenantKey(tenantId), sk: 'SLACKDELIVERIES' });
    if (!stored) return undefined;
    const { version: _v, ...summary } = stored;
    return summary;
  }

  /**
   * Read, add, write back under a version condition: two channels' workers may record at once, and
   * a lost update would undercount. A few tries, then the caller logs it (the post itself stands).
   */
  async recordSlackDelivery(tenantId: string, delivery: NotificationDelivery): Promise<void> {
    const key = { pk: tenantKey(tenantId), sk: 'SLACKDELIVERIES' };
    for (let attempt = 0; ; attempt++) {
      const old = await this.table.get<StoredSummary>(key, { consistent: true });
      const posted = delivery.status === 'posted';
      const item = {
        ...key,
        posted: (old?.posted ?? 0) + (posted ? 1 : 0),
        failed: (old?.failed ?? 0) + (posted ? 0 : 1),
        since: old?.since ?? delivery.at,
        lastPosted: posted ? delivery : (old?.lastPosted ?? null),
        recent: [delivery, ...(old?.recent ?? [])].slice(0, RECENT_NOTIFICATION_DELIVERIES),
        version: (old?.version ?? 0) + 1,
      };
      try {
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: item,
            ConditionExpression: old ? '#v = :v' : 'attribute_not_exists(pk)',
            ...(old
              ? { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': old.version } }
              : {}),
          }),
        );
        return;
      } catch (err) {
        if (!isConditionFailure(err) || attempt >= 4) throw err;
      }
    }
  }
}
