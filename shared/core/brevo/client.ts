/**
 * Brevo API v3: the account, attributes, lists and folders, contacts and their imports, email
 * campaigns and marketing figures; events (one, or in batches) are BrevoEvents' (events.ts), which
 * this extends. Requests go through BrevoTransport (transport.ts: the shared rate limits of limits.ts). Bulk writes go through /v3/contacts/import; /v3/contacts/batch is
 * deprecated (2026-10-30) and never called.
 */
import { z } from 'zod';
import { ProviderError, RateLimitedError, UnreachableError } from '../errors';
import { issueSummary, maybe, readAnswer } from '../http/answer';
import { type CallStats, newStats } from '../http/paced-fetch';
import { createOnce } from '../http/retry-policy';
import { integrationKey } from '../integration-key';
import type { BrevoAttribute } from '../mapping/types';
import {
  BREVO_CAMPAIGNS_PAGE,
  BREVO_CONTACTS_PAGE,
  type BrevoCampaignRef,
  type BrevoSender,
  type CampaignFigures,
  campaignRefSchema,
  campaignsPageSchema,
  contactsPageSchema,
  type NewEmailCampaign,
  senderSchema,
} from './campaigns';
import { BrevoEvents } from './events';
import { sharedBrevoLimits } from './limits';
import type { BrevoClientOptions } from './transport';

export type { BrevoEvent } from './events';

/** Brevo caps list add/remove at 150 identifiers per call. */
export const BREVO_LIST_CHUNK = 150;

const ATTRIBUTE_CATEGORIES = ['normal', 'transactional', 'category', 'calculated', 'global'] as const;
const ATTRIBUTE_TYPES = ['text', 'date', 'float', 'boolean', 'id', 'category', 'multiple-choice', 'user'] as const;
/**
 * `GET /v3/contacts/attributes` items (brevo.md §2). Category and type are read as strings: a value
 * Brevo adds later makes that one attribute unsupported (reported), never the whole list unreadable.
 */
const attributeSchema = z.looseObject({
  name: z.string(),
  category: z.string(),
  type: maybe(z.string()),
  enumeration: maybe(z.array(z.looseObject({ value: z.number(), label: z.string() }))),
  multiCategoryOptions: maybe(z.array(z.string())),
});
const listSchema = z.looseObject({ id: z.number(), name: z.string(), folderId: maybe(z.number()) });
/**
 * `GET /v3/processes/{id}` (brevo.md §1, SDK v4 GetProcessResponse): every field but the status is
 * optional there and several are null while the process runs (`error`, `completed_at`,
 * `export_url`, `info`). The status is a string: values other than completed / failed / cancelled
 * (queued, processing, in_process, or one Brevo adds) mean "not finished yet".
 */
const processSchema = z.looseObject({
  id: maybe(z.number()),
  name: maybe(z.string()),
  status: z.string(),
  info: maybe(z.looseObject({ import: maybe(z.record(z.string(), z.unknown())) })),
  error: maybe(z.string()),
  created_at: maybe(z.string()),
  completed_at: maybe(z.string()),
  export_url: maybe(z.string()),
});
export type BrevoProcess = z.output<typeof processSchema>;

/** An attribute of the account this version cannot write (a category or type Brevo added later). */
export interface UnsupportedAttribute {
  name: string;
  reason: string;
}

/**
 * Why a mapping to this attribute writes nothing, for the warning of the plan that names it: the
 * attribute exists in Brevo (so "create it" would mislead), but this version cannot write it.
 */
export function unsupportedAttributeMessage(u: UnsupportedAttribute): string {
  return `Brevo attribute ${u.name} is of a kind this version cannot write (${u.reason})`;
}

export interface ImportRow {
  email?: string;
  ext_id?: string;
  attributes: Record<string, unknown>;
}

/**
 * A client for the Brevo account of `apiKey`: it shares the account's rate limits with every other
 * client of that account in the process (one budget per account, whoever calls).
 */
