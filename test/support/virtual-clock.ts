import type { Clock } from '../../shared/core/ports';

/** A clock whose sleeps return at once and move time forward: pacing logic without waiting. */
export class VirtualClock implements Clock {
  slept = 0;
  constructor(private t = Date.parse('2026-11-22T10:00:00.000Z')) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.slept += ms;
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
