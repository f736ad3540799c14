/** Brevo simulator, contacts endpoints: attribute typing with silent drops, conflicts, create/update/delete, list membership. */

import type { SimRequest, SimResponse } from '../../http-kit';
import { BrevoGateway } from '../gateway';
import type { CommitExtra, PlanContext, WritePlan } from '../internal-types';
import {
  checkValue,
  err,
  type IgnoredAttributeValue,
  isPhoneKey,
  isPlainObject,
  isPositiveInt,
  isValidEmail,
  normalizePhone,
  PHONE_KEYS,
  type PhoneKey,
  type SimContact,
} from '../model';
import { body, optBool, optIntArray } from '../params';
import type { SimProcess } from '../types';

/** `POST /v3/contacts/lists/{id}/contacts/add|remove` entries per call. */
export const MAX_LIST_MEMBERS_PER_CALL = 150;

export abstract class ContactsApi extends BrevoGateway {
  /**
   * A change made in Brevo's UI (not through the API): its contact webhook says api_key_name "".
   * Same validation as `PUT /v3/contacts/{email}` (throws ApiError).
   */
  editContact(email: string, attributes: Record<string, unknown>): SimContact {
    const c = this.getContact(email);
    if (!c) throw err(404, 'document_not_found', 'Contact does not exist');
    const plan = this.planAttributes(attributes, {
      mode: 'single',
      source: 'update',
      who: email,
      allowEmailAttr: true,
      emptyClears: true,
      fromCsv: false,
    });
    this.resolveConflicts(plan, c.id, 'single');
    return this.commit(c, plan, {});
  }

  /** Seed a contact directly, with the same validation as `POST /v3/contacts` (throws ApiError). */
  addContact(input: {
    email?: string;
    ext_id?: string;
    attributes?: Record<string, unknown>;
    listIds?: number[];
    emailBlacklisted?: boolean;
    smsBlacklisted?: boolean;
  }): SimContact {
    const res = this.createContact(input as Record<string, unknown>, false);
    const id = (res.body as { id: number }).id;
    return this.contactMap.get(id) as SimContact;
  }

  // -------------------------------------------------------------------------------------------
  // Contact writes

  protected recordIgnored(ctx: PlanContext, attribute: string, value: unknown, reason: string): void {
    const rec: IgnoredAttributeValue = { email: ctx.who, attribute, value, reason, source: ctx.source };
    if (ctx.processId !== undefined) rec.processId = ctx.processId;
    this.ignoredAttributeValues.push(rec);
    ctx.onSkip?.();
  }

  /** Turn an `attributes` object into a plan; single writes throw ApiError(400) where Brevo does. */
  protected planAttributes(attrs: Record<string, unknown>, ctx: PlanContext): WritePlan {
    const plan: WritePlan = { phones: new Map(), set: new Map(), clear: new Set() };
    for (const [key, raw] of Object.entries(attrs)) {
      if (raw === undefined) continue;
      const empty = raw === null || raw === '';
      if (key === 'EMAIL') {
        if (!ctx.allowEmailAttr) {
          this.recordIgnored(ctx, key, raw, 'EMAIL attribute ignored here (use the email field)');
        } else if (!isValidEmail(raw)) {
          if (ctx.mode === 'single') throw err(400, 'invalid_parameter', 'Invalid email address');
          this.recordIgnored(ctx, key, raw, 'invalid email address');
        } else plan.email = raw.toLowerCase();
        continue;
      }
      if (key === 'EXT_ID') {
        if (empty) {
          if (ctx.emptyClears) plan.extId = null;
        } else if (typeof raw === 'string') plan.extId = raw;
        else this.recordIgnored(ctx, key, raw, 'type mismatch: expected text');
        continue;
      }
      if (isPhoneKey(key)) {
        if (empty) {
          if (ctx.emptyClears) plan.phones.set(key, null);
          continue;
        }
        if (normalizePhone(raw) === undefined) {
          if (ctx.mode === 'single') throw err(400, 'invalid_parameter', 'Invalid phone number');
          this.recordIgnored(ctx, key, raw, 'invalid phone number');
          continue;
        }
        plan.phones.set(key, (raw as string).trim());
        continue;
      }
      const def = this.attributes.get(key);
      if (!def) {
        this.recordIgnored(ctx, key, raw, 'unknown attribute');
        continue;
      }
      const check = checkValue(def, raw, ctx.fromCsv);
      switch (check.kind) {
        case 'set':
          plan.set.set(key, check.value);
          break;
        case 'clear':
          if (ctx.emptyClears) plan.clear.add(key);
          break;
        case 'ignore':
          this.recordIgnored(ctx, key, raw, check.reason);
          break;
        case 'reject':
          if (ctx.mode === 'single') throw err(400, 'invalid_parameter', check.message);
          this.recordIgnored(ctx, key, raw, check.reason);
          break;
      }
    }
    return plan;
  }

