/**
 * One step of a database run: prepare (Brevo attributes and lists, Notion data sources), then read
 * each source's rows in windows, map them and write them to Brevo, until done or out of time.
 */
import { type ContactRow, recordRowFailure } from '../../../core/brevo/contact-rows';
import { BrevoContactWriter } from '../../../core/brevo/contact-writer';
import { ConfigError, ProviderError } from '../../../core/errors';
import type { Fingerprint } from '../../../core/ports';
import { addSkip } from '../../../core/runs/counts';
import type { NotionPage, SchemaProperty } from '../client';
import type { NotionDatabaseConfig } from '../config-schema';
import { isPublishOnly, mappedProperties } from '../mapping/database-mapping';
import { mayBeTruncated, type NotionPropertyValue } from '../mapping/values';
import { publishProperties } from '../publish/rule';
import { advanceWindow, freshRows, initialWindow, type WindowState, windowQuery } from '../windows';
import { databaseCacheKey, importedRowHash, type SourceState, UNCONFIRMED_FP } from './checkpoint';
import { defaultMapping, describeDefaultMapping } from './default-mapping';
import { buildPlan, type MappingPlan, mapRow, valueFromItems } from './mapping-plan';
import { changeKind, isPageChange, pageEventIssues, type SyncedPageChange } from './page-changes';
import { StepCheckpoints } from './step-checkpoints';
import { joinTargetList } from './target-list';
import { rememberUnconfigured } from './unconfigured-databases';

export class SyncStep extends StepCheckpoints {
  async execute(): Promise<void> {
    if (this.cp.pendingImport) await this.settleImport(this.cp.pendingImport);
    if (this.cp.phase === 'prepare') {
      await this.prepare();
      this.cp.phase = 'sources';
      await this.checkpoint();
    }
    while (this.cp.phase === 'sources' && this.cp.sourceIndex < this.cp.sources.length) {
      const src = this.cp.sources[this.cp.sourceIndex] as SourceState;
      this.ctx.onProgress?.({
        type: 'source',
        title: src.title,
        sourceId: src.sourceId,
        written: this.summary.upserted,
        unchanged: this.summary.unchanged,
      });
      const finished = await this.syncSource(src);
      if (!finished) return; // out of time: the checkpoint holds the position
      this.cp.sourceIndex += 1;
      await this.checkpoint();
    }
    if (this.ctx.targetList !== undefined) {
      await joinTargetList(this.ctx, this.cp.sources, this.ctx.targetList, this.summary);
    }
    this.cp.phase = 'done';
    this.run.status = 'succeeded';
    this.run.finishedAt = new Date(this.ctx.clock.now()).toISOString();
    this.run.checkpoint = undefined;
    this.run.progress = undefined;
    await this.checkpoint();
  }

  private get mode() {
    return this.run.mode;
  }

  /** The run id full-run marks carry (the first run of a resumed chain). */
  private get seenRunId(): string {
    return this.cp.seenRunId ?? this.run.runId;
  }

  private timeLeft(): boolean {
    return this.ctx.clock.now() < this.deadline - this.o.stepReserveMs;
  }

  // ---------------------------------------------------------------- prepare

