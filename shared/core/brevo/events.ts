/**
 * Brevo's events in batches (`POST /v3/events/batch`, brevo.md §4, added 2026-03-03, not in SDK v4
 * 5.0.2): how a list of events is cut into requests, and how the answer says which events Brevo
 * refused. BrevoEvents posts them (one, or many in batches); BrevoClient (client.ts) extends it.
 *
 * Answers (Brevo's API definition of the endpoint; the changelog of 2026-03-03 for 207):
 * - 202 `{message, count}`: every event of the batch was queued;
 * - 207 `{status, total_events, successful_events, failed_events, errors: [{eventIndex: [i...], message}]}`:
 *   some failed validation, the others were queued;
 * - 400 with the same body when every event failed validation (or Brevo's `{code, message}` when the
 *   request as a whole is wrong: the batch's error, like any other call's).
 */
import { z } from 'zod';
import { ProviderError } from '../errors';
import { maybe } from '../http/answer';
import { BrevoTransport } from './transport';

/** The body of `POST /v3/events` (brevo.md §4); an item of `POST /v3/events/batch`'s `events`. */
export interface BrevoEvent {
  event_name: string;
  identifiers: { email_id?: string; ext_id?: string; contact_id?: number; phone_id?: string };
  event_properties?: Record<string, unknown>;
  /** Attributes of the contact the event updates (string or number values, brevo.md §4). */
  contact_properties?: Record<string, string | number>;
  /** ISO 8601; Brevo defaults to now. */
  event_date?: string;
}

/**
 * Events per `POST /v3/events/batch`. Brevo documents no maximum (brevo.md §4: none found,
 * UNVERIFIED): 100 is a conservative choice, not Brevo's limit, so that a batch refused for its
 * size (should Brevo have an undocumented cap) costs little, and one request stays small.
 */
export const BREVO_EVENTS_CHUNK = 100;
/**
 * And at most this many bytes of JSON per request: an event's properties may be 50 KB each
 * (brevo.md §4), so 100 of them could make a 5 MB body; Brevo documents no body limit either.
 */
export const BREVO_EVENTS_CHUNK_BYTES = 1_000_000;

/** Consecutive events of the list, sent in one request; `start` is the first one's index in the list. */
export interface EventChunk {
  start: number;
  events: BrevoEvent[];
}

/** The events cut into requests of at most BREVO_EVENTS_CHUNK events and BREVO_EVENTS_CHUNK_BYTES (one event always goes). */
export function eventChunks(
  events: readonly BrevoEvent[],
  max = BREVO_EVENTS_CHUNK,
  maxBytes = BREVO_EVENTS_CHUNK_BYTES,
): EventChunk[] {
  const chunks: EventChunk[] = [];
  let current: EventChunk | undefined;
  let bytes = 0;
  for (const [i, event] of events.entries()) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (!current || current.events.length >= max || (current.events.length > 0 && bytes + size > maxBytes)) {
      current = { start: i, events: [] };
      chunks.push(current);
      bytes = 0;
    }
    current.events.push(event);
    bytes += size;
  }
  return chunks;
}

/** An event Brevo refused: its index in the list given to createEvents, and Brevo's reason. */
export interface RefusedEvent {
  index: number;
  message: string;
}

/** What createEvents answers: which events Brevo took, which it refused, and why it stopped if it did. */
export interface EventsOutcome {
  /**
   * How many of the events, from the first, Brevo answered for: all of them, unless a request failed
   * as a whole (`error`). The events before this index that are not in `refused` were accepted.
   */
  answered: number;
  /** Events Brevo refused one by one (a 207's per-event errors; a 400 that failed each event). */
  refused: RefusedEvent[];
  /**
   * Why the events from `answered` on were not confirmed: the error of their request, as any other
   * call's (a ProviderError for a 4xx of the whole batch, a 5xx, a 429 past the in-process wait; an
   * UnreachableError). A 5xx or a lost answer may have written them: Brevo cannot be asked.
   */
  error?: unknown;
}

