/**
 * Tenants and connections from the CLI: `tenants create`, `connectors connect|install|disconnect|
 * list`, `test|status <connector>` (connector-checks.ts), and sync now against a deployed stack. With
 * `--api` (or TAJO_API_URL, or a profile) a command calls the management API; without, it runs in
 * process against the local state (TAJO_STATE_DIR), through the same services the API calls
 * (command-context.ts says where a command runs). Connectors come from the registry.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepositories } from '../../shared/adapters/dynamodb';
import { type ConnectResult, connectWithToken } from '../../shared/app/connect-token';
import { type ConnectionListing, listConnections as listTenantConnections } from '../../shared/app/connection-list';
import { type DisconnectReport, disconnectConnector } from '../../shared/app/disconnect';
import { installsWithOwnApp } from '../../shared/app/oauth-install';
import type { NotionStatus } from '../../shared/app/status';
import { connectors, isPlatformConnector, resolveConnection, resolveConnector } from '../../shared/connectors';
import type { ResumedFrom } from '../../shared/connectors/notion/sync/database-sync';
import type { TajoConfig } from '../../shared/core/config/schema';
import { readEnv } from '../../shared/core/env';
import { TajoError } from '../../shared/core/errors';
import { type ConnectorName, type RunRecord, systemClock } from '../../shared/core/ports';
import {
  type BrevoConnection,
  connectBrevo,
  createTenant,
  describeBrevoKey,
  disconnectBrevo,
} from '../../shared/core/tenancy/tenants';
import { type Io, UsageError } from '../io';
import { runProgress } from '../progress';
import {
  brevoKeyMissing,
  type CommandValues,
  FROM_STATE,
  given,
  optionalConfig,
  remoteFlag,
  tenantOf,
  whereTo,
  withLocalState,
} from './command-context';
import { connectorStatusCommand, testConnector, testsConfigHere } from './connector-checks';
import { printDisconnect, printSummary, printUsersSummary, resumingLine, summaryJson } from './print';
import {
  callApi,
  onInterrupt,
  profileFile,
  type Remote,
  RemoteRunFailed,
  remoteTarget,
  saveProfile,
  tenantPath,
} from './remote';

/**
 * Runs the command when it is one of these; undefined leaves it to main.ts (the in-process syncs,
 * query, import... which keep working from a config as before).
 */
