/**
 * Storing a tenant's connection, whatever its connector: secrets go to the secret store, the
 * connection record keeps only their references, and the connection gets its recurring schedule
 * (its descriptor's). Also the config's way of connecting Notion and Slack (the local stack).
 */

import { connectorOf, resolveConnection } from '../connectors';
import { notionDescriptor } from '../connectors/notion/descriptor';
import { slackDescriptor } from '../connectors/slack/descriptor';
import type { TajoConfig } from '../core/config/schema';
import {
  type CheckedCredentials,
  type ConnectionCredentials,
  type ConnectorDescriptor,
  type ConnectorStores,
  ensureSchedule,
  type ProviderEndpoints,
} from '../core/connector';
import { ConfigError, reasonOf } from '../core/errors';
import { integrationKey } from '../core/integration-key';
import type {
  Clock,
  ConnectionHealth,
  ConnectionRecord,
  ConnectionStore,
  ConnectionWorkspace,
  ScheduleManager,
  SecretStore,
  WorkspaceClaimStore,
} from '../core/ports';
import { type BrevoKeySource, brevoKeyRef } from '../core/tenancy/connections';
import { providerDown } from './health';

/**
 * Makes sure an enabled connection has its recurring schedule (connect, and the stack's sweeps that
 * restore a lost one); a disabled connection has none. The schedule is its connector's (registry).
 */
export function ensureConnectionSchedule(
  schedules: ScheduleManager,
  record: ConnectionRecord<string>,
): Promise<boolean> {
  const spec = connectorOf(record.connector).schedule;
  return spec ? ensureSchedule(schedules, spec, record) : Promise.resolve(false);
}

/** What storing a connection needs, whichever way it was made (config, token, OAuth). */
export interface ConnectionDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  schedules: ScheduleManager;
  clock: Clock;
}

/**
 * Storing a connection, whichever way it was made (config, token) and whatever its connector: the
 * connector claims what it holds for the tenant (a Slack team: another tenant's is refused before
 * anything is stored), the secrets go to the secret store and the record keeps their references,
 * the Brevo key's reference and who the token belongs to; what only the previous record referenced
 * is deleted, what the connector held before is released, and the connection gets its schedule.
 * The caller has checked the credentials (or marks the record degraded: `health`).
 */
export async function storeConnection(
  deps: ConnectionDeps & Partial<ConnectorStores>,
  connector: ConnectorDescriptor,
  args: {
    tenantId: string;
    credentials: ConnectionCredentials;
    /** The connector's settings (its section without its secrets). */
    settings: unknown;
    checked?: CheckedCredentials;
    /** Who the token belongs to when it could not be checked (an earlier record's). */
    workspace?: ConnectionWorkspace;
    brevo: BrevoKeySource;
    health?: ConnectionHealth;
  },
): Promise<ConnectionRecord<string>> {
  const { tenantId, credentials } = args;
  const name = connector.name;
  const connect = connector.connection?.connect;
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(tenantId, name);
  const checked = args.checked;
  const settings =
    checked && connect?.claim
      ? await connect.claim(connectorStores(deps), {
          tenantId,
          settings: args.settings,
          checked,
          createdAt: existing?.createdAt ?? now,
        })
      : args.settings;
  const tags = { tenant: tenantId, connector: name };
  const tokenRef = await deps.secrets.put(connector.secrets.token(tenantId), credentials.token, tags);
  const signingSecretName = connector.secrets.signingSecret?.(tenantId);
  const signingSecretRef =
    credentials.signingSecret && signingSecretName
      ? await deps.secrets.put(signingSecretName, credentials.signingSecret, tags)
      : undefined;
  const brevoApiKeyRef = await brevoKeyRef(deps.secrets, tenantId, args.brevo);
  const record: ConnectionRecord<string> = {
    tenantId,
    connector: name,
    settings: settings as ConnectionRecord<string>['settings'],
    tokenRef,
    ...(signingSecretRef ? { signingSecretRef } : {}),
    brevoApiKeyRef,
    integrationKey: integrationKey(name, credentials.token),
    ...((checked?.workspace ?? args.workspace) ? { workspace: checked?.workspace ?? args.workspace } : {}),
    ...(args.health ? { health: args.health } : {}),
    ...timestamps(existing, now),
  };
  // Connected again without a signing secret, or by token after an install: nothing stays behind.
  await putReplacing(deps, record, existing);
  if (checked && connect?.release) await connect.release(connectorStores(deps), tenantId, checked);
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}

/** The connector stores a hook needs; a deployment without one gives none to a connector that needs it. */
function connectorStores(deps: Partial<ConnectorStores>): ConnectorStores {
  return {
    get teams() {
      if (!deps.teams) throw new Error('this connection needs the Slack team store, which was not given');
      return deps.teams;
    },
    get webhooks() {
      if (!deps.webhooks) throw new Error('this connection needs the Notion webhook store, which was not given');
      return deps.webhooks;
    },
  };
}

/**
 * The secrets a connection's previous record referenced that its new record does not: a token
 * connection made again after an OAuth install (the grant, with a live refresh token), an install
 * over a token connection, a signing secret no longer used. Nothing refers to them any more, so
 * they are deleted, not left behind.
 */
