/**
 * The local bus (npm start, tests): the stack's routing without EventBridge. The stack's rule sends
 * every `tajo.connectors` event to the delivery queue as EventBridge's envelope; this sends the same
 * envelope to the same queue, so the delivery function cannot tell the two apart.
 */
import { TENANT_EVENT_SOURCE, type TenantEvent } from '../../core/events/tenant-events';
import type { EventBus, LaneQueue } from '../../core/ports';

/** The envelope an EventBridge rule delivers to an SQS target (its `detail` is the event). */
export function eventBridgeEnvelope(event: TenantEvent): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': event.type,
    source: TENANT_EVENT_SOURCE,
    account: '000000000000',
    time: event.createdAt,
    region: 'local',
    resources: [],
    detail: event,
  };
}

export class QueueEventBus implements EventBus {
  constructor(
    private readonly lane: LaneQueue,
    private readonly queue: string,
  ) {}

  async publish(events: readonly TenantEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.lane.send(
      this.queue,
      events.map((e) => ({
        body: JSON.stringify(eventBridgeEnvelope(e)),
        groupId: e.tenantId,
        deduplicationId: e.id.slice(0, 128),
      })),
    );
  }
}
