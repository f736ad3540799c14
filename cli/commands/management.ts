/**
 * Tenants and connections from the CLI: `tenants create`, `connectors connect|install|disconnect|
 * list`, `test notion`, `status notion|slack`, and sync now against a deployed stack. With `--api`
 * (or TAJO_API_URL, or a profile) a command calls the management API; without, it runs in process
 * against the local state (TAJO_STATE_DIR), through the same services the API calls.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TENANT, ensureLocalTenant } from '../../local/tenant-files';
import { DynamoStore } from '../../shared/adapters/dynamodb/store';
import { startEmbeddedDynamo, stateDir } from '../../shared/adapters/local/embedded-dynamodb';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { loadConfigFile } from '../../shared/app/config';
import { type ConnectResult, connectNotionWithToken, connectSlackWithToken } from '../../shared/app/connect-token';
import { type ConnectionTestResult, testStoredConnection } from '../../shared/app/connection-test';
import { type DisconnectReport, disconnectConnector } from '../../shared/app/disconnect';
import { type NotionStatus, notionStatus, type SlackStatus, slackStatus } from '../../shared/app/status';
import { testNotionConnection } from '../../shared/connectors/notion/connection-test';
import { endpointsFromEnv } from '../../shared/connectors/notion/context';
import type { ResumedFrom } from '../../shared/connectors/notion/sync/database-sync';
import { brevoClientFor } from '../../shared/core/brevo/client';
import type { ConfigSupply } from '../../shared/core/config/load';
import { type TajoConfig, tenantIdSchema } from '../../shared/core/config/schema';
import { ConfigError, TajoError } from '../../shared/core/errors';
import { type ConnectorName, type RunRecord, type ScheduleManager, systemClock } from '../../shared/core/ports';
import {
  type BrevoConnection,
  brevoConnectionOf,
  connectBrevo,
  createTenant,
  describeBrevoKey,
  disconnectBrevo,
} from '../../shared/core/tenancy/tenants';
import { type Io, UsageError } from '../io';
import { runProgress } from '../progress';
import {
  printChecks,
  printDisconnect,
  printNotionStatus,
  printSlackStatus,
  printSummary,
  printUsersSummary,
  resumingLine,
  summaryJson,
} from './print';
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

/** The config a command reads when none is given (--config, TAJO_CONFIG). */
const IMPLICIT_CONFIG = 'tajo.yaml';

/** The options these commands read (main.ts's parsed values). */
export interface CommandValues {
  config?: string;
  json?: boolean;
  full?: boolean;
  restart?: boolean;
  tenant?: string;
  api?: string;
  profile?: string;
  token?: string;
  'bot-token'?: string;
  'signing-secret'?: string;
  key?: string;
  'key-name'?: string;
  'brevo-key'?: string;
  table?: string;
  'save-profile'?: string;
  'create-page'?: boolean;
  detach?: boolean;
}

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
  if (verb === 'connect' || verb === 'install') return connect(target, values, env, io);
  if (verb === 'disconnect') return disconnect(target, values, env, io);
  if (verb === 'test' && target === 'notion') return testConnector('notion', values, env, io);
  if (verb === 'status' && (target === 'notion' || target === 'slack')) return status(target, values, env, io);
  // Against a deployed stack, the remaining connector commands go through its API.
  const remote = await remoteTarget(values, env);
  if (!remote) return undefined;
  if (verb === 'test' && target === 'slack') return testConnector('slack', values, env, io);
  if (verb === 'sync' && (target === 'notion' || target === 'notion-users')) {
    return syncRemote(remote, target === 'notion-users' ? 'users' : undefined, values, env, io);
  }
  if (verb === 'sync' && target === 'slack-users') {
    // The API says where the member sync runs (it refuses to queue it): one place for that answer.
    await callApi(remote, 'POST', tenantPath(await tenantOf(values, env, remote), '/connections/slack/sync'), {});
    return 0;
  }
  return undefined;
}

// ------------------------------------------------------------------ where a command runs

/** The tenant: --tenant, else the profile's, else the config's, else `default`. */
async function tenantOf(values: CommandValues, env: NodeJS.ProcessEnv, remote?: Remote): Promise<string> {
  const config = await optionalConfig(values, env);
  const tenant = values.tenant ?? remote?.profileTenant ?? config?.tenant ?? 'default';
  if (!tenantIdSchema.safeParse(tenant).success) {
    throw new UsageError(`--tenant ${JSON.stringify(tenant)}: expected 1 to 48 lower-case letters, digits and dashes`);
  }
  return tenant;
}

