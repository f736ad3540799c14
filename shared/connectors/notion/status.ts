/**
 * The status of a Notion connection (`tajo connectors status notion`, GET .../connections/notion/
 * status): the databases and what the sync tracks of each, the last runs (sync, users, publishing)
 * and their errors, the rules, the webhook subscription and the document library, the next poll.
 */

import {
  type ConnectionHealthView,
  describeCadence,
  healthOf,
  type LastErrors,
  type LastSync,
  lastErrorsOf,
  lastFinishedAt,
  lastSyncOf,
  type NextRun,
  nextRun,
  type RecentRun,
  recentRun,
  type StatusDeps,
  withoutCheckpoint,
} from '../../core/connection-status';
import type {
  ConnectionRecord,
  ConnectionWorkspace,
  CursorStore,
  RuleConflict,
  RuleRowError,
  RuleRunRecord,
  RunRecord,
} from '../../core/ports';
import type { NotionConnectorConfig } from './config-schema';
import { databaseMapping, type MappingSource } from './mapping/database-mapping';
import { notionReadOnly } from './read-only';
import { notionPollSchedule } from './schedule';
import { databaseCacheKey } from './sync/checkpoint';
import { isResumable, ownerAlive, type ResumedFrom } from './sync/database-sync';
import { pageEventIssues } from './sync/page-changes';
import { unconfiguredDatabases } from './sync/unconfigured-databases';
import { usersSourceId } from './users-sync';
import { type NotionWebhookView, notionWebhookView } from './webhooks';

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
    /** Which field mapping the database uses: its own, the connector's (config/mapping.ts)... */
    mapping: MappingSource;
    /**
     * Not in connectors.notion.databases: a sync given its databaseId and a targetList read it with
     * the default mapping. It is synced when asked again, not on the schedule.
     */
    outsideConfig?: true;
  }[];
  /**
   * Databases whose rows the sync has written to Brevo as contacts (rows kept or a high-water mark),
   * those of the config and those a scoped sync read outside it; publish-only ones are not counted.
   */
  databasesSynced: number;
  /** Rows of every database counted in databasesSynced whose contact the sync keeps (their fingerprints). */
  pagesTracked: number;
  /**
   * Workspace members the users sync keeps as contacts (its fingerprints). 0 when none are kept,
   * never synced included: lastUsersRun null says it never ran (Slack's status reads the same way).
   */
  usersCount: number;
  /** When the last database or users sync finished (succeeded or failed; ISO), null before any did. */
  lastSync: string | null;
  /** The last database sync run (id, status, mode, trigger, times), null before any. */
  lastSyncRun: LastSync | null;
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
  const databases: NotionStatus['databases'] = await Promise.all(
    (settings?.databases ?? []).map(async (d, i) => {
      const { title: _title, ...rows } = await trackedRows(deps.cursors, tenantId, d.id);
      return {
        id: d.id,
        name: d.name,
        list: d.sync_to_list,
        mapping: databaseMapping(settings ?? {}, d, i).source,
        ...(d.publish
          ? { publish: { when: `${d.publish.when.property} = ${d.publish.when.equals}`, list: d.publish.list } }
          : {}),
        ...rows,
      };
    }),
  );
  // Databases a scoped sync read outside the config are listed after them (its targetList, no settings).
  const plain = (id: string) => id.replace(/-/g, '').toLowerCase();
  const configured = new Set(databases.map((d) => plain(d.id)));
  const outside = await Promise.all(
    (await unconfiguredDatabases(deps.cursors, tenantId))
      .filter((d) => !configured.has(plain(d.id)))
      .map(async ({ id, list }) => {
        const { title, ...rows } = await trackedRows(deps.cursors, tenantId, id);
        return {
          id,
          ...(title ? { name: title } : {}),
          ...(list !== undefined ? { list } : {}),
          mapping: 'inferred' as const,
          outsideConfig: true as const,
          ...rows,
        };
      }),
  );
  databases.push(...outside);
  // Counted: databases whose rows become Brevo contacts; a publish-only one turns pages into campaigns.
  const counted = databases.filter((d) => d.mapping !== 'publish-only');
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
    databasesSynced: counted.filter((d) => d.syncedUpTo !== null || d.pagesTracked > 0).length,
    pagesTracked: counted.reduce((n, d) => n + d.pagesTracked, 0),
    usersCount: await keptUsers(deps.cursors, tenantId, connection, usersDone),
    lastSync: lastFinishedAt([...syncs, ...usersRuns]),
    lastSyncRun: last ? lastSyncOf(last) : null,
    lastErrors: last ? lastErrorsOf(last) : null,
    lastRun: withoutCheckpoint(last),
    resume: resumeView(last, deps.clock.now()),
    lastRunResumedFrom: resumedFromOf(last, syncs),
    lastUsersRun: withoutCheckpoint(users),
    lastPublishRun: withoutCheckpoint(publishRuns[0]),
    lastSuccessAt: recent.find((r) => r.status === 'succeeded')?.finishedAt ?? null,
    warnings: settings ? pageEventIssues(settings) : [],
    recentRuns: recent.map(recentRun),
    schedule: describeCadence(notionPollSchedule.spec.cadence),
    nextRun:
      connection && settings?.enabled
        ? await nextRun(deps, notionPollSchedule, tenantId, {
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

/** Where a database stands: its sources (from the sync's resolution cache), tracked rows, high water. */
async function trackedRows(
  cursors: CursorStore,
  tenantId: string,
  databaseId: string,
): Promise<{ sources: number; pagesTracked: number; syncedUpTo: string | null; title?: string }> {
  const cached = await cursors.getCursor(tenantId, 'notion', databaseCacheKey(databaseId));
  const resolved = (cached?.meta as { sources?: { id: string; title?: string }[] } | undefined)?.sources ?? [];
  const sources = resolved.map((s) => s.id);
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
  const title = resolved[0]?.title;
  return { sources: sources.length, pagesTracked, syncedUpTo, ...(title ? { title } : {}) };
}

/**
 * Workspace members kept as contacts: the users sync's fingerprints (keyed by the integration's bot
 * user, users-sync.ts); without the bot's id on the record, the last successful users run's count.
 */
async function keptUsers(
  cursors: CursorStore,
  tenantId: string,
  connection: ConnectionRecord<'notion'> | undefined,
  lastDone: RunRecord | undefined,
): Promise<number> {
  const botId = connection?.workspace?.botId;
  if (botId) return (await cursors.loadFingerprints(tenantId, 'notion', usersSourceId(botId))).size;
  return lastDone ? lastDone.summary.upserted + lastDone.summary.unchanged : 0;
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
