/**
 * What the OAuth install's flow (oauth-install.ts) and each connector's install (oauth-installs.ts)
 * share: their dependencies and endpoints, the refusal an admin reads, the settings a new grant
 * starts from, the code exchange's arguments, and the write of the connection.
 */

import { readEnv } from '../core/env';
import type {
  Clock,
  ConnectionRecord,
  ConnectionStore,
  ConnectorName,
  OAuthStateRecord,
  OAuthStateStore,
  ScheduleManager,
  SecretStore,
  TenantStore,
  WorkspaceClaimStore,
} from '../core/ports';
import { decodeGrant } from '../core/tenancy/oauth-tokens';
import { ensureConnectionSchedule, replacedSecretRefs } from './connections';
import type { OAuthApps } from './oauth-apps';

export interface OAuthEndpoints {
  notionBaseUrl?: string;
  /** Where a config's Brevo key is checked (GET /v3/account) before it is stored. */
  brevoBaseUrl?: string;
  slackApiUrl?: string;
  /** The consent pages the admin is sent to (defaults: Notion's and Slack's; the sandbox's locally). */
  notionAuthorizeUrl?: string;
  slackAuthorizeUrl?: string;
}

/** NOTION_BASE_URL and SLACK_API_URL (DESIGN §4), and the consent pages' overrides. */
export function oauthEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthEndpoints {
  const { notionBaseUrl, brevoBaseUrl, slackApiUrl, notionAuthorizeUrl, slackAuthorizeUrl } = readEnv(env);
  return { notionBaseUrl, brevoBaseUrl, slackApiUrl, notionAuthorizeUrl, slackAuthorizeUrl };
}

export interface OAuthInstallDeps {
  states: OAuthStateStore;
  /** The tenant's checked Brevo key (PUT /tenants/{t}/brevo) serves an OAuth connection too. */
  tenants: TenantStore;
  connections: ConnectionStore;
  teams: WorkspaceClaimStore;
  secrets: SecretStore;
  schedules: ScheduleManager;
  clock: Clock;
  apps: OAuthApps;
  endpoints: OAuthEndpoints;
  log?: (message: string, data: Record<string, unknown>) => void;
}

/** A callback that cannot complete: its status and the sentence the admin reads. */
export class InstallRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The deployment's OAuth app of a connector, as the install uses it. */
export interface App {
  clientId: string;
  clientSecret: string;
  redirectUri?: string;
  scopes: string[];
}

/** The settings and Brevo key the connection is made with: the pending install's, or the existing connection's. */
export async function baseOf<C extends ConnectorName>(
  deps: OAuthInstallDeps,
  pending: OAuthStateRecord,
  connector: C,
): Promise<{
  existing?: ConnectionRecord<C>;
  settings: Record<string, unknown>;
  brevoApiKeyRef: string;
  nextVersion: number;
}> {
  const existing = await deps.connections.getConnection(pending.tenantId, connector);
  const settings = pending.settings ?? (existing?.settings as Record<string, unknown> | undefined);
  const brevoApiKeyRef = pending.brevoApiKeyRef ?? existing?.brevoApiKeyRef;
  if (!settings || !brevoApiKeyRef) {
    throw new InstallRefused(
      409,
      'The connection this install was meant to authorize was removed meanwhile. Start again with a config.',
    );
  }
  // A new grant of an OAuth connection continues its version count, so that a refresher waiting
  // for a newer version (core/tenancy/oauth-tokens.ts) takes this one.
  let nextVersion = 1;
  if (existing?.oauth) {
    try {
      nextVersion = decodeGrant(await deps.secrets.get(existing.tokenRef, { fresh: true })).version + 1;
    } catch {
      nextVersion = 1;
    }
  }
  return { existing, settings, brevoApiKeyRef, nextVersion };
}

/** What a code exchange sends: the deployment's app and the authorize step's redirect URI. */
export function exchangeArgs(app: App | undefined, pending: OAuthStateRecord, code: string) {
  if (!app) throw new InstallRefused(503, `This deployment has no ${pending.connector} OAuth app configured.`);
  return { clientId: app.clientId, clientSecret: app.clientSecret, code, redirectUri: pending.redirectUri };
}

/**
 * Writes the record, gives it its schedule, and forgets the secret it replaces (a token
 * connection's token, once the OAuth grant is its credential).
 */
export async function saveConnection<C extends ConnectorName>(
  deps: OAuthInstallDeps,
  record: ConnectionRecord<C>,
  existing: ConnectionRecord<C> | undefined,
): Promise<void> {
  await deps.connections.putConnection(record);
  await ensureConnectionSchedule(deps.schedules, record as ConnectionRecord<'notion'> | ConnectionRecord<'slack'>);
  for (const ref of replacedSecretRefs(existing, record)) {
    await deps.secrets.delete(ref).catch((err: unknown) =>
      deps.log?.('a replaced secret could not be deleted', {
        tenantId: record.tenantId,
        reason: (err as Error).message,
      }),
    );
  }
}
