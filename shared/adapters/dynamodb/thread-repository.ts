/**
 * Thread parents (`THREAD#<channel>#<threadKey>`) and the events already posted to a channel
 * (`POSTED#<channel>#<eventId>`), under the tenant.
 */
import type { ThreadStore } from '../../core/ports';
import { type DynamoTable, tenantKey, ttlFromNow } from './table';
import { TABLE_SCHEMA } from './table-schema';

const threadKeyOf = (tenantId: string, channelId: string, threadKey: string) => ({
  pk: tenantKey(tenantId),
  sk: `THREAD#${channelId}#${threadKey}`,
});
const postedKey = (tenantId: string, channelId: string, eventId: string) => ({
  pk: tenantKey(tenantId),
  sk: `POSTED#${channelId}#${eventId}`,
});

export class ThreadRepository implements ThreadStore {
  constructor(private readonly table: DynamoTable) {}

  async getThread(tenantId: string, channelId: string, threadKey: string): Promise<string | undefined> {
    const item = await this.table.getItem(threadKeyOf(tenantId, channelId, threadKey));
    return item?.ts as string | undefined;
  }

  async putThread(tenantId: string, channelId: string, threadKey: string, ts: string): Promise<void> {
    await this.table.put({
      ...threadKeyOf(tenantId, channelId, threadKey),
      ts,
      // A thread gathers a contact's or campaign's notifications for a month, then starts anew.
      [TABLE_SCHEMA.ttlAttribute]: ttlFromNow(30 * 86_400),
    });
  }

  async wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean> {
    return (await this.table.getItem(postedKey(tenantId, channelId, eventId))) !== undefined;
  }

  async markPosted(tenantId: string, channelId: string, eventId: string): Promise<void> {
    await this.table.put({
      ...postedKey(tenantId, channelId, eventId),
      // Longer than any redelivery (SQS keeps messages 14 days at most; the DLQ replay included).
      [TABLE_SCHEMA.ttlAttribute]: ttlFromNow(15 * 86_400),
    });
  }
}
