/**
 * What every Notion lane job is given: the connection, its message, the invocation's deadline, and
 * a sync context with the connection's tokens, built once here for all message types.
 */
import { hostname } from 'node:os';
import { BREVO_OTHER_PER_HOUR } from '../../../core/brevo/limits';
import { readEnv } from '../../../core/env';
import type { ConnectionRecord, RunOwner, RunRecord } from '../../../core/ports';
import { HourlyCallBudget } from '../../../core/ratelimit/call-budget';
import { readAccessToken } from '../../../core/tenancy/oauth-tokens';
import { NOTION_INTERVAL_MS } from '../client';
import { buildNotionContext, notionPacerDrainMs } from '../context';
import type { NotionLaneDeps } from '../lane/deps';
import type { NotionLaneMessage } from '../lane/messages';
import { watchPublishing } from '../publish/detect';
import { hasPublishing, type PublishDeps } from '../publish/publish';
import { narrowSettings, type RunScope } from '../sync/scope';
import { type NotionSyncContext, type SyncOptions, syncTuningFromEnv } from '../sync/sync-context';

export type NotionJobType = NotionLaneMessage['type'];
/** The lane message of one type. */
export type LaneMessageOf<T extends NotionJobType> = Extract<NotionLaneMessage, { type: T }>;

export interface NotionJob<M extends NotionLaneMessage = NotionLaneMessage> {
  deps: NotionLaneDeps;
  conn: ConnectionRecord;
  message: M;
  opts: { deadline: number; lastAttempt: boolean };
  ctx: NotionSyncContext;
  /** Set when the connection publishes (and the worker has the page states). */
  publishDeps?: PublishDeps;
  /** Ends a job that called Notion: keeps the group's next message one interval away. */
  keepSpacing: () => Promise<void>;
}

/**
 * Runs one lane message of its type. Returns normally when the message is done with (with the run
 * it made, if any); throws ParkLane to be retried after a delay, or any other error to be retried.
 */
export type JobHandler<M extends NotionLaneMessage = NotionLaneMessage> = (
  job: NotionJob<M>,
) => Promise<RunRecord | undefined>;

export async function buildJob(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  message: NotionLaneMessage,
  opts: { deadline: number; lastAttempt: boolean },
): Promise<NotionJob> {
  const [notionToken, brevoApiKey] = await Promise.all([
    readAccessToken(deps, conn),
    deps.secrets.get(conn.brevoApiKeyRef),
  ]);
  const { oauthTokens } = deps;
  // The next message of this group may start at once in another invocation. With the tenant's call
  // store, its first call takes its slot from the integration's shared schedule, which spaces it
  // already. Without one, each step ends by keeping one interval of spacing on the process's pacer
  // (the gateway's, keyed like the group). Longer pauses (a Retry-After) are the parked message's
  // job, not a sleep here.
  const keepSpacing = async () => {
    if (deps.budgets) return;
    const drain = Math.min(notionPacerDrainMs(conn.integrationKey, deps.clock), NOTION_INTERVAL_MS);
    if (drain > 0) await deps.clock.sleep(drain);
  };
  const scope = runScopeOf(message);
  const ctx = buildNotionContext({
    tenantId: conn.tenantId,
    // A scoped run reads its database only, in every step (the scope rides each step's message).
    settings: narrowSettings(conn.settings, scope),
    notionToken,
    notionKey: conn.integrationKey,
    onUnauthorized: oauthTokens && ((rejected) => oauthTokens.afterRejection(conn, rejected)),
    brevoApiKey,
    cursors: deps.cursors,
    runs: deps.runs,
    clock: deps.clock,
    endpoints: deps.endpoints,
    options: { ...laneSyncTuning(), ...deps.syncOptions },
    maxInProcessWaitMs: 20_000,
    pageWrites: deps.pageWrites,
    calls: deps.budgets,
    otherBudget: deps.budgets
      ? new HourlyCallBudget(
          deps.budgets,
          conn.tenantId,
          'brevo-other',
          deps.brevoOtherPerHour ?? BREVO_OTHER_PER_HOUR,
          deps.clock,
        )
      : undefined,
  });
  if (scope?.targetList !== undefined) ctx.targetList = scope.targetList;
  if (scope?.unconfigured) ctx.defaultMapping = true;
  const publishing = deps.publications && hasPublishing(conn.settings) ? deps.publications : undefined;
  const publishDeps = publishing && {
    tenantId: conn.tenantId,
    settings: conn.settings,
    publications: publishing,
    cursors: deps.cursors,
    clock: deps.clock,
    log: deps.log,
  };
  // Every row a run reads is checked against the publish rules (the campaigns come after the run).
  // With the run's own settings: a scoped run's database indexes are those of its narrowed settings,
  // and a database outside the config has no publish rule (another database's must never apply).
  if (publishDeps) ctx.onRowsRead = watchPublishing({ ...publishDeps, settings: ctx.settings });
  return { deps, conn, message, opts, ctx, publishDeps, keepSpacing };
}

/** The scope a database run's message carries (start and continue); undefined for a whole sync. */
export function runScopeOf(message: NotionLaneMessage): RunScope | undefined {
  return message.type === 'notion.sync.start' || message.type === 'notion.sync.continue' ? message.scope : undefined;
}

/**
 * The lane as a run's owner. In the local stack (npm start) with its host and pid: a run left by a
 * stopped or killed stack is seen dead at once (ownerAlive) and the next sync resumes it, instead
 * of waiting out the 16-minute lease. A Lambda's pid says nothing across sandboxes: none there.
 */
export function laneOwner(): Omit<RunOwner, 'heartbeatAt'> {
  return readEnv().stage === 'local' ? { kind: 'lane', host: hostname(), pid: process.pid } : { kind: 'lane' };
}

/** TAJO_SYNC_FLUSH_ROWS for the lanes too (the local stack checks the value at start). */
function laneSyncTuning(): Partial<SyncOptions> {
  try {
    return syncTuningFromEnv() ?? {};
  } catch {
    return {};
  }
}
