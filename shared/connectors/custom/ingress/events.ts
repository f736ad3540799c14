/**
 * A platform's webhook delivery as hub events (the core event model, shared/core/events/), so that
 * routed Slack notifications and Brevo → Notion rules see it as they see Brevo's own events:
 * - an order (`kind: order`, or a webhook whose Brevo event is `order_placed`) → `order_placed`
 *   (order id, total and currency from the definition's fields), and the order ledger records it;
 * - a cart (`kind: cart`) → no event here: whether it was abandoned is the abandoned-cart skill's
 *   to decide (its delay and the orders since), handed the delivery's commerce event;
 * - any other `to: event` webhook → `custom` named after its Brevo event;
 * - a `to: contact` webhook → none (Brevo's own contact webhooks report the contact it writes).
 * Pure: no I/O.
 */
import { contactThreadKey, type NotificationEvent } from '../../../core/events/events';
import { normalizeEmail } from '../../../core/mapping';
import type { Definition, WebhookDefinition } from '../definition/schema';
import { looseKey } from '../definition/schema';
import type { MappedRecord } from '../records';

/** What a webhook entry is about, for the skills: its `kind`, else an order by its event's name. */
export function webhookKind(key: string, webhook: WebhookDefinition): 'order' | 'cart' | undefined {
  if ('kind' in webhook && webhook.kind !== undefined) return webhook.kind;
  if (webhook.to === 'event' && brevoEventName(key, webhook) === 'order_placed') return 'order';
  return undefined;
}

/** The Brevo event a `to: event` webhook writes: its `event`, else its key. */
export function brevoEventName(key: string, webhook: WebhookDefinition): string {
  return ('event' in webhook ? webhook.event : undefined) ?? key;
}

/** A mapped field by loose name (`order_id` ≡ `orderId`), the first of `names` present. */
function field(record: MappedRecord, ...names: string[]): unknown {
  const wanted = names.map(looseKey);
  for (const name of wanted)
    for (const [f, v] of Object.entries(record.fields))
      if (looseKey(f) === name && v !== undefined && v !== null) return v;
  return undefined;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;

function amount(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function isoOr(v: unknown, fallback: string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString();
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)))
    return new Date(Date.parse(v)).toISOString();
  return fallback;
}

/**
 * The hub events of one delivery. `deliveryId` makes each event's id stable across the platform's
 * retries (the Slack worker posts an event id once).
 */
export function hubEventsOf(args: {
  definition: Definition;
  key: string;
  webhook: WebhookDefinition;
  record: MappedRecord;
  deliveryId: string;
  receivedAt: string;
}): NotificationEvent[] {
  const { definition, key, webhook, record } = args;
  if (webhook.to !== 'event') return [];
  const kind = webhookKind(key, webhook);
  if (kind === 'cart') return [];
  const email = text(field(record, 'email'));
  const firstName = text(field(record, 'first_name', 'firstname'));
  const lastName = text(field(record, 'last_name', 'lastname'));
  const contact =
    email !== undefined || firstName !== undefined || lastName !== undefined
      ? {
          ...(email !== undefined ? { email: normalizeEmail(email) ?? email.toLowerCase() } : {}),
          ...(firstName !== undefined ? { firstName } : {}),
          ...(lastName !== undefined ? { lastName } : {}),
        }
      : undefined;
  const base = {
    id: `platform:${definition.name}:${args.deliveryId}`,
    occurredAt: isoOr(field(record, 'event_date', 'created_at', 'occurred_at'), args.receivedAt),
    source: 'platform' as const,
    ...(contact !== undefined ? { contact } : {}),
    // What the mapping read, not the whole payload: lane messages stay small and hold only mapped fields.
    raw: { connector: definition.name, webhook: key, fields: record.fields },
  };
  const threadKey = contact?.email !== undefined ? contactThreadKey(contact.email) : undefined;
  if (kind === 'order') {
    const orderId = text(field(record, 'order_id', 'id')) ?? record.id;
    return [
      {
        ...base,
        type: 'order_placed',
        order: {
          id: orderId,
          total: amount(field(record, 'amount', 'total', 'total_price')) ?? 0,
          currency: (text(field(record, 'currency')) ?? '').toUpperCase(),
        },
        threadKey: threadKey ?? `order:${orderId}`,
      },
    ];
  }
  const name = brevoEventName(key, webhook);
  return [
    {
      ...base,
      type: 'custom',
      custom: { name, title: `${definition.label}: ${name.replace(/_/g, ' ')}` },
      ...(threadKey !== undefined ? { threadKey } : {}),
    },
  ];
}