  private async prepare(): Promise<void> {
    const { settings } = this.ctx;
    if (settings.sync.pages) {
      this.summary.events = 0;
      this.summary.warnings.push(...pageEventIssues(settings));
    }
    if (!settings.sync.databases) {
      this.summary.warnings.push('sync.databases is off: no database was read');
      this.cp.sources = [];
      return;
    }
    // Brevo (attributes, lists) and Notion (data sources, schemas) are prepared side by side: they
    // are different providers, and the Notion lane should start reading as soon as it can.
    const [listIds, databases] = await Promise.all([
      (async () => {
        const read = await this.ctx.brevo.readAttributes();
        this.cp.attributes = read.attributes;
        this.cp.unsupportedAttributes = read.unsupported;
        // A scoped run's target list is looked up with them: a list Brevo lacks fails it before any write.
        const target = this.ctx.targetList;
        return this.resolveLists([...settings.databases, ...(target === undefined ? [] : [{ sync_to_list: target }])]);
      })(),
      Promise.all(settings.databases.map((db) => this.resolveDatabase(db))),
    ]);
    const sources: SourceState[] = [];
    for (const [dbIndex, db] of settings.databases.entries()) {
      const resolved = databases[dbIndex] as Awaited<ReturnType<SyncStep['resolveDatabase']>>;
      const contacts = !isPublishOnly(db);
      for (const s of resolved.sources) {
        // Validates the mapping against this source's schema now, before anything is written; what
        // it leaves out (a property or attribute this version cannot handle) is said once, here.
        if (contacts) {
          const plan = this.plan({ dbIndex, title: s.title, schema: s.schema });
          this.summary.warnings.push(...plan.warnings);
          if (this.ctx.defaultMapping) this.summary.warnings.push(describeDefaultMapping(s.title, plan));
        }
        const cursor = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', s.id);
        const lower =
          this.mode === 'incremental' && cursor?.highWater
            ? new Date(Date.parse(cursor.highWater) - this.o.overlapMs).toISOString()
            : undefined;
        sources.push({
          dbIndex,
          databaseId: db.id,
          sourceId: s.id,
          title: s.title,
          listId: listIds[dbIndex],
          schema: s.schema,
          window: initialWindow(lower),
          rowsDone: false,
          // Trashing a page does not change its last_edited_time, so the trash is read whole
          // (it is small: Notion empties it after 30 days); only rows we wrote matter.
          trash: this.mode === 'incremental' && contacts ? initialWindow() : undefined,
          trashDone: this.mode !== 'incremental' || !contacts,
          sweepDone: this.mode !== 'full' || !contacts,
          ...(contacts && cursor?.highWater ? { changesSince: cursor.highWater } : {}),
          ...(contacts ? {} : { contacts: false }),
        });
      }
    }
    this.cp.sources = sources;
    this.cp.sourceIndex = 0;
    if (this.ctx.defaultMapping) {
      const now = new Date(this.ctx.clock.now()).toISOString();
      for (const db of settings.databases) {
        await rememberUnconfigured(
          { cursors: this.ctx.cursors, tenantId: this.ctx.tenantId, now },
          db.id,
          this.ctx.targetList,
        );
      }
    }
  }

  private plan(src: Pick<SourceState, 'dbIndex' | 'title' | 'schema'>): MappingPlan {
    return buildPlan({
      databaseIndex: src.dbIndex,
      database: this.ctx.settings.databases[src.dbIndex] as NotionDatabaseConfig,
      connectorMapping: this.ctx.settings.field_mapping,
      title: src.title,
      schema: src.schema,
      attributes: this.cp.attributes,
      unsupported: this.cp.unsupportedAttributes,
      defaultCountryCode: this.ctx.settings.default_country_code,
      ...(this.ctx.defaultMapping ? { defaults: defaultMapping(src.schema, this.cp.attributes) } : {}),
    });
  }

  /**
   * Database → data sources and their schemas. Cached on the database's cursor record; an
   * incremental run reuses a fresh cache (so it costs no Notion request) unless the mapping names
   * a property the cached schema lacks.
   */
  private async resolveDatabase(
    db: NotionDatabaseConfig,
  ): Promise<{ sources: { id: string; title: string; schema: Record<string, SchemaProperty> }[] }> {
    const key = databaseCacheKey(db.id);
    const cached = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', key);
    const meta = cached?.meta as
      | {
          apiVersion: string;
          resolvedAt: number;
          sources: { id: string; title: string; schema: Record<string, SchemaProperty> }[];
        }
      | undefined;
    const wanted = [...mappedProperties(this.ctx.settings, db), ...publishProperties(db)];
    const fresh =
      meta &&
      this.mode === 'incremental' &&
      meta.apiVersion === this.ctx.notion.apiVersion &&
      this.ctx.clock.now() - meta.resolvedAt < this.o.schemaMaxAgeMs &&
      meta.sources.every((s) => wanted.every((p) => p in s.schema));
    if (fresh && meta) return meta;
    const resolved = await this.ctx.notion.resolveDatabase(db.id);
    const sources = [];
    for (const s of resolved.sources) {
      const title = resolved.sources.length > 1 ? `${resolved.title} / ${s.name}` : (db.name ?? resolved.title);
      sources.push({ id: s.id, title, schema: await this.ctx.notion.getSchema(s.id) });
    }
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      sourceId: key,
      meta: { apiVersion: this.ctx.notion.apiVersion, resolvedAt: this.ctx.clock.now(), sources },
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
    return { sources };
  }

