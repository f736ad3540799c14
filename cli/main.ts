/**
 * The `tajo` CLI. Commands run in process against the configured accounts (or the endpoints in
 * NOTION_BASE_URL / BREVO_BASE_URL), with local state under TAJO_STATE_DIR. Exit codes: 0 done
 * (per-row failures are reported, not fatal), 1 fatal error (one line on stderr), 2 bad usage or
 * config. With --json the last line of stdout is one JSON object.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
// Page import (document library)
import { LocalDocumentStore } from '../shared/adapters/local/document-store';
import { startEmbeddedDynamo, stateDir } from '../shared/adapters/local/embedded-dynamodb';
import { loadConfigFile } from '../shared/app/config';
import { NOTION_INTERVAL_MS, NotionGateway, type SearchHit, type SearchPage } from '../shared/connectors/notion/client';
import { buildNotionContext, endpointsFromEnv, integrationKey } from '../shared/connectors/notion/context';
import {
  buildNotionImportDeps,
  buildNotionReader,
  importPage,
  type NotionImportDeps,
  parseNotionPageId,
  resyncDocuments,
} from '../shared/connectors/notion/documents/import';
import { hasPublishing, runPublishRecorded, watchPublishing } from '../shared/connectors/notion/publish/publish';
import { formatTable, QueryArgError, queryNotionDatabase } from '../shared/connectors/notion/query';
import { notionReadOnly } from '../shared/connectors/notion/read-only';
import {
  cliOwner,
  completeRun,
  emptySummary,
  newRunId,
  type ResumedFrom,
  type StartOrResume,
  startOrResumeRun,
  syncTuningFromEnv,
} from '../shared/connectors/notion/sync/database-sync';
import { pageEventSender } from '../shared/connectors/notion/sync/page-event-sender';
import { runNotionUsersRecorded } from '../shared/connectors/notion/users-sync';
import { testSlackConnection } from '../shared/connectors/slack/connection-test';
import {
  buildSlackUsersContext,
  emptySlackUsersSummary,
  resolveBrevoList,
  syncSlackUsers,
} from '../shared/connectors/slack/users-sync';
import { BREVO_OTHER_PER_HOUR } from '../shared/core/brevo/client';
import { type TajoConfig, tenantIdSchema } from '../shared/core/config/schema';
import { ConfigError, failureReason, isInternalError, TajoError } from '../shared/core/errors';
import { newStats } from '../shared/core/http/paced-fetch';
import { loggingSettings, setApiCallLog, textApiCallLog } from '../shared/core/logging/api-calls';
import { redactText } from '../shared/core/logging/redact';
import { type RunRecord, systemClock } from '../shared/core/ports';
import { HourlyCallBudget } from '../shared/core/ratelimit/call-budget';
import { sharedPacer } from '../shared/core/ratelimit/pacer';
import { lanesCommand } from './commands/lanes';
import { managementCommand } from './commands/management';
import { printChecks, printSummary, printUsersSummary, resumingLine, summaryJson } from './commands/print';
import { onInterrupt, RemoteRunFailed } from './commands/remote';
import { logFailureDetails } from './error-log';
import { frontDoor, type Parsed } from './front';
import { usageLine } from './help';
import { defaultIo, type Io, UsageError } from './io';
import { syncProgress } from './progress';
import { validateConfig } from './validate';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo): Promise<number> {
  // --help, --version and every usage mistake are answered before anything is read or opened.
  const front = frontDoor(argv, io);
  if (front.exit !== undefined) return front.exit;
  const { parsed, command } = front;
  const { positionals, values } = parsed;
  const json = values.json === true;
  const stopApiCallLog = await logApiCallsOf(values, env, io);
  // A sync that fails still answers with its summary (DESIGN §4): the zero counts until the
  // command knows its run, then the run's counts so far.
  const failure: Failure =
    positionals[0] === 'connectors' && positionals[1] === 'sync'
      ? { summary: emptySummary(values.full ? 'full' : 'incremental') }
      : {};
  try {
    const [group, verb, target] = positionals;
    // Tenants and connections (in process, or against a deployed stack with --api).
    const handled = await managementCommand(positionals, values, env, io);
    if (handled !== undefined) return handled;
    if (group === 'config' && verb === 'validate')
      return await validateConfig(
        { file: configPath(values, env), online: values.online ? 'required' : values.offline ? 'off' : 'auto', json },
        env,
        io,
      );
    if (group === 'connectors' && verb === 'sync' && target === 'notion')
      return await syncNotion(values, env, io, failure);
    if (group === 'connectors' && verb === 'sync' && target === 'slack-users')
      return await syncSlackUsersCli(values, env, io, failure);
    if (group === 'connectors' && verb === 'sync' && target === 'notion-users')
      return await syncNotionUsersCli(values, env, io, failure);
    if (group === 'connectors' && verb === 'query' && target === 'notion') return await queryNotion(values, env, io);
    if (group === 'connectors' && verb === 'test' && target === 'slack') return await testSlack(values, env, io);
    if (group === 'lanes' && (verb === 'replay' || verb === 'list'))
      return await replayLane(verb, target, values, env, io);

    // Page import (document library): read-only Notion commands.
    if (group === 'notion' && verb === 'search') return await notionSearchCli(positionals.slice(2), values, env, io);
    if (group === 'notion' && verb === 'import') return await notionImportCli(target, values, env, io);
    if (group === 'notion' && verb === 'resync') return await notionResyncCli(values, env, io);

    // The table has a row for every command dispatched above; reaching here is a bug of the table.
    throw new Error(`tajo ${command.path.join(' ')} has no handler`);
  } catch (err) {
    // A run the stack reports failed answers as an in-process one does: its id and its counts.
    if (err instanceof RemoteRunFailed) Object.assign(failure, err.run);
    const code = err instanceof ConfigError || err instanceof UsageError || err instanceof QueryArgError ? 2 : 1;
    const runId = failure.runId ?? newRunId(systemClock);
    let reason = failureReason(err);
    if (isInternalError(err)) {
      // Not written for a person (a validation error, a bug): one line naming what failed and where
      // its details (the stack, the issues) are, never the dump itself.
      const command = positionals.join(' ') || 'tajo';
      const where = await logFailureDetails(env, { runId, command, err, at: new Date() });
      reason = `${command} failed: ${reason} (run ${runId}; ${where ? `details in ${where}` : 'details could not be saved: TAJO_STATE_DIR is not writable'})`;
    }
    // Provider errors may echo what the provider answered (an email, a key): the line is redacted.
    reason = redactText(reason);
    io.err(`tajo: ${reason}`);
    if (err instanceof UsageError) io.err(`usage: ${usageLine(command)}`);
    if (json) {
      const kind = err instanceof TajoError ? err.kind : 'internal';
      // A run id only where there is a run (a sync) or a line in errors.log to find by it.
      const run = failure.summary || isInternalError(err) ? { runId, status: 'failed' } : {};
      io.out(JSON.stringify({ ok: false, ...failure.summary, ...run, error: reason, kind }));
    }
    return code;
  } finally {
    stopApiCallLog();
  }
}

/**
 * `log_api_calls` / `debug` in the command's config: every provider call of the command (Notion,
 * Brevo, Slack) on stderr, redacted. A config that does not load logs nothing here; the command
 * itself reports why it does not load.
 */
