/**
 * POST /webhooks/brevo/{tenantId}: the hub's events in. Accepted fast: the bearer token checked, the
 * body parsed (Brevo's webhook items by the Brevo connector, or one platform event) into core
 * events, and those handed to their consumers (Slack notifications, Brevo → Notion rules) by the
 * fan-out platforms' webhooks share (hub-fanout.ts).
 */
import { type IgnoredItem, parseBrevoWebhook } from '../connectors/brevo/webhook-events';
import type { NotificationEvent } from '../core/events/events';
import { PLATFORM_EVENT_NAMES, parsePlatformEvent } from '../core/events/platform-events';
import { otherBrevoEvents } from '../core/events/tenant-events';
import { sameHexDigest, sha256Hex } from '../core/hash';
import type { ApiResponse } from '../core/http/api-types';
import { bearerToken } from '../core/http/headers';
import type { ConnectionStore, TenantStore } from '../core/ports';
import { type FanOutDeps, fanOutHubEvents } from './hub-fanout';

/**
 * POST /webhooks/brevo/{tenantId}. Brevo retries only timeouts, connection failures and 429, and
 * drops the event on any other error: so a failure on our side answers 429 (retry), never 5xx.
 */
export async function acceptBrevoWebhook(
  deps: Parameters<typeof acceptBrevoWebhookUnsafe>[0],
  req: Parameters<typeof acceptBrevoWebhookUnsafe>[1],
): Promise<ApiResponse> {
  try {
    return await acceptBrevoWebhookUnsafe(deps, req);
  } catch (err) {
    // Brevo retries only timeouts, connection failures and 429; a 5xx would lose the events.
    deps.log?.('webhook failed; answering 429 so Brevo retries', {
      tenantId: req.tenantId,
      error: (err as Error).message,
    });
    return { status: 429, body: { error: 'temporarily unavailable; retry' } };
  }
}

async function acceptBrevoWebhookUnsafe(
  // The fan-out's own (lanes, order ledger, pending posts, event stream), and who the tenant is.
  deps: FanOutDeps & { tenants: TenantStore; connections: ConnectionStore },
  req: { tenantId: string; headers: Record<string, string | undefined>; body: string | undefined },
): Promise<ApiResponse> {
  const token = bearerToken(req.headers);
  if (!token)
    return { status: 401, body: { error: 'missing bearer token (set auth: {type: bearer} on the Brevo webhook)' } };
  // The reads at once: the ack path should cost one round trip to DynamoDB, not three.
  const [tenant, conn, notionConn] = await Promise.all([
    deps.tenants.getTenant(req.tenantId),
    deps.connections.getConnection(req.tenantId, 'slack'),
    deps.connections.getConnection(req.tenantId, 'notion'),
  ]);
  const expected = tenant?.webhookTokenHash;
  if (!expected || !sameHexDigest(expected, sha256Hex(token)))
    return {
      status: 401,
      body: {
        error: `invalid webhook token: give tenant ${req.tenantId}'s webhook token (printed by tajo tenants create; under npm start in .tajo/${req.tenantId}.webhook-token)`,
      },
    };

  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const isPlatform =
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    (PLATFORM_EVENT_NAMES as readonly unknown[]).includes((body as { event?: unknown }).event);
  let events: NotificationEvent[];
  let ignored: IgnoredItem[] = [];
  if (isPlatform) {
    const parsed = parsePlatformEvent(body);
    if (!parsed.ok) return { status: 400, body: { error: 'invalid platform event', issues: parsed.issues } };
    events = [parsed.event];
  } else {
    // Changes our own API key made (the Notion sync, Slack actions) are not echoed back to Slack
    // nor written to Notion again: whichever record knows the key's name, it is ours.
    // The tenant's checked Brevo key names itself too (PUT /tenants/{t}/brevo), whenever it was stored.
    const ownApiKeyNames = [
      ...(tenant?.brevoAccount?.keyName ? [tenant.brevoAccount.keyName] : []),
      ...(conn?.settings.ownApiKeyNames ?? []),
      ...(notionConn?.settings.ownApiKeyNames ?? []),
    ];
    ({ events, ignored } = parseBrevoWebhook(body, { ownApiKeyNames }));
  }
  // Brevo event types we do not notify (new ones included) are counted and reported, never an error.
  const unsupported: Record<string, number> = {};
  for (const i of ignored) if (i.unsupported) unsupported[i.unsupported] = (unsupported[i.unsupported] ?? 0) + 1;
  if (Object.keys(unsupported).length)
    deps.log?.('webhook events of types without a notification: ignored', { tenantId: req.tenantId, unsupported });

  const out = await fanOutHubEvents(deps, {
    tenantId: req.tenantId,
    events,
    slack: conn,
    notion: notionConn,
    // Brevo's other events (opened, click...) still reach the tenant's stream as brevo.<event>.
    otherEvents: otherBrevoEvents(
      req.tenantId,
      unsupportedItems(body, ignored),
      new Date(deps.clock.now()).toISOString(),
    ),
  });
  if (!out.ok) return { status: 429, body: { error: out.error } };
  if (out.slackSkipped)
    return {
      status: 200,
      body: {
        published: out.published,
        accepted: out.accepted,
        ignored: events.length - out.accepted,
        reason: out.slackSkipped.reason,
        notion: out.notion,
      },
    };
  return {
    status: 200,
    body: {
      // Published to the tenant's event stream (its endpoints get them); the rest counts Slack and Notion's work.
      published: out.published,
      accepted: out.accepted,
      queued: out.queued,
      delayed: out.delayed,
      skipped: out.skipReasons.length,
      ...(out.skipReasons.length ? { skipReasons: [...new Set(out.skipReasons)] } : {}),
      ignored: ignored.length,
      ...(Object.keys(unsupported).length ? { unsupported } : {}),
      notion: out.notion,
    },
  };
}

/** The posted items Brevo sent under an event type no notification takes (for `brevo.<event>`). */
function unsupportedItems(body: unknown, ignored: IgnoredItem[]): unknown[] {
  const items = Array.isArray(body) ? body : [body];
  return ignored.filter((i) => i.unsupported).map((i) => items[i.index]);
}
