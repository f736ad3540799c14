/**
 * A notify call without a template: the connection's route for its event (connectors.slack.
 * notifications) gives the template, rendered as a Brevo event's notification is (render-notification.ts).
 * The call's `data` fills it: its keys that are the event's parts (contact, order, cart, ticket...) in
 * the event model's shape fill the placeholders; every other key is shown as a field
 * (`customerEmail: "jane@…"` → *Customer email* jane@…). A header or fallback text whose placeholders
 * the data leaves empty is shown without them, and the fallback text then lists the data.
 */
import {
  EVENT_TYPE_PARTS,
  eventTypeOfRoute,
  isNotificationEventType,
  isRouteKey,
  notificationEventSchema,
  ROUTE_KEYS,
  type RouteKey,
  routeKeysOf,
} from '../../core/events/events';
import {
  escapeMrkdwn,
  placeholderValue,
  renderNotification,
  resolveTemplate,
  type SlackBlock,
  truncate,
} from './notifications/render-notification';
import type { SlackNotificationsConfig } from './notifications/routing';
import { literalOf, placeholdersOf, SLACK_LIMITS } from './notifications/templates';

/** Data fields a routed notify shows at most: four sections of ten. */
export const MAX_DATA_FIELDS = 4 * SLACK_LIMITS.sectionFields;

export type RoutedNotify =
  | { ok: true; routeKey: RouteKey; text: string; blocks: SlackBlock[] }
  | { ok: false; reason: string; path?: PropertyKey[] };

/** The route a notify's event takes: the event's own key, else one of its aliases (high_value_order). */
function routeKeyFor(config: SlackNotificationsConfig, event: string): RouteKey | RoutedNotify {
  if (!isRouteKey(event)) {
    return {
      ok: false,
      path: ['template'],
      reason: `no template given, and "${event}" has no notification route (routes are for ${ROUTE_KEYS.join(', ')}): give template: {blocks}`,
    };
  }
  const candidates = isNotificationEventType(event) ? routeKeysOf(event) : [event];
  const key = candidates.find((k) => config.notifications[k] !== undefined);
  if (key) return key;
  return {
    ok: false,
    path: ['template'],
    reason: `no template given, and the Slack connection has no route for ${event}: give template: {blocks}, or add connectors.slack.notifications.${event}: {channel, template} to its config`,
  };
}

/** `customerEmail`, `is_first_order` → `Customer email`, `Is first order`. */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** A data value as a field shows it: arrays joined, booleans yes/no, objects as compact JSON. */
export function shownValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(shownValue).filter(Boolean).join(', ');
  return JSON.stringify(v);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A template string with its placeholders taken out, without the separators they leave dangling. */
function withoutPlaceholders(s: string): string {
  return oneLine(literalOf(s))
    .replace(/\s+([,:;·-])/g, '$1')
    .replace(/[\s:,;·(-]+$/, '')
    .replace(/\(\s*\)/g, '')
    .trim();
}

/** Renders the routed template for a notify call's event over its data. */
export function renderRoutedNotify(
  config: SlackNotificationsConfig,
  call: { event: string; data: Record<string, unknown>; notificationId: string; occurredAt: string },
): RoutedNotify {
  const key = routeKeyFor(config, call.event);
  if (typeof key !== 'string') return key;
  const type = eventTypeOfRoute(key);
  const parts = new Set<string>(EVENT_TYPE_PARTS[type]);
  const eventParts: Record<string, unknown> = {};
  const extras: { label: string; value: string }[] = [];
  for (const [name, value] of Object.entries(call.data)) {
    if (parts.has(name)) eventParts[name] = value;
    else {
      const text = shownValue(value);
      if (text) extras.push({ label: fieldLabel(name), value: text });
    }
  }
  if (extras.length > MAX_DATA_FIELDS) {
    return {
      ok: false,
      path: ['data'],
      reason: `${extras.length} fields; a notification shows at most ${MAX_DATA_FIELDS}: send fewer, or give template: {blocks}`,
    };
  }
  const parsed = notificationEventSchema.safeParse({
    id: call.notificationId,
    type,
    occurredAt: call.occurredAt,
    source: 'platform',
    raw: null,
    ...eventParts,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, path: ['data', ...issue.path], reason: `${issue.message} (the ${type} event's shape)` };
  }
  const event = parsed.data;
  const template = resolveTemplate(config.notifications[key]?.template, type);
  const rendered = renderNotification(event, template);
  const unfilled = (s: string | undefined) =>
    s !== undefined && placeholdersOf(s).some((p) => placeholderValue(event, p.path) === '');

  const blocks = [...rendered.blocks];
  let headerText = blocks[0]?.type === 'header' ? blocks[0].text.text : '';
  if (unfilled(template.header)) {
    headerText = truncate(
      withoutPlaceholders(template.header ?? '') || fieldLabel(call.event),
      SLACK_LIMITS.headerText,
    );
    if (blocks[0]?.type === 'header')
      blocks[0] = { type: 'header', text: { type: 'plain_text', text: headerText, emoji: true } };
  }
  addDataFields(blocks, extras);
  let text = rendered.text;
  if (unfilled(template.text)) {
    const listed = extras.map((f) => `${f.label}: ${f.value}`).join(', ');
    const lead = headerText || fieldLabel(call.event);
    text = truncate(escapeMrkdwn(listed ? `${lead}: ${listed}` : lead), SLACK_LIMITS.fallbackText);
  }
  return { ok: true, routeKey: key, text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

/** The data's fields after the template's own: its fields section filled up to ten, then sections of ten. */
function addDataFields(blocks: SlackBlock[], extras: { label: string; value: string }[]): void {
  const fields = extras.map((f) => {
    const prefix = `*${escapeMrkdwn(truncate(oneLine(f.label), 100))}*\n`;
    return {
      type: 'mrkdwn' as const,
      text: prefix + truncate(escapeMrkdwn(f.value), SLACK_LIMITS.fieldText - prefix.length),
    };
  });
  if (fields.length === 0) return;
  let at = blocks.findIndex((b) => b.type === 'section' && b.fields !== undefined);
  if (at >= 0) {
    const section = blocks[at] as Extract<SlackBlock, { type: 'section' }>;
    const own = section.fields ?? [];
    const room = SLACK_LIMITS.sectionFields - own.length;
    blocks[at] = { ...section, fields: [...own, ...fields.splice(0, Math.max(0, room))] };
  } else at = blocks[0]?.type === 'header' ? 0 : -1;
  const sections: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.sectionFields) {
    sections.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.sectionFields) });
  }
  blocks.splice(at + 1, 0, ...sections);
}