async function logApiCallsOf(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<() => void> {
  let config: TajoConfig;
  try {
    config = await loadConfigFile(configPath(values, env), env);
  } catch {
    return () => undefined;
  }
  return setApiCallLog(textApiCallLog(loggingSettings(config).apiCalls, io.err));
}

type Values = Parsed['values'];

/** What a failing command leaves for main's error path: its run id and its summary so far. */
interface Failure {
  runId?: string;
  summary?: object;
}

function configPath(values: Values, env: NodeJS.ProcessEnv): string {
  return values.config ?? env.TAJO_CONFIG ?? 'tajo.yaml';
}

function tenantOf(values: Values, config?: TajoConfig): string {
  const tenant = values.tenant ?? config?.tenant ?? 'default';
  if (!tenantIdSchema.safeParse(tenant).success) {
    throw new UsageError(`--tenant ${JSON.stringify(tenant)}: expected 1 to 48 lower-case letters, digits and dashes`);
  }
  return tenant;
}

/**
 * The config of an in-process sync. None given and no ./tajo.yaml: the person may have meant the
 * running stack, so the one line names both ways (a sync with --api never reaches here).
 */
async function syncConfig(values: Values, env: NodeJS.ProcessEnv): Promise<TajoConfig> {
  if (values.config === undefined && !env.TAJO_CONFIG && !existsSync('tajo.yaml')) {
    throw new ConfigError([
      {
        path: '',
        message:
          'no ./tajo.yaml here: add --api URL (or set TAJO_API_URL) to sync through a running stack (npm start prints its URL), or --config FILE to sync in this process',
      },
    ]);
  }
  return loadConfigFile(configPath(values, env), env);
}

/** The config's Notion section for a command that syncs it: present and enabled, or a ConfigError with its path. */
async function enabledNotion(values: Values, env: NodeJS.ProcessEnv, purpose: string) {
  const config = await syncConfig(values, env);
  const notion = config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: `is required to ${purpose}` }]);
  if (!notion.enabled)
    throw new ConfigError([{ path: 'connectors.notion.enabled', message: 'the connector is disabled' }]);
  return { config, notion, tenantId: tenantOf(values, config) };
}

