/**
 * OAuth installs: Notion (a public connection) and Slack (the deployment's distributed app, OAuth v2).
 *
 * 1. A tenant admin asks the management API for an authorize URL (`POST
 *    /tenants/{tenantId}/connections/{connector}/oauth`, tenant API key). The state in that URL is
 *    `<tenantId>.<32 random bytes>`: bound to the tenant, single-use, valid 10 minutes, and stored
 *    only as a sha256 hash (a table dump cannot complete anyone's install). The admin opens the
 *    URL and consents at Notion or Slack.
 * 2. The provider redirects the browser to `GET /oauth/{connector}/callback?code&state`. The state is
 *    marked used in one conditional write (a replay, or a second tab, is refused), checked for its
 *    expiry and connector; the code is exchanged with the same redirect_uri; the grant goes to the
 *    secret store; the connection record keeps its reference and the install's metadata (workspace,
 *    bot, owner, scopes, team), gets its schedule, and a Slack workspace is claimed for the tenant
 *    (refused when another tenant holds it, before anything is stored).
 *
 * Why a stored state rather than an HMAC-signed one: single use needs server state anyway, and a
 * stored hash needs no signing key to keep and rotate. The state names the tenant so that its item
 * sits under the tenant's key like every other item.
 *
 * Known limit: nothing ties the consenting browser to the admin who asked for the URL (the API key
 * is not a browser session). Whoever opens a fresh URL within its 10 minutes connects their
 * workspace to that tenant; the success page names the tenant, and a Slack workspace already
 * connected elsewhere cannot be taken over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { integrationKey } from '../connectors/notion/context';
import { exchangeNotionCode, type NotionTokenResponse, notionAuthorizeUrl } from '../connectors/notion/oauth';
import { DEFAULT_SLACK_BOT_SCOPES, type OAuthApps } from '../connectors/slack/app';
import { SlackApiError, SlackClient } from '../connectors/slack/client';
import { exchangeSlackCode, type SlackAccessResponse, slackAuthorizeUrl } from '../connectors/slack/oauth';
import { tenantIdSchema } from '../core/config/schema';
import {
  ConfigError,
  ProviderError,
  RequestRefusedError,
  SlackTeamClaimedError,
  TajoError,
  UnreachableError,
} from '../core/errors';
import type { ApiResponse } from '../core/http/api-types';
import { newStats } from '../core/http/paced-fetch';
import { parseJsonBody } from '../core/http/request-body';
import {
  type Clock,
  type ConnectionRecord,
  type ConnectionSettings,
  type ConnectionStore,
  type ConnectorName,
  type NotionOAuthInstall,
  type OAuthStateRecord,
  type OAuthStateStore,
  type ScheduleManager,
  type SecretStore,
  type SlackOAuthInstall,
  type SlackTeamRef,
  type SlackTeamStore,
  slackTeamKey,
  type TenantStore,
} from '../core/ports';
import { decodeGrant, newGrant, putGrant } from '../core/tenancy/oauth-tokens';
import { connectBrevo } from '../core/tenancy/tenants';
import { parseConfig } from './config';
import { ensureConnectionSchedule, replacedSecretRefs } from './connections';

/** How long an authorize URL can be used (Slack's codes live as long). */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

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
  return {
    notionBaseUrl: env.NOTION_BASE_URL || undefined,
    brevoBaseUrl: env.BREVO_BASE_URL || undefined,
    slackApiUrl: env.SLACK_API_URL || undefined,
    notionAuthorizeUrl: env.NOTION_OAUTH_AUTHORIZE_URL || undefined,
    slackAuthorizeUrl: env.SLACK_OAUTH_AUTHORIZE_URL || undefined,
  };
}

