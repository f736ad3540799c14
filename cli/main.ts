/**
 * The `tajo` CLI. Commands run in process against the configured accounts (or the endpoints in
 * NOTION_BASE_URL / BREVO_BASE_URL), with local state under TAJO_STATE_DIR. Exit codes: 0 done
 * (per-row failures are reported, not fatal), 1 fatal error (one line on stderr), 2 bad usage or
 * config. With --json the last line of stdout is one JSON object.
 */

import { join } from 'node:path';
import { startEmbeddedDynamo, stateDir } from '../shared/adapters/local/embedded-dynamodb';
import { loadConfigFile } from '../shared/app/config';
import { NOTION_INTERVAL_MS, NotionGateway } from '../shared/connectors/notion/client';
import { buildNotionContext } from '../shared/connectors/notion/context';
import { watchPublishing } from '../shared/connectors/notion/publish/detect';
import { runPublishRecorded } from '../shared/connectors/notion/publish/pass';
import { hasPublishing } from '../shared/connectors/notion/publish/publish';
import { formatTable, QueryArgError, queryNotionDatabase } from '../shared/connectors/notion/query';
import { notionReadOnly } from '../shared/connectors/notion/read-only';
import {
  cliOwner,
  completeRun,
  type ResumedFrom,
  type StartOrResume,
  startOrResumeRun,
} from '../shared/connectors/notion/sync/database-sync';
import { pageEventSender } from '../shared/connectors/notion/sync/page-event-sender';
import { syncTuningFromEnv } from '../shared/connectors/notion/sync/sync-context';
import { runNotionUsersRecorded } from '../shared/connectors/notion/users-sync';
import { buildSlackUsersContext, emptySlackUsersSummary, syncSlackUsers } from '../shared/connectors/slack/users-sync';
import { BREVO_OTHER_PER_HOUR } from '../shared/core/brevo/limits';
import { resolveBrevoList } from '../shared/core/brevo/lists';
import type { TajoConfig } from '../shared/core/config/schema';
import { endpointsFromEnv, readEnv } from '../shared/core/env';
import { ConfigError, failureReason, isInternalError, TajoError } from '../shared/core/errors';
import { newStats } from '../shared/core/http/paced-fetch';
import { integrationKey } from '../shared/core/integration-key';
import { loggingSettings, setApiCallLog, textApiCallLog } from '../shared/core/logging/api-calls';
import { redactText } from '../shared/core/logging/redact';
import { type RunRecord, systemClock } from '../shared/core/ports';
import { HourlyCallBudget } from '../shared/core/ratelimit/call-budget';
import { sharedPacer } from '../shared/core/ratelimit/pacer';
import { emptySummary, newRunId } from '../shared/core/runs/summary';
import { registerConfigConnector } from './commands/config-connectors';
import { lanesCommand } from './commands/lanes';
import { managementCommand } from './commands/management';
import { notionImportCli, notionResyncCli, notionSearchCli } from './commands/notion-import';
import { isDefinitionSync, syncDefinitionConnector } from './commands/platform-sync';
import { printSummary, printUsersSummary, resumingLine, summaryJson } from './commands/print';
import { onInterrupt, RemoteRunFailed } from './commands/remote';
import { skillsCommand } from './commands/skills';
import { logFailureDetails } from './error-log';
import { frontDoor } from './front';
import { usageLine } from './help';
import { configPath, type Failure, syncConfig, tenantOf, type Values } from './in-process';
import { defaultIo, type Io, UsageError } from './io';
import { syncProgress } from './progress';
import { validateConfig } from './validate';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo): Promise<number> {
  // A connector of the config's own definition file joins the table first (its rows, its options).
  await registerConfigConnector(argv, env);
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
    // Skills, definitions, tenants and connections (in process, or against a deployed stack with --api).
    const handled =
      (await skillsCommand(positionals, values, env, io)) ?? (await managementCommand(positionals, values, env, io));
    if (handled !== undefined) return handled;
    if (group === 'config' && verb === 'validate')
      return await validateConfig(
        { file: configPath(values, env), online: values.online ? 'required' : values.offline ? 'off' : 'auto', json },
        env,
        io,
      );
    if (group === 'connectors' && verb === 'sync' && isDefinitionSync(target))
      return await syncDefinitionConnector(target, values, env, io, failure);
    const connectorCommand = connectorCommands[`${group} ${verb} ${target}`] ?? connectorCommands[`${group} ${verb}`];
    if (connectorCommand) return await connectorCommand(positionals, values, env, io, failure);
    if (group === 'lanes' && (verb === 'replay' || verb === 'list'))
      return await replayLane(verb, target, values, env, io);

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
type InProcessCommand = (
  positionals: string[],
  values: Values,
  env: NodeJS.ProcessEnv,
  io: Io,
  failure: Failure,
) => Promise<number>;

/**
 * The in-process commands the connectors add, by `group verb target` (or `group verb`): Notion's
 * sync, users sync, query and page import (document library: read-only); Slack's member sync. The
 * management commands every connector has (connect, test, status, disconnect, list) are
 * commands/management.ts's, through the registry's hooks.
 */
const connectorCommands: Record<string, InProcessCommand> = {
  'connectors sync notion': (_p, values, env, io, failure) => syncNotion(values, env, io, failure),
  'connectors sync notion-users': (_p, values, env, io, failure) => syncNotionUsersCli(values, env, io, failure),
  'connectors query notion': (_p, values, env, io) => queryNotion(values, env, io),
  'connectors sync slack-users': (_p, values, env, io, failure) => syncSlackUsersCli(values, env, io, failure),
  'notion search': (positionals, values, env, io) => notionSearchCli(positionals.slice(2), values, env, io),
  'notion import': (positionals, values, env, io) => notionImportCli(positionals[2], values, env, io),
  'notion resync': (_p, values, env, io) => notionResyncCli(values, env, io),
};

async function logApiCallsOf(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<() => void> {
  let config: TajoConfig;
  try {
    config = await loadConfigFile(configPath(values, env), env);
  } catch {
    return () => undefined;
  }
  return setApiCallLog(textApiCallLog(loggingSettings(config).apiCalls, io.err));
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

/** The Notion context of an in-process run on the local state, with the config's tokens. */
function localNotionContext(
  args: {
    config: TajoConfig;
    notion: NonNullable<TajoConfig['connectors']['notion']>;
    tenantId: string;
    store: Awaited<ReturnType<typeof startEmbeddedDynamo>>['store'];
    env: NodeJS.ProcessEnv;
    onProgress: Parameters<typeof buildNotionContext>[0]['onProgress'];
  },
  extra: Partial<Parameters<typeof buildNotionContext>[0]> = {},
) {
  const { token, ...settings } = args.notion;
  return buildNotionContext({
    tenantId: args.tenantId,
    settings,
    notionToken: token,
    brevoApiKey: args.config.brevo.api_key,
    cursors: args.store,
    runs: args.store,
    clock: systemClock,
    endpoints: endpointsFromEnv(args.env),
    onProgress: args.onProgress,
    ...extra,
  });
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
    const { token: _token, ...settings } = notion;
    const ctx = localNotionContext(
      { config, notion, tenantId, store: state.store, env, onProgress: progress },
      {
        pageWrites: state.store,
        options: syncTuning(env),
        // Consecutive CLI runs (and a local stack on the same state) spend one hourly budget.
        otherBudget: new HourlyCallBudget(state.store, tenantId, 'brevo-other', BREVO_OTHER_PER_HOUR, systemClock),
      },
    );
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
    // (connectors/notion/lane); only after a run that succeeded, so a failed run is retried before either.
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

/** TAJO_SYNC_FLUSH_ROWS (read in one place, core/env.ts), a bad value as a usage error. */
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
  const finished = (status: RunRecord['status']): RunRecord => ({
    tenantId,
    connector: 'slack',
    runId,
    mode,
    status,
    startedAt,
    finishedAt: new Date().toISOString(),
    trigger: 'cli',
    summary,
  });
  try {
    const users: Partial<NonNullable<typeof slack.users>> = slack.users ?? {};
    const ctx = buildSlackUsersContext({
      tenantId,
      slackToken: slack.bot_token,
      slackApiUrl: readEnv(env).slackApiUrl,
      brevoApiKey: config.brevo.api_key,
      brevoBaseUrl: readEnv(env).brevoBaseUrl,
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
    const run = finished('succeeded');
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
    const run: RunRecord = { ...finished('failed'), error: failureReason(err) };
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
    const ctx = localNotionContext({ config, notion, tenantId, store: state.store, env, onProgress: progress });
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
