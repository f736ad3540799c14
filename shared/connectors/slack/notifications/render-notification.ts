/**
 * Rendering: `renderNotification` fills a template's placeholders from the event and builds Block
 * Kit that always fits Slack's limits; `summarizeEvent` is the one-line form digests use.
 */
import type { NotificationEvent, NotificationEventType } from '../../../core/events/events';
import { PLACEHOLDER } from '../../../core/events/placeholders';
import {
  BUILTIN_TEMPLATES,
  DEFAULT_BREVO_APP_URL,
  DEFAULT_BUTTON,
  MONEY_PATHS,
  namedTemplate,
  SLACK_LIMITS,
  type Template,
  type TemplateObject,
  TIME_PATHS,
  URL_PATHS,
} from './templates';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export interface SlackButton {
  type: 'button';
  text: PlainText;
  url: string;
  action_id: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'actions'; elements: SlackButton[] };
export interface SlackMessage {
  /** Fallback text: always present, never empty. */
  text: string;
  blocks: SlackBlock[];
}

export interface RenderOptions {
  /** Where "View in Brevo" points (default https://app.brevo.com). */
  brevoBaseUrl?: string;
}

/** Slack's mrkdwn control characters; every event value in a mrkdwn string goes through this. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `max` characters ending with "…", never inside a surrogate pair or an &entity;. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  if (max === 1) return '…';
  let cut = s.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,3}$/, '');
  return `${cut}…`;
}

/** The contact's page when the event has a contact (id, else email), else the campaign's report. */
export function brevoUrl(event: NotificationEvent, base = DEFAULT_BREVO_APP_URL): string {
  const root = base.replace(/\/+$/, '');
  const contactRef = event.contact?.id ?? event.contact?.email;
  if (event.type !== 'campaign_sent' && contactRef !== undefined && contactRef !== '') {
    return `${root}/contact/index/${encodeURIComponent(String(contactRef))}`;
  }
  // UNVERIFIED path: Brevo's UI route for a campaign report, as public integrations link it.
  if (event.campaign) return `${root}/camp/report/${encodeURIComponent(String(event.campaign.id))}`;
  return '';
}

function fullName(c: NotificationEvent['contact']): string {
  return [c?.firstName, c?.lastName].filter((s) => s?.trim()).join(' ');
}

function buildContext(event: NotificationEvent, base: string): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...event, brevo_url: brevoUrl(event, base) };
  if (event.contact) ctx.contact = { ...event.contact, name: fullName(event.contact) };
  if (event.order) {
    const itemCount = event.order.items?.reduce((n, i) => n + (i.quantity ?? 1), 0);
    ctx.order = { ...event.order, itemCount };
  }
  return ctx;
}

