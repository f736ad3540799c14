/** Notion webhooks' ingress: the handshake, signed events into the tenant's page inbox, one fetch queued (see index.ts). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { issueSummary, maybe } from '../../../core/http/answer';
import type { ApiResponse } from '../../../core/http/api-types';
import { headerValue } from '../../../core/http/headers';
import type {
  Clock,
  ConnectionStore,
  LaneQueue,
  MarkerStore,
  SecretStore,
  WebhookSubscriptionStore,
} from '../../../core/ports';
import type { NotionLaneMessage } from '../lane/messages';
import { INBOX_TTL_S, QUEUED_MARKER, QUEUED_TTL_S } from './inbox';

/** Page events that mean "fetch this page again". */
export const PAGE_EVENT_TYPES = [
  'page.created',
  'page.properties_updated',
  'page.content_updated',
  'page.undeleted',
  'page.deleted',
  // Moved into (or out of) a synced database: the row joins or leaves the list.
  'page.moved',
] as const;

/** Event ids are remembered longer than Notion's retries last (8 attempts over about a day). */
const EVENT_ID_TTL_S = 3 * 86_400;
/**
 * A webhook event (notion.md §4, SDK BaseWebhookPayload). Required: the event id (dedupe), its type
 * and the entity it is about. The rest is optional or null depending on the event type and version
 * (`data`, `authors`, `accessible_by`, `attempt_number`, ...); a malformed optional part reads as
 * absent rather than refusing an event Notion will not send again. Types and entity kinds are
 * strings: one Notion adds later is answered "ignored", with its name.
 */
const eventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  timestamp: maybe(z.string()).catch(undefined),
  entity: z.looseObject({ id: z.string().min(1), type: z.string() }),
  authors: maybe(z.array(z.unknown()))
    .catch(undefined)
    .transform((authors) =>
      (authors ?? []).flatMap((a) => {
        const author = z.looseObject({ id: z.string() }).safeParse(a);
        return author.success ? [author.data] : [];
      }),
    ),
  data: maybe(
    z.looseObject({
      parent: maybe(
        z.looseObject({ id: maybe(z.string()), data_source_id: maybe(z.string()) }).catch(() => ({})),
      ).catch(undefined),
      updated_properties: maybe(z.array(z.unknown()))
        .catch(undefined)
        .transform((ids) => (ids ?? []).filter((id): id is string => typeof id === 'string')),
    }),
  ).catch(undefined),
});
export type NotionWebhookEvent = z.output<typeof eventSchema>;

/** A signed webhook body read as an event, or why it is not one (one line). */
export function readNotionWebhookEvent(
  json: unknown,
): { ok: true; event: NotionWebhookEvent } | { ok: false; reason: string } {
  const ev = eventSchema.safeParse(json);
  return ev.success ? { ok: true, event: ev.data } : { ok: false, reason: issueSummary(ev.error) };
}

const handshakeSchema = z.strictObject({ verification_token: z.string().min(1) });

/** `sha256=<64 hex>` over the raw bytes, keyed by the token; constant-time compare. */
export function verifyNotionSignature(rawBody: Buffer, signature: string | undefined, token: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/.exec(signature?.trim() ?? '');
  if (!m?.[1]) return false;
  const expected = createHmac('sha256', token).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(m[1], 'hex'));
}

/** What an admin may see of a token in status output: enough to recognise it, not to use it. */
export function tokenHint(token: string): string {
  return token.length <= 12 ? '…' : `${token.slice(0, 7)}…${token.slice(-4)}`;
}

/**
 * What the admin sees of the webhook subscription (`GET .../connections/notion/webhook`, status):
 * the state, and the pending verification token itself only with `withToken` (the management API,
 * behind the tenant's key: the admin pastes it into Notion to verify the subscription). Never logged.
 */
export interface NotionWebhookView {
  /** `not_set_up`: no handshake yet; `pending`: a token waits to be verified; `active`: events arrive signed. */
  state: 'not_set_up' | 'pending' | 'active';
  pending: { receivedAt?: string; hint?: string; token?: string } | null;
  confirmed: { at?: string; hint?: string } | null;
  /** What to do next, for a person. */
  next: string;
}

