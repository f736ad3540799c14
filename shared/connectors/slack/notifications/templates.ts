/**
 * Notification templates: a built-in name or `{text, header?, fields?, body?, button?}` whose strings
 * hold `{{path}}` placeholders over the event. `validateTemplate` refuses what would break at send
 * time (unknown placeholders, literals over Slack's limits, > 10 fields, no fallback text, a button
 * url that is not a URL); `renderNotification` builds Block Kit that always fits Slack's limits.
 */
import { z } from 'zod';
import { formatPath, type NotificationIssue } from '../../../core/config/issues';
import {
  campaignSchema,
  cartSchema,
  contactSchema,
  customSchema,
  EVENT_TYPE_PARTS,
  type EventPart,
  type NotificationEvent,
  type NotificationEventType,
  orderSchema,
  ticketSchema,
} from '../../../core/events/events';
import { PATH_SYNTAX, PLACEHOLDER } from '../../../core/templating';

/** Slack's Block Kit limits (reference/slack.md §7) and the ones we impose on ourselves. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonUrl: 3000,
  actionsElements: 25,
  contextElements: 10,
  /**
   * Ours: Slack truncates `text` at 40,000 characters, but a notification's fallback is a line or two;
   * 3,000 keeps it readable in push notifications and screen readers.
   */
  fallbackText: 3000,
  /**
   * Ours: Slack has refused blocks at about 13,200 characters in total (msg_blocks_too_long, an
   * undocumented aggregate below every per-block limit), so a message's block text stays under this.
   */
  blocksTotalText: 12000,
} as const;

export const DEFAULT_BREVO_APP_URL = 'https://app.brevo.com';

const buttonSchema = z.strictObject({ text: z.string(), url: z.string() });
export const templateObjectSchema = z.strictObject({
  /** Fallback text: notifications, screen readers, clients without blocks. Required. */
  text: z.string(),
  header: z.string().optional(),
  /** Label → value template; at most 10. */
  fields: z.record(z.string(), z.string()).optional(),
  /** A mrkdwn section under the fields. */
  body: z.string().optional(),
  /** Defaults to "View in Brevo" → {{brevo_url}}; `false` for no button. */
  button: z.union([buttonSchema, z.literal(false)]).optional(),
});
export type TemplateObject = z.infer<typeof templateObjectSchema>;
/** A built-in name (`default` or the event type's own) or a template object. */
export type Template = string | TemplateObject;

export const DEFAULT_BUTTON = { text: 'View in Brevo', url: '{{brevo_url}}' } as const;

/** One per event type; `default` means the event type's own. All pass validateTemplate for their type. */
export const BUILTIN_TEMPLATES: Record<NotificationEventType, TemplateObject> = {
  new_subscriber: {
    text: 'New subscriber: {{contact.email}}',
    header: '🆕 New subscriber',
    fields: { Email: '{{contact.email}}', Name: '{{contact.name}}', Lists: '{{listIds}}' },
  },
  campaign_sent: {
    text: 'Campaign "{{campaign.name}}" (#{{campaign.id}}) was sent',
    header: '📣 Campaign sent: {{campaign.name}}',
    fields: { Campaign: '{{campaign.name}}', 'Campaign ID': '{{campaign.id}}' },
  },
  order_placed: {
    text: 'New order {{order.id}} from {{contact.email}}: {{order.total}} {{order.currency}}',
    header: '🛒 New order: {{order.total}} {{order.currency}}',
    fields: {
      Order: '{{order.id}}',
      Total: '{{order.total}} {{order.currency}}',
      Customer: '{{contact.email}}',
      Items: '{{order.items}}',
    },
  },
  cart_abandoned: {
    text: 'Cart {{cart.id}} abandoned by {{contact.email}}',
    header: '⏳ Abandoned cart',
    fields: {
      Customer: '{{contact.email}}',
      'Cart value': '{{cart.total}} {{cart.currency}}',
      'Abandoned at': '{{cart.abandonedAt}}',
      Cart: '{{cart.url}}',
    },
  },
  ticket_created: {
    text: 'New ticket {{ticket.id}}: {{ticket.subject}}',
    header: '🎫 New ticket: {{ticket.subject}}',
    fields: {
      Ticket: '{{ticket.id}}',
      Priority: '{{ticket.priority}}',
      Customer: '{{contact.email}}',
      Link: '{{ticket.url}}',
    },
  },
  unsubscribed: {
    text: '{{contact.email}} unsubscribed',
    header: '👋 Unsubscribed',
    fields: { Email: '{{contact.email}}', Campaign: '{{campaign.name}}' },
  },
  hard_bounce: {
    text: 'Hard bounce: {{contact.email}}',
    header: '⚠️ Hard bounce',
    fields: { Email: '{{contact.email}}', Campaign: '{{campaign.name}}' },
  },
  spam: {
    text: 'Spam complaint from {{contact.email}}',
    header: '🚫 Spam complaint',
    fields: { Email: '{{contact.email}}', Campaign: '{{campaign.name}}' },
  },
  contact_updated: {
    text: 'Contact updated: {{contact.email}}',
    header: '✏️ Contact updated',
    fields: { Email: '{{contact.email}}', Name: '{{contact.name}}', Changed: '{{changedFields}}' },
  },
  custom: {
    text: '{{custom.name}}: {{custom.title}}',
    header: '🔔 {{custom.name}}',
    fields: { Title: '{{custom.title}}', Contact: '{{contact.email}}' },
    body: '{{custom.message}}',
  },
};

