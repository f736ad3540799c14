/**
 * A definition connector's sync run: every enabled resource read by the engine's reader (all
 * pages, paced at the definition's rate, 429 + Retry-After, incremental from the stored high-water
 * mark minus the overlap; `full` reads everything), contacts written through the core's contact
 * writer (import for bulk, fingerprints: an unchanged record is not written again, the list
 * created when missing; never /contacts/batch), events through Brevo's batch events API (a page's
 * events in batches of 100, not one call each), each once per `dedupe` value. The summary is the Notion sync's contract (DESIGN §4) with `platformRequests` and
 * per-resource counts; a resource's high-water mark is stored only once Brevo accepted its writes.
 */
import type { BrevoClient, BrevoEvent } from '../../../core/brevo/client';
import { BrevoContactWriter, type WriterTally } from '../../../core/brevo/contact-writer';
import type { EventsOutcome } from '../../../core/brevo/events';
import { resolveBrevoList } from '../../../core/brevo/lists';
import type { ProviderEndpoints } from '../../../core/connector';
import { ProviderError, reasonOf } from '../../../core/errors';
import { type CallStats, newStats } from '../../../core/http/paced-fetch';
import type { BrevoAttribute } from '../../../core/mapping/types';
import type { Clock, CursorStore, RowError, RunRecord, RunStore, SyncSummary } from '../../../core/ports';
import { emptySummary, newRunId } from '../../../core/runs/summary';
import type { ConnectionSettings, OAuthSessionHooks } from '../auth';
import { contactListOf, type DefinitionConnectionSettings, readableResources, requestSettings } from '../connection';
import { type Definition, looseKey, type ResourceDefinition } from '../definition/schema';
import { type PlatformClient, platformClient, type ResourcePage, readResource } from '../reader';
import { attributeLookup, contactPlan, contactRowFor, eventBodyFor, type MappedRecord } from '../records';

/** Counts of one resource in a run (they add up to the run's). */
export interface ResourceCounts {
  to: 'contacts' | 'events';
  read: number;
  upserted: number;
  unchanged: number;
  failed: number;
  /** The high-water mark stored for the next run (absent: the resource has no updated_since). */
  highWaterMark?: string;
}

/** The run's JSON summary: the Notion sync's contract, plus the platform's requests and each resource's counts. */
export interface PlatformSyncSummary extends SyncSummary {
  platformRequests: number;
  resources: Record<string, ResourceCounts>;
}

/** A new run's counts: the platform's requests in place of Notion's (no notionRequests here). */
function platformSummary(mode: SyncSummary['mode']): PlatformSyncSummary {
  const { notionRequests: _notion, ...counts } = emptySummary(mode);
  return { ...counts, platformRequests: 0, resources: {} };
}

export interface PlatformSyncDeps {
  brevo: BrevoClient;
  /** The stats the Brevo client counts its requests in (brevoRequests). */
  brevoStats: CallStats;
  cursors: CursorStore;
  runs: RunStore;
  clock: Clock;
  endpoints: ProviderEndpoints;
  /** Contacts written one by one up to this many changed rows (else imported). */
  upsertThreshold?: number;
  /** A test's or a lane's own client (one pace for the connection). */
  client?: PlatformClient;
}

export interface PlatformSyncArgs {
  tenantId: string;
  connector: string;
  definition: Definition;
  settings: DefinitionConnectionSettings;
  /** The secrets by config key (api_key, api_secret...). */
  credentials: ConnectionSettings;
  full: boolean;
  trigger?: RunRecord['trigger'];
  /** The run's id when it was queued with one (sync now answers it before the run starts). */
  runId?: string;
  /**
   * Epoch ms after which the run stops at the end of a page and answers its checkpoint (a lane's
   * invocation budget); none: the run goes to its end.
   */
  deadline?: number;
  /** A run stopped at its deadline, continued: its record (summary and checkpoint). */
  resume?: RunRecord;
  /** oauth2: where refreshed tokens are stored and a refused refresh is marked. */
  oauth?: Pick<OAuthSessionHooks, 'onTokens' | 'onRefused' | 'latest'>;
}