export async function managementCommand(
  positionals: string[],
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number | undefined> {
  const [group, verb, target] = positionals;
  if (group === 'tenants' && verb === 'create') return tenantsCreate(target, values, env, io);
  if (group !== 'connectors') return undefined;
  if (verb === 'list') return listConnections(values, env, io);
  if (verb === 'install' && installsByOAuth(target) && !(values as Record<string, unknown>)['client-id'])
    return startInstall(target, values, env, io);
  if (verb === 'connect' || verb === 'install') return connect(target, values, env, io);
  if (verb === 'disconnect') return disconnect(target, values, env, io);
  const platform = isPlatformConnector(target) ? target : undefined;
  if (verb === 'test' && platform && testsConfigHere(platform)) return testConnector(platform, values, env, io);
  if (verb === 'status' && platform) return connectorStatusCommand(platform, values, env, io);
  // Against a deployed stack, the remaining connector commands go through its API.
  const remote = await remoteTarget(values, env);
  if (!remote) return undefined;
  if (verb === 'test' && platform) return testConnector(platform, values, env, io);
  const sync = verb === 'sync' && target ? REMOTE_SYNCS[target] : undefined;
  if (sync?.askOnly) {
    // The API says where the sync runs (it refuses to queue it): one place for that answer.
    const path = `/connections/${sync.connector}/sync`;
    await callApi(remote, 'POST', tenantPath(await tenantOf(values, env, remote), path), {});
    return 0;
  }
  if (sync) return syncRemote(remote, sync.job, values, env, io);
  return undefined;
}

/**
 * `sync` targets against a deployed stack: the connector and its job; `askOnly` when the API does
 * not queue it (the Slack member sync runs in the daily job) and its answer says where it runs.
 */
const REMOTE_SYNCS: Record<string, { connector: ConnectorName; job?: 'users'; askOnly?: true }> = {
  notion: { connector: 'notion' },
  'notion-users': { connector: 'notion', job: 'users' },
  'slack-users': { connector: 'slack', askOnly: true },
};

/** What connect and disconnect take: a connector, or the tenant's Brevo account (the hub). */
function isAccount(target: string | undefined): target is string {
  return resolveConnector(target) !== undefined;
}

function isHub(target: string): boolean {
  return resolveConnector(target)?.role === 'hub';
}

const ACCOUNTS = connectors.map((c) => c.name).join('|');

// ------------------------------------------------------------------ tenants

/**
 * `tajo tenants create ID`: ops only. It writes the tenant straight into the table — the local
 * state, or with --table the deployed stack's table through the AWS SDK and the operator's own
 * credentials (AWS_PROFILE, AWS_REGION...) — so no route of the public API can create tenants.
 */
async function tenantsCreate(
  tenantId: string | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!tenantId) throw new UsageError('tajo tenants create needs the tenant id');
  if (values.api) {
    throw new UsageError(
      "tenants are created by ops with access to the table, not through the API: use --table <the stack's TableName output> with AWS credentials (or no --table for the local state)",
    );
  }
  let created: Awaited<ReturnType<typeof createTenant>>;
  if (values.table) {
    const client = new DynamoDBClient({});
    try {
      created = await createTenant({ tenants: dynamoRepositories(client, values.table), clock: systemClock }, tenantId);
    } finally {
      client.destroy();
    }
  } else {
    created = await withLocalState(env, (deps) => createTenant(deps, tenantId));
  }
  const profileName = values['save-profile'];
  if (profileName) {
    const api = readEnv(env).apiUrl;
    await saveProfile(profileFile(env), profileName, {
      ...(api ? { api } : {}),
      tenant: created.tenantId,
      api_key: created.apiKey,
    });
  }
  if (values.json) {
    io.out(JSON.stringify({ ...created, ...(profileName ? { profile: profileName } : {}) }));
    return 0;
  }
  io.out(`Tenant ${created.tenantId} created${values.table ? ` in ${values.table}` : ' in the local state'}.`);
  io.out('Shown once, stored only as hashes: keep them in your secret store now.');
  io.out(`  management API key:  ${created.apiKey}`);
  io.out(`  Brevo webhook token: ${created.webhookToken}   (Brevo webhook auth: bearer)`);
  if (profileName) io.out(`  saved as profile [${profileName}] in ${profileFile(env)} (0600)`);
  io.out(`Next: tajo connectors connect brevo --key <Brevo API key> --tenant ${created.tenantId} [--api URL]`);
  return 0;
}

// ------------------------------------------------------------------ connections

async function listConnections(values: CommandValues, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  const listing = remote
    ? ((await callApi(remote, 'GET', tenantPath(tenantId, '/connections'))) as ConnectionListing)
    : await withLocalState(env, (deps) => listTenantConnections(deps, tenantId));
  if (values.json) {
    io.out(JSON.stringify(listing));
    return 0;
  }
  io.out(`Tenant ${tenantId}:`);
  const b = listing.brevo;
  io.out(`  brevo   ${describeBrevoKey(b)}`);
  for (const c of listing.connections) {
    io.out(
      `  ${c.connector.padEnd(7)} connected since ${c.connectedAt}${c.workspace?.name ? `, workspace ${c.workspace.name}` : ''}${c.enabled ? '' : ', disabled'}`,
    );
  }
  // An older server's answer has no `connectors`: what it does not say is not printed.
  for (const c of (listing.connectors ?? []).filter((c) => !c.connected)) {
    io.out(`  ${c.name.padEnd(7)} not connected: tajo connectors connect ${c.name}`);
  }
  if (listing.connections.length === 0 && !listing.connectors) {
    io.out('  no connection: tajo connectors connect notion --token ...');
  }
  return 0;
}

/**
 * `connect|install notion --token`, `connect slack --bot-token --signing-secret`, `connect brevo
 * --key`. The connector's settings come from the config's section when there is one; flags give the
 * tokens. A Brevo key (--brevo-key, or the config's when the tenant has none yet) is stored first.
 */
