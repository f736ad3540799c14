/**
 * Webhook subscription state (Notion's: `NWEBHOOK` under the tenant) and the pages its events said
 * changed, waiting for the lane worker (`NPAGE#<pageId>`, one item per page).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingPage, WebhookSubscription, WebhookSubscriptionStore } from '../../core/ports';
import { type DynamoTable, tenantKey, ttlFromNow } from './table';
import { TABLE_SCHEMA } from './table-schema';

const webhookKey = (tenantId: string) => ({ pk: tenantKey(tenantId), sk: 'NWEBHOOK' });
const pendingPageKey = (tenantId: string, pageId: string) => ({ pk: tenantKey(tenantId), sk: `NPAGE#${pageId}` });

export class WebhookSubscriptionRepository implements WebhookSubscriptionStore {
  constructor(private readonly table: DynamoTable) {}

  async getNotionWebhook(tenantId: string): Promise<WebhookSubscription | undefined> {
    return this.table.get<WebhookSubscription>(webhookKey(tenantId), { consistent: true });
  }

  async putNotionWebhook(record: WebhookSubscription): Promise<void> {
    await this.table.put({ ...webhookKey(record.tenantId), ...record });
  }

  async deleteNotionWebhook(tenantId: string): Promise<void> {
    await this.table.delete(webhookKey(tenantId));
  }

  async addPendingPage(tenantId: string, entry: Omit<PendingPage, 'version'>, ttlSeconds: number): Promise<void> {
    // One item per page: many events for one page merge (sets), so the worker fetches it once.
    const adds: string[] = ['#v :one'];
    const values: Record<string, unknown> = { ':one': 1, ':ttl': ttlFromNow(ttlSeconds) };
    const names: Record<string, string> = { '#v': 'version', '#ttl': TABLE_SCHEMA.ttlAttribute };
    for (const [attr, list] of [
      ['types', entry.types],
      ['propertyIds', entry.propertyIds],
      ['authors', entry.authors],
    ] as const) {
      if (list.length === 0) continue;
      adds.push(`#${attr} :${attr}`);
      names[`#${attr}`] = attr;
      values[`:${attr}`] = new Set(list);
    }
    const sets = ['#ttl = :ttl'];
    if (entry.parentId) {
      sets.push('parentId = :parent');
      values[':parent'] = entry.parentId;
    }
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: pendingPageKey(tenantId, entry.pageId),
        UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async listPendingPages(tenantId: string, limit: number): Promise<PendingPage[]> {
    const items = await this.table.queryPage(tenantId, 'NPAGE#', { consistent: true, limit });
    return items.map((item) => ({
      pageId: String(item.sk).slice('NPAGE#'.length),
      types: [...((item.types as Set<string> | undefined) ?? [])].sort(),
      propertyIds: [...((item.propertyIds as Set<string> | undefined) ?? [])].sort(),
      authors: [...((item.authors as Set<string> | undefined) ?? [])].sort(),
      parentId: item.parentId as string | undefined,
      version: Number(item.version ?? 0),
    }));
  }

  async removePendingPages(tenantId: string, entries: Pick<PendingPage, 'pageId' | 'version'>[]): Promise<void> {
    for (const e of entries) {
      // A newer event bumped the version: its entry is kept.
      await this.table.deleteIf({
        Key: pendingPageKey(tenantId, e.pageId),
        ConditionExpression: '#v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': e.version },
      });
    }
  }
}