  /** sync_to_list → list ids; names are looked up (cached) and created when missing. */
  private async resolveLists(dbs: Pick<NotionDatabaseConfig, 'sync_to_list'>[]): Promise<(number | undefined)[]> {
    const byName = dbs.map((d) => d.sync_to_list).filter((l): l is string => typeof l === 'string');
    const byId = dbs.map((d) => d.sync_to_list).filter((l): l is number => typeof l === 'number');
    if (byName.length === 0 && byId.length === 0) return dbs.map(() => undefined);
    const cache = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', 'brevo-lists');
    const known = new Map<string, number>(Object.entries((cache?.meta as Record<string, number> | undefined) ?? {}));
    const missing = [
      ...byName.filter((n) => !known.has(n.toLowerCase())),
      ...byId.map(String).filter((id) => !known.has(id)),
    ];
    if (missing.length > 0) {
      const lists = await this.ctx.brevo.listLists();
      const ids = new Set(lists.map((l) => l.id));
      for (const id of byId) {
        if (!ids.has(id)) {
          // A configuration mistake (the sync's targetList or a sync_to_list): resuming cannot mend it.
          throw new ConfigError([
            {
              path: '',
              message: `Brevo has no list with id ${id} (${id === this.ctx.targetList ? 'targetList' : 'sync_to_list'}): ${listsLine(lists)}`,
            },
          ]);
        }
        known.set(String(id), id);
      }
      for (const name of byName) {
        if (known.has(name.toLowerCase())) continue;
        known.set(name.toLowerCase(), await this.ctx.brevo.ensureList(name, lists));
      }
      await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
        sourceId: 'brevo-lists',
        meta: Object.fromEntries(known),
        updatedAt: new Date(this.ctx.clock.now()).toISOString(),
      });
    }
    return dbs.map((d) => (d.sync_to_list === undefined ? undefined : known.get(String(d.sync_to_list).toLowerCase())));
  }

  // ---------------------------------------------------------------- one source

  /** Returns true when the source is finished. */
  private async syncSource(src: SourceState): Promise<boolean> {
    if (src.contacts === false) {
      if (!src.rowsDone) {
        if (!(await this.readRowsOnly(src))) return false;
        src.rowsDone = true;
        await this.checkpoint();
      }
      return true;
    }
    const plan = this.plan(src);
    const writer = await this.writer(src);
    if (!src.rowsDone) {
      const finished = await this.readRows(src, plan, writer);
      if (!finished) return false;
      src.rowsDone = true;
      src.applied = undefined;
      await this.checkpoint();
    }
    if (!src.trashDone && src.trash) {
      const finished = await this.readTrash(src, writer);
      if (!finished) return false;
      src.trashDone = true;
      await this.checkpoint();
    }
    if (!src.sweepDone) {
      // Full run: every row still in the source was seen; the others vanished. The writer holds
      // what was stored before this step plus what this step wrote; a row seen by this run or a
      // later one (a run started meanwhile on the same lane) is alive.
      const vanished = writer.vanished();
      if (!src.sweepCounted && vanished.length > 0) {
        // Counted ahead (see trashRemoval): a process killed mid-removal leaves the rest to its
        // resume, which finds the rows not yet forgotten and removes them without counting again.
        // Not read by this run (they are no longer returned): removed, outside pagesRead.
        this.summary.vanished = (this.summary.vanished ?? 0) + vanished.length;
        this.summary.removed += vanished.length;
        src.sweepCounted = true;
        await this.checkpoint();
      }
      await writer.remove(vanished, { counted: true });
      src.sweepDone = true;
    }
    return true;
  }

  /** The Brevo writer for one source; its fingerprints are keyed by the data source. */
  private async writer(src: SourceState): Promise<BrevoContactWriter> {
    const writer: BrevoContactWriter = await BrevoContactWriter.open({
      upsertThreshold: this.o.upsertThreshold,
      importFirstPollMs: this.o.importFirstPollMs,
      importTimeoutMs: this.o.importTimeoutMs,
      tenantId: this.ctx.tenantId,
      connector: 'notion',
      sourceId: src.sourceId,
      title: src.title,
      brevo: this.ctx.brevo,
      cursors: this.ctx.cursors,
      clock: this.ctx.clock,
      mode: this.mode,
      runId: this.seenRunId,
      listId: src.listId,
      onRemove: (this.ctx.settings.databases[src.dbIndex] as NotionDatabaseConfig).on_remove,
      deadline: this.deadline,
      // An incremental run reads only edited rows: an unconfirmed row is rewritten by a full sync.
      retriedBy: 'the next full sync',
      summary: this.summary,
      onProgress: this.ctx.onProgress,
      onImportAccepted: (processId, rows) => this.recordImport(src, writer, processId, rows),
      onUpserted: (row) => this.recordUpsert(src, writer, row),
    });
    return writer;
  }

  private async readRows(src: SourceState, plan: MappingPlan, writer: BrevoContactWriter): Promise<boolean> {
    let maxEdited: string | undefined;
    let window = src.window;
    let pages = 0;
    const since = this.ctx.onPageChanges ? src.changesSince : undefined;
    const isOwnWrite = this.ctx.ownWrites ? await this.ctx.ownWrites(src.databaseId) : undefined;
    let changes: SyncedPageChange[] = [];
    // Rows a dead run's import put in Brevo (read back on resume): recorded as written, not sent.
    const applied = await this.appliedRows(src);
    // Rows new to the sync sent in the coming flush: should it fail, they may be in Brevo all the same.
    const sentNew = new Map<string, ContactRow>();
    // After the flush, so an event's contact holds the row's values when the event arrives.
    const reportChanges = async () => {
      if (changes.length > 0) await this.ctx.onPageChanges?.(changes, src, this.summary);
      changes = [];
    };
    while (!window.done) {
      // At least one page per step, so a step started late still moves the run forward.
      if (pages++ > 0 && !this.timeLeft()) break;
      const page = await this.queryWithResume(src.sourceId, window, false);
      // A row Notion sent unreadable is still in Notion: a full run's sweep must not remove it.
      // It was read (and failed, in queryWithResume): it counts in pagesRead like any row.
      for (const r of page.rejected ?? []) if (r.id) writer.keep(r.id);
      this.summary.pagesRead += page.rejected?.length ?? 0;
      const fresh = freshRows(window, page.pages);
      await this.ctx.onRowsRead?.(src, fresh, this.summary);
      src.rowsRead = (src.rowsRead ?? 0) + fresh.length + (page.rejected?.length ?? 0);
      for (const p of fresh) {
        this.summary.pagesRead += 1;
        if (!maxEdited || p.last_edited_time > maxEdited) maxEdited = p.last_edited_time;
        const properties = await this.completeProperties(p, plan);
        const res = mapRow(p.id, properties, plan, src.listId);
        const previous = writer.previous(p.id);
        if (!res.ok) {
          recordRowFailure(this.summary, res.errors);
          // Still in Notion: a full run's sweep must not take it out of the list.
          writer.keep(p.id);
          // Still a change of the page: its event goes to the contact it was last written as.
          if (since !== undefined && isPageChange(p, since, false)) {
            changes.push({ page: p, kind: changeKind(p, since, previous), identifier: previous });
          }
          continue;
        }
        // The echo of a rule's own write: Brevo is where the values came from (not sent back).
        const ownWrite = isOwnWrite?.(p) === true;
        const wasApplied = !ownWrite && applied.delete(importedRowHash(res.row.rowId, res.row.fp));
        let outcome: 'queued' | 'unchanged';
        if (wasApplied) {
          // Brevo holds these values (the dead run's import): stored as written, counted written.
          writer.acknowledge(res.row);
          this.summary.unchanged -= 1;
          this.summary.upserted += 1;
          outcome = 'queued';
        } else outcome = ownWrite ? writer.acknowledge(res.row) : writer.offer(res.row);
        if (outcome === 'queued' && !wasApplied && previous === undefined) sentNew.set(res.row.rowId, res.row);
        // Any new edit is a change, mapped or not; a rule's own write is not the user's change.
        if (since !== undefined && !ownWrite && isPageChange(p, since, outcome === 'queued')) {
          changes.push({ page: p, kind: changeKind(p, since, previous), identifier: res.row });
        }
      }
      window = advanceWindow(window, page);
      await this.rowsProgress(src);
      if (writer.buffered >= this.o.flushRows || window.done || !this.timeLeft()) {
        await this.flush(writer, src, sentNew);
        await reportChanges();
        src.window = window;
        if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
        await this.checkpoint();
      }
    }
    if (writer.buffered > 0 || changes.length > 0) {
      await this.flush(writer, src, sentNew);
      await reportChanges();
      src.window = window;
      if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
      await this.checkpoint();
    }
    return window.done;
  }

  /**
   * A publish-only source: the rows go to onRowsRead and the cursor advances; nothing is mapped,
   * written or removed in Brevo contacts. Checkpoints after every page of rows.
   */
  private async readRowsOnly(src: SourceState): Promise<boolean> {
    let window = src.window;
    let pages = 0;
    while (!window.done) {
      if (pages++ > 0 && !this.timeLeft()) break;
      const page = await this.queryWithResume(src.sourceId, window, false);
      const fresh = freshRows(window, page.pages);
      await this.ctx.onRowsRead?.(src, fresh, this.summary);
      // Read, and not contacts by design: skipped with the reason, so the counts add up.
      const readable = fresh.length + (page.rejected?.length ?? 0);
      this.summary.pagesRead += readable;
      src.rowsRead = (src.rowsRead ?? 0) + readable;
      addSkip(this.summary, `publish-only database "${src.title}"`, fresh.length);
      window = advanceWindow(window, page);
      src.window = window;
      await this.rowsProgress(src);
      const maxEdited = fresh.reduce<string | undefined>(
        (m, p) => (m === undefined || p.last_edited_time > m ? p.last_edited_time : m),
        undefined,
      );
      if (maxEdited) await this.advanceCursor(src.sourceId, maxEdited);
      await this.checkpoint();
    }
    return window.done;
  }

  /**
   * Writes the rows read since the last checkpoint. An import still running at the deadline fails
   * the step instead: the cursor must not pass rows Brevo has not accepted, and the step's retry
   * reads them again from the checkpoint.
   *
   * A flush that fails after sending (Brevo applied the import, then its process poll failed), or
   * whose import Brevo did not confirm, may have put new rows' contacts in the list with nothing
   * recorded: the next run would not know them, and a row trashed meanwhile would stay in the
   * list. Their fingerprints are stored as "sent, unconfirmed" (an fp no mapped row matches): the
   * next run that reads them writes them again, and a removal finds them. On a failure the cursor
   * and the checkpoint stay where they were, so the next run reads those rows again.
   */
  private async flush(writer: BrevoContactWriter, src: SourceState, sentNew: Map<string, ContactRow>): Promise<void> {
    let res: Awaited<ReturnType<BrevoContactWriter['flush']>>;
    try {
      res = await writer.flush();
    } catch (err) {
      // The flush's own error is the one to report.
      await this.markUnconfirmed(writer, src, sentNew).catch(() => undefined);
      throw err;
    }
    if (res.unconfirmed > 0) await this.markUnconfirmed(writer, src, sentNew);
    // The writer stored what Brevo confirmed: the next checkpoint records the import's outcome.
    this.importSettled();
    sentNew.clear();
    if (res.importTimeout) throw res.importTimeout;
  }

  private async markUnconfirmed(writer: BrevoContactWriter, src: SourceState, sentNew: Map<string, ContactRow>) {
    const marks = [...sentNew.values()]
      .filter((r) => writer.previous(r.rowId) === undefined)
      .map(
        (r): Fingerprint => ({
          rowId: r.rowId,
          fp: UNCONFIRMED_FP,
          identifier: r.identifier,
          identifierType: r.identifierType,
          listId: src.listId,
          ...(this.mode === 'full' ? { seenRun: this.seenRunId } : {}),
        }),
      );
    if (marks.length > 0) await this.ctx.cursors.putFingerprints(this.ctx.tenantId, 'notion', src.sourceId, marks);
  }

  private async readTrash(src: SourceState, writer: BrevoContactWriter): Promise<boolean> {
    // A removal the previous process recorded (and counted) but may not have finished.
    if (src.trashRemoval) {
      await writer.remove(src.trashRemoval.gone, { counted: true });
      src.trash = src.trashRemoval.next;
      src.trashRemoval = undefined;
      await this.checkpoint();
    }
    let window = src.trash as WindowState;
    let pages = 0;
    while (!window.done) {
      if (pages++ > 0 && !this.timeLeft()) return false;
      const page = await this.queryWithResume(src.sourceId, window, true);
      const trashed = freshRows(window, page.pages).filter((p) => writer.previous(p.id) !== undefined);
      const gone = trashed.map((p) => writer.previous(p.id) as Fingerprint);
      // Read in the trash and removed (or failed, when unreadable): in pagesRead, so the sum holds.
      // Trashed rows the sync never wrote concern nobody: they are not counted.
      this.summary.pagesRead += trashed.length + (page.rejected?.length ?? 0);
      // Only rows the sync wrote leave the list, and only they are reported (once: then forgotten).
      const deleted = trashed.map(
        (p): SyncedPageChange => ({ page: p, kind: 'deleted', identifier: writer.previous(p.id) }),
      );
      const next = advanceWindow(window, page);
      if (gone.length > 0) {
        // Written ahead: the count and what is left to remove reach the run record together.
        this.summary.removed += gone.length;
        src.trashRemoval = { gone, next };
        await this.checkpoint();
        await writer.remove(gone, { counted: true });
        src.trashRemoval = undefined;
      }
      if (this.ctx.onPageChanges && src.changesSince !== undefined && deleted.length > 0) {
        await this.ctx.onPageChanges(deleted, src, this.summary);
      }
      window = next;
      src.trash = window;
      await this.checkpoint();
    }
    return true;
  }

  /** A stored query cursor may have expired between invocations: restart that query then. */
  private async queryWithResume(sourceId: string, window: WindowState, inTrash: boolean) {
    const page = await this.queryOnce(sourceId, window, inTrash);
    // Rows the client could not read (a field a row needs is missing): one failure each, with why.
    for (const r of page.rejected ?? []) {
      recordRowFailure(this.summary, [{ pageId: r.id ?? '(no id)', reason: r.reason }]);
    }
    return page;
  }

  private async queryOnce(sourceId: string, window: WindowState, inTrash: boolean) {
    try {
      return await this.ctx.notion.query(sourceId, windowQuery(window, inTrash));
    } catch (err) {
      if (window.startCursor && err instanceof ProviderError && err.code === 'validation_error') {
        window.startCursor = undefined;
        return this.ctx.notion.query(sourceId, windowQuery(window, inTrash));
      }
      throw err;
    }
  }

  /** Reads in full the mapped values that a page object cuts at 25 references. */
  private async completeProperties(page: NotionPage, plan: MappingPlan): Promise<Record<string, NotionPropertyValue>> {
    let props = page.properties as Record<string, NotionPropertyValue>;
    for (const field of plan.fields) {
      const value = props[field.property];
      if (!value || !mayBeTruncated(value)) continue;
      const items = await this.ctx.notion.getFullPropertyItems(page.id, value.id);
      props = { ...props, [field.property]: valueFromItems(value, items) };
    }
    return props;
  }

  private async advanceCursor(sourceId: string, highWater: string): Promise<void> {
    const current = await this.ctx.cursors.getCursor(this.ctx.tenantId, 'notion', sourceId);
    if (current?.highWater && current.highWater >= highWater) return;
    await this.ctx.cursors.putCursor(this.ctx.tenantId, 'notion', {
      ...current,
      sourceId,
      highWater,
      updatedAt: new Date(this.ctx.clock.now()).toISOString(),
    });
  }
}

/** The lists a person can choose from instead (the first ten), and where to see them all. */
export function listsLine(lists: { id: number; name: string }[]): string {
  const where = 'Brevo shows them under Contacts → Lists (GET /v3/contacts/lists)';
  if (lists.length === 0) return `the account has no list yet: create one (${where})`;
  const first = [...lists]
    .sort((a, b) => a.id - b.id)
    .slice(0, 10)
    .map((l) => `${l.id} (${l.name})`);
  const more = lists.length > 10 ? `, and ${lists.length - 10} more` : '';
  return `it has ${first.join(', ')}${more}; ${where}`;
}