async function syncNotion(values: Values, env: NodeJS.ProcessEnv, io: Io, failure: Failure): Promise<number> {
  const { config, notion, tenantId } = await enabledNotion(values, env, 'sync Notion');
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  const mode = values.full ? 'full' : 'incremental';
  const progress = syncProgress(io, values.json === true);
  const runId = newRunId(systemClock);
  failure.runId = runId;
  let resumed: ReturnType<typeof resumedJson> = {};
  let stopOnInterrupt: () => void = () => undefined;
  try {
    const { token, ...settings } = notion;
    const ctx = buildNotionContext({
      tenantId,
      settings,
      notionToken: token,
      brevoApiKey: config.brevo.api_key,
      cursors: state.store,
      runs: state.store,
      pageWrites: state.store,
      clock: systemClock,
      endpoints: endpointsFromEnv(env),
      onProgress: progress,
      options: syncTuning(env),
      // Consecutive CLI runs (and a local stack on the same state) spend one hourly budget.
      otherBudget: new HourlyCallBudget(state.store, tenantId, 'brevo-other', BREVO_OTHER_PER_HOUR, systemClock),
    });
    const publishDeps = hasPublishing(settings)
      ? { tenantId, settings, publications: state.store, cursors: state.store, clock: systemClock }
      : undefined;
    if (publishDeps) ctx.onRowsRead = watchPublishing(publishDeps);
    // sync.pages: page changes become Brevo events, deduplicated with the local stack's webhooks
    // and polls on the same state (the markers live in the local table).
    if (settings.sync.pages)
      ctx.onPageChanges = pageEventSender({ tenantId, settings, brevo: ctx.brevo, markers: state.store });
    // An unfinished run (failed, or its process killed) goes on from its checkpoint instead of
    // starting over; --restart abandons it. A run another live tajo process owns is refused.
    const started = await startOrResumeRun(ctx, {
      mode,
      trigger: 'cli',
      runId,
      restart: values.restart === true,
      owner: cliOwner(),
      whenBusy: 'refuse',
    });
    failure.runId = started.run.runId;
    // Ctrl-C leaves the run unfinished with its last checkpoint; its owner (this process) is gone,
    // so the next sync takes it over.
    stopOnInterrupt = onInterrupt(() => {
      progress.done();
      io.err(`tajo: stopped; the next sync resumes run ${started.run.runId} (--restart starts over)`);
    });
    resumed = resumedJson(started);
    for (const line of startLines(started)) io.err(line);
    // A first run has nothing to be incremental from: it reads everything, as a full run would.
    const run = await completeRun(ctx, started.run);
    // The pages the run saw enter a publish state (and any left waiting) become campaigns now.
    const pass = publishDeps
      ? await runPublishRecorded(
          {
            ...publishDeps,
            notion: ctx.notion,
            brevo: ctx.brevo,
            deadline: Number.POSITIVE_INFINITY,
            runs: state.store,
            stats: ctx.stats,
          },
          { trigger: 'cli' },
        )
      : undefined;
    progress.done();
    // sync.users: the workspace members after the databases, as the lane does after a database run
    // (notion-lane.ts); only after a run that succeeded, so a failed run is retried before either.
    let users: { run?: RunRecord; done?: Awaited<ReturnType<typeof notionUsersRun>>; error?: string } | undefined;
    if (settings.sync.users && run.status === 'succeeded') {
      const usersRunId = newRunId(systemClock);
      try {
        const done = await notionUsersRun(ctx, notion, mode, usersRunId);
        users = { run: done, done };
      } catch (err) {
        if (isInternalError(err)) throw err;
        const failed = await state.store.getRun(tenantId, 'notion', usersRunId).catch(() => undefined);
        users = { run: failed, error: redactText(failureReason(err)) };
      }
    }
    if (values.json) {
      // The last line stays the database summary (DESIGN §4); the members' run is its `users` key.
      const usersJson = users && {
        ...(users.run ? summaryJson(users.run) : {}),
        ...(users.error ? { status: 'failed', error: users.error } : {}),
      };
      io.out(
        JSON.stringify({ ...summaryJson(run, pass?.run), ...resumed, ...(usersJson ? { users: usersJson } : {}) }),
      );
    } else {
      printSummary(io, run, false, pass?.run);
      if (users?.done) printNotionUsersSummary(io, users.done);
    }
    if (users?.error) {
      io.err(`tajo: the databases synced, the workspace members (sync.users) did not: ${users.error}`);
      return 1;
    }
    return 0;
  } catch (err) {
    progress.done();
    // The failed run's record holds its counts as of its last checkpoint and its one-line reason.
    const failed = await state.store.getRun(tenantId, 'notion', failure.runId ?? runId).catch(() => undefined);
    if (failed) failure.summary = { ...summaryJson(failed), ...resumed };
    throw err;
  } finally {
    stopOnInterrupt();
    await state.close();
  }
}