export interface OAuthInstallDeps {
  states: OAuthStateStore;
  /** The tenant's checked Brevo key (PUT /tenants/{t}/brevo) serves an OAuth connection too. */
  tenants: TenantStore;
  connections: ConnectionStore;
  teams: SlackTeamStore;
  secrets: SecretStore;
  schedules: ScheduleManager;
  clock: Clock;
  apps: OAuthApps;
  endpoints: OAuthEndpoints;
  log?: (message: string, data: Record<string, unknown>) => void;
}

// ---------------------------------------------------------------------------------------- state

export function newOAuthState(tenantId: string): string {
  return `${tenantId}.${randomBytes(32).toString('base64url')}`;
}

export function hashOAuthState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/** The tenant a state names; undefined for anything this service did not make. */
export function tenantOfOAuthState(state: string): string | undefined {
  const m = /^([^.]+)\.[A-Za-z0-9_-]{43}$/.exec(state);
  return m && tenantIdSchema.safeParse(m[1]).success ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------- start

const startBody = z.strictObject({
  /**
   * A first connection's config: the tajo.yaml content as JSON, without the connector's token
   * (the install provides it). Without it the tenant's existing connection is authorized again.
   */
  config: z.record(z.string(), z.unknown()).optional(),
});

const SECRET_KEYS: Record<ConnectorName, string[]> = { notion: ['token'], slack: ['bot_token', 'signing_secret'] };
/** Fills the token the schema requires while the config is validated; never stored. */
const TOKEN_PLACEHOLDER = 'oauth-install';

/**
 * Creates a pending install and returns its authorize URL. `publicBaseUrl` is where this API is
 * reached (the callback's default redirect URI, unless the app's secret names one).
 */
export async function startOAuthInstall(
  deps: OAuthInstallDeps,
  args: { tenantId: string; connector: string | undefined; body?: string; publicBaseUrl: string },
): Promise<ApiResponse> {
  const connector = args.connector;
  if (connector !== 'notion' && connector !== 'slack') {
    return { status: 404, body: { error: `unknown connector ${connector}` } };
  }
  const body = parseJsonBody(args.body, startBody);
  if (!body.ok) return body.response;

  const app = await appOf(deps, connector);
  if (!app) {
    return {
      status: 503,
      body: { error: `this deployment has no ${connector} OAuth app configured (client id and secret)` },
    };
  }
  const now = deps.clock.now();
  const pending: Omit<OAuthStateRecord, 'stateHash'> = {
    tenantId: args.tenantId,
    connector,
    redirectUri: app.redirectUri ?? `${args.publicBaseUrl.replace(/\/$/, '')}/oauth/${connector}/callback`,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + OAUTH_STATE_TTL_MS).toISOString(),
  };
  if (body.data.config) {
    const first = firstConnectionSettings(connector, body.data.config);
    if ('error' in first) return { status: 400, body: { error: first.error } };
    pending.settings = first.settings;
    // One Brevo key per tenant, shared by its connections: the tenant's checked key when it has one
    // (the config's is not used then); otherwise the config's, checked against the account and
    // stored as the tenant's (as PUT /tenants/{t}/brevo does) before the admin is sent to consent.
    const tenant = await deps.tenants.getTenant(args.tenantId);
    if (tenant?.brevoApiKeyRef) pending.brevoApiKeyRef = tenant.brevoApiKeyRef;
    else {
      try {
        await connectBrevo(
          { ...deps, brevoBaseUrl: deps.endpoints.brevoBaseUrl },
          args.tenantId,
          first.brevoKeyName
            ? { apiKey: first.brevoApiKey, keyName: first.brevoKeyName }
            : { apiKey: first.brevoApiKey },
        );
      } catch (err) {
        if (err instanceof RequestRefusedError) return { status: err.status, body: { error: err.message } };
        throw err;
      }
      pending.brevoApiKeyRef = (await deps.tenants.getTenant(args.tenantId))?.brevoApiKeyRef;
    }
  } else if (!(await deps.connections.getConnection(args.tenantId, connector))) {
    return {
      status: 409,
      body: {
        error: `tenant ${args.tenantId} has no ${connector} connection to authorize: give "config" (the tajo.yaml content as JSON, without the ${SECRET_KEYS[connector][0]})`,
      },
    };
  }
  const state = newOAuthState(args.tenantId);
  await deps.states.putOAuthState({ ...pending, stateHash: hashOAuthState(state) });
  const authorizeUrl =
    connector === 'notion'
      ? notionAuthorizeUrl({
          authorizeUrl: deps.endpoints.notionAuthorizeUrl,
          clientId: app.clientId,
          redirectUri: pending.redirectUri,
          state,
        })
      : slackAuthorizeUrl({
          authorizeUrl: deps.endpoints.slackAuthorizeUrl,
          clientId: app.clientId,
          scopes: app.scopes,
          redirectUri: pending.redirectUri,
          state,
        });
  return {
    status: 201,
    body: { connector, authorizeUrl, redirectUri: pending.redirectUri, expiresAt: pending.expiresAt },
  };
}

