/**
 * Brevo simulator, events: POST /v3/events with its identifier, name and event_properties rules, and
 * POST /v3/events/batch (brevo.md §4; Brevo's API definition of the endpoint): each event checked by
 * the same rules; 202 `{message, count}` when all pass, 207 with per-event errors when some fail (the
 * others written), 400 with the same body when all fail. Brevo documents no maximum batch size, so
 * none is enforced (the sizes received are kept: batchSizes).
 */

import type { SimResponse } from '../../http-kit';
import type { PlanContext } from '../internal-types';
import {
  ApiError,
  err,
  isIsoDateTime,
  isPhoneKey,
  isPlainObject,
  isPositiveInt,
  isValidEmail,
  normalizePhone,
  type SimContact,
} from '../model';
import { PHONE_IDENTIFIER_TYPES } from '../params';
import type { SimEvent } from '../types';
import { ImportsApi } from './imports';

/** `event_properties` serialized size limit (50 KB, decimal). */
export const MAX_EVENT_PROPERTIES_BYTES = 50_000;

export abstract class EventsApi extends ImportsApi {
  // -------------------------------------------------------------------------------------------
  // Events

  /** Events per batch request received, in order (tests check the client's chunking). */
  readonly batchSizes: number[] = [];

  protected createEvent(b: Record<string, unknown>): SimResponse {
    this.recordEvent(b);
    return { status: 204 };
  }

  protected createEvents(b: Record<string, unknown>): SimResponse {
    const events = b.events;
    if (events === undefined) throw err(400, 'missing_parameter', 'events is missing');
    if (!Array.isArray(events) || events.length === 0) {
      throw err(400, 'invalid_parameter', 'events must be a non-empty array of events');
    }
    this.batchSizes.push(events.length);
    // Errors grouped by message, each with the indexes of the events it failed (Brevo's eventIndex).
    const errors = new Map<string, number[]>();
    for (const [i, event] of events.entries()) {
      try {
        if (!isPlainObject(event)) throw err(400, 'invalid_parameter', 'each event must be an object');
        this.recordEvent(event);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        errors.set(e.body.message, [...(errors.get(e.body.message) ?? []), i]);
      }
    }
    if (errors.size === 0) return { status: 202, body: { message: 'Batch accepted', count: events.length } };
    const failed = [...errors.values()].reduce((n, ids) => n + ids.length, 0);
    return {
      status: failed === events.length ? 400 : 207,
      body: {
        status: failed === events.length ? 'failed' : 'partial_success',
        total_events: events.length,
        successful_events: events.length - failed,
        failed_events: failed,
        errors: [...errors.entries()].map(([message, eventIndex]) => ({ eventIndex, message })),
      },
    };
  }