/**
 * Built-in templates with a name of their own (the names the Slack docs page routes with), each for
 * the event type it fits: a new subscriber, an order with its amount, items and customer, a ticket
 * with its subject, priority and requester. Any route whose events are of that type may use them
 * (order_alert: order_placed and high_value_order; ticket_alert: ticket_created and support_ticket).
 */
export const NAMED_TEMPLATES = {
  subscriber_alert: {
    fits: 'new_subscriber',
    template: {
      text: 'New subscriber: {{contact.email}}',
      header: '🎉 New subscriber',
      fields: {
        Email: '{{contact.email}}',
        Name: '{{contact.name}}',
        Lists: '{{listIds}}',
        Subscribed: '{{occurredAt}}',
      },
      button: { text: 'View contact in Brevo', url: '{{brevo_url}}' },
    },
  },
  order_alert: {
    fits: 'order_placed',
    template: {
      text: 'Order {{order.id}} from {{contact.email}}: {{order.total}} {{order.currency}}',
      header: '💰 Order: {{order.total}} {{order.currency}}',
      fields: {
        Amount: '{{order.total}} {{order.currency}}',
        Customer: '{{contact.email}}',
        Name: '{{contact.name}}',
        Order: '{{order.id}}',
        'Item count': '{{order.itemCount}}',
        Items: '{{order.items}}',
      },
      button: { text: 'View customer in Brevo', url: '{{brevo_url}}' },
    },
  },
  ticket_alert: {
    fits: 'ticket_created',
    template: {
      text: 'Ticket {{ticket.id}}: {{ticket.subject}}',
      header: '🎫 Ticket: {{ticket.subject}}',
      fields: {
        Subject: '{{ticket.subject}}',
        Priority: '{{ticket.priority}}',
        Requester: '{{contact.email}}',
        'Requester name': '{{contact.name}}',
        Ticket: '{{ticket.id}}',
        Link: '{{ticket.url}}',
      },
      button: { text: 'View requester in Brevo', url: '{{brevo_url}}' },
    },
  },
} as const satisfies Record<string, { fits: NotificationEventType; template: TemplateObject }>;
export type NamedTemplate = keyof typeof NAMED_TEMPLATES;

function namedTemplate(name: string): (typeof NAMED_TEMPLATES)[NamedTemplate] | undefined {
  return Object.hasOwn(NAMED_TEMPLATES, name) ? NAMED_TEMPLATES[name as NamedTemplate] : undefined;
}

/** The built-in names a route for `eventType` (or its alias `routeKey`) may use. */
export function templateNamesFor(eventType: NotificationEventType, routeKey?: string): string[] {
  const own = routeKey && routeKey !== eventType ? [eventType, routeKey] : [eventType];
  const named = Object.entries(NAMED_TEMPLATES)
    .filter(([, t]) => t.fits === eventType)
    .map(([n]) => n);
  return ['default', ...own, ...named];
}

// ---------------------------------------------------------------------------------------------
// Placeholders and the paths each event type offers
// ---------------------------------------------------------------------------------------------

