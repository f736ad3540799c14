/**
 * A notify call's own template may hold `{{path}}` placeholders over its `data` (the syntax of the
 * routed templates): `{{customerEmail}}`, `{{order.total}}`. They are filled when the call is
 * accepted: a value in a mrkdwn text is escaped (& < >), one inside a URL is percent-encoded (a URL
 * that is only a placeholder takes the value whole), and a placeholder the data has no value for is
 * refused with its path, never posted as braces. Strings without `{{` are left as they are.
 */
import { PATH_SYNTAX, PLACEHOLDER } from '../../core/events/placeholders';
import { escapeMrkdwn } from './notifications/render-notification';
import { shownValue } from './notify-render';

type Filled = { ok: true; value: unknown } | { ok: false; path: PropertyKey[]; reason: string };
type Mode = 'plain' | 'mrkdwn' | 'url';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lookup(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const key of path.split('.')) {
    if (!isRecord(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function fillString(s: string, data: Record<string, unknown>, mode: Mode, path: PropertyKey[]): Filled {
  if (!s.includes('{{')) return { ok: true, value: s };
  let missing: string | undefined;
  const whole = /^\s*\{\{[^{}]*\}\}\s*$/.test(s);
  const out = s.replace(PLACEHOLDER, (_m, p: string) => {
    const value = PATH_SYNTAX.test(p) ? shownValue(lookup(data, p)) : '';
    if (!value) missing ??= p;
    if (mode === 'mrkdwn') return escapeMrkdwn(value);
    if (mode === 'url' && !whole) return encodeURIComponent(value);
    return value;
  });
  if (missing !== undefined) {
    const known = Object.keys(data);
    return {
      ok: false,
      path,
      reason: `{{${missing}}} has no value in data (${known.length ? `data has: ${known.join(', ')}` : 'no data given'}): add it to data, or write the text without the placeholder`,
    };
  }
  return { ok: true, value: out };
}

function fillValue(v: unknown, data: Record<string, unknown>, mode: Mode, path: PropertyKey[]): Filled {
  if (typeof v === 'string') return fillString(v, data, mode, path);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const [i, item] of v.entries()) {
      const r = fillValue(item, data, mode, [...path, i]);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (!isRecord(v)) return { ok: true, value: v };
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(v)) {
    // A text object's `text` is mrkdwn or plain by its type; url keys take URL encoding; ids and
    // types are not text anyone reads, but a placeholder in them is filled all the same.
    const childMode: Mode =
      key === 'text' && typeof item === 'string'
        ? v.type === 'mrkdwn'
          ? 'mrkdwn'
          : 'plain'
        : key === 'url' || key === 'image_url'
          ? 'url'
          : mode;
    const r = fillValue(item, data, childMode, [...path, key]);
    if (!r.ok) return r;
    out[key] = r.value;
  }
  return { ok: true, value: out };
}

/** A fallback text with its placeholders filled from `data` (plain: Slack shows it as it is). */
export function fillTemplateText(text: string, data: Record<string, unknown>, path: PropertyKey[]): Filled {
  return fillString(text, data, 'plain', path);
}

/** The blocks with their placeholders filled from `data`, or the first one it cannot fill (its path under blocks). */
export function fillTemplateBlocks(
  blocks: readonly unknown[],
  data: Record<string, unknown>,
): { ok: true; blocks: unknown[] } | { ok: false; path: PropertyKey[]; reason: string } {
  const r = fillValue(blocks, data, 'plain', []);
  return r.ok ? { ok: true, blocks: r.value as unknown[] } : r;
}
