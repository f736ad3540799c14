/**
 * Connecting by token (the management API's PUT .../connections/{connector} and `tajo connectors
 * connect|install`): the body is the connector's YAML section as JSON, tokens included. The
 * section is validated as the YAML is, the connector's hook checks the credentials with the
 * provider before anything is stored, and the connection writes to Brevo with the tenant's stored
 * key. Storing is connections.ts's (shared with the config way of connecting).
 */

import { connectorOf, resolveConnection } from '../connectors';
import { describeCadence } from '../core/connection-status';
import type { ConnectorStores, ProviderEndpoints } from '../core/connector';
import { RequestRefusedError } from '../core/errors';
import type { ConnectionWorkspace, ConnectorName, TenantRecord, TenantStore, WorkspaceClaimStore } from '../core/ports';
import { parseConnectorSection } from './config';
import { type ConnectionDeps, storeConnection } from './connections';

export interface TokenConnectDeps extends ConnectionDeps, Partial<Omit<ConnectorStores, 'teams'>> {
  tenants: TenantStore;
  teams: WorkspaceClaimStore;
  endpoints: ProviderEndpoints;
}

export interface ConnectResult {
  tenantId: string;
  connector: ConnectorName;
  connected: true;
  enabled: boolean;
  workspace: ConnectionWorkspace | null;
  /** When the connection's recurring job runs (none while disabled). */
  schedule: string | null;
  /** What the connector counts in its settings (Notion: databases synced; Slack: channels named). */
  [count: string]: unknown;
}

/** Connects any platform connector the registry resolves, by its section (with its secrets) as JSON. */
export async function connectWithToken(
  deps: TokenConnectDeps,
  tenantId: string,
  connector: ConnectorName,
  body: unknown,
): Promise<ConnectResult> {
  const descriptor = connectorOf(connector);
  const { connect } = resolveConnection(connector);
  const split = connect.split(parseConnectorSection(connector, body));
  const { credentials } = split;
  const settings = (await keptSettings(deps, tenantId, connector, body, credentials)) ?? split.settings;
  const tenant = await tenantWithBrevoKey(deps.tenants, tenantId);
  const checked = await connect.check(credentials, settings, { clock: deps.clock, endpoints: deps.endpoints });
  const keyName = tenant.brevoAccount?.keyName;
  const record = await storeConnection(deps, descriptor, {
    tenantId,
    credentials,
    // The Brevo key's name: the rules drop the webhooks of our own contact writes, notifications skip them.
    settings: { ...(settings as object), ownApiKeyNames: keyName ? [keyName] : [] },
    checked,
    brevo: { ref: tenant.brevoApiKeyRef },
  });
  const schedule = descriptor.schedule;
  return {
    tenantId,
    connector,
    connected: true,
    enabled: record.settings.enabled,
    workspace: checked.workspace ?? null,
    schedule: record.settings.enabled && schedule ? describeCadence(schedule.spec.cadence) : null,
    ...connect.counts(record.settings),
  };
}

/**
 * A body of credentials only (the SDK's `connect('notion', { token })`) on an existing connection
 * replaces its tokens and keeps its settings (databases, channels, mappings: what tajo.yaml or an
 * earlier connect set), instead of resetting them to the defaults. A body with any setting is the
 * whole section, as before.
 */
async function keptSettings(
  deps: TokenConnectDeps,
  tenantId: string,
  connector: ConnectorName,
  body: unknown,
  credentials: object,
): Promise<unknown> {
  if (typeof body !== 'object' || body === null) return undefined;
  const credentialKeys = new Set(Object.keys(credentials));
  if (!Object.keys(body).every((key) => credentialKeys.has(key))) return undefined;
  return (await deps.connections.getConnection(tenantId, connector))?.settings;
}

/** The tenant, whose Brevo key a connection needs before it can be made (409 without it). */
async function tenantWithBrevoKey(
  tenants: TenantStore,
  tenantId: string,
): Promise<TenantRecord & { brevoApiKeyRef: string }> {
  const tenant = await tenants.getTenant(tenantId);
  const ref = tenant?.brevoApiKeyRef;
  if (!tenant || !ref) {
    throw new RequestRefusedError(
      409,
      `tenant ${tenantId} has no Brevo API key yet: store it first (PUT /tenants/${tenantId}/brevo, or tajo connectors connect brevo --key ...)`,
      'brevo_key_missing',
    );
  }
  return { ...tenant, brevoApiKeyRef: ref };
}