/** A 207's or a 400's body, read leniently (unknown fields kept, every field optional; an index alone or a list). */
const batchAnswerSchema = z.looseObject({
  status: maybe(z.string()),
  total_events: maybe(z.number()),
  successful_events: maybe(z.number()),
  failed_events: maybe(z.number()),
  errors: maybe(
    z.array(
      z.looseObject({
        eventIndex: maybe(z.union([z.array(z.number()), z.number()])),
        message: maybe(z.string()),
      }),
    ),
  ),
});

/**
 * The events of `chunk` a 207 or 400 answer refused, by their index in the whole list; undefined
 * when the answer does not say which (no `errors`, an error without indices, an index outside the
 * chunk, fewer events named than `failed_events` says): then nothing in the answer is trusted.
 */
export function refusedEventsOf(answer: unknown, chunk: EventChunk): RefusedEvent[] | undefined {
  const parsed = batchAnswerSchema.safeParse(answer);
  if (!parsed.success || parsed.data.errors === undefined) return undefined;
  const refused = new Map<number, string>();
  for (const e of parsed.data.errors) {
    if (e.eventIndex === undefined) return undefined;
    const indices = Array.isArray(e.eventIndex) ? e.eventIndex : [e.eventIndex];
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= chunk.events.length) return undefined;
      const message = (e.message ?? 'no reason given').replace(/\s+/g, ' ').trim();
      refused.set(i, refused.has(i) ? `${refused.get(i)}; ${message}` : message);
    }
  }
  const failed = parsed.data.failed_events;
  if (failed !== undefined && failed !== refused.size) return undefined;
  return [...refused.entries()].sort(([a], [b]) => a - b).map(([i, message]) => ({ index: chunk.start + i, message }));
}

/** Brevo's events API over the transport: one event, or many in batches. */
export class BrevoEvents extends BrevoTransport {
  /**
   * One custom event (`POST /v3/events`, 204). Paced with contacts (10 req/s), per the limits page.
   * `identifiers` needs one of email_id / ext_id / contact_id...; `event_properties` ≤ 50 KB.
   */
  async createEvent(event: BrevoEvent): Promise<void> {
    await this.send('POST', '/v3/events', `event ${event.event_name}`, event);
  }

  /**
   * Many events (`POST /v3/events/batch`, events.ts): chunks of BREVO_EVENTS_CHUNK, one after the
   * other, paced like createEvent (limits.ts: every /v3/events path). Never throws for a request:
   * the first one that fails as a whole stops the list and its error is answered with how far Brevo
   * answered, so the caller keeps what the earlier chunks wrote. Not retried on a 5xx or a lost
   * answer (transport.ts: events have no idempotency key); a 429 is (nothing was taken).
   */
  async createEvents(events: readonly BrevoEvent[]): Promise<EventsOutcome> {
    const refused: RefusedEvent[] = [];
    for (const chunk of eventChunks(events)) {
      try {
        refused.push(...(await this.postEventChunk(chunk)));
      } catch (error) {
        return { answered: chunk.start, refused, error };
      }
    }
    return { answered: events.length, refused };
  }

  /** One batch: 202 (all queued), 207 (the per-event errors), 400 failing each event, or the batch's error. */
  private async postEventChunk(chunk: EventChunk): Promise<RefusedEvent[]> {
    const what = `a batch of ${chunk.events.length} events`;
    const res = await this.raw('POST', '/v3/events/batch', { events: chunk.events });
    if (res.status === 400) {
      const copy = res.clone();
      const named = refusedEventsOf(await res.json().catch(() => undefined), chunk);
      if (!named) throw await this.error(copy, what);
      // Every event failed validation: those the answer does not name failed with the batch.
      const byIndex = new Map(named.map((r) => [r.index, r.message]));
      return chunk.events.map((_, i) => ({
        index: chunk.start + i,
        message: byIndex.get(chunk.start + i) ?? 'refused with the whole batch (400), no reason of its own given',
      }));
    }
    if (!res.ok) throw await this.error(res, what);
    if (res.status !== 207) {
      await res.body?.cancel();
      return [];
    }
    const named = refusedEventsOf(await this.json(res, what), chunk);
    if (!named) {
      throw new ProviderError(
        'brevo',
        207,
        'unexpected_answer',
        `Brevo answered ${what} with 207 (some refused) without saying which: none of them is taken as written`,
      );
    }
    return named;
  }
}
