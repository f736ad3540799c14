/**
 * Notion webhooks (hybrid mode: webhooks for speed, the 4-hourly poll as the backstop) and page
 * change events for Brevo.
 *
 * Ingress (`POST /webhooks/notion/{tenantId}`), answered at once:
 * - the unsigned handshake `{verification_token}` stores the token as the tenant's *pending* token;
 * - an event must carry `X-Notion-Signature: sha256=<hex>` = HMAC-SHA256 of the raw body keyed by the
 *   confirmed token or the pending one (the first valid event confirms the pending token);
 * - a page event puts the page in the tenant's page inbox (one DynamoDB item per page, events
 *   merged) and queues one `notion.pages.fetch` lane message unless one is already queued, so a
 *   burst of events becomes one lane message, never one per page.
 *
 * Worker (lane message `notion.pages.fetch`): fetches a chunk of inbox pages through the paced
 * gateway; a page of a synced database queues an incremental sync (the engine writes the row: the
 * mapping and writer are not forked here); with `sync.pages` each page change becomes one Brevo
 * event. The poller's incremental sync emits the same events through `emitPageEvent`, and both
 * dedupe on (page id, last_edited_time), so a webhook and the poll seeing one edit send one event.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { BrevoClient, BrevoEvent } from '../../core/brevo/client';
import type { NotionConnectorConfig } from '../../core/config/schema';
import { ProviderError, RateLimitedError } from '../../core/errors';
import { issueSummary, maybe } from '../../core/http/answer';
import type { ApiResponse } from '../../core/http/api-types';
import { runWithDeadline } from '../../core/http/retry-policy';
import type {
  Clock,
  ConnectionStore,
  CursorStore,
  Fingerprint,
  LaneQueue,
  MarkerStore,
  NotionWebhookStore,
  PendingNotionPage,
  RowError,
  SecretStore,
} from '../../core/ports';
import type { NotionGateway, NotionPage } from './client';
import type { NotionLaneMessage } from './lane/messages';
import { DEFAULT_SYNC_OPTIONS } from './sync/database-sync';

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
/** An inbox entry nobody fetched (lost lane message) expires; the 4-hourly poll covers the edit. */
const INBOX_TTL_S = 2 * 86_400;
/**
 * "A fetch message is queued" marker. It expires so that a lost or dead-lettered message does not
 * stop later events from queueing another.
 */
const QUEUED_TTL_S = 15 * 60;
const QUEUED_MARKER = 'npages-queued';
/** Page events sent: longer than the poll overlap and any redelivery of one edit. */
const PAGE_EVENT_TTL_S = 30 * 86_400;
/** Pages fetched per lane message: ~15 s of Notion's 3 req/s, well inside one step. */
export const PAGES_PER_FETCH = 50;
/** How far before its cursor the incremental sync reads. */
const CURSOR_OVERLAP_MS = DEFAULT_SYNC_OPTIONS.overlapMs;

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

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

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
  deps: { webhooks: NotionWebhookStore; secrets?: SecretStore },
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
  deps: { webhooks: NotionWebhookStore; secrets: SecretStore; clock: Clock },
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
  webhooks: NotionWebhookStore;
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
  const signature = header(req.headers, 'x-notion-signature');

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

// ------------------------------------------------------------------ page events

export interface PageChange {
  page: NotionPage;
  kind: 'created' | 'updated' | 'deleted';
  /** Names of the changed properties, when known (webhook property ids mapped through the page). */
  changedProperties?: string[];
  /** The row's contact, when the page is a synced database row Brevo knows. */
  identifier?: Pick<Fingerprint, 'identifier' | 'identifierType'>;
  /** The synced database the row belongs to (as configured), when known. */
  database?: { id: string; title: string };
}

export interface PageEventDeps {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  brevo: BrevoClient;
  markers: MarkerStore;
}