  /**
   * Identifiers already used by another contact. Single writes: 400 duplicate_parameter. Imports: the
   * value is dropped and `onDuplicate` counts it.
   */
  protected resolveConflicts(
    plan: WritePlan,
    selfId: number | undefined,
    mode: 'single' | 'import',
    onDuplicate?: (identifier: 'email' | 'ext_id' | PhoneKey) => void,
  ): void {
    const dup = (identifier: 'email' | 'ext_id' | PhoneKey, label: string): void => {
      if (mode === 'single') {
        throw err(
          400,
          'duplicate_parameter',
          `Unable to update contact, ${label} is already associated with another Contact`,
          { duplicate_identifiers: [label] },
        );
      }
      onDuplicate?.(identifier);
    };
    if (plan.email !== undefined) {
      const owner = this.byEmail.get(plan.email);
      if (owner !== undefined && owner !== selfId) {
        dup('email', 'email');
        plan.email = undefined;
      }
    }
    if (typeof plan.extId === 'string') {
      const owner = this.byExtId.get(plan.extId);
      if (owner !== undefined && owner !== selfId) {
        dup('ext_id', 'ext_id');
        plan.extId = undefined;
      }
    }
    for (const [key, value] of plan.phones) {
      if (value === null) continue;
      const owner = this.byPhone[key].get(normalizePhone(value) as string);
      if (owner !== undefined && owner !== selfId) {
        dup(key, key);
        plan.phones.delete(key);
      }
    }
  }

  protected commit(existing: SimContact | undefined, plan: WritePlan, extra: CommitExtra): SimContact {
    const before = existing ? { attributes: { ...existing.attributes }, lists: new Set(existing.listIds) } : undefined;
    const c = this.applyPlan(existing, plan, extra);
    if (c.email !== undefined) {
      // Brevo has no "contact created" webhook (brevo.md §8): a new contact only reports list additions.
      const content: Record<string, unknown> = {};
      if (before) {
        for (const key of new Set([...Object.keys(before.attributes), ...Object.keys(c.attributes)])) {
          const was = JSON.stringify(before.attributes[key] ?? null);
          if (was !== JSON.stringify(c.attributes[key] ?? null)) content[key] = c.attributes[key] ?? null;
        }
      }
      const addedLists = [...c.listIds].filter((id) => !before?.lists.has(id));
      this.contactHooks.changed({ email: c.email, contactId: c.id, content, addedLists, apiKeyName: this.writer });
    }
    return c;
  }

  protected applyPlan(existing: SimContact | undefined, plan: WritePlan, extra: CommitExtra): SimContact {
    const now = this.iso();
    let c = existing;
    if (!c) {
      c = {
        id: this.nextContactId++,
        emailBlacklisted: false,
        smsBlacklisted: false,
        attributes: {},
        listIds: new Set(),
        createdAt: now,
        modifiedAt: now,
      };
      this.contactMap.set(c.id, c);
    }
    if (plan.email !== undefined && plan.email !== c.email) {
      if (c.email !== undefined) this.byEmail.delete(c.email);
      c.email = plan.email;
      this.byEmail.set(plan.email, c.id);
    }
    if (plan.extId !== undefined && plan.extId !== c.ext_id) {
      if (c.ext_id !== undefined) this.byExtId.delete(c.ext_id);
      if (plan.extId === null) delete c.ext_id;
      else {
        c.ext_id = plan.extId;
        this.byExtId.set(plan.extId, c.id);
      }
    }
    for (const [key, value] of plan.phones) {
      const old = c.attributes[key];
      if (typeof old === 'string') {
        const d = normalizePhone(old);
        if (d !== undefined && this.byPhone[key].get(d) === c.id) this.byPhone[key].delete(d);
      }
      if (value === null) delete c.attributes[key];
      else {
        c.attributes[key] = value;
        this.byPhone[key].set(normalizePhone(value) as string, c.id);
      }
    }
    for (const [key, value] of plan.set) c.attributes[key] = value;
    for (const key of plan.clear) delete c.attributes[key];
    for (const id of extra.listIds ?? []) {
      c.listIds.add(id);
      this.members.get(id)?.add(c.id);
    }
    for (const id of extra.unlinkListIds ?? []) {
      c.listIds.delete(id);
      this.members.get(id)?.delete(c.id);
    }
    if (extra.emailBlacklisted !== undefined) c.emailBlacklisted = extra.emailBlacklisted;
    if (extra.smsBlacklisted !== undefined) c.smsBlacklisted = extra.smsBlacklisted;
    c.modifiedAt = now;
    return c;
  }