/** TAJO_SYNC_FLUSH_ROWS (read in one place, notion-sync.ts), a bad value as a usage error. */
function syncTuning(env: NodeJS.ProcessEnv): { flushRows: number } | undefined {
  try {
    return syncTuningFromEnv(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** What a person reads when a sync begins by resuming (or abandoning) an unfinished run: one line each. */
function startLines(started: StartOrResume): string[] {
  const lines: string[] = [];
  if (started.abandoned) {
    lines.push(`abandoned unfinished run ${started.abandoned.runId}: ${started.abandoned.why}`);
  }
  if (started.resumedFrom) lines.push(resumingLine(started.resumedFrom));
  return lines;
}

/** `resumedFrom` in --json: the run resumed, its mode, start and the rows it had done. */
function resumedJson(started: StartOrResume): { resumedFrom?: ResumedFrom; abandoned?: StartOrResume['abandoned'] } {
  return {
    ...(started.resumedFrom ? { resumedFrom: started.resumedFrom } : {}),
    ...(started.abandoned ? { abandoned: started.abandoned } : {}),
  };
}

/**
 * Moves dead-lettered lane messages back into the lane (the stack's outputs give both URLs). AWS
 * credentials and region come from the environment; AWS_ENDPOINT_URL_SQS points at fauxqs locally.
 */
/** `tajo lanes replay LANE` and `tajo lanes list` (cli/commands/lanes.ts). */
async function replayLane(
  verb: 'replay' | 'list',
  target: string | undefined,
  values: Values,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  return lanesCommand(verb, target, { ...values, dir: stateDir(env) }, env, io);
}

/** Slack workspace members → Brevo contacts, in process, with a run record like the Notion sync's. */
async function syncSlackUsersCli(values: Values, env: NodeJS.ProcessEnv, io: Io, failure: Failure): Promise<number> {
  // Not syncConfig: the stack runs the member sync in its daily job only (--api answers so), so
  // the config is the one way to run it now.
  const config = await loadConfigFile(configPath(values, env), env);
  const slack = config.connectors.slack;
  if (!slack) throw new ConfigError([{ path: 'connectors.slack', message: 'is required to sync Slack users' }]);
  const tenantId = tenantOf(values, config);
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  const mode = values.full ? 'full' : 'incremental';
  const runId = newRunId(systemClock);
  failure.runId = runId;
  const progress = syncProgress(io, values.json === true);
  const startedAt = new Date().toISOString();
  // Filled as the run goes: a failed run's record and --json keep the counts so far.
  const summary = emptySlackUsersSummary(mode);
  try {
    const users: Partial<NonNullable<typeof slack.users>> = slack.users ?? {};
    const ctx = buildSlackUsersContext({
      tenantId,
      slackToken: slack.bot_token,
      slackApiUrl: env.SLACK_API_URL || undefined,
      brevoApiKey: config.brevo.api_key,
      brevoBaseUrl: env.BREVO_BASE_URL || undefined,
      cursors: state.store,
      clock: systemClock,
      mapping: users.field_mapping as Parameters<typeof buildSlackUsersContext>[0]['mapping'],
      defaultCountryCode: users.default_country_code,
      guestAttribute: users.guest_attribute,
      onProgress: progress,
    });
    if (users.sync_to_list !== undefined) ctx.listId = await resolveBrevoList(ctx.brevo, users.sync_to_list);
    await syncSlackUsers(ctx, { mode, runId, summary });
    progress.done();
    const run: RunRecord = {
      tenantId,
      connector: 'slack',
      runId,
      mode,
      status: 'succeeded',
      startedAt,
      finishedAt: new Date().toISOString(),
      trigger: 'cli',
      summary,
    };
    await state.store.putRun(run);
    if (values.json) {
      io.out(JSON.stringify({ runId, status: run.status, ...summary }));
    } else {
      printUsersSummary(
        io,
        `Slack users (${mode}) synced in ${(summary.durationMs / 1000).toFixed(1)} s`,
        summary,
        'members',
      );
    }
    return 0;
  } catch (err) {
    progress.done();
    // Status shows the failure and the counts so far (a failure before the run began leaves them 0).
    const run: RunRecord = {
      tenantId,
      connector: 'slack',
      runId,
      mode,
      status: 'failed',
      startedAt,
      finishedAt: new Date().toISOString(),
      trigger: 'cli',
      summary,
      error: failureReason(err),
    };
    await state.store.putRun(run).catch(() => undefined);
    failure.summary = summary;
    throw err;
  } finally {
    await state.close();
  }
}

/**
 * Notion workspace members → Brevo contacts, in process, recorded as a Notion run (job `users`).
 * Runs whatever `sync.users` says: that switch is for the scheduled poll, this is a person asking.
 */
async function syncNotionUsersCli(values: Values, env: NodeJS.ProcessEnv, io: Io, failure: Failure): Promise<number> {
  const { config, notion, tenantId } = await enabledNotion(values, env, 'sync Notion users');
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  const mode = values.full ? 'full' : 'incremental';
  const runId = newRunId(systemClock);
  failure.runId = runId;
  const progress = syncProgress(io, values.json === true);
  try {
    const { token, ...settings } = notion;
    const ctx = buildNotionContext({
      tenantId,
      settings,
      notionToken: token,
      brevoApiKey: config.brevo.api_key,
      cursors: state.store,
      runs: state.store,
      clock: systemClock,
      endpoints: endpointsFromEnv(env),
      onProgress: progress,
    });
    const run = await notionUsersRun(ctx, notion, mode, runId);
    progress.done();
    if (values.json) io.out(JSON.stringify({ runId: run.runId, status: run.status, ...run.summary }));
    else printNotionUsersSummary(io, run);
    return 0;
  } catch (err) {
    progress.done();
    const failed = await state.store.getRun(tenantId, 'notion', runId).catch(() => undefined);
    if (failed) failure.summary = failed.summary;
    throw err;
  } finally {
    await state.close();
  }
}

/** The workspace members' run (sync_to_list resolved first), recorded as a Notion run of job `users`. */
async function notionUsersRun(
  ctx: ReturnType<typeof buildNotionContext>,
  notion: { users?: { sync_to_list?: string | number; field_mapping?: Record<string, string> } },
  mode: 'full' | 'incremental',
  runId: string,
) {
  const list = notion.users?.sync_to_list;
  const listId = list === undefined ? undefined : await resolveBrevoList(ctx.brevo, list);
  return runNotionUsersRecorded(
    { ...ctx, listId, mapping: notion.users?.field_mapping },
    { mode, trigger: 'cli', runId },
  );
}

function printNotionUsersSummary(io: Io, run: Awaited<ReturnType<typeof runNotionUsersRecorded>>): void {
  const summary = run.summary;
  printUsersSummary(
    io,
    `Notion users (${run.mode}) synced in ${(summary.durationMs / 1000).toFixed(1)} s`,
    summary,
    'users',
  );
}

/** The rows of a database matching --filter, ordered by --sort: a table, or JSON lines with --json. */
async function queryNotion(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const databaseId = values.database?.trim();
  if (!databaseId) throw new UsageError('--database ID is required');
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit takes a positive whole number');
  const config = await loadConfigFile(configPath(values, env), env);
  const notion = config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: 'is required to query Notion' }]);
  // The gateway the sync uses (version, pacer shared per token, endpoints); a query needs no state.
  const stats = newStats();
  const gateway = new NotionGateway({
    token: notion.token,
    apiVersion: notion.api_version,
    baseUrl: endpointsFromEnv(env).notionBaseUrl,
    clock: systemClock,
    pacer: sharedPacer(integrationKey('notion', notion.token), NOTION_INTERVAL_MS, systemClock),
    stats,
    readOnly: notionReadOnly(notion),
  });
  const started = Date.now();
  const json = values.json === true;
  const result = await queryNotionDatabase(gateway, {
    databaseId,
    filters: values.filter ?? [],
    sorts: values.sort ?? [],
    limit,
    onRow: json ? (row) => io.out(JSON.stringify(row)) : undefined,
  });
  const summary = {
    database: result.database,
    title: result.title,
    sources: result.sources,
    rows: result.rows.length,
    truncated: result.truncated,
    incomplete: result.incomplete,
    notionRequests: stats.requests,
    rateLimited: stats.rateLimited,
    durationMs: Date.now() - started,
  };
  if (json) {
    io.out(JSON.stringify(summary));
    return 0;
  }
  io.out(`${result.title}: ${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`);
  if (result.rows.length > 0) for (const line of formatTable(result.rows)) io.out(line);
  if (result.truncated) io.out(`  more rows match: raise --limit (now ${limit})`);
  if (result.incomplete) io.out("  warning: Notion's per-query row cap cut the result short; narrow the filter");
  return 0;
}

