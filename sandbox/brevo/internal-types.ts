/** Types the Brevo simulator's layers share (write plans, pending imports, rate-limit buckets); not part of the folder's public face. */
import type { AttributeValue, PhoneKey, WriteSource } from './model';
import type { SimProcess } from './types';

export type Bucket = 'contacts' | 'events' | 'other';

export interface WritePlan {
  email?: string;
  extId?: string | null;
  phones: Map<PhoneKey, string | null>;
  set: Map<string, AttributeValue>;
  clear: Set<string>;
}

export interface PlanContext {
  mode: 'single' | 'import';
  source: WriteSource;
  who: string;
  /** `attributes.EMAIL` changes the email (PUT) instead of being dropped. */
  allowEmailAttr: boolean;
  /** null / '' / [] clear the stored value (otherwise they are skipped). */
  emptyClears: boolean;
  fromCsv: boolean;
  processId?: number;
  onSkip?: () => void;
}

export interface CommitExtra {
  listIds?: number[];
  unlinkListIds?: number[];
  emailBlacklisted?: boolean;
  smsBlacklisted?: boolean;
}

export interface ImportRow {
  email: unknown;
  extId: unknown;
  attributes: Record<string, unknown>;
}

export interface PendingImport {
  /** The name of the key that started the import (its contact webhooks carry it). */
  apiKeyName: string;
  process: SimProcess;
  rows: ImportRow[];
  fromCsv: boolean;
  listIds: number[];
  updateExisting: boolean;
  emptyClears: boolean;
  emailBlacklist: boolean;
  smsBlacklist: boolean;
}