export async function notionWebhookView(
  deps: { webhooks: WebhookSubscriptionStore; secrets?: SecretStore },
  tenantId: string,
  opts: { withToken: boolean },
): Promise<NotionWebhookView> {
  const record = await deps.webhooks.getNotionWebhook(tenantId);
  const confirmed = record?.confirmedRef ? { at: record.confirmedAt, hint: record.confirmedHint } : null;
  let pending: NotionWebhookView['pending'] = null;
  if (record?.pendingRef) {
    pending = { receivedAt: record.pendingAt, hint: record.pendingHint };
    if (opts.withToken) {
      if (!deps.secrets) throw new Error('notionWebhookView: withToken needs the secret store');
      pending.token = await deps.secrets.get(record.pendingRef);
    }
  }
  const state = confirmed ? 'active' : pending ? 'pending' : 'not_set_up';
  const next = pending
    ? 'fetch the pending verification token (GET /tenants/{tenantId}/connections/notion/webhook) and paste it ' +
      'into Notion (integration settings → Webhooks → Verify); the first event signed with it then makes it the active token'
    : confirmed
      ? 'nothing to do: events are verified with the active token'
      : "create a webhook subscription in the integration's settings pointing at POST /webhooks/notion/{tenantId}";
  return { state, pending, confirmed, next };
}

/**
 * The subscription's state with its pending token, for the tenant's admin (who pastes the token
 * into Notion): fetching marks the pending token revealed, so an event signed with it may now make
 * it the active token.
 */
export async function revealNotionWebhook(
  deps: { webhooks: WebhookSubscriptionStore; secrets: SecretStore; clock: Clock },
  tenantId: string,
): Promise<NotionWebhookView> {
  const view = await notionWebhookView(deps, tenantId, { withToken: true });
  const record = await deps.webhooks.getNotionWebhook(tenantId);
  if (record?.pendingRef && !record.pendingRevealedAt) {
    await deps.webhooks.putNotionWebhook({ ...record, pendingRevealedAt: new Date(deps.clock.now()).toISOString() });
  }
  return view;
}

export interface NotionIngressDeps {
  connections: ConnectionStore;
  webhooks: WebhookSubscriptionStore;
  markers: MarkerStore;
  secrets: SecretStore;
  lane: LaneQueue;
  clock: Clock;
  log?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * POST /webhooks/notion/{tenantId}. A failure on our side answers 500: Notion retries (up to 8
 * attempts), and the event id marker is released so the retry is not taken for a duplicate.
 */
export async function acceptNotionWebhook(
  deps: NotionIngressDeps,
  req: { tenantId: string; headers: Record<string, string | undefined>; rawBody: Buffer },
): Promise<ApiResponse> {
  const conn = await deps.connections.getConnection(req.tenantId, 'notion');
  // Unknown tenants get the same answer as a bad signature: the route does not reveal who exists.
  if (!conn) return { status: 401, body: { error: 'unknown tenant or invalid signature' } };
  const signature = headerValue(req.headers, 'x-notion-signature');

  if (signature === undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return { status: 401, body: { error: 'missing X-Notion-Signature' } };
    }
    const hs = handshakeSchema.safeParse(parsed);
    if (!hs.success) return { status: 401, body: { error: 'missing X-Notion-Signature' } };
    // The handshake is unsigned by design, so this token is not trusted for anything yet: it only
    // becomes the confirmed token when an event signed with it arrives. A confirmed token is kept.
    const token = hs.data.verification_token;
    const ref = await deps.secrets.put(`${req.tenantId}/notion-webhook-pending`, token, {
      tenant: req.tenantId,
      connector: 'notion',
    });
    const { pendingRevealedAt: _previousReveal, ...current } = (await deps.webhooks.getNotionWebhook(req.tenantId)) ?? {
      tenantId: req.tenantId,
    };
    // A new pending token: not fetched by the admin yet, so not promotable yet.
    await deps.webhooks.putNotionWebhook({
      ...current,
      pendingRef: ref,
      pendingAt: new Date(deps.clock.now()).toISOString(),
      pendingHint: tokenHint(token),
    });
    deps.log?.('Notion webhook verification token stored as pending', { tenantId: req.tenantId });
    return { status: 200, body: { ok: true, verification: 'pending: paste the token into Notion to activate' } };
  }