  protected deleteContact(c: SimContact): void {
    if (c.email !== undefined) this.byEmail.delete(c.email);
    if (c.ext_id !== undefined) this.byExtId.delete(c.ext_id);
    for (const key of PHONE_KEYS) {
      const d = normalizePhone(c.attributes[key]);
      if (d !== undefined && this.byPhone[key].get(d) === c.id) this.byPhone[key].delete(d);
    }
    for (const id of c.listIds) this.members.get(id)?.delete(c.id);
    this.contactMap.delete(c.id);
  }

  /** `POST /v3/contacts` (also the control API's addContact, which never updates). */
  protected createContact(b: Record<string, unknown>, allowUpdate: boolean): SimResponse {
    let email: string | undefined;
    if (b.email !== undefined && b.email !== null) {
      if (!isValidEmail(b.email)) throw err(400, 'invalid_parameter', 'Invalid email address');
      email = b.email.toLowerCase();
    }
    if (b.attributes !== undefined && !isPlainObject(b.attributes)) {
      throw err(400, 'invalid_parameter', 'attributes must be an object');
    }
    const attrs = (b.attributes ?? {}) as Record<string, unknown>;
    let extId: string | undefined;
    const rawExt = b.ext_id ?? attrs.EXT_ID;
    if (rawExt !== undefined && rawExt !== null) {
      if (typeof rawExt !== 'string' || rawExt === '') throw err(400, 'invalid_parameter', 'ext_id must be a string');
      extId = rawExt;
    }
    const sms = attrs.SMS;
    const hasSms = sms !== undefined && sms !== null && sms !== '';
    if (email === undefined && extId === undefined && !hasSms) {
      throw err(400, 'missing_parameter', 'email is missing (required unless ext_id or attributes.SMS is given)');
    }
    const listIds = this.requireLists(optIntArray(b.listIds, 'listIds'), 'listIds');
    const updateEnabled = optBool(b, 'updateEnabled') ?? false;
    const emailBlacklisted = optBool(b, 'emailBlacklisted');
    const smsBlacklisted = optBool(b, 'smsBlacklisted');

    let existing: SimContact | undefined;
    let matched = '';
    if (email !== undefined) {
      existing = this.findByEmail(email);
      matched = 'email';
    }
    if (!existing && email === undefined && extId !== undefined) {
      existing = this.findByExtId(extId);
      matched = 'ext_id';
    }
    if (!existing && email === undefined && extId === undefined && hasSms) {
      existing = this.findByPhone('SMS', sms);
      matched = 'SMS';
    }
    if (existing && !(updateEnabled && allowUpdate)) {
      throw err(400, 'duplicate_parameter', 'Contact already exist', { duplicate_identifiers: [matched] });
    }
    const who = email ?? extId ?? String(sms);
    const plan = this.planAttributes(attrs, {
      mode: 'single',
      source: existing ? 'update' : 'create',
      who,
      allowEmailAttr: false,
      emptyClears: existing !== undefined,
      fromCsv: false,
    });
    if (email !== undefined) plan.email = email;
    if (extId !== undefined) plan.extId = extId;
    this.resolveConflicts(plan, existing?.id, 'single');
    const extra: CommitExtra = { listIds };
    if (emailBlacklisted !== undefined) extra.emailBlacklisted = emailBlacklisted;
    if (smsBlacklisted !== undefined) extra.smsBlacklisted = smsBlacklisted;
    const c = this.commit(existing, plan, extra);
    return existing ? { status: 204 } : { status: 201, body: { id: c.id } };
  }