/** On every event, whatever its type. */
const COMMON_PATHS = ['id', 'type', 'occurredAt', 'source', 'threadKey', 'brevo_url'];
/** Computed for templates: `contact.name` (first + last), `order.itemCount` (sum of quantities). */
const DERIVED_PATHS: Partial<Record<EventPart, string[]>> = { contact: ['contact.name'], order: ['order.itemCount'] };
/** Placeholders whose value is a URL: the only ones a button url may start with. */
export const URL_PATHS = new Set(['brevo_url', 'cart.url', 'ticket.url', 'custom.url']);
const MONEY_PATHS = new Set(['order.total', 'cart.total']);
const TIME_PATHS = new Set(['occurredAt', 'cart.abandonedAt']);

const PART_SCHEMAS: Record<EventPart, z.ZodType> = {
  contact: contactSchema,
  campaign: campaignSchema,
  order: orderSchema,
  cart: cartSchema,
  ticket: ticketSchema,
  custom: customSchema,
  listIds: z.array(z.number()),
  changedFields: z.array(z.string()),
  ownWrite: z.boolean(),
};

/** Leaf paths of a schema: objects are walked, arrays and scalars are leaves (arrays render joined). */
function leafPaths(schema: z.ZodType, prefix: string, out: string[]): void {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(s.shape)) leafPaths(child as z.ZodType, `${prefix}.${key}`, out);
  } else out.push(prefix);
}

const pathCache = new Map<NotificationEventType, ReadonlySet<string>>();

/** Every placeholder path a template for `eventType` may use. */
export function templatePaths(eventType: NotificationEventType): ReadonlySet<string> {
  const cached = pathCache.get(eventType);
  if (cached) return cached;
  const out = [...COMMON_PATHS];
  for (const part of EVENT_TYPE_PARTS[eventType]) {
    const schema = PART_SCHEMAS[part];
    if (schema instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(schema.shape)) leafPaths(child as z.ZodType, `${part}.${key}`, out);
    } else out.push(part);
    out.push(...(DERIVED_PATHS[part] ?? []));
  }
  const set = new Set(out);
  pathCache.set(eventType, set);
  return set;
}

function placeholdersOf(s: string): { path: string; index: number }[] {
  return [...s.matchAll(PLACEHOLDER)].map((m) => ({ path: m[1] ?? '', index: m.index ?? 0 }));
}

