/**
 * The Notion lane: starting a sync (poller, API, local scheduler) and running one step per lane
 * message (worker). A step that has more to do sends its continuation into the same message group,
 * so the integration's steps stay one at a time and resume where the checkpoint says.
 */

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { ENV } from '../../../app/topology';
import { BREVO_OTHER_PER_HOUR } from '../../../core/brevo/client';
import {
  ConfigError,
  failureReason,
  isInternalError,
  ProviderError,
  RateLimitedError,
  TajoError,
} from '../../../core/errors';
import { runWithDeadline } from '../../../core/http/retry-policy';
import { timerMessage } from '../../../core/lanes/timers';
import type {
  CallBudgetStore,
  Clock,
  ConnectionRecord,
  ConnectionStore,
  CursorStore,
  LaneQueue,
  MarkerStore,
  NotionPageWriteStore,
  NotionWebhookStore,
  RunOwner,
  RunRecord,
  RunStore,
  SecretStore,
} from '../../../core/ports';
import type { DocumentStore, ImportedDocumentStore } from '../../../core/ports/documents';
import type { PublishStateStore } from '../../../core/ports/publications';
import { HourlyCallBudget } from '../../../core/ratelimit/call-budget';
import { queueableConnection } from '../../../core/tenancy/connections';
import { type OAuthTokens, readAccessToken } from '../../../core/tenancy/oauth-tokens';
import { resolveBrevoList } from '../../slack/users-sync';
import { NOTION_INTERVAL_MS } from '../client';
import { buildNotionContext, type Endpoints, notionPacerDrainMs } from '../context';
import { runDocumentsMessage } from '../documents/documents';
import { pageReaderOf } from '../documents/import';
import { hasPublishing, runPublishRecorded, watchPublishing } from '../publish/publish';
import { applyNotionRules, isOwnPageWrite } from '../rules/brevo-to-notion';
import { normaliseDatabaseId } from '../rules/ingress';
import {
  failRun,
  newRunId,
  runStep,
  type SyncOptions,
  startOrResumeRun,
  syncTuningFromEnv,
} from '../sync/database-sync';
import { pageEventSender } from '../sync/page-event-sender';
import { runNotionUsersRecorded } from '../users-sync';
import { handleNotionPagesFetch } from '../webhooks';
import { type NotionLaneMessage, notionLaneMessageSchema } from './messages';

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
  webhooks?: NotionWebhookStore;
  markers?: MarkerStore;
  /** Brevo → Notion rules: what they wrote (required to run them; the sync reads it to skip its echo). */
  pageWrites?: NotionPageWriteStore;
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

export async function enqueueNotionSync(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: {
    tenantId: string;
    mode: 'full' | 'incremental';
    trigger: 'schedule' | 'api' | 'local' | 'cli' | 'webhook';
    dedupeKey?: string;
    /** Abandon an unfinished run instead of resuming it. */
    restart?: boolean;
  },
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const runId = newRunId(deps.clock);
  return queueForConnection(
    deps,
    {
      type: 'notion.sync.start',
      tenantId: args.tenantId,
      runId,
      mode: args.mode,
      trigger: args.trigger,
      ...(args.restart ? { restart: true } : {}),
    },
    `${args.tenantId}:start:${args.dedupeKey ?? runId}`,
  );
}

/**
 * Queues the workspace users sync on its own (API, CLI against a deployed stack), in the
 * connection's lane so it is paced with the database steps. Runs whatever `sync.users` says: that
 * switch is for the scheduled poll, this is a person asking.
 */
export async function enqueueNotionUsersSync(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane' | 'clock'>,
  args: { tenantId: string; mode: 'full' | 'incremental'; trigger: 'api' | 'local' | 'cli' },
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const runId = newRunId(deps.clock);
  return queueForConnection(
    deps,
    { type: 'notion.users.sync', tenantId: args.tenantId, runId, mode: args.mode, trigger: args.trigger },
    `${args.tenantId}:users:${runId}`,
  );
}

