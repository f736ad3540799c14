/**
 * Connecting by token (the management API's PUT .../connections/{connector} and `tajo connectors
 * connect|install`): the body is the connector's YAML section as JSON, tokens included. The
 * section is validated as the YAML is, the connector's hook checks the credentials with the
 * provider before anything is stored, and the connection writes to Brevo with the tenant's stored
 * key. Storing is connections.ts's (shared with the config way of connecting).
 */

import { connectorOf, resolveConnection } from '../connectors';
import { describeCadence } from '../core/connection-status';
import type { ConnectionCredentials, ConnectorStores, ProviderEndpoints } from '../core/connector';
import { ConfigError, RequestRefusedError } from '../core/errors';
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
  /** Connected with only credentials over an existing connection: its settings were kept. */
  kept?: 'settings';
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
  const { credentials, settings, kept } = await credentialsAndSettings(deps, tenantId, connector, body);
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
    ...(kept ? { kept: 'settings' } : {}),
    ...connect.counts(record.settings),
  };
}

/**
 * What a connect body gives: a whole section (its credentials and settings), or, when it holds only
 * the connector's credentials and the connection exists (the SDK's `connect(name, {token})`), new
 * credentials for the connection as it is: its settings are kept, and its signing secret when none is given.
 */
async function credentialsAndSettings(
  deps: Pick<TokenConnectDeps, 'connections' | 'secrets'>,
  tenantId: string,
  connector: ConnectorName,
  body: unknown,
): Promise<{ credentials: ConnectionCredentials; settings: unknown; kept: boolean }> {
  const { connect } = resolveConnection(connector);
  const existing = credentialsOnly(connect, body)
    ? await deps.connections.getConnection(tenantId, connector)
    : undefined;
  let split: ReturnType<typeof connect.split>;
  try {
    split = connect.split(parseConnectorSection(connector, body));
  } catch (err) {
    // A section alone may need a setting to parse (a shop's URL); new credentials for a connection do not.
    if (!(err instanceof ConfigError) || !existing) throw err;
    split = connect.split(body);
  }
  if (!existing) return { ...split, kept: false };
  // A bot token rotated alone keeps the app's signing secret: Slack's events stay verified.
  const signingSecret =
    split.credentials.signingSecret ??
    (existing.signingSecretRef ? await deps.secrets.get(existing.signingSecretRef) : undefined);
  return {
    credentials: { ...split.credentials, ...(signingSecret ? { signingSecret } : {}) },
    settings: existing.settings,
    kept: true,
  };
}

/**
 * Whether a connect body holds nothing but credentials: each of its keys is a string the
 * connector's split puts into the credentials (a stand-in value given for it ends up in the
 * credentials, not in the settings), whatever the connector. A body with any setting is a section.
 */
export function credentialsOnly(
  connect: { split(section: unknown): { credentials: unknown; settings: unknown } },
  body: unknown,
): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const entries = Object.entries(body);
  return (
    entries.length > 0 &&
    entries.every(([key, value]) => {
      if (typeof value !== 'string' || value === '') return false;
      const marker = `credential-probe-${key}-${'x'.repeat(8)}`;
      const { credentials, settings } = connect.split({ ...body, [key]: marker });
      return JSON.stringify(credentials).includes(marker) && !JSON.stringify(settings).includes(marker);
    })
  );
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
