/**
 * Plays EventBridge Scheduler in process: a connection's schedule invokes the target function
 * every `rateHours` (TAJO_LOCAL_POLL_MINUTES shortens it for a demo).
 */
import type { ScheduleManager } from '../shared/ports';
import { type LambdaHandler, lambdaContext } from './functions';

export class LocalScheduler implements ScheduleManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  readonly ensured = new Map<string, { rateHours: number; input: unknown }>();

  constructor(
    private readonly target: () => LambdaHandler,
    private readonly opts: { targetName: string; overrideMinutes?: number; onError?: (e: unknown) => void },
  ) {}

  async ensure(name: string, rateHours: number, _flexibleWindowMinutes: number, input: unknown): Promise<void> {
    await this.remove(name);
    const everyMs = (this.opts.overrideMinutes ?? rateHours * 60) * 60_000;
    const timer = setInterval(() => {
      this.target()(input, lambdaContext(this.opts.targetName, 60)).catch((e) => this.opts.onError?.(e));
    }, everyMs);
    timer.unref();
    this.timers.set(name, timer);
    this.ensured.set(name, { rateHours, input });
  }

  async remove(name: string): Promise<void> {
    const t = this.timers.get(name);
    if (t) clearInterval(t);
    this.timers.delete(name);
    this.ensured.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.timers.keys()]) void this.remove(name);
  }
}
