/**
 * The status of a connection as the CLI (--json) and the management API report it: whether it is
 * connected and to which workspace, the last sync and its errors, what the sync tracks (databases,
 * pages, users), recent runs (without their checkpoints) and when the schedule runs next.
 */

import type { NotionConnectorConfig } from '../connectors/notion/config-schema';
import { databaseMapping, type MappingSource } from '../connectors/notion/mapping/database-mapping';
import { notionReadOnly } from '../connectors/notion/read-only';
import { notionScheduleName } from '../connectors/notion/schedule';
import { databaseCacheKey } from '../connectors/notion/sync/checkpoint';
import { isResumable, ownerAlive, type ResumedFrom } from '../connectors/notion/sync/database-sync';
import { pageEventIssues } from '../connectors/notion/sync/page-changes';
import { type NotionWebhookView, notionWebhookView } from '../connectors/notion/webhooks';
import type { SlackConnectorConfig } from '../connectors/slack/config-schema';
import { slackScheduleName, slackTimeZone } from '../connectors/slack/schedule';
import type {
  Clock,
  ConnectionHealth,
  ConnectionRecord,
  ConnectionStore,
  ConnectionWorkspace,
  ConnectorName,
  CursorStore,
  NotionWebhookStore,
  RowError,
  RuleConflict,
  RuleRowError,
  RuleRunRecord,
  RunRecord,
  RunStore,
  ScheduleManager,
  SlackDelivery,
  SlackDeliveryStore,
} from '../core/ports';
import type { ImportedDocumentStore } from '../core/ports/documents';
import { nextDailyAt } from '../core/time/zoned';
import { describeCadence, type ScheduleName, topology } from './topology';

export interface StatusDeps {
  runs: RunStore;
  cursors: CursorStore;
  clock: Clock;
  /** The schedules' manager, when it can tell the next run (the local scheduler); else computed. */
  schedules?: ScheduleManager;
  /** When given, the Notion status adds the webhook subscription and the document library. */
  webhooks?: NotionWebhookStore;
  imported?: ImportedDocumentStore;
  /** When given, the Slack status adds the notifications posted and failed. */
  deliveries?: SlackDeliveryStore;
}

/** The last run of the connector's main job, in a line. */
export interface LastSync {
  runId: string;
  status: RunRecord['status'];
  mode: RunRecord['mode'];
  trigger: RunRecord['trigger'];
  startedAt: string;
  finishedAt: string | null;
}

/** The last run's fatal reason and its first per-row errors. */
export interface LastErrors {
  error: string | null;
  rows: RowError[];
  /** Row errors beyond those listed. */
  more: number;
}

/** An unfinished run and what happens to it next. */
export interface ResumeView {
  runId: string;
  mode: RunRecord['mode'];
  startedAt: string;
  /** failed: a fault it could not get past; stopped: its process died; running: a live process runs it. */
  state: 'failed' | 'stopped' | 'running';
  /** Why it failed (failed only). */
  reason: string | null;
  /** When it failed, or when its process was last heard from. */
  at: string | null;
  /** Records read up to its last checkpoint: what the next sync does not read again. */
  rowsDone: number;
  /** How many times it was resumed already. */
  resumes: number;
}

/** What status says about the last main sync when it is unfinished. */
export function resumeView(run: RunRecord | undefined, now: number): ResumeView | null {
  if (!run || !isResumable(run)) return null;
  const state = run.status === 'failed' ? 'failed' : ownerAlive(run, now) ? 'running' : 'stopped';
  return {
    runId: run.runId,
    mode: run.mode,
    startedAt: run.startedAt,
    state,
    reason: run.status === 'failed' ? (run.error ?? null) : null,
    at: run.status === 'failed' ? (run.finishedAt ?? null) : (run.owner?.heartbeatAt ?? run.progress?.at ?? null),
    rowsDone: run.summary.pagesRead,
    resumes: run.resumes ?? 0,
  };
}

export interface NextRun {
  /** When the schedule is due; the run starts within `windowMinutes` after it (flexible window). */
  at: string;
  windowMinutes: number;
  /** Computed from the cadence and the last scheduled run: EventBridge Scheduler does not say. */
  estimated: boolean;
}

type RecentRun = Pick<RunRecord, 'runId' | 'mode' | 'status' | 'startedAt' | 'error'>;

