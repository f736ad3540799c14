/**
 * What a rule last wrote to a page (Notion's: `NWRITE`): `NWRITE#<database>#<page>` under the tenant,
 * grouped per database so the sync loads one database's in one query.
 */
import type { PageWrite, PageWriteStore } from '../../core/ports';
import { type DynamoTable, retainedAfter, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

const pageWriteKey = (tenantId: string, databaseId: string, pageId: string) => ({
  pk: tenantKey(tenantId),
  sk: `NWRITE#${databaseId}#${pageId}`,
});

export class PageWriteRepository implements PageWriteStore {
  constructor(private readonly table: DynamoTable) {}

  async getPageWrite(tenantId: string, databaseId: string, pageId: string): Promise<PageWrite | undefined> {
    return this.table.get<PageWrite>(pageWriteKey(tenantId, databaseId, pageId), { consistent: true });
  }

  async putPageWrite(record: PageWrite): Promise<void> {
    await this.table.put({
      ...pageWriteKey(record.tenantId, record.databaseId, record.pageId),
      ...record,
      [TABLE_SCHEMA.ttlAttribute]: retainedAfter(record.writtenAt),
    });
  }

  async listPageWrites(tenantId: string, databaseId: string): Promise<PageWrite[]> {
    return this.table.queryAll<PageWrite>(tenantId, `NWRITE#${databaseId}#`);
  }
}
