/**
 * The status of a Slack connection (`tajo connectors status slack`, GET .../connections/slack/
 * status): channels and routes, the member sync, the notifications posted and failed, the next
 * daily job; and how the CLI prints it.
 */

import {
  type ConnectionHealthView,
  describeCadence,
  healthOf,
  type LastErrors,
  type LastSync,
  lastErrorsOf,
  lastSyncOf,
  leftOut,
  type NextRun,
  nextRun,
  printErrors,
  printHeadline,
  printHealth,
  printNextRun,
  type RecentRun,
  recentRun,
  type StatusDeps,
  type StatusLines,
  withoutCheckpoint,
} from '../../core/connection-status';
import type { StatusHooks } from '../../core/connector';
import type {
  ConnectionRecord,
  ConnectionWorkspace,
  NotificationDelivery,
  RunRecord,
  SlackSettings,
} from '../../core/ports';
import { countsLine } from '../../core/runs/counts';
import type { SlackConnectorConfig } from './config-schema';
import { slackDailySchedule, slackTimeZone } from './schedule';

export interface SlackStatus {
  tenantId: string;
  connector: 'slack';
  connected: boolean;
  health: ConnectionHealthView | null;
  configured: boolean;
  enabled: boolean;
  workspace: ConnectionWorkspace | null;
  channels: number;
  /** Event types with a notification route. */
  notifications: string[];
  /** The member sync: in the daily job, or by hand only, or not configured. */
  usersSync: 'daily' | 'off' | 'not configured';
  /**
   * Members kept as contacts by the last successful member sync; 0 when none are kept, never synced
   * included (lastRun null says no member sync ran), as Notion's status counts them.
   */
  usersCount: number;
  lastSync: LastSync | null;
  lastErrors: LastErrors | null;
  /** The last member sync with its counts (the same summary as `sync slack-users --json`). */
  lastRun: Omit<RunRecord, 'checkpoint'> | null;
  recentRuns: RecentRun[];
  schedule: string;
  timezone: string;
  nextRun: NextRun | null;
  /** Notifications the Slack lane posted or gave up on (null: none yet). */
  deliveries: SlackDeliveriesView | null;
}

/** A delivery with its channel's configured name (connectors.slack.channels), when it has one. */
export type SlackDeliveryView = NotificationDelivery & { channelName?: string };

export interface SlackDeliveriesView {
  posted: number;
  failed: number;
  since: string;
  lastPosted: SlackDeliveryView | null;
  /** Newest first. */
  recent: SlackDeliveryView[];
}

async function slackDeliveriesView(
  deps: StatusDeps,
  tenantId: string,
  channels: Record<string, string>,
): Promise<SlackDeliveriesView | null> {
  const summary = await deps.deliveries?.getSlackDeliveries(tenantId);
  if (!summary) return null;
  const names = new Map(Object.entries(channels).map(([name, id]) => [id, name]));
  const named = (d: NotificationDelivery): SlackDeliveryView => {
    const channelName = names.get(d.channelId);
    return channelName ? { ...d, channelName } : d;
  };
  return {
    posted: summary.posted,
    failed: summary.failed,
    since: summary.since,
    lastPosted: summary.lastPosted ? named(summary.lastPosted) : null,
    recent: summary.recent.map(named),
  };
}

export async function slackStatus(
  deps: StatusDeps,
  tenantId: string,
  settings: Omit<SlackConnectorConfig, 'bot_token' | 'signing_secret'> | undefined,
  connection?: ConnectionRecord<'slack'>,
): Promise<SlackStatus> {
  const runs = (await deps.runs.listRuns(tenantId, 'slack', 5)).slice(0, 5);
  const last = runs[0];
  const done = runs.find((r) => r.status === 'succeeded');
  const timezone = settings ? slackTimeZone(settings) : 'UTC';
  return {
    tenantId,
    connector: 'slack',
    connected: connection !== undefined,
    health: healthOf(connection),
    configured: settings !== undefined,
    enabled: settings?.enabled ?? false,
    // A connection stored while Slack could not check its token has no team yet.
    workspace: connection?.workspace ?? (connection?.settings.teamId ? { id: connection.settings.teamId } : null),
    channels: Object.keys(settings?.channels ?? {}).length,
    notifications: Object.keys(settings?.notifications ?? {}),
    usersSync: settings?.users ? settings.users.schedule : 'not configured',
    usersCount: done ? done.summary.upserted + done.summary.unchanged : 0,
    lastSync: last ? lastSyncOf(last) : null,
    lastErrors: last ? lastErrorsOf(last) : null,
    lastRun: withoutCheckpoint(last),
    recentRuns: runs.map(recentRun),
    schedule: describeCadence(slackDailySchedule.spec.cadence),
    timezone,
    nextRun: connection && settings?.enabled ? await nextRun(deps, slackDailySchedule, tenantId, { timezone }) : null,
    deliveries: await slackDeliveriesView(deps, tenantId, settings?.channels ?? {}),
  };
}

export function printSlackStatus(out: StatusLines, s: SlackStatus): void {
  printHeadline(out, 'Slack', s);
  printHealth(out, s);
  out(
    `  ${s.channels} channel${s.channels === 1 ? '' : 's'}, notifications for ${s.notifications.length ? s.notifications.join(', ') : 'no event'}; member sync: ${s.usersSync}` +
      (s.lastRun === null ? '' : `, ${s.usersCount} members synced`),
  );
  printDeliveries(out, s.deliveries);
  const last = s.lastSync;
  if (last) {
    out(`  last member sync ${last.runId}: ${last.status} (${last.trigger}), started ${last.startedAt}`);
    if (s.lastRun) out(`    ${countsLine(s.lastRun.summary, 'members')}${leftOut(s.lastRun.summary)}`);
    printErrors(out, s.lastErrors, 'member');
  }
  printNextRun(out, s.nextRun, `${s.schedule}, ${s.timezone}`);
}

function channelLabel(d: SlackDeliveryView): string {
  return d.channelName ? `#${d.channelName} (${d.channelId})` : d.channelId;
}

function deliveryWhat(d: SlackDeliveryView): string {
  if (d.eventType === 'digest') return `digest of ${d.events} event${d.events === 1 ? '' : 's'}`;
  // A notify call's post is named by the id its caller was answered with.
  return d.notificationId ? `${d.eventType} (${d.notificationId})` : d.eventType;
}

/** e.g. `notifications: 3 posted, 0 failed; last: order_placed → #sales (C0SALES) at …`, then failures. */
function printDeliveries(out: StatusLines, d: SlackDeliveriesView | null): void {
  if (!d) {
    out('  notifications: none posted yet');
    return;
  }
  const last = d.lastPosted
    ? `; last: ${deliveryWhat(d.lastPosted)} → ${channelLabel(d.lastPosted)} at ${d.lastPosted.at}`
    : '';
  out(`  notifications: ${d.posted} posted, ${d.failed} failed since ${d.since}${last}`);
  for (const f of d.recent.filter((r) => r.status === 'failed'))
    out(`    failed ${f.at}: ${deliveryWhat(f)} → ${channelLabel(f)}: ${f.reason ?? 'refused by Slack'}`);
}

/** The status hooks of the Slack descriptor. */
export const slackStatusHooks: StatusHooks<SlackSettings, SlackStatus> = {
  read: (deps, tenantId, settings, record) =>
    slackStatus(deps, tenantId, settings, record as ConnectionRecord<'slack'> | undefined),
  print: printSlackStatus,
};
