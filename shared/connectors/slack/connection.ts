/**
 * A Slack connection's operations, as its descriptor hands them to the app and the CLI: connect by
 * bot token (auth.test says which installation; its team is claimed for the tenant), its test and
 * its status (status.ts).
 */
import { z } from 'zod';
import type { CheckedCredentials, ConnectHooks, TestHooks } from '../../core/connector';
import { RequestRefusedError } from '../../core/errors';
import { maybe, readAnswer } from '../../core/http/answer';
import { newStats } from '../../core/http/paced-fetch';
import {
  type Clock,
  type ConnectionRecord,
  type ConnectionWorkspace,
  type SlackSettings,
  type WorkspaceRef,
  workspaceKey,
} from '../../core/ports';
import { SlackClient } from './client';
import type { SlackConnectorConfig } from './config-schema';
import { testSlackConnection } from './connection-test';

/** The installation a checked token belongs to (CheckedCredentials.account). */
function teamOf(checked: CheckedCredentials): WorkspaceRef {
  return checked.account as WorkspaceRef;
}

export const slackConnect: ConnectHooks<SlackSettings> = {
  split(section) {
    const { bot_token, signing_secret, ...settings } = section as SlackConnectorConfig;
    return {
      credentials: { token: bot_token, ...(signing_secret ? { signingSecret: signing_secret } : {}) },
      // The team's ids are the check's: claim() adds them.
      settings: settings as SlackSettings,
    };
  },
  async check(credentials, _settings, ports) {
    const { team, workspace } = await checkSlackBotToken(credentials.token, {
      clock: ports.clock,
      slackApiUrl: ports.endpoints.slackApiUrl,
    });
    return { workspace, account: team };
  },
  async claim(stores, { tenantId, settings, checked, createdAt }) {
    const team = teamOf(checked);
    // Org-wide installs may name no workspace in the ref; auth.test always tells the token's team.
    const teamId = team.teamId ?? checked.workspace?.id;
    if (!teamId) throw new Error('a Slack connection needs the team id its token belongs to');
    await stores.teams.claimSlackTeam({ ...team, tenantId, createdAt });
    return {
      ...settings,
      teamId,
      ...(team.enterpriseId ? { enterpriseId: team.enterpriseId } : {}),
      ...(team.isEnterpriseInstall ? { enterpriseInstall: true } : {}),
    };
  },
  async release(stores, tenantId, checked) {
    // Reconnected with another workspace's token: the old workspace no longer leads to this tenant.
    const team = teamOf(checked);
    for (const held of await stores.teams.listSlackTeams(tenantId)) {
      if (workspaceKey(held) !== workspaceKey(team)) await stores.teams.releaseSlackTeam(tenantId, held);
    }
  },
  counts: (settings) => ({ channels: Object.keys(settings.channels).length }),
  fromConfig: {
    when: (section) => (section as SlackConnectorConfig).enabled,
    // No team is claimed: it is unknown (unless the same token's record knew it) until Slack answers.
    unchecked(settings, known) {
      const before = (known as ConnectionRecord<'slack'> | undefined)?.settings;
      return {
        settings: {
          ...settings,
          teamId: before?.teamId ?? '',
          ...(before?.enterpriseId ? { enterpriseId: before.enterpriseId } : {}),
          ...(before?.enterpriseInstall ? { enterpriseInstall: true } : {}),
        },
        ...(known?.workspace ? { workspace: known.workspace } : {}),
      };
    },
  },
  body(options, section) {
    const botToken = options['bot-token'] ?? section?.bot_token;
    if (typeof botToken !== 'string') {
      return { usage: '--bot-token <xoxb-...> is required (or connectors.slack.bot_token)' };
    }
    const signingSecret = options['signing-secret'] ?? section?.signing_secret;
    return {
      body: {
        ...(section ?? {}),
        bot_token: botToken,
        ...(signingSecret ? { signing_secret: signingSecret } : {}),
      },
    };
  },
};

export const slackTest: TestHooks<SlackSettings> = {
  run: (args) =>
    testSlackConnection({
      token: args.credentials.token,
      apiUrl: args.ports.endpoints.slackApiUrl,
      channels: args.settings.channels,
      eventsUrl: args.options.eventsUrl,
      signingSecret: args.credentials.signingSecret,
      now: args.ports.clock.now(),
    }),
  // Run here, it tests the config's app (its events URL: --events-url); a stack tests its stored one.
  local: 'config',
};

/** The parts of auth.test that say which installation a token belongs to (Enterprise Grid included). */
const authInstallation = z.looseObject({
  team_id: z.string().min(1),
  enterprise_id: maybe(z.string().min(1)),
  is_enterprise_install: maybe(z.boolean()),
});

/** The installation a bot token belongs to, from its auth.test answer. */
export function slackTeamOfAuth(auth: unknown): WorkspaceRef {
  const a = readAnswer('slack', 'auth.test', authInstallation, auth);
  const enterpriseId = a.enterprise_id ?? undefined;
  if (a.is_enterprise_install && enterpriseId) return { isEnterpriseInstall: true, enterpriseId, teamId: a.team_id };
  return { isEnterpriseInstall: false, teamId: a.team_id, ...(enterpriseId ? { enterpriseId } : {}) };
}

/**
 * Who a Slack bot token belongs to, from auth.test: the installation (team or Grid org) and the
 * workspace metadata kept on the record. A token Slack refuses is a RequestRefusedError (400).
 */
export async function checkSlackBotToken(
  token: string,
  opts: { clock: Clock; slackApiUrl?: string },
): Promise<{ team: WorkspaceRef; workspace: ConnectionWorkspace }> {
  const answer = await new SlackClient({
    token,
    apiUrl: opts.slackApiUrl,
    clock: opts.clock,
    stats: newStats(),
  }).answer('auth.test', {});
  if (!answer.ok) {
    throw new RequestRefusedError(
      400,
      `Slack refused the bot token (${answer.error ?? 'unknown error'}): copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page; nothing was stored`,
      'slack_token_refused',
    );
  }
  // Slack's auth.test as published: team, bot_id and user_id may be missing or null; team_id is what we need.
  const auth = readAnswer('slack', 'auth.test', authTestAnswer, answer.body);
  return {
    team: slackTeamOfAuth(auth),
    workspace: {
      id: auth.team_id,
      ...(auth.team ? { name: auth.team } : {}),
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      ...(auth.user_id ? { botUserId: auth.user_id } : {}),
      ...(answer.scopes.length ? { scopes: answer.scopes } : {}),
    },
  };
}

const authTestAnswer = z.looseObject({
  team_id: z.string().min(1),
  team: maybe(z.string()),
  bot_id: maybe(z.string()),
  user_id: maybe(z.string()),
});