/** Sends a run's first message into its connection's lane (group = the integration). */
async function queueForConnection(
  deps: Pick<NotionLaneDeps, 'connections' | 'lane'>,
  message: Extract<NotionLaneMessage, { runId: string }>,
  deduplicationId: string,
): Promise<{ queued: boolean; reason?: string; runId?: string }> {
  const target = await queueableConnection(deps.connections, message.tenantId, { name: 'notion', label: 'Notion' });
  if ('reason' in target) return { queued: false, reason: target.reason };
  const conn = target.conn;
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId },
  ]);
  return { queued: true, runId: message.runId };
}

/**
 * Runs one lane message. Returns normally when the message is done with (including runs that
 * failed for good: a bad token does not get better by retrying); throws ParkLane to be retried
 * after a delay, or any other error to let the queue retry it and, in the end, dead-letter it.
 */
export async function handleNotionLaneMessage(
  deps: NotionLaneDeps,
  rawBody: string,
  opts: {
    deadline: number;
    lastAttempt: boolean;
    /** The message group it was delivered in (SQS MessageGroupId); checked against the connection's. */
    groupId?: string;
  },
): Promise<RunRecord | undefined> {
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(rawBody);
  } catch {
    throw new TajoError('lane message is not JSON', 'bad_message');
  }
  const message = notionLaneMessageSchema.parse(parsedJson);
  const conn = await deps.connections.getConnection(message.tenantId, 'notion');
  if (!conn) {
    // Disconnected: the work queued for it is dropped, not retried (it never would succeed).
    deps.log?.('warn', 'lane message for a tenant without a Notion connection: dropped', {
      tenantId: message.tenantId,
      type: message.type,
    });
    return undefined;
  }
  if (opts.groupId !== undefined && opts.groupId !== conn.integrationKey) {
    // Steps run only in their integration's group (one at a time per integration). A message found
    // in another group (queued for the token the connection had before it was connected again, a
    // replayed dead letter of the old token, or a bug) is not run there, with anyone's credentials:
    // it is handed to its connection's own group, so nothing is lost and no two steps of one run
    // overlap. Run with the current token, a step for data the new token cannot see fails with the
    // reason in its run record.
    await deps.lane.send('notionLane', [
      {
        body: rawBody,
        groupId: conn.integrationKey,
        deduplicationId: `regroup-${createHash('sha256').update(rawBody).digest('hex')}`,
      },
    ]);
    deps.log?.('warn', "lane message outside its connection's group: moved there", {
      tenantId: conn.tenantId,
      type: message.type,
      from: opts.groupId,
      to: conn.integrationKey,
    });
    return undefined;
  }
  // No provider call of this message retries past the invocation's deadline (retry-policy.ts).
  // Webhook-driven page fetches have a short budget per page on top (PAGE_FETCH_BUDGET_MS).
  return runWithDeadline(opts.deadline, () => runLaneMessage(deps, conn, message, opts));
}

/**
 * A webhook-driven page's in-process budget: its fetch and event never retry longer, so a page
 * that keeps failing gives up within seconds and goes out of the FIFO group's way (a message of
 * its own, then lane-retry.ts) instead of holding every other event of the tenant for minutes.
 * An event of the same tenant can wait behind it twice (the batch, then the page's own message),
 * and must reach Brevo within 10 s (issue 12 §4): 3 s, about four attempts of the retry policy
 * (a page failing 40% of the time gets through in one message 97% of the time, else in the next).
 */
export const PAGE_FETCH_BUDGET_MS = 3_000;

/** Runs that finished before this delivery (a duplicate met them): returned, but not an outcome of this one. */
const finishedBefore = new WeakSet<RunRecord>();
/** The run a failure closed as failed (last attempt): the worker counts it (RunsFailed) once, here. */
const failedRuns = new WeakMap<object, RunRecord>();

/** Whether a returned run finished in an earlier delivery (a duplicate): not counted again. */
export function wasFinishedBefore(run: RunRecord | undefined): boolean {
  return run !== undefined && finishedBefore.has(run);
}

/**
 * The run a thrown failure closed as `failed` (its last attempt, or a rate limit on it): the error
 * is rethrown for the queue's retry and dead letter, and carries the run so the worker records it.
 */
