/** Brevo simulator, imports: async contact imports (JSON or CSV) processed later on the clock, processes, notifyUrl. */

import { isLoopbackUrl, type SimRequest, type SimResponse } from '../../http-kit';
import type { ImportRow, PendingImport } from '../internal-types';
import {
  err,
  type IgnoredAttributeValue,
  isPlainObject,
  isPositiveInt,
  isValidEmail,
  normalizePhone,
  type PhoneKey,
  parseCsv,
} from '../model';
import { body, optBool, optIntArray } from '../params';
import type { ImportCounts, ImportReport, SimNotification, SimProcess } from '../types';
import { ContactsApi } from './contacts';

/** jsonBody / fileBody limit (brevo.md §1: "at most 10 MB"); measured on the raw request, decimal MB. */
export const MAX_IMPORT_BYTES = 10_000_000;

export abstract class ImportsApi extends ContactsApi {
  // -------------------------------------------------------------------------------------------
  // Import

  protected startImport(req: SimRequest): SimResponse {
    if (req.rawBody.length > MAX_IMPORT_BYTES) {
      throw err(
        400,
        'out_of_range',
        `Request body of ${req.rawBody.length} bytes exceeds the 10MB limit for jsonBody/fileBody; split the import`,
      );
    }
    const b = body(req);
    const sources = (['jsonBody', 'fileBody', 'fileUrl'] as const).filter((k) => b[k] !== undefined);
    if (sources.length !== 1) {
      throw err(400, 'invalid_parameter', 'Exactly one of jsonBody, fileBody or fileUrl is required');
    }
    if (sources[0] === 'fileUrl') {
      throw err(400, 'invalid_parameter', 'fileUrl is not reachable from the simulator; send jsonBody or fileBody');
    }
    let rows: ImportRow[];
    const fromCsv = sources[0] === 'fileBody';
    if (fromCsv) rows = this.csvRows(b.fileBody);
    else {
      const json = b.jsonBody;
      if (!Array.isArray(json) || json.length === 0) {
        throw err(400, 'invalid_parameter', 'jsonBody must be a non-empty array');
      }
      rows = json.map((item, i) => {
        if (!isPlainObject(item)) throw err(400, 'invalid_parameter', `jsonBody[${i}] must be an object`);
        if (item.attributes !== undefined && !isPlainObject(item.attributes)) {
          throw err(400, 'invalid_parameter', `jsonBody[${i}].attributes must be an object`);
        }
        const attributes = (item.attributes ?? {}) as Record<string, unknown>;
        return { email: item.email ?? attributes.EMAIL, extId: item.ext_id ?? attributes.EXT_ID, attributes };
      });
    }
    const listIds = this.requireLists(optIntArray(b.listIds, 'listIds'), 'listIds');
    let newListSpec: { listName: string; folderId?: number } | undefined;
    if (b.newList !== undefined) {
      const nl = b.newList;
      if (!isPlainObject(nl) || typeof nl.listName !== 'string' || nl.listName.trim() === '') {
        throw err(400, 'invalid_parameter', 'newList.listName is required');
      }
      if (nl.folderId !== undefined && (!isPositiveInt(nl.folderId) || !this.folderMap.has(nl.folderId))) {
        throw err(400, 'invalid_parameter', 'newList.folderId does not exist');
      }
      newListSpec = { listName: nl.listName };
      if (nl.folderId !== undefined) newListSpec.folderId = nl.folderId as number;
    }
    if (listIds.length === 0 && !newListSpec) {
      throw err(400, 'missing_parameter', 'listIds is mandatory when newList is not given');
    }
    const updateExisting = optBool(b, 'updateExistingContacts') ?? true;
    const emptyAttrs = optBool(b, 'emptyContactsAttributes') ?? false;
    const emailBlacklist = optBool(b, 'emailBlacklist') ?? false;
    const smsBlacklist = optBool(b, 'smsBlacklist') ?? false;
    optBool(b, 'disableNotification');
    let notifyUrl: string | undefined;
    if (b.notifyUrl !== undefined) {
      if (typeof b.notifyUrl !== 'string' || !URL.canParse(b.notifyUrl)) {
        throw err(400, 'invalid_parameter', 'notifyUrl must be a URL');
      }
      notifyUrl = b.notifyUrl;
    }
    const destination = [...listIds];
    if (newListSpec) {
      const spec: { name: string; folderId?: number } = { name: newListSpec.listName };
      if (newListSpec.folderId !== undefined) spec.folderId = newListSpec.folderId;
      destination.push(this.addList(spec).id);
    }
    const now = this.clock.now();
    const process: SimProcess = {
      id: this.nextProcessId++,
      name: 'IMPORTUSER',
      status: 'queued',
      createdAt: now,
      dueAt: now + this.importProcessingMs,
    };
    if (notifyUrl !== undefined) process.notifyUrl = notifyUrl;
    this.processMap.set(process.id, process);
    this.pending.push({
      apiKeyName: this.writer,
      process,
      rows,
      fromCsv,
      listIds: destination,
      updateExisting,
      emptyClears: updateExisting && emptyAttrs,
      emailBlacklist,
      smsBlacklist,
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.settle();
    }, this.importProcessingMs + 1);
    timer.unref();
    this.timers.add(timer);
    return { status: 202, body: { processId: process.id } };
  }