  // Which stored token signed the body. A secret that is gone (a concurrent first event promoted
  // the pending token and deleted its secret after this request read the record) matches nothing.
  const signedWith = async (rec: typeof record) => {
    for (const which of ['confirmed', 'pending'] as const) {
      const ref = which === 'confirmed' ? rec?.confirmedRef : rec?.pendingRef;
      if (!ref) continue;
      const token = await deps.secrets.get(ref).catch(() => undefined);
      if (token !== undefined && verifyNotionSignature(req.rawBody, signature, token)) return { which, token };
    }
    return undefined;
  };
  let record = await deps.webhooks.getNotionWebhook(req.tenantId);
  let signed = await signedWith(record);
  // Notion's first events can arrive together: the one that promoted the token changed the record
  // under the others, which read it again once (never a 500 for a correctly signed event).
  if (!signed && record?.pendingRef) {
    record = await deps.webhooks.getNotionWebhook(req.tenantId);
    signed = await signedWith(record);
  }
  const matched = signed?.which;
  if (!record || !signed) return { status: 401, body: { error: 'unknown tenant or invalid signature' } };
  if (matched === 'pending' && !record.pendingRevealedAt) {
    // Signed with a token no admin has fetched: its sender made the handshake too (anyone can), so
    // it proves nothing. Notion's own events come after the admin pasted the fetched token.
    deps.log?.('Notion webhook event signed with a pending token the admin has not fetched: refused', {
      tenantId: req.tenantId,
    });
    return { status: 401, body: { error: 'unknown tenant or invalid signature' } };
  }
  if (matched === 'pending' && record.pendingRef) {
    // The first event signed with the pending token: Notion activated the subscription with it.
    // The token moves to a secret of its own: the next handshake (a new subscription) overwrites
    // the pending one, and must not change the token the active subscription signs with.
    const token = signed.token;
    const confirmedRef = await deps.secrets.put(`${req.tenantId}/notion-webhook`, token, {
      tenant: req.tenantId,
      connector: 'notion',
    });
    await deps.webhooks.putNotionWebhook({
      tenantId: req.tenantId,
      confirmedRef,
      confirmedAt: new Date(deps.clock.now()).toISOString(),
      confirmedHint: record.pendingHint,
    });
    await deps.secrets
      .delete(record.pendingRef)
      .catch((err: Error) =>
        deps.log?.('the promoted pending Notion webhook secret was not deleted', { error: err.message }),
      );
  }

  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const ev = readNotionWebhookEvent(json);
  if (!ev.ok) return { status: 400, body: { error: `not a Notion webhook event (${ev.reason})` } };
  const event = ev.event;
  if (!(PAGE_EVENT_TYPES as readonly string[]).includes(event.type) || event.entity.type !== 'page') {
    // Other event types (database, comment, view... or one Notion adds later) need no page fetch:
    // acknowledged so Notion does not retry, and named in the answer and the log.
    deps.log?.('Notion webhook event type not handled: ignored', {
      tenantId: req.tenantId,
      type: event.type,
      entity: event.entity.type,
    });
    return { status: 200, body: { accepted: 0, ignored: event.type } };
  }
  if (!conn.settings.enabled) return { status: 200, body: { accepted: 0, reason: 'the Notion connector is disabled' } };

  // Retries carry the same event id (attempt_number changes the body, not the id): one effect.
  const eventKey = `nwh#${event.id}`;
  if (!(await deps.markers.claimMarker(req.tenantId, eventKey, EVENT_ID_TTL_S))) {
    return { status: 200, body: { accepted: 0, duplicate: true } };
  }
  try {
    await deps.webhooks.addPendingPage(
      req.tenantId,
      {
        pageId: event.entity.id,
        types: [event.type],
        propertyIds: event.data?.updated_properties ?? [],
        authors: event.authors.map((a) => a.id),
        parentId: event.data?.parent?.data_source_id ?? event.data?.parent?.id,
      },
      INBOX_TTL_S,
    );
    // One fetch message at a time per tenant: the worker releases the marker before it reads the
    // inbox, so an event arriving later queues the next message and none is left unread.
    if (await deps.markers.claimMarker(req.tenantId, QUEUED_MARKER, QUEUED_TTL_S)) {
      try {
        await sendFetch(deps.lane, req.tenantId, conn.integrationKey, `${event.id}`);
      } catch (err) {
        await deps.markers.releaseMarker(req.tenantId, QUEUED_MARKER);
        throw err;
      }
    }
  } catch (err) {
    await deps.markers.releaseMarker(req.tenantId, eventKey).catch(() => undefined);
    deps.log?.('Notion webhook failed; answering 500 so Notion retries', {
      tenantId: req.tenantId,
      error: (err as Error).message,
    });
    return { status: 500, body: { error: 'temporarily unavailable; retry' } };
  }
  return { status: 200, body: { accepted: 1 } };
}

async function sendFetch(lane: LaneQueue, tenantId: string, groupId: string, dedupe: string): Promise<void> {
  const message: NotionLaneMessage = { type: 'notion.pages.fetch', tenantId };
  await lane.send('notionLane', [
    { body: JSON.stringify(message), groupId, deduplicationId: `${tenantId}:pages:${dedupe}`.slice(0, 128) },
  ]);
}
