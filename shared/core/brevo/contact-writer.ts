/**
 * The one write path from a source's rows to Brevo contacts (DESIGN §6; brevo.md §1, §3), shared by
 * every source that syncs records into contacts: Notion database rows, Slack members, and next
 * Notion workspace users. A source maps its records to `ContactRow`s; this module decides how and
 * whether each one is written, and remembers what was.
 *
 * - Changed rows only: a fingerprint per row (per tenant, connector and source) skips rows whose
 *   mapped values did not change, and records where each row was written so a removal finds it.
 * - More than `upsertThreshold` changed rows go through `/v3/contacts/import`, followed to
 *   completion but never past the caller's deadline; fewer (or any number when there is no list to
 *   import into: Brevo requires one) are upserted one by one with `POST /v3/contacts` and
 *   `updateEnabled`, and a contact Brevo refuses (400) fails alone, with a row error.
 * - What Brevo did not confirm (rows an import report skipped, which it counts but does not name;
 *   an import still running at the deadline) counts as failed and keeps its old fingerprint, so the
 *   row is written again instead of being lost.
 * - Removed rows leave the list (150 identifiers per call, in the client) or get an attribute set,
 *   and are forgotten. A row that now has another identifier or list leaves the old one.
 *
 * Rows are buffered between flushes so the caller chooses the flush points (its checkpoints):
 * `offer` every mapped row, `keep` every row still in the source that is not written this time,
 * and `flush` when `buffered` is large enough or the caller is about to record its progress.
 */

import { ProviderError } from '../errors';
import { maskPersonal } from '../mapping';
import type { Clock, ConnectorName, CursorStore, Fingerprint, RowError, SyncSummary } from '../ports';
import type { BrevoClient, BrevoProcess, ImportRow } from './client';
import { type ContactRow, contactFingerprint, fieldError, recordErrors, recordRowFailure } from './contact-rows';

export type ProgressEvent =
  /** A database begins; `written` and `unchanged` are the run's totals then (its own start at them). */
  | { type: 'source'; title: string; sourceId: string; written?: number; unchanged?: number }
  | {
      type: 'rows';
      title: string;
      /** Records read by the run so far (all sources). */
      pagesRead: number;
      /** Records read from this source so far (absent: the run has one source). */
      sourceRows?: number;
      /** Contacts written by the run so far. */
      written?: number;
      /** Records found unchanged so far (nothing to write). */
      unchanged?: number;
      /** Records the source holds, when it is knowable (for an ETA). */
      total?: number;
    }
  | { type: 'flush'; title: string; rows: number; via: 'import' | 'upsert' }
  | { type: 'removed'; title: string; count: number };

/** What happens to the contact of a row that leaves the source (DESIGN §6). */
export type RemovalPolicy = 'remove_from_list' | { set_attribute: string; value: string | number | boolean };

/** The counts of a run the writer adds to (a `SyncSummary` or a summary extending it). */
export type WriterTally = Pick<
  SyncSummary,
  'upserted' | 'unchanged' | 'failed' | 'removed' | 'errors' | 'errorsTruncated' | 'warnings' | 'fieldErrors'
>;

/** The tunables of the write path; a source's options extend these. */
export interface ContactWriteOptions {
  /** Up to this many changed rows are written one by one (upsert) instead of by import. */
  upsertThreshold: number;
  /** First poll of an import process, plus 1 ms per 40 rows it carries (then doubling waits). */
  importFirstPollMs: number;
  importTimeoutMs: number;
}

export const DEFAULT_CONTACT_WRITE_OPTIONS: ContactWriteOptions = {
  upsertThreshold: 20,
  importFirstPollMs: 250,
  importTimeoutMs: 10 * 60_000,
};

