/**
 * Imported documents (page import): one item per imported page, `DOC#notion#<pageId>` under the
 * tenant: re-sync lists them with one query and compares each page's last_edited_time with the one
 * recorded here.
 */
import type { ImportedDocument, ImportedDocumentStore } from '../../core/ports/documents';
import { type DynamoTable, tenantKey } from './table';

const DOC_PREFIX = 'DOC#notion#';

export class ImportedDocumentRepository implements ImportedDocumentStore {
  constructor(private readonly table: DynamoTable) {}

  async getImportedDocument(tenantId: string, pageId: string): Promise<ImportedDocument | undefined> {
    return this.table.get<ImportedDocument>({ pk: tenantKey(tenantId), sk: `${DOC_PREFIX}${pageId}` });
  }

  async putImportedDocument(doc: ImportedDocument): Promise<void> {
    await this.table.put({ pk: tenantKey(doc.tenantId), sk: `${DOC_PREFIX}${doc.pageId}`, ...doc });
  }

  async listImportedDocuments(tenantId: string): Promise<ImportedDocument[]> {
    return this.table.queryAll<ImportedDocument>(tenantId, DOC_PREFIX);
  }
}
