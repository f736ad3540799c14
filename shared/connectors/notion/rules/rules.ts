/**
 * Brevo → Notion rules, the pure part: which placeholders a rule may use, the config checks that
 * need more than the schema (options that depend on the event, templates and paths), matching a
 * Brevo or platform event against the rules (the ingress), the lane item that carries a match to
 * the Notion worker, and rendering a rule's property values from an item. No I/O here.
 */
import { z } from 'zod';
import { formatPath } from '../../../core/config/path';
import { changesOf, type NotificationEvent, type NotificationEventType } from '../../../core/events/events';
import { PATH_SYNTAX, PLACEHOLDER } from '../../../core/events/placeholders';
import { formatNumber } from '../../../core/mapping/extracted';
import {
  NOTION_RULE_EVENTS,
  type NotionConnectorConfig,
  type NotionRuleConfig,
  type NotionRuleEvent,
} from '../config-schema';

type Issue = { path: string; message: string };

// ---------------------------------------------------------------------------------------------
// Paths a rule's templates may use
// ---------------------------------------------------------------------------------------------

/** Brevo attribute names are upper case (brevo.md §1): `contact.FIRSTNAME`. */
const ATTRIBUTE = /^[A-Z][A-Z0-9_]*$/;

const COMMON_PATHS = ['email', 'event.id', 'event.name', 'event.date', 'event.datetime'];
/** What each event adds to the common paths (platform parts as the Slack templates name them). */
const EVENT_PATHS: Record<NotionRuleEvent, string[]> = {
  contact_updated: ['event.changed'],
  list_addition: ['event.list_ids'],
  unsubscribed: ['campaign.id', 'campaign.name'],
  hard_bounce: ['campaign.id', 'campaign.name'],
  spam: ['campaign.id', 'campaign.name'],
  order_placed: ['order.id', 'order.total', 'order.currency', 'order.items'],
  cart_abandoned: ['cart.id', 'cart.total', 'cart.currency', 'cart.abandonedAt', 'cart.url'],
  ticket_created: ['ticket.id', 'ticket.subject', 'ticket.priority', 'ticket.url'],
  custom: ['custom.name', 'custom.title', 'custom.message', 'custom.url'],
};