/** Where a run stopped at its deadline: the resource being read and its reader's checkpoint. */
export interface PlatformCheckpoint {
  resource: string;
  next: string;
  index: number;
  seen: number;
  highWaterMark?: string;
  /** The resource's counts so far (already in the run's summary). */
  counts: ResourceCounts;
}

/** What a resource's read answers: its counts, and where it stopped when the deadline came first. */
interface ResourceOutcome {
  counts: ResourceCounts;
  cut?: PlatformCheckpoint;
}

/**
 * Rows buffered before the writer flushes (and the run moves its counts): the Notion sync's default
 * (flushRows). Each flush is one Brevo import and its process polls, and the read waits for it; the
 * mark is stored only at the end of the read and a lane's deadline flushes anyway, so a smaller
 * batch saves nothing and costs Brevo calls and pace (1,000: 20 Brevo calls per 10,000 rows).
 */
const FLUSH_ROWS = 10_000;
/** Where a resource's high-water mark and fingerprints live in the cursor store. */
export const resourceSource = (resource: string) => `resource:${resource}`;
/** Where an events resource's sent `dedupe` values live (fingerprints with fp `sent`). */
export const sentSource = (resource: string) => `sent:${resource}`;

/** One sync run of a connection, recorded as a run; answers its summary (also when it failed: `run.error`). */
export async function runPlatformSync(
  deps: PlatformSyncDeps,
  args: PlatformSyncArgs,
): Promise<{ run: RunRecord; summary: PlatformSyncSummary; checkpoint?: PlatformCheckpoint }> {
  const { tenantId, connector, definition, settings } = args;
  const now = deps.clock.now();
  const mode = args.full ? 'full' : 'incremental';
  const resumed = args.resume;
  const started = resumed ? Date.parse(resumed.startedAt) : now;
  const summary: PlatformSyncSummary = resumed ? (resumed.summary as PlatformSyncSummary) : platformSummary(mode);
  const from = resumed?.checkpoint as PlatformCheckpoint | undefined;
  const platformStats = deps.client?.stats ?? newStats();
  const platformAtStart = { ...platformStats };
  const brevoAtStart = { ...deps.brevoStats };
  const run: RunRecord = resumed
    ? { ...resumed, status: 'running' }
    : {
        tenantId,
        connector,
        runId: args.runId ?? newRunId(deps.clock),
        mode,
        status: 'running',
        startedAt: new Date(now).toISOString(),
        trigger: args.trigger ?? 'cli',
        summary,
      };
  delete run.checkpoint;
  await deps.runs.putRun(run);
  let checkpoint: PlatformCheckpoint | undefined;
  try {
    const client =
      deps.client ??
      platformClient({
        definition,
        settings: requestSettings(definition, settings.params, args.credentials, deps.endpoints),
        clock: deps.clock,
        stats: platformStats,
        ...args.oauth,
      });
    if (!resumed)
      for (const key of Object.keys(definition.resources)) {
        const resource = definition.resources[key];
        if (resource?.to === 'none' && settings.sync[key] !== false)
          summary.warnings.push(`${key}: not read (${resource.reason ?? 'to: none'})`);
      }
    const writesContacts = readableResources(definition, settings.sync).some(
      (k) => definition.resources[k]?.to === 'contacts',
    );
    const listId = writesContacts
      ? await resolveBrevoList(deps.brevo, contactListOf(definition, settings.sync_to_list))
      : undefined;
    // The account's attributes type the values, and one the account lacks is said (Brevo drops it in silence).
    const attributes = writesContacts ? await deps.brevo.getAttributes().catch(() => undefined) : undefined;
    if (attributes && !resumed) summary.warnings.push(...missingAttributes(definition, settings, attributes));
    for (const key of readableResources(definition, settings.sync)) {
      // A continued run: the resources read before are done; the one it stopped in resumes.
      if (summary.resources[key] !== undefined && from?.resource !== key) continue;
      const resource = definition.resources[key] as ResourceDefinition & { to: 'contacts' | 'events' };
      const ctx: ResourceRun = { deps, args, client, run, summary, key, resource, listId, attributes };
      if (from?.resource === key) ctx.from = from;
      const outcome = resource.to === 'contacts' ? await syncContacts(ctx) : await syncEvents(ctx);
      summary.resources[key] = outcome.counts;
      if (outcome.cut) {
        checkpoint = outcome.cut;
        break;
      }
    }
    run.status = checkpoint ? 'running' : 'succeeded';
  } catch (err) {
    run.status = 'failed';
    run.error = reasonOf(err);
  }
  summary.platformRequests += platformStats.requests - platformAtStart.requests;
  summary.brevoRequests += deps.brevoStats.requests - brevoAtStart.requests;
  summary.rateLimited +=
    platformStats.rateLimited - platformAtStart.rateLimited + deps.brevoStats.rateLimited - brevoAtStart.rateLimited;
  summary.durationMs = deps.clock.now() - started;
  if (checkpoint && run.status === 'running') run.checkpoint = checkpoint;
  else run.finishedAt = new Date(deps.clock.now()).toISOString();
  await deps.runs.putRun(run);
  return { run, summary, ...(run.checkpoint ? { checkpoint } : {}) };
}

