/** The tenant event stream: published on a bus, delivered to the endpoints a tenant registered. */
import type { TenantEvent } from '../events/tenant-events';

export interface EventBus {
  /**
   * Publishes the events (EventBridge in the stack, the delivery queue locally). Resolves once
   * every event is on the bus; throws when some could not be after the adapter's retries (the
   * caller's source retries then: the events keep their ids).
   */
  publish(events: readonly TenantEvent[]): Promise<void>;
}

/** An endpoint a tenant registered (POST /tenants/{t}/event-endpoints). */
export interface EventEndpointRecord {
  tenantId: string;
  /** `ep_<hex>`. */
  id: string;
  url: string;
  /** Event types it takes: `*`, exact types, or prefixes (`brevo.*`). */
  types: string[];
  /** The signing secret's reference in the secret store (never the secret). */
  secretRef: string;
  createdAt: string;
}

export interface EventEndpointStore {
  putEventEndpoint(record: EventEndpointRecord): Promise<void>;
  getEventEndpoint(tenantId: string, id: string): Promise<EventEndpointRecord | undefined>;
  listEventEndpoints(tenantId: string): Promise<EventEndpointRecord[]>;
  /** The deleted record; undefined when there was none. */
  deleteEventEndpoint(tenantId: string, id: string): Promise<EventEndpointRecord | undefined>;
}
