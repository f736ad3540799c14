/**
 * Connecting a tenant's Notion workspace or Slack app: tokens go to the secret store, the connection
 * record keeps only their references, and the connection gets its recurring schedule (the Notion
 * poll; the Slack daily job).
 */

import { z } from 'zod';
import { connectorOf } from '../connectors';
import { notionDescriptor } from '../connectors/notion/descriptor';
import { SlackClient } from '../connectors/slack/client';
import { slackDescriptor, slackSigningSecretName } from '../connectors/slack/descriptor';
import type { TajoConfig } from '../core/config/schema';
import { ensureSchedule } from '../core/connector';
import { ConfigError, RequestRefusedError, reasonOf } from '../core/errors';
import { maybe, readAnswer } from '../core/http/answer';
import { newStats } from '../core/http/paced-fetch';
import { integrationKey } from '../core/integration-key';
import {
  type Clock,
  type ConnectionHealth,
  type ConnectionRecord,
  type ConnectionSettings,
  type ConnectionStore,
  type ConnectionWorkspace,
  type ScheduleManager,
  type SecretStore,
  type SlackSettings,
  type SlackTeamRef,
  type SlackTeamStore,
  slackTeamKey,
} from '../core/ports';
import { type BrevoKeySource, brevoKeyRef } from '../core/tenancy/connections';
import { providerDown } from './health';

/**
 * Makes sure an enabled connection has its recurring schedule (connect, and the stack's sweeps that
 * restore a lost one); a disabled connection has none. The schedule is its connector's (registry).
 */
export function ensureConnectionSchedule(
  schedules: ScheduleManager,
  record: ConnectionRecord<'notion'> | ConnectionRecord<'slack'>,
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
 * The part of connecting Notion that every way of connecting shares (config, token, OAuth): the
 * token goes to the secret store, the record keeps its reference, the Brevo key's reference and who
 * the token belongs to, and the connection gets its poll schedule. The caller has checked the token.
 */
export async function storeNotionConnection(
  deps: ConnectionDeps,
  args: {
    tenantId: string;
    token: string;
    settings: ConnectionSettings['notion'];
    brevo: BrevoKeySource;
    workspace?: ConnectionWorkspace;
  },
): Promise<ConnectionRecord<'notion'>> {
  const brevoApiKeyRef = await brevoKeyRef(deps.secrets, args.tenantId, args.brevo);
  const tokenRef = await deps.secrets.put(notionDescriptor.secrets.token(args.tenantId), args.token, {
    tenant: args.tenantId,
    connector: 'notion',
  });
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(args.tenantId, 'notion');
  const record: ConnectionRecord<'notion'> = {
    tenantId: args.tenantId,
    connector: 'notion',
    settings: args.settings,
    tokenRef,
    brevoApiKeyRef,
    integrationKey: integrationKey('notion', args.token),
    ...(args.workspace ? { workspace: args.workspace } : {}),
    ...timestamps(existing, now),
  };
  await putReplacing(deps, record, existing);
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}

/**
 * The secrets a connection's previous record referenced that its new record does not: a token
 * connection made again after an OAuth install (the grant, with a live refresh token), an install
 * over a token connection, a signing secret no longer used. Nothing refers to them any more, so
 * they are deleted, not left behind.
 */
export function replacedSecretRefs(
  existing: Pick<ConnectionRecord<'notion' | 'slack'>, 'tokenRef' | 'signingSecretRef'> | undefined,
  record: Pick<ConnectionRecord<'notion' | 'slack'>, 'tokenRef' | 'signingSecretRef'>,
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
async function putReplacing<C extends 'notion' | 'slack'>(
  deps: Pick<ConnectionDeps, 'connections' | 'secrets'>,
  record: ConnectionRecord<C>,
  existing: ConnectionRecord<C> | undefined,
): Promise<void> {
  await deps.connections.putConnection(record);
  for (const ref of replacedSecretRefs(existing, record)) await deps.secrets.delete(ref);
}

/** Connects Notion from a Tajo config (the local stack's default tenant, tests). */
export async function connectNotion(
  deps: ConnectionDeps,
  args: { tenantId: string; config: TajoConfig },
): Promise<ConnectionRecord> {
  const notion = args.config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: 'is required to connect Notion' }]);
  const { token, ...settings } = notion;
  const keyName = args.config.brevo.api_key_name;
  return storeNotionConnection(deps, {
    tenantId: args.tenantId,
    token,
    // The key's name lets the rules tell our own contact writes' webhooks from real changes.
    settings: { ...settings, ownApiKeyNames: keyName ? [keyName] : [] },
    brevo: { apiKey: args.config.brevo.api_key },
  });
}