/** The five checks of a Slack connection; exit 1 when one fails. */
async function testSlack(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const config = await loadConfigFile(configPath(values, env), env);
  const slack = config.connectors.slack;
  if (!slack) throw new ConfigError([{ path: 'connectors.slack', message: 'is required to test Slack' }]);
  const results = await testSlackConnection({
    token: slack.bot_token,
    apiUrl: env.SLACK_API_URL || undefined,
    channels: slack.channels,
    eventsUrl: values['events-url'],
    signingSecret: slack.signing_secret,
    now: Date.now(),
  });
  if (values.json) io.out(JSON.stringify({ ok: results.every((r) => r.ok), checks: results }));
  else printChecks(io, results);
  return results.every((r) => r.ok) ? 0 : 1;
}

// ------------------------------------------------------------ page import (document library)

/** The Notion part of the config for the read-only commands (search, import, resync). */
async function notionForImport(values: Values, env: NodeJS.ProcessEnv) {
  const config = await loadConfigFile(configPath(values, env), env);
  const notion = config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: 'is required to read Notion' }]);
  return { notion, tenantId: tenantOf(values, config), config };
}

/** Local runs keep documents under TAJO_STATE_DIR/documents and their records in the local table. */
async function withImportDeps<T>(
  values: Values,
  env: NodeJS.ProcessEnv,
  fn: (deps: NotionImportDeps & { gateway: NotionGateway }, tenantId: string) => Promise<T>,
): Promise<T> {
  const { notion, tenantId } = await notionForImport(values, env);
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  try {
    const deps = buildNotionImportDeps({
      notionToken: notion.token,
      apiVersion: notion.api_version,
      readOnly: notionReadOnly(notion),
      endpoints: endpointsFromEnv(env),
      documents: new LocalDocumentStore(join(stateDir(env), 'documents')),
      imported: state.store,
      clock: systemClock,
    });
    return await fn(deps, tenantId);
  } finally {
    await state.close();
  }
}