function lookup(ctx: Record<string, unknown>, path: string): unknown {
  let cur: unknown = ctx;
  for (const key of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `2026-11-03T09:15:00.000Z` → `2026-11-03 09:15 UTC`. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function formatValue(path: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return TIME_PATHS.has(path) ? formatUtc(v) : v;
  if (typeof v === 'number') return MONEY_PATHS.has(path) ? money.format(v) : String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) {
    return v
      .map((item) => {
        if (isRecord(item) && typeof item.name === 'string') {
          return typeof item.quantity === 'number' ? `${item.quantity}× ${item.name}` : item.name;
        }
        return isRecord(item) ? '' : formatValue('', item);
      })
      .filter(Boolean)
      .join(', ');
  }
  return '';
}

/** What `{{path}}` shows for an event ('' when the event lacks it): a template's fill, unescaped. */
export function placeholderValue(event: NotificationEvent, path: string, options: RenderOptions = {}): string {
  const ctx = buildContext(event, (options.brevoBaseUrl ?? DEFAULT_BREVO_APP_URL).replace(/\/+$/, ''));
  return formatValue(path, lookup(ctx, path));
}

type FillMode = 'plain' | 'mrkdwn' | 'url';

/** Fills placeholders; values are escaped for mrkdwn, percent-encoded inside URLs (a leading URL placeholder is kept whole). */
function fill(template: string, ctx: Record<string, unknown>, mode: FillMode): string {
  return template.replace(PLACEHOLDER, (_whole, path: string, offset: number) => {
    const value = formatValue(path, lookup(ctx, path));
    if (mode === 'mrkdwn') return escapeMrkdwn(value);
    if (mode === 'url') {
      if (offset === 0 && URL_PATHS.has(path)) return /^https?:\/\//i.test(value) ? value : '';
      return encodeURIComponent(value);
    }
    return value;
  });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The template object a rule's `template` means for an event type: a named built-in that fits it,
 * else the type's own built-in (validation refuses a name that does not fit, so this is only a guard).
 */
export function resolveTemplate(t: Template | undefined, eventType: NotificationEventType): TemplateObject {
  if (t === undefined) return BUILTIN_TEMPLATES[eventType];
  if (typeof t === 'string') {
    const named = namedTemplate(t.trim());
    return named && named.fits === eventType ? named.template : BUILTIN_TEMPLATES[eventType];
  }
  return t;
}

/** Shares `total` among items wanting `want[i]` so the short ones are served whole (water-filling). */
function allocate(want: number[], total: number): number[] {
  const sum = want.reduce((a, b) => a + b, 0);
  if (sum <= total) return want;
  const out = new Array<number>(want.length).fill(0);
  const order = want.map((w, i) => [w, i] as const).sort((a, b) => a[0] - b[0]);
  let remaining = Math.max(0, total);
  let left = want.length;
  for (const [w, i] of order) {
    const share = Math.floor(remaining / left);
    out[i] = Math.min(w, share);
    remaining -= out[i] ?? 0;
    left--;
  }
  return out;
}

function sourceLabel(event: NotificationEvent): string {
  return event.source === 'brevo' ? 'Brevo' : 'platform';
}

/** A one-line, mrkdwn-escaped summary of an event (its built-in fallback text): used by digests. */
export function summarizeEvent(event: NotificationEvent, options: RenderOptions = {}): string {
  const ctx = buildContext(event, options.brevoBaseUrl ?? DEFAULT_BREVO_APP_URL);
  const text = cleanFallback(fill(BUILTIN_TEMPLATES[event.type].text, ctx, 'mrkdwn'));
  return text || `${event.type} event`;
}

function cleanFallback(s: string): string {
  return oneLine(s).replace(/[\s:,-]+$/, '');
}

/**
 * An event + template → `{text, blocks}` ready for chat.postMessage: header (plain_text ≤ 150),
 * a fields section (≤ 10 × ≤ 2000), an optional body section (≤ 3000), a context line with the time,
 * and the button ("View in Brevo" by default). Values are escaped; long ones are cut with "…";
 * the blocks' total text stays under {@link SLACK_LIMITS.blocksTotalText}; the fallback text is never empty.
 */
export function renderNotification(
  event: NotificationEvent,
  template: Template | undefined = 'default',
  options: RenderOptions = {},
): SlackMessage {
  const base = (options.brevoBaseUrl ?? DEFAULT_BREVO_APP_URL).replace(/\/+$/, '');
  const tpl = resolveTemplate(template, event.type);
  const ctx = buildContext(event, base);

  // Fallback text: the template's, else the built-in's, else the event type.
  let text = typeof tpl.text === 'string' ? cleanFallback(fill(tpl.text, ctx, 'mrkdwn')) : '';
  if (!text) text = summarizeEvent(event, { brevoBaseUrl: base });
  text = truncate(text, SLACK_LIMITS.fallbackText);

  const header = truncate(oneLine(fill(tpl.header ?? '', ctx, 'plain')), SLACK_LIMITS.headerText);

  const unix = Math.floor(new Date(event.occurredAt).getTime() / 1000);
  const when = Number.isFinite(unix)
    ? `<!date^${unix}^{date_short_pretty} at {time}|${formatUtc(event.occurredAt)}>`
    : escapeMrkdwn(event.occurredAt);
  const contextText = `${when} · ${sourceLabel(event)}`;

  let button: SlackButton | undefined;
  const buttonTpl = tpl.button === undefined ? DEFAULT_BUTTON : tpl.button;
  if (buttonTpl) {
    const url = fill(buttonTpl.url.trim(), ctx, 'url');
    const label = truncate(oneLine(fill(buttonTpl.text, ctx, 'plain')) || DEFAULT_BUTTON.text, SLACK_LIMITS.buttonText);
    if (isHttpUrl(url) && url.length <= SLACK_LIMITS.buttonUrl) {
      button = {
        type: 'button',
        text: { type: 'plain_text', text: label, emoji: true },
        url,
        action_id: 'view_in_brevo',
      };
    }
  }

  const fields = Object.entries(tpl.fields ?? {})
    .slice(0, SLACK_LIMITS.sectionFields)
    .map(([label, value]) => ({
      prefix: `*${escapeMrkdwn(truncate(oneLine(label), 100))}*\n`,
      value: fill(value, ctx, 'mrkdwn').trim(),
    }))
    .filter((f) => f.value);
  const body = fill(tpl.body ?? '', ctx, 'mrkdwn').trim();

  // Share what the fixed parts leave of the total among the fields and the body.
  const fixed = header.length + contextText.length + (button ? button.text.text.length + button.url.length : 0);
  const want = [
    ...fields.map((f) => Math.min(f.prefix.length + f.value.length, SLACK_LIMITS.fieldText)),
    Math.min(body.length, SLACK_LIMITS.sectionText),
  ];
  const got = allocate(want, SLACK_LIMITS.blocksTotalText - fixed);

  const blocks: SlackBlock[] = [];
  if (header) blocks.push({ type: 'header', text: { type: 'plain_text', text: header, emoji: true } });
  const fieldTexts = fields
    .map((f, i) => {
      const room = (got[i] ?? 0) - f.prefix.length;
      return room > 0 ? { type: 'mrkdwn' as const, text: f.prefix + truncate(f.value, room) } : undefined;
    })
    .filter((f): f is MrkdwnText => f !== undefined);
  if (fieldTexts.length) blocks.push({ type: 'section', fields: fieldTexts });
  const bodyText = truncate(body, got[fields.length] ?? 0);
  if (bodyText) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: bodyText } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: contextText }] });
  if (button) blocks.push({ type: 'actions', elements: [button] });

  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\//i.test(s) || /\s/.test(s)) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Total characters of text in blocks (what Slack's undocumented aggregate limit seems to count). */
export function blocksTextLength(blocks: readonly SlackBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    if (b.type === 'header') n += b.text.text.length;
    else if (b.type === 'section') {
      n += b.text?.text.length ?? 0;
      for (const f of b.fields ?? []) n += f.text.length;
    } else if (b.type === 'context') for (const e of b.elements) n += e.text.length;
    else for (const e of b.elements) n += e.text.text.length + e.url.length;
  }
  return n;
}
