/**
 * A seeded PRNG for generated tests: everything a run generates comes from one seed, so a failure
 * is reproducible by its seed; nothing is measured by time.
 */

/** mulberry32: small, deterministic, good enough to spread inputs. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  return { next, int, pick, bytes, hex };
}

export type Prng = ReturnType<typeof prng>;