async function connect(
  target: string | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!isAccount(target)) throw new UsageError(`connect what? tajo connectors connect ${ACCOUNTS}`);
  const { remote, tenantId } = await whereTo(values, env);
  // The flags give what the file leaves out (the docs' Notion block has no token, no brevo section).
  const config = await optionalConfig(values, env, {
    brevoApiKey: values['brevo-key'] ?? (isHub(target) ? values.key : undefined) ?? FROM_STATE,
    notionToken: values.token ?? FROM_STATE,
    slackBotToken: values['bot-token'] ?? FROM_STATE,
  });

  // What to send, from the flags and the config, before anything is called.
  const configKey = given(config?.brevo.api_key);
  const brevoKey = isHub(target) ? (values.key ?? configKey) : (values['brevo-key'] ?? configKey);
  if (isHub(target) && !brevoKey) {
    throw new UsageError('--key <Brevo API key> is required (or brevo.api_key in the config)');
  }
  const brevoBody = brevoKey
    ? {
        apiKey: brevoKey,
        ...((values['key-name'] ?? config?.brevo.api_key_name)
          ? { keyName: values['key-name'] ?? config?.brevo.api_key_name }
          : {}),
      }
    : undefined;
  // A connector's own key flag replaces the stored Brevo key; the config's only fills a missing one.
  const replaceBrevo = isHub(target) || values['brevo-key'] !== undefined;
  const body = isPlatformConnector(target) ? connectBody(target, values, config) : undefined;

  let brevo: BrevoConnection | undefined;
  let result: ConnectResult | undefined;
  if (remote) {
    const stored = async () =>
      ((await callApi(remote, 'GET', tenantPath(tenantId, '/connections'))) as ConnectionListing).brevo?.connected ===
      true;
    const hasKey = await stored();
    if (body && !brevoBody && !hasKey) throw brevoKeyMissing(tenantId, true);
    if (brevoBody && (replaceBrevo || !hasKey)) {
      brevo = (await callApi(remote, 'PUT', tenantPath(tenantId, '/brevo'), brevoBody)) as BrevoConnection;
    }
    if (body) {
      result = (await callApi(remote, 'PUT', tenantPath(tenantId, `/connections/${target}`), body)) as ConnectResult;
    }
  } else {
    // One opening of the local state for the whole command (its store is locked while open).
    ({ brevo, result } = await withLocalState(
      env,
      async (deps) => {
        let b: BrevoConnection | undefined;
        const stored = (await deps.tenants.getTenant(tenantId))?.brevoApiKeyRef !== undefined;
        if (body && !brevoBody && !stored) throw brevoKeyMissing(tenantId, false);
        if (brevoBody && (replaceBrevo || !stored)) {
          b = await connectBrevo({ ...deps, brevoBaseUrl: deps.endpoints.brevoBaseUrl }, tenantId, brevoBody);
        }
        return { brevo: b, result: body ? await connectWithToken(deps, tenantId, target, body) : undefined };
      },
      tenantId,
    ));
  }

  // An oauth2 definition connected with its OAuth app: the install (its consent) is the next step.
  const install =
    remote && result && installsByOAuth(target) && typeof body?.client_id === 'string' && !body.access_token
      ? await askInstall(remote, tenantId, target)
      : undefined;
  if (values.json) {
    io.out(JSON.stringify(install ? { ...result, install } : (result ?? brevo)));
    return 0;
  }
  if (brevo) {
    io.out(
      `Brevo API key stored for tenant ${tenantId} (account ${brevo.account.email ?? '?'}${brevo.account.companyName ? `, ${brevo.account.companyName}` : ''})`,
    );
  }
  if (!result) return 0;
  const ws = result.workspace;
  io.out(
    `${resolveConnector(target)?.label} connected for tenant ${tenantId}` +
      (ws?.name ? `: workspace ${ws.name}` : '') +
      countsOf(result) +
      (result.schedule
        ? `; runs ${result.schedule}`
        : result.enabled
          ? `; syncs when asked: tajo connectors sync ${target}`
          : '; disabled, no schedule'),
  );
  if (!remote) io.out('  (local state: `npm start` arms its schedule when it starts)');
  if (install) printInstall(io, target, install);
  else if (installsByOAuth(target) && typeof body?.client_id === 'string' && !body.access_token)
    io.out(`Next: tajo connectors install ${target} --api URL (the consent's callback is a running stack's)`);
  else io.out(`Next: tajo connectors test ${target}${remote ? remoteFlag(values) : ''}`);
  return 0;
}