/**
 * Sends one Brevo event for a page change unless this edit (page id, last_edited_time) was sent
 * already. Returns what happened. The marker is claimed first (the webhook path and the poller
 * may meet the same edit) and released when Brevo refuses, so a retry can send it.
 */
export async function emitPageEvent(
  deps: PageEventDeps,
  change: PageChange,
): Promise<'sent' | 'duplicate' | 'no_identifier'> {
  const identifiers = identifiersFor(change.identifier, deps.settings);
  if (!identifiers) return 'no_identifier';
  const { page } = change;
  // Trashing a page keeps its last_edited_time: its removal is an event of its own, sent once.
  const key = `npev#${page.id}#${page.last_edited_time}${change.kind === 'deleted' ? '#deleted' : ''}`;
  if (!(await deps.markers.claimMarker(deps.tenantId, key, PAGE_EVENT_TTL_S))) return 'duplicate';
  const editor = (page as { last_edited_by?: { id?: string; name?: string } }).last_edited_by;
  const event: BrevoEvent = {
    event_name: `notion_page_${change.kind}`,
    identifiers,
    event_properties: {
      page_id: page.id,
      title: pageTitle(page),
      ...(page.url ? { url: page.url } : {}),
      ...(change.changedProperties ? { changed_properties: change.changedProperties } : {}),
      ...(change.database ? { database_id: change.database.id, database: change.database.title } : {}),
      ...(editor?.id ? { editor: { id: editor.id, ...(editor.name ? { name: editor.name } : {}) } } : {}),
    },
    event_date: page.last_edited_time,
  };
  try {
    await deps.brevo.createEvent(event);
  } catch (err) {
    await deps.markers.releaseMarker(deps.tenantId, key).catch(() => undefined);
    throw err;
  }
  return 'sent';
}

function identifiersFor(
  row: PageChange['identifier'],
  settings: Omit<NotionConnectorConfig, 'token'>,
): BrevoEvent['identifiers'] | undefined {
  if (row) return { [row.identifierType]: row.identifier };
  const account = settings.pages?.event_identifier;
  if (!account) return undefined;
  return Object.fromEntries(Object.entries(account).filter(([, v]) => v !== undefined));
}

export function pageTitle(page: NotionPage): string {
  for (const value of Object.values(page.properties)) {
    if (value.type !== 'title') continue;
    const parts = (value as { title?: { plain_text?: string }[] }).title ?? [];
    return parts.map((t) => t.plain_text ?? '').join('');
  }
  return '';
}

// ------------------------------------------------------------------ the lane worker's part

export interface PagesFetchDeps extends PageEventDeps {
  notion: NotionGateway;
  webhooks: NotionWebhookStore;
  cursors: CursorStore;
  clock: Clock;
  /** Queues an incremental database sync (the engine writes synced rows and handles removals). */
  queueSync: (dedupeKey: string) => Promise<unknown>;
  /** Queues the next fetch message when the inbox holds more than one chunk. */
  queueMore: (dedupeKey: string) => Promise<void>;
  /** Whether the page is as a Brevo → Notion rule's write left it (its echo: no event, no sync). */
  isOwnWrite?: (page: NotionPage, databaseId: string) => Promise<boolean>;
  /**
   * Sends a page whose fetch failed (not a rate limit) in a message of its own, out of the inbox:
   * the tenant's other pages go on, and that message is retried, then dead-lettered with the reason.
   */
  queueStuck?: (entry: PendingNotionPage) => Promise<void>;
  /** The entries of a message that carries its own pages (a stuck page): the inbox is not read. */
  pages?: PendingNotionPage[];
  /**
   * Each page's in-process budget (ms, on `clock`): its provider calls never retry longer (nor past
   * the enclosing deadline), so a page that keeps failing gives up in seconds and goes out of the
   * group's way; each page of a batch has its own, so faults on one do not cut the others' retries.
   */
  pageBudgetMs?: number;
}