/** The config validated as a file would be, but without reading this server's environment. */
function firstConnectionSettings(
  connector: ConnectorName,
  config: Record<string, unknown>,
): { settings: Record<string, unknown>; brevoApiKey: string; brevoKeyName?: string } | { error: string } {
  const connectors = (config.connectors ?? {}) as Record<string, unknown>;
  const section = connectors[connector];
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    return { error: `config.connectors.${connector}: is required (the connection's settings)` };
  }
  const given = SECRET_KEYS[connector].filter((k) => k in section);
  if (given.length) {
    return {
      error: `config.connectors.${connector}.${given[0]}: leave it out: the OAuth install provides the credentials`,
    };
  }
  let parsed: ReturnType<typeof parseConfig>;
  try {
    // An empty environment: a ${VAR} in a tenant's config must never read this server's variables.
    const withToken = {
      ...config,
      connectors: { [connector]: { ...section, [SECRET_KEYS[connector][0] as string]: TOKEN_PLACEHOLDER } },
    };
    parsed = parseConfig(JSON.stringify(withToken), {}, 'config');
  } catch (err) {
    if (err instanceof ConfigError)
      return { error: err.issues.map((i) => (i.path ? `config.${i.path}: ${i.message}` : i.message)).join('; ') };
    throw err;
  }
  const brevoKeyName = parsed.brevo.api_key_name;
  // The key's name lets the rules and notifications tell our own contact writes' webhooks apart.
  const ownApiKeyNames = brevoKeyName ? [brevoKeyName] : [];
  if (connector === 'notion') {
    const { token: _token, ...settings } = parsed.connectors.notion as NonNullable<typeof parsed.connectors.notion>;
    return { settings: { ...settings, ownApiKeyNames }, brevoApiKey: parsed.brevo.api_key, brevoKeyName };
  }
  const {
    bot_token: _t,
    signing_secret: _s,
    ...settings
  } = parsed.connectors.slack as NonNullable<typeof parsed.connectors.slack>;
  return { settings: { ...settings, ownApiKeyNames }, brevoApiKey: parsed.brevo.api_key, brevoKeyName };
}

interface App {
  clientId: string;
  clientSecret: string;
  redirectUri?: string;
  scopes: string[];
}

async function appOf(deps: OAuthInstallDeps, connector: ConnectorName): Promise<App | undefined> {
  if (connector === 'notion') {
    const a = await deps.apps.notion();
    return a && { clientId: a.client_id, clientSecret: a.client_secret, redirectUri: a.redirect_uri, scopes: [] };
  }
  const a = await deps.apps.slack();
  if (!a?.client_id || !a.client_secret) return undefined;
  return {
    clientId: a.client_id,
    clientSecret: a.client_secret,
    redirectUri: a.redirect_uri,
    scopes: a.scopes ?? DEFAULT_SLACK_BOT_SCOPES,
  };
}

// ---------------------------------------------------------------------------------------- callback

