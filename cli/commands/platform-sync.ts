/**
 * `tajo connectors sync <name> [--full] [--json]` for a definition connector (the catalogue's, a
 * config's `definition:`): in process from the config's section (--config, ./tajo.yaml) or the
 * local state's stored connection, or through a stack's API (--api: its sync now, followed until
 * the run ends). The summary is the Notion sync's contract (DESIGN §4) with platformRequests and
 * each resource's counts.
 */
import { resolveConnector } from '../../shared/connectors';
import { settingsOf } from '../../shared/connectors/custom/connection';
import { syncStoredConnection, syncWithBrevoKey } from '../../shared/connectors/custom/sync/connection-sync';
import type { PlatformSyncSummary } from '../../shared/connectors/custom/sync/run';
import { errorLine } from '../../shared/core/connection-status';
import type { ConnectorCliCommand } from '../../shared/core/connector';
import { TajoError } from '../../shared/core/errors';
import { redactText } from '../../shared/core/logging/redact';
import { type RunRecord, systemClock } from '../../shared/core/ports';
import type { Failure } from '../in-process';
import type { Io } from '../io';
import { type CommandValues, optionalConfig, tenantOf, withLocalState } from './command-context';
import { ApiRefusal, callApi, type Remote, RemoteRunFailed, remoteTarget, tenantPath } from './remote';

/** Whether `tajo connectors sync <name>` is a definition connector's (its descriptor has a sync verb). */
export function isDefinitionSync(name: string | undefined): name is string {
  return resolveConnector(name)?.cli.commands.some((c: ConnectorCliCommand) => c.verb === 'sync') === true;
}

export async function syncDefinitionConnector(
  name: string,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
  failure: Failure,
): Promise<number> {
  const remote = await remoteTarget(values, env);
  if (remote) return syncThroughApi(remote, { name, values, env, io, failure });
  const config = await optionalConfig(values, env);
  const tenantId = await tenantOf(values, env);
  const section = (config?.connectors as Record<string, unknown> | undefined)?.[name];
  const full = values.full === true;
  const { run, summary } = await withLocalState(
    env,
    async (deps) => {
      if (section === undefined || config === undefined)
        return syncStoredConnection(deps, { tenantId, connector: name, full, trigger: 'cli' });
      // The config's section with its own credentials and the config's Brevo key (as the Notion sync runs).
      const hooks = resolveConnector(name)?.connection;
      if (!hooks) throw new TajoError(`${name} has no connection hooks`, 'internal');
      const split = hooks.connect.split(section);
      const settings = settingsOf({ connector: name, settings: split.settings as { enabled: boolean } });
      return syncWithBrevoKey({ ...deps, clock: systemClock }, config.brevo.api_key, {
        tenantId,
        connector: name,
        definition: settings.definition,
        settings,
        credentials: JSON.parse(split.credentials.token) as Record<string, string>,
        full,
        trigger: 'cli',
      });
    },
    tenantId,
  );
  return finish(io, values, failure, run, summary);
}

/** Prints the run (its JSON summary, or lines for a person); a failed run is main's error path. */
function finish(
  io: Io,
  values: CommandValues,
  failure: Failure,
  run: Pick<RunRecord, 'runId' | 'status' | 'error' | 'connector'>,
  summary: PlatformSyncSummary,
): number {
  failure.runId = run.runId;
  failure.summary = summary;
  if (run.status === 'failed')
    throw new RemoteRunFailed(run.error ?? `run ${run.runId} failed`, { runId: run.runId, summary });
  if (values.json) {
    io.out(JSON.stringify({ runId: run.runId, status: run.status, ...summary }));
    return 0;
  }
  const label = resolveConnector(run.connector)?.label ?? run.connector;
  io.out(
    `${label} sync (${summary.mode}) ${run.status} in ${(summary.durationMs / 1000).toFixed(1)} s: ${summary.pagesRead} records read, ${summary.upserted} written, ${summary.unchanged} unchanged, ${summary.failed} failed`,
  );
  for (const [resource, c] of Object.entries(summary.resources))
    io.out(
      `  ${resource} (${c.to}): ${c.read} read, ${c.upserted} written, ${c.unchanged} unchanged, ${c.failed} failed`,
    );
  io.out(
    `  ${summary.platformRequests} ${label} requests, ${summary.brevoRequests} Brevo requests, ${summary.rateLimited} rate-limited`,
  );
  for (const w of summary.warnings) io.out(`  warning: ${w}`);
  for (const e of summary.errors.slice(0, 20)) io.out(`  ${redactText(errorLine('record', e))}`);
  const more = summary.errors.length - 20 + summary.errorsTruncated;
  if (more > 0) io.out(`  … ${more} more record errors (tajo connectors status ${run.connector} --json)`);
  return 0;
}

/** The stack's sync now, then the run it queued (GET .../runs/{runId}) until it has ended. */
async function syncThroughApi(
  remote: Remote,
  command: { name: string; values: CommandValues; env: NodeJS.ProcessEnv; io: Io; failure: Failure },
): Promise<number> {
  const { name, values, env, io, failure } = command;
  const tenantId = await tenantOf(values, env, remote);
  const queued = (await callApi(remote, 'POST', tenantPath(tenantId, `/connections/${name}/sync`), {
    ...(values.full ? { full: true } : {}),
  })) as { runId: string; mode: string };
  if (values.detach) {
    io.out(
      values.json
        ? JSON.stringify({ queued: true, ...queued })
        : `queued run ${queued.runId} (${queued.mode}): tajo connectors status ${name} shows it`,
    );
    return 0;
  }
  if (!values.json) io.err(`queued run ${queued.runId} (${queued.mode}); waiting for it to end`);
  const deadline = Date.now() + FOLLOW_MS;
  // The run has no record until a worker takes its message, a moment after the API queued it.
  const queuedUntil = Date.now() + QUEUED_MS;
  while (Date.now() < deadline) {
    const runPath = `/connections/${name}/runs/${encodeURIComponent(queued.runId)}`;
    let run: { runId: string; status: RunRecord['status']; summary: PlatformSyncSummary; error?: string };
    try {
      run = (await callApi(remote, 'GET', tenantPath(tenantId, runPath))) as typeof run;
    } catch (err) {
      if (!(err instanceof ApiRefusal && err.status === 404 && Date.now() < queuedUntil)) throw err;
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (run.status !== 'running') {
      return finish(io, values, failure, { ...run, connector: name }, run.summary);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new TajoError(
    `run ${queued.runId} has not ended after ${FOLLOW_MS / 60_000} minutes; it carries on in the stack: tajo connectors status ${name} --api ${remote.url}`,
    'sync_running',
  );
}

/** How long --api follows a run before leaving it to the stack. */
const FOLLOW_MS = 60 * 60_000;
/** How long a queued run may have no record yet (no worker took it) before its 404 is an answer. */
const QUEUED_MS = 2 * 60_000;
