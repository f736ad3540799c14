/**
 * Connecting a tenant's Notion workspace or Slack app: tokens go to the secret store, the connection
 * record keeps only their references, and the connection gets its recurring schedule (the Notion
 * poll; the Slack daily job).
 */
import type { TajoConfig } from '../config/schema';
import { SlackClient } from '../connectors/slack/client';
import { ConfigError } from '../errors';
import { newStats } from '../http/paced-fetch';
import type {
  Clock,
  ConnectionRecord,
  ConnectionSettings,
  ConnectionStore,
  ScheduleManager,
  SecretStore,
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
    settings,
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

/**
 * Connecting a tenant's own Slack app: the bot token is checked (auth.test tells the team), the
 * token and signing secret go to the secret store, the record keeps the channels and routes.
 */
export async function connectSlack(
  deps: {
    connections: ConnectionStore;
    secrets: SecretStore;
    schedules: ScheduleManager;
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
  const tags = { tenant: args.tenantId, connector: 'slack' };
  const tokenRef = await deps.secrets.put(`${args.tenantId}/slack-bot-token`, bot_token, tags);
  const signingSecretRef = signing_secret
    ? await deps.secrets.put(`${args.tenantId}/slack-signing-secret`, signing_secret, tags)
    : undefined;
  const brevoApiKeyRef = await deps.secrets.put(`${args.tenantId}/brevo-api-key`, args.config.brevo.api_key, {
    ...tags,
    connector: 'brevo',
  });
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.connections.getConnection(args.tenantId, 'slack');
  const record: ConnectionRecord<'slack'> = {
    tenantId: args.tenantId,
    connector: 'slack',
    settings: {
      ...settings,
      teamId: auth.team_id,
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
  await ensureConnectionSchedule(deps.schedules, record);
  return record;
}
