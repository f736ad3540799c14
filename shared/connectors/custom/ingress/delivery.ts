/**
 * The platform lane's `delivery` job: one verified webhook delivery written to Brevo once.
 * 1. The delivery's id is claimed in the ledger (7 days: beyond any platform's retries, where SQS
 *    deduplicates for 5 minutes only); one written before is skipped.
 * 2. Its hub events are handed on (Slack notifications, Notion rules, the order ledger): they are
 *    idempotent by event id, so a retry after a failed Brevo write hands them again harmlessly.
 * 3. It is mapped by its webhook entry and written: `to: contact` upserts one contact (joining the
 *    connection's `sync_to_list`), `to: event` posts `/v3/events`. Paced per Brevo account; a 429
 *    past the wait a Lambda may sleep is a RateLimitedError (the worker parks the lane).
 * 4. The claim becomes `done`; a failure releases it and is thrown, so the retry runs.
 * A record that cannot be written (no email) is a per-record error: logged, marked done, not retried.
 */
import { type BrevoClient, brevoClientFor } from '../../../core/brevo/client';
import { toImportRow } from '../../../core/brevo/contact-writer';
import { brevoListRef, resolveBrevoList } from '../../../core/brevo/lists';
import type { NotificationEvent } from '../../../core/events/events';
import type { Clock, ConnectionStore, DeliveryLedger, SecretStore } from '../../../core/ports';
import { contactListOf, storedDefinition } from '../connection';
import { attributeLookup, contactPlan, contactRowFor } from '../records';
import { webhookPayload } from '../webhooks';
import { hubEventsOf, webhookKind } from './events';
import type { DeliveryMessage } from './messages';

/** How long a delivery's id is remembered once written: past Shopify's 4 hours and Stripe's 3 days of retries. */
export const DELIVERY_RETENTION_SECONDS = 7 * 86_400;
/** A claim's lease: longer than the worker's timeout, so a live claim is never taken over. */
export const DELIVERY_LEASE_SECONDS = 5 * 60;

export interface DeliveryDeps {
  connections: Pick<ConnectionStore, 'getConnection'>;
  deliveries: DeliveryLedger;
  secrets: SecretStore;
  clock: Clock;
  brevoBaseUrl?: string;
  /** The app's fan-out of hub events (handPlatformEvents); throws when it could not queue them. */
  handEvents(tenantId: string, events: NotificationEvent[]): Promise<void>;
  /**
   * A `kind: cart | order` delivery for the skills (the abandoned-cart skill waits on carts; orders
   * cancel the buyer's pending carts): its connector, kind and mapped fields.
   */
  handCommerceEvent?(tenantId: string, event: CommerceEvent): Promise<void>;
  log?: (level: 'info' | 'warn' | 'error', message: string, data: Record<string, unknown>) => void;
}

export type DeliveryOutcome =
  | { outcome: 'written'; to: 'contact' | 'event'; events: number }
  | { outcome: 'duplicate' }
  /** Not written and not retried: why (a record without an email, a connection gone). */
  | { outcome: 'skipped'; reason: string };

/** Another worker holds the delivery: retried after its lease, never dropped. */
export class DeliveryBusyError extends Error {}

/** Brevo list ids resolved from `sync_to_list` names, per container (a name lookup costs an hourly-budget call). */
const listIds = new Map<string, { id: number; at: number }>();
const LIST_TTL_MS = 10 * 60_000;

