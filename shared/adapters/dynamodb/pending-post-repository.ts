/** Notifications waiting for their channel (`SPEND`: Slack's, the first to have them): `SPEND#<channel>#<eventId>` under the tenant. */
import type { PendingPostStore } from '../../core/ports';
import { type DynamoTable, tenantKey, ttlFromNow } from './table';
import { TABLE_SCHEMA } from './table-schema';

export class PendingPostRepository implements PendingPostStore {
  constructor(private readonly table: DynamoTable) {}

  async addPendingPost(
    tenantId: string,
    channelId: string,
    eventId: string,
    event: string,
    ttlSeconds: number,
  ): Promise<void> {
    await this.table.put({
      pk: tenantKey(tenantId),
      sk: `SPEND#${channelId}#${eventId}`,
      eventId,
      event,
      [TABLE_SCHEMA.ttlAttribute]: ttlFromNow(ttlSeconds),
    });
  }

  async listPendingPosts(
    tenantId: string,
    channelId: string,
    limit: number,
  ): Promise<{ eventId: string; event: string }[]> {
    const items = await this.table.queryPage(tenantId, `SPEND#${channelId}#`, { consistent: true, limit });
    return items.map((item) => ({ eventId: String(item.eventId), event: String(item.event) }));
  }

  async removePendingPosts(tenantId: string, channelId: string, eventIds: string[]): Promise<void> {
    for (const id of eventIds) {
      await this.table.delete({ pk: tenantKey(tenantId), sk: `SPEND#${channelId}#${id}` });
    }
  }
}