export function brevoClientFor(
  opts: Omit<BrevoClientOptions, 'limits' | 'stats'> & { stats?: CallStats },
): BrevoClient {
  return new BrevoClient({
    ...opts,
    stats: opts.stats ?? newStats(),
    limits: sharedBrevoLimits(integrationKey('brevo', opts.apiKey), opts.clock),
  });
}

export class BrevoClient extends BrevoEvents {
  async getAccount(): Promise<{ email?: string; companyName?: string }> {
    const res = await this.request('GET', '/v3/account', 'account check');
    return readAnswer(
      'brevo',
      'the account check',
      z.looseObject({ email: maybe(z.string()), companyName: maybe(z.string()) }),
      res ?? {},
    );
  }

  async getAttributes(): Promise<BrevoAttribute[]> {
    return (await this.readAttributes()).attributes;
  }

  /**
   * The account's attributes, and apart those this version cannot write: an attribute whose
   * category or type is not one brevo.md §2 documents, or whose item is malformed, is left out of
   * `attributes` (a mapping to it then fails at validation) and named in `unsupported` with why.
   */
  async readAttributes(): Promise<{ attributes: BrevoAttribute[]; unsupported: UnsupportedAttribute[] }> {
    const res = await this.request('GET', '/v3/contacts/attributes', 'attributes');
    const page = readAnswer(
      'brevo',
      'the attribute list',
      z.looseObject({ attributes: maybe(z.array(z.unknown())) }),
      res ?? {},
    );
    const attributes: BrevoAttribute[] = [];
    const unsupported: UnsupportedAttribute[] = [];
    for (const [i, item] of (page.attributes ?? []).entries()) {
      const a = attributeSchema.safeParse(item);
      if (!a.success) {
        const name = z.looseObject({ name: z.string() }).safeParse(item);
        unsupported.push({ name: name.success ? name.data.name : `#${i}`, reason: issueSummary(a.error) });
        continue;
      }
      const { category, type } = a.data;
      if (!isOneOf(ATTRIBUTE_CATEGORIES, category)) {
        unsupported.push({ name: a.data.name, reason: `unsupported attribute category "${category}"` });
        continue;
      }
      if (type !== undefined && !isOneOf(ATTRIBUTE_TYPES, type)) {
        unsupported.push({ name: a.data.name, reason: `unsupported attribute type "${type}"` });
        continue;
      }
      attributes.push({
        name: a.data.name,
        category,
        ...(type !== undefined ? { type } : {}),
        ...(a.data.enumeration
          ? { enumeration: a.data.enumeration.map((e) => ({ value: e.value, label: e.label })) }
          : {}),
        ...(a.data.multiCategoryOptions ? { multiCategoryOptions: a.data.multiCategoryOptions } : {}),
      });
    }
    return { attributes, unsupported };
  }

  async listLists(): Promise<{ id: number; name: string; folderId?: number }[]> {
    const out: { id: number; name: string; folderId?: number }[] = [];
    for (let offset = 0; ; offset += 50) {
      const res = await this.request('GET', `/v3/contacts/lists?limit=50&offset=${offset}`, 'lists');
      const page = readAnswer(
        'brevo',
        'the contact lists',
        z.looseObject({ lists: maybe(z.array(listSchema)), count: maybe(z.number()) }),
        res ?? {},
      );
      out.push(...(page.lists ?? []));
      if (!page.lists || page.lists.length < 50) return out;
    }
  }

  async listFolders(): Promise<{ id: number; name: string }[]> {
    const res = await this.request('GET', '/v3/contacts/folders?limit=50&offset=0', 'folders');
    const page = readAnswer(
      'brevo',
      'the contact folders',
      z.looseObject({ folders: maybe(z.array(z.looseObject({ id: z.number(), name: z.string() }))) }),
      res ?? {},
    );
    return page.folders ?? [];
  }

  /** Creates a folder; a lost answer is resolved by reading the folders back (createOnce). */
  async createFolder(name: string): Promise<number> {
    return this.createOnce(
      async () => {
        const res = await this.request('POST', '/v3/contacts/folders', 'folder creation', { name });
        return readAnswer('brevo', 'the folder creation', idSchema, res).id;
      },
      async () => (await this.listFolders()).find((f) => f.name === name)?.id,
    );
  }