  /** Checks one event (an ApiError names what is wrong) and records it, applying its contact_properties. */
  private recordEvent(b: Record<string, unknown>): void {
    const name = b.event_name;
    if (name === undefined) throw err(400, 'missing_parameter', 'event_name is missing');
    if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw err(400, 'invalid_parameter', 'event_name must be 1-255 characters: letters, digits, - and _ only');
    }
    const ids = b.identifiers;
    if (ids === undefined) throw err(400, 'missing_parameter', 'identifiers is missing');
    if (!isPlainObject(ids) || Object.keys(ids).length === 0) {
      throw err(400, 'invalid_parameter', 'identifiers must contain at least one identifier');
    }
    for (const [k, v] of Object.entries(ids)) {
      if (k === 'email_id') {
        if (!isValidEmail(v)) throw err(400, 'invalid_parameter', 'identifiers.email_id is not a valid email');
      } else if (k === 'contact_id') {
        if (!isPositiveInt(v)) throw err(400, 'invalid_parameter', 'identifiers.contact_id must be a positive integer');
      } else if (k === 'ext_id') {
        if (typeof v !== 'string' || v === '')
          throw err(400, 'invalid_parameter', 'identifiers.ext_id must be a string');
      } else if (PHONE_IDENTIFIER_TYPES[k]) {
        if (normalizePhone(v) === undefined)
          throw err(400, 'invalid_parameter', `identifiers.${k}: Invalid phone number`);
      } else throw err(400, 'invalid_parameter', `identifiers.${k} is not a known identifier`);
    }
    const cp = b.contact_properties;
    if (cp !== undefined) {
      if (!isPlainObject(cp)) throw err(400, 'invalid_parameter', 'contact_properties must be an object');
      for (const [k, v] of Object.entries(cp)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) {
          throw err(400, 'invalid_parameter', `contact_properties.${k} must be a string, number or boolean`);
        }
      }
    }
    const ep = b.event_properties;
    if (ep !== undefined) {
      if (!isPlainObject(ep)) throw err(400, 'invalid_parameter', 'event_properties must be an object');
      const badKey = findBadKey(ep);
      if (badKey !== undefined) {
        throw err(
          400,
          'invalid_parameter',
          `event_properties key "${badKey}" is invalid: at most 255 characters, letters, digits, - and _ only`,
        );
      }
      const size = Buffer.byteLength(JSON.stringify(ep));
      if (size > MAX_EVENT_PROPERTIES_BYTES) {
        throw err(400, 'invalid_parameter', `event_properties is ${size} bytes; the limit is 50KB`);
      }
    }
    if (b.event_date !== undefined && !isIsoDateTime(b.event_date)) {
      throw err(400, 'invalid_parameter', 'event_date must be an ISO-8601 date-time, e.g. 2024-01-24T17:39:57+01:00');
    }
    if (b.object !== undefined && !isPlainObject(b.object)) {
      throw err(400, 'invalid_parameter', 'object must be an object');
    }
    let contact: SimContact | undefined;
    if (ids.contact_id !== undefined) contact = this.contactMap.get(ids.contact_id as number);
    else if (ids.email_id !== undefined) contact = this.findByEmail(ids.email_id as string);
    else if (ids.ext_id !== undefined) contact = this.findByExtId(ids.ext_id as string);
    else {
      for (const [type, key] of Object.entries(PHONE_IDENTIFIER_TYPES)) {
        if (ids[type] !== undefined) contact ??= this.findByPhone(key, ids[type]);
      }
    }
    const now = this.iso();
    const event: SimEvent = {
      event_name: name,
      identifiers: { ...ids },
      event_date: (b.event_date as string | undefined) ?? now,
      receivedAt: now,
    };
    if (cp !== undefined) event.contact_properties = { ...cp };
    if (ep !== undefined) event.event_properties = ep;
    if (contact) event.contactId = contact.id;
    this.eventLog.push(event);
    if (cp !== undefined && isPlainObject(cp)) {
      const ctx: PlanContext = {
        mode: 'import',
        source: 'event',
        who: contact?.email ?? String(ids.email_id ?? ids.ext_id ?? ids.contact_id ?? ''),
        allowEmailAttr: false,
        emptyClears: false,
        fromCsv: false,
      };
      if (!contact) {
        for (const [k, v] of Object.entries(cp)) this.recordIgnored(ctx, k, v, 'no such contact');
      } else {
        const attrs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(cp)) {
          if (k === 'EMAIL' || k === 'EXT_ID' || isPhoneKey(k)) {
            this.recordIgnored(ctx, k, v, 'identifiers cannot be changed through contact_properties');
          } else attrs[k] = v;
        }
        const plan = this.planAttributes(attrs, ctx);
        if (plan.set.size > 0) this.commit(contact, plan, {});
      }
    }
  }
}

/** First key (at any depth) breaking the events key rule, if any. */
function findBadKey(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = findBadKey(v);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.length === 0 || k.length > 255 || !/^[A-Za-z0-9_-]+$/.test(k)) return k;
    const bad = findBadKey(v);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