/** What the callback shows the admin's browser. */
export interface InstallPage {
  status: number;
  title: string;
  message: string;
}

/** A callback that cannot complete: its status and the sentence the admin reads. */
class InstallRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export async function completeOAuthInstall(
  deps: OAuthInstallDeps,
  connector: ConnectorName,
  query: Record<string, string | undefined>,
): Promise<InstallPage> {
  const provider = connector === 'notion' ? 'Notion' : 'Slack';
  try {
    const q = callbackQuery.safeParse(query);
    if (!q.success)
      throw new InstallRefused(400, 'The redirect carries malformed parameters. Start the install again.');
    // A refusal at the consent page still uses up its state: the link cannot be replayed.
    const pending = q.data.state ? await takeState(deps, connector, q.data.state) : undefined;
    if (q.data.error) {
      const why =
        q.data.error === 'access_denied' ? 'the access was not granted' : `${provider} answered ${q.data.error}`;
      throw new InstallRefused(400, `The install was cancelled at ${provider}: ${why}. Nothing was connected.`);
    }
    if (!pending) throw new InstallRefused(400, 'The redirect has no state: start the install from the API again.');
    if (!q.data.code) throw new InstallRefused(400, `${provider} sent no authorization code. Start the install again.`);
    const record =
      connector === 'notion'
        ? await installNotion(deps, pending, q.data.code)
        : await installSlack(deps, pending, q.data.code);
    deps.log?.('OAuth install completed', { tenantId: record.tenantId, connector });
    const where =
      connector === 'notion'
        ? `Notion workspace ${(record.oauth as NotionOAuthInstall).workspaceName ?? (record.oauth as NotionOAuthInstall).workspaceId}`
        : `Slack ${slackInstallName(record as ConnectionRecord<'slack'>)}`;
    return {
      status: 200,
      title: `${provider} connected`,
      message: `${where} is now connected to tenant ${record.tenantId}. You can close this window.`,
    };
  } catch (err) {
    const page = refusalOf(err, provider);
    deps.log?.('OAuth install refused', { connector, status: page.status, reason: page.message });
    return page;
  }
}

function refusalOf(err: unknown, provider: string): InstallPage {
  const title = `${provider} was not connected`;
  if (err instanceof InstallRefused) return { status: err.status, title, message: err.message };
  if (err instanceof SlackTeamClaimedError) return { status: 409, title, message: `${err.message}.` };
  if (err instanceof SlackApiError) {
    // The admin can fix a stale or reused code by starting again; the rest is the deployment's app.
    const again = ['invalid_code', 'code_already_used', 'invalid_grant'].includes(err.error);
    return again
      ? {
          status: 400,
          title,
          message: `Slack refused the authorization code (${err.error}): it expired or was used already. Start the install again.`,
        }
      : {
          status: 502,
          title,
          message: `Slack refused the exchange (${err.error}): the deployment's Slack app settings need attention (client id, secret, redirect URL).`,
        };
  }
  if (err instanceof ProviderError) {
    return err.code === 'invalid_grant'
      ? { status: 400, title, message: `${err.message}.` }
      : { status: 502, title, message: `${err.message}.` };
  }
  if (err instanceof UnreachableError) return { status: 502, title, message: `${err.message}. Try again.` };
  if (err instanceof TajoError) return { status: 500, title, message: `${err.message}.` };
  return { status: 500, title, message: 'The install failed on our side. Try again later.' };
}

async function takeState(deps: OAuthInstallDeps, connector: ConnectorName, state: string): Promise<OAuthStateRecord> {
  const tenantId = tenantOfOAuthState(state);
  const mismatch =
    'The state does not match any install started here (state mismatch). Start the install from the API again.';
  if (!tenantId) throw new InstallRefused(400, mismatch);
  const now = deps.clock.now();
  const taken = await deps.states.takeOAuthState(tenantId, hashOAuthState(state), new Date(now).toISOString());
  if (taken.outcome === 'unknown') throw new InstallRefused(400, mismatch);
  if (taken.outcome === 'used') {
    throw new InstallRefused(400, 'This install link was used already (each one works once). Start the install again.');
  }
  const pending = taken.record;
  if (pending.connector !== connector) throw new InstallRefused(400, mismatch);
  if (Date.parse(pending.expiresAt) <= now) {
    throw new InstallRefused(400, 'This install link expired (it is valid 10 minutes). Start the install again.');
  }
  return pending;
}