/** The text a string shows whatever the event: the template minus its placeholders. */
function literalOf(s: string): string {
  return s.replace(PLACEHOLDER, '');
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

export interface ValidateTemplateOptions {
  eventType: NotificationEventType;
  /** The routing key the template sits under when it is an alias (high_value_order): its name is accepted too. */
  routeKey?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TEMPLATE_KEYS = new Set(['text', 'header', 'fields', 'body', 'button']);

/**
 * Issues (relative paths: `header`, `fields.Total`, `button.url`) for a template used with
 * `eventType`; empty when it is sound. Prefix the paths with where the template sits in the config.
 */
export function validateTemplate(t: unknown, { eventType, routeKey }: ValidateTemplateOptions): NotificationIssue[] {
  if (typeof t === 'string') {
    const name = t.trim();
    const allowed = templateNamesFor(eventType, routeKey);
    if (allowed.includes(name)) return [];
    const what = routeKey && routeKey !== eventType ? `${routeKey} (${eventType} events)` : eventType;
    const expected = `expected ${allowed.map((n) => `"${n}"`).join(', ')} or a template object`;
    const named = namedTemplate(name);
    if (named) {
      return [
        {
          path: '',
          message: `built-in template "${name}" is for ${named.fits} events, not ${what} (${expected})`,
        },
      ];
    }
    return [{ path: '', message: `unknown built-in template "${t}" for ${what} (${expected})` }];
  }
  if (!isRecord(t)) {
    return [
      { path: '', message: 'expected a built-in template name or an object with text, header, fields, body, button' },
    ];
  }
  const issues: NotificationIssue[] = [];
  const paths = templatePaths(eventType);
  const check = (path: string, value: unknown, limit: number, what: string): void => {
    if (typeof value !== 'string') {
      issues.push({ path, message: 'expected a string' });
      return;
    }
    issues.push(...checkString(path, value, limit, what, paths, eventType));
  };

  for (const key of Object.keys(t)) {
    if (!TEMPLATE_KEYS.has(key)) {
      issues.push({ path: formatPath([key]), message: 'unknown key (expected text, header, fields, body, button)' });
    }
  }

  if (t.text === undefined) {
    issues.push({
      path: 'text',
      message: 'fallback text is required (Slack shows it in notifications; screen readers read it)',
    });
  } else if (typeof t.text === 'string' && !t.text.trim()) {
    issues.push({ path: 'text', message: 'fallback text is empty' });
  } else check('text', t.text, SLACK_LIMITS.fallbackText, 'fallback text');

  if (t.header !== undefined) check('header', t.header, SLACK_LIMITS.headerText, 'header');
  if (t.body !== undefined) check('body', t.body, SLACK_LIMITS.sectionText, 'body section');

  if (t.fields !== undefined) {
    if (!isRecord(t.fields)) issues.push({ path: 'fields', message: 'expected a map of label → value template' });
    else {
      const entries = Object.entries(t.fields);
      if (entries.length > SLACK_LIMITS.sectionFields) {
        issues.push({
          path: 'fields',
          message: `${entries.length} fields; Slack allows at most ${SLACK_LIMITS.sectionFields} in a section`,
        });
      }
      for (const [label, value] of entries) {
        const path = formatPath(['fields', label]);
        if (!label.trim()) issues.push({ path, message: 'a field needs a label' });
        // A field renders as "*label*\nvalue": the label counts against the field's 2000.
        check(path, value, SLACK_LIMITS.fieldText - label.length - 3, `field "${label}"`);
      }
    }
  }

  if (t.button !== undefined && t.button !== false) {
    if (!isRecord(t.button)) {
      issues.push({ path: 'button', message: 'expected {text, url} or false' });
    } else {
      for (const key of Object.keys(t.button)) {
        if (key !== 'text' && key !== 'url') {
          issues.push({ path: formatPath(['button', key]), message: 'unknown key (expected text, url)' });
        }
      }
      if (t.button.text === undefined || (typeof t.button.text === 'string' && !t.button.text.trim())) {
        issues.push({ path: 'button.text', message: 'a button needs text' });
      } else check('button.text', t.button.text, SLACK_LIMITS.buttonText, 'button text');
      if (t.button.url === undefined) issues.push({ path: 'button.url', message: 'a button needs a url' });
      else if (typeof t.button.url !== 'string') issues.push({ path: 'button.url', message: 'expected a string' });
      else {
        const before = issues.length;
        check('button.url', t.button.url, SLACK_LIMITS.buttonUrl, 'button url');
        if (issues.length === before) issues.push(...checkUrlTemplate('button.url', t.button.url));
      }
    }
  }
  return issues;
}

function checkString(
  path: string,
  s: string,
  limit: number,
  what: string,
  paths: ReadonlySet<string>,
  eventType: NotificationEventType,
): NotificationIssue[] {
  const issues: NotificationIssue[] = [];
  const literal = literalOf(s);
  if (literal.includes('{{') || literal.includes('}}')) {
    issues.push({ path, message: 'unbalanced "{{" / "}}": write placeholders as {{contact.email}}' });
  }
  for (const { path: p } of placeholdersOf(s)) {
    if (!PATH_SYNTAX.test(p)) {
      issues.push({ path, message: `malformed placeholder {{${p}}}: expected a dotted path like contact.email` });
    } else if (!paths.has(p)) {
      issues.push({
        path,
        message: `unknown placeholder {{${p}}} for ${eventType} events (known: ${[...paths].join(', ')})`,
      });
    }
  }
  if (literal.length > limit) {
    issues.push({
      path,
      message: `${what} is ${literal.length} characters before its placeholders are filled; the limit is ${limit}`,
    });
  }
  return issues;
}

function checkUrlTemplate(path: string, url: string): NotificationIssue[] {
  const trimmed = url.trim();
  const lead = /^\{\{\s*([^{}]*?)\s*\}\}/.exec(trimmed);
  let sample: string;
  if (lead) {
    const p = lead[1] ?? '';
    if (!URL_PATHS.has(p)) {
      return [
        {
          path,
          message: `a button url must start with https:// or a URL placeholder (${[...URL_PATHS].map((u) => `{{${u}}}`).join(', ')}), not {{${p}}}`,
        },
      ];
    }
    sample = `https://example.com/x${trimmed.slice(lead[0].length)}`;
  } else if (/^https?:\/\//i.test(trimmed)) sample = trimmed;
  else return [{ path, message: 'a button url must start with https:// (or http://) or {{brevo_url}}' }];
  try {
    const u = new URL(sample.replace(PLACEHOLDER, 'x'));
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    if (/\s/.test(trimmed.replace(PLACEHOLDER, ''))) throw new Error('space');
  } catch {
    return [{ path, message: 'not a valid URL once its placeholders are filled' }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

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
