/**
 * The tenant event stream on the stack's EventBridge bus: PutEvents with source `tajo.connectors`
 * and detail-type the event's type, at most 10 entries and 256 KB per call (AWS's limits). PutEvents
 * answers 200 with per-entry failures (throttling, an internal error): those entries are sent again,
 * a few times with a short backoff, and whatever still fails is thrown, so the caller's source
 * retries (the events keep their ids: receivers dedupe).
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TENANT_EVENT_SOURCE, type TenantEvent } from '../../core/events/tenant-events';
import type { EventBus } from '../../core/ports';

const MAX_ENTRIES = 10;
const MAX_CALL_BYTES = 256 * 1024;
const ATTEMPTS = 4;

/** An entry's size as EventBridge counts it: source, detail-type, detail (UTF-8) and the time (14 bytes). */
function entrySize(e: PutEventsRequestEntry): number {
  return (
    Buffer.byteLength(e.Source ?? '') + Buffer.byteLength(e.DetailType ?? '') + Buffer.byteLength(e.Detail ?? '') + 14
  );
}

/** Calls of at most 10 entries and 256 KB each; an entry alone over 256 KB is refused with what to do. */
export function putEventsChunks(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const chunks: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = entrySize(e);
    if (size > MAX_CALL_BYTES)
      throw new Error(`event ${e.DetailType} is ${size} bytes, over EventBridge's 256 KB: its fields must be smaller`);
    if (current.length === MAX_ENTRIES || bytes + size > MAX_CALL_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export class EventBridgeEventBus implements EventBus {
  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async publish(events: readonly TenantEvent[]): Promise<void> {
    const entries = events.map(
      (event): PutEventsRequestEntry => ({
        EventBusName: this.busName,
        Source: TENANT_EVENT_SOURCE,
        DetailType: event.type,
        Detail: JSON.stringify(event),
        Time: new Date(event.createdAt),
      }),
    );
    for (const chunk of putEventsChunks(entries)) await this.putWithRetries(chunk);
  }

  private async putWithRetries(chunk: PutEventsRequestEntry[]): Promise<void> {
    let pending = chunk;
    let lastError = '';
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length; attempt++) {
      if (attempt > 1) await this.sleep(100 * 2 ** attempt);
      const res = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!res.FailedEntryCount) return;
      // Results are in the request's order: an entry with an ErrorCode was not published.
      const failed = (res.Entries ?? []).flatMap((r, i) => (r.ErrorCode && pending[i] ? [pending[i]] : []));
      lastError = (res.Entries ?? []).find((r) => r.ErrorCode)?.ErrorMessage ?? 'failed entries';
      pending = failed;
    }
    if (pending.length)
      throw new Error(
        `${pending.length} event(s) not published to ${this.busName} after ${ATTEMPTS} attempts (${lastError}); the source retries them`,
      );
  }
}