interface ResourceRun {
  deps: PlatformSyncDeps;
  args: PlatformSyncArgs;
  client: PlatformClient;
  run: RunRecord;
  summary: PlatformSyncSummary;
  key: string;
  resource: ResourceDefinition & { to: 'contacts' | 'events' };
  listId: number | undefined;
  /** The Brevo account's contact attributes (undefined: they could not be read; values are typed from themselves). */
  attributes: BrevoAttribute[] | undefined;
  /** Where this resource's read resumes (a continued run). */
  from?: PlatformCheckpoint;
}

/**
 * One warning per mapped field whose Brevo attribute the account does not have: Brevo ignores an
 * unknown attribute, so without this line a value would vanish with nothing said.
 */
function missingAttributes(
  definition: Definition,
  settings: DefinitionConnectionSettings,
  attributes: readonly BrevoAttribute[],
): string[] {
  const known = new Set(attributes.map((a) => a.name.toUpperCase()));
  const missing = new Map<string, string>();
  for (const key of readableResources(definition, settings.sync)) {
    const resource = definition.resources[key];
    if (resource?.to !== 'contacts') continue;
    for (const entry of contactPlan(resource.mapping, mappingFor(resource, settings.field_mapping), attributes).plan)
      if (entry.target.kind === 'attribute' && !known.has(entry.target.name.toUpperCase()))
        missing.set(entry.target.name, entry.field);
  }
  return [...missing].map(
    ([attribute, field]) =>
      `${field} → ${attribute}: Brevo has no attribute ${attribute}, so its values are not kept (create it in Brevo, Contacts → Settings → Contact attributes, or map ${field} to another attribute)`,
  );
}

/** The config's field_mapping entries this resource's mapping offers (loosely matched): field_mapping is connector-wide. */
function mappingFor(
  resource: ResourceDefinition,
  fieldMapping: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (fieldMapping === undefined) return undefined;
  const offered = new Set(Object.keys(resource.mapping).map(looseKey));
  return Object.fromEntries(Object.entries(fieldMapping).filter(([field]) => offered.has(looseKey(field))));
}

/** The last run's high-water mark of a resource, unless the run is full (or the resource reads everything). */
async function sinceOf(ctx: ResourceRun): Promise<string | undefined> {
  if (ctx.args.full || ctx.resource.updated_since === undefined) return undefined;
  const cursor = await ctx.deps.cursors.getCursor(ctx.args.tenantId, ctx.args.connector, resourceSource(ctx.key));
  return cursor?.highWater;
}

