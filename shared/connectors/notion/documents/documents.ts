/**
 * The document library in the Notion lane: a page import asked for through the API, and the re-sync
 * of the imported documents (the 4-hourly schedule, the API). Both travel as lane messages in the
 * connection's message group, so they share the integration's 3 req/s with its syncs and never run
 * beside them; each leaves a run record (`job: 'documents'`) the API and status show.
 *
 * A re-sync that runs out of time in one step continues in the next message, after the last page it
 * checked (documents are taken in page id order), so a large library never outgrows a Lambda.
 */

import { ProviderError, RateLimitedError, reasonOf, TajoError, UnreachableError } from '../../../core/errors';
import type { CallStats } from '../../../core/http/paced-fetch';
import type {
  Clock,
  ConnectionRecord,
  ConnectionStore,
  LaneQueue,
  RunRecord,
  RunStore,
  SyncSummary,
} from '../../../core/ports';
import type { DocumentStore, ImportedDocument, ImportedDocumentStore } from '../../../core/ports/documents';
import { emptySummary, newRunId } from '../../../core/runs/summary';
import { queueableConnection } from '../../../core/tenancy/connections';
import type { NotionLaneMessage } from '../lane/messages';
import { importPage, type NotionPageReader, resyncDocuments } from './import';

/** A re-sync step starts no new document once less than this remains before its deadline. */
export const RESYNC_STEP_RESERVE_MS = 5 * 60_000;
/** Errors kept in a run record (as the sync's: the record must stay well inside DynamoDB's 400 KB). */
const MAX_ERRORS = 200;
const MAX_WARNINGS = 50;

type DocumentsMessage = Extract<NotionLaneMessage, { type: 'notion.documents.import' | 'notion.documents.resync' }>;
type Trigger = RunRecord['trigger'];

/** Where a documents run is: which page (an import), or the step and the last page checked (a re-sync). */
export type DocumentsCheckpoint = { kind: 'import'; pageId: string } | { kind: 'resync'; step: number; after?: string };

export interface QueueDeps {
  connections: ConnectionStore;
  lane: LaneQueue;
  clock: Clock;
  /** With it, the run is recorded when queued, so its id can be looked up at once (the API). */
  runs?: RunStore;
}

export type QueueResult = { queued: true; runId: string } | { queued: false; reason: string };

async function queueForConnection(
  deps: QueueDeps,
  tenantId: string,
  message: (runId: string) => DocumentsMessage,
  dedupeKey: (runId: string) => string,
): Promise<QueueResult> {
  const target = await queueableConnection(deps.connections, tenantId, { name: 'notion', label: 'Notion' });
  if ('reason' in target) return { queued: false, reason: target.reason };
  const conn = target.conn;
  const runId = newRunId(deps.clock);
  const body = message(runId);
  // Recorded before it is sent: the lane may pick the message up at once, and must find the record.
  const run = newDocumentsRun(body, deps.clock);
  await deps.runs?.putRun(run);
  try {
    await deps.lane.send('notionLane', [
      { body: JSON.stringify(body), groupId: conn.integrationKey, deduplicationId: dedupeKey(runId) },
    ]);
  } catch (err) {
    if (deps.runs) await fail({ runs: deps.runs, clock: deps.clock }, run, `not queued: ${reasonOf(err)}`);
    throw err;
  }
  return { queued: true, runId };
}

function checkpointOf(message: DocumentsMessage): DocumentsCheckpoint {
  return message.type === 'notion.documents.import'
    ? { kind: 'import', pageId: message.pageId }
    : { kind: 'resync', step: message.step, after: message.after };
}

/** A documents run as it starts: an import reads its page whole, a re-sync re-imports only edits. */
function newDocumentsRun(message: DocumentsMessage, clock: Clock): RunRecord {
  const mode = message.type === 'notion.documents.import' ? 'full' : 'incremental';
  return {
    tenantId: message.tenantId,
    connector: 'notion',
    job: 'documents',
    runId: message.runId,
    mode,
    status: 'running',
    startedAt: new Date(clock.now()).toISOString(),
    trigger: message.trigger,
    summary: emptySummary(mode),
    checkpoint: checkpointOf(message),
  };
}

/** Queues the import of one page (a dashed page id: parseNotionPageId) in the connection's lane. */
export function enqueueDocumentImport(
  deps: QueueDeps,
  args: { tenantId: string; pageId: string; trigger: Trigger },
): Promise<QueueResult> {
  return queueForConnection(
    deps,
    args.tenantId,
    (runId) => ({
      type: 'notion.documents.import',
      tenantId: args.tenantId,
      runId,
      pageId: args.pageId,
      trigger: args.trigger,
    }),
    (runId) => `${args.tenantId}:docs-import:${runId}`,
  );
}