export interface ContactWriterArgs extends Partial<ContactWriteOptions> {
  tenantId: string;
  connector: ConnectorName;
  /** Where the source's fingerprints are kept (a Notion data source id, `slack-users:<team>`). */
  sourceId: string;
  /** The source as a person names it, in progress events and warnings. */
  title: string;
  brevo: BrevoClient;
  cursors: CursorStore;
  clock: Clock;
  mode: 'full' | 'incremental';
  /** The run's id (ids sort by start time): marks the rows a full run saw. */
  runId: string;
  /** The list the contacts join. Without one every write is an upsert (an import needs a list). */
  listId?: number;
  /** Default: remove from the list. */
  onRemove?: RemovalPolicy;
  /** Epoch ms the import wait never runs past (the invocation's deadline); none by default. */
  deadline?: number;
  /** Says when a row Brevo did not confirm is written again, e.g. "the next run". */
  retriedBy: string;
  summary: WriterTally;
  onProgress?: (e: ProgressEvent) => void;
  /**
   * Called as soon as Brevo answers an import with its process id, before the import is followed:
   * the caller records it, so a run killed from here on reads the process back instead of
   * sending the rows again.
   */
  onImportAccepted?: (processId: number, rows: readonly ContactRow[]) => Promise<void>;
  /** Called after each contact Brevo accepted one by one (the row as offered), for the same reason. */
  onUpserted?: (row: ContactRow) => Promise<void>;
}

/** What one flush did, beyond the counts it added to the tally. */
export interface FlushResult {
  /** Rows Brevo confirmed (created or updated). */
  written: number;
  /** Rows that were sent but not confirmed (skipped by the import, or its wait timed out). */
  unconfirmed: number;
  /** Set when the import was still running at the deadline (its rows are `unconfirmed`). */
  importTimeout?: ProviderError;
}

export class BrevoContactWriter {
  private readonly o: ContactWriterArgs & ContactWriteOptions;
  /** Changed rows waiting for the next flush. */
  private readonly pending = new Map<string, ContactRow>();
  /** Fingerprints to store again with this run as their seenRun (full runs: rows still in the source). */
  private readonly seen = new Map<string, Fingerprint>();
  /** Rows whose values Brevo already holds (echoes of our own writes): stored, not sent. */
  private readonly acknowledged = new Map<string, ContactRow>();
  /** Phones and external ids offered this run, by attribute and value → the row that holds it. */
  private readonly claimed = new Map<string, string>();

  private constructor(
    args: ContactWriterArgs,
    private readonly fps: Map<string, Fingerprint>,
  ) {
    this.o = { ...DEFAULT_CONTACT_WRITE_OPTIONS, ...withoutUndefined(args) };
    // The summary always says how many values were left out, 0 included (the --json contract).
    args.summary.fieldErrors ??= 0;
  }

  /** A writer for one source, with the fingerprints stored for it. */
  static async open(args: ContactWriterArgs): Promise<BrevoContactWriter> {
    const fps = await args.cursors.loadFingerprints(args.tenantId, args.connector, args.sourceId);
    return new BrevoContactWriter(args, fps);
  }

  /** What was last written for a row (undefined when it never was, or was removed). */
  previous(rowId: string): Fingerprint | undefined {
    return this.fps.get(rowId);
  }

  /** Rows gathered for the next flush: changed rows and rows to mark seen. */
  get buffered(): number {
    return this.pending.size + this.seen.size + this.acknowledged.size;
  }

  /** Queues a mapped row for the next flush, or counts it unchanged when its fingerprint matches. */
  offer(row: ContactRow): 'queued' | 'unchanged' {
    this.leaveOutDuplicates(row);
    // Reported on every run until fixed, written or unchanged alike: the value is still left out.
    if (row.fieldErrors?.length) recordErrors(this.o.summary, row.fieldErrors);
    const prev = this.fps.get(row.rowId);
    if (prev && prev.fp === row.fp) {
      this.o.summary.unchanged += 1;
      this.pending.delete(row.rowId);
      this.keep(row.rowId);
      return 'unchanged';
    }
    this.pending.set(row.rowId, row);
    return 'queued';
  }