/** Stores the resource's mark for the next run: called only once its read ended and Brevo accepted its writes. */
async function storeMark(ctx: ResourceRun, mark: string | undefined): Promise<void> {
  if (mark === undefined || ctx.resource.updated_since === undefined) return;
  await ctx.deps.cursors.putCursor(ctx.args.tenantId, ctx.args.connector, {
    sourceId: resourceSource(ctx.key),
    highWater: mark,
    updatedAt: new Date(ctx.deps.clock.now()).toISOString(),
  });
}

function pages(ctx: ResourceRun, since: string | undefined) {
  const from = ctx.from;
  return readResource({
    definition: ctx.args.definition,
    settings: {},
    resource: ctx.key,
    client: ctx.client,
    ...(since !== undefined ? { since } : {}),
    ...(from
      ? {
          resume: {
            next: from.next,
            index: from.index + 1,
            seen: from.seen,
            ...(from.highWaterMark !== undefined ? { highWaterMark: from.highWaterMark } : {}),
          },
        }
      : {}),
  });
}

/** After a page: past the deadline with pages left, where the read stops (its mark is not stored). */
function cutAfter(ctx: ResourceRun, page: ResourcePage, counts: ResourceCounts): PlatformCheckpoint | undefined {
  const deadline = ctx.args.deadline;
  if (deadline === undefined || page.next === undefined || ctx.deps.clock.now() < deadline) return undefined;
  return {
    resource: ctx.key,
    next: page.next,
    index: page.index,
    seen: page.seen,
    ...(page.highWaterMark !== undefined ? { highWaterMark: page.highWaterMark } : {}),
    counts,
  };
}

/** A resource's counts: what it read before it was continued, and this invocation's. */
function countsFrom(ctx: ResourceRun, to: ResourceCounts['to']): ResourceCounts {
  return ctx.from ? { ...ctx.from.counts } : emptyCounts(to);
}

async function syncContacts(ctx: ResourceRun): Promise<ResourceOutcome> {
  const { deps, args, summary, key, resource } = ctx;
  const tally = emptyTally();
  const counts = countsFrom(ctx, 'contacts');
  const readBefore = counts.read;
  const { plan } = contactPlan(resource.mapping, mappingFor(resource, args.settings.field_mapping), ctx.attributes);
  const writer = await BrevoContactWriter.open({
    tenantId: args.tenantId,
    connector: args.connector,
    sourceId: resourceSource(key),
    title: `${args.definition.label} ${key}`,
    brevo: deps.brevo,
    cursors: deps.cursors,
    clock: deps.clock,
    mode: summary.mode,
    runId: ctx.run.runId,
    ...(ctx.listId !== undefined ? { listId: ctx.listId } : {}),
    ...(deps.upsertThreshold !== undefined ? { upsertThreshold: deps.upsertThreshold } : {}),
    retriedBy: 'the next sync',
    summary: tally,
  });
  let unconfirmed = 0;
  let mark: string | undefined;
  for await (const page of pages(ctx, await sinceOf(ctx))) {
    for (const record of page.records) {
      counts.read += 1;
      const result = contactRowFor(record, plan, ctx.listId);
      if (result.ok) writer.offer(result.row);
      else {
        tally.failed += 1;
        tally.errors.push(...result.errors.map((e) => ofResource(e, key)));
      }
    }
    mark = page.highWaterMark;
    const cut = cutAfter(ctx, page, counts);
    if (writer.buffered >= FLUSH_ROWS || cut) unconfirmed += (await writer.flush()).unconfirmed;
    if (cut) return finish(summary, counts, tally, readBefore, cut);
  }
  unconfirmed += (await writer.flush()).unconfirmed;
  // Rows Brevo did not confirm are written again by the next run: the mark must not pass them.
  if (unconfirmed === 0) {
    await storeMark(ctx, mark);
    if (mark !== undefined) counts.highWaterMark = mark;
  }
  return finish(summary, counts, tally, readBefore);
}