/**
 * Whether the connection's providers answered when last checked: `degraded` names which is down and
 * why (webhooks are still accepted and queued meanwhile); null without a connection.
 */
export type ConnectionHealthView = { state: 'ok' } | ConnectionHealth;

function healthOf(connection: { health?: ConnectionHealth } | undefined): ConnectionHealthView | null {
  if (!connection) return null;
  return connection.health ?? { state: 'ok' };
}

export interface NotionStatus {
  tenantId: string;
  connector: 'notion';
  /** A connection record exists (made by connect, install or the local stack's config). */
  connected: boolean;
  health: ConnectionHealthView | null;
  configured: boolean;
  enabled: boolean;
  workspace: ConnectionWorkspace | null;
  apiVersion: string | null;
  databases: {
    id: string;
    name?: string;
    list?: string | number;
    /** Data sources the database resolved to at its last sync (0: never synced). */
    sources: number;
    /** Rows whose contact the sync keeps (fingerprints). */
    pagesTracked: number;
    /** The newest edit time the sync has written to Brevo. */
    syncedUpTo: string | null;
    /** Pages entering a state become Brevo campaigns (databases[].publish). */
    publish?: { when: string; list: string | number };
    /** Which field mapping the database uses: its own, the connector's (notion/mapping/database-mapping.ts)... */
    mapping: MappingSource;
  }[];
  databasesSynced: number;
  pagesTracked: number;
  /** Workspace members kept as contacts by the last successful users sync (null: none ran). */
  usersCount: number | null;
  lastSync: LastSync | null;
  lastErrors: LastErrors | null;
  lastRun: Omit<RunRecord, 'checkpoint'> | null;
  /**
   * The last run did not finish (it failed, or its process stopped): the next sync continues it
   * from its checkpoint (`--restart` starts over). `running`: its process is still at it. Null
   * when there is nothing to resume.
   */
  resume: ResumeView | null;
  /**
   * The last run took over an unfinished one's checkpoint (lastRun.resumedFrom): that run as the
   * in-process sync reports it (`resumedFrom` in --json), so a sync followed through the API says so too.
   */
  lastRunResumedFrom: ResumedFrom | null;
  /** The last workspace users sync (sync.users, tajo connectors sync notion-users), when one ran. */
  lastUsersRun: Omit<RunRecord, 'checkpoint'> | null;
  /**
   * The last publishing pass that had work (pages → Brevo campaigns): each campaign's page, id and
   * status, what waits for Brevo's hourly budget, what failed.
   */
  lastPublishRun: Omit<RunRecord, 'checkpoint'> | null;
  lastSuccessAt: string | null;
  recentRuns: RecentRun[];
  schedule: string;
  /** Brevo → Notion rules: what is configured, what recent deliveries did, conflicts and row errors. */
  rules: {
    configured: { name: string; event: string; database: string; action: string }[];
    recentRuns: Omit<RuleRunRecord, 'tenantId' | 'errors' | 'conflicts'>[];
    /** Newest first: the losing side's value of each conflict. */
    conflicts: RuleConflict[];
    errors: RuleRowError[];
  };
  /** The connection never writes to Notion (connectors.notion.read_only, or its default). */
  readOnly: boolean | null;
  nextRun: NextRun | null;
  /** The webhook subscription: state and token hints, never a token (the webhook route shows that). */
  webhook?: NotionWebhookView;
  /** The document library: imported pages, and the last import or re-sync. */
  documents?: { count: number; lastRun: Omit<RunRecord, 'checkpoint'> | null };
  /** Switches on that cannot do what they say with this config (e.g. sync.pages without a synced database). */
  warnings: string[];
}

/** Rule runs read for the status: their conflicts and errors, newest first, are cut to RULE_ITEMS_SHOWN. */
const RULE_RUNS_READ = 10;
const RULE_ITEMS_SHOWN = 20;

