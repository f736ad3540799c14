/**
 * Connecting by token (the management API's PUT .../connections/{connector} and `tajo connectors
 * connect|install`): the body is the connector's YAML section as JSON, tokens included. The
 * section is validated as the YAML is, the token is checked with the provider (Notion users/me,
 * Slack auth.test) before anything is stored, and the connection writes to Brevo with the tenant's
 * stored key. Storing is connections.ts's (shared with the config and OAuth ways of connecting).
 */

import { NOTION_INTERVAL_MS, NotionGateway } from '../connectors/notion/client';
import { ProviderError, RequestRefusedError, UnreachableError } from '../core/errors';
import { newStats } from '../core/http/paced-fetch';
import { integrationKey } from '../core/integration-key';
import type { ConnectionWorkspace, ConnectorName, SlackTeamStore, TenantRecord, TenantStore } from '../core/ports';
import { sharedPacer } from '../core/ratelimit/pacer';
import { parseConnectorSection } from './config';
import { type ConnectionDeps, checkSlackBotToken, storeNotionConnection, storeSlackConnection } from './connections';
import { describeCadence, topology } from './topology';

export interface TokenConnectDeps extends ConnectionDeps {
  tenants: TenantStore;
  teams: SlackTeamStore;
  endpoints: { notionBaseUrl?: string; slackApiUrl?: string };
}

export interface ConnectResult {
  tenantId: string;
  connector: ConnectorName;
  connected: true;
  enabled: boolean;
  workspace: ConnectionWorkspace | null;
  /** When the connection's recurring job runs (none while disabled). */
  schedule: string | null;
  /** Notion: databases synced; Slack: channels named. */
  databases?: number;
  channels?: number;
}

export async function connectNotionWithToken(
  deps: TokenConnectDeps,
  tenantId: string,
  body: unknown,
): Promise<ConnectResult> {
  const { token, ...settings } = parseConnectorSection('notion', body);
  const tenant = await tenantWithBrevoKey(deps.tenants, tenantId);
  const workspace = await checkNotionToken(token, settings.api_version, deps);
  const keyName = tenant.brevoAccount?.keyName;
  const record = await storeNotionConnection(deps, {
    tenantId,
    token,
    // The Brevo key's name: the rules drop the webhooks of our own contact writes.
    settings: { ...settings, ownApiKeyNames: keyName ? [keyName] : [] },
    brevo: { ref: tenant.brevoApiKeyRef },
    workspace,
  });
  return {
    tenantId,
    connector: 'notion',
    connected: true,
    enabled: record.settings.enabled,
    workspace,
    schedule: record.settings.enabled ? describeCadence(topology.schedules.notionPoll.cadence) : null,
    databases: record.settings.databases.length,
  };
}

export async function connectSlackWithToken(
  deps: TokenConnectDeps,
  tenantId: string,
  body: unknown,
): Promise<ConnectResult> {
  const { bot_token, signing_secret, ...settings } = parseConnectorSection('slack', body);
  const tenant = await tenantWithBrevoKey(deps.tenants, tenantId);
  const { team, workspace } = await checkSlackBotToken(bot_token, {
    clock: deps.clock,
    slackApiUrl: deps.endpoints.slackApiUrl,
  });
  const keyName = tenant.brevoAccount?.keyName;
  const record = await storeSlackConnection(deps, {
    tenantId,
    botToken: bot_token,
    signingSecret: signing_secret,
    settings: { ...settings, ownApiKeyNames: keyName ? [keyName] : [] },
    team,
    workspace,
    brevo: { ref: tenant.brevoApiKeyRef },
  });
  return {
    tenantId,
    connector: 'slack',
    connected: true,
    enabled: record.settings.enabled,
    workspace,
    schedule: record.settings.enabled ? describeCadence(topology.schedules.slackDaily.cadence) : null,
    channels: Object.keys(record.settings.channels).length,
  };
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

/** users/me with the token: who it is, or a refusal (400) that says what to do; nothing stored. */
async function checkNotionToken(
  token: string,
  apiVersion: NotionGateway['apiVersion'],
  deps: TokenConnectDeps,
): Promise<ConnectionWorkspace> {
  const notion = new NotionGateway({
    token,
    apiVersion,
    baseUrl: deps.endpoints.notionBaseUrl,
    clock: deps.clock,
    pacer: sharedPacer(integrationKey('notion', token), NOTION_INTERVAL_MS, deps.clock),
    stats: newStats(),
  });
  try {
    const me = await notion.me();
    return {
      ...(me.workspaceId ? { id: me.workspaceId } : {}),
      ...(me.workspaceName ? { name: me.workspaceName } : {}),
      botId: me.id,
    };
  } catch (err) {
    if (err instanceof ProviderError && err.status === 401) {
      throw new RequestRefusedError(
        400,
        'Notion rejected the token (401): copy the internal integration secret (ntn_...) from Notion → Settings → Integrations; nothing was stored',
        'notion_token_refused',
      );
    }
    if (err instanceof UnreachableError) throw new RequestRefusedError(502, err.message, 'unreachable');
    throw err;
  }
}

/** Connecting by token, per connector (the body is its config section as JSON). */
export const connectWithToken: {
  [C in ConnectorName]: (deps: TokenConnectDeps, tenantId: string, body: unknown) => Promise<ConnectResult>;
} = { notion: connectNotionWithToken, slack: connectSlackWithToken };
