/** Where an incremental sync resumes, and what was last written for each row (fingerprints). */
import type { ConnectorName } from './connections';

/** Where an incremental sync of one source (a Notion data source) resumes. */
export interface SyncCursor {
  sourceId: string;
  /** Highest last_edited_time whose rows Brevo accepted (minute-rounded, as Notion gives it). */
  highWater?: string;
  /** Cached resolution and schema facts, refreshed on full syncs and when stale. */
  meta?: Record<string, unknown>;
  updatedAt: string;
}

/** What we last wrote for one row: lets unchanged rows be skipped and removals find the contact. */
export interface Fingerprint {
  rowId: string;
  fp: string;
  /** The Brevo identifier the row was written under (email, or +phone, or ext id). */
  identifier: string;
  identifierType: 'email_id' | 'phone_id' | 'ext_id';
  listId?: number;
  /** Last full run that saw the row; rows a full run did not see have vanished. */
  seenRun?: string;
}

export interface CursorStore {
  getCursor(tenantId: string, connector: ConnectorName, sourceId: string): Promise<SyncCursor | undefined>;
  putCursor(tenantId: string, connector: ConnectorName, cursor: SyncCursor): Promise<void>;
  loadFingerprints(tenantId: string, connector: ConnectorName, sourceId: string): Promise<Map<string, Fingerprint>>;
  putFingerprints(tenantId: string, connector: ConnectorName, sourceId: string, rows: Fingerprint[]): Promise<void>;
  deleteFingerprints(tenantId: string, connector: ConnectorName, sourceId: string, rowIds: string[]): Promise<void>;
}
