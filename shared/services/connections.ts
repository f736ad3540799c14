/**
 * Connecting a tenant's Notion workspace: tokens go to the secret store, the connection record
 * keeps only their references, and the connection gets its recurring poll schedule.
 */
import type { TajoConfig } from '../config/schema';
import { ConfigError } from '../errors';
import type { Clock, ConnectionRecord, ConnectionStore, ScheduleManager, SecretStore } from '../ports';
import { topology } from '../topology';
import { integrationKey } from './notion-context';

export function notionScheduleName(tenantId: string): string {
  return `notion-${tenantId}`;
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
  const poll = topology.schedules.notionPoll;
  if (poll && settings.enabled) {
    await deps.schedules.ensure(notionScheduleName(args.tenantId), poll.rateHours, poll.flexibleWindowMinutes, {
      tenantId: args.tenantId,
    });
  }
  return record;
}
