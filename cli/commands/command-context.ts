/**
 * Where a CLI management command runs, and with what: its options, its tenant, the deployed stack
 * it calls (--api, TAJO_API_URL, a profile) or the local state it opens (TAJO_STATE_DIR), and the
 * config it reads when one is given.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TENANT, ensureLocalTenant } from '../../local/tenant-files';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { startEmbeddedDynamo, stateDir } from '../../shared/adapters/local/embedded-dynamodb';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { loadConfigFile } from '../../shared/app/config';
import type { ConfigSupply } from '../../shared/core/config/load';
import { type TajoConfig, tenantIdSchema } from '../../shared/core/config/schema';
import { endpointsFromEnv, readEnv } from '../../shared/core/env';
import { ConfigError, TajoError } from '../../shared/core/errors';
import { type ScheduleManager, systemClock } from '../../shared/core/ports';
import { UsageError } from '../io';
import { type Remote, remoteTarget } from './remote';

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
  'events-url'?: string;
  detach?: boolean;
}

// ------------------------------------------------------------------ where a command runs

/** The tenant: --tenant, else the profile's, else the config's, else `default`. */
export async function tenantOf(values: CommandValues, env: NodeJS.ProcessEnv, remote?: Remote): Promise<string> {
  const config = await optionalConfig(values, env);
  const tenant = values.tenant ?? remote?.profileTenant ?? config?.tenant ?? 'default';
  if (!tenantIdSchema.safeParse(tenant).success) {
    throw new UsageError(`--tenant ${JSON.stringify(tenant)}: expected 1 to 48 lower-case letters, digits and dashes`);
  }
  return tenant;
}

/** The API the command goes to (none: the local state) and the tenant it is about. */
/** The --api part of a command to run next, when the API came from the flag (env and profiles carry over). */
export function remoteFlag(values: CommandValues): string {
  return values.api ? ` --api ${values.api}` : values.profile ? ` --profile ${values.profile}` : '';
}

export async function whereTo(
  values: CommandValues,
  env: NodeJS.ProcessEnv,
): Promise<{ remote: Remote | undefined; tenantId: string }> {
  const remote = await remoteTarget(values, env);
  return { remote, tenantId: await tenantOf(values, env, remote) };
}

/**
 * Stands for a token or key the file leaves out: the one stored in the tenant's state (or given by a
 * flag) is used. Never sent anywhere: `given` turns it back into "not in the file".
 */
export const FROM_STATE = '(stored)';
const ALL_FROM_STATE = { brevoApiKey: FROM_STATE, notionToken: FROM_STATE, slackBotToken: FROM_STATE };

export function given(value: string | undefined): string | undefined {
  return value === FROM_STATE ? undefined : value;
}

/**
 * The config when one is given (--config, TAJO_CONFIG) or ./tajo.yaml exists. Either must load: an
 * implicit ./tajo.yaml that does not validate is an error, never skipped (a connect that ignored it
 * would store a connection without its databases and say so only as "0 databases"). Tokens and the
 * Brevo key may be left out of the file: these commands take them from their flags or the state.
 */
export async function optionalConfig(
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  supply: ConfigSupply = ALL_FROM_STATE,
): Promise<TajoConfig | undefined> {
  const explicit = values.config ?? readEnv(env).config;
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
export function brevoKeyMissing(tenantId: string, remote: boolean): TajoError {
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
export async function withLocalState<T>(
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

function localDeps(store: DynamoRepositories, env: NodeJS.ProcessEnv) {
  return {
    tenants: store,
    connections: store,
    runs: store,
    cursors: store,
    teams: store,
    webhooks: store,
    imported: store,
    deliveries: store,
    skills: store,
    definitions: store,
    budgets: store,
    secrets: new FileSecretStore(join(stateDir(env), 'secrets')),
    schedules: schedulesOfTheLocalStack,
    clock: systemClock,
    endpoints: { ...endpointsFromEnv(env), slackApiUrl: readEnv(env).slackApiUrl },
  };
}
