/**
 * The ports the core talks to. The core never imports an AWS client or Lambda type: adapters in
 * adapters/aws (DynamoDB, SQS, Secrets Manager, Scheduler) and adapters/local implement these.
 */

import type { QueueName, ScheduleName } from '../../app/topology';
import type { NotionConnectorConfig, SlackConnectorConfig } from '../config/schema';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Tokens live here (Secrets Manager in AWS, an encrypted file locally); records keep only refs. */
export interface SecretStore {
  /** Creates or replaces the secret `name`; returns the reference to keep. */
  put(name: string, value: string, tags: Record<string, string>): Promise<string>;
  /**
   * The secret's value. Stores may cache values for a few minutes; `fresh` reads past any cache
   * (an OAuth refresher must see a token another process rolled a moment ago).
   */
  get(ref: string, options?: { fresh?: boolean }): Promise<string>;
  delete(ref: string): Promise<void>;
}

export type ConnectorName = 'notion' | 'slack';

export interface TenantRecord {
  tenantId: string;
  /** sha256 of the management API key (the key itself is shown once, never stored). */
  apiKeyHash: string;
  /** sha256 of the bearer token Brevo's webhooks carry for this tenant (Brevo does not sign them). */
  webhookTokenHash?: string;
  createdAt: string;
  /**
   * The tenant's Brevo API key, one per tenant and shared by its connections: a secret-store
   * reference (PUT /tenants/{tenantId}/brevo), set once the key was checked against the account.
   */
  brevoApiKeyRef?: string;
  /** What GET /v3/account said when the key was stored, and the key's name in Brevo (never the key). */
  brevoAccount?: BrevoAccountInfo;
}

export interface BrevoAccountInfo {
  email?: string;
  companyName?: string;
  /** The key's name in Brevo (its webhooks carry it: contact changes our own writes made are not notified). */
  keyName?: string;
  checkedAt: string;
}

export interface TenantStore {
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  putTenant(record: TenantRecord): Promise<void>;
}

/** Ops' side of the tenant store: a tenant id is taken once. */
export interface TenantRegistry extends TenantStore {
  /** Writes a new tenant; false (and nothing written) when the id is already taken. */
  createTenant(record: TenantRecord): Promise<boolean>;
}

/** A Slack connection's settings: the config without its secrets, plus what auth.test told us. */
export type SlackSettings = Omit<SlackConnectorConfig, 'bot_token' | 'signing_secret'> & {
  teamId: string;
  /** Names of the Brevo API keys this service writes with: their webhook echoes are not notified. */
  ownApiKeyNames?: string[];
  /** Enterprise Grid: the org (auth.test `enterprise_id`), and whether the app is installed org-wide. */
  enterpriseId?: string;
  enterpriseInstall?: boolean;
};

export interface ConnectionSettings {
  notion: Omit<NotionConnectorConfig, 'token'> & {
    /** Names of the Brevo API keys this service writes with: their webhook echoes match no rule. */
    ownApiKeyNames?: string[];
  };
  slack: SlackSettings;
}

/** What a Notion OAuth install told us (the token response; never a token). */
export interface NotionOAuthInstall {
  workspaceId: string;
  workspaceName?: string;
  botId: string;
  /** Who installed it: a user (id, name) or the workspace itself. */
  owner: { type: 'user'; userId: string; name?: string } | { type: 'workspace' };
  duplicatedTemplateId?: string;
  installedAt: string;
}

/** What a Slack OAuth v2 install told us (oauth.v2.access and auth.test; never a token). */
export interface SlackOAuthInstall {
  appId: string;
  botUserId: string;
  botId?: string;
  scopes: string[];
  teamName?: string;
  enterpriseName?: string;
  /** The Slack user who installed the app. */
  installerUserId?: string;
  /** Token rotation is on: the bot token expires (12 h) and is refreshed ahead of time. */
  tokenRotation: boolean;
  installedAt: string;
}

export interface ConnectionOAuth {
  notion: NotionOAuthInstall;
  slack: SlackOAuthInstall;
}

/**
 * Who a connection's token belongs to, as the provider answered when it was connected (Notion
 * users/me, Slack auth.test): shown by status and the connection list. Never a token.
 */
export interface ConnectionWorkspace {
  /** Notion workspace id (when the API tells it), Slack team id. */
  id?: string;
  name?: string;
  /** Notion: the integration's bot user; Slack: the bot id (B…) and its user (U…). */
  botId?: string;
  botUserId?: string;
  /** Slack: the token's OAuth scopes (X-OAuth-Scopes). */
  scopes?: string[];
}

/**
 * A provider the connection needs did not answer when last checked (the local stack's start): the
 * connection is kept, webhooks are still accepted and queued, and status says why. Absent: healthy.
 */
