/**
 * The tenant event stream (issue 15's `tajo.events.on`): what happened for a tenant, as the events
 * its registered endpoints receive. Built from the hub events (Brevo's webhooks, the platforms'),
 * from runs that finished, and from Brevo items no notification takes. Pure: no I/O.
 *
 * Every event's id is derived from its source's stable id (a Brevo item's hash, a platform
 * delivery id, a run id), so a source's retry publishes the same id and receivers dedupe on it.
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { RunRecord } from '../ports/runs';
import { changesOf, type NotificationEvent } from './events';

/** EventBridge's `source` of every tenant event (the rule of the stack matches it). */
export const TENANT_EVENT_SOURCE = 'tajo.connectors';

export const tenantEventSchema = z.object({
  tenantId: z.string().min(1),
  /** `contact.attribute_updated`, `brevo.<event>`, `<connector>.<event key>`, `sync.completed`... */
  type: z.string().min(1).max(128),
  id: z.string().min(1).max(256),
  createdAt: z.string(),
  /** The type's own fields, flat in the delivered body beside id, type, createdAt and tenantId. */
  fields: z.record(z.string(), z.unknown()),
});
export type TenantEvent = z.infer<typeof tenantEventSchema>;

type Fields = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function contactOf(e: NotificationEvent, attributes?: Fields): Fields | undefined {
  if (!e.contact) return undefined;
  const name = [e.contact.firstName, e.contact.lastName].filter(Boolean).join(' ');
  return {
    ...(e.contact.email ? { email: e.contact.email } : {}),
    ...(name ? { name } : {}),
    ...(e.contact.id !== undefined ? { id: e.contact.id } : {}),
    ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
  };
}

/** The Brevo item's own `event` name (snake case), for `brevo.<event>`. */
function brevoName(e: NotificationEvent): string {
  const raw = isRecord(e.raw) && typeof e.raw.event === 'string' ? e.raw.event.trim().toLowerCase() : '';
  return raw || e.type;
}

/**
 * A contact_updated: one `contact.attribute_updated` per changed attribute, with its new value.
 * Brevo's webhook carries the new values only: `previousValue` is given when the item has one
 * (`{ATTR: {old, new}}` shapes), never guessed.
 */
function attributeEvents(tenantId: string, e: NotificationEvent): TenantEvent[] {
  const raw = isRecord(e.raw) ? e.raw : {};
  const { fields, values } = changesOf(raw.content);
  if (fields.length === 0) return [];
  const attributes: Fields = {};
  for (const [k, v] of Object.entries(values)) attributes[k] = isRecord(v) && 'new' in v ? v.new : v;
  const contact = contactOf(e, attributes);
  return fields.map((attribute) => {
    const given = values[attribute.toUpperCase()];
    const pair = isRecord(given) && 'new' in given ? given : undefined;
    return {
      tenantId,
      type: 'contact.attribute_updated',
      id: `${e.id}:${attribute}`,
      createdAt: e.occurredAt,
      fields: {
        contact,
        attribute,
        value: (pair ? pair.new : given) ?? null,
        ...(pair && 'old' in pair ? { previousValue: pair.old } : {}),
        ...(e.ownWrite ? { ownWrite: true } : {}),
      },
    };
  });
}

function platformEvent(tenantId: string, e: NotificationEvent): TenantEvent {
  const raw = isRecord(e.raw) ? e.raw : {};
  const connector = typeof raw.connector === 'string' ? raw.connector : 'platform';
  const key = typeof raw.webhook === 'string' ? raw.webhook : e.type;
  return {
    tenantId,
    type: `${connector}.${key}`,
    id: e.id,
    createdAt: e.occurredAt,
    fields: {
      connector,
      ...(e.contact ? { contact: contactOf(e) } : {}),
      ...(e.order ? { order: e.order } : {}),
      ...(e.cart ? { cart: e.cart } : {}),
      ...(e.ticket ? { ticket: e.ticket } : {}),
      ...(e.custom ? { custom: e.custom } : {}),
      ...(isRecord(raw.fields) ? { data: raw.fields } : {}),
    },
  };
}

