/**
 * Brevo as an event source: its marketing and contact webhooks (snake_case `event` values, one
 * object or a batched array) parsed into the core event model. Pure: no I/O, and no clock unless one
 * is injected.
 */
import { createHash } from 'node:crypto';
import {
  campaignSentId,
  campaignThreadKey,
  changesOf,
  contactThreadKey,
  type NotificationContact,
  type NotificationEvent,
  type NotificationEventType,
} from '../../core/events/events';

export interface BrevoParseOptions {
  /** Names of the API keys this service writes with: a contact change carrying one is our own echo. */
  ownApiKeyNames?: readonly string[];
  /** Only used when an item carries no timestamp at all; without it such an item is ignored. */
  now?: () => Date;
}

export interface IgnoredItem {
  /** Position in the posted array (0 for a single object). */
  index: number;
  reason: string;
  /** An event type Brevo sent that has no notification (new types included): its name, for the counts. */
  unsupported?: string;
}

export interface BrevoParseResult {
  events: NotificationEvent[];
  ignored: IgnoredItem[];
}

type Payload = Record<string, unknown>;

function isRecord(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t ? t : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An id Brevo sends as a number or a digit string; beyond 2^53 it is not an id we can keep exactly. */
function int(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number.parseInt(v, 10) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function emailOf(p: Payload): string | undefined {
  const e = str(p.email);
  return e?.includes('@') ? e.toLowerCase() : undefined;
}

/** Seconds or milliseconds since the epoch (Brevo sends seconds; be tolerant of ms). */
function fromEpoch(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const d = new Date(n > 1e12 ? n : n * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Brevo `date*` strings: ISO with a zone is exact; `YYYY-MM-DD HH:mm:ss` has no zone (local or
 * CET/CEST per Brevo) and is read as UTC, so it can be off by the zone offset. `ts*` come first.
 */
function fromDateString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let d: Date | undefined;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i.test(s)) d = new Date(s);
  else {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?$/.exec(s);
    if (m) d = new Date(`${m[1]}T${m[2]}${m[3] ?? ''}Z`);
  }
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

const TS_KEYS = ['ts_event', 'ts', 'ts_sent'] as const;
const CAMPAIGN_TS_KEYS = ['ts_sent', 'ts_event', 'ts'] as const;
const DATE_KEYS = ['date_event', 'date', 'date_sent'] as const;

function occurredAt(p: Payload, tsKeys: readonly string[], now?: () => Date): string | undefined {
  for (const k of tsKeys) {
    const v = fromEpoch(p[k]);
    if (v) return v;
  }
  for (const k of DATE_KEYS) {
    const v = fromDateString(p[k]);
    if (v) return v;
  }
  return now?.().toISOString();
}

/**
 * A stable id from Brevo's own fields (webhook id, event time, email, event, plus what tells two
 * changes at the same second apart), hashed: a retry of the same delivery yields the same id.
 */
function brevoEventId(event: string, p: Payload): string {
  const time = p.ts_event ?? p.ts ?? p.date_event ?? p.date ?? null;
  const parts = [
    event,
    p.id ?? null,
    time,
    emailOf(p) ?? null,
    p.camp_id ?? null,
    p.list_id ?? null,
    p.content ?? null,
    p['message-id'] ?? null,
  ];
  // Nothing identifying beyond the event name: fall back to the whole item (still stable on retry).
  const material = time === null && (p.id ?? null) === null ? [event, canonical(p)] : parts;
  const hash = createHash('sha256').update(canonical(material)).digest('hex').slice(0, 32);
  return `brevo:${event}:${hash}`;
}

/** JSON with sorted keys, so key order never changes a hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function listIdsOf(v: unknown): number[] | undefined {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const ids = arr.map(int).filter((n): n is number => n !== undefined);
  return ids.length ? [...new Set(ids)] : undefined;
}

function campaignOf(p: Payload): { id: number; name: string } | undefined {
  const id = int(p.camp_id);
  if (id === undefined) return undefined;
  return { id, name: str(p['campaign name']) ?? str(p.campaign_name) ?? `Campaign ${id}` };
}

function isTransactional(p: Payload): boolean {
  return p.camp_id === undefined && (p['message-id'] !== undefined || p.message_id !== undefined);
}

/** Brevo `event` values that become contact notifications (the rest are ignored with a reason). */
const CONTACT_EVENT_TYPES: Record<string, NotificationEventType | undefined> = {
  list_addition: 'new_subscriber',
  unsubscribe: 'unsubscribed',
  unsubscribed: 'unsubscribed',
  hard_bounce: 'hard_bounce',
  spam: 'spam',
  contact_updated: 'contact_updated',
};

const CAMPAIGN_SEND_EVENTS = new Set(['delivered', 'sent', 'request']);

type ItemResult = { event: NotificationEvent } | { reason: string; unsupported?: string };

function parseBrevoItem(item: unknown, opts: BrevoParseOptions): ItemResult {
  if (!isRecord(item)) return { reason: 'not an object' };
  const name = str(item.event)?.toLowerCase();
  if (!name) return { reason: 'no "event" field' };
  if (isTransactional(item)) return { reason: `transactional "${name}" event: not notified` };

  if (CAMPAIGN_SEND_EVENTS.has(name)) {
    const campaign = campaignOf(item);
    if (!campaign) return { reason: `"${name}" without camp_id (transactional): not notified` };
    const at = occurredAt(item, CAMPAIGN_TS_KEYS, opts.now);
    if (!at) return { reason: 'no timestamp (ts_sent, ts_event, ts, date_event or date)' };
    return {
      event: {
        id: campaignSentId(campaign.id),
        type: 'campaign_sent',
        occurredAt: at,
        source: 'brevo',
        campaign,
        threadKey: campaignThreadKey(campaign.id),
        raw: item,
      },
    };
  }

  const type = CONTACT_EVENT_TYPES[name];
  if (!type) return { reason: `no notification for Brevo event "${name}"`, unsupported: name.slice(0, 64) };
  const email = emailOf(item);
  if (!email) return { reason: `"${name}" without a valid email` };
  const at = occurredAt(item, TS_KEYS, opts.now);
  if (!at) return { reason: 'no timestamp (ts_event, ts, date_event or date)' };

  const contact: NotificationContact = { email };
  const contactId = item.contact_id;
  if (typeof contactId === 'number' || (typeof contactId === 'string' && contactId.trim())) contact.id = contactId;
  const event: NotificationEvent = {
    id: brevoEventId(name, item),
    type,
    occurredAt: at,
    source: 'brevo',
    contact,
    threadKey: contactThreadKey(email),
    raw: item,
  };
  const campaign = campaignOf(item);
  if (campaign && (type === 'unsubscribed' || type === 'hard_bounce' || type === 'spam')) event.campaign = campaign;
  if (type === 'new_subscriber') {
    const listIds = listIdsOf(item.list_id);
    if (listIds) event.listIds = listIds;
  }
  if (type === 'contact_updated') {
    const { fields, values } = changesOf(item.content);
    if (fields.length) event.changedFields = fields;
    const first = str(values.FIRSTNAME);
    const last = str(values.LASTNAME);
    if (first) contact.firstName = first;
    if (last) contact.lastName = last;
  }
  if (type === 'contact_updated' || type === 'new_subscriber') {
    const keyName = str(item.api_key_name);
    event.ownWrite = keyName !== undefined && (opts.ownApiKeyNames ?? []).some((n) => n.trim() === keyName);
  }
  return { event };
}

/**
 * A Brevo webhook body (one event object or a batched array) → notification events. Every input
 * index ends up either in an event or in `ignored` with a reason; the delivered/sent items of one
 * campaign collapse into ONE campaign_sent (id `campaign_sent:<camp_id>`, so later batches dedupe
 * on it too).
 */
export function parseBrevoWebhook(body: unknown, options: BrevoParseOptions = {}): BrevoParseResult {
  let input = body;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      return { events: [], ignored: [{ index: 0, reason: 'body is not JSON' }] };
    }
  }
  if (input === undefined || input === null) return { events: [], ignored: [{ index: 0, reason: 'empty body' }] };
  const items = Array.isArray(input) ? input : [input];
  const events: NotificationEvent[] = [];
  const ignored: IgnoredItem[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const r = parseBrevoItem(item, options);
    if ('reason' in r) {
      ignored.push({ index, reason: r.reason, ...(r.unsupported ? { unsupported: r.unsupported } : {}) });
      return;
    }
    if (seen.has(r.event.id)) {
      ignored.push({ index, reason: `duplicate of ${r.event.id} in this delivery` });
      return;
    }
    seen.add(r.event.id);
    events.push(r.event);
  });
  return { events, ignored };
}
