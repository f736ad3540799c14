/** Public types of the Brevo simulator (options, records the tests and benchmarks read). */
import type { SimClock } from '../http-kit';

export interface BrevoLimits {
  /** `/v3/contacts*` requests per 1 s fixed window (general tier: 10). */
  contactsPerSecond: number;
  /** `POST /v3/events` per 1 s fixed window (general tier: 10). */
  eventsPerSecond: number;
  /** Every other endpoint (processes, emailCampaigns, senders, account, webhooks) per 1 h window (100). */
  otherPerHour: number;
}

export interface BrevoSimulatorOptions {
  /** Known `api-key` values; default `['xkeysib-sandbox']`. All keys share one account (and its limits). */
  apiKeys?: string[];
  /** Key → its name in Brevo, sent as `api_key_name` in contact webhooks (default: the key's position, `key-1`...). */
  apiKeyNames?: Record<string, string>;
  /** Partial values override the general-tier defaults; `false` disables rate limiting and its headers. */
  limits?: Partial<BrevoLimits> | false;
  /** Time from the 202 of an import until it is `completed` (sim clock or real time); default 200. */
  importProcessingMs?: number;
  clock?: SimClock;
  /** Default true: attributes FIRSTNAME, LASTNAME, SMS (normal, text) and contact folder 1 "Default". */
  seedDefaults?: boolean;
}

export interface SimFolder {
  id: number;
  name: string;
}

export interface SimList {
  id: number;
  name: string;
  folderId: number;
  createdAt: string;
}

export interface SimSender {
  id: number;
  name: string;
  email: string;
  active: boolean;
}

export interface SimEvent {
  event_name: string;
  identifiers: Record<string, unknown>;
  contact_properties?: Record<string, unknown>;
  event_properties?: Record<string, unknown>;
  /** As sent, or the receive time when absent. */
  event_date: string;
  /** The contact the identifiers resolved to (events never create contacts in the simulator). */
  contactId?: number;
  receivedAt: string;
}

export interface SimCampaign {
  id: number;
  name: string;
  subject?: string;
  sender: { name?: string; email?: string; id?: number };
  recipients?: { listIds?: number[]; exclusionListIds?: number[]; segmentIds?: number[] };
  htmlContent?: string;
  htmlUrl?: string;
  templateId?: number;
  scheduledAt?: string;
  status: 'draft' | 'queued' | 'sent';
  createdAt: string;
  sentAt?: string;
  /** Global statistics (GET /v3/emailCampaigns `statistics.globalStats`); zeros until set. */
  stats?: Partial<SimCampaignStats>;
}

/** Brevo's GetCampaignStats fields the simulator serves (all counts). */
export interface SimCampaignStats {
  sent: number;
  delivered: number;
  uniqueViews: number;
  viewed: number;
  uniqueClicks: number;
  clickers: number;
  unsubscriptions: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  trackableViews: number;
  appleMppOpens: number;
}

export interface SimWebhook {
  id: number;
  url: string;
  description?: string;
  events: string[];
  type: 'transactional' | 'marketing' | 'inbound';
  channel: 'email' | 'sms';
  createdAt: string;
  /** Sent with each delivery: `{type: bearer, token}` as an Authorization header. */
  auth?: { type: 'bearer'; token: string };
  headers?: { key: string; value: string }[];
}

/** The counters Brevo reports in `info.import` of a finished import process. */
export interface ImportCounts {
  invalid_emails: number;
  duplicate_contact_id: number;
  duplicate_ext_id: number;
  duplicate_email_id: number;
  duplicate_phone_id: number;
  duplicate_whatsapp_id: number;
  duplicate_landline_number_id: number;
}

/** Simulator-only detail of an import (not sent over HTTP). */
export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  /** Existing contacts left as they were because updateExistingContacts was false. */
  untouched: number;
  /** Attribute values skipped (invalid date, unknown option, mismatched type, unknown attribute, ...). */
  skippedValues: number;
  /** Rows skipped entirely (invalid email / no identifier / duplicate in file / conflicting identifiers). */
  skippedRows: number;
}

export interface SimProcess {
  id: number;
  name: 'IMPORTUSER' | 'LIST_REMOVE_ALL';
  /** brevo.md §1 (SDK v4 GetProcessResponse): queued → processing → completed (or failed, cancelled). */
  status: 'queued' | 'processing' | 'completed';
  createdAt: number;
  dueAt: number;
  completedAt?: number;
  counts?: ImportCounts;
  report?: ImportReport;
  notifyUrl?: string;
}

export interface SimNotification {
  url: string;
  payload: unknown;
  /** undefined while in flight; false when skipped (not loopback) or failed. */
  delivered?: boolean;
  status?: number;
  error?: string;
}

export interface FailureSpec {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimStats {
  requests: number;
  rateLimited: number;
  byRoute: Record<string, number>;
}