/** The API the command goes to (none: the local state) and the tenant it is about. */
async function whereTo(
  values: CommandValues,
  env: NodeJS.ProcessEnv,
): Promise<{ remote: Remote | undefined; tenantId: string }> {
  const remote = await remoteTarget(values, env);
  return { remote, tenantId: await tenantOf(values, env, remote) };
}

/** What connect and disconnect take: a connector, or the tenant's Brevo account. */
function isAccount(target: string | undefined): target is ConnectorName | 'brevo' {
  return target === 'notion' || target === 'slack' || target === 'brevo';
}

/**
 * Stands for a token or key the file leaves out: the one stored in the tenant's state (or given by a
 * flag) is used. Never sent anywhere: `given` turns it back into "not in the file".
 */
const FROM_STATE = '(stored)';
const ALL_FROM_STATE = { brevoApiKey: FROM_STATE, notionToken: FROM_STATE, slackBotToken: FROM_STATE };

function given(value: string | undefined): string | undefined {
  return value === FROM_STATE ? undefined : value;
}

/**
 * The config when one is given (--config, TAJO_CONFIG) or ./tajo.yaml exists. Either must load: an
 * implicit ./tajo.yaml that does not validate is an error, never skipped (a connect that ignored it
 * would store a connection without its databases and say so only as "0 databases"). Tokens and the
 * Brevo key may be left out of the file: these commands take them from their flags or the state.
 */
async function optionalConfig(
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  supply: ConfigSupply = ALL_FROM_STATE,
): Promise<TajoConfig | undefined> {
  const explicit = values.config ?? env.TAJO_CONFIG;
  if (explicit) return loadConfigFile(explicit, env, supply);
  if (!existsSync(IMPLICIT_CONFIG)) return undefined;
  try {
    return await loadConfigFile(IMPLICIT_CONFIG, env, supply);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError([
      {
        path: '',
        message: `${IMPLICIT_CONFIG} (read from the current directory; --config FILE reads another) is not valid`,
      },
      ...err.issues,
    ]);
  }
}

/** The one line a connect without any Brevo key says: the command to run first, or the flag to add. */
function brevoKeyMissing(tenantId: string, remote: boolean): TajoError {
  const where = `${tenantId === DEFAULT_TENANT ? '' : ` --tenant ${tenantId}`}${remote ? ' --api <URL>' : ''}`;
  return new TajoError(
    `tenant ${tenantId} has no Brevo API key yet: run \`tajo connectors connect brevo --key <Brevo API key>${where}\` first, or add --brevo-key <Brevo API key> to this command`,
    'brevo_key_missing',
  );
}

/**
 * The schedules of local connections live in the local stack's process (`npm start`), which arms
 * every stored connection's schedule when it starts; a CLI process has none to arm or remove.
 */
const schedulesOfTheLocalStack: ScheduleManager = {
  ensure: async () => undefined,
  remove: async () => undefined,
};

/**
 * The local state as the services' dependencies (the same stores the local stack's functions use).
 * `forTenant` `default` makes that tenant exist first, as `npm start` does: the local state always
 * has it; other tenants come from `tajo tenants create`.
 */
async function withLocalState<T>(
  env: NodeJS.ProcessEnv,
  fn: (deps: ReturnType<typeof localDeps>) => Promise<T>,
  forTenant?: string,
): Promise<T> {
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  try {
    if (forTenant === DEFAULT_TENANT) await ensureLocalTenant(state.store, stateDir(env), DEFAULT_TENANT);
    return await fn(localDeps(state.store, env));
  } finally {
    await state.close();
  }
}