/** The settings and Brevo key the connection is made with: the pending install's, or the existing connection's. */
async function baseOf<C extends ConnectorName>(
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
  // for a newer version (oauth-grant.ts) takes this one.
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
async function exchangeArgs(deps: OAuthInstallDeps, pending: OAuthStateRecord, code: string) {
  const app = await appOf(deps, pending.connector);
  if (!app) throw new InstallRefused(503, `This deployment has no ${pending.connector} OAuth app configured.`);
  return { clientId: app.clientId, clientSecret: app.clientSecret, code, redirectUri: pending.redirectUri };
}

async function installNotion(
  deps: OAuthInstallDeps,
  pending: OAuthStateRecord,
  code: string,
): Promise<ConnectionRecord> {
  const token: NotionTokenResponse = await exchangeNotionCode({
    baseUrl: deps.endpoints.notionBaseUrl,
    ...(await exchangeArgs(deps, pending, code)),
  });
  const base = await baseOf(deps, pending, 'notion');
  const now = deps.clock.now();
  const tokenRef = await putGrant(
    deps.secrets,
    pending.tenantId,
    'notion',
    newGrant(
      {
        accessToken: token.access_token,
        refreshToken: token.refresh_token ?? null,
        expiresInSeconds: token.expires_in,
      },
      now,
      base.nextVersion,
    ),
  );
  const owner: NotionOAuthInstall['owner'] =
    token.owner?.type === 'user'
      ? { type: 'user', userId: token.owner.user.id, ...(token.owner.user.name ? { name: token.owner.user.name } : {}) }
      : { type: 'workspace' };
  const record: ConnectionRecord = {
    tenantId: pending.tenantId,
    connector: 'notion',
    settings: base.settings as ConnectionSettings['notion'],
    tokenRef,
    brevoApiKeyRef: base.brevoApiKeyRef,
    // The bot, not the token: refreshes change the token, the lane and pacer stay the same.
    integrationKey: integrationKey('notion', token.bot_id),
    // Who the grant belongs to, as status and the connection list show it for every connection.
    workspace: {
      id: token.workspace_id,
      ...(token.workspace_name ? { name: token.workspace_name } : {}),
      botId: token.bot_id,
    },
    oauth: {
      workspaceId: token.workspace_id,
      ...(token.workspace_name ? { workspaceName: token.workspace_name } : {}),
      botId: token.bot_id,
      owner,
      ...(token.duplicated_template_id ? { duplicatedTemplateId: token.duplicated_template_id } : {}),
      installedAt: new Date(now).toISOString(),
    },
    createdAt: base.existing?.createdAt ?? new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
  };
  await saveConnection(deps, record, base.existing);
  return record;
}

async function installSlack(
  deps: OAuthInstallDeps,
  pending: OAuthStateRecord,
  code: string,
): Promise<ConnectionRecord<'slack'>> {
  const access: SlackAccessResponse = await exchangeSlackCode({
    apiUrl: deps.endpoints.slackApiUrl,
    ...(await exchangeArgs(deps, pending, code)),
  });
  const team = slackTeamOfAccess(access);
  const base = await baseOf(deps, pending, 'slack');
  const now = deps.clock.now();
  // The bot id is not in the oauth.v2.access answer (auth.test has it); this also proves the token works.
  const auth = await new SlackClient({
    token: access.access_token,
    apiUrl: deps.endpoints.slackApiUrl,
    clock: deps.clock,
    stats: newStats(),
  }).authTest();
  // Refused here, before anything is stored, when another tenant holds the workspace.
  await deps.teams.claimSlackTeam({
    ...team,
    tenantId: pending.tenantId,
    createdAt: base.existing?.createdAt ?? new Date(now).toISOString(),
  });
  const tokenRef = await putGrant(
    deps.secrets,
    pending.tenantId,
    'slack',
    newGrant(
      {
        accessToken: access.access_token,
        refreshToken: access.refresh_token ?? null,
        expiresInSeconds: access.expires_in,
      },
      now,
      base.nextVersion,
    ),
  );
  const teamId = team.isEnterpriseInstall ? team.enterpriseId : team.teamId;
  const record: ConnectionRecord<'slack'> = {
    tenantId: pending.tenantId,
    connector: 'slack',
    settings: {
      ...(base.settings as Omit<ConnectionSettings['slack'], 'teamId'>),
      teamId,
      enterpriseId: team.enterpriseId,
      enterpriseInstall: team.isEnterpriseInstall ? true : undefined,
    },
    tokenRef,
    // The distributed app's requests are verified with the app's signing secret, not a tenant's.
    signingSecretRef: undefined,
    brevoApiKeyRef: base.brevoApiKeyRef,
    integrationKey: integrationKey('slack', slackTeamKey(team)),
    workspace: {
      id: teamId,
      ...(slackAccessName(access) ? { name: slackAccessName(access) as string } : {}),
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      ...((access.bot_user_id ?? auth.user_id) ? { botUserId: access.bot_user_id ?? auth.user_id } : {}),
      scopes: access.scope.split(',').filter(Boolean),
    },
    oauth: {
      appId: access.app_id ?? '',
      botUserId: access.bot_user_id ?? auth.user_id ?? '',
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      scopes: access.scope.split(',').filter(Boolean),
      ...(access.team?.name ? { teamName: access.team.name } : {}),
      ...(access.enterprise?.name ? { enterpriseName: access.enterprise.name } : {}),
      ...(access.authed_user?.id ? { installerUserId: access.authed_user.id } : {}),
      tokenRotation: access.refresh_token !== undefined,
      installedAt: new Date(now).toISOString(),
    } satisfies SlackOAuthInstall,
    createdAt: base.existing?.createdAt ?? new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
  };
  await saveConnection(deps, record, base.existing);
  // Installed into another workspace than before: the old one no longer leads to this tenant.
  for (const held of await deps.teams.listSlackTeams(pending.tenantId)) {
    if (slackTeamKey(held) !== slackTeamKey(team)) await deps.teams.releaseSlackTeam(pending.tenantId, held);
  }
  return record;
}

/** The workspace's name, or the org's for an org-wide install. */
function slackAccessName(access: SlackAccessResponse): string | undefined {
  return access.team?.name ?? access.enterprise?.name ?? undefined;
}

/** The installation an oauth.v2.access answer is for: the org for an org-wide install, else the workspace. */
export function slackTeamOfAccess(access: SlackAccessResponse): SlackTeamRef {
  const enterpriseId = access.enterprise?.id;
  if (access.is_enterprise_install && enterpriseId) return { isEnterpriseInstall: true, enterpriseId };
  if (!access.team?.id) throw new InstallRefused(502, 'Slack answered the install without a workspace.');
  return { isEnterpriseInstall: false, teamId: access.team.id, ...(enterpriseId ? { enterpriseId } : {}) };
}

function slackInstallName(record: ConnectionRecord<'slack'>): string {
  const o = record.oauth;
  return record.settings.enterpriseInstall
    ? `organisation ${o?.enterpriseName ?? record.settings.enterpriseId}`
    : `workspace ${o?.teamName ?? record.settings.teamId}`;
}

/**
 * Writes the record, gives it its schedule, and forgets the secret it replaces (a token
 * connection's token, once the OAuth grant is its credential).
 */
async function saveConnection<C extends ConnectorName>(
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
