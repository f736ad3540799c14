/**
 * Each connector's OAuth install: the keys its config section's credentials are (the install
 * provides them), the deployment's app, the consent page's URL, the settings a config gives the
 * connection, the code exchange and the connection it makes, and how the success page names it.
 */

import { exchangeNotionCode, type NotionTokenResponse, notionAuthorizeUrl } from '../connectors/notion/oauth';
import { DEFAULT_SLACK_BOT_SCOPES } from '../connectors/slack/app';
import { SlackClient } from '../connectors/slack/client';
import { exchangeSlackCode, type SlackAccessResponse, slackAuthorizeUrl } from '../connectors/slack/oauth';
import { newStats } from '../core/http/paced-fetch';
import { integrationKey } from '../core/integration-key';
import {
  type ConnectionRecord,
  type ConnectionSettings,
  type ConnectorName,
  type NotionOAuthInstall,
  type OAuthStateRecord,
  type SlackOAuthInstall,
  type WorkspaceRef,
  workspaceKey,
} from '../core/ports';
import { newGrant, putGrant } from '../core/tenancy/oauth-tokens';
import type { parseConfig } from './config';
import {
  type App,
  baseOf,
  exchangeArgs,
  InstallRefused,
  type OAuthInstallDeps,
  saveConnection,
} from './oauth-install-steps';

/** One connector's side of the install. */
export interface OAuthInstaller {
  /** The section's credential keys; the first is the one the schema requires. */
  secretKeys: string[];
  app(deps: OAuthInstallDeps): Promise<App | undefined>;
  authorizeUrl(deps: OAuthInstallDeps, app: App, redirectUri: string, state: string): string;
  /** The connection's settings from a validated config (its credentials left out). */
  settingsOf(parsed: ReturnType<typeof parseConfig>): Record<string, unknown>;
  install(deps: OAuthInstallDeps, pending: OAuthStateRecord, code: string): Promise<ConnectionRecord<ConnectorName>>;
  /** "Notion workspace Acme", "Slack workspace T1": what the success page says was connected. */
  installedName(record: ConnectionRecord<ConnectorName>): string;
}

async function notionApp(deps: OAuthInstallDeps): Promise<App | undefined> {
  const a = await deps.apps.notion();
  return a && { clientId: a.client_id, clientSecret: a.client_secret, redirectUri: a.redirect_uri, scopes: [] };
}

async function slackApp(deps: OAuthInstallDeps): Promise<App | undefined> {
  const a = await deps.apps.slack();
  if (!a?.client_id || !a.client_secret) return undefined;
  return {
    clientId: a.client_id,
    clientSecret: a.client_secret,
    redirectUri: a.redirect_uri,
    scopes: a.scopes ?? DEFAULT_SLACK_BOT_SCOPES,
  };
}

/** The connectors an admin can install through OAuth; the others connect with their credentials. */
export const oauthInstallers: Partial<Record<ConnectorName, OAuthInstaller>> = {
  notion: {
    secretKeys: ['token'],
    app: notionApp,
    authorizeUrl: (deps, app, redirectUri, state) =>
      notionAuthorizeUrl({
        authorizeUrl: deps.endpoints.notionAuthorizeUrl,
        clientId: app.clientId,
        redirectUri,
        state,
      }),
    settingsOf: (parsed) => {
      const { token: _token, ...settings } = parsed.connectors.notion as NonNullable<typeof parsed.connectors.notion>;
      return settings;
    },
    install: installNotion,
    installedName: (record) => {
      const oauth = record.oauth as NotionOAuthInstall;
      return `Notion workspace ${oauth.workspaceName ?? oauth.workspaceId}`;
    },
  },
  slack: {
    secretKeys: ['bot_token', 'signing_secret'],
    app: slackApp,
    authorizeUrl: (deps, app, redirectUri, state) =>
      slackAuthorizeUrl({
        authorizeUrl: deps.endpoints.slackAuthorizeUrl,
        clientId: app.clientId,
        scopes: app.scopes,
        redirectUri,
        state,
      }),
    settingsOf: (parsed) => {
      const {
        bot_token: _t,
        signing_secret: _s,
        ...settings
      } = parsed.connectors.slack as NonNullable<typeof parsed.connectors.slack>;
      return settings;
    },
    install: installSlack,
    installedName: (record) => `Slack ${slackInstallName(record as ConnectionRecord<'slack'>)}`,
  },
};

async function installNotion(
  deps: OAuthInstallDeps,
  pending: OAuthStateRecord,
  code: string,
): Promise<ConnectionRecord> {
  const token: NotionTokenResponse = await exchangeNotionCode({
    baseUrl: deps.endpoints.notionBaseUrl,
    ...exchangeArgs(await notionApp(deps), pending, code),
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
    ...exchangeArgs(await slackApp(deps), pending, code),
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
    integrationKey: integrationKey('slack', workspaceKey(team)),
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
    if (workspaceKey(held) !== workspaceKey(team)) await deps.teams.releaseSlackTeam(pending.tenantId, held);
  }
  return record;
}

/** The workspace's name, or the org's for an org-wide install. */
function slackAccessName(access: SlackAccessResponse): string | undefined {
  return access.team?.name ?? access.enterprise?.name ?? undefined;
}

/** The installation an oauth.v2.access answer is for: the org for an org-wide install, else the workspace. */
export function slackTeamOfAccess(access: SlackAccessResponse): WorkspaceRef {
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