  protected updateContact(req: SimRequest): SimResponse {
    const c = this.resolveContact(req, false);
    const b = body(req);
    if (b.attributes !== undefined && !isPlainObject(b.attributes)) {
      throw err(400, 'invalid_parameter', 'attributes must be an object');
    }
    const listIds = this.requireLists(optIntArray(b.listIds, 'listIds'), 'listIds');
    const unlinkListIds = this.requireLists(optIntArray(b.unlinkListIds, 'unlinkListIds'), 'unlinkListIds');
    const emailBlacklisted = optBool(b, 'emailBlacklisted');
    const smsBlacklisted = optBool(b, 'smsBlacklisted');
    const plan = this.planAttributes((b.attributes ?? {}) as Record<string, unknown>, {
      mode: 'single',
      source: 'update',
      who: c.email ?? c.ext_id ?? String(c.id),
      allowEmailAttr: true,
      emptyClears: true,
      fromCsv: false,
    });
    if (b.ext_id !== undefined) {
      if (b.ext_id === null || b.ext_id === '') plan.extId = null;
      else if (typeof b.ext_id === 'string') plan.extId = b.ext_id;
      else throw err(400, 'invalid_parameter', 'ext_id must be a string');
    }
    this.resolveConflicts(plan, c.id, 'single');
    const extra: CommitExtra = { listIds, unlinkListIds };
    if (emailBlacklisted !== undefined) extra.emailBlacklisted = emailBlacklisted;
    if (smsBlacklisted !== undefined) extra.smsBlacklisted = smsBlacklisted;
    this.commit(c, plan, extra);
    return { status: 204 };
  }

  // -------------------------------------------------------------------------------------------
  // List membership

  protected changeMembership(req: SimRequest, op: 'add' | 'remove'): SimResponse {
    const list = this.listOr404(req);
    const b = body(req);
    const members = this.members.get(list.id) as Set<number>;
    if (op === 'remove' && b.all !== undefined) {
      if (b.all !== true) throw err(400, 'invalid_parameter', 'all must be true');
      if (b.emails !== undefined || b.ids !== undefined || b.extIds !== undefined) {
        throw err(400, 'invalid_parameter', 'Pass exactly one of emails, ids, extIds or all');
      }
      const total = members.size;
      for (const cid of members) this.contactMap.get(cid)?.listIds.delete(list.id);
      members.clear();
      const now = this.clock.now();
      const p: SimProcess = {
        id: this.nextProcessId++,
        name: 'LIST_REMOVE_ALL',
        status: 'completed',
        createdAt: now,
        dueAt: now,
        completedAt: now,
      };
      this.processMap.set(p.id, p);
      return { status: 201, body: { contacts: { processId: p.id, total } } };
    }
    const given = (['emails', 'ids', 'extIds'] as const).filter((k) => b[k] !== undefined);
    if (given.length !== 1) {
      throw err(
        400,
        'invalid_parameter',
        `Pass exactly one of emails, ids or extIds${op === 'remove' ? ' (or all: true)' : ''}`,
      );
    }
    const kind = given[0] as 'emails' | 'ids' | 'extIds';
    const values = b[kind];
    if (!Array.isArray(values) || values.length === 0) {
      throw err(400, 'invalid_parameter', `${kind} must be a non-empty array`);
    }
    if (values.length > MAX_LIST_MEMBERS_PER_CALL) {
      throw err(
        400,
        'out_of_range',
        `A maximum of ${MAX_LIST_MEMBERS_PER_CALL} contacts can be ${op === 'add' ? 'added' : 'removed'} per request; use /v3/contacts/import for bulk`,
      );
    }
    const success: unknown[] = [];
    const failure: unknown[] = [];
    for (const v of values) {
      let c: SimContact | undefined;
      if (kind === 'emails') c = typeof v === 'string' ? this.findByEmail(v) : undefined;
      else if (kind === 'ids') c = isPositiveInt(v) ? this.contactMap.get(v) : undefined;
      else c = typeof v === 'string' ? this.findByExtId(v) : undefined;
      if (!c || (op === 'remove' && !members.has(c.id))) {
        failure.push(v);
        continue;
      }
      if (op === 'add') {
        members.add(c.id);
        c.listIds.add(list.id);
      } else {
        members.delete(c.id);
        c.listIds.delete(list.id);
      }
      c.modifiedAt = this.iso();
      success.push(v);
    }
    return { status: 201, body: { contacts: { success, failure } } };
  }
}