export interface PagesFetchResult {
  fetched: number;
  sent: number;
  duplicates: number;
  noIdentifier: number;
  syncQueued: boolean;
  /** Pages Notion answered with something that is not a readable page: one error each, the rest processed. */
  failed: number;
  errors: RowError[];
  /** Pages whose fetch failed, each sent in a message of its own (retried, then dead-lettered). */
  stuck: number;
}

/** One `notion.pages.fetch` message: a chunk of the inbox, fetched at the lane's pace. */
export async function handleNotionPagesFetch(deps: PagesFetchDeps): Promise<PagesFetchResult> {
  const own = deps.pages;
  // Released before reading: an event that lands from now on queues the next message itself.
  if (!own) await deps.markers.releaseMarker(deps.tenantId, QUEUED_MARKER);
  const pending = own ?? (await deps.webhooks.listPendingPages(deps.tenantId, PAGES_PER_FETCH));
  const result: PagesFetchResult = {
    fetched: 0,
    sent: 0,
    duplicates: 0,
    noIdentifier: 0,
    syncQueued: false,
    failed: 0,
    errors: [],
    stuck: 0,
  };
  const synced = new Set(deps.settings.databases.map((d) => normaliseId(d.id)));
  const fingerprints = new Map<string, Map<string, Fingerprint>>();
  let needsSync = false;
  /** Per data source: the oldest last_edited_time among the live pages the events named. */
  const rewindTo = new Map<string, string>();
  const done: PendingNotionPage[] = [];
  for (const entry of pending) {
    const pageDeadline = deps.clock.now() + (deps.pageBudgetMs ?? Number.POSITIVE_INFINITY);
    const withinBudget = <T>(fn: () => Promise<T>) => runWithDeadline(pageDeadline, fn);
    let page: NotionPage | undefined;
    try {
      page = await withinBudget(() => deps.notion.getPage(entry.pageId));
    } catch (err) {
      // An answer that is not a readable page (a required field missing) is this page's problem:
      // fetching it again gives the same answer, so it is recorded and the rest of the batch goes
      // on. A row of a synced database is still read by the sync, which reports it as a row error.
      // A rate limit fails the batch (the lane waits: every page would meet it). Anything else
      // (an outage, an error on this page) takes this page out of the batch's way into a message
      // of its own, retried after a backoff then dead-lettered; the message of a single stuck
      // page fails, with the reason.
      if (err instanceof RateLimitedError) throw err;
      if (!(err instanceof ProviderError && err.code === 'unexpected_answer')) {
        if (own || !deps.queueStuck) throw err;
        await deps.queueStuck(entry);
        result.stuck += 1;
        done.push(entry);
        continue;
      }
      result.failed += 1;
      result.errors.push({ pageId: entry.pageId, reason: err.message });
      if (deps.settings.sync.databases && entry.parentId && synced.has(normaliseId(entry.parentId))) needsSync = true;
      done.push(entry);
      continue;
    }
    result.fetched += 1;
    const parent = parentOf(page);
    if (page && parent.databaseId && (await deps.isOwnWrite?.(page, parent.databaseId))) {
      done.push(entry);
      continue;
    }
    const inSyncedDb =
      deps.settings.sync.databases &&
      [parent.databaseId, parent.sourceId, entry.parentId].some(
        (id) => id !== undefined && synced.has(normaliseId(id)),
      );
    // The engine writes the row (and takes trashed rows out of the list) in the sync it runs.
    if (inSyncedDb) needsSync = true;
    if (inSyncedDb && page) {
      const gone = page.in_trash === true || page.archived === true;
      // Cursors are kept per data source (a database id names none: no cursor, nothing to rewind).
      const sourceId = parent.sourceId ?? entry.parentId;
      // Restoring or moving a page keeps its last_edited_time: the incremental read (from the
      // cursor) would not see it. The sync must read back to it (the trash is read whole already).
      if (!gone && sourceId) {
        const earliest = rewindTo.get(sourceId);
        if (earliest === undefined || page.last_edited_time < earliest) rewindTo.set(sourceId, page.last_edited_time);
      }
    }
    if (deps.settings.sync.pages && page) {
      const gone = page.in_trash === true || page.archived === true;
      const kind = gone ? 'deleted' : entry.types.includes('page.created') ? 'created' : 'updated';
      const sourceId = parent.sourceId ?? parent.databaseId;
      let identifier: Fingerprint | undefined;
      if (sourceId && inSyncedDb) {
        let fps = fingerprints.get(sourceId);
        if (!fps) {
          fps = await deps.cursors.loadFingerprints(deps.tenantId, 'notion', sourceId);
          fingerprints.set(sourceId, fps);
        }
        identifier = fps.get(page.id);
      }
      const names = propertyNames(page, entry.propertyIds);
      const outcome = await withinBudget(() =>
        emitPageEvent(deps, {
          page,
          kind,
          identifier,
          changedProperties: entry.types.includes('page.properties_updated') ? names : undefined,
        }),
      );
      if (outcome === 'sent') result.sent += 1;
      else if (outcome === 'duplicate') result.duplicates += 1;
      else result.noIdentifier += 1;
    }
    // A page Notion no longer shows us (404: deleted for good or unshared) has no event to send:
    // its database row, if any, leaves the list through the sync's removal path.
    done.push(entry);
  }
  if (!own) await deps.webhooks.removePendingPages(deps.tenantId, done);
  for (const [sourceId, lastEdited] of rewindTo) await rewindCursor(deps, sourceId, lastEdited);
  if (needsSync) {
    // One sync per fetch message, never per minute: a start deduplicated against an earlier one
    // (FIFO deduplication lasts 5 minutes) would drop this edit if that sync already read its rows.
    // Fetch messages are one at a time per tenant, so a burst still queues one or two syncs.
    await deps.queueSync(`webhook:${deps.clock.now()}:${done.length}`);
    result.syncQueued = true;
  }
  if (!own && pending.length === PAGES_PER_FETCH) await deps.queueMore(`more:${deps.clock.now()}`);
  return result;
}