  /**
   * Brevo keeps a phone (SMS, WHATSAPP, LANDLINE_NUMBER) or an external id on one contact only: an
   * import would drop the second one unnamed (counted, not said which) and an upsert would be
   * refused. So the second row offered this run with the same value leaves it out, with a field
   * error naming the row that holds it. The row is changed in place (attributes, fp, fieldErrors)
   * so it describes what is written, for the caller too. A contact's key identifier is never left
   * out, but it claims its value.
   */
  private leaveOutDuplicates(row: ContactRow): void {
    let attributes: Record<string, unknown> | undefined;
    const left: RowError[] = [];
    for (const a of UNIQUE_ATTRIBUTES) {
      const value = row.attributes[a];
      if (typeof value !== 'string' || value === '') continue;
      const key = `${a}\u0000${value}`;
      const owner = this.claimed.get(key);
      if (owner === undefined || owner === row.rowId) {
        this.claimed.set(key, row.rowId);
        continue;
      }
      if (row.identifierType !== 'email_id' && value === row.identifier) continue;
      attributes ??= { ...row.attributes };
      delete attributes[a];
      const what = a === 'EXT_ID' ? 'external id' : 'number';
      left.push(
        fieldError(
          row.rowId,
          row.sources?.[a] ?? a,
          a,
          `${a}: record ${owner} has the same ${what} ("${maskPersonal(value)}") and Brevo keeps it on one contact only; the contact is written without it`,
        ),
      );
    }
    if (attributes === undefined) return;
    row.attributes = attributes;
    row.fp = contactFingerprint(row.identifier, attributes, this.o.listId);
    row.fieldErrors = [...(row.fieldErrors ?? []), ...left];
  }

  /**
   * A row whose values came from Brevo (the echo of this service's own write, e.g. a Brevo → Notion
   * rule's): its attributes are not sent back. Its fingerprint is stored at the next flush as if it
   * had been written, so an edit back to the old values later is still a change; only a missing list
   * membership is written. A row whose contact changed identifier is written normally instead.
   */
  acknowledge(row: ContactRow): 'queued' | 'unchanged' {
    const prev = this.fps.get(row.rowId);
    if (prev && prev.identifier !== row.identifier) return this.offer(row);
    if (row.fieldErrors?.length) recordErrors(this.o.summary, row.fieldErrors);
    this.o.summary.unchanged += 1;
    this.pending.delete(row.rowId);
    if (prev && prev.fp === row.fp && prev.listId === this.o.listId) this.keep(row.rowId);
    else this.acknowledged.set(row.rowId, row);
    return 'unchanged';
  }

  /**
   * A record still in the source that is not written this time (unchanged, failing to map, skipped):
   * a full run marks it seen so its sweep does not take the contact out of the list.
   */
  keep(rowId: string): void {
    const prev = this.fps.get(rowId);
    if (prev && this.o.mode === 'full') this.seen.set(rowId, { ...prev, seenRun: this.o.runId });
  }

  /** Rows a full run did not see (by no run started since this one): they vanished from the source. */
  vanished(): Fingerprint[] {
    return [...this.fps.values()].filter((f) => !f.seenRun || f.seenRun < this.o.runId);
  }

