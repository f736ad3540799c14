/**
 * In-process pacing. Each integration has one lane (an SQS FIFO message group), so at most one
 * invocation talks to a provider for that integration at a time; inside it, a Pacer spaces the
 * calls so the lane stays just under the provider's rate. Pacers are shared per key within a
 * process, so several workers of the local runtime on the same integration share one budget.
 */
import type { Clock } from '../ports';

/** What a paced fetch needs of a pacer: wait for a call's slot; hold every slot after a 429. */
export interface CallPacer {
  acquire(): Promise<void>;
  pause(ms: number): void | Promise<void>;
}

export class Pacer implements CallPacer {
  private nextSlot = 0;
  constructor(
    /** Minimum spacing between call starts. */
    readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** Waits for this call's slot. Slots are handed out in call order. */
  async acquire(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }

  /** Pushes every future slot back (a provider said Retry-After). */
  pause(ms: number): void {
    this.nextSlot = Math.max(this.nextSlot, this.clock.now() + ms);
  }

  /**
   * Time until the next call may start. A worker waits this long before it acks its lane message,
   * because the next message of the same group may start at once in another process.
   */
  remainingMs(): number {
    return Math.max(0, this.nextSlot - this.clock.now());
  }
}

/** A budget of `limit` calls per rolling window (Brevo: 100 per hour on "other" endpoints). */
export class WindowBudget {
  private readonly stamps: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {}
  /** Takes one unit, or returns the ms until one frees up. */
  take(): { ok: true } | { ok: false; retryInMs: number } {
    const now = this.clock.now();
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length >= this.limit)
      return { ok: false, retryInMs: (this.stamps[0] ?? now) + this.windowMs - now };
    this.stamps.push(now);
    return { ok: true };
  }
}

const registry = new Map<string, Pacer>();

/** The process-wide pacer for one integration key (never the raw token: callers pass a hash). */
export function sharedPacer(key: string, intervalMs: number, clock: Clock): Pacer {
  let p = registry.get(key);
  if (!p) {
    p = new Pacer(intervalMs, clock);
    registry.set(key, p);
  }
  return p;
}