/**
 * Sets the source's cursor back so that the next incremental sync reads a page last edited at
 * `lastEdited` (plus the sync's own overlap). Only backwards, and only when the page is older than
 * the read would reach: rows read again are unchanged, so their fingerprints skip the Brevo write
 * and their page events are duplicates (markers); a sync only ever moves the cursor forward.
 */
async function rewindCursor(deps: PagesFetchDeps, sourceId: string, lastEdited: string): Promise<void> {
  const cursor = await deps.cursors.getCursor(deps.tenantId, 'notion', sourceId);
  if (!cursor?.highWater || Date.parse(cursor.highWater) - CURSOR_OVERLAP_MS <= Date.parse(lastEdited)) return;
  await deps.cursors.putCursor(deps.tenantId, 'notion', {
    ...cursor,
    highWater: lastEdited,
    updatedAt: new Date(deps.clock.now()).toISOString(),
  });
}

function normaliseId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

function parentOf(page: NotionPage | undefined): { databaseId?: string; sourceId?: string } {
  const parent = (page as { parent?: { database_id?: string; data_source_id?: string } } | undefined)?.parent;
  return { databaseId: parent?.database_id, sourceId: parent?.data_source_id };
}

/** Webhooks name properties by id; events say names (ids Notion no longer shows are kept as ids). */
function propertyNames(page: NotionPage, ids: string[]): string[] {
  const byId = new Map<string, string>();
  for (const [name, value] of Object.entries(page.properties)) {
    byId.set(value.id, name);
    byId.set(safeDecode(value.id), name);
  }
  return ids.map((id) => byId.get(id) ?? byId.get(safeDecode(id)) ?? id);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