  /** Writes the queued rows, then stores their fingerprints and the seen marks. */
  async flush(): Promise<FlushResult> {
    const { o } = this;
    const rows = [...this.pending.values()];
    const listIds = o.listId === undefined ? [] : [o.listId];
    const accepted: ContactRow[] = [];
    const rejected: ContactRow[] = [];
    let unconfirmed = 0;
    let importTimeout: ProviderError | undefined;
    if (rows.length > o.upsertThreshold && listIds.length > 0) {
      const outcome = await this.importRows(rows, listIds);
      accepted.push(...rows);
      unconfirmed = outcome.unconfirmed;
      importTimeout = outcome.timeout;
    } else if (rows.length > 0) {
      o.onProgress?.({ type: 'flush', title: o.title, rows: rows.length, via: 'upsert' });
      for (const row of rows) {
        const written = await this.upsertLeavingOut(row, listIds);
        if (written) {
          accepted.push(written);
          await o.onUpserted?.(row);
        } else rejected.push(row);
      }
    }
    // Brevo gives an import's skips as counts, not rows: they are failures, not writes.
    o.summary.upserted += accepted.length - unconfirmed;
    o.summary.failed += unconfirmed;

    // A row whose identifier changed left the source under its old identity: the removal policy
    // applies to that old contact. A row that only moved to another list is still live: it leaves
    // the old list whatever the policy (flagging a live contact as removed would be wrong).
    const renamed: Fingerprint[] = [];
    const relisted: Fingerprint[] = [];
    for (const r of accepted) {
      const prev = this.fps.get(r.rowId);
      if (prev === undefined) continue;
      if (prev.identifier !== r.identifier) renamed.push(prev);
      else if (prev.listId !== undefined && prev.listId !== o.listId) relisted.push(prev);
    }
    if (renamed.length > 0) await this.detach(renamed);
    if (relisted.length > 0) await this.leaveLists(relisted);

    const full = o.mode === 'full';
    const store = new Map(this.seen);
    for (const r of rejected) {
      // Refused this time, still in the source: the old fingerprint stays (so it is written again).
      const prev = this.fps.get(r.rowId);
      if (prev && full) store.set(r.rowId, { ...prev, seenRun: o.runId });
    }
    for (const r of accepted) {
      const prev = this.fps.get(r.rowId);
      if (unconfirmed === 0) {
        store.set(r.rowId, this.writtenFingerprint(r, prev));
      } else if (prev) {
        // Sent but maybe not written: the old fingerprint stays (so the row is written again), but
        // it points where the row was sent, since the old identifier or list was just left.
        const next = { ...prev, identifier: r.identifier, identifierType: r.identifierType, listId: o.listId };
        if (full) store.set(r.rowId, { ...next, seenRun: o.runId });
        else if (next.identifier !== prev.identifier || next.listId !== prev.listId) store.set(r.rowId, next);
      }
    }
    const acknowledged = [...this.acknowledged.values()];
    const notJoined = await this.joinList(acknowledged.filter((r) => this.fps.get(r.rowId)?.listId !== o.listId));
    for (const r of acknowledged) {
      if (notJoined.has(r.rowId)) continue; // no such contact in Brevo: written in full next time
      store.set(r.rowId, this.writtenFingerprint(r, this.fps.get(r.rowId)));
    }
    const all = [...store.values()];
    if (all.length > 0) await o.cursors.putFingerprints(o.tenantId, o.connector, o.sourceId, all);
    for (const f of all) this.fps.set(f.rowId, f);
    this.pending.clear();
    this.seen.clear();
    this.acknowledged.clear();
    return { written: accepted.length - unconfirmed, unconfirmed, importTimeout };
  }

  /**
   * Upserts one contact. When Brevo refuses it (400) naming attributes of the row (a phone another
   * contact holds, a value it does not take), the contact is written again without them, each a
   * field error; a refusal naming none of them fails the row. Returns the row as written (its
   * fingerprint is of what was written, so the left-out values are tried again next run), or
   * undefined when the contact was refused.
   */
  private async upsertLeavingOut(row: ContactRow, listIds: number[]): Promise<ContactRow | undefined> {
    let attempt = row;
    const leftOut: RowError[] = [];
    for (;;) {
      try {
        await this.o.brevo.upsertContact({ ...toImportRow(attempt), listIds });
        recordErrors(this.o.summary, leftOut);
        return attempt;
      } catch (err) {
        if (!(err instanceof ProviderError && err.status === 400)) throw err;
        const said = brevoSaid(err.message);
        // The key identifier (an SMS or EXT_ID naming the contact) is never left out: no contact without it.
        const named = Object.keys(attempt.attributes).filter(
          (a) =>
            namesAttribute(said, a) && !(row.identifierType !== 'email_id' && attempt.attributes[a] === row.identifier),
        );
        if (named.length === 0) {
          // The reason is stored and shown: the contact's email or phone appears masked.
          const reason = err.message.split(row.identifier).join(maskPersonal(row.identifier));
          recordRowFailure(this.o.summary, [{ pageId: row.rowId, reason }, ...leftOut]);
          return undefined;
        }
        const attributes = { ...attempt.attributes };
        for (const a of named) {
          delete attributes[a];
          const reason = `${a}: Brevo refused the value (${err.status} ${err.code}: ${said}); the contact is written without it`;
          leftOut.push(fieldError(row.rowId, row.sources?.[a] ?? a, a, reason));
        }
        attempt = {
          ...attempt,
          attributes,
          fp: contactFingerprint(attempt.identifier, attributes, this.o.listId),
        };
      }
    }
  }

