/**
 * The registry: every connector of the product, by its descriptor. The only file that imports
 * every connector; the app, the CLI, the topology and the local stack read this list instead of
 * naming a provider. Adding a connector: its folder under shared/connectors/, its descriptor, one
 * line here (ARCHITECTURE.md, "How to add a connector").
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorDescriptor } from '../core/connector';
import { readEnv } from '../core/env';
import type { ConnectorName } from '../core/ports';
import { brevoDescriptor } from './brevo/descriptor';
import type { Definition } from './custom';
import { parseDefinitionText } from './custom';
import { definitionConnector } from './custom/descriptor';
import { notionDescriptor } from './notion/descriptor';
import { slackDescriptor } from './slack/descriptor';

export const connectors: readonly ConnectorDescriptor[] = [notionDescriptor, slackDescriptor, brevoDescriptor];

/** The connectors a tenant connects (a connection each): not the hub. */
export const platformConnectors: readonly ConnectorDescriptor[] = connectors.filter((c) => c.role === 'platform');

/** The hub every connection writes to (Brevo). */
export const hubConnector: ConnectorDescriptor = brevoDescriptor;

/** The connector whose provider posts inbound events to this route (API Gateway route key), if any. */
export function connectorOfInboundRoute(routeKey: string): ConnectorDescriptor | undefined {
  return connectors.find((c) => c.inboundRoutePrefix !== undefined && routeKey.startsWith(c.inboundRoutePrefix));
}

/** The descriptor of a connector; undefined for a name the registry does not list. */
export function findConnector(name: string): ConnectorDescriptor | undefined {
  return connectors.find((c) => c.name === name);
}

// ------------------------------------------------------------------ definition connectors

/** The catalogue's folder beside this file: data files only, listed at runtime (adding stripe.yaml adds Stripe, no code). */
export const CATALOGUE_DIR = join(__dirname, 'catalogue');

/** Where the catalogue is read from: TAJO_CATALOGUE_DIR when the code runs bundled (a Lambda, the local stack's functions). */
function catalogueDir(): string {
  return readEnv().catalogueDir ?? CATALOGUE_DIR;
}

let catalogue: readonly ConnectorDescriptor[] | undefined;
let catalogueFiles: readonly Definition[] | undefined;

/**
 * The catalogue's connectors, each built from its definition file (read once per process). A file
 * that does not validate is the product's own bug: it fails loudly, with its path.
 */
export function catalogueConnectors(): readonly ConnectorDescriptor[] {
  catalogue ??= catalogueDefinitions().map(definitionConnector);
  return catalogue;
}

/** The catalogue's definitions (`shopify.yaml`, `stripe.yaml`...), validated; the folder is read once per process. */
export function catalogueDefinitions(): readonly Definition[] {
  catalogueFiles ??= readCatalogue();
  return catalogueFiles;
}

function readCatalogue(): Definition[] {
  const dir = catalogueDir();
  // A bundle shipped without the folder (a deployment that predates the catalogue) has no catalogue
  // connectors rather than no connectors at all; the infra ships it and sets TAJO_CATALOGUE_DIR.
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) =>
      parseDefinitionText(readFileSync(join(dir, f), 'utf8'), `catalogue/${f}`, f.endsWith('.json') ? 'json' : 'yaml'),
    );
}

/** The connectors of the config's `connectors.<name>.definition: FILE` sections (the config loaded last). */
const fromConfig = new Map<string, ConnectorDescriptor>();

/**
 * Makes a config's definition a connector (loadConfigFile calls this for each `definition:` it
 * reads). Loading the same config again replaces it; a name the product or the catalogue has is
 * refused: a definition never shadows a connector.
 */
export function useConfigDefinition(definition: Definition): ConnectorDescriptor {
  const taken = findConnector(definition.name) ?? catalogueConnectors().find((c) => c.name === definition.name);
  if (taken)
    throw new Error(
      `a connector named ${definition.name} already exists (${taken.label}): give the definition another name`,
    );
  const descriptor = definitionConnector(definition);
  fromConfig.set(definition.name, descriptor);
  return descriptor;
}