export async function notionStatus(
  deps: StatusDeps,
  tenantId: string,
  settings: Omit<NotionConnectorConfig, 'token'> | undefined,
  connection?: ConnectionRecord<'notion'>,
): Promise<NotionStatus> {
  // Other jobs (users, documents) share the connector's run records: each kind is read apart, so
  // the database sync's last run and history stay what they were however many imports ran.
  const [syncs, usersRuns, documentsRuns, publishRuns, ruleRuns] = await Promise.all([
    deps.runs.listRuns(tenantId, 'notion', 20, { job: null }),
    deps.runs.listRuns(tenantId, 'notion', 5, { job: 'users' }),
    deps.runs.listRuns(tenantId, 'notion', 1, { job: 'documents' }),
    deps.runs.listRuns(tenantId, 'notion', 1, { job: 'publish' }),
    deps.runs.listRuleRuns(tenantId, RULE_RUNS_READ),
  ]);
  const recent = syncs.slice(0, 5);
  const last = recent[0];
  const users = usersRuns[0];
  const usersDone = usersRuns.find((r) => r.status === 'succeeded');
  const webhook = deps.webhooks
    ? await notionWebhookView({ webhooks: deps.webhooks }, tenantId, { withToken: false })
    : undefined;
  const documents = deps.imported
    ? {
        count: (await deps.imported.listImportedDocuments(tenantId)).length,
        lastRun: withoutCheckpoint(documentsRuns[0]),
      }
    : undefined;
  const databases = await Promise.all(
    (settings?.databases ?? []).map(async (d, i) => ({
      id: d.id,
      name: d.name,
      list: d.sync_to_list,
      mapping: databaseMapping(settings ?? {}, d, i).source,
      ...(d.publish
        ? { publish: { when: `${d.publish.when.property} = ${d.publish.when.equals}`, list: d.publish.list } }
        : {}),
      ...(await trackedRows(deps.cursors, tenantId, d.id)),
    })),
  );
  const lastScheduled = syncs.find((r) => r.trigger === 'schedule');
  return {
    tenantId,
    connector: 'notion',
    connected: connection !== undefined,
    health: healthOf(connection),
    configured: settings !== undefined,
    enabled: settings?.enabled ?? false,
    workspace: connection?.workspace ?? null,
    apiVersion: settings?.api_version ?? null,
    databases,
    databasesSynced: databases.filter((d) => d.syncedUpTo !== null || d.pagesTracked > 0).length,
    pagesTracked: databases.reduce((n, d) => n + d.pagesTracked, 0),
    usersCount: usersDone ? usersDone.summary.upserted + usersDone.summary.unchanged : null,
    lastSync: last ? lastSyncOf(last) : null,
    lastErrors: last ? lastErrorsOf(last) : null,
    lastRun: withoutCheckpoint(last),
    resume: resumeView(last, deps.clock.now()),
    lastRunResumedFrom: resumedFromOf(last, syncs),
    lastUsersRun: withoutCheckpoint(users),
    lastPublishRun: withoutCheckpoint(publishRuns[0]),
    lastSuccessAt: recent.find((r) => r.status === 'succeeded')?.finishedAt ?? null,
    warnings: settings ? pageEventIssues(settings) : [],
    recentRuns: recent.map(recentRun),
    schedule: describeCadence(topology.schedules.notionPoll.cadence),
    nextRun:
      connection && settings?.enabled
        ? await nextRun(deps, 'notionPoll', notionScheduleName(tenantId), {
            anchor: lastScheduled?.startedAt ?? connection.updatedAt,
          })
        : null,
    rules: {
      configured: (settings?.rules ?? []).map((r) => ({
        name: r.name,
        event: r.when.event,
        database: r.database,
        action: r.action,
      })),
      recentRuns: ruleRuns.map(({ tenantId: _t, errors: _e, conflicts: _c, ...rest }) => rest),
      conflicts: ruleRuns.flatMap((r) => [...r.conflicts].reverse()).slice(0, RULE_ITEMS_SHOWN),
      errors: ruleRuns.flatMap((r) => [...r.errors].reverse()).slice(0, RULE_ITEMS_SHOWN),
    },
    readOnly: settings ? notionReadOnly(settings) : null,
    ...(webhook ? { webhook } : {}),
    ...(documents ? { documents } : {}),
  };
}