  /** What a row leaves once Brevo holds its values in the source's list. */
  private writtenFingerprint(r: ContactRow, prev: Fingerprint | undefined): Fingerprint {
    return {
      rowId: r.rowId,
      fp: r.fp,
      identifier: r.identifier,
      identifierType: r.identifierType,
      listId: this.o.listId,
      seenRun: this.o.mode === 'full' ? this.o.runId : prev?.seenRun,
    };
  }

  /** Puts acknowledged rows' contacts in the source's list; returns the rows whose contact Brevo lacks. */
  private async joinList(rows: ContactRow[]): Promise<Set<string>> {
    const listId = this.o.listId;
    const missing = new Set<string>();
    if (listId === undefined || rows.length === 0) return missing;
    const emails = rows.filter((r) => r.identifierType === 'email_id');
    const extIds = rows.filter((r) => r.identifierType === 'ext_id');
    const failures = new Set(
      await this.o.brevo.addToList(listId, {
        emails: emails.map((r) => r.identifier),
        extIds: extIds.map((r) => r.identifier),
      }),
    );
    for (const r of [...emails, ...extIds]) if (failures.has(r.identifier)) missing.add(r.rowId);
    for (const r of rows.filter((x) => x.identifierType === 'phone_id')) {
      // The list endpoints take emails, ids or ext ids only: a phone-keyed contact joins by update.
      try {
        await this.o.brevo.updateContact(r.identifier, 'phone_id', { listIds: [listId] });
      } catch (err) {
        if (!(err instanceof ProviderError && err.status === 404)) throw err;
        missing.add(r.rowId);
      }
    }
    return missing;
  }

  /**
   * Takes the contacts of rows that left the source out of the list (or flags them), then forgets them.
   * `counted`: the caller already counted them in the summary (recorded ahead of the removal, so a run
   * killed half-way finishes it on resume without counting it twice).
   */
  async remove(gone: Fingerprint[], { counted = false }: { counted?: boolean } = {}): Promise<void> {
    const { o } = this;
    if (gone.length === 0) return;
    await this.detach(gone);
    await o.cursors.deleteFingerprints(
      o.tenantId,
      o.connector,
      o.sourceId,
      gone.map((g) => g.rowId),
    );
    for (const g of gone) {
      this.fps.delete(g.rowId);
      this.seen.delete(g.rowId);
    }
    if (!counted) o.summary.removed += gone.length;
    o.onProgress?.({ type: 'removed', title: o.title, count: gone.length });
  }

