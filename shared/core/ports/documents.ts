/**
 * Ports of the document library (imported Notion pages): where the documents and their files live
 * (S3 under a KMS key in AWS, files under TAJO_STATE_DIR locally) and the small record kept per
 * imported page (what re-sync compares).
 *
 * Keys are relative to the tenant: every adapter puts the tenant first itself, so a caller can never
 * name (or list) another tenant's objects, however the key is spelled.
 */

export interface StoredObject {
  /** The key relative to the tenant, e.g. `notion/<pageId>/page.md`. */
  key: string;
  contentType: string;
  size: number;
}

export interface DocumentStore {
  put(tenantId: string, key: string, body: Uint8Array | string, contentType: string): Promise<StoredObject>;
  get(tenantId: string, key: string): Promise<{ body: Buffer; contentType: string } | undefined>;
  /** The tenant's objects whose key starts with `prefix` (all of them without one), sorted by key. */
  list(tenantId: string, prefix?: string): Promise<StoredObject[]>;
  delete(tenantId: string, keys: string[]): Promise<void>;
  /** Where a person or the API finds the object (a file path locally, an s3:// URI in AWS). */
  locate(tenantId: string, key: string): string;
}

/** What was imported for one Notion page: re-sync compares last_edited_time with the page's. */
export interface ImportedDocument {
  tenantId: string;
  pageId: string;
  title: string;
  url?: string;
  /** The page's created_time, parent and icon (a file icon without its expiring URL), as read. */
  createdTime?: string;
  parent?: unknown;
  icon?: unknown;
  /** The page's last_edited_time when it was read (minute-rounded by Notion). */
  lastEditedTime: string;
  /** sha256 of the stored document (markdown with its front matter, or the file's bytes). */
  contentHash: string;
  /** `markdown`: a rendered page; `file`: a page whose content is one file, stored as it is. */
  kind: 'markdown' | 'file';
  documentKey: string;
  /** Files downloaded for the document (images, PDFs...), keys relative to the tenant. */
  fileKeys: string[];
  /** The same files with their block, content type and size (records written before this have none). */
  files?: { blockId: string; key: string; contentType: string; size: number }[];
  /** When the stored content was last written (first import or a re-import of an edited page). */
  importedAt: string;
  /** When the page was first imported (records written before this field: see importedAt). */
  firstImportedAt?: string;
  /** When a re-sync last compared the page with Notion (re-imported or found unchanged); unset before. */
  checkedAt?: string;
}

export interface ImportedDocumentStore {
  getImportedDocument(tenantId: string, pageId: string): Promise<ImportedDocument | undefined>;
  putImportedDocument(doc: ImportedDocument): Promise<void>;
  listImportedDocuments(tenantId: string): Promise<ImportedDocument[]>;
}

/**
 * Checks a tenant-relative key: no absolute paths, no `.`/`..` segments, no empty segments, no
 * backslashes or control characters. Adapters call it before building a path or an S3 key.
 */
export function assertDocumentKey(key: string): void {
  const bad =
    key === '' ||
    key.length > 900 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\u0000-\u001f\u007f]/.test(key) ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new Error(`invalid document key ${JSON.stringify(key)}`);
}

/** Tenant ids as the config schema admits them (lower-case letters, digits, dashes). */
export function assertTenantId(tenantId: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(tenantId)) throw new Error(`invalid tenant id ${JSON.stringify(tenantId)}`);
}
