/** What the Notion lane's worker is given (stores, queues, clock), and how a job asks to wait. */

import type { Endpoints } from '../../../core/env';
import { TajoError } from '../../../core/errors';
import type {
  CallBudgetStore,
  Clock,
  ConnectionStore,
  CursorStore,
  LaneQueue,
  MarkerStore,
  PageWriteStore,
  RunStore,
  SecretStore,
  WebhookSubscriptionStore,
} from '../../../core/ports';
import type { DocumentStore, ImportedDocumentStore } from '../../../core/ports/documents';
import type { PublishStateStore } from '../../../core/ports/publications';
import type { OAuthTokens } from '../../../core/tenancy/oauth-tokens';
import type { SyncOptions } from '../sync/sync-context';

export interface NotionLaneDeps {
  connections: ConnectionStore;
  cursors: CursorStore;
  runs: RunStore;
  secrets: SecretStore;
  lane: LaneQueue;
  clock: Clock;
  endpoints: Endpoints;
  syncOptions?: Partial<SyncOptions>;
  /** Notion webhooks' page inbox and the once-only markers (page events); required for both. */
  webhooks?: WebhookSubscriptionStore;
  markers?: MarkerStore;
  /** Brevo → Notion rules: what they wrote (required to run them; the sync reads it to skip its echo). */
  pageWrites?: PageWriteStore;
  /** OAuth connections' tokens: refreshed on a 401 (without it, an OAuth token is used as stored). */
  oauthTokens?: OAuthTokens;
  /** The document library (page import, re-sync); required for the documents messages. */
  documents?: DocumentStore;
  imported?: ImportedDocumentStore;
  /** Publishing (pages → Brevo campaigns): the page states; required for databases with `publish`. */
  publications?: PublishStateStore;
  /** The tenant's Brevo "other endpoints" budget shared across invocations; without it, per process. */
  budgets?: CallBudgetStore;
  /** That budget's hourly limit (Brevo's general tier: 100; 200 on the advanced tier). */
  brevoOtherPerHour?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

/** The lane asks to be retried later (a long Retry-After): the handler hides the message that long. */
export class ParkLane extends TajoError {
  constructor(readonly delayMs: number) {
    super(`lane parked for ${Math.ceil(delayMs / 1000)} s`, 'lane_parked');
  }
}
