/**
 * What the catalogue platforms' simulators (Shopify, Stripe) share: deterministic seeded data, the
 * leaky bucket Shopify meters with, and posting a signed webhook delivery to a loopback receiver.
 */
import { isLoopbackUrl } from './http-kit';

/** mulberry32: the same seed always gives the same records, so tests and the bench can count on them. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
export const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
];

/**
 * A leaky bucket: each request adds one unit; the bucket drains `leakPerSecond` units a second; a
 * request that would overflow `size` is refused (pass or fail, nothing queued) with the seconds until
 * one unit has drained.
 */
export class LeakyBucket {
  private level = 0;
  private last: number;
  constructor(
    readonly size: number,
    private readonly leakPerSecond: number,
    private readonly clock: () => number,
  ) {
    this.last = clock();
  }

  /** Units in the bucket now (after draining), rounded up as the platform reports it. */
  used(): number {
    this.drain();
    return Math.ceil(this.level);
  }

  add(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    this.drain();
    if (this.level + 1 > this.size) {
      const waitSeconds = (this.level + 1 - this.size) / this.leakPerSecond;
      // Rounded to whole ms first: floating-point dust would otherwise add a second.
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.round(waitSeconds * 1000) / 1000)) };
    }
    this.level += 1;
    return { ok: true };
  }

  private drain(): void {
    const now = this.clock();
    this.level = Math.max(0, this.level - ((now - this.last) / 1000) * this.leakPerSecond);
    this.last = now;
  }
}

/** A webhook delivery as the platform sends it: the exact bytes that were signed, and the headers. */
export interface SignedDelivery {
  headers: Record<string, string>;
  /** The raw body; post these bytes unchanged (a re-serialised body no longer matches its signature). */
  body: string;
}

/** Posts a delivery to a loopback receiver (simulators never call out to the internet). */
export async function postDelivery(url: string, delivery: SignedDelivery): Promise<Response> {
  if (!isLoopbackUrl(url)) throw new Error(`webhook deliveries go to 127.0.0.1 only, not ${url}`);
  return fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
}

/** `since` as epoch ms, or an error line naming the parameter when it is not an ISO 8601 date-time. */
export function parseIsoParam(name: string, raw: string): number | { error: string } {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(raw);
  const ms = Date.parse(raw);
  return ok && !Number.isNaN(ms) ? ms : { error: `${name} must be an ISO 8601 date-time, got ${raw}` };
}
