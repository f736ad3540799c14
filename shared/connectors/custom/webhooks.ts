/**
 * A webhook delivery against its definition: which entry it is (its path, then a `match` on a
 * header or a body field), its mapped record (a contact, or a Brevo event body), and its delivery
 * id for dedupe (the header `signature.delivery_id_header` names, else the raw body's sha256).
 * Verification is signature.ts; this module assumes a verified delivery.
 */
import { createHash } from 'node:crypto';
import { headerValue } from '../../core/http/headers';
import type { Definition, WebhookDefinition } from './definition/schema';
import { getPath } from './paths';
import { type EventResult, eventBodyFor, type MappedRecord, mapRecord } from './records';
import type { DeliveryHeaders } from './signature';

/** Where the short form looks for the email of a payload without a mapping. */
export const SHORT_FORM_EMAIL_PATHS = ['email', 'customer.email', 'contact.email', 'data.object.email'] as const;

/** `webhooks/order`, `/webhooks/order/` → `/webhooks/order`. */
export function normalizeWebhookPath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+/, '')}`.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export type WebhookMatch =
  | { ok: true; key: string; webhook: WebhookDefinition }
  | { ok: false; status: 404; reason: string };

/**
 * The definition's webhook entry for a delivery at `path`: among the entries at that path, the first
 * whose `match` holds, else the one without a `match`.
 */
export function matchWebhook(
  definition: Definition,
  path: string,
  headers: DeliveryHeaders,
  body: unknown,
): WebhookMatch {
  const wanted = normalizeWebhookPath(path);
  const atPath = Object.entries(definition.webhooks).filter(([, w]) => normalizeWebhookPath(w.path) === wanted);
  if (atPath.length === 0) {
    const paths = [...new Set(Object.values(definition.webhooks).map((w) => w.path))];
    return {
      ok: false,
      status: 404,
      reason: `${definition.name} has no webhook at ${wanted} (its paths: ${paths.join(', ') || 'none'})`,
    };
  }
  for (const [key, webhook] of atPath) {
    const match = 'match' in webhook ? webhook.match : undefined;
    if (match === undefined) continue;
    const value = match.header !== undefined ? headerValue(headers, match.header) : getPath(body, match.field ?? '');
    if (value !== undefined && value !== null && String(value) === match.equals) return { ok: true, key, webhook };
  }
  const fallback = atPath.find(([, w]) => !('match' in w) || w.match === undefined);
  if (fallback !== undefined) return { ok: true, key: fallback[0], webhook: fallback[1] };
  // What the delivery said and what the definition reads, by the same header or field: `X-Shopify-Topic:
  // products/create (reads customers/create, orders/create...)`.
  const tellers = new Map<string, { got: unknown; reads: string[] }>();
  for (const [, webhook] of atPath) {
    const match = 'match' in webhook ? webhook.match : undefined;
    if (match === undefined) continue;
    const by = match.header ?? match.field ?? '';
    const teller = tellers.get(by) ?? {
      got: match.header !== undefined ? headerValue(headers, match.header) : getPath(body, match.field ?? ''),
      reads: [],
    };
    teller.reads.push(match.equals);
    tellers.set(by, teller);
  }
  const said = [...tellers]
    .map(
      ([by, t]) =>
        `${by}: ${t.got === undefined || t.got === null ? '(none)' : String(t.got)} (reads ${t.reads.join(', ')})`,
    )
    .join('; ');
  return {
    ok: false,
    status: 404,
    reason: `no webhook of ${definition.name} at ${wanted} reads this delivery: ${said}`,
  };
}

export type WebhookPayload =
  | { to: 'contact'; key: string; record: MappedRecord }
  | { to: 'event'; key: string; record: MappedRecord; event: EventResult };

/** The delivery's record through the webhook's mapping (or the short form's scalars) and, for events, the Brevo body. */
export function webhookPayload(
  key: string,
  webhook: WebhookDefinition,
  body: unknown,
  /** A field's Brevo attribute (the connection's field_mapping) for the event's contact_properties. */
  attributeOf?: (field: string) => string,
): WebhookPayload {
  const mapping = 'mapping' in webhook ? webhook.mapping : undefined;
  const record = mapping !== undefined ? mapRecord(body, mapping, { source: key }) : shortFormRecord(key, body);
  if (webhook.to === 'contact') return { to: 'contact', key, record };
  const eventName = ('event' in webhook ? webhook.event : undefined) ?? key;
  const contactProperties = 'contact_properties' in webhook ? webhook.contact_properties : undefined;
  return { to: 'event', key, record, event: eventBodyFor(record, eventName, { contactProperties, attributeOf }) };
}

/** The short form: the payload's scalar top-level fields, and its email found at the usual places. */
export function shortFormRecord(key: string, body: unknown): MappedRecord {
  const record = mapRecord(body, {}, { source: key });
  if (body !== null && typeof body === 'object' && !Array.isArray(body))
    for (const [field, value] of Object.entries(body))
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) record.fields[field] = value;
  for (const path of SHORT_FORM_EMAIL_PATHS) {
    const email = getPath(body, path);
    if (typeof email === 'string' && email !== '') {
      record.fields.email = email;
      break;
    }
  }
  return record;
}

/** The delivery's id for dedupe: the header the definition names, else `sha256:<hex of the raw body>`. */
export function deliveryId(
  definition: Definition,
  headers: DeliveryHeaders,
  rawBody: Uint8Array | string,
  /** The parsed body, for `delivery_id_field` (Stripe's event id: its retries may differ in other fields). */
  body?: unknown,
): string {
  const header = definition.signature?.delivery_id_header;
  const value = header === undefined ? undefined : headerValue(headers, header)?.trim();
  if (value !== undefined && value !== '') return value;
  const field = definition.signature?.delivery_id_field;
  const fromBody = field === undefined || body === undefined ? undefined : getPath(body, field);
  if ((typeof fromBody === 'string' && fromBody.trim() !== '') || typeof fromBody === 'number')
    return `field:${String(fromBody).trim()}`;
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}