// ------------------------------------------------------------------ OAuth installs of definitions

/** Whether the connector installs by OAuth with the tenant's app (an `auth: oauth2` definition). */
function installsByOAuth(target: string | undefined): target is string {
  return installsWithOwnApp(target);
}

interface InstallStart {
  authorizeUrl: string;
  redirectUri: string;
  expiresAt: string;
}

function askInstall(remote: Remote, tenantId: string, target: string): Promise<InstallStart> {
  return callApi(remote, 'POST', tenantPath(tenantId, `/connections/${target}/oauth`), {}) as Promise<InstallStart>;
}

/** `tajo connectors install <definition>` without the app's credentials: the stored connection, installed again. */
async function startInstall(target: string, values: CommandValues, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  if (!remote)
    throw new UsageError(
      `the OAuth install needs a running stack (its callback receives the consent): --api URL, TAJO_API_URL or a profile (npm start locally)`,
    );
  const install = await askInstall(remote, tenantId, target);
  if (values.json) io.out(JSON.stringify(install));
  else printInstall(io, target, install);
  return 0;
}

function printInstall(io: Io, target: string, install: InstallStart): void {
  io.out(`Open this URL to install ${resolveConnector(target)?.label ?? target} (once, until ${install.expiresAt}):`);
  io.out(`  ${install.authorizeUrl}`);
  io.out(`Your OAuth app must list the redirect URL ${install.redirectUri}`);
  io.out(`Then: tajo connectors status ${target}`);
}

async function disconnect(
  target: string | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!isAccount(target)) throw new UsageError(`disconnect what? tajo connectors disconnect ${ACCOUNTS}`);
  const { remote, tenantId } = await whereTo(values, env);
  if (isHub(target)) {
    const res = remote
      ? ((await callApi(remote, 'DELETE', tenantPath(tenantId, '/brevo'))) as Awaited<
          ReturnType<typeof disconnectBrevo>
        >)
      : await withLocalState(env, (deps) => disconnectBrevo(deps, tenantId));
    if (values.json) io.out(JSON.stringify(res));
    else io.out(`Brevo API key removed from tenant ${tenantId} (${res.removed.join(', ')})`);
    return 0;
  }
  if (!isPlatformConnector(target)) throw new UsageError(`disconnect what? tajo connectors disconnect ${ACCOUNTS}`);
  const report: DisconnectReport = remote
    ? ((await callApi(remote, 'DELETE', tenantPath(tenantId, `/connections/${target}`))) as DisconnectReport)
    : await withLocalState(env, (deps) => disconnectConnector(deps, tenantId, target));
  if (values.json) io.out(JSON.stringify(report));
  else printDisconnect(io, report);
  return 0;
}

/**
 * Sync now on a deployed stack: the run is queued in the connection's lane, then followed through
 * the status route until it finishes (--detach returns once it is queued). The summary is the one
 * the in-process sync prints, so `--json` keeps the DESIGN §4 contract.
 */