async function notionSearchCli(words: string[], values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { notion } = await notionForImport(values, env);
  const gateway = buildNotionReader({
    notionToken: notion.token,
    apiVersion: notion.api_version,
    readOnly: notionReadOnly(notion),
    endpoints: endpointsFromEnv(env),
    clock: systemClock,
  });
  const query = words.join(' ');
  const results: SearchHit[] = [];
  const skipped: SearchPage['skipped'] = [];
  let cursor: string | undefined;
  let requests = 0;
  do {
    const page = await gateway.search({ query: query || undefined, startCursor: cursor });
    requests++;
    results.push(...page.results);
    skipped.push(...page.skipped);
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor);
  if (values.json) {
    io.out(JSON.stringify({ query, count: results.length, requests, results, skipped }));
    return 0;
  }
  if (results.length === 0 && skipped.length === 0) {
    io.out('Nothing found: share pages with the integration (••• → Connections).');
  }
  for (const r of results) {
    const kind = r.object === 'page' ? 'page' : 'database';
    io.out(
      `${kind.padEnd(8)} ${r.title || 'Untitled'}  ${r.id}  edited ${r.lastEditedTime}${r.url ? `  ${r.url}` : ''}`,
    );
  }
  // A result this version cannot read (an object kind Notion added later) is named, never dropped unseen.
  if (skipped.length > 0) io.out(`${skipped.length} result${skipped.length === 1 ? '' : 's'} left out, unreadable:`);
  for (const s of skipped) io.out(`  ${s.id ?? '(no id)'}: ${s.reason}`);
  return 0;
}

