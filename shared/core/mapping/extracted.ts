/** How an extracted value (whatever the source) reads as text. */
import type { Extracted } from './types';

/**
 * How one extracted value reads as strings inside a list (rollup arrays). Empty values contribute
 * nothing; lists are spread; dates read as `start` or `start → end`.
 */
export function extractedToStrings(x: Extracted): string[] {
  switch (x.kind) {
    case 'empty':
      return [];
    case 'text':
      return [x.value];
    case 'number':
      return [formatNumber(x.value)];
    case 'boolean':
      return [x.value ? 'true' : 'false'];
    case 'date':
      return [x.end === undefined ? x.start : `${x.start} → ${x.end}`];
    case 'list':
      return x.value;
  }
}

/** `String(n)` without exponent notation (1e21 → '1000000000000000000000', 1e-7 → '0.0000001'); -0 → '0'. */
export function formatNumber(n: number): string {
  if (Object.is(n, -0)) return '0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s; // normal magnitudes, NaN, Infinity
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead + frac;
  const exp = Number(expText);
  const point = 1 + exp; // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