export function replacedSecretRefs(
  existing: Pick<ConnectionRecord<string>, 'tokenRef' | 'signingSecretRef'> | undefined,
  record: Pick<ConnectionRecord<string>, 'tokenRef' | 'signingSecretRef'>,
): string[] {
  return [existing?.tokenRef, existing?.signingSecretRef].filter(
    (ref): ref is string => ref !== undefined && ref !== record.tokenRef && ref !== record.signingSecretRef,
  );
}

/** When a connection was first made (kept across reconnects) and last stored. */
function timestamps(existing: { createdAt: string } | undefined, now: string) {
  return { createdAt: existing?.createdAt ?? now, updatedAt: now };
}

/** Stores a connection's record, then deletes the secrets only its previous record referenced. */
async function putReplacing<C extends string>(
  deps: Pick<ConnectionDeps, 'connections' | 'secrets'>,
  record: ConnectionRecord<C>,
  existing: ConnectionRecord<C> | undefined,
): Promise<void> {
  await deps.connections.putConnection(record);
  for (const ref of replacedSecretRefs(existing, record)) await deps.secrets.delete(ref);
}

/**
 * Connects a connector from a Tajo config's section (the local stack's default tenant, tests): as
 * by token, with the config's Brevo key; checked or not, and degraded when its provider does not
 * answer, as its `fromConfig` hook says.
 */
export async function connectFromConfig(
  deps: ConnectionDeps & Partial<ConnectorStores> & { endpoints: ProviderEndpoints },
  connector: ConnectorDescriptor,
  args: { tenantId: string; config: TajoConfig },
  options: {
    /**
     * The provider unreachable (or answering 5xx) while the credentials are checked: `degrade`
     * keeps the connection unchecked and marked degraded (the local stack starts anyway, and its
     * webhooks are queued for when it is back); the default refuses, so nothing unchecked is stored
     * by a person.
     */
    whenUnreachable?: 'refuse' | 'degrade';
  } = {},
): Promise<ConnectionRecord<string>> {
  const { tenantId, config } = args;
  const section = (config.connectors as Record<string, unknown>)[connector.name];
  if (!section) {
    throw new ConfigError([
      { path: `connectors.${connector.name}`, message: `is required to connect ${connector.label}` },
    ]);
  }
  const { connect } = resolveConnection(connector.name);
  const { credentials, settings: own } = connect.split(section);
  const keyName = config.brevo.api_key_name;
  // The key's name lets the rules and notifications tell our own contact writes' webhooks apart.
  const settings = { ...(own as object), ownApiKeyNames: keyName ? [keyName] : [] };
  const brevo = { apiKey: config.brevo.api_key };
  if (!connect.fromConfig) {
    // Stored unchecked: what a check of the same token told before (its workspace) is kept, so a
    // restart on the same config does not forget it.
    const known = await knownRecord(deps, tenantId, connector.name, credentials.token);
    return storeConnection(deps, connector, {
      tenantId,
      credentials,
      settings,
      ...(known?.workspace ? { workspace: known.workspace } : {}),
      brevo,
    });
  }
  let checked: CheckedCredentials;
  try {
    checked = await connect.check(credentials, settings, { clock: deps.clock, endpoints: deps.endpoints });
  } catch (err) {
    if (options.whenUnreachable !== 'degrade' || providerDown(err) !== connector.name) throw err;
    const known = await knownRecord(deps, tenantId, connector.name, credentials.token);
    const unchecked = connect.fromConfig.unchecked(settings, known);
    return storeConnection(deps, connector, {
      tenantId,
      credentials,
      settings: unchecked.settings,
      ...(unchecked.workspace ? { workspace: unchecked.workspace } : {}),
      brevo,
      health: {
        state: 'degraded',
        reason: reasonOf(err),
        checkedAt: new Date(deps.clock.now()).toISOString(),
        providers: [connector.name],
      },
    });
  }
  return storeConnection(deps, connector, { tenantId, credentials, settings, checked, brevo });
}

/** Connects Notion from a Tajo config (tests); the token is not checked. */
export async function connectNotion(
  deps: ConnectionDeps,
  args: { tenantId: string; config: TajoConfig },
): Promise<ConnectionRecord> {
  return (await connectFromConfig({ ...deps, endpoints: {} }, notionDescriptor, args)) as ConnectionRecord<'notion'>;
}

/** Connects the tenant's own Slack app from a Tajo config (tests); its token is checked with auth.test. */
export async function connectSlack(
  deps: ConnectionDeps & { teams: WorkspaceClaimStore; slackApiUrl?: string },
  args: { tenantId: string; config: TajoConfig },
  options: { whenUnreachable?: 'refuse' | 'degrade' } = {},
): Promise<ConnectionRecord<'slack'>> {
  const endpoints = { slackApiUrl: deps.slackApiUrl };
  return (await connectFromConfig({ ...deps, endpoints }, slackDescriptor, args, options)) as ConnectionRecord<'slack'>;
}

/** The tenant's stored record of this connector when it holds the same token (its integration key). */
async function knownRecord(
  deps: Pick<ConnectionDeps, 'connections'>,
  tenantId: string,
  connector: string,
  token: string,
): Promise<ConnectionRecord<string> | undefined> {
  const existing = await deps.connections.getConnection(tenantId, connector);
  return existing?.integrationKey === integrationKey(connector, token) ? existing : undefined;
}
