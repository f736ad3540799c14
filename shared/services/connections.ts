/**
 * Connecting a tenant's Notion workspace or Slack app: tokens go to the secret store, the connection
 * record keeps only their references, and the connection gets its recurring schedule (the Notion
 * poll; the Slack daily job).
 */

import { z } from 'zod';
import type { TajoConfig } from '../config/schema';
import { SlackClient } from '../connectors/slack/client';
import { ConfigError } from '../errors';
import { newStats } from '../http/paced-fetch';
import {
  type Clock,
  type ConnectionRecord,
  type ConnectionSettings,
  type ConnectionStore,
  type ScheduleManager,
  type SecretStore,
  type SlackTeamRef,
  type SlackTeamStore,
  slackTeamKey,
} from '../ports';
import { integrationKey } from './notion-context';

export function notionScheduleName(tenantId: string): string {
  return `notion-${tenantId}`;
}

export function slackScheduleName(tenantId: string): string {
  return `slack-${tenantId}`;
}

/** The IANA zone a Slack connection's daily job runs in (its summaries' zone; UTC by default). */
export function slackTimeZone(settings: ConnectionSettings['slack']): string {
  return settings.summaries?.timezone ?? 'UTC';
}

/**
 * Makes sure an enabled connection has its recurring schedule (connect, and the stack's sweeps that
 * restore a lost one); a disabled connection has none.
 */
export async function ensureConnectionSchedule(
  schedules: ScheduleManager,
  record: ConnectionRecord<'notion'> | ConnectionRecord<'slack'>,
): Promise<boolean> {
  if (record.connector === 'notion') {
    const name = notionScheduleName(record.tenantId);
    if (!record.settings.enabled) return schedules.remove('notionPoll', name).then(() => false);
    await schedules.ensure('notionPoll', name, { tenantId: record.tenantId });
    return true;
  }
  const slack = record as ConnectionRecord<'slack'>;
  const name = slackScheduleName(slack.tenantId);
  if (!slack.settings.enabled) return schedules.remove('slackDaily', name).then(() => false);
  await schedules.ensure('slackDaily', name, { tenantId: slack.tenantId }, { timezone: slackTimeZone(slack.settings) });
  return true;
}

export async function connectNotion(
  deps: { connections: ConnectionStore; secrets: SecretStore; schedules: ScheduleManager; clock: Clock },
  args: { tenantId: string; config: TajoConfig },
): Promise<ConnectionRecord> {
  const notion = args.config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: 'is required to connect Notion' }]);
  const { token, ...settings } = notion;
  const tags = { tenant: args.tenantId, connector: 'notion' };
  const [tokenRef, brevoApiKeyRef] = await Promise.all([
    deps.secrets.put(`${args.tenantId}/notion-token`, token, tags),
    deps.secrets.put(`${args.tenantId}/brevo-api-key`, args.config.brevo.api_key, { ...tags, connector: 'brevo' }),
  ]);
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(args.tenantId, 'notion');
  const record: ConnectionRecord = {
    tenantId: args.tenantId,
    connector: 'notion',
    // The key's name lets the rules tell our own contact writes' webhooks from real changes.
    settings: { ...settings, ownApiKeyNames: args.config.brevo.api_key_name ? [args.config.brevo.api_key_name] : [] },
    tokenRef,
    brevoApiKeyRef,
    integrationKey: integrationKey('notion', token),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.connections.putConnection(record);
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}

/** The parts of auth.test that say which installation a token belongs to (Enterprise Grid included). */
const authInstallation = z.looseObject({
  team_id: z.string().min(1),
  enterprise_id: z.string().min(1).nullish(),
  is_enterprise_install: z.boolean().optional(),
});

/** The installation a bot token belongs to, from its auth.test answer. */
export function slackTeamOfAuth(auth: unknown): SlackTeamRef {
  const a = authInstallation.parse(auth);
  const enterpriseId = a.enterprise_id ?? undefined;
  if (a.is_enterprise_install && enterpriseId) return { isEnterpriseInstall: true, enterpriseId, teamId: a.team_id };
  return { isEnterpriseInstall: false, teamId: a.team_id, ...(enterpriseId ? { enterpriseId } : {}) };
}

/**
 * Connecting a tenant's own Slack app: the bot token is checked (auth.test tells the team), the
 * team is claimed for the tenant (the distributed app's team → tenant lookup; another tenant's team
 * is refused before anything is stored), the token and signing secret go to the secret store, the
 * record keeps the channels and routes.
 */
export async function connectSlack(
  deps: {
    connections: ConnectionStore;
    secrets: SecretStore;
    schedules: ScheduleManager;
    teams: SlackTeamStore;
    clock: Clock;
    slackApiUrl?: string;
  },
  args: { tenantId: string; config: TajoConfig },
): Promise<ConnectionRecord<'slack'>> {
  const slack = args.config.connectors.slack;
  if (!slack) throw new ConfigError([{ path: 'connectors.slack', message: 'is required to connect Slack' }]);
  const { bot_token, signing_secret, ...settings } = slack;
  const auth = await new SlackClient({
    token: bot_token,
    apiUrl: deps.slackApiUrl,
    clock: deps.clock,
    stats: newStats(),
  }).authTest();
  const team = slackTeamOfAuth(auth);
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(args.tenantId, 'slack');
  await deps.teams.claimSlackTeam({ ...team, tenantId: args.tenantId, createdAt: existing?.createdAt ?? now });
  const tags = { tenant: args.tenantId, connector: 'slack' };
  const tokenRef = await deps.secrets.put(`${args.tenantId}/slack-bot-token`, bot_token, tags);
  const signingSecretRef = signing_secret
    ? await deps.secrets.put(`${args.tenantId}/slack-signing-secret`, signing_secret, tags)
    : undefined;
  const brevoApiKeyRef = await deps.secrets.put(`${args.tenantId}/brevo-api-key`, args.config.brevo.api_key, {
    ...tags,
    connector: 'brevo',
  });
  const record: ConnectionRecord<'slack'> = {
    tenantId: args.tenantId,
    connector: 'slack',
    settings: {
      ...settings,
      teamId: auth.team_id,
      ...(team.enterpriseId ? { enterpriseId: team.enterpriseId } : {}),
      ...(team.isEnterpriseInstall ? { enterpriseInstall: true } : {}),
      ownApiKeyNames: args.config.brevo.api_key_name ? [args.config.brevo.api_key_name] : [],
    },
    tokenRef,
    signingSecretRef,
    brevoApiKeyRef,
    integrationKey: integrationKey('slack', bot_token),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.connections.putConnection(record);
  // Reconnected with another workspace's token: the old workspace no longer leads to this tenant.
  for (const held of await deps.teams.listSlackTeams(args.tenantId)) {
    if (slackTeamKey(held) !== slackTeamKey(team)) await deps.teams.releaseSlackTeam(args.tenantId, held);
  }
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}
