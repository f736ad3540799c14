/**
 * Notification templates: a built-in name or `{text, header?, fields?, body?, button?}` whose strings
 * hold `{{path}}` placeholders over the event. `validateTemplate` refuses what would break at send
 * time (unknown placeholders, literals over Slack's limits, > 10 fields, no fallback text, a button
 * url that is not a URL: template-validation.ts); rendering is render-notification.ts.
 */
import { z } from 'zod';
import {
  campaignSchema,
  cartSchema,
  contactSchema,
  customSchema,
  EVENT_TYPE_PARTS,
  type EventPart,
  type NotificationEventType,
  orderSchema,
  ticketSchema,
} from '../../../core/events/events';
import { PLACEHOLDER } from '../../../core/events/placeholders';

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

export function namedTemplate(name: string): (typeof NAMED_TEMPLATES)[NamedTemplate] | undefined {
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
export const MONEY_PATHS = new Set(['order.total', 'cart.total']);
export const TIME_PATHS = new Set(['occurredAt', 'cart.abandonedAt']);

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

export function placeholdersOf(s: string): { path: string; index: number }[] {
  return [...s.matchAll(PLACEHOLDER)].map((m) => ({ path: m[1] ?? '', index: m.index ?? 0 }));
}

/** The text a string shows whatever the event: the template minus its placeholders. */
export function literalOf(s: string): string {
  return s.replace(PLACEHOLDER, '');
}
