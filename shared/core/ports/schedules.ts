/** Per-connection recurring schedules. */

/** A schedule of the deployment's topology (the connectors declare them; the core names none). */
export type ScheduleName = string;

/**
 * When a per-connection schedule fires: every N hours, or once a day at a local time in the
 * connection's own time zone.
 */
export type ScheduleCadence = { everyHours: number } | { dailyAt: { hour: number; minute: number } };

/**
 * Per-connection recurring schedules (EventBridge Scheduler in AWS, timers locally). `schedule` names
 * the topology entry, which says the cadence, the flexible window and the target.
 */
export interface ScheduleManager {
  /** Creates or updates one connection's schedule; `timezone` (IANA) places daily cadences. */
  ensure(schedule: ScheduleName, name: string, input: unknown, options?: { timezone?: string }): Promise<void>;
  remove(schedule: ScheduleName, name: string): Promise<void>;
  /**
   * When the schedule fires next (epoch ms), for the managers that know it (the local scheduler);
   * EventBridge Scheduler does not say, so status computes it from the cadence instead.
   */
  nextRunAt?(schedule: ScheduleName, name: string): Promise<number | undefined>;
}