export interface SlackStatus {
  tenantId: string;
  connector: 'slack';
  connected: boolean;
  health: ConnectionHealthView | null;
  configured: boolean;
  enabled: boolean;
  workspace: ConnectionWorkspace | null;
  channels: number;
  /** Event types with a notification route. */
  notifications: string[];
  /** The member sync: in the daily job, or by hand only, or not configured. */
  usersSync: 'daily' | 'off' | 'not configured';
  /** Members kept as contacts by the last successful member sync (null: none ran). */
  usersCount: number | null;
  lastSync: LastSync | null;
  lastErrors: LastErrors | null;
  /** The last member sync with its counts (the same summary as `sync slack-users --json`). */
  lastRun: Omit<RunRecord, 'checkpoint'> | null;
  recentRuns: RecentRun[];
  schedule: string;
  timezone: string;
  nextRun: NextRun | null;
  /** Notifications the Slack lane posted or gave up on (null: none yet). */
  deliveries: SlackDeliveriesView | null;
}

/** A delivery with its channel's configured name (connectors.slack.channels), when it has one. */
export type SlackDeliveryView = SlackDelivery & { channelName?: string };

export interface SlackDeliveriesView {
  posted: number;
  failed: number;
  since: string;
  lastPosted: SlackDeliveryView | null;
  /** Newest first. */
  recent: SlackDeliveryView[];
}

async function slackDeliveriesView(
  deps: StatusDeps,
  tenantId: string,
  channels: Record<string, string>,
): Promise<SlackDeliveriesView | null> {
  const summary = await deps.deliveries?.getSlackDeliveries(tenantId);
  if (!summary) return null;
  const names = new Map(Object.entries(channels).map(([name, id]) => [id, name]));
  const named = (d: SlackDelivery): SlackDeliveryView => {
    const channelName = names.get(d.channelId);
    return channelName ? { ...d, channelName } : d;
  };
  return {
    posted: summary.posted,
    failed: summary.failed,
    since: summary.since,
    lastPosted: summary.lastPosted ? named(summary.lastPosted) : null,
    recent: summary.recent.map(named),
  };
}

export async function slackStatus(
  deps: StatusDeps,
  tenantId: string,
  settings: Omit<SlackConnectorConfig, 'bot_token' | 'signing_secret'> | undefined,
  connection?: ConnectionRecord<'slack'>,
): Promise<SlackStatus> {
  const runs = (await deps.runs.listRuns(tenantId, 'slack', 5)).slice(0, 5);
  const last = runs[0];
  const done = runs.find((r) => r.status === 'succeeded');
  const timezone = settings ? slackTimeZone(settings) : 'UTC';
  return {
    tenantId,
    connector: 'slack',
    connected: connection !== undefined,
    health: healthOf(connection),
    configured: settings !== undefined,
    enabled: settings?.enabled ?? false,
    // A connection stored while Slack could not check its token has no team yet.
    workspace: connection?.workspace ?? (connection?.settings.teamId ? { id: connection.settings.teamId } : null),
    channels: Object.keys(settings?.channels ?? {}).length,
    notifications: Object.keys(settings?.notifications ?? {}),
    usersSync: settings?.users ? settings.users.schedule : 'not configured',
    usersCount: done ? done.summary.upserted + done.summary.unchanged : null,
    lastSync: last ? lastSyncOf(last) : null,
    lastErrors: last ? lastErrorsOf(last) : null,
    lastRun: withoutCheckpoint(last),
    recentRuns: runs.map(recentRun),
    schedule: describeCadence(topology.schedules.slackDaily.cadence),
    timezone,
    nextRun:
      connection && settings?.enabled
        ? await nextRun(deps, 'slackDaily', slackScheduleName(tenantId), { timezone })
        : null,
    deliveries: await slackDeliveriesView(deps, tenantId, settings?.channels ?? {}),
  };
}

/** Status of a tenant's stored connection, either connector (connected: false when there is none). */
export async function connectorStatus(
  deps: StatusDeps & { connections: ConnectionStore },
  tenantId: string,
  connector: ConnectorName,
): Promise<NotionStatus | SlackStatus> {
  return statusOf[connector](deps, tenantId);
}

/** Each connection's status fields, by connector. */
const statusOf: {
  [C in ConnectorName]: (
    deps: StatusDeps & { connections: ConnectionStore },
    tenantId: string,
  ) => Promise<NotionStatus | SlackStatus>;
} = {
  notion: async (deps, tenantId) => {
    const conn = await deps.connections.getConnection(tenantId, 'notion');
    return notionStatus(deps, tenantId, conn?.settings, conn);
  },
  slack: async (deps, tenantId) => {
    const conn = await deps.connections.getConnection(tenantId, 'slack');
    return slackStatus(deps, tenantId, conn?.settings, conn);
  },
};

