/** The Slack connection's recurring schedule: the daily job, after midnight in its own zone. */
import type { ConnectionSchedule } from '../../core/connector';
import type { ConnectionSettings } from '../../core/ports';

export function slackScheduleName(tenantId: string): string {
  return `slack-${tenantId}`;
}

/** The IANA zone a Slack connection's daily job runs in (its summaries' zone; UTC by default). */
export function slackTimeZone(settings: Pick<ConnectionSettings['slack'], 'summaries'>): string {
  return settings.summaries?.timezone ?? 'UTC';
}

export const slackDailySchedule: ConnectionSchedule = {
  schedule: 'slackDaily',
  instanceName: slackScheduleName,
  spec: {
    // Shortly after local midnight: yesterday is complete, and the summaries can be scheduled
    // (chat.scheduleMessage) for the morning hour the tenant chose.
    cadence: { dailyAt: { hour: 0, minute: 15 } },
    flexibleWindowMinutes: 30,
    sweepEveryHours: 24,
    target: 'slackDaily',
    description: 'Daily per Slack connection: summaries and the user sync',
  },
  options: (settings) => ({ timezone: slackTimeZone(settings as ConnectionSettings['slack']) }),
};