function localDeps(store: DynamoStore, env: NodeJS.ProcessEnv) {
  return {
    tenants: store,
    connections: store,
    runs: store,
    cursors: store,
    teams: store,
    webhooks: store,
    imported: store,
    deliveries: store,
    secrets: new FileSecretStore(join(stateDir(env), 'secrets')),
    schedules: schedulesOfTheLocalStack,
    clock: systemClock,
    endpoints: { ...endpointsFromEnv(env), slackApiUrl: env.SLACK_API_URL || undefined },
  };
}

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
      created = await createTenant({ tenants: new DynamoStore(client, values.table), clock: systemClock }, tenantId);
    } finally {
      client.destroy();
    }
  } else {
    created = await withLocalState(env, (deps) => createTenant(deps, tenantId));
  }
  const profileName = values['save-profile'];
  if (profileName) {
    const api = env.TAJO_API_URL ?? undefined;
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
    : await withLocalState(env, async (deps) => {
        const tenant = await deps.tenants.getTenant(tenantId);
        const connections = [];
        const records = [];
        for (const connector of ['notion', 'slack'] as const) {
          const c = await deps.connections.getConnection(tenantId, connector);
          if (c) {
            records.push(c);
            connections.push({
              connector,
              enabled: c.settings.enabled,
              workspace: c.workspace ?? null,
              connectedAt: c.createdAt,
              updatedAt: c.updatedAt,
            });
          }
        }
        return { tenantId, brevo: brevoConnectionOf(tenant, tenantId, records), connections };
      });
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
  if (listing.connections.length === 0) io.out('  no connection: tajo connectors connect notion --token ...');
  return 0;
}

interface ConnectionListing {
  tenantId: string;
  brevo: BrevoConnection | null;
  connections: {
    connector: ConnectorName;
    enabled: boolean;
    workspace: { name?: string } | null;
    connectedAt: string;
    updatedAt: string;
  }[];
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
  if (!isAccount(target)) throw new UsageError('connect what? tajo connectors connect notion|slack|brevo');
  const { remote, tenantId } = await whereTo(values, env);
  // The flags give what the file leaves out (the docs' Notion block has no token, no brevo section).
  const config = await optionalConfig(values, env, {
    brevoApiKey: values['brevo-key'] ?? (target === 'brevo' ? values.key : undefined) ?? FROM_STATE,
    notionToken: values.token ?? FROM_STATE,
    slackBotToken: values['bot-token'] ?? FROM_STATE,
  });

  // What to send, from the flags and the config, before anything is called.
  const configKey = given(config?.brevo.api_key);
  const brevoKey = target === 'brevo' ? (values.key ?? configKey) : (values['brevo-key'] ?? configKey);
  if (target === 'brevo' && !brevoKey) {
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
  const replaceBrevo = target === 'brevo' || values['brevo-key'] !== undefined;
  const body = target === 'brevo' ? undefined : connectorBody(target, values, config);

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
        const connect = target === 'notion' ? connectNotionWithToken : connectSlackWithToken;
        return { brevo: b, result: body ? await connect(deps, tenantId, body) : undefined };
      },
      tenantId,
    ));
  }

  if (values.json) {
    io.out(JSON.stringify(result ?? brevo));
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
    `${target === 'notion' ? 'Notion' : 'Slack'} connected for tenant ${tenantId}` +
      (ws?.name ? `: workspace ${ws.name}` : '') +
      (result.databases !== undefined ? `; ${result.databases} database${result.databases === 1 ? '' : 's'}` : '') +
      (result.channels !== undefined ? `; ${result.channels} channel${result.channels === 1 ? '' : 's'}` : '') +
      (result.schedule ? `; runs ${result.schedule}` : '; disabled, no schedule'),
  );
  if (!remote) io.out('  (local state: `npm start` arms its schedule when it starts)');
  io.out(`Next: tajo connectors test ${target}${remote ? ' --api ...' : ''}`);
  return 0;
}

/** The connect body: the config's section of the connector (if any) with the tokens of the flags. */
function connectorBody(
  target: ConnectorName,
  values: CommandValues,
  config: TajoConfig | undefined,
): Record<string, unknown> {
  if (target === 'notion') {
    const token = values.token ?? given(config?.connectors.notion?.token);
    if (!token) throw new UsageError('--token <Notion integration token> is required (or connectors.notion.token)');
    return { ...(config?.connectors.notion ?? {}), token };
  }
  const botToken = values['bot-token'] ?? given(config?.connectors.slack?.bot_token);
  if (!botToken) throw new UsageError('--bot-token <xoxb-...> is required (or connectors.slack.bot_token)');
  const signingSecret = values['signing-secret'] ?? config?.connectors.slack?.signing_secret;
  return {
    ...(config?.connectors.slack ?? {}),
    bot_token: botToken,
    ...(signingSecret ? { signing_secret: signingSecret } : {}),
  };
}

