/**
 * Delivering the tenant event stream. The bus's rule puts every event on the delivery queue (as
 * EventBridge's envelope); the delivery function then, per message:
 * - an envelope: fans the event out to the tenant's endpoints whose types take it, ONE message per
 *   (event, endpoint) back on the queue, so one endpoint's failure never re-sends to the others;
 * - a delivery: POSTs the event to its endpoint, signed (tajo-signature), 10 s at most. A 2xx
 *   acknowledges; anything else is retried after about 1 min, 5 min, 30 min, 2 h, 6 h (the message
 *   hidden that long), then the queue's redrive parks it in the dead-letter queue, which
 *   `tajo lanes replay events` sends back.
 * The tenant of a delivery is the event's own (set by the publisher): endpoints are read under it only.
 */
import { z } from 'zod';
import { readEnv } from '../core/env';
import {
  acceptsEventType,
  deliveryBody,
  signatureHeader,
  type TenantEvent,
  tenantEventSchema,
} from '../core/events/tenant-events';
import type { Clock, EventEndpointStore, LaneQueue, SecretStore } from '../core/ports';
import { endpointUrlProblem, resolvedAddressProblem } from './event-endpoints';

/** The topology's delivery queue. */
export const EVENT_DELIVERY_QUEUE = 'eventDelivery';
/** The contract's backoff between attempts (seconds): 1 min, 5 min, 30 min, 2 h, 6 h. */
export const EVENT_RETRY_SECONDS = [60, 300, 1800, 7200, 21_600] as const;
/** Attempts in all: the delivery queue's maxReceiveCount (the redrive parks the message after the last). */
export const EVENT_DELIVERY_ATTEMPTS = EVENT_RETRY_SECONDS.length + 1;
const DELIVERY_TIMEOUT_MS = 10_000;

const envelopeSchema = z.object({ 'detail-type': z.string(), source: z.string(), detail: tenantEventSchema });
const deliverySchema = z.object({ deliver: z.object({ endpointId: z.string() }), event: tenantEventSchema });

export interface EventDeliveryDeps {
  eventEndpoints: Pick<EventEndpointStore, 'listEventEndpoints' | 'getEventEndpoint'>;
  secrets: Pick<SecretStore, 'get'>;
  lane: LaneQueue;
  clock: Clock;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

export type EventMessageOutcome =
  | { kind: 'fannedOut'; endpoints: number }
  | { kind: 'delivered'; status: number }
  /** Nothing to do any more (the endpoint was deleted): acknowledged. */
  | { kind: 'dropped'; reason: string }
  /** Retry after `retryInSeconds` (the caller hides the message that long). */
  | { kind: 'failed'; reason: string; retryInSeconds: number };

/** Seconds before attempt `attempt + 1` (TAJO_EVENT_RETRY_SECONDS overrides the list: tests, demos). */
export function eventRetrySeconds(attempt: number, env: NodeJS.ProcessEnv = process.env): number {
  const given = readEnv(env)
    .eventRetrySeconds?.split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isFinite(n) && n >= 0);
  const steps: readonly number[] = given?.length ? given : EVENT_RETRY_SECONDS;
  return steps[Math.min(Math.max(attempt, 1), steps.length) - 1] ?? 0;
}

export async function handleEventMessage(
  deps: EventDeliveryDeps,
  body: string,
  attempt: number,
): Promise<EventMessageOutcome> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('an event delivery message is not JSON: it is dead-lettered for a look');
  }
  const delivery = deliverySchema.safeParse(json);
  if (delivery.success) return deliver(deps, delivery.data.event, delivery.data.deliver.endpointId, attempt);
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success)
    throw new Error(`not an event nor a delivery: ${envelope.error.issues[0]?.message ?? 'unknown shape'}`);
  return fanOut(deps, envelope.data.detail);
}

async function fanOut(deps: EventDeliveryDeps, event: TenantEvent): Promise<EventMessageOutcome> {
  const endpoints = (await deps.eventEndpoints.listEventEndpoints(event.tenantId)).filter((e) =>
    acceptsEventType(e.types, event.type),
  );
  if (endpoints.length === 0) return { kind: 'fannedOut', endpoints: 0 };
  await deps.lane.send(
    EVENT_DELIVERY_QUEUE,
    endpoints.map((e) => ({
      body: JSON.stringify({ deliver: { endpointId: e.id }, event }),
      groupId: event.tenantId,
      deduplicationId: `${e.id}:${event.id}`.slice(0, 128),
    })),
  );
  return { kind: 'fannedOut', endpoints: endpoints.length };
}

async function deliver(
  deps: EventDeliveryDeps,
  event: TenantEvent,
  endpointId: string,
  attempt: number,
): Promise<EventMessageOutcome> {
  const endpoint = await deps.eventEndpoints.getEventEndpoint(event.tenantId, endpointId);
  if (!endpoint) return { kind: 'dropped', reason: `endpoint ${endpointId} was deleted` };
  const failed = (reason: string): EventMessageOutcome => ({
    kind: 'failed',
    reason,
    retryInSeconds: eventRetrySeconds(attempt, deps.env),
  });
  const problem = endpointUrlProblem(endpoint.url, deps.env) ?? (await resolvedAddressProblem(endpoint.url, deps.env));
  if (problem) return failed(problem);
  const secret = await deps.secrets.get(endpoint.secretRef);
  const raw = deliveryBody(event);
  const t = Math.floor(deps.clock.now() / 1000);
  try {
    const res = await (deps.fetch ?? fetch)(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'tajo-connectors-events/1',
        'tajo-event-id': event.id,
        'tajo-event-type': event.type,
        'tajo-delivery-attempt': String(attempt),
        'tajo-signature': signatureHeader(secret, t, raw),
      },
      body: raw,
      // A redirect is not followed: it could point where a delivery may not go.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { kind: 'delivered', status: res.status };
    return failed(`${endpoint.url} answered ${res.status}`);
  } catch (err) {
    const e = err as Error;
    return failed(
      e.name === 'TimeoutError'
        ? `${endpoint.url} did not answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
        : `${endpoint.url} could not be reached: ${e.message}`,
    );
  }
}
