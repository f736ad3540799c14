/**
 * `POST /webhooks/{tenantId}/{connector}/{path+}`: a platform's webhook delivery in. The
 * connection's definition says which paths exist, how a delivery is signed and what identifies it;
 * the door checks the caller and queues, and answers at once (the worker maps and writes):
 * - no connection of that connector for the tenant, or one without a definition: 404;
 * - a disabled connection: 409 with the reason (the platform keeps retrying until it is enabled);
 * - a path the definition does not list: 404 naming the paths it has;
 * - a bad, stale or missing signature (or no scheme, or no secret): 401, one line, nothing queued;
 * - a verified delivery no webhook entry maps (a topic the definition does not read): 200 with
 *   `accepted: 0` and why, so the platform does not retry it nor disable the webhook;
 * - else queued in the platform lane (deduplicated by the delivery's id): 200 `{accepted: 1}`.
 */
import type { ApiResponse } from '../../../core/http/api-types';
import type { ConnectionRecord, ConnectionStore, LaneQueue } from '../../../core/ports';
import { storedDefinition } from '../connection';
import type { Definition } from '../definition/schema';
import { type DeliveryHeaders, verifyDelivery } from '../signature';
import { deliveryId, matchWebhook, normalizeWebhookPath } from '../webhooks';
import { deliveryLaneMessage, MAX_QUEUED_BODY_BYTES } from './messages';
import { PLATFORM_LANE } from './unit';

export interface PlatformDoorDeps {
  /** The connection records (the ingress reads them through a short per-container cache). */
  connections: Pick<ConnectionStore, 'getConnection'>;
  /**
   * The connection's signing secret (cached per container for a short while), undefined when none
   * is stored; throws when the secret store cannot be read (503: the platform retries).
   */
  /** The connection's webhook signing secret (its definition names the key), if it has one. */
  webhookSecret(record: ConnectionRecord<string>, definition: Definition): Promise<string | undefined>;
  /** The signing secret read past every cache (the record and the secret store), when a delivery was refused. */
  freshWebhookSecret?(tenantId: string, connector: string): Promise<string | undefined>;
  lane: LaneQueue;
  clock: { now(): number };
  log?: (level: 'info' | 'error', message: string, data: Record<string, unknown>) => void;
}

export interface PlatformDelivery {
  tenantId: string;
  connector: string;
  /** The path after the connector (`webhooks/orders`), as the definition's `path` without its slash. */
  path: string;
  headers: DeliveryHeaders;
  rawBody: Buffer;
}

const refuse = (status: number, error: string): ApiResponse => ({ status, body: { error } });

export async function acceptPlatformWebhook(deps: PlatformDoorDeps, req: PlatformDelivery): Promise<ApiResponse> {
  const record = await deps.connections.getConnection(req.tenantId, req.connector);
  if (record === undefined)
    return refuse(
      404,
      `tenant ${req.tenantId} has no ${req.connector} connection: connect it first (tajo connectors connect ${req.connector})`,
    );
  let definition: Definition | undefined;
  try {
    definition = storedDefinition(record);
  } catch (err) {
    deps.log?.('error', 'stored definition unreadable', {
      tenantId: req.tenantId,
      connector: req.connector,
      error: String(err),
    });
    return refuse(503, `${req.connector}'s stored definition cannot be read: connect it again`);
  }
  if (definition === undefined)
    return refuse(404, `${req.connector} is not a definition-backed connector: its webhooks have their own route`);
  if (!record.settings.enabled)
    return refuse(
      409,
      `connectors.${req.connector} is disabled for tenant ${req.tenantId}: enable it to receive webhooks`,
    );

  const path = normalizeWebhookPath(req.path);
  if (!Object.values(definition.webhooks).some((w) => normalizeWebhookPath(w.path) === path)) {
    const miss = matchWebhook(definition, path, req.headers, undefined);
    return refuse(404, miss.ok ? `no webhook at ${path}` : miss.reason);
  }

  const verify = (secret: string | undefined) =>
    verifyDelivery({ definition, headers: req.headers, rawBody: req.rawBody, secret, nowMs: deps.clock.now() });
  let verdict: ReturnType<typeof verifyDelivery>;
  try {
    verdict = verify(await deps.webhookSecret(record, definition));
    // A refusal is checked once more against the stored record and secret as they are now, not as
    // cached: a connection that has just been given its signing secret accepts at once.
    if (!verdict.ok && deps.freshWebhookSecret) {
      const fresh = await deps.freshWebhookSecret(req.tenantId, req.connector);
      if (fresh !== undefined) verdict = verify(fresh);
    }
  } catch (err) {
    deps.log?.('error', 'could not read the signing secret; the platform retries', {
      tenantId: req.tenantId,
      connector: req.connector,
      error: (err as Error).message,
    });
    return refuse(503, 'could not read the signing secret; retry');
  }
  if (!verdict.ok) return refuse(401, verdict.reason);

  let body: unknown;
  const text = req.rawBody.toString('utf8');
  try {
    body = JSON.parse(text);
  } catch {
    return refuse(400, `the delivery is not JSON (${definition.label}'s webhooks are read as JSON)`);
  }
  const match = matchWebhook(definition, path, req.headers, body);
  if (!match.ok) {
    deps.log?.('info', 'verified delivery no webhook maps: ignored', {
      tenantId: req.tenantId,
      connector: req.connector,
    });
    return { status: 200, body: { accepted: 0, ignored: match.reason } };
  }
  if (req.rawBody.length > MAX_QUEUED_BODY_BYTES)
    return refuse(
      413,
      `the delivery is ${req.rawBody.length} bytes: the lane takes ${MAX_QUEUED_BODY_BYTES} at most (subscribe to a smaller payload)`,
    );

  const id = deliveryId(definition, req.headers, req.rawBody, body);
  try {
    await deps.lane.send(PLATFORM_LANE, [
      deliveryLaneMessage({
        type: 'delivery',
        tenantId: req.tenantId,
        connector: req.connector,
        webhook: match.key,
        deliveryId: id,
        body: text,
        receivedAt: new Date(deps.clock.now()).toISOString(),
      }),
    ]);
  } catch (err) {
    deps.log?.('error', 'could not queue the delivery; the platform retries', {
      tenantId: req.tenantId,
      connector: req.connector,
      error: (err as Error).message,
    });
    return refuse(503, 'could not queue the delivery; retry');
  }
  return { status: 200, body: { accepted: 1 } };
}
