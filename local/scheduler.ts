/**
 * Plays EventBridge Scheduler in process: each connection's schedule invokes its topology target on
 * the topology's cadence (every N hours, or daily at a local time in the connection's time zone).
 * TAJO_LOCAL_POLL_MINUTES shortens the hourly cadences for a demo.
 */

import { type FunctionName, type ScheduleName, topology } from '../shared/app/topology';
import type { ScheduleManager } from '../shared/core/ports';
import { nextDailyAt } from '../shared/core/time/zoned';
import { type LambdaHandler, lambdaContext } from './functions';

export interface EnsuredSchedule {
  schedule: ScheduleName;
  input: unknown;
  timezone?: string;
  /** When it fires next (epoch ms). */
  nextAt: number;
}

export class LocalScheduler implements ScheduleManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  readonly ensured = new Map<string, EnsuredSchedule>();

  constructor(
    private readonly target: (fn: FunctionName) => LambdaHandler,
    private readonly opts: { overrideMinutes?: number; onError?: (e: unknown) => void; now?: () => number },
  ) {}

  async ensure(schedule: ScheduleName, name: string, input: unknown, options: { timezone?: string } = {}) {
    await this.remove(schedule, name);
    const spec = topology.schedules[schedule];
    const now = this.opts.now ?? Date.now;
    const fire = () => {
      const fn = spec.target;
      this.target(fn)(input, lambdaContext(fn, topology.functions[fn].timeoutSeconds)).catch((e) =>
        this.opts.onError?.(e),
      );
    };
    const key = `${schedule}/${name}`;
    if ('everyHours' in spec.cadence) {
      const everyMs = (this.opts.overrideMinutes ?? spec.cadence.everyHours * 60) * 60_000;
      const entry: EnsuredSchedule = { schedule, input, nextAt: now() + everyMs, ...options };
      const timer = setInterval(() => {
        entry.nextAt = now() + everyMs;
        fire();
      }, everyMs);
      timer.unref();
      this.timers.set(key, timer);
      this.ensured.set(key, entry);
      return;
    }
    const at = spec.cadence.dailyAt;
    const arm = () => {
      const nextAt = nextDailyAt(now(), at, options.timezone ?? 'UTC');
      // setTimeout holds at most ~24.8 days; a day is far below that.
      const timer = setTimeout(
        () => {
          fire();
          arm();
        },
        Math.max(0, nextAt - now()),
      );
      timer.unref();
      this.timers.set(key, timer);
      this.ensured.set(key, { schedule, input, nextAt, ...options });
    };
    arm();
  }

  async nextRunAt(schedule: ScheduleName, name: string): Promise<number | undefined> {
    return this.ensured.get(`${schedule}/${name}`)?.nextAt;
  }

  async remove(schedule: ScheduleName, name: string): Promise<void> {
    const key = `${schedule}/${name}`;
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.ensured.delete(key);
  }

  stopAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ensured.clear();
  }
}
