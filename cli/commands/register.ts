/**
 * `tajo connectors register FILE`: a connector definition (YAML, JSON, or a TypeScript module whose
 * default export is `defineConnector({...})`) loaded and validated here, on the user's machine, then
 * stored for the tenant as data: with --api (or a profile) through PUT /tenants/{t}/definitions/{name},
 * else in the local state. The service never receives code: a module is run here and its result sent.
 */
import { registerDefinition } from '../../shared/app/definitions';
import { loadDefinitionFile } from '../../shared/connectors/custom/definition/load';
import { systemClock } from '../../shared/core/ports';
import { type Io, UsageError } from '../io';
import { type CommandValues, remoteFlag, whereTo, withLocalState } from './command-context';
import { callApi, tenantPath } from './remote';

/** The definition's label as written, and the name the commands take when the label is another. */
function named(res: { name: string; label?: string }): string {
  return res.label === undefined || res.label === res.name ? res.name : `${res.label} (${res.name})`;
}

export async function registerCommand(
  file: string | undefined,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!file) throw new UsageError('tajo connectors register needs the definition file (.yaml, .json or .ts)');
  const definition = await loadDefinitionFile(file);
  // The validated definition as plain JSON data (a module's functions or classes do not survive).
  const data = JSON.parse(JSON.stringify(definition)) as unknown;
  const { remote, tenantId } = await whereTo(values, env);
  const res = (
    remote
      ? await callApi(remote, 'PUT', tenantPath(tenantId, `/definitions/${definition.name}`), data)
      : await withLocalState(env, (deps) =>
          registerDefinition({ definitions: deps.definitions, clock: systemClock }, tenantId, definition.name, data),
        )
  ) as { name: string; version: string; label?: string; resources: string[]; webhooks: string[]; changed?: boolean };
  if (values.json) {
    io.out(JSON.stringify(res));
    return 0;
  }
  const what = `${res.resources.length} resource${res.resources.length === 1 ? '' : 's'}, ${res.webhooks.length} webhook${res.webhooks.length === 1 ? '' : 's'}`;
  io.out(
    `${named(res)} ${res.version} ${res.changed === false ? 'already registered (unchanged)' : 'registered'} for ${tenantId}${remote ? '' : ' in the local state'} (${what})`,
  );
  // The stack is named again only when a flag named it: TAJO_API_URL carries over by itself.
  io.out(`Next: tajo connectors connect ${res.name} ...${remote ? remoteFlag(values) : ''}`);
  return 0;
}
