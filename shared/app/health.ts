/**
 * Whether the providers answer, for `GET /health` and the connections' degraded state. A provider
 * being down never stops the service: webhooks are still accepted and queued, the lanes retry (then
 * park in their dead-letter queue for a replay), and this says which provider is down, why, and when
 * it was checked. Probes carry no credentials: any HTTP answer below 500 means the provider is there.
 */

import { connectorOf, connectors, findConnector } from '../connectors';
import type { ConnectorDescriptor, ProviderEndpoints as Endpoints } from '../core/connector';
import { networkCause, ProviderError, UnreachableError } from '../core/errors';
import type { HealthReport, ProviderName, ProviderState } from '../core/http/api-types';
import type { Clock, ConnectionHealth, ConnectionRecord, ConnectionStore, ConnectorName } from '../core/ports';

export type ProviderEndpoints = {
  notionBaseUrl?: string;
  brevoBaseUrl?: string;
  slackApiUrl?: string;
};

/** A probe waits this long for an answer: /health must answer fast even when a provider hangs. */
export const PROBE_TIMEOUT_MS = 3_000;
/** /health is unauthenticated: its probes run at most this often per process, whatever the traffic. */
export const HEALTH_CACHE_MS = 15_000;

/** The cheapest unauthenticated request each provider answers (with a 401, or ok:false for Slack). */
function probeRequest(provider: ProviderName, e: Endpoints): { url: string; method: 'GET' | 'POST' } {
  const { health } = hubOrConnector(provider);
  return health.probe(e[health.endpointKey]);
}

function hubOrConnector(provider: ProviderName): ConnectorDescriptor {
  const found = findConnector(provider);
  if (!found) throw new Error(`provider ${provider} is not in the registry`);
  return found;
}

/** The host part of a URL, for reasons (never a path's query). */
function where(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Why a fetch failed, in a few words: the socket error code when there is one. */
function fetchFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export async function probeProvider(
  provider: ProviderName,
  endpoints: ProviderEndpoints,
  clock: Pick<Clock, 'now'>,
): Promise<ProviderState> {
  const { url, method } = probeRequest(provider, endpoints);
  const checkedAt = () => new Date(clock.now()).toISOString();
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.status >= 500) {
      return {
        state: 'degraded',
        reason: `${provider} at ${where(url)} answers HTTP ${res.status}`,
        checkedAt: checkedAt(),
      };
    }
    return { state: 'ok', checkedAt: checkedAt() };
  } catch (err) {
    return {
      state: 'degraded',
      reason: `cannot reach ${provider} at ${where(url)}: ${networkCause(fetchFailure(err))}`,
      checkedAt: checkedAt(),
    };
  }
}

const PROVIDERS = connectors.map((c) => c.name as ProviderName);
const cache = new Map<string, { at: number; report: Promise<HealthReport> }>();

/** Every provider's state, probed at most every HEALTH_CACHE_MS per set of endpoints. */
export function providerHealth(endpoints: ProviderEndpoints, clock: Pick<Clock, 'now'>): Promise<HealthReport> {
  const key = JSON.stringify([endpoints.notionBaseUrl, endpoints.brevoBaseUrl, endpoints.slackApiUrl]);
  const hit = cache.get(key);
  if (hit && clock.now() - hit.at < HEALTH_CACHE_MS) return hit.report;
  const report = Promise.all(PROVIDERS.map((p) => probeProvider(p, endpoints, clock))).then((states): HealthReport => {
    const providers = Object.fromEntries(PROVIDERS.map((p, i) => [p, states[i]])) as HealthReport['providers'];
    return {
      ok: true,
      service: 'tajo-connectors',
      status: states.some((s) => s.state === 'degraded') ? 'degraded' : 'ok',
      providers,
    };
  });
  cache.set(key, { at: clock.now(), report });
  return report;
}

/** The providers a connection's work needs: its own platform and Brevo. */
export function providersOf(connector: ConnectorName): ProviderName[] {
  return connectorOf(connector).providers as ProviderName[];
}

/** An error that says the provider is down (unreachable, or a 5xx), as opposed to a refusal. */
export function providerDown(err: unknown): ProviderName | undefined {
  // A custom platform's outage (Provider 'platform') is not one of the health report's providers yet.
  if (err instanceof UnreachableError) return err.provider === 'platform' ? undefined : err.provider;
  if (err instanceof ProviderError && err.status >= 500) return err.provider === 'platform' ? undefined : err.provider;
  return undefined;
}

/**
 * Probes a connection's providers and records the result on it: degraded with the reasons, or
 * healthy again (the degraded state cleared). Returns the health written (undefined: healthy).
 */
export async function checkConnectionHealth(
  deps: { connections: ConnectionStore; clock: Pick<Clock, 'now'>; endpoints: ProviderEndpoints },
  record: ConnectionRecord<string>,
): Promise<ConnectionHealth | undefined> {
  const providers = providersOf(record.connector);
  const states = await Promise.all(providers.map((p) => probeProvider(p, deps.endpoints, deps.clock)));
  const down = providers.filter((_, i) => states[i]?.state === 'degraded');
  const health: ConnectionHealth | undefined = down.length
    ? {
        state: 'degraded',
        reason: states
          .filter((s) => s.state === 'degraded')
          .map((s) => s.reason)
          .join('; '),
        checkedAt: new Date(deps.clock.now()).toISOString(),
        providers: down,
      }
    : undefined;
  if (health || record.health) {
    const { health: _old, ...rest } = record;
    await deps.connections.putConnection({ ...rest, ...(health ? { health } : {}) } as typeof record);
  }
  return health;
}

/** The first wait after a provider was found down; each later receive waits 4 times longer. */
export const OUTAGE_FIRST_RETRY_MS = 30_000;

/**
 * How long a lane message waits after its provider was down on its `receiveCount`-th receive:
 * 30 s, 2 min, 8 min, 32 min (then the lane's maxReceiveCount of 5 dead-letters it for a replay).
 * A short outage costs 30 s; one of about 40 minutes still ends in a post, not in the DLQ.
 */
export function outageRetryDelayMs(receiveCount: number): number {
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  return Math.min(OUTAGE_FIRST_RETRY_MS * 4 ** (n - 1), 12 * 60 * 60_000);
}