export function failedRunOf(err: unknown): RunRecord | undefined {
  return typeof err === 'object' && err !== null ? failedRuns.get(err) : undefined;
}

function carryFailedRun<E>(err: E, run: RunRecord): E {
  if (typeof err === 'object' && err !== null) failedRuns.set(err, run);
  return err;
}

function earlier(run: RunRecord): RunRecord {
  finishedBefore.add(run);
  return run;
}

async function runLaneMessage(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  message: NotionLaneMessage,
  opts: { deadline: number; lastAttempt: boolean },
): Promise<RunRecord | undefined> {
  const [notionToken, brevoApiKey] = await Promise.all([
    readAccessToken(deps, conn),
    deps.secrets.get(conn.brevoApiKeyRef),
  ]);
  const { oauthTokens } = deps;
  // The next message of this group may start at once in another invocation: each step ends by
  // keeping one interval of spacing on the integration's pacer (the gateway's, keyed like the
  // group). Longer pauses (a Retry-After) are the parked message's job, not a sleep here.
  const keepSpacing = async () => {
    const drain = Math.min(notionPacerDrainMs(conn.integrationKey, deps.clock), NOTION_INTERVAL_MS);
    if (drain > 0) await deps.clock.sleep(drain);
  };
  const ctx = buildNotionContext({
    tenantId: conn.tenantId,
    settings: conn.settings,
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
  if (publishDeps) ctx.onRowsRead = watchPublishing(publishDeps);

  if (message.type === 'notion.publish') {
    if (!publishDeps) {
      deps.log?.('warn', 'publish message for a connection that publishes nothing: dropped', {
        tenantId: conn.tenantId,
      });
      return undefined;
    }
    // A duplicate delivery of a finished pass; a failed one is retried (its records say where it stopped).
    const done = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
    if (done?.status === 'succeeded') return earlier(done);
    try {
      const { run, result } = await runPublishRecorded(
        {
          ...publishDeps,
          notion: ctx.notion,
          brevo: ctx.brevo,
          deadline: opts.deadline,
          runs: deps.runs,
          stats: ctx.stats,
        },
        { trigger: message.trigger, runId: message.runId },
      );
      if (result.more) await sendPublish(deps, conn, newRunId(deps.clock), message.trigger, `${message.runId}:more`);
      if (result.wakeAt !== undefined) await sendPublishTimer(deps, conn, result.wakeAt);
      if (run)
        deps.log?.('info', 'publishing pass finished', {
          tenantId: conn.tenantId,
          runId: run.runId,
          publish: run.summary.publish,
        });
      return run;
    } catch (err) {
      if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
      deps.log?.('error', 'publishing failed', {
        tenantId: conn.tenantId,
        reason: failureReason(err),
        ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
      });
      return countFailure(deps, message, err, opts);
    } finally {
      await keepSpacing();
    }
  }

  if (message.type === 'notion.rules.apply') {
    if (!deps.markers || !deps.pageWrites)
      throw new TajoError('the rule stores are not wired into this worker', 'bad_setup');
    try {
      const run = await applyNotionRules(
        {
          tenantId: conn.tenantId,
          settings: conn.settings,
          notion: ctx.notion,
          brevo: ctx.brevo,
          stats: ctx.stats,
          markers: deps.markers,
          pageWrites: deps.pageWrites,
          runs: deps.runs,
          cursors: deps.cursors,
          clock: deps.clock,
        },
        message,
        { lastAttempt: opts.lastAttempt },
      );
      const { errors: _errors, conflicts: _conflicts, ...counts } = run;
      deps.log?.('info', 'Brevo → Notion rules applied', { ...counts });
    } catch (err) {
      if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
      // Token, database access, network: retried with backoff, then dead-lettered for a replay once
      // fixed (a permanent error here is the connection's, not one event's: events are not dropped).
      deps.log?.('error', 'Brevo → Notion rules failed', {
        tenantId: conn.tenantId,
        reason: failureReason(err),
        ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
      });
      throw err;
    } finally {
      await keepSpacing();
    }
    return undefined;
  }

  if (message.type === 'notion.users.sync') {
    // Its own message (same group, so paced with the database steps) and its own deadline.
    const done = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
    if (done?.status === 'succeeded') return earlier(done);
    try {
      const list = conn.settings.users?.sync_to_list;
      const listId = list === undefined ? undefined : await resolveBrevoList(ctx.brevo, list);
      const usersCtx = { ...ctx, listId, mapping: conn.settings.users?.field_mapping, deadline: opts.deadline };
      return await runNotionUsersRecorded(usersCtx, message);
    } catch (err) {
      if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
      deps.log?.('error', 'Notion users sync failed', { tenantId: conn.tenantId, reason: (err as Error).message });
      return countFailure(deps, message, err, opts);
    }
  }

  if (message.type === 'notion.documents.import' || message.type === 'notion.documents.resync') {
    // The document library: a page import or a re-sync, paced with the syncs of the same group.
    if (!deps.documents || !deps.imported) {
      throw new TajoError('the document library is not wired into this worker', 'bad_setup');
    }
    try {
      return await runDocumentsMessage(
        {
          conn,
          notion: pageReaderOf(ctx.notion),
          notionStats: ctx.stats.notion,
          documents: deps.documents,
          imported: deps.imported,
          runs: deps.runs,
          lane: deps.lane,
          clock: deps.clock,
          log: deps.log,
        },
        message,
        opts,
      );
    } catch (err) {
      if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
      throw err;
    } finally {
      await keepSpacing();
    }
  }

  const markers = deps.markers;
  if (markers && conn.settings.sync.pages) {
    // Page changes the sync reads become Brevo events (same function and dedupe as webhooks); an
    // event not sent is a warning of the run, not a failed step (the rows are written already).
    ctx.onPageChanges = pageEventSender({
      tenantId: conn.tenantId,
      settings: conn.settings,
      brevo: ctx.brevo,
      markers,
    });
  }

  if (message.type === 'notion.pages.fetch') {
    if (!deps.webhooks || !markers) throw new TajoError('the page inbox is not wired into this worker', 'bad_setup');
    const pageWrites = (conn.settings.rules ?? []).length > 0 ? deps.pageWrites : undefined;
    try {
      const res = await handleNotionPagesFetch({
        tenantId: conn.tenantId,
        settings: conn.settings,
        brevo: ctx.brevo,
        notion: ctx.notion,
        markers,
        webhooks: deps.webhooks,
        cursors: deps.cursors,
        clock: deps.clock,
        queueSync: (dedupeKey) =>
          enqueueNotionSync(deps, { tenantId: conn.tenantId, mode: 'incremental', trigger: 'webhook', dedupeKey }),
        queueMore: async (dedupeKey) => {
          const more: NotionLaneMessage = { type: 'notion.pages.fetch', tenantId: conn.tenantId };
          await deps.lane.send('notionLane', [
            {
              body: JSON.stringify(more),
              groupId: conn.integrationKey,
              deduplicationId: `${conn.tenantId}:pages:${dedupeKey}`,
            },
          ]);
        },
        pages: message.pages,
        pageBudgetMs: PAGE_FETCH_BUDGET_MS,
        queueStuck: async (entry) => {
          const stuck: NotionLaneMessage = { type: 'notion.pages.fetch', tenantId: conn.tenantId, pages: [entry] };
          await deps.lane.send('notionLane', [
            {
              body: JSON.stringify(stuck),
              groupId: conn.integrationKey,
              deduplicationId: `${conn.tenantId}:stuck:${entry.pageId}:${entry.version}`.slice(0, 128),
            },
          ]);
        },
        isOwnWrite: pageWrites
          ? async (page, databaseId) =>
              isOwnPageWrite(
                await pageWrites.getPageWrite(conn.tenantId, normaliseDatabaseId(databaseId), page.id),
                page,
              )
          : undefined,
      });
      // Unreadable pages were left out of the batch (one error each): logged where they can be found.
      deps.log?.(res.failed > 0 ? 'warn' : 'info', 'Notion webhook pages fetched', { tenantId: conn.tenantId, ...res });
    } catch (err) {
      if (err instanceof RateLimitedError) throw new ParkLane(err.retryAfterMs);
      // A page event not sent stays in the inbox (entries are removed after the chunk), so the
      // retry fetches it again; dedupe markers keep the events already sent from repeating.
      if (isPermanent(err)) {
        deps.log?.('error', 'Notion webhook pages failed', { tenantId: conn.tenantId, reason: (err as Error).message });
        return undefined;
      }
      throw err;
    } finally {
      await keepSpacing();
    }
    return undefined;
  }

  let run: RunRecord | undefined;
  let step = 0;
  if (message.type === 'notion.sync.start') {
    // A start delivered again (after a park or a failed attempt) resumes the run it began.
    run = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
    // A new start (poll, API, webhook) after a run that died resumes that run's checkpoint under
    // this message's run id (issue 12 §2); a run a live worker or CLI holds is left to it.
    run ??= (
      await startOrResumeRun(ctx, {
        mode: message.mode,
        trigger: message.trigger,
        runId: message.runId,
        restart: message.restart === true,
        owner: laneOwner(),
        whenBusy: 'start',
      })
    ).run;
  } else if (message.type === 'notion.sync.continue') {
    run = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
    step = message.step;
  }
  if (!run) return run;
  if (run.status === 'succeeded') return earlier(run); // a duplicate delivery of a finished step
  if (run.status === 'failed') {
    // Only a message replayed from the dead-letter queue meets its failed run: resume it from its
    // checkpoint. One without (failed for good, or closed "resumed as run …") was counted when it
    // failed: returned as it is, not counted again.
    if (run.checkpoint === undefined) return earlier(run);
    deps.log?.('info', 'resuming a failed run from its checkpoint', { tenantId: conn.tenantId, runId: run.runId });
    run.status = 'running';
    run.error = undefined;
    run.finishedAt = undefined;
  }

  // This worker runs the step: the run is its own now (a step delivered again after the stack that
  // ran it was killed must not look dead to the next sync while it goes on here).
  run.owner = { ...laneOwner(), heartbeatAt: new Date(deps.clock.now()).toISOString() };
  try {
    run = await runStep(ctx, run, opts.deadline);
  } catch (err) {
    if (err instanceof RateLimitedError) {
      // The queue dead-letters the message after this attempt: say so in the run (replay resumes it).
      if (!opts.lastAttempt) throw new ParkLane(err.retryAfterMs);
      await failRun(ctx, run, err.message);
      throw carryFailedRun(new ParkLane(err.retryAfterMs), run);
    }
    if (isPermanent(err) || opts.lastAttempt) {
      // The record gets one line; the log (redacted by the logger) keeps the stack of an internal error.
      const reason = failureReason(err);
      await failRun(ctx, run, reason);
      deps.log?.('error', 'Notion sync failed', {
        tenantId: conn.tenantId,
        runId: run.runId,
        reason,
        ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
      });
      if (isPermanent(err)) return run;
      throw carryFailedRun(err, run);
    }
    throw err;
  } finally {
    await keepSpacing();
  }

  if (run.status === 'running') await sendContinuation(deps, conn, run.runId, step + 1);
  else deps.log?.('info', 'Notion sync finished', { tenantId: conn.tenantId, runId: run.runId, summary: run.summary });
  if (run.status === 'succeeded' && conn.settings.sync.users) await sendUsersSync(deps, conn, run);
  // After each run, a publishing pass: the pages it saw enter a state, and any left waiting.
  if (run.status === 'succeeded' && publishDeps) {
    await sendPublish(deps, conn, newRunId(deps.clock), run.trigger, `${run.runId}:publish`);
  }
  return run;
}

/**
 * The lane as a run's owner. In the local stack (npm start) with its host and pid: a run left by a
 * stopped or killed stack is seen dead at once (ownerAlive) and the next sync resumes it, instead
 * of waiting out the 16-minute lease. A Lambda's pid says nothing across sandboxes: none there.
 */
function laneOwner(): Omit<RunOwner, 'heartbeatAt'> {
  return process.env[ENV.stage] === 'local' ? { kind: 'lane', host: hostname(), pid: process.pid } : { kind: 'lane' };
}

/** TAJO_SYNC_FLUSH_ROWS for the lanes too (the local stack checks the value at start). */
function laneSyncTuning(): Partial<SyncOptions> {
  try {
    return syncTuningFromEnv(process.env) ?? {};
  } catch {
    return {};
  }
}

/**
 * A users sync or a publishing pass that failed: its run record says so (written where it failed).
 * For good (permanent) it is returned, done with; otherwise the error is rethrown for the lane's
 * retry, carrying the failed run on the last attempt only, so the worker counts it once.
 */
async function countFailure(
  deps: NotionLaneDeps,
  message: { tenantId: string; runId: string },
  err: unknown,
  opts: { lastAttempt: boolean },
): Promise<RunRecord | undefined> {
  const permanent = isPermanent(err);
  if (!permanent && !opts.lastAttempt) throw err;
  const stored = await deps.runs.getRun(message.tenantId, 'notion', message.runId).catch(() => undefined);
  const failed = stored?.status === 'failed' ? stored : undefined;
  if (permanent) return failed;
  throw failed ? carryFailedRun(err, failed) : err;
}

async function sendPublish(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  runId: string,
  trigger: RunRecord['trigger'],
  deduplicationId: string,
) {
  const message: NotionLaneMessage = { type: 'notion.publish', tenantId: conn.tenantId, runId, trigger };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId },
  ]);
}