/** Queues a re-sync of the tenant's imported documents; `dedupeKey` makes a retried trigger queue one. */
export function enqueueDocumentsResync(
  deps: QueueDeps,
  args: { tenantId: string; trigger: Trigger; dedupeKey?: string },
): Promise<QueueResult> {
  return queueForConnection(
    deps,
    args.tenantId,
    (runId) => ({ type: 'notion.documents.resync', tenantId: args.tenantId, runId, trigger: args.trigger, step: 0 }),
    (runId) => `${args.tenantId}:docs-resync:${args.dedupeKey ?? runId}`,
  );
}

export interface DocumentsLaneDeps {
  conn: ConnectionRecord;
  notion: NotionPageReader;
  /** The gateway's counters: 429s seen are added to the run's summary. */
  notionStats?: CallStats;
  documents: DocumentStore;
  imported: ImportedDocumentStore;
  runs: RunStore;
  lane: LaneQueue;
  clock: Clock;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

/**
 * Runs one documents message. Returns the run when the message is done with (succeeded, or failed
 * for good: a page that is not shared stays not shared); throws a RateLimitedError for the lane to
 * park, or another error for the queue to retry (a 5xx, Notion unreachable), failing the run first
 * when this is the message's last attempt.
 */
export async function runDocumentsMessage(
  deps: DocumentsLaneDeps,
  message: DocumentsMessage,
  opts: { deadline: number; lastAttempt: boolean },
): Promise<RunRecord> {
  const existing = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
  if (existing?.status === 'succeeded') return existing; // a duplicate delivery of a finished run
  const recorded = existing?.checkpoint as DocumentsCheckpoint | undefined;
  // A step earlier than the one recorded is a redelivery: its work is in the record already.
  if (message.type === 'notion.documents.resync' && recorded?.kind === 'resync' && message.step < recorded.step) {
    return existing as RunRecord;
  }
  let run: RunRecord;
  if (existing) {
    // Queued by the API (recorded then), or failed and replayed from the dead-letter queue: an
    // import starts over, a re-sync keeps the counts of the steps before this one.
    run = { ...existing, status: 'running', error: undefined, finishedAt: undefined };
    if (message.type === 'notion.documents.import') run.summary = emptySummary(run.mode);
  } else {
    run = newDocumentsRun(message, deps.clock);
    await deps.runs.putRun(run);
  }
  const rateLimitedBefore = deps.notionStats?.rateLimited ?? 0;
  const importDeps = { notion: deps.notion, documents: deps.documents, imported: deps.imported, clock: deps.clock };

  try {
    if (message.type === 'notion.documents.import') {
      const res = await importPage(importDeps, { tenantId: message.tenantId, pageId: message.pageId });
      addToSummary(run.summary, {
        pagesRead: 1,
        upserted: res.changed ? 1 : 0,
        unchanged: res.changed ? 0 : 1,
        notionRequests: res.requests,
        warnings: res.warnings,
      });
      return await finish(deps, run, rateLimitedBefore);
    }
    const res = await resyncDocuments(importDeps, {
      tenantId: message.tenantId,
      after: message.after,
      stopBy: opts.deadline - RESYNC_STEP_RESERVE_MS,
    });
    addToSummary(run.summary, {
      pagesRead: res.checked,
      upserted: res.reimported,
      unchanged: res.unchanged,
      failed: res.failed,
      notionRequests: res.requests,
      errors: res.errors,
      warnings: res.warnings,
    });
    if (res.next === undefined) return await finish(deps, run, rateLimitedBefore);
    // More documents than one step's time: the next step continues after the last page checked.
    const next: DocumentsMessage = { ...message, step: message.step + 1, after: res.next };
    await deps.lane.send('notionLane', [
      {
        body: JSON.stringify(next),
        groupId: deps.conn.integrationKey,
        deduplicationId: `${run.runId}:docs:${next.step}`,
      },
    ]);
    run.checkpoint = { kind: 'resync', step: next.step, after: res.next } satisfies DocumentsCheckpoint;
    run.summary.rateLimited += (deps.notionStats?.rateLimited ?? 0) - rateLimitedBefore;
    await deps.runs.putRun(run);
    return run;
  } catch (err) {
    const retry = err instanceof RateLimitedError || isTransient(err);
    if (retry && !opts.lastAttempt) throw err;
    if (message.type === 'notion.documents.import') {
      run.summary.failed = 1;
      run.summary.errors = [{ pageId: message.pageId, reason: reasonOf(err) }];
    }
    await fail(deps, run, reasonOf(err));
    deps.log?.('error', 'Notion documents run failed', {
      tenantId: message.tenantId,
      runId: run.runId,
      reason: reasonOf(err),
    });
    if (retry) throw err; // the last attempt: the record says failed, the queue dead-letters the message
    return run;
  }
}

/** Worth another attempt: Notion's 5xx (after the client's own retries), a network failure. */
function isTransient(err: unknown): boolean {
  if (err instanceof UnreachableError) return true;
  if (err instanceof ProviderError) return err.status >= 500 || err.status === 429;
  // Ours and final: a page not shared or in the trash, a read-only refusal, a file too large.
  if (err instanceof TajoError) return false;
  // Anything unexpected (a DynamoDB or S3 hiccup) is retried, then dead-lettered.
  return true;
}

function addToSummary(
  summary: SyncSummary,
  add: Partial<Pick<SyncSummary, 'pagesRead' | 'upserted' | 'unchanged' | 'failed' | 'notionRequests'>> & {
    errors?: { pageId: string; reason: string }[];
    warnings?: string[];
  },
): void {
  summary.pagesRead += add.pagesRead ?? 0;
  summary.upserted += add.upserted ?? 0;
  summary.unchanged += add.unchanged ?? 0;
  summary.failed += add.failed ?? 0;
  summary.notionRequests = (summary.notionRequests ?? 0) + (add.notionRequests ?? 0);
  for (const e of add.errors ?? []) {
    if (summary.errors.length < MAX_ERRORS) summary.errors.push(e);
    else summary.errorsTruncated += 1;
  }
  for (const w of add.warnings ?? []) if (summary.warnings.length < MAX_WARNINGS) summary.warnings.push(w);
}

async function finish(deps: DocumentsLaneDeps, run: RunRecord, rateLimitedBefore: number): Promise<RunRecord> {
  run.summary.rateLimited += (deps.notionStats?.rateLimited ?? 0) - rateLimitedBefore;
  run.status = 'succeeded';
  run.finishedAt = new Date(deps.clock.now()).toISOString();
  run.summary.durationMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  await deps.runs.putRun(run);
  deps.log?.('info', 'Notion documents run finished', {
    tenantId: run.tenantId,
    runId: run.runId,
    pagesRead: run.summary.pagesRead,
    reimported: run.summary.upserted,
    failed: run.summary.failed,
  });
  return run;
}

async function fail(deps: Pick<DocumentsLaneDeps, 'runs' | 'clock'>, run: RunRecord, reason: string): Promise<void> {
  run.status = 'failed';
  run.error = reason;
  run.finishedAt = new Date(deps.clock.now()).toISOString();
  run.summary.durationMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  await deps.runs.putRun(run);
}

// ------------------------------------------------------------------ what the API shows

/** One imported document as the management API lists it (no storage internals beyond its keys). */
export interface DocumentListing {
  pageId: string;
  title: string;
  url: string | null;
  kind: ImportedDocument['kind'];
  createdTime: string | null;
  /** The page's last_edited_time when it was last read. */
  lastEditedTime: string;
  /** Where the page sits in Notion ({type: 'page_id', page_id} ...), and its icon. */
  parent: unknown;
  icon: unknown;
  /** First import. */
  importedAt: string;
  /** When the stored content was last written (the first import, or a re-import of an edit). */
  updatedAt: string;
  /** When a re-sync last compared it with Notion; null until the first re-sync. */
  resyncedAt: string | null;
  documentKey: string;
  files: { blockId?: string; key: string; contentType?: string; size?: number }[];
}

export function documentListing(doc: ImportedDocument): DocumentListing {
  return {
    pageId: doc.pageId,
    title: doc.title,
    url: doc.url ?? null,
    kind: doc.kind,
    createdTime: doc.createdTime ?? null,
    lastEditedTime: doc.lastEditedTime,
    parent: doc.parent ?? null,
    icon: doc.icon ?? null,
    importedAt: doc.firstImportedAt ?? doc.importedAt,
    updatedAt: doc.importedAt,
    resyncedAt: doc.checkedAt ?? null,
    documentKey: doc.documentKey,
    files: doc.files ?? doc.fileKeys.map((key) => ({ key })),
  };
}

/** The documents run as the API shows it: what was asked, its state and its counts. */
export function documentsRunView(run: RunRecord) {
  const checkpoint = run.checkpoint as DocumentsCheckpoint | undefined;
  return {
    importId: run.runId,
    kind: checkpoint?.kind ?? 'resync',
    ...(checkpoint?.kind === 'import' ? { pageId: checkpoint.pageId } : {}),
    status: run.status,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    error: run.error ?? null,
    pagesChecked: run.summary.pagesRead,
    imported: run.summary.upserted,
    unchanged: run.summary.unchanged,
    failed: run.summary.failed,
    errors: run.summary.errors,
    warnings: run.summary.warnings,
    notionRequests: run.summary.notionRequests,
    rateLimited: run.summary.rateLimited,
    durationMs: run.summary.durationMs,
  };
}