async function notionImportCli(
  page: string | undefined,
  values: Values,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!page) throw new UsageError('tajo notion import needs a page id or URL');
  const pageId = parseNotionPageId(page);
  return withImportDeps(values, env, async (deps, tenantId) => {
    const res = await importPage(deps, { tenantId, pageId });
    if (values.json) {
      io.out(JSON.stringify(res));
      return 0;
    }
    io.out(`Imported "${res.title}" (${res.kind}) → ${res.location}`);
    io.out(`  ${res.requests} Notion requests, ${res.files.length} files stored${res.changed ? '' : ', unchanged'}`);
    for (const w of res.warnings) io.out(`  warning: ${w}`);
    return 0;
  });
}

async function notionResyncCli(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  return withImportDeps(values, env, async (deps, tenantId) => {
    const res = await resyncDocuments(deps, { tenantId });
    if (values.json) {
      io.out(JSON.stringify(res));
      return 0;
    }
    io.out(
      `Re-sync: ${res.checked} documents checked, ${res.reimported} re-imported, ${res.unchanged} unchanged, ` +
        `${res.failed} failed (${res.requests} Notion requests)`,
    );
    for (const e of res.errors) io.out(`  page ${e.pageId}: ${e.reason}`);
    for (const w of res.warnings) io.out(`  warning: ${w}`);
    return 0;
  });
}