async function syncEvents(ctx: ResourceRun): Promise<ResourceOutcome> {
  const { deps, args, summary, key, resource } = ctx;
  const counts = countsFrom(ctx, 'events');
  const readBefore = counts.read;
  const tally = emptyTally();
  const dedupeOf = dedupeReader(resource);
  const sent = dedupeOf
    ? await deps.cursors.loadFingerprints(args.tenantId, args.connector, sentSource(key))
    : new Map<string, unknown>();
  const attributeOf = attributeLookup(args.settings.field_mapping);
  const eventName = resource.event ?? key;
  let mark: string | undefined;
  for await (const page of pages(ctx, await sinceOf(ctx))) {
    // The page's events go in batches (createEvents); a record whose dedupe value another of the
    // page's records carries waits for that one's answer.
    const batch: PendingEvent[] = [];
    const twins: PendingEvent[] = [];
    const pending = new Set<string>();
    for (const record of page.records) {
      counts.read += 1;
      const id = dedupeOf?.(record);
      if (id !== undefined && sent.has(id)) {
        tally.unchanged += 1;
        continue;
      }
      const body = eventBodyFor(record, eventName, {
        ...(resource.contact_properties ? { contactProperties: resource.contact_properties } : {}),
        attributeOf,
      });
      if (!body.ok) {
        tally.failed += 1;
        tally.errors.push(ofResource(body.error, key));
        continue;
      }
      if (id !== undefined && pending.has(id)) {
        twins.push({ record, id, event: body.event });
        continue;
      }
      if (id !== undefined) pending.add(id);
      batch.push({ record, id, event: body.event });
    }
    await sendEvents(ctx, batch, twins, sent, tally);
    mark = page.highWaterMark;
    const cut = cutAfter(ctx, page, counts);
    if (cut) return finish(summary, counts, tally, readBefore, cut);
  }
  await storeMark(ctx, mark);
  if (mark !== undefined) counts.highWaterMark = mark;
  return finish(summary, counts, tally, readBefore);
}

/** A record's event waiting for its batch, with its dedupe value. */
interface PendingEvent {
  record: MappedRecord;
  id: string | undefined;
  event: BrevoEvent;
}

/**
 * A page's events through Brevo's batch endpoint: an accepted one is upserted and its dedupe value
 * kept as sent (stored before anything is thrown: a run stopped later never sends it twice); one
 * Brevo refused is its record's error. A batch refused as a whole (a 4xx) fails the events it did
 * not answer for; any other failure of a batch (the key, a 5xx, the network, a long 429) stops the
 * run, their values not kept (a 5xx or a lost answer may have written them: Brevo cannot be asked).
 */
async function sendEvents(
  ctx: ResourceRun,
  batch: PendingEvent[],
  twins: PendingEvent[],
  sent: Map<string, unknown>,
  tally: WriterTally,
): Promise<void> {
  const { deps, args, key } = ctx;
  const outcome: EventsOutcome =
    batch.length > 0 ? await deps.brevo.createEvents(batch.map((p) => p.event)) : { answered: 0, refused: [] };
  const stopped = outcome.error !== undefined && !isRefusal(outcome.error);
  const refused = new Map(outcome.refused.map((r) => [r.index, r.message]));
  const sentNow: string[] = [];
  const failedIds = new Map<string, string>();
  const fail = (p: PendingEvent, reason: string) => {
    tally.failed += 1;
    tally.errors.push(ofResource({ pageId: p.record.id, reason: `${p.record.label}: ${reason}` }, key));
    if (p.id !== undefined) failedIds.set(p.id, p.record.id);
  };
  for (const [i, p] of batch.entries()) {
    const message = refused.get(i);
    if (i >= outcome.answered) {
      if (!stopped) fail(p, `not written: Brevo refused a batch of the page's events: ${reasonOf(outcome.error)}`);
    } else if (message !== undefined) fail(p, `Brevo refused the event: ${message}`);
    else {
      tally.upserted += 1;
      if (p.id !== undefined) {
        sent.set(p.id, true);
        sentNow.push(p.id);
      }
    }
  }
  if (sentNow.length > 0)
    await deps.cursors.putFingerprints(
      args.tenantId,
      args.connector,
      sentSource(key),
      sentNow.map((rowId) => ({ rowId, fp: 'sent', identifier: rowId, identifierType: 'ext_id' as const })),
    );
  if (stopped) throw outcome.error;
  for (const t of twins) {
    const id = t.id as string;
    if (sent.has(id)) tally.unchanged += 1;
    else
      fail(
        t,
        `not sent: record ${failedIds.get(id) ?? '?'} of the same page has its ${ctx.resource.dedupe} and failed`,
      );
  }
}