  /** The id of the list with this name (any case), created in the "Tajo" folder when missing. */
  async ensureList(name: string, known?: { id: number; name: string }[]): Promise<number> {
    const lists = known ?? (await this.listLists());
    const found = lists.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (found) return found.id;
    const folders = await this.listFolders();
    const folder = folders.find((f) => f.name === 'Tajo') ?? folders[0];
    return this.createList(name, folder ? folder.id : await this.createFolder('Tajo'));
  }

  /** Creates a list; a lost answer is resolved by reading the lists back (createOnce). */
  async createList(name: string, folderId: number): Promise<number> {
    return this.createOnce(
      async () => {
        const res = await this.request('POST', '/v3/contacts/lists', `list "${name}" creation`, { name, folderId });
        return readAnswer('brevo', `the creation of list "${name}"`, idSchema, res).id;
      },
      async () => (await this.listLists()).find((l) => l.name.toLowerCase() === name.toLowerCase())?.id,
    );
  }

  /**
   * A creation Brevo has no idempotency key for (folders, lists, campaigns): a lost answer is
   * resolved by reading back (retry-policy.ts createOnce), never by creating blindly again.
   */
  private createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
    return createOnce({ clock: this.opts.clock, create, find, isLost: isAnswerLost });
  }

  /** Starts an asynchronous import; returns the process id to follow. */
  async importContacts(args: {
    rows: ImportRow[];
    listIds: number[];
    emptyContactsAttributes?: boolean;
  }): Promise<number> {
    const res = await this.request('POST', '/v3/contacts/import', 'contact import', {
      jsonBody: args.rows,
      listIds: args.listIds,
      updateExistingContacts: true,
      emptyContactsAttributes: args.emptyContactsAttributes ?? false,
      disableNotification: true,
    });
    return readAnswer('brevo', 'the contact import', z.looseObject({ processId: z.number() }), res).processId;
  }

  async getProcess(id: number): Promise<BrevoProcess> {
    return readAnswer(
      'brevo',
      `process ${id}`,
      processSchema,
      await this.request('GET', `/v3/processes/${id}`, `process ${id}`),
    );
  }

  /**
   * Follows a process to completion. Polls draw on the 100/hour budget, so they back off
   * exponentially from `firstPollMs` (a 10,000-row import costs a handful of polls).
   */
  async waitForProcess(id: number, opts: { firstPollMs: number; timeoutMs: number }): Promise<BrevoProcess> {
    const deadline = this.opts.clock.now() + opts.timeoutMs;
    let wait = opts.firstPollMs;
    for (;;) {
      await this.opts.clock.sleep(wait);
      const p = await this.getProcess(id);
      if (p.status === 'completed') return p;
      if (p.status === 'failed' || p.status === 'cancelled') {
        throw new ProviderError(
          'brevo',
          200,
          'import_failed',
          `Brevo import ${id} ${p.status}: ${p.error ?? 'no reason given'}`,
        );
      }
      if (this.opts.clock.now() + wait * 2 > deadline) {
        throw new ProviderError(
          'brevo',
          200,
          'import_timeout',
          `Brevo import ${id} still ${p.status} after ${Math.round(opts.timeoutMs / 1000)} s`,
        );
      }
      wait = Math.min(wait * 2, 60_000);
    }
  }

  /**
   * `GET /v3/contacts/{email}`: the contact's attributes (rules read the ones an event did not
   * carry). Undefined when Brevo has no such contact (404).
   */
  async getContact(email: string): Promise<{ email?: string; attributes: Record<string, unknown> } | undefined> {
    const res = await this.raw('GET', `/v3/contacts/${encodeURIComponent(email)}?identifierType=email_id`);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw await this.error(res, `contact ${email}`);
    const parsed = readAnswer(
      'brevo',
      `contact ${email}`,
      z.looseObject({ email: maybe(z.string()), attributes: maybe(z.record(z.string(), z.unknown())) }),
      await this.json(res, `contact ${email}`),
    );
    return { email: parsed.email, attributes: parsed.attributes ?? {} };
  }

  /** Create or update one contact (`updateEnabled`); small writes go here instead of an import. */
  async upsertContact(row: ImportRow & { listIds?: number[] }): Promise<'created' | 'updated'> {
    const body: Record<string, unknown> = { attributes: row.attributes, updateEnabled: true };
    if (row.email) body.email = row.email;
    if (row.ext_id) body.ext_id = row.ext_id;
    if (row.listIds?.length) body.listIds = row.listIds;
    const res = await this.raw('POST', '/v3/contacts', body);
    if (res.status === 201) return 'created';
    if (res.status === 204) return 'updated';
    throw await this.error(res, `contact ${row.email ?? row.ext_id ?? ''}`);
  }

  /** Removes contacts from a list, 150 per call; returns the identifiers Brevo did not find. */
  async removeFromList(listId: number, ids: { emails?: string[]; extIds?: string[] }): Promise<string[]> {
    return this.listMembership('remove', listId, ids);
  }

  async addToList(listId: number, ids: { emails?: string[]; extIds?: string[] }): Promise<string[]> {
    return this.listMembership('add', listId, ids);
  }

  async updateContact(
    identifier: string,
    identifierType: string,
    body: { attributes?: Record<string, unknown>; listIds?: number[]; unlinkListIds?: number[] },
  ): Promise<void> {
    const path = `/v3/contacts/${encodeURIComponent(identifier)}?identifierType=${identifierType}`;
    const res = await this.raw('PUT', path, body);
    if (res.status !== 204 && res.status !== 200) throw await this.error(res, `contact ${identifier}`);
    await res.body?.cancel();
  }

  private async listMembership(
    op: 'add' | 'remove',
    listId: number,
    ids: { emails?: string[]; extIds?: string[] },
  ): Promise<string[]> {
    const failures: string[] = [];
    for (const [key, values] of [
      ['emails', ids.emails ?? []],
      ['extIds', ids.extIds ?? []],
    ] as const) {
      for (let i = 0; i < values.length; i += BREVO_LIST_CHUNK) {
        const chunk = values.slice(i, i + BREVO_LIST_CHUNK);
        let res: unknown;
        try {
          res = await this.request('POST', `/v3/contacts/lists/${listId}/contacts/${op}`, `list ${listId}`, {
            [key]: chunk,
          });
        } catch (err) {
          // A repeat (our retry of a change whose answer was lost) finds the change made: Brevo
          // answers 400 "Contact already in list / already removed from list and/or does not
          // exist" when no contact of the chunk changed. Added: they are in. Removed: they are out.
          if (
            !(err instanceof ProviderError && err.status === 400 && /already (in|removed from) list/i.test(err.message))
          )
            throw err;
          if (op === 'remove') failures.push(...chunk);
          continue;
        }
        const parsed = z
          .looseObject({ contacts: maybe(z.looseObject({ failure: maybe(z.array(z.unknown())) })) })
          .safeParse(res ?? {});
        if (parsed.success) failures.push(...(parsed.data.contacts?.failure ?? []).map(String));
      }
    }
    return failures;
  }

  // ------------------------------------------------------------------ email campaigns (publishing)

  /** `GET /v3/senders`: the account's senders and whether each is active (verified). */
  async listSenders(): Promise<BrevoSender[]> {
    const res = await this.request('GET', '/v3/senders', 'senders');
    return (
      readAnswer('brevo', 'the senders', z.looseObject({ senders: maybe(z.array(senderSchema)) }), res ?? {}).senders ??
      []
    );
  }

  /**
   * `POST /v3/emailCampaigns` (brevo.md §5): a classic campaign to lists, a draft unless
   * `scheduledAt` is given (then Brevo sends it at that time). Returns the campaign id. The POST
   * itself is never repeated blindly: when its answer is lost (a 5xx, a reset, a stall) the campaign
   * may exist, so the account's latest campaigns are read back for its name (which ends with the
   * page version's marker, publish/rule.ts campaignMarker) and it is created again only when absent.
   */
  async createEmailCampaign(campaign: NewEmailCampaign): Promise<number> {
    return this.createOnce(
      () => this.postEmailCampaign(campaign),
      async () => (await this.findRecentCampaign(campaign.name))?.id,
    );
  }

  private async postEmailCampaign(campaign: NewEmailCampaign): Promise<number> {
    const body: Record<string, unknown> = {
      name: campaign.name,
      subject: campaign.subject,
      sender: campaign.sender,
      htmlContent: campaign.htmlContent,
      recipients: { listIds: campaign.listIds },
    };
    if (campaign.scheduledAt) body.scheduledAt = campaign.scheduledAt;
    if (campaign.replyTo) body.replyTo = campaign.replyTo;
    if (campaign.previewText) body.previewText = campaign.previewText;
    const res = await this.request('POST', '/v3/emailCampaigns', `campaign "${campaign.name}" creation`, body);
    return readAnswer('brevo', `the creation of campaign "${campaign.name}"`, idSchema, res).id;
  }

  /** `POST /v3/emailCampaigns/{id}/sendNow`: 204 when Brevo took it (400 could not be sent, 404 unknown). */
  async sendCampaignNow(id: number): Promise<void> {
    await this.send('POST', `/v3/emailCampaigns/${id}/sendNow`, `campaign ${id} send`);
  }

  async getEmailCampaign(id: number): Promise<BrevoCampaignRef> {
    const res = await this.request('GET', `/v3/emailCampaigns/${id}`, `campaign ${id}`);
    return readAnswer('brevo', `campaign ${id}`, campaignRefSchema, res);
  }

  /**
   * The newest campaign named `name` among the account's latest 100 (one call): finds a campaign
   * whose creation answer was lost. Brevo has no name filter; the `tag` field is plan-gated (405).
   */
  /** The most recent campaigns' one whose name is `name`, or ends with it (a marker). */
  async findRecentCampaign(name: string): Promise<BrevoCampaignRef | undefined> {
    const q = new URLSearchParams({
      limit: String(BREVO_CAMPAIGNS_PAGE),
      offset: '0',
      sort: 'desc',
      excludeHtmlContent: 'true',
    });
    const res = await this.request('GET', `/v3/emailCampaigns?${q}`, 'email campaigns');
    const page = readAnswer(
      'brevo',
      'the email campaigns',
      z.looseObject({ campaigns: maybe(z.array(z.unknown())) }),
      res ?? {},
    );
    // A campaign we cannot read is not the one we look for (ours has a name and a status).
    for (const item of page.campaigns ?? []) {
      const c = campaignRefSchema.safeParse(item);
      if (c.success && c.data.name.endsWith(name)) return c.data;
    }
    return undefined;
  }

  // ------------------------------------------------------------------ marketing figures (summaries)

  /**
   * New contacts and (approximate) unsubscribes in [start, end). Brevo has no count endpoint for
   * either and no unsubscribe log in the API, so one scan of `GET /v3/contacts?modifiedSince=start`
   * (which also holds every contact created since `start`: modifiedAt ≥ createdAt) counts both:
   * created = createdAt in the period; unsubscribed ≈ emailBlacklisted and last modified in the
   * period (a contact blacklisted in the period and edited again later is missed; one blacklisted
   * earlier and edited in the period is counted). Offset pages shift when a contact enters the set
   * during the scan (it is modified): the record pushed onto the next page is seen twice and deduped
   * by id. Stops after `maxPages` (complete: false; the counts are then lower bounds).
   */
  async contactFigures(
    period: { start: Date; end: Date },
    opts: { maxPages?: number } = {},
  ): Promise<{ created: number; unsubscribed: number; scanned: number; complete: boolean }> {
    const maxPages = opts.maxPages ?? 100;
    const start = period.start.getTime();
    const end = period.end.getTime();
    const seen = new Set<number>();
    let created = 0;
    let unsubscribed = 0;
    for (let page = 0; page < maxPages; page += 1) {
      const q = new URLSearchParams({
        modifiedSince: period.start.toISOString(),
        limit: String(BREVO_CONTACTS_PAGE),
        offset: String(page * BREVO_CONTACTS_PAGE),
        sort: 'asc',
      });
      const res = readAnswer(
        'brevo',
        'the contact list',
        contactsPageSchema,
        (await this.request('GET', `/v3/contacts?${q}`, 'contacts')) ?? {},
      );
      for (const c of res.contacts) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        const createdAt = Date.parse(c.createdAt);
        const modifiedAt = Date.parse(c.modifiedAt ?? c.createdAt);
        if (createdAt >= start && createdAt < end) created += 1;
        if (c.emailBlacklisted === true && modifiedAt >= start && modifiedAt < end) unsubscribed += 1;
      }
      if (res.contacts.length < BREVO_CONTACTS_PAGE)
        return { created, unsubscribed, scanned: seen.size, complete: true };
    }
    return { created, unsubscribed, scanned: seen.size, complete: false };
  }

  /**
   * Email campaigns sent in [start, end) with their global statistics:
   * `GET /v3/emailCampaigns?status=sent&startDate&endDate&statistics=globalStats`, 100 a page.
   * Each page draws on the 100-per-hour budget. Brevo computes these statistics only for events of
   * the last 6 months, which a daily or weekly summary never reaches.
   */
  async sentCampaigns(
    period: { start: Date; end: Date },
    opts: { maxPages?: number } = {},
  ): Promise<CampaignFigures[]> {
    const maxPages = opts.maxPages ?? 10;
    const out: CampaignFigures[] = [];
    const start = period.start.getTime();
    const end = period.end.getTime();
    for (let page = 0; page < maxPages; page += 1) {
      const q = new URLSearchParams({
        status: 'sent',
        statistics: 'globalStats',
        // endDate is taken as inclusive: one millisecond before the period's exclusive end.
        startDate: period.start.toISOString(),
        endDate: new Date(end - 1).toISOString(),
        limit: String(BREVO_CAMPAIGNS_PAGE),
        offset: String(page * BREVO_CAMPAIGNS_PAGE),
        sort: 'asc',
        excludeHtmlContent: 'true',
      });
      const res = readAnswer(
        'brevo',
        'the sent campaigns',
        campaignsPageSchema,
        (await this.request('GET', `/v3/emailCampaigns?${q}`, 'email campaigns')) ?? {},
      );
      for (const c of res.campaigns) {
        const sentAt = c.sentDate ? Date.parse(c.sentDate) : undefined;
        if (sentAt !== undefined && (sentAt < start || sentAt >= end)) continue;
        const g = c.statistics?.globalStats;
        out.push({
          id: c.id,
          name: c.name,
          subject: c.subject,
          sentDate: c.sentDate,
          sent: g?.sent ?? 0,
          delivered: g?.delivered ?? 0,
          uniqueOpens: g?.uniqueViews ?? 0,
          uniqueClicks: g?.uniqueClicks ?? 0,
          unsubscriptions: g?.unsubscriptions ?? 0,
          hardBounces: g?.hardBounces ?? 0,
        });
      }
      if (res.campaigns.length < BREVO_CAMPAIGNS_PAGE) break;
    }
    return out;
  }
}

/**
 * A failure after which a write may or may not have been applied: a 5xx, or the network (reset,
 * stall). A 4xx or a 429 was refused; nothing was written.
 */
function isAnswerLost(err: unknown): boolean {
  if (err instanceof UnreachableError) return true;
  return err instanceof ProviderError && !(err instanceof RateLimitedError) && err.status >= 500;
}

/** `{id}`: what creations answer (folders, lists, campaigns). */
const idSchema = z.looseObject({ id: z.number() });

function isOneOf<T extends string>(values: readonly T[], v: string): v is T {
  return (values as readonly string[]).includes(v);
}
