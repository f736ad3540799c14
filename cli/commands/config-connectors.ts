/**
 * A connector of the config's own (`connectors.<name>.definition: FILE`) on the command line: before
 * the command line is checked, the config the command names (--config, TAJO_CONFIG, ./tajo.yaml) is
 * looked at for `tajo connectors <verb> <name>`'s definition, which is loaded (YAML, JSON or a
 * TypeScript module: this is the person's own file on their machine) and becomes the CLI's rows and
 * options. Whatever goes wrong here is left to the command's own config loading to report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { useDefinitionLoader } from '../../shared/app/config';
import { resolveConnector, useConfigDefinition } from '../../shared/connectors';
import { loadDefinitionFile } from '../../shared/connectors/custom/definition/load';
import { normalizeDefinition } from '../../shared/connectors/custom/definition/schema';
import { readEnv } from '../../shared/core/env';
import { addCliConnector } from '../help';
import { callApi, remoteTarget, tenantPath } from './remote';

// The CLI's own process: the person's TypeScript definitions are imported (never in the service).
useDefinitionLoader(loadDefinitionFile);

export async function registerConfigConnector(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const [group, , name] = words;
  if (group !== 'connectors' || name === undefined || resolveConnector(name)) return;
  const file = configFileOf(argv, env);
  if (file === undefined) return registerTenantConnector(argv, env, name);
  try {
    const raw = parseDocument(readFileSync(file, 'utf8')).toJS() as {
      connectors?: Record<string, { definition?: unknown } | null>;
    } | null;
    const definitionFile = raw?.connectors?.[name]?.definition;
    if (typeof definitionFile !== 'string') return registerTenantConnector(argv, env, name);
    const definition = await loadDefinitionFile(resolve(dirname(file), definitionFile));
    if (definition.name !== name) return;
    addCliConnector(useConfigDefinition(definition));
  } catch {
    // The command's own config loading says what is wrong, with its path.
  }
}

function configFileOf(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if ((a === '--config' || a === '-c') && argv[i + 1] !== undefined) return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  const fromEnv = readEnv(env).config;
  if (fromEnv) return fromEnv;
  return existsSync('tajo.yaml') ? 'tajo.yaml' : undefined;
}

/**
 * A connector the tenant registered with the stack (`tajo connectors register FILE`): when the command
 * runs against an API (--api, TAJO_API_URL, a profile), its definition is read from there
 * (GET /tenants/{t}/definitions/{name}) and becomes the CLI's rows and options, so `connect`, `sync`,
 * `status` and `--help` serve it as they serve a catalogue connector. Data only: it is never run.
 */
async function registerTenantConnector(argv: string[], env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  try {
    const api = value('--api');
    const profile = value('--profile');
    const remote = await remoteTarget({ ...(api ? { api } : {}), ...(profile ? { profile } : {}) }, env);
    if (remote === undefined) return;
    const tenant = value('--tenant') ?? remote.profileTenant ?? 'default';
    const answer = (await callApi(remote, 'GET', tenantPath(tenant, `/definitions/${encodeURIComponent(name)}`))) as {
      definition?: unknown;
    };
    const definition = normalizeDefinition(answer.definition, `${name} (registered with ${remote.url})`);
    if (definition.name === name) addCliConnector(useConfigDefinition(definition));
  } catch {
    // Not registered, or the stack unreachable: the command line's own check says the connector is unknown.
  }
}
