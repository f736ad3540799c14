/** Run records and their summaries: the syncs' runs and the rule runs (hub events written to a platform). */
import type { ConnectorName } from './connections';

export interface RowError {
  /** The source record: a Notion page id, a Slack or Notion user id. */
  pageId: string;
  /** The source field (Notion property, Slack or Notion user field). */
  property?: string;
  /** The Brevo attribute or identifier the value was for (field errors). */
  attribute?: string;
  /**
   * 'field': only this value was left out of the write; the contact, its other attributes and its
   * list membership were still sent. Absent: the whole record was not written.
   */
  kind?: 'field';
  /** Says what is wrong and what to do; personal values (phones, emails) appear masked. */
  reason: string;
}

/** The contract of `--json` (DESIGN §4) and of the run record. */
export interface SyncSummary {
  mode: 'full' | 'incremental';
  pagesRead: number;
  upserted: number;
  unchanged: number;
  removed: number;
  failed: number;
  /**
   * Records read and not written on purpose (publish-only pages, bots…), with each reason in
   * `skips`: pagesRead = upserted + unchanged + (removed − vanished) + failed + skipped
   * (shared/core/runs/counts.ts). Absent in run records written before skips were counted.
   */
  skipped?: number;
  skips?: { reason: string; count: number }[];
  /** Of `removed`: contacts a full run removed because their rows are no longer returned (not read). */
  vanished?: number;
  errors: RowError[];
  /** Errors beyond the stored ones (the record keeps the first 200). */
  errorsTruncated: number;
  /**
   * Values left out of a write (entries of `errors` with kind 'field', stored or truncated). They
   * do not count as failed rows: their contacts count in upserted/unchanged. Absent in run records
   * written before field errors existed.
   */
  fieldErrors?: number;
  /** Notion's runs only (a platform's run counts its own in platformRequests). */
  notionRequests?: number;
  brevoRequests: number;
  rateLimited: number;
  durationMs: number;
  warnings: string[];
  /** Page change events sent to Brevo (`sync.pages: true`); absent when the switch is off. */
  events?: number;
  /** Publishing (Notion pages → Brevo campaigns), when a database has a publish rule. */
  publish?: PublishSummary;
}

/** One page version's campaign, as a run reports it. */
export interface PublishedCampaign {
  pageId: string;
  title: string;
  /** The page version: its last_edited_time when it entered the publish state. */
  version: string;
  status: 'sent' | 'scheduled' | 'created' | 'failed' | 'deferred' | 'cancelled';
  campaignId?: number;
  scheduledAt?: string;
  error?: string;
  /** What the email left out or changed (a Notion-hosted image, an embed shown as a link). */
  warnings?: string[];
}

/** What a run did about publishing. */
export interface PublishSummary {
  /** Pages seen entering the publish state: one campaign is queued for each. */
  entered: number;
  /** Pages already in the state when the rule was first seen (`existing: skip`): not mailed. */
  skipped: number;
  /** Pages that left the state before their campaign was sent. */
  cancelled: number;
  /** Campaigns this run created, sent, scheduled, deferred or failed (the first 100). */
  campaigns: PublishedCampaign[];
  /** Publications waiting for Brevo's hourly budget (or a rate limit) to free up. */
  deferred: number;
  /** When the deferred ones are retried. */
  retryAt?: string;
  /** Publish rules that do not fit the database's schema (path, reason): nothing is published from it. */
  issues: { path: string; reason: string }[];
}

