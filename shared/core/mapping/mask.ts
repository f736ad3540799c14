/**
 * Masks personal values (phone numbers, email addresses) before they appear in a reason that is
 * stored in run records and shown by `status`: enough to recognise the value in the source
 * ("06 •• •• •• 63", "a•••@example.com"), never the whole value.
 */

const MASK = '•';

/**
 * An email keeps the first character of its local part and its domain; anything else keeps its
 * first two and last two letters or digits (one when it has six or fewer), separators as they are.
 */
export function maskPersonal(value: string): string {
  const s = value.trim();
  const at = s.lastIndexOf('@');
  if (at > 0) return `${s[0]}${MASK.repeat(3)}@${s.slice(at + 1)}`;
  const positions: number[] = [];
  for (let i = 0; i < s.length; i++) if (/[\p{L}\p{N}]/u.test(s[i] as string)) positions.push(i);
  const keep = positions.length > 6 ? 2 : positions.length > 2 ? 1 : 0;
  const shown = new Set([...positions.slice(0, keep), ...positions.slice(positions.length - keep)]);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    out += /[\p{L}\p{N}]/u.test(c) && !shown.has(i) ? MASK : c;
  }
  return out;
}