  /** Imports the rows; returns how many Brevo did not confirm. */
  private async importRows(
    rows: ContactRow[],
    listIds: number[],
  ): Promise<{ unconfirmed: number; timeout?: ProviderError }> {
    const { o } = this;
    o.onProgress?.({ type: 'flush', title: o.title, rows: rows.length, via: 'import' });
    const processId = await o.brevo.importContacts({ rows: rows.map(toImportRow), listIds });
    await o.onImportAccepted?.(processId, rows);
    const untilDeadline = (o.deadline ?? Number.POSITIVE_INFINITY) - o.clock.now() - 30_000;
    let proc: BrevoProcess;
    try {
      proc = await o.brevo.waitForProcess(processId, {
        firstPollMs: o.importFirstPollMs + Math.ceil(rows.length / 40),
        // Never past the invocation's deadline: what is not confirmed by then is written again.
        timeoutMs: Math.min(o.importTimeoutMs, Math.max(5_000, untilDeadline)),
      });
    } catch (err) {
      if (!(err instanceof ProviderError && err.code === 'import_timeout')) throw err;
      o.summary.warnings.push(
        `${o.title}: ${err.message}: its ${rows.length} rows are not confirmed; ` +
          `they are counted as failed and written again by ${o.retriedBy}`,
      );
      return { unconfirmed: rows.length, timeout: err };
    }
    const report = proc.info?.import ?? {};
    const skipped = Object.entries(report).filter(([, v]) => typeof v === 'number' && v > 0) as [string, number][];
    if (skipped.length === 0) return { unconfirmed: 0 };
    o.summary.warnings.push(
      `${o.title}: Brevo import ${proc.id} skipped rows (${skipped.map(([k, v]) => `${k}=${v}`).join(', ')}); ` +
        `Brevo does not say which: they are counted as failed and written again by ${o.retriedBy}`,
    );
    return {
      unconfirmed: Math.min(
        rows.length,
        skipped.reduce((n, [, v]) => n + v, 0),
      ),
    };
  }

  /** Applies the removal policy to contacts whose rows left the source. */
  private async detach(gone: Fingerprint[]): Promise<void> {
    const rule = this.o.onRemove ?? 'remove_from_list';
    if (rule === 'remove_from_list') return this.leaveLists(gone);
    for (const g of gone) {
      await ignoreMissing(() =>
        this.o.brevo.updateContact(g.identifier, g.identifierType, {
          attributes: { [rule.set_attribute.toUpperCase()]: rule.value },
        }),
      );
    }
  }

  /** Takes each contact out of the list its fingerprint says it was written to. */
  private async leaveLists(rows: Fingerprint[]): Promise<void> {
    const byList = new Map<number, Fingerprint[]>();
    for (const g of rows) {
      if (g.listId === undefined) continue;
      byList.set(g.listId, [...(byList.get(g.listId) ?? []), g]);
    }
    for (const [listId, members] of byList) {
      const emails = members.filter((r) => r.identifierType === 'email_id').map((r) => r.identifier);
      const extIds = members.filter((r) => r.identifierType === 'ext_id').map((r) => r.identifier);
      await ignoreMissing(() => this.o.brevo.removeFromList(listId, { emails, extIds }));
      for (const r of members.filter((x) => x.identifierType === 'phone_id')) {
        // The list endpoints take emails, ids or ext ids only; a phone-keyed contact is unlinked by update.
        await ignoreMissing(() => this.o.brevo.updateContact(r.identifier, 'phone_id', { unlinkListIds: [listId] }));
      }
    }
  }
}

/** A contact (or list) already gone from Brevo is already out of the list. */
async function ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProviderError && err.status === 404) return;
    throw err;
  }
}

/** Attributes Brevo keeps unique per account (phone identifiers, the external id). */
const UNIQUE_ATTRIBUTES = ['SMS', 'WHATSAPP', 'LANDLINE_NUMBER', 'EXT_ID'] as const;

/** Brevo's own message inside a ProviderError's ("Brevo error on contact … (400 code): message"). */
function brevoSaid(message: string): string {
  const at = message.indexOf('): ');
  return at < 0 ? message : message.slice(at + 3);
}

/**
 * Whether a Brevo message names an attribute (upper case, as a whole word: "SMS is already
 * associated"); the external id is named as Brevo spells it, "ext_id".
 */
function namesAttribute(message: string, attribute: string): boolean {
  const word = (w: string) => new RegExp(`(^|[^A-Za-z0-9_])${w}([^A-Za-z0-9_]|$)`).test(message);
  return word(attribute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) || (attribute === 'EXT_ID' && word('ext_id'));
}

export function toImportRow(row: ContactRow): ImportRow {
  const out: ImportRow = { attributes: { ...row.attributes } };
  if (row.identifierType === 'email_id') out.email = row.identifier;
  if (row.identifierType === 'ext_id') out.ext_id = row.identifier;
  return out;
}

/** Options given as undefined fall back to the defaults instead of erasing them. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