export async function processDelivery(deps: DeliveryDeps, msg: DeliveryMessage): Promise<DeliveryOutcome> {
  const at = { tenantId: msg.tenantId, connector: msg.connector, deliveryId: msg.deliveryId };
  const record = await deps.connections.getConnection(msg.tenantId, msg.connector);
  const definition = record === undefined ? undefined : storedDefinition(record);
  if (record === undefined || definition === undefined || !record.settings.enabled) {
    const reason = `${msg.connector} is no longer connected (or enabled) for tenant ${msg.tenantId}: delivery not written`;
    deps.log?.('warn', reason, at);
    return { outcome: 'skipped', reason };
  }
  const webhook = definition.webhooks[msg.webhook];
  if (webhook === undefined)
    throw new Error(
      `${msg.connector}'s definition has no webhook ${msg.webhook} any more: connect it again, then replay`,
    );

  const claim = await deps.deliveries.claimDelivery(
    msg.tenantId,
    msg.connector,
    msg.deliveryId,
    DELIVERY_LEASE_SECONDS,
  );
  if (claim === 'done') {
    deps.log?.('info', 'delivery written before: skipped', at);
    return { outcome: 'duplicate' };
  }
  if (claim === 'busy') throw new DeliveryBusyError(`delivery ${msg.deliveryId} is being written by another worker`);

  try {
    const settings = record.settings as SectionSettings;
    const body = JSON.parse(msg.body) as unknown;
    const attributeOf = attributeLookup(settings.field_mapping);
    const payload = webhookPayload(msg.webhook, webhook, body, attributeOf);
    const events = hubEventsOf({
      definition,
      key: msg.webhook,
      webhook,
      record: payload.record,
      deliveryId: msg.deliveryId,
      receivedAt: msg.receivedAt,
    });
    if (events.length > 0) await deps.handEvents(msg.tenantId, events);
    const kind = webhookKind(msg.webhook, webhook);
    if (kind !== undefined)
      await deps.handCommerceEvent?.(msg.tenantId, {
        connector: msg.connector,
        kind,
        fields: payload.record.fields,
        occurredAt: msg.receivedAt,
      });

    const brevo = brevoClientFor({
      apiKey: await deps.secrets.get(record.brevoApiKeyRef),
      baseUrl: deps.brevoBaseUrl,
      clock: deps.clock,
    });
    let skipped: string | undefined;
    if (payload.to === 'contact') {
      const mapping = 'mapping' in webhook && webhook.mapping !== undefined ? webhook.mapping : {};
      const { plan } = contactPlan(mapping, settings.field_mapping);
      const listId = await listIdOf(
        brevo,
        msg.tenantId,
        msg.connector,
        contactListOf(definition, settings.sync_to_list),
        deps.clock,
      );
      const row = contactRowFor(payload.record, plan, listId);
      if (row.ok) {
        for (const e of row.row.fieldErrors ?? []) deps.log?.('warn', e.reason, at);
        await brevo.upsertContact({ ...toImportRow(row.row), ...(listId !== undefined ? { listIds: [listId] } : {}) });
      } else skipped = row.errors.map((e) => e.reason).join('; ');
    } else if (payload.event.ok) await brevo.createEvent(payload.event.event);
    else skipped = payload.event.error.reason;

    await deps.deliveries.completeDelivery(msg.tenantId, msg.connector, msg.deliveryId, DELIVERY_RETENTION_SECONDS);
    if (skipped !== undefined) {
      deps.log?.('error', `delivery not written: ${skipped}`, at);
      return { outcome: 'skipped', reason: skipped };
    }
    return { outcome: 'written', to: payload.to, events: events.length };
  } catch (err) {
    await deps.deliveries.releaseDelivery(msg.tenantId, msg.connector, msg.deliveryId).catch((releaseErr: Error) =>
      // The claim then lapses after its lease: the retry waits that long, nothing is lost.
      deps.log?.('warn', 'could not release the delivery claim; it lapses after its lease', {
        ...at,
        error: releaseErr.message,
      }),
    );
    throw err;
  }
}

/** A platform's cart or order as the skills read it (shared/app/skills/abandoned-cart.ts CommerceEvent). */
export interface CommerceEvent {
  connector: string;
  kind: 'cart' | 'order';
  fields: Record<string, unknown>;
  occurredAt: string;
}

/** What the worker reads of a definition connection's settings (the config section without secrets). */
interface SectionSettings {
  enabled: boolean;
  field_mapping?: Record<string, string>;
  sync_to_list?: number | string;
}

/** The Brevo list a webhook's contact joins: the connection's sync_to_list, else the connector's own list. */
async function listIdOf(
  brevo: BrevoClient,
  tenantId: string,
  connector: string,
  list: number | string | undefined,
  clock: Clock,
): Promise<number | undefined> {
  if (list === undefined || list === '') return undefined;
  // An id is used as given (no list call on the webhook path); a name is resolved once a while.
  const ref = brevoListRef(list);
  if (typeof ref === 'number') return ref;
  const key = `${tenantId}\n${connector}\n${list}`;
  const hit = listIds.get(key);
  if (hit !== undefined && clock.now() - hit.at < LIST_TTL_MS) return hit.id;
  const id = await resolveBrevoList(brevo, list);
  listIds.set(key, { id, at: clock.now() });
  return id;
}