/** Undefined when `path` is known for the event; else what is wrong with it. */
export function rulePathIssue(event: NotionRuleEvent, path: string): string | undefined {
  if (!PATH_SYNTAX.test(path)) return `malformed path "${path}": expected a dotted path like contact.FIRSTNAME`;
  if (path.startsWith('contact.')) {
    const attribute = path.slice('contact.'.length);
    if (ATTRIBUTE.test(attribute)) return undefined;
    return `"${path}": contact attributes are Brevo attribute names in upper case (contact.${attribute.toUpperCase()})`;
  }
  const known = [...COMMON_PATHS, ...EVENT_PATHS[event]];
  if (known.includes(path)) return undefined;
  return `unknown path "${path}" for ${event} events (known: ${[...known, 'contact.<ATTRIBUTE>'].join(', ')})`;
}

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** The Brevo attributes a rule reads (`contact.X` in its properties): what the worker may have to fetch. */
export function attributesUsed(rule: NotionRuleConfig): string[] {
  const out = new Set<string>();
  for (const spec of Object.values(rule.properties)) {
    const paths = typeof spec === 'string' ? placeholdersOf(spec) : typeof spec === 'object' ? [spec.from] : [];
    for (const p of paths) if (p.startsWith('contact.')) out.add(p.slice('contact.'.length));
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Config checks beyond the schema
// ---------------------------------------------------------------------------------------------

/**
 * Every problem of `connectors.notion.rules` the schema cannot see, each with its full path:
 * options on the wrong event, `becomes` without `attribute`, `match_by` missing or not among the
 * properties, unknown placeholders and paths, duplicate names.
 */
export function validateNotionRules(notion: NotionConnectorConfig | undefined): Issue[] {
  const issues: Issue[] = [];
  const names = new Map<string, number>();
  (notion?.rules ?? []).forEach((rule, i) => {
    const at = (...rest: (string | number)[]) => formatPath(['connectors', 'notion', 'rules', i, ...rest]);
    const seen = names.get(rule.name.toLowerCase());
    if (seen !== undefined) issues.push({ path: at('name'), message: `the same name as rules[${seen}]` });
    names.set(rule.name.toLowerCase(), i);

    const { event } = rule.when;
    if (rule.when.attribute !== undefined && event !== 'contact_updated') {
      issues.push({ path: at('when', 'attribute'), message: 'attribute applies to contact_updated only' });
    }
    if (rule.when.becomes !== undefined && rule.when.attribute === undefined) {
      issues.push({ path: at('when', 'becomes'), message: 'becomes needs the attribute it applies to' });
    }
    if (rule.when.list_id !== undefined && event !== 'list_addition') {
      issues.push({ path: at('when', 'list_id'), message: 'list_id applies to list_addition only' });
    }
    if (rule.action === 'upsert') {
      if (rule.match_by === undefined) {
        issues.push({
          path: at('match_by'),
          message: 'an upsert needs match_by: the property whose value finds the page to update (e.g. Email)',
        });
      } else if (!(rule.match_by in rule.properties)) {
        issues.push({
          path: at('match_by'),
          message: `"${rule.match_by}" is not among the properties (${Object.keys(rule.properties).join(', ')}): its value is what is searched`,
        });
      }
    } else if (rule.match_by !== undefined) {
      issues.push({ path: at('match_by'), message: 'match_by applies to action upsert only' });
    }
    for (const [property, spec] of Object.entries(rule.properties)) {
      const path = at('properties', property);
      if (typeof spec === 'object') {
        const problem = rulePathIssue(event, spec.from.trim());
        if (problem) issues.push({ path: `${path}.from`, message: problem });
        continue;
      }
      if (typeof spec !== 'string') continue;
      const literal = spec.replace(PLACEHOLDER, '');
      if (literal.includes('{{') || literal.includes('}}')) {
        issues.push({ path, message: 'unbalanced "{{" / "}}": write placeholders as {{contact.FIRSTNAME}}' });
      }
      for (const p of placeholdersOf(spec)) {
        const problem = rulePathIssue(event, p);
        if (problem) issues.push({ path, message: problem });
      }
    }
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------
// The lane item: one (event, rule) match, everything the worker needs (no raw payload)
// ---------------------------------------------------------------------------------------------

export const ruleItemSchema = z.object({
  /** The event's stable id (the same for a redelivery): with the rule, the once-only key. */
  eventId: z.string().min(1),
  rule: z.string().min(1),
  event: z.enum(NOTION_RULE_EVENTS),
  email: z.string().min(1),
  /** When the change happened in Brevo (or on the platform): the Brevo side's time in conflicts. */
  occurredAt: z.string().min(1),
  /** Attribute values the event carried (contact_updated `content`, a platform contact's names). */
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** contact_updated: the changed attributes, with values or not. */
  changed: z.array(z.string()).optional(),
  listIds: z.array(z.number().int()).optional(),
  /** The event's parts: campaign (unsubscribe, bounce, spam), or a platform event's order, cart, ticket, custom. */
  parts: z.record(z.string(), z.unknown()).optional(),
  /** The event named the rule's attribute without its value: the worker checks `becomes` on the contact. */
  verify: z.boolean().optional(),
});
export type RuleItem = z.infer<typeof ruleItemSchema>;

/** Items one lane message carries: each costs about two Notion requests, so a message is ~20 s of lane. */
export const RULE_ITEMS_PER_MESSAGE = 25;

const TYPE_TO_RULE_EVENT: Partial<Record<NotificationEventType, NotionRuleEvent>> = {
  contact_updated: 'contact_updated',
  new_subscriber: 'list_addition',
  unsubscribed: 'unsubscribed',
  hard_bounce: 'hard_bounce',
  spam: 'spam',
  order_placed: 'order_placed',
  cart_abandoned: 'cart_abandoned',
  ticket_created: 'ticket_created',
  custom: 'custom',
};

export interface RuleMatches {
  items: RuleItem[];
  /** Contact changes our own API key made: never turned into Notion writes (loop prevention). */
  ownWrites: number;
}

function sameValue(a: unknown, b: unknown): boolean {
  const text = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v)).trim().toLowerCase();
  return text(a) === text(b);
}

/**
 * Matches parsed webhook events against the rules. A contact change that our own API key made
 * (`ownWrite`, from Brevo's api_key_name) matches nothing: it is the echo of a write this service
 * made (the Notion → Brevo sync, a Slack action), and writing it to Notion would start a loop.
 */
export function matchRules(rules: readonly NotionRuleConfig[], events: readonly NotificationEvent[]): RuleMatches {
  const out: RuleMatches = { items: [], ownWrites: 0 };
  for (const event of events) {
    const kind = TYPE_TO_RULE_EVENT[event.type];
    const email = event.contact?.email;
    if (!kind || !email) continue;
    if (event.ownWrite) {
      if (rules.some((r) => r.when.event === kind)) out.ownWrites += 1;
      continue;
    }
    const changes =
      kind === 'contact_updated' ? changesOf((event.raw as { content?: unknown } | null)?.content) : undefined;
    const attributes: Record<string, unknown> = { ...(changes?.values ?? {}) };
    if (event.contact?.firstName && attributes.FIRSTNAME === undefined) attributes.FIRSTNAME = event.contact.firstName;
    if (event.contact?.lastName && attributes.LASTNAME === undefined) attributes.LASTNAME = event.contact.lastName;
    const changed = changes?.fields.map((f) => f.toUpperCase());
    for (const rule of rules) {
      if (rule.when.event !== kind) continue;
      if (rule.when.list_id !== undefined) {
        const wanted = Array.isArray(rule.when.list_id) ? rule.when.list_id : [rule.when.list_id];
        if (!(event.listIds ?? []).some((id) => wanted.includes(id))) continue;
      }
      let verify = false;
      const attribute = rule.when.attribute;
      if (attribute !== undefined) {
        if (!changed?.includes(attribute)) continue;
        if (rule.when.becomes !== undefined) {
          const wanted = Array.isArray(rule.when.becomes) ? rule.when.becomes : [rule.when.becomes];
          if (attribute in attributes) {
            if (!wanted.some((w) => sameValue(attributes[attribute], w))) continue;
          } else verify = true; // `content` listed the name only: the worker reads the contact
        }
      }
      const parts: Record<string, unknown> = {};
      for (const key of ['campaign', 'order', 'cart', 'ticket', 'custom'] as const)
        if (event[key]) parts[key] = event[key];
      out.items.push({
        eventId: event.id,
        rule: rule.name,
        event: kind,
        email,
        occurredAt: event.occurredAt,
        attributes,
        ...(changed ? { changed } : {}),
        ...(event.listIds ? { listIds: event.listIds } : {}),
        ...(Object.keys(parts).length ? { parts } : {}),
        ...(verify ? { verify } : {}),
      });
    }
  }
  return out;
}

/** Whether a contact's current attributes satisfy a rule's `becomes` (the worker's check for `verify`). */
export function becomesHolds(rule: NotionRuleConfig, attributes: Record<string, unknown>): boolean {
  const { attribute, becomes } = rule.when;
  if (attribute === undefined || becomes === undefined) return true;
  const wanted = Array.isArray(becomes) ? becomes : [becomes];
  return wanted.some((w) => sameValue(attributes[attribute], w));
}

// ---------------------------------------------------------------------------------------------
// Rendering a rule's property values
// ---------------------------------------------------------------------------------------------

/** A rendered property value before it meets the database schema: text, or a raw typed value. */
export type RenderedValue = string | number | boolean | unknown[] | Record<string, unknown> | null;

function lookup(item: RuleItem, attributes: Record<string, unknown>, path: string): unknown {
  if (path === 'email') return item.email;
  if (path.startsWith('contact.')) return attributes[path.slice('contact.'.length)];
  switch (path) {
    case 'event.id':
      return item.eventId;
    case 'event.name':
      return item.event;
    case 'event.datetime':
      return item.occurredAt;
    case 'event.date':
      // The day of the change, in UTC (Brevo's own dates are UTC seconds).
      return item.occurredAt.slice(0, 10);
    case 'event.list_ids':
      return item.listIds;
    case 'event.changed':
      return item.changed;
  }
  let cur: unknown = item.parts;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) {
    return v
      .map((x) =>
        typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string'
          ? String((x as { name: string }).name)
          : asText(x),
      )
      .filter(Boolean)
      .join(', ');
  }
  return '';
}

/**
 * The rule's property values for one item: templates filled (trimmed), literals kept, `{from}`
 * raw. Values that come out empty are left out: a rule never erases what a page holds.
 */
export function renderProperties(
  rule: NotionRuleConfig,
  item: RuleItem,
  attributes: Record<string, unknown>,
): Record<string, RenderedValue> {
  const out: Record<string, RenderedValue> = {};
  for (const [property, spec] of Object.entries(rule.properties)) {
    let value: unknown;
    if (typeof spec === 'string') {
      value = spec.replace(PLACEHOLDER, (_whole, path: string) => asText(lookup(item, attributes, path))).trim();
    } else if (typeof spec === 'object') value = lookup(item, attributes, spec.from.trim());
    else value = spec;
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    out[property] = value as RenderedValue;
  }
  return out;
}