/** Where a tenant's registered definitions are read (the management API's store: app/definitions.ts). */
export type TenantDefinitions = (tenantId: string, name: string) => Promise<Definition | undefined>;

/**
 * The connectors a request of one tenant may name beyond the shared ones (its registered
 * definition): resolveConnector sees them only inside `withTenantConnector`, so one tenant's
 * definition is never another's, even in the same process.
 */
const requestScope = new AsyncLocalStorage<ReadonlyMap<string, ConnectorDescriptor>>();

/**
 * Runs `fn` with the tenant's registered definition named `name` (when it has one and no shared
 * connector has that name) resolvable by name: connect, test, status, sync and disconnect of a
 * registered definition go through the same hooks as a catalogue one.
 */
export async function withTenantConnector<T>(
  tenantId: string,
  name: string | undefined,
  registered: TenantDefinitions,
  fn: () => Promise<T>,
): Promise<T> {
  if (name === undefined || resolveConnector(name) !== undefined) return fn();
  const definition = await registered(tenantId, name);
  if (definition === undefined) return fn();
  return requestScope.run(new Map([[name, definitionConnector(definition)]]), fn);
}

/** The names a connector section may have without a definition file: built in, then the catalogue. */
export function knownConnectorNames(): string[] {
  return [...platformConnectors.map((c) => c.name), ...catalogueConnectors().map((c) => c.name)];
}

/** Connectors made while the process runs (registerConnector), after the built-in ones. */
const madeAtRuntime: ConnectorDescriptor[] = [];

/**
 * Adds a connector made at runtime: a ConnectorDescriptor the definition engine builds from a
 * definition (a catalogue file). Its connection operations are its descriptor's hooks, so connect,
 * test, status, disconnect and list serve it as they serve the built-in ones. A name already
 * resolved is refused: a definition never shadows a connector.
 */
export function registerConnector(descriptor: ConnectorDescriptor): void {
  if (resolveConnector(descriptor.name)) {
    throw new Error(`a connector named ${descriptor.name} already exists: give the definition another name`);
  }
  if (descriptor.role === 'platform' && !descriptor.connection) {
    throw new Error(`connector ${descriptor.name} has no connection hooks (connect, test, status): build them with it`);
  }
  madeAtRuntime.push(descriptor);
}

/**
 * The descriptor a connector's name resolves to: the registry's list, then the connectors made at
 * runtime: the catalogue's, the config's `definition:` files', registerConnector's. The one seam
 * every connection operation goes through (a tenant's registered definitions: withTenantConnector).
 */
export function resolveConnector(name: string | undefined): ConnectorDescriptor | undefined {
  if (name === undefined) return undefined;
  return (
    findConnector(name) ??
    catalogueConnectors().find((c) => c.name === name) ??
    fromConfig.get(name) ??
    madeAtRuntime.find((c) => c.name === name) ??
    requestScope.getStore()?.get(name)
  );
}

/** Every platform connector a name resolves to (what `tajo connectors list` shows). */
export function resolvablePlatformConnectors(): readonly ConnectorDescriptor[] {
  return [
    ...platformConnectors,
    ...catalogueConnectors(),
    ...fromConfig.values(),
    ...madeAtRuntime.filter((c) => c.role === 'platform'),
    ...(requestScope.getStore()?.values() ?? []),
  ];
}

/** A platform connector's name, checked against the registry (a connection's connector). */
export function isPlatformConnector(name: string | undefined): name is ConnectorName {
  return resolveConnector(name)?.role === 'platform';
}

/** The descriptor of a connection's connector (every ConnectorName is in the registry). */
export function connectorOf(name: ConnectorName): ConnectorDescriptor {
  const found = resolveConnector(name);
  if (!found) throw new Error(`connector ${name} is not in the registry`);
  return found;
}

/** A platform connector's connection operations (connect, test, status); a bug when it has none. */
export function resolveConnection(name: ConnectorName): NonNullable<ConnectorDescriptor['connection']> {
  const hooks = connectorOf(name).connection;
  if (!hooks) throw new Error(`connector ${name} has no connection operations (connect, test, status)`);
  return hooks;
}