/** A batch Brevo refused as a whole for what it holds (a 4xx), not for the key or the rate. */
function isRefusal(err: unknown): boolean {
  return (
    err instanceof ProviderError &&
    err.status >= 400 &&
    err.status < 500 &&
    err.status !== 401 &&
    err.status !== 403 &&
    err.status !== 429
  );
}

/** This invocation's writes into the resource's counts and the run's; with the checkpoint when cut. */
function finish(
  summary: PlatformSyncSummary,
  counts: ResourceCounts,
  tally: WriterTally,
  readBefore: number,
  cut?: PlatformCheckpoint,
): ResourceOutcome {
  counts.upserted += tally.upserted;
  counts.unchanged += tally.unchanged;
  counts.failed += tally.failed;
  addTo(summary, counts.read - readBefore, tally);
  return cut ? { counts, cut: { ...cut, counts: { ...counts } } } : { counts };
}

/** How an event's `dedupe` value is read from a mapped record: a field mapped from that path, or the record's id. */
function dedupeReader(resource: ResourceDefinition): ((r: MappedRecord) => string | undefined) | undefined {
  const path = resource.dedupe;
  if (path === undefined) return undefined;
  const field = Object.entries(resource.mapping).find(([, p]) => p === path)?.[0];
  if (field !== undefined)
    return (r) => {
      const v = r.fields[field];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    };
  // Not a mapped path: the record's id path (resource.id, default id) is the only other one read.
  if (path === (resource.id ?? 'id')) return (r) => (r.id.startsWith('#') ? undefined : r.id);
  return undefined;
}

/** A resource's records read and written by this invocation into the run's (the record keeps the first 200 errors). */
function addTo(summary: PlatformSyncSummary, read: number, tally: WriterTally): void {
  summary.pagesRead += read;
  summary.upserted += tally.upserted;
  summary.unchanged += tally.unchanged;
  summary.failed += tally.failed;
  summary.removed += tally.removed;
  summary.fieldErrors = (summary.fieldErrors ?? 0) + (tally.fieldErrors ?? 0);
  summary.warnings.push(...tally.warnings);
  const room = Math.max(0, 200 - summary.errors.length);
  summary.errors.push(...tally.errors.slice(0, room));
  summary.errorsTruncated += tally.errorsTruncated + Math.max(0, tally.errors.length - room);
}

/** A record's error with its resource (the summary's errors: {pageId: the record's id, resource, reason}). */
function ofResource(error: RowError, resource: string): RowError {
  return Object.assign({}, error, { resource });
}

function emptyTally(): WriterTally {
  return { upserted: 0, unchanged: 0, failed: 0, removed: 0, errors: [], errorsTruncated: 0, warnings: [] };
}

function emptyCounts(to: ResourceCounts['to']): ResourceCounts {
  return { to, read: 0, upserted: 0, unchanged: 0, failed: 0 };
}