async function disconnect(
  target: string | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!isAccount(target)) throw new UsageError('disconnect what? tajo connectors disconnect notion|slack|brevo');
  const { remote, tenantId } = await whereTo(values, env);
  if (target === 'brevo') {
    const res = remote
      ? ((await callApi(remote, 'DELETE', tenantPath(tenantId, '/brevo'))) as Awaited<
          ReturnType<typeof disconnectBrevo>
        >)
      : await withLocalState(env, (deps) => disconnectBrevo(deps, tenantId));
    if (values.json) io.out(JSON.stringify(res));
    else io.out(`Brevo API key removed from tenant ${tenantId} (${res.removed.join(', ')})`);
    return 0;
  }
  const report: DisconnectReport = remote
    ? ((await callApi(remote, 'DELETE', tenantPath(tenantId, `/connections/${target}`))) as DisconnectReport)
    : await withLocalState(env, (deps) => disconnectConnector(deps, tenantId, target));
  if (values.json) io.out(JSON.stringify(report));
  else printDisconnect(io, report);
  return 0;
}

/**
 * The connector's checks. Locally, a config's section is tested with its tokens (as `test slack`
 * always did); without one, the tenant's stored connection. Remotely, the stored connection.
 */
async function testConnector(
  connector: ConnectorName,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  let result: Pick<ConnectionTestResult, 'ok' | 'checks'>;
  if (remote) {
    result = (await callApi(
      remote,
      'POST',
      tenantPath(tenantId, `/connections/${connector}/test`),
      connector === 'notion' ? { createPage: values['create-page'] === true } : {},
    )) as ConnectionTestResult;
  } else {
    const config = await optionalConfig(values, env);
    const notion = config?.connectors.notion;
    // A section without its token tests the stored connection (made from it by install).
    if (notion && given(notion.token) !== undefined) {
      const { token, ...settings } = notion;
      const brevoKey = given(config?.brevo.api_key);
      const checks = await testNotionConnection({
        token,
        settings,
        baseUrl: endpointsFromEnv(env).notionBaseUrl,
        clock: systemClock,
        createPage: values['create-page'] === true,
        // The config's Brevo account: the mapping is checked against its attributes, as sync does.
        ...(brevoKey
          ? {
              brevo: brevoClientFor({
                apiKey: brevoKey,
                baseUrl: endpointsFromEnv(env).brevoBaseUrl,
                clock: systemClock,
              }),
            }
          : {}),
      });
      result = { ok: checks.every((c) => c.ok), checks };
    } else {
      result = await withLocalState(env, (deps) =>
        testStoredConnection(deps, tenantId, connector, { createPage: values['create-page'] === true }),
      );
    }
  }
  if (values.json) io.out(JSON.stringify({ ok: result.ok, checks: result.checks }));
  else printChecks(io, result.checks);
  return result.ok ? 0 : 1;
}

/**
 * Status of a connector. Locally the config's settings describe it when a config is given (as
 * before), else the stored connection's; remotely, the API's answer.
 */
async function status(
  connector: ConnectorName,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  let answer: NotionStatus | SlackStatus;
  if (remote) {
    answer = (await callApi(remote, 'GET', tenantPath(tenantId, `/connections/${connector}/status`))) as
      | NotionStatus
      | SlackStatus;
  } else {
    const config = await optionalConfig(values, env);
    answer = await withLocalState(env, async (deps) => {
      if (connector === 'notion') {
        const conn = await deps.connections.getConnection(tenantId, 'notion');
        return notionStatus(deps, tenantId, config?.connectors.notion ?? conn?.settings, conn);
      }
      const conn = await deps.connections.getConnection(tenantId, 'slack');
      return slackStatus(deps, tenantId, config?.connectors.slack ?? conn?.settings, conn);
    });
  }
  if (values.json) io.out(JSON.stringify(answer));
  else if (answer.connector === 'notion') printNotionStatus(io, answer);
  else printSlackStatus(io, answer);
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

/** The --api part of a command to run next, when the API came from the flag (env and profiles carry over). */
function remoteFlag(values: CommandValues): string {
  return values.api ? ` --api ${values.api}` : values.profile ? ` --profile ${values.profile}` : '';
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
