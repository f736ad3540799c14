/**
 * Connector definitions a tenant registers through the API (PUT /tenants/{t}/definitions/{name}):
 * JSON data validated by the engine's schema (a refusal is a 400 naming each bad key's path), stored
 * per tenant, and read back validated again (`tenantDefinition`, the resolution's seam for a
 * registered connector). A definition is data: nothing here imports or runs a tenant's code.
 */
import { catalogueDefinitions, resolveConnector } from '../connectors';
import { type Definition, normalizeDefinition } from '../connectors/custom/definition/schema';
import { RequestRefusedError } from '../core/errors';
import { sha256Hex } from '../core/hash';
import type { Clock, DefinitionRecord, DefinitionStore } from '../core/ports';

/** Well under DynamoDB's 400 KB item: a definition is a page of YAML, not a data set. */
export const MAX_DEFINITION_BYTES = 200_000;

export interface RegisteredDefinition {
  name: string;
  version: string;
  label: string;
  resources: string[];
  webhooks: string[];
  createdAt: string;
  updatedAt: string;
  /** False when a PUT sent the definition already stored (nothing changed). */
  changed?: boolean;
}

/** Validates and stores the tenant's definition under `name` (the path's, which must be the definition's). */
export async function registerDefinition(
  deps: { definitions: DefinitionStore; clock: Clock },
  tenantId: string,
  name: string,
  data: unknown,
): Promise<RegisteredDefinition> {
  const json = JSON.stringify(data ?? null);
  if (Buffer.byteLength(json) > MAX_DEFINITION_BYTES)
    throw new RequestRefusedError(400, `the definition is over ${MAX_DEFINITION_BYTES} bytes of JSON: trim it`);
  // Throws a DefinitionError (a ConfigError: 400 with each issue's path).
  const definition = normalizeDefinition(data, `definitions/${name}`);
  if (definition.name !== name)
    throw new RequestRefusedError(
      400,
      `the definition's name is ${definition.name}, the path's ${name}: PUT it to /definitions/${definition.name}`,
    );
  // A tenant's definition never stands in for a connector the service ships (its webhooks, its checks).
  // Built in or in the catalogue: a definition never shadows a connector the product has.
  const shipped = resolveConnector(name)?.label;
  if (shipped)
    throw new RequestRefusedError(
      409,
      `${name} is a built-in connector (${shipped}): name your definition otherwise`,
      'conflict',
    );
  const now = new Date(deps.clock.now()).toISOString();
  const hash = sha256Hex(json);
  const existing = await deps.definitions.getDefinition(tenantId, name);
  if (existing?.hash === hash) return { ...describe(existing, definition), changed: false };
  const record: DefinitionRecord = {
    tenantId,
    name,
    version: definition.version,
    definition: data,
    hash,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.definitions.putDefinition(record);
  return { ...describe(record, definition), changed: true };
}

/** The tenant's registered definitions, each validated (a stored one the schema now refuses says why). */
export async function listDefinitions(
  deps: { definitions: DefinitionStore },
  tenantId: string,
): Promise<{ definitions: (RegisteredDefinition | { name: string; error: string })[] }> {
  const records = await deps.definitions.listDefinitions(tenantId);
  return {
    definitions: records.map((r) => {
      try {
        return describe(r, normalizeDefinition(r.definition, `definitions/${r.name}`));
      } catch (err) {
        return { name: r.name, error: (err as Error).message };
      }
    }),
  };
}

/** One registered definition: its summary and the definition as stored; 404 when there is none. */
export async function getDefinition(
  deps: { definitions: DefinitionStore },
  tenantId: string,
  name: string,
): Promise<RegisteredDefinition & { definition: unknown }> {
  const record = await deps.definitions.getDefinition(tenantId, name);
  if (!record) throw notRegistered(name);
  return {
    ...describe(record, normalizeDefinition(record.definition, `definitions/${name}`)),
    definition: record.definition,
  };
}

export async function deleteDefinition(
  deps: { definitions: DefinitionStore },
  tenantId: string,
  name: string,
): Promise<{ name: string; deleted: true }> {
  if (!(await deps.definitions.deleteDefinition(tenantId, name))) throw notRegistered(name);
  return { name, deleted: true };
}

/**
 * The seam of connector resolution: the definition the tenant registered under `name`, validated,
 * or undefined when it registered none. The definition is data: it is run by the engine only.
 */
export async function tenantDefinition(
  deps: { definitions: DefinitionStore },
  tenantId: string,
  name: string,
): Promise<Definition | undefined> {
  const record = await deps.definitions.getDefinition(tenantId, name);
  return record ? normalizeDefinition(record.definition, `definitions/${name}`) : undefined;
}

function describe(record: DefinitionRecord, d: Definition): RegisteredDefinition {
  return {
    name: record.name,
    version: d.version,
    label: d.label,
    resources: Object.keys(d.resources),
    webhooks: Object.keys(d.webhooks),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function notRegistered(name: string): RequestRefusedError {
  return new RequestRefusedError(
    404,
    `no definition ${name} registered: tajo connectors register <file> registers one`,
    'not_found',
  );
}

/**
 * The platforms a tenant can connect, as definitions: the catalogue's, then the ones it registered
 * (a stored definition the schema now refuses is left out; GET /definitions says why).
 */
export function platformDefinitionsOf(deps: {
  definitions: DefinitionStore;
}): (tenantId: string) => Promise<Definition[]> {
  return async (tenantId) => {
    const registered = await deps.definitions.listDefinitions(tenantId);
    const valid: Definition[] = [];
    for (const r of registered) {
      try {
        valid.push(normalizeDefinition(r.definition, `definitions/${r.name}`));
      } catch {
        // Listed with its error by GET /definitions; not a platform to offer meanwhile.
      }
    }
    return [...catalogueDefinitions(), ...valid];
  };
}