  protected csvRows(fileBody: unknown): ImportRow[] {
    if (typeof fileBody !== 'string' || fileBody.trim() === '') {
      throw err(400, 'invalid_parameter', 'fileBody must be a non-empty CSV string');
    }
    const [header, ...data] = parseCsv(fileBody);
    const cols = (header ?? []).map((h) => h.trim().toUpperCase());
    if (!cols.some((c) => c === 'EMAIL' || c === 'EXT_ID' || c === 'SMS')) {
      throw err(400, 'invalid_parameter', 'fileBody header must contain an EMAIL, SMS or EXT_ID column');
    }
    return data.map((cells) => {
      const attributes: Record<string, unknown> = {};
      let email: unknown;
      let extId: unknown;
      cols.forEach((col, i) => {
        const cell = cells[i];
        if (cell === undefined) return;
        if (col === 'EMAIL') email = cell.trim();
        else if (col === 'EXT_ID') extId = cell.trim();
        else if (col !== '') attributes[col] = cell;
      });
      return { email, extId, attributes };
    });
  }

  protected applyImport(job: PendingImport): void {
    const writer = this.writer;
    this.writer = job.apiKeyName;
    try {
      this.applyImportRows(job);
    } finally {
      this.writer = writer;
    }
  }

  protected applyImportRows(job: PendingImport): void {
    const p = job.process;
    const counts: ImportCounts = {
      invalid_emails: 0,
      duplicate_contact_id: 0,
      duplicate_ext_id: 0,
      duplicate_email_id: 0,
      duplicate_phone_id: 0,
      duplicate_whatsapp_id: 0,
      duplicate_landline_number_id: 0,
    };
    const report: ImportReport = {
      rows: job.rows.length,
      created: 0,
      updated: 0,
      untouched: 0,
      skippedValues: 0,
      skippedRows: 0,
    };
    const dupCounter: Record<'email' | 'ext_id' | PhoneKey, keyof ImportCounts> = {
      email: 'duplicate_email_id',
      ext_id: 'duplicate_ext_id',
      SMS: 'duplicate_phone_id',
      WHATSAPP: 'duplicate_whatsapp_id',
      LANDLINE_NUMBER: 'duplicate_landline_number_id',
    };
    const seenEmail = new Set<string>();
    const seenExt = new Set<string>();
    const onSkip = () => {
      report.skippedValues += 1;
    };
    const blacklist: { emailBlacklisted?: boolean; smsBlacklisted?: boolean } = {};
    if (job.emailBlacklist) blacklist.emailBlacklisted = true;
    if (job.smsBlacklist) blacklist.smsBlacklisted = true;

    for (const row of job.rows) {
      const emailPresent = row.email !== undefined && row.email !== null && row.email !== '';
      if (emailPresent && !isValidEmail(row.email)) {
        counts.invalid_emails += 1;
        report.skippedRows += 1;
        continue;
      }
      const email = emailPresent ? (row.email as string).toLowerCase() : undefined;
      const extId = typeof row.extId === 'string' && row.extId !== '' ? row.extId : undefined;
      if (extId === undefined && row.extId !== undefined && row.extId !== null && row.extId !== '') {
        const rec: IgnoredAttributeValue = {
          email: email ?? String(row.attributes.SMS),
          attribute: 'EXT_ID',
          value: row.extId,
          reason: 'type mismatch: expected text',
          source: 'import',
          processId: p.id,
        };
        this.ignoredAttributeValues.push(rec);
        report.skippedValues += 1;
      }
      const smsContact = this.findByPhone('SMS', row.attributes.SMS);
      const hasSms = normalizePhone(row.attributes.SMS) !== undefined;
      if (email === undefined && extId === undefined && !hasSms) {
        counts.invalid_emails += 1;
        report.skippedRows += 1;
        continue;
      }
      if (email !== undefined && seenEmail.has(email)) {
        counts.duplicate_email_id += 1;
        report.skippedRows += 1;
        continue;
      }
      if (email === undefined && extId !== undefined && seenExt.has(extId)) {
        counts.duplicate_ext_id += 1;
        report.skippedRows += 1;
        continue;
      }
      const byEmail = email !== undefined ? this.findByEmail(email) : undefined;
      const byExt = extId !== undefined ? this.findByExtId(extId) : undefined;
      if (byEmail && byExt && byEmail !== byExt) {
        counts.duplicate_contact_id += 1;
        report.skippedRows += 1;
        continue;
      }
      const target = byEmail ?? byExt ?? (email === undefined && extId === undefined ? smsContact : undefined);
      if (email !== undefined) seenEmail.add(email);
      if (extId !== undefined) seenExt.add(extId);
      const who = email ?? extId ?? String(row.attributes.SMS);
      if (target && !job.updateExisting) {
        const missing = job.listIds.filter((id) => !target.listIds.has(id));
        if (missing.length > 0)
          this.commit(target, { phones: new Map(), set: new Map(), clear: new Set() }, { listIds: missing });
        report.untouched += 1;
        continue;
      }
      const attrs = { ...row.attributes };
      delete attrs.EMAIL;
      delete attrs.EXT_ID;
      const plan = this.planAttributes(attrs, {
        mode: 'import',
        source: 'import',
        who,
        allowEmailAttr: false,
        emptyClears: target !== undefined && job.emptyClears,
        fromCsv: job.fromCsv,
        processId: p.id,
        onSkip,
      });
      if (email !== undefined) plan.email = email;
      if (extId !== undefined) plan.extId = extId;
      this.resolveConflicts(plan, target?.id, 'import', (identifier) => {
        counts[dupCounter[identifier]] += 1;
      });
      this.commit(target, plan, { listIds: job.listIds, ...blacklist });
      if (target) report.updated += 1;
      else report.created += 1;
    }
    p.status = 'completed';
    p.completedAt = Math.max(this.clock.now(), p.dueAt);
    p.counts = counts;
    p.report = report;
    if (p.notifyUrl !== undefined) this.notify(p);
  }

  protected notify(p: SimProcess): void {
    const url = p.notifyUrl as string;
    const payload = {
      processId: p.id,
      status: 'completed',
      name: p.name,
      completed_at: this.iso(p.completedAt),
      info: { import: { ...p.counts } },
    };
    const record: SimNotification = { url, payload };
    this.notifications.push(record);
    if (!isLoopbackUrl(url)) {
      record.delivered = false;
      record.error = 'skipped: the simulator only calls 127.0.0.1 URLs';
      return;
    }
    const delivery = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(5000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        record.status = res.status;
        record.delivered = res.ok;
      })
      .catch((e: unknown) => {
        record.delivered = false;
        record.error = (e as Error).message;
      })
      .finally(() => {
        this.inFlight.delete(delivery);
      });
    this.inFlight.add(delivery);
  }
}
