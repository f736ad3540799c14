/** The Notion connection's recurring schedule: the poll that starts its incremental syncs. */
import type { ConnectionSchedule } from '../../core/connector';

export function notionScheduleName(tenantId: string): string {
  return `notion-${tenantId}`;
}

export const notionPollSchedule: ConnectionSchedule = {
  schedule: 'notionPoll',
  instanceName: notionScheduleName,
  spec: {
    cadence: { everyHours: 4 },
    flexibleWindowMinutes: 30,
    sweepEveryHours: 4,
    target: 'notionPoller',
    description: 'Incremental Notion sync every 4 hours per connection',
  },
};