/** Where a database stands: its sources (from the sync's resolution cache), tracked rows, high water. */
async function trackedRows(
  cursors: CursorStore,
  tenantId: string,
  databaseId: string,
): Promise<{ sources: number; pagesTracked: number; syncedUpTo: string | null }> {
  const cached = await cursors.getCursor(tenantId, 'notion', databaseCacheKey(databaseId));
  const sources = ((cached?.meta as { sources?: { id: string }[] } | undefined)?.sources ?? []).map((s) => s.id);
  let pagesTracked = 0;
  let syncedUpTo: string | null = null;
  for (const sourceId of sources) {
    const [rows, cursor] = await Promise.all([
      cursors.loadFingerprints(tenantId, 'notion', sourceId),
      cursors.getCursor(tenantId, 'notion', sourceId),
    ]);
    pagesTracked += rows.size;
    if (cursor?.highWater && (syncedUpTo === null || cursor.highWater > syncedUpTo)) syncedUpTo = cursor.highWater;
  }
  return { sources: sources.length, pagesTracked, syncedUpTo };
}

/**
 * When a connection's schedule fires next: from the schedule manager when it knows, else from the
 * cadence. A rate repeats from when the schedule was made, so the last scheduled run (or, before
 * one, the connection's last update, when the schedule was written) anchors it.
 */
async function nextRun(
  deps: StatusDeps,
  schedule: ScheduleName,
  name: string,
  basis: { anchor?: string; timezone?: string },
): Promise<NextRun> {
  const spec = topology.schedules[schedule];
  const windowMinutes = spec.flexibleWindowMinutes;
  const known = await deps.schedules?.nextRunAt?.(schedule, name);
  if (known !== undefined) return { at: new Date(known).toISOString(), windowMinutes, estimated: false };
  const now = deps.clock.now();
  if ('dailyAt' in spec.cadence) {
    const at = nextDailyAt(now, spec.cadence.dailyAt, basis.timezone ?? 'UTC');
    return { at: new Date(at).toISOString(), windowMinutes, estimated: false };
  }
  const period = spec.cadence.everyHours * 3_600_000;
  const anchor = basis.anchor ? Date.parse(basis.anchor) : now;
  const periods = Math.max(1, Math.ceil((now - anchor) / period));
  return { at: new Date(anchor + periods * period).toISOString(), windowMinutes, estimated: true };
}

function lastSyncOf(run: RunRecord): LastSync {
  return {
    runId: run.runId,
    status: run.status,
    mode: run.mode,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
  };
}

const LISTED_ROW_ERRORS = 20;

function lastErrorsOf(run: RunRecord): LastErrors {
  const rows = run.summary.errors;
  return {
    error: run.error ?? null,
    rows: rows.slice(0, LISTED_ROW_ERRORS),
    more: Math.max(0, rows.length - LISTED_ROW_ERRORS) + (run.summary.errorsTruncated ?? 0),
  };
}

function withoutCheckpoint(run: RunRecord | undefined): Omit<RunRecord, 'checkpoint'> | null {
  if (!run) return null;
  const { checkpoint: _checkpoint, ...rest } = run;
  return rest;
}

/**
 * The run `run` resumed, read back from its closed record: its error is "<reason>; resumed as run
 * …" when it had failed, "resumed as run …" alone when its process had died (it was running).
 */
function resumedFromOf(run: RunRecord | undefined, runs: RunRecord[]): ResumedFrom | null {
  if (!run?.resumedFrom) return null;
  const dead = runs.find((r) => r.runId === run.resumedFrom);
  if (!dead) return null;
  const reason = dead.error?.replace(/;? ?resumed as run \S+$/, '') || undefined;
  return {
    runId: dead.runId,
    mode: dead.mode,
    startedAt: dead.startedAt,
    rowsDone: dead.summary.pagesRead,
    was: reason ? 'failed' : 'running',
    ...(reason ? { reason } : {}),
  };
}

function recentRun(r: RunRecord): RecentRun {
  return { runId: r.runId, mode: r.mode, status: r.status, startedAt: r.startedAt, error: r.error };
}