export interface ConnectionHealth {
  state: 'degraded';
  /** One line: which provider, where, and what happened (never a token). */
  reason: string;
  checkedAt: string;
  providers: ('notion' | 'slack' | 'brevo')[];
}

export interface ConnectionRecord<C extends ConnectorName = 'notion'> {
  tenantId: string;
  connector: C;
  /** The connector's config with its secrets removed (they are in the secret store). */
  settings: ConnectionSettings[C];
  /**
   * The token's secret. A token connection's secret is the token itself; an OAuth connection's
   * (`oauth` set) is its grant (access and refresh token, expiry, version: core/tenancy/oauth-tokens.ts).
   */
  tokenRef: string;
  /** Set when the connection was made by an OAuth install. */
  oauth?: ConnectionOAuth[C];
  /** Slack: the app's signing secret, when the tenant has its own app. */
  signingSecretRef?: string;
  brevoApiKeyRef: string;
  /** A non-reversible id of the token: the lane's message group and the pacer key. */
  integrationKey: string;
  /** Who the token belongs to (absent for connections made before it was recorded). */
  workspace?: ConnectionWorkspace;
  /** Set while a provider it needs is down (see ConnectionHealth); cleared when it answers again. */
  health?: ConnectionHealth;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionStore {
  getConnection<C extends ConnectorName>(tenantId: string, connector: C): Promise<ConnectionRecord<C> | undefined>;
  putConnection<C extends ConnectorName>(record: ConnectionRecord<C>): Promise<void>;
  deleteConnection(tenantId: string, connector: ConnectorName): Promise<void>;
  /** All connections of a connector across tenants (the poller's safety sweep). */
  listConnections<C extends ConnectorName>(connector: C): Promise<ConnectionRecord<C>[]>;
}

/**
 * A pending OAuth install: created when a tenant admin asks for an authorize URL, consumed (once)
 * by the provider's redirect to the callback. Keyed by the tenant and a hash of the state, never
 * the state itself.
 */
export interface OAuthStateRecord {
  tenantId: string;
  connector: ConnectorName;
  /** sha256 (hex) of the state sent to the provider. */
  stateHash: string;
  /** The redirect_uri of the authorize URL: the token exchange must send the same one. */
  redirectUri: string;
  createdAt: string;
  /** After this instant the state is refused (10 minutes, like Slack's codes). */
  expiresAt: string;
  /**
   * A first connection's settings: the connector's config without its secrets (Slack: without the
   * workspace, which the install tells). Absent: the existing connection's settings are kept.
   */
  settings?: Record<string, unknown>;
  /** A first connection's Brevo key, already in the secret store. */
  brevoApiKeyRef?: string;
}

/** What using a state found: the pending install (now used), a state used before, or none. */
export type OAuthStateTake =
  | { outcome: 'taken'; record: OAuthStateRecord }
  | { outcome: 'used'; usedAt: string }
  | { outcome: 'unknown' };

export interface OAuthStateStore {
  putOAuthState(record: OAuthStateRecord): Promise<void>;
  /**
   * Marks the state used and returns what it held. Atomic: of two redirects carrying one state,
   * exactly one gets `taken`; the other (and any replay) gets `used`.
   */
  takeOAuthState(tenantId: string, stateHash: string, usedAt: string): Promise<OAuthStateTake>;
}

/**
 * Which Slack installation a request comes from: a workspace (`teamId`), or an Enterprise Grid org
 * when the app is installed org-wide (`isEnterpriseInstall`, `enterpriseId`), where one install
 * covers every workspace of the org.
 */
export type SlackTeamRef =
  | { isEnterpriseInstall: false; teamId: string; enterpriseId?: string }
  | { isEnterpriseInstall: true; enterpriseId: string; teamId?: string };

/** The key an installation is known by: the org for org-wide installs, else the workspace. */
export function slackTeamKey(ref: SlackTeamRef): string {
  return ref.isEnterpriseInstall ? `E:${ref.enterpriseId}` : `W:${ref.teamId}`;
}

/** A Slack installation (team or org) and the one tenant it belongs to. */
export type SlackTeamRecord = SlackTeamRef & { tenantId: string; createdAt: string };

/**
 * Team → tenant, for the deployment's distributed Slack app: its requests carry no tenant, only the
 * Slack team, so the team is mapped to the tenant that connected it. A team belongs to exactly one
 * tenant.
 */
export interface SlackTeamStore {
  /**
   * Records that the team belongs to the tenant (again, for the same tenant, is a no-op). Throws
   * SlackTeamClaimedError when another tenant holds it.
   */
  claimSlackTeam(record: SlackTeamRecord): Promise<void>;
  /** The tenant a team's requests belong to (strongly consistent: a fresh connection works at once). */
  findSlackTeam(ref: SlackTeamRef): Promise<SlackTeamRecord | undefined>;
  /** Forgets the team, only if this tenant holds it (disconnect); another tenant's claim is kept. */
  releaseSlackTeam(tenantId: string, ref: SlackTeamRef): Promise<void>;
  /** The teams a tenant holds (disconnect finds them here). */
  listSlackTeams(tenantId: string): Promise<SlackTeamRecord[]>;
}

/** Slack thread parents: related notifications (same contact, same campaign) go into one thread. */
export interface ThreadStore {
  getThread(tenantId: string, channelId: string, threadKey: string): Promise<string | undefined>;
  putThread(tenantId: string, channelId: string, threadKey: string, ts: string): Promise<void>;
  /** Whether an event was already posted to a channel (a redelivered lane message). */
  wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean>;
  markPosted(tenantId: string, channelId: string, eventId: string): Promise<void>;
}

/**
 * Single Slack notifications accepted for a channel and not posted yet. The Slack worker reads what
 * is waiting for the channel (not what a queue batch happens to hold): a burst becomes one digest.
 */
export interface SlackPendingStore {
  /** `event` is the notification event as JSON (its raw payload left out). */
  addPendingPost(
    tenantId: string,
    channelId: string,
    eventId: string,
    event: string,
    ttlSeconds: number,
  ): Promise<void>;
  listPendingPosts(tenantId: string, channelId: string, limit: number): Promise<{ eventId: string; event: string }[]>;
  removePendingPosts(tenantId: string, channelId: string, eventIds: string[]): Promise<void>;
}

/** One Slack post (a notification or a digest) the Slack lane made or gave up on. */
export interface SlackDelivery {
  at: string;
  channelId: string;
  /** The event type, or 'digest' for a burst posted as one message. */
  eventType: string;
  /** Events the post carried (1, or a digest's count). */
  events: number;
  status: 'posted' | 'failed';
  /** A failure's one-line reason (Slack's refusal). */
  reason?: string;
}

/** A tenant's Slack notification deliveries: running totals and the last few, for status. */
export interface SlackDeliverySummary {
  /** Posts made and refused since the first one recorded. */
  posted: number;
  failed: number;
  since: string;
  /** The last successful post. */
  lastPosted: SlackDelivery | null;
  /** The last deliveries, newest first (SLACK_RECENT_DELIVERIES at most). */
  recent: SlackDelivery[];
}

export const SLACK_RECENT_DELIVERIES = 5;

export interface SlackDeliveryStore {
  recordSlackDelivery(tenantId: string, delivery: SlackDelivery): Promise<void>;
  getSlackDeliveries(tenantId: string): Promise<SlackDeliverySummary | undefined>;
}

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
  notionRequests: number;
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
  /** Brevo → Notion rule runs, kept apart so a busy webhook day never hides the syncs' runs. */
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

/** What one lane message of Brevo → Notion rule matches did (one webhook delivery, chunked). */
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

/**
 * What this service last wrote to a page through a rule. The Notion → Brevo sync reads these to
 * recognise its own echo (same last_edited_time, same stored values); the rules read them to tell
 * a person's edit from ours and to order Brevo changes.
 */
export interface NotionPageWrite {
  tenantId: string;
  /** The rule's database id, without dashes, lower case. */
  databaseId: string;
  pageId: string;
  /** The page's last_edited_time as our write left it (Notion rounds it to the minute). */
  lastEditedTime: string;
  /** storedPropertiesHash of the page as our write left it. */
  propertiesHash: string;
  /** The integration's bot user (last_edited_by of our write). */
  botId?: string;
  /**
   * The latest last_edited_time known to be someone else's edit: the page's stamp before our
   * write, carried over while the page stays as we left it. A value we did not write dates from then.
   */
  othersEditedAt?: string;
  /** Per property: the value we wrote (canonical form) and the Brevo time of the change it carried. */
  values: Record<string, { value: string; at: string }>;
  rule: string;
  writtenAt: string;
}

export interface NotionPageWriteStore {
  getPageWrite(tenantId: string, databaseId: string, pageId: string): Promise<NotionPageWrite | undefined>;
  putPageWrite(record: NotionPageWrite): Promise<void>;
  /** Every page write recorded for one database (the sync's echo check loads them once per step). */
  listPageWrites(tenantId: string, databaseId: string): Promise<NotionPageWrite[]>;
}

export interface LaneMessage {
  body: string;
  /** The integration: one message group runs at a time (FIFO lanes; ignored by standard queues). */
  groupId: string;
  deduplicationId: string;
  /** Standard queues only (FIFO queues cannot delay one message): held back this long, ≤ 900 s. */
  delaySeconds?: number;
}

export interface LaneQueue {
  send(queue: QueueName, messages: LaneMessage[]): Promise<void>;
}

/**
 * Per-connection recurring schedules (EventBridge Scheduler in AWS, timers locally). `schedule` names
 * the topology entry, which says the cadence, the flexible window and the target.
 */
export interface ScheduleManager {
  /** Creates or updates one connection's schedule; `timezone` (IANA) places daily cadences. */
  ensure(schedule: ScheduleName, name: string, input: unknown, options?: { timezone?: string }): Promise<void>;
  remove(schedule: ScheduleName, name: string): Promise<void>;
  /**
   * When the schedule fires next (epoch ms), for the managers that know it (the local scheduler);
   * EventBridge Scheduler does not say, so status computes it from the cadence instead.
   */
  nextRunAt?(schedule: ScheduleName, name: string): Promise<number | undefined>;
}

/**
 * Orders seen per contact: an abandoned cart is notified only if its contact has not ordered since
 * it was abandoned (the check runs when the cart's delay is over).
 */
export interface OrderLedger {
  recordOrder(tenantId: string, email: string, at: string): Promise<void>;
  /** The latest order time recorded for the contact, if any. */
  lastOrderAt(tenantId: string, email: string): Promise<string | undefined>;
}

/**
 * Notion webhook subscription state per tenant. The tokens themselves are in the secret store;
 * this record keeps their refs and a hint the admin can recognise (never the token).
 */
export interface NotionWebhookRecord {
  tenantId: string;
  /** The token Notion sent in its handshake, not yet seen signing an event. */
  pendingRef?: string;
  pendingAt?: string;
  pendingHint?: string;
  /**
   * When the tenant's admin fetched the pending token (to paste it into Notion). Anyone can send a
   * handshake, so a pending token becomes the active one only once fetched and then seen signing
   * an event: a stranger's handshake and self-signed event never replace the tenant's token.
   */
  pendingRevealedAt?: string;
  /** The token that signed a valid event: the subscription is active. */
  confirmedRef?: string;
  confirmedAt?: string;
  confirmedHint?: string;
}

/** A page a Notion webhook said changed, waiting for the lane worker to fetch it. */
export interface PendingNotionPage {
  pageId: string;
  /** Event types seen since the page was last fetched (page.created, page.properties_updated...). */
  types: string[];
  /** Property ids from page.properties_updated. */
  propertyIds: string[];
  /** Author user ids of the events. */
  authors: string[];
  /** The parent data source or database the event named (routing to the database sync). */
  parentId?: string;
  /** Bumped by every event: the worker deletes the entry only if no event came in meanwhile. */
  version: number;
}

export interface NotionWebhookStore {
  getNotionWebhook(tenantId: string): Promise<NotionWebhookRecord | undefined>;
  putNotionWebhook(record: NotionWebhookRecord): Promise<void>;
  /** Forgets the subscription state (disconnect; its token secrets are deleted by the caller). */
  deleteNotionWebhook(tenantId: string): Promise<void>;
  /** Merges one event into the page's pending entry (created when missing). */
  addPendingPage(tenantId: string, entry: Omit<PendingNotionPage, 'version'>, ttlSeconds: number): Promise<void>;
  /** Up to `limit` pending pages of the tenant. */
  listPendingPages(tenantId: string, limit: number): Promise<PendingNotionPage[]>;
  /** Drops entries that are still at the version read (a newer event keeps its entry). */
  removePendingPages(tenantId: string, entries: Pick<PendingNotionPage, 'pageId' | 'version'>[]): Promise<void>;
}

/**
 * Once-only markers with an expiry (webhook event ids, page events sent). `claim` is atomic: it
 * returns true for exactly one caller per key until the marker expires or is released.
 */
export interface MarkerStore {
  claimMarker(tenantId: string, key: string, ttlSeconds: number): Promise<boolean>;
  hasMarker(tenantId: string, key: string): Promise<boolean>;
  releaseMarker(tenantId: string, key: string): Promise<void>;
}

/**
 * Calls to a provider's hourly-limited endpoints (Brevo's "all other endpoints": 100 an hour per
 * account), counted per tenant across every invocation: one atomic counter per tenant, bucket and
 * window. Callers reserve calls before making them.
 */
export interface CallBudgetStore {
  /**
   * Takes `n` calls of the `window` (an id such as the hour's ISO start) if `used + n <= limit` and
   * the bucket is not blocked at `now`. A new window starts from zero. Returns whether the calls
   * were granted, the window's count and the block, if any.
   */
  takeCalls(
    tenantId: string,
    bucket: string,
    args: { window: string; n: number; limit: number; now: number; ttlSeconds: number },
  ): Promise<{ granted: boolean; used: number; blockedUntil?: number }>;
  /** Refuses the bucket's calls until `until` (epoch ms): the provider answered 429. */
  blockCalls(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void>;
}