async function syncRemote(
  remote: Remote,
  job: 'users' | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const tenantId = await tenantOf(values, env, remote);
  const queued = (await callApi(remote, 'POST', tenantPath(tenantId, '/connections/notion/sync'), {
    ...(values.full ? { full: true } : {}),
    ...(values.restart ? { restart: true } : {}),
    ...(job ? { job } : {}),
  })) as { runId: string; mode: string };
  if (values.detach) {
    if (values.json) io.out(JSON.stringify({ queued: true, ...queued }));
    else io.out(`queued run ${queued.runId} (${queued.mode}): tajo connectors status notion shows it`);
    return 0;
  }
  const following = !values.json || io.isTTY;
  if (following) io.err(`queued run ${queued.runId} (${queued.mode}); following it (its counts as they move):`);
  const progress = runProgress();
  // Ctrl-C stops the following, not the run: the stack carries it on.
  const stopFollowing = onInterrupt(() => {
    progress.done();
    io.err(
      `tajo: stopped following run ${queued.runId}; it carries on in the stack: tajo connectors status notion${remoteFlag(values)} shows how it goes`,
    );
  });
  let run: Omit<RunRecord, 'checkpoint'>;
  let resumedFrom: ResumedFrom | undefined;
  try {
    run = await waitForRun(remote, tenantId, queued.runId, job, (s) => {
      // The stack resumed an unfinished run under this id: said once, as the in-process sync does.
      if (!job && !resumedFrom && s.lastRunResumedFrom && s.lastRun?.runId === queued.runId) {
        resumedFrom = s.lastRunResumedFrom;
        progress.done();
        io.err(resumingLine(resumedFrom));
      }
      const followed = job === 'users' ? s.lastUsersRun : s.lastRun;
      if (following && followed?.runId === queued.runId) progress(followed);
    });
  } finally {
    progress.done();
    stopFollowing();
  }
  const summary = { ...summaryJson(run), ...(resumedFrom ? { resumedFrom } : {}) };
  if (run.status === 'failed') {
    // The in-process sync's failure contract (DESIGN §4): main's error path prints the one line and,
    // with --json, the summary with ok:false, error and kind.
    if (!values.json) {
      if (job === 'users') printUsersSummary(io, `Notion users (${run.summary.mode}) failed`, run.summary, 'users');
      else printSummary(io, run, false);
    }
    throw new RemoteRunFailed(run.error ?? `run ${run.runId} failed (tajo connectors status notion shows why)`, {
      runId: run.runId,
      summary,
    });
  }
  if (values.json) io.out(JSON.stringify(summary));
  else if (job === 'users') {
    // The same lines as the in-process users sync prints (cli/main.ts), from the run record.
    printUsersSummary(io, `Notion users (${run.summary.mode}) ${run.status}`, run.summary, 'users');
  } else printSummary(io, run, false);
  return 0;
}

const WAIT_POLL_MS = 1_000;
const WAIT_LIMIT_MS = 60 * 60_000;

async function waitForRun(
  remote: Remote,
  tenantId: string,
  runId: string,
  job: 'users' | undefined,
  onPoll?: (status: NotionStatus) => void,
): Promise<Omit<RunRecord, 'checkpoint'>> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (Date.now() < deadline) {
    const s = (await callApi(remote, 'GET', tenantPath(tenantId, '/connections/notion/status'))) as NotionStatus;
    const run = job === 'users' ? s.lastUsersRun : s.lastRun;
    onPoll?.(s);
    if (run?.runId === runId && run.status !== 'running') return run;
    // A newer run (another trigger) may have pushed ours out of `lastRun`: its line is in recentRuns.
    const line = s.recentRuns.find((r) => r.runId === runId);
    if (job === undefined && line && line.status !== 'running' && run?.runId !== runId) {
      throw new TajoError(
        `run ${runId} ${line.status}${line.error ? `: ${line.error}` : ''} (a newer run followed it; tajo connectors status notion)`,
        line.status === 'failed' ? 'sync_failed' : 'sync_superseded',
      );
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
  throw new TajoError(
    `run ${runId} is still running after an hour: tajo connectors status notion follows it`,
    'timeout',
  );
}

/** The connect body: the config's section (if any) with the secrets of the flags (the connector's hook). */
function connectBody(
  connector: string,
  values: CommandValues,
  config: TajoConfig | undefined,
): Record<string, unknown> {
  const section = (config?.connectors as Record<string, Record<string, unknown> | undefined> | undefined)?.[connector];
  // A secret the file leaves out stands as FROM_STATE there: not a value to send.
  const given = section
    ? Object.fromEntries(Object.entries(section).filter(([, value]) => value !== FROM_STATE))
    : undefined;
  const made = resolveConnection(connector).connect.body({ ...values }, given);
  if ('usage' in made) throw new UsageError(made.usage);
  return made.body;
}

/** What a connect answer counts ("; 2 databases", "; 1 channel"): the fields beyond the common ones. */
function countsOf(result: ConnectResult): string {
  const common = new Set(['tenantId', 'connector', 'connected', 'enabled', 'workspace', 'schedule']);
  return Object.entries(result)
    .filter(([key, n]) => !common.has(key) && typeof n === 'number')
    .map(([key, n]) => `; ${n} ${n === 1 ? key.replace(/s$/, '') : key}`)
    .join('');
}