/** The parts of auth.test that say which installation a token belongs to (Enterprise Grid included). */
const authInstallation = z.looseObject({
  team_id: z.string().min(1),
  enterprise_id: maybe(z.string().min(1)),
  is_enterprise_install: maybe(z.boolean()),
});

/** The installation a bot token belongs to, from its auth.test answer. */
export function slackTeamOfAuth(auth: unknown): SlackTeamRef {
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
): Promise<{ team: SlackTeamRef; workspace: ConnectionWorkspace }> {
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

/**
 * The part of connecting a Slack app that every way of connecting shares (config, token, OAuth):
 * the team is claimed for the tenant (another tenant's team is refused before anything is stored),
 * the bot token and signing secret go to the secret store, the record keeps their references and
 * the channels and routes, a team the tenant held before is released, and the daily job is
 * scheduled. The caller has checked the token (checkSlackBotToken, or the OAuth exchange).
 */
export async function storeSlackConnection(
  deps: ConnectionDeps & { teams: SlackTeamStore },
  args: {
    tenantId: string;
    botToken: string;
    signingSecret?: string;
    /** The config section without its secrets; the installation's ids come from `team`. */
    settings: Omit<SlackSettings, 'teamId' | 'enterpriseId' | 'enterpriseInstall'>;
    team: SlackTeamRef;
    workspace?: ConnectionWorkspace;
    brevo: BrevoKeySource;
  },
): Promise<ConnectionRecord<'slack'>> {
  const { tenantId, team } = args;
  // Org-wide installs may name no workspace in the ref; auth.test always tells the token's team.
  const teamId = team.teamId ?? args.workspace?.id;
  if (!teamId) throw new Error('a Slack connection needs the team id its token belongs to');
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(tenantId, 'slack');
  await deps.teams.claimSlackTeam({ ...team, tenantId, createdAt: existing?.createdAt ?? now });
  const { tokenRef, signingSecretRef, brevoApiKeyRef } = await storeSlackSecrets(deps, tenantId, args);
  const record: ConnectionRecord<'slack'> = {
    tenantId,
    connector: 'slack',
    settings: {
      ...args.settings,
      teamId,
      ...(team.enterpriseId ? { enterpriseId: team.enterpriseId } : {}),
      ...(team.isEnterpriseInstall ? { enterpriseInstall: true } : {}),
    },
    tokenRef,
    signingSecretRef,
    brevoApiKeyRef,
    integrationKey: integrationKey('slack', args.botToken),
    ...(args.workspace ? { workspace: args.workspace } : {}),
    ...timestamps(existing, now),
  };
  // Connected again without a signing secret, or by token after an install: nothing stays behind.
  await putReplacing(deps, record, existing);
  // Reconnected with another workspace's token: the old workspace no longer leads to this tenant.
  for (const held of await deps.teams.listSlackTeams(tenantId)) {
    if (slackTeamKey(held) !== slackTeamKey(team)) await deps.teams.releaseSlackTeam(tenantId, held);
  }
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}

/** The secrets of a Slack connection, stored (checked or not, the same names): their references. */
async function storeSlackSecrets(
  deps: Pick<ConnectionDeps, 'secrets'>,
  tenantId: string,
  args: { botToken: string; signingSecret?: string; brevo: BrevoKeySource },
) {
  const tags = { tenant: tenantId, connector: 'slack' };
  const tokenRef = await deps.secrets.put(slackDescriptor.secrets.token(tenantId), args.botToken, tags);
  const signingSecretRef = args.signingSecret
    ? await deps.secrets.put(slackSigningSecretName(tenantId), args.signingSecret, tags)
    : undefined;
  const brevoApiKeyRef = await brevoKeyRef(deps.secrets, tenantId, args.brevo);
  return { tokenRef, signingSecretRef, brevoApiKeyRef };
}

/** Connects the tenant's own Slack app from a Tajo config (the local stack's default tenant, tests). */
export async function connectSlack(
  deps: ConnectionDeps & { teams: SlackTeamStore; slackApiUrl?: string },
  args: { tenantId: string; config: TajoConfig },
  options: {
    /**
     * Slack unreachable (or answering 5xx) while the token is checked: `degrade` keeps the
     * connection unchecked and marked degraded (the local stack starts anyway, and its webhooks are
     * queued for when Slack is back); the default refuses, so nothing unchecked is stored by a person.
     */
    whenUnreachable?: 'refuse' | 'degrade';
  } = {},
): Promise<ConnectionRecord<'slack'>> {
  const slack = args.config.connectors.slack;
  if (!slack) throw new ConfigError([{ path: 'connectors.slack', message: 'is required to connect Slack' }]);
  const { bot_token, signing_secret, ...rest } = slack;
  const settings = {
    ...rest,
    ownApiKeyNames: args.config.brevo.api_key_name ? [args.config.brevo.api_key_name] : [],
  };
  const brevo = { apiKey: args.config.brevo.api_key };
  let checked: Awaited<ReturnType<typeof checkSlackBotToken>>;
  try {
    checked = await checkSlackBotToken(bot_token, deps);
  } catch (err) {
    if (options.whenUnreachable !== 'degrade' || providerDown(err) !== slackDescriptor.name) throw err;
    return storeUncheckedSlackConnection(deps, {
      tenantId: args.tenantId,
      botToken: bot_token,
      signingSecret: signing_secret,
      settings,
      brevo,
      health: {
        state: 'degraded',
        reason: reasonOf(err),
        checkedAt: new Date(deps.clock.now()).toISOString(),
        providers: ['slack'],
      },
    });
  }
  return storeSlackConnection(deps, {
    tenantId: args.tenantId,
    botToken: bot_token,
    signingSecret: signing_secret,
    settings,
    team: checked.team,
    workspace: checked.workspace,
    brevo,
  });
}

/**
 * A Slack connection stored while Slack cannot check its token: the secrets and routes as usual,
 * marked degraded. The same token's earlier connection lends its team and workspace; otherwise the
 * team is unknown (no team is claimed) until a start with Slack reachable connects it for real.
 */
async function storeUncheckedSlackConnection(
  deps: ConnectionDeps,
  args: {
    tenantId: string;
    botToken: string;
    signingSecret?: string;
    settings: Omit<SlackSettings, 'teamId' | 'enterpriseId' | 'enterpriseInstall'>;
    brevo: BrevoKeySource;
    health: ConnectionHealth;
  },
): Promise<ConnectionRecord<'slack'>> {
  const { tenantId } = args;
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(tenantId, 'slack');
  const key = integrationKey('slack', args.botToken);
  const known = existing?.integrationKey === key ? existing : undefined;
  const { tokenRef, signingSecretRef, brevoApiKeyRef } = await storeSlackSecrets(deps, tenantId, args);
  const record: ConnectionRecord<'slack'> = {
    tenantId,
    connector: 'slack',
    settings: {
      ...args.settings,
      teamId: known?.settings.teamId ?? '',
      ...(known?.settings.enterpriseId ? { enterpriseId: known.settings.enterpriseId } : {}),
      ...(known?.settings.enterpriseInstall ? { enterpriseInstall: true } : {}),
    },
    tokenRef,
    signingSecretRef,
    brevoApiKeyRef,
    integrationKey: key,
    ...(known?.workspace ? { workspace: known.workspace } : {}),
    health: args.health,
    ...timestamps(existing, now),
  };
  await putReplacing(deps, record, existing);
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}