/**
 * Deferred publishing comes back when it is due (Brevo's hourly budget reopens, a failure's backoff
 * ends): a FIFO lane cannot delay one message, so it rides the timer queue until then. Should the
 * timer be lost, the next run's pass picks the work up: nothing waits on the timer alone.
 */
async function sendPublishTimer(deps: NotionLaneDeps, conn: ConnectionRecord, wakeAt: number) {
  // Stamped with the due time: run ids sort by start, and this pass starts then.
  const runId = newRunId({ now: () => wakeAt, sleep: async () => undefined });
  const message: NotionLaneMessage = { type: 'notion.publish', tenantId: conn.tenantId, runId, trigger: 'schedule' };
  // One timer per tenant and due minute: passes deferred to the same time share it.
  const due = Math.ceil(wakeAt / 60_000) * 60_000;
  await deps.lane.send('timerQueue', [
    timerMessage(
      {
        tenantId: conn.tenantId,
        dueAt: new Date(due).toISOString(),
        deliver: {
          queue: 'notionLane',
          body: JSON.stringify(message),
          groupId: conn.integrationKey,
          deduplicationId: `${conn.tenantId}:publish:${due}`,
        },
      },
      deps.clock.now(),
    ),
  ]);
}

async function sendContinuation(deps: NotionLaneDeps, conn: ConnectionRecord, runId: string, step: number) {
  const message: NotionLaneMessage = { type: 'notion.sync.continue', tenantId: conn.tenantId, runId, step };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId: `${runId}:${step}` },
  ]);
}

/** The users sync after a database run, under an id of its own (deduplicated per database run). */
async function sendUsersSync(deps: NotionLaneDeps, conn: ConnectionRecord, run: RunRecord) {
  const message: NotionLaneMessage = {
    type: 'notion.users.sync',
    tenantId: conn.tenantId,
    runId: newRunId(deps.clock),
    mode: run.mode,
    trigger: run.trigger,
  };
  await deps.lane.send('notionLane', [
    { body: JSON.stringify(message), groupId: conn.integrationKey, deduplicationId: `${run.runId}:users` },
  ]);
}

/** How long a failed step waits before its next attempt: 30 s, 1 min, 2 min... at most 15 min. */
export function retryBackoffMs(receiveCount: number): number {
  return Math.min(15 * 60_000, 30_000 * 2 ** Math.max(0, receiveCount - 1));
}

/** Errors that retrying cannot fix: configuration, credentials, access. */
export function isPermanent(err: unknown): boolean {
  if (err instanceof ConfigError) return true;
  if (err instanceof ProviderError) return [400, 401, 403, 404].includes(err.status) || err.code === 'no_data_sources';
  return false;
}
