/**
 * Cadences of per-connection schedules (the topology declares them; EventBridge Scheduler and the
 * local scheduler run them; status and connect describe them to people).
 */

/**
 * When a per-connection schedule fires: every N hours, or once a day at a local time in the
 * connection's own time zone (EventBridge Scheduler's cron with ScheduleExpressionTimezone).
 */
export type ScheduleCadence = { everyHours: number } | { dailyAt: { hour: number; minute: number } };

/**
 * The EventBridge Scheduler expression of a cadence: `rate(N hours)`, or a daily cron whose hour is
 * read in the schedule's ScheduleExpressionTimezone.
 */
export function scheduleExpression(cadence: ScheduleCadence): string {
  if ('everyHours' in cadence) return `rate(${cadence.everyHours} ${cadence.everyHours === 1 ? 'hour' : 'hours'})`;
  return `cron(${cadence.dailyAt.minute} ${cadence.dailyAt.hour} * * ? *)`;
}

/** For people: `every 4 hours`, `daily at 00:15 (local time)`. */
export function describeCadence(cadence: ScheduleCadence): string {
  if ('everyHours' in cadence) return `every ${cadence.everyHours} hours`;
  const { hour, minute } = cadence.dailyAt;
  return `daily at ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} (local time)`;
}
