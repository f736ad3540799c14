/**
 * The requests and answers of the management API, written by hand from the lead's contract
 * (issue 15). At merge the lead swaps these for sdk/src/api-types.gen.ts, generated from the
 * OpenAPI document; every other file imports its API types from here only.
 */

/** A connector's section as in tajo.yaml, camelCase or snake_case keys (`botToken` is sent as `bot_token`). */
export type ConnectorCredentials = Record<string, unknown>;

export interface BrevoConnection {
  tenantId: string;
  connector: 'brevo';
  connected: boolean;
  account: { email?: string; companyName?: string; keyName?: string; checkedAt?: string };
  keyFrom?: 'tenant' | 'connections' | 'none';
  usedBy?: string[];
}

export interface ConnectionList {
  tenantId: string;
  brevo: BrevoConnection | null;
  connections: {
    connector: string;
    enabled: boolean;
    workspace: { id: string; name?: string } | null;
    connectedAt: string;
    updatedAt: string;
  }[];
  connectors?: {
    name: string;
    label: string;
    connected: boolean;
    enabled: boolean | null;
    health: 'ok' | 'degraded' | null;
  }[];
}

export interface SyncRequest {
  /** `full` reads everything again; `incremental` (the default) what changed since the last run. */
  type?: 'full' | 'incremental';
  /** Notion: which of the section's `sync` resources (`databases`, `users`, `pages`). */
  resources?: string[];
  /** Notion: one database of the section only. */
  databaseId?: string;
  /** The Brevo list the synced contacts join (this run only). */
  targetList?: number;
  /** Same as type: 'full'. */
  full?: boolean;
  /** Abandon an unfinished run and start over (by default it is resumed). */
  restart?: boolean;
  /** Notion: the workspace users sync. */
  job?: 'users';
}

export interface SyncAnswer {
  queued: true;
  mode: 'full' | 'incremental';
  runId: string;
  job?: string;
}

export interface SyncSummary {
  mode?: 'full' | 'incremental';
  pagesRead?: number;
  upserted?: number;
  unchanged?: number;
  removed?: number;
  failed?: number;
  errors?: unknown[];
  durationMs?: number;
  [field: string]: unknown;
}

export interface RunRecord {
  runId: string;
  connector: string;
  job?: string;
  mode: 'full' | 'incremental';
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt?: string;
  trigger: string;
  summary: SyncSummary;
  progress?: { pagesRead: number; written: number; unchanged?: number; source?: string; at: string };
  /** The one-line reason, when status is failed. */
  error?: string;
}

/** A connection's status; Notion's carries the docs' fields. */
export interface ConnectorStatus {
  connector: string;
  connected?: boolean;
  lastSync?: string | null;
  databasesSynced?: number;
  pagesTracked?: number;
  usersCount?: number;
  [field: string]: unknown;
}

export interface ConnectionTest {
  [field: string]: unknown;
}

export interface QueryRequest {
  databaseId: string;
  /** Notion's filter object, as Notion's API takes it. */
  filter?: Record<string, unknown>;
  /** Notion's sorts, as Notion's API takes them. */
  sorts?: Record<string, unknown>[];
  startCursor?: string;
  /** 1..100 */
  pageSize?: number;
}

/** A Notion page as Notion's API returns it. */
export interface NotionPage {
  id: string;
  url?: string;
  properties: Record<string, unknown>;
  [field: string]: unknown;
}

export interface QueryAnswer {
  results: NotionPage[];
  nextCursor: string | null;
  hasMore: boolean;
}

export interface CreatePageRequest {
  databaseId: string;
  /** Notion's property values, as Notion's API takes them. */
  properties: Record<string, unknown>;
}

export interface CreatePageAnswer {
  id: string;
  url: string;
}

export interface NotifyRequest {
  /** An alias of connectors.slack.channels (`sales`) or a channel id (`C…`). */
  channel: string;
  event: string;
  data?: Record<string, unknown>;
  /** Block Kit blocks; without a template the connector's routed template for `event` is used. */
  template?: { blocks: Record<string, unknown>[]; text?: string };
  text?: string;
  /** Messages with the same thread key are posted in one thread. */
  thread?: string;
}

export interface NotifyAnswer {
  queued: true;
  notificationId: string;
  channel: string;
}

export interface EventEndpointRequest {
  url: string;
  /** Event types to receive; default every type (`['*']`). */
  types?: string[];
}

export interface EventEndpoint {
  id: string;
  url: string;
  types: string[];
  createdAt: string;
}

/** The answer of POST /event-endpoints: the signing secret is shown this once. */
export interface CreatedEventEndpoint extends EventEndpoint {
  secret: string;
}

export interface EventEndpointList {
  endpoints: EventEndpoint[];
}

export interface MeAnswer {
  tenantId: string;
}

/** What every delivered event carries. */
export interface TajoEventBase {
  id: string;
  type: string;
  createdAt: string;
  tenantId: string;
}

export interface ContactRef {
  email: string;
  name?: string;
  attributes?: Record<string, unknown>;
}

/** The fields of the event types the service documents; any other type is a TajoEventBase with its fields. */
export interface TajoEventFields {
  'contact.attribute_updated': { contact: ContactRef; attribute: string; value: unknown; previousValue?: unknown };
  'contact.created': { contact: ContactRef };
  'contact.unsubscribed': { contact: ContactRef };
  'sync.completed': { connector: string; runId: string; summary: SyncSummary };
  'sync.failed': { connector: string; runId: string; summary: SyncSummary; error?: string };
}
