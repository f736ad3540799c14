/**
 * What a Brevo → Notion rule last wrote to a page: `NWRITE#<database>#<page>` under the tenant,
 * grouped per database so the sync loads one database's in one query.
 */
import type { NotionPageWrite, NotionPageWriteStore } from '../../core/ports';
import { type DynamoTable, retainedAfter, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

const pageWriteKey = (tenantId: string, databaseId: string, pageId: string) => ({
  pk: tenantKey(tenantId),
  sk: `NWRITE#${databaseId}#${pageId}`,
});

export class PageWriteRepository implements NotionPageWriteStore {
  constructor(private readonly table: DynamoTable) {}

  async getPageWrite(tenantId: string, databaseId: string, pageId: string): Promise<NotionPageWrite | undefined> {
    return this.table.get<NotionPageWrite>(pageWriteKey(tenantId, databaseId, pageId), { consistent: true });
  }

  async putPageWrite(record: NotionPageWrite): Promise<void> {
    await this.table.put({
      ...pageWriteKey(record.tenantId, record.databaseId, record.pageId),
      ...record,
      [TABLE_SCHEMA.ttlAttribute]: retainedAfter(record.writtenAt),
    });
  }

  async listPageWrites(tenantId: string, databaseId: string): Promise<NotionPageWrite[]> {
    return this.table.queryAll<NotionPageWrite>(tenantId, `NWRITE#${databaseId}#`);
  }
}