export interface RunRecord {
  tenantId: string;
  connector: ConnectorName;
  runId: string;
  /**
   * A connector's other job (Notion workspace users; `documents`: a page import or a re-sync of the
   * imported documents; `publish`: publishing pages as Brevo campaigns); absent for the connector's
   * main sync.
   */
  job?: 'users' | 'documents' | 'publish';
  mode: 'full' | 'incremental';
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt?: string;
  trigger: 'cli' | 'schedule' | 'api' | 'local' | 'webhook';
  summary: SyncSummary;
  /** Where the run resumes when continued in another invocation. */
  checkpoint?: unknown;
  /**
   * While it runs: how far it got, refreshed every few seconds (the summary moves at checkpoints
   * only), so a person following the run (`--api`, `npm start`) sees the counts move.
   */
  progress?: { pagesRead: number; written: number; unchanged?: number; source?: string; at: string };
  /** The fatal reason, one line, when status is failed. */
  error?: string;
  /**
   * Who is running it (Notion database sync): a run whose owner stopped answering (its process is
   * gone, its heartbeat old) is resumed by the next invocation; a live one is never shared.
   */
  owner?: RunOwner;
  /** The unfinished run whose checkpoint this one took over (that one is closed "resumed as run …"). */
  resumedFrom?: string;
  /** How many runs of its chain died before it (a fault past the deadline, a kill, a timeout). */
  resumes?: number;
}

/** The process running a run, and when it last said so. */
export interface RunOwner {
  /** `cli` (a tajo process: host and pid), `lane` (the Notion lane's workers). */
  kind: 'cli' | 'lane';
  host?: string;
  pid?: number;
  /** Refreshed with every write of the run record. */
  heartbeatAt: string;
}

export interface RunStore {
  putRun(record: RunRecord): Promise<void>;
  /**
   * Writes `record` only if the stored run still has the owner heartbeat `expected` (none:
   * no owner): two processes resuming the same dead run cannot both win. False when another did.
   * Stores without it fall back to a write and a read back (tests' in-memory stores).
   */
  claimRun?(record: RunRecord, expected: string | undefined): Promise<boolean>;
  getRun(tenantId: string, connector: ConnectorName, runId: string): Promise<RunRecord | undefined>;
  /**
   * Newest first. `job` keeps one kind: a job's runs (`users`, `documents`), or `null` for the
   * connector's main sync only (so many imports never push the last sync out of a status page).
   */
  listRuns(
    tenantId: string,
    connector: ConnectorName,
    limit: number,
    options?: { job?: RunRecord['job'] | null },
  ): Promise<RunRecord[]>;
  /** Rule runs (Brevo → Notion), kept apart so a busy webhook day never hides the syncs' runs. */
  putRuleRun(record: RuleRunRecord): Promise<void>;
  getRuleRun(tenantId: string, runId: string): Promise<RuleRunRecord | undefined>;
  /** Newest first. */
  listRuleRuns(tenantId: string, limit: number): Promise<RuleRunRecord[]>;
}

/** One (event, rule) that could not be written: the rule, the contact, the property, the reason. */
export interface RuleRowError {
  rule: string;
  email: string;
  eventId: string;
  pageId?: string;
  property?: string;
  reason: string;
}

/**
 * A property both sides changed: the latest edit won, the other value is kept here. Notion's
 * side is dated by the page's last_edited_time, rounded to the minute (the edit happened within
 * that minute); Brevo's by the event.
 */
export interface RuleConflict {
  rule: string;
  email: string;
  pageId: string;
  property: string;
  winner: 'notion' | 'brevo';
  /** The value the page holds now, and the one that lost. */
  kept: string;
  lost: string;
  brevoAt: string;
  notionEditedAt: string;
  reason: string;
  at: string;
}

/**
 * What one lane message of rule matches did (one webhook delivery, chunked). Notion's rules' today:
 * its counts and conflicts name Notion (`notionRequests`, `winner`), stored as they are (ARCHITECTURE.md).
 */
export interface RuleRunRecord {
  tenantId: string;
  runId: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt?: string;
  /** (event, rule) matches in the message. */
  items: number;
  created: number;
  updated: number;
  /** The page already held the values (or Notion won every conflict). */
  unchanged: number;
  /** `becomes` did not hold on the contact, or the rule left the config. */
  skipped: number;
  /** Already applied by an earlier delivery of the same event. */
  duplicates: number;
  failed: number;
  /** The first errors and conflicts are kept; beyond those they are only counted. */
  errors: RuleRowError[];
  errorsTruncated: number;
  conflicts: RuleConflict[];
  conflictsTruncated: number;
  notionRequests: number;
  brevoRequests: number;
  /** The message-level reason, one line, when status is failed. */
  error?: string;
}