/** The tenant events of a batch of hub events (Brevo's or a platform's), in order. */
export function tenantEventsOf(tenantId: string, events: readonly NotificationEvent[]): TenantEvent[] {
  const out: TenantEvent[] = [];
  for (const e of events) {
    if (e.source === 'platform') {
      out.push(platformEvent(tenantId, e));
      continue;
    }
    const base = { tenantId, id: e.id, createdAt: e.occurredAt };
    const contact = contactOf(e);
    if (e.type === 'contact_updated') {
      const perAttribute = attributeEvents(tenantId, e);
      if (perAttribute.length) out.push(...perAttribute);
      else out.push({ ...base, type: 'brevo.contact_updated', fields: { contact, brevo: e.raw } });
    } else if (e.type === 'new_subscriber')
      // Brevo sends no "contact created" webhook: a contact added to a list is the closest it says.
      out.push({ ...base, type: 'contact.created', fields: { contact, listIds: e.listIds ?? [] } });
    else if (e.type === 'unsubscribed')
      out.push({ ...base, type: 'contact.unsubscribed', fields: { contact, campaign: e.campaign } });
    else if (e.type === 'campaign_sent')
      // A campaign's delivered/sent items fold into one event per campaign (its id says so).
      out.push({ ...base, type: 'brevo.campaign_sent', fields: { campaign: e.campaign } });
    else
      out.push({
        ...base,
        type: `brevo.${brevoName(e)}`,
        fields: { ...(contact ? { contact } : {}), ...(e.campaign ? { campaign: e.campaign } : {}), brevo: e.raw },
      });
  }
  return out;
}

/**
 * Brevo items no notification takes (`opened`, `click`, new types): `brevo.<event>` with Brevo's
 * item as it came. Their id hashes the item, so Brevo's retry of it publishes the same id.
 */
export function otherBrevoEvents(tenantId: string, items: readonly unknown[], receivedAt: string): TenantEvent[] {
  return items.filter(isRecord).map((item) => {
    const name = String(item.event ?? 'unknown')
      .trim()
      .toLowerCase()
      .slice(0, 64);
    const hash = createHash('sha256').update(JSON.stringify(item)).digest('hex').slice(0, 32);
    const email = typeof item.email === 'string' ? item.email.toLowerCase() : undefined;
    return {
      tenantId,
      type: `brevo.${name}`,
      id: `brevo:${name}:${hash}`,
      createdAt: receivedAt,
      fields: { ...(email ? { contact: { email } } : {}), brevo: item },
    };
  });
}

/** A run that finished: `sync.completed` or `sync.failed`; undefined while it runs. */
export function runFinishedEvent(run: RunRecord): TenantEvent | undefined {
  if (run.status === 'running') return undefined;
  return {
    tenantId: run.tenantId,
    type: run.status === 'succeeded' ? 'sync.completed' : 'sync.failed',
    id: `run:${run.connector}:${run.runId}:${run.status}`,
    createdAt: run.finishedAt ?? run.startedAt,
    fields: {
      connector: run.connector,
      runId: run.runId,
      mode: run.mode,
      ...(run.job ? { job: run.job } : {}),
      trigger: run.trigger,
      summary: run.summary,
      ...(run.error ? { error: run.error } : {}),
    },
  };
}

/** Whether an endpoint's `types` take an event type: `*`, the type itself, or a prefix `brevo.*`. */
export function acceptsEventType(types: readonly string[], type: string): boolean {
  return types.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}

/** The delivered body: flat, as the docs' handler reads it (`event.attribute`, `event.contact.email`). */
export function deliveryBody(event: TenantEvent): string {
  return JSON.stringify({
    ...event.fields,
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    tenantId: event.tenantId,
  });
}

/** Seconds a receiver accepts between `t` and its clock (the SDK's and docs' tolerance). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `tajo-signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function signatureHeader(secret: string, unixSeconds: number, rawBody: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
