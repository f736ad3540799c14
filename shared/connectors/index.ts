/**
 * The registry: every connector of the product, by its descriptor. The only file that imports
 * every connector; the app, the CLI, the topology and the local stack read this list instead of
 * naming a provider. Adding a connector: its folder under shared/connectors/, its descriptor, one
 * line here (ARCHITECTURE.md, "How to add a connector").
 */
import type { ConnectorDescriptor } from '../core/connector';
import type { ConnectorName } from '../core/ports';
import { brevoDescriptor } from './brevo/descriptor';
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

/**
 * The descriptor a connector's name resolves to: today the registry's list. The seam where
 * connectors made at runtime from definitions (the catalogue's files, a tenant's registered
 * definitions) join: each is a ConnectorDescriptor built by the engine, with the same hooks.
 */
export function resolveConnector(name: string | undefined): ConnectorDescriptor | undefined {
  return name === undefined ? undefined : findConnector(name);
}

/** Every platform connector a name resolves to (the listing `tajo connectors list` shows); the same seam. */
export function resolvablePlatformConnectors(): readonly ConnectorDescriptor[] {
  return platformConnectors;
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
