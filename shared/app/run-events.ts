/**
 * `sync.completed` / `sync.failed`: where a run finishes. Every run of every connector ends with one
 * write of its record in a final status (RunStore.putRun): the lane jobs, the platform syncs, a
 * disconnect closing a run. So the store the functions hand out publishes then, once the record is
 * stored: one place, whoever finished the run. A run closed because another took over its
 * checkpoint ("resumed as run …") did not end for the tenant: the run that goes on will.
 * Only the write that ends a running run publishes: a run already ended and written again (a failed
 * run a later sync abandons, its reason extended) was reported when it ended, never a second time.
 *
 * The record is already stored, so a refused publish cannot fail its work: it is logged with the
 * EventsPublishFailed count (the bus adapter retried its entries first).
 */
import { runFinishedEvent, type TenantEvent } from '../core/events/tenant-events';
import type { EventBus, RunRecord, RunStore } from '../core/ports';

const RESUMED = /resumed as run \S+$/;

export function publishingRunEnds<S extends Pick<RunStore, 'putRun' | 'getRun'>>(
  store: S,
  events: EventBus | undefined,
  onPublishFailed: (err: Error, event: TenantEvent) => void,
): S {
  if (!events) return store;
  const putRun = async (record: RunRecord): Promise<void> => {
    const event = runFinishedEvent(record);
    // Read before the write: whether this write is the run's end or a rewrite of an ended run.
    const before = event ? await store.getRun(record.tenantId, record.connector, record.runId) : undefined;
    await store.putRun(record);
    if (!event || RESUMED.test(record.error ?? '')) return;
    if (before && before.status !== 'running') return;
    await events.publish([event]).catch((err: unknown) => onPublishFailed(err as Error, event));
  };
  return { ...store, putRun };
}
