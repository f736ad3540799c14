/**
 * The timer queue's Brevo events (the abandoned-cart skill's `cart_abandoned`): posted with the
 * tenant's Brevo key (or, without one, the key its platform connection was made with), through the
 * Brevo client, so they are paced with the account's other writes. Once per key: Brevo has no
 * idempotency key for events, so a claim in the table stands in for one; a post that failed
 * releases it so the retry posts again.
 */
import { brevoClientFor } from '../brevo/client';
import { TajoError } from '../errors';
import type { Clock, ConnectionStore, MarkerStore, SecretStore, TenantStore } from '../ports';
import type { BrevoEventPoster } from './timers';

/** Longer than the timer queue keeps a message (14 days): a redelivery always finds the claim. */
const ONCE_TTL_S = 15 * 86_400;

export function tenantBrevoEvents(deps: {
  tenants: TenantStore;
  connections: ConnectionStore;
  secrets: SecretStore;
  markers: MarkerStore;
  clock: Clock;
  brevoBaseUrl?: string;
}): BrevoEventPoster {
  return async (tenantId, event, { onceKey, connector }) => {
    const ref = await brevoKeyRefOf(deps, tenantId, connector);
    const claim = `brevo-event:${onceKey}`;
    if (!(await deps.markers.claimMarker(tenantId, claim, ONCE_TTL_S))) return 'already sent';
    try {
      const brevo = brevoClientFor({
        apiKey: await deps.secrets.get(ref),
        baseUrl: deps.brevoBaseUrl,
        clock: deps.clock,
      });
      await brevo.createEvent(event);
      return 'sent';
    } catch (err) {
      // Not sent, or not known to be (a 5xx whose answer was lost): the retry posts it. A cart
      // notified twice in that rare case is better than a cart never notified.
      await deps.markers.releaseMarker(tenantId, claim);
      throw err;
    }
  };
}

async function brevoKeyRefOf(
  deps: { tenants: TenantStore; connections: ConnectionStore },
  tenantId: string,
  connector: string | undefined,
): Promise<string> {
  const tenant = await deps.tenants.getTenant(tenantId);
  if (tenant?.brevoApiKeyRef) return tenant.brevoApiKeyRef;
  const conn = connector ? await deps.connections.getConnection(tenantId, connector) : undefined;
  if (conn?.brevoApiKeyRef) return conn.brevoApiKeyRef;
  throw new TajoError(
    `tenant ${tenantId} has no Brevo API key: run tajo connectors connect brevo --key <key>, then replay the timer lane`,
    'brevo_key_missing',
  );
}
