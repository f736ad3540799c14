/**
 * Brevo API v3 simulator: an in-process loopback server that enforces what brevo.md documents
 * (auth, per-account fixed-window rate limits with x-sib-ratelimit-* headers, attribute typing with
 * silent drops, async imports, the deprecated batch endpoint, list and event limits) so a client that
 * breaks the rules fails in tests. State is plain Maps so 10k contacts import in milliseconds.
 */

import { FixedWindow, isLoopbackUrl, SimClock, type SimRequest, type SimResponse, SimServer } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph, refill, refillArray } from '../snapshot';
import { type ContactWebhookDelivery, ContactWebhookSender } from './contact-webhooks';
import {
  ApiError,
  type AttributeDef,
  type AttributeInput,
  type AttributeValue,
  attributeJson,
  buildAttributeDef,
  checkValue,
  err,
  type IgnoredAttributeValue,
  isIsoDateTime,
  isPhoneKey,
  isPlainObject,
  isPositiveInt,
  isValidEmail,
  normalizePhone,
  PHONE_KEYS,
  type PhoneKey,
  parseCsv,
  type SimContact,
  type WriteSource,
} from './model';
import type {
  BrevoLimits,
  BrevoSimulatorOptions,
  FailureSpec,
  ImportCounts,
  ImportReport,
  SimCampaign,
  SimCampaignStats,
  SimEvent,
  SimFolder,
  SimList,
  SimNotification,
  SimProcess,
  SimSender,
  SimStats,
  SimWebhook,
} from './types';

/** jsonBody / fileBody limit (brevo.md §1: "at most 10 MB"); measured on the raw request, decimal MB. */
export const MAX_IMPORT_BYTES = 10_000_000;
/** `POST /v3/contacts/lists/{id}/contacts/add|remove` entries per call. */
export const MAX_LIST_MEMBERS_PER_CALL = 150;
/** `event_properties` serialized size limit (50 KB, decimal). */
export const MAX_EVENT_PROPERTIES_BYTES = 50_000;
const MAX_WEBHOOKS = 40;

const DEFAULT_LIMITS: BrevoLimits = { contactsPerSecond: 10, eventsPerSecond: 10, otherPerHour: 100 };

const WEBHOOK_EVENTS: Record<SimWebhook['type'], readonly string[]> = {
  marketing: [
    'spam',
    'opened',
    'click',
    'hardBounce',
    'softBounce',
    'unsubscribed',
    'listAddition',
    'delivered',
    'contactUpdated',
    'contactDeleted',
  ],
  transactional: [
    'sent',
    'request',
    'delivered',
    'hardBounce',
    'softBounce',
    'blocked',
    'spam',
    'invalid',
    'deferred',
    'click',
    'opened',
    'uniqueOpened',
    'unsubscribed',
  ],
  inbound: ['inboundEmailProcessed'],
};

type Bucket = 'contacts' | 'events' | 'other';

interface WritePlan {
  email?: string;
  extId?: string | null;
  phones: Map<PhoneKey, string | null>;
  set: Map<string, AttributeValue>;
  clear: Set<string>;
}

interface PlanContext {
  mode: 'single' | 'import';
  source: WriteSource;
  who: string;
  /** `attributes.EMAIL` changes the email (PUT) instead of being dropped. */
  allowEmailAttr: boolean;
  /** null / '' / [] clear the stored value (otherwise they are skipped). */
  emptyClears: boolean;
  fromCsv: boolean;
  processId?: number;
  onSkip?: () => void;
}

interface CommitExtra {
  listIds?: number[];
  unlinkListIds?: number[];
  emailBlacklisted?: boolean;
  smsBlacklisted?: boolean;
}

interface ImportRow {
  email: unknown;
  extId: unknown;
  attributes: Record<string, unknown>;
}

interface PendingImport {
  /** The name of the key that started the import (its contact webhooks carry it). */
  apiKeyName: string;
  process: SimProcess;
  rows: ImportRow[];
  fromCsv: boolean;
  listIds: number[];
  updateExisting: boolean;
  emptyClears: boolean;
  emailBlacklist: boolean;
  smsBlacklist: boolean;
}

const PHONE_IDENTIFIER_TYPES: Record<string, PhoneKey> = {
  phone_id: 'SMS',
  whatsapp_id: 'WHATSAPP',
  landline_number_id: 'LANDLINE_NUMBER',
};

function body(req: SimRequest): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (!isPlainObject(req.body)) throw err(400, 'bad_request', 'Request body must be a JSON object');
  return req.body;
}

function optBool(b: Record<string, unknown>, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw err(400, 'invalid_parameter', `${key} must be a boolean`);
  return v;
}

function optIntArray(value: unknown, key: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every(isPositiveInt)) {
    throw err(400, 'invalid_parameter', `${key} must be an array of positive integers`);
  }
  return value as number[];
}

function page(req: SimRequest, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  const parse = (name: string, def: number): number => {
    const raw = req.query.get(name);
    if (raw === null || raw === '') return def;
    if (!/^\d+$/.test(raw)) throw err(400, 'invalid_parameter', `${name} must be a non-negative integer`);
    return Number(raw);
  };
  const limit = parse('limit', defaultLimit);
  const offset = parse('offset', 0);
  if (limit > maxLimit) throw err(400, 'out_of_range', `limit exceeds the maximum of ${maxLimit}`);
  return { limit, offset };
}

function sortDir(req: SimRequest): 'asc' | 'desc' {
  const s = req.query.get('sort') ?? 'desc';
  if (s !== 'asc' && s !== 'desc') throw err(400, 'invalid_parameter', 'sort must be asc or desc');
  return s;
}

export class BrevoSimulator extends SimServer {
  readonly clock: SimClock;
  readonly importProcessingMs: number;
  /** Values Brevo would have dropped silently (unknown attribute, type mismatch, skipped import values). */
  readonly ignoredAttributeValues: IgnoredAttributeValue[] = [];
  /** Calls to the deprecated `POST /v3/contacts/batch` (answered 410). */
  deprecatedBatchCalls = 0;
  /** notifyUrl deliveries (and skipped non-loopback URLs). */
  readonly notifications: SimNotification[] = [];

  private readonly apiKeys: Set<string>;
  private readonly apiKeyNames = new Map<string, string>();
  /** The name of the API key whose request is writing now ("" outside requests: the UI, seeding). */
  private writer = '';
  private readonly contactHooks: ContactWebhookSender;
  private readonly windows: Record<Bucket, { limit: number; window: FixedWindow }> | undefined;
  private readonly routeLabels = new Set<string>();
  private readonly rateHeaders = new WeakMap<SimRequest, Record<string, string>>();
  private readonly failures: { remaining: number; spec: FailureSpec; route?: string }[] = [];
  private rateLimitedCount = 0;

  private readonly attributes = new Map<string, AttributeDef>();
  private readonly folderMap = new Map<number, SimFolder>();
  private readonly listMap = new Map<number, SimList>();
  private readonly members = new Map<number, Set<number>>();
  private readonly contactMap = new Map<number, SimContact>();
  private readonly byEmail = new Map<string, number>();
  private readonly byExtId = new Map<string, number>();
  private readonly byPhone: Record<PhoneKey, Map<string, number>> = {
    SMS: new Map(),
    WHATSAPP: new Map(),
    LANDLINE_NUMBER: new Map(),
  };
  private readonly eventLog: SimEvent[] = [];
  private readonly senderMap = new Map<number, SimSender>();
  private readonly campaignMap = new Map<number, SimCampaign>();
  private readonly webhookMap = new Map<number, SimWebhook>();
  private readonly processMap = new Map<number, SimProcess>();
  private readonly pending: PendingImport[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly inFlight = new Set<Promise<void>>();

  private nextContactId = 1;
  private nextListId = 1;
  private nextFolderId = 1;
  private nextProcessId = 1;
  private nextCampaignId = 1;
  private nextSenderId = 1;
  private nextWebhookId = 1;

  constructor(options: BrevoSimulatorOptions = {}) {
    super();
    this.clock = options.clock ?? new SimClock();
    this.importProcessingMs = options.importProcessingMs ?? 200;
    this.apiKeys = new Set(options.apiKeys ?? ['xkeysib-sandbox']);
    for (const [i, key] of [...this.apiKeys].entries()) {
      this.apiKeyNames.set(key, options.apiKeyNames?.[key] ?? `key-${i + 1}`);
    }
    this.contactHooks = new ContactWebhookSender(
      () => [...this.webhookMap.values()],
      this.clock,
      (p) => {
        this.inFlight.add(p);
        p.finally(() => this.inFlight.delete(p));
      },
    );
    registerTestSecrets(...this.apiKeys);
    if (options.limits !== false) {
      const l = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
      const now = () => this.clock.now();
      this.windows = {
        contacts: { limit: l.contactsPerSecond, window: new FixedWindow(l.contactsPerSecond, 1000, now) },
        events: { limit: l.eventsPerSecond, window: new FixedWindow(l.eventsPerSecond, 1000, now) },
        other: { limit: l.otherPerHour, window: new FixedWindow(l.otherPerHour, 3_600_000, now) },
      };
    }
    if (options.seedDefaults ?? true) {
      for (const name of ['FIRSTNAME', 'LASTNAME', 'SMS'])
        this.addAttribute({ name, category: 'normal', type: 'text' });
      this.addFolder('Default');
    }
    this.addSender({ name: 'Sandbox', email: 'sender@sandbox.example', active: true });
    this.registerRoutes();
  }

  // -------------------------------------------------------------------------------------------
  // Control API (tests, benchmark, sandbox)

  /** Drops the failures failNext queued and that have not been served yet. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /**
   * The next `n` authenticated requests get this response (before rate limiting); with `route`
   * (e.g. "POST /v3/emailCampaigns"), only requests to that route.
   */
  failNext(n: number, spec: FailureSpec, route?: string): void {
    if (n > 0) this.failures.push({ remaining: n, spec, ...(route ? { route } : {}) });
  }

  /** The account's data (contacts, lists, attributes, campaigns, ...) and id counters as JSON (snapshot.ts). */
  snapshot(): unknown {
    return encodeGraph({
      attributes: this.attributes,
      folders: this.folderMap,
      lists: this.listMap,
      members: this.members,
      contacts: this.contactMap,
      byEmail: this.byEmail,
      byExtId: this.byExtId,
      byPhone: this.byPhone,
      events: this.eventLog,
      senders: this.senderMap,
      campaigns: this.campaignMap,
      webhooks: this.webhookMap,
      processes: this.processMap,
      // Imports not yet applied: applied on the next request once due, as before the restart.
      pending: this.pending,
      next: {
        contact: this.nextContactId,
        list: this.nextListId,
        folder: this.nextFolderId,
        process: this.nextProcessId,
        campaign: this.nextCampaignId,
        sender: this.nextSenderId,
        webhook: this.nextWebhookId,
      },
    });
  }

  /** Puts back a snapshot(): the same ids, so a sync that remembered list 2 finds list 2. */
  restore(snapshot: unknown): void {
    const d = decodeGraph(snapshot) as Record<string, unknown> & { next?: Record<string, unknown> };
    const n = d?.next;
    if (!n || Object.values(n).some((v) => typeof v !== 'number'))
      throw new Error('snapshot: not a Brevo simulator snapshot');
    refill(this.attributes, d.attributes);
    refill(this.folderMap, d.folders);
    refill(this.listMap, d.lists);
    refill(this.members, d.members);
    refill(this.contactMap, d.contacts);
    refill(this.byEmail, d.byEmail);
    refill(this.byExtId, d.byExtId);
    const phones = d.byPhone as Record<PhoneKey, unknown>;
    for (const k of Object.keys(this.byPhone) as PhoneKey[]) refill(this.byPhone[k], phones?.[k]);
    refillArray(this.eventLog, d.events);
    refill(this.senderMap, d.senders);
    refill(this.campaignMap, d.campaigns);
    refill(this.webhookMap, d.webhooks);
    refill(this.processMap, d.processes);
    refillArray(this.pending, d.pending);
    this.nextContactId = n.contact as number;
    this.nextListId = n.list as number;
    this.nextFolderId = n.folder as number;
    this.nextProcessId = n.process as number;
    this.nextCampaignId = n.campaign as number;
    this.nextSenderId = n.sender as number;
    this.nextWebhookId = n.webhook as number;
  }

  addApiKey(key: string, name?: string): void {
    registerTestSecrets(key);
    this.apiKeys.add(key);
    this.apiKeyNames.set(key, name ?? `key-${this.apiKeys.size}`);
  }

  /** Contact webhooks sent so far (contact_updated, list_addition), in order. */
  get contactWebhookDeliveries(): ContactWebhookDelivery[] {
    return this.contactHooks.deliveries;
  }

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

  revokeApiKey(key: string): void {
    this.apiKeys.delete(key);
  }

  /** Define an attribute (same rules as the HTTP endpoint; throws ApiError when invalid). */
  addAttribute(input: AttributeInput): AttributeDef {
    const def = buildAttributeDef(input);
    if (this.attributes.has(def.name)) throw err(400, 'invalid_parameter', `Attribute ${def.name} already exists`);
    this.attributes.set(def.name, def);
    return def;
  }

  addFolder(name: string): SimFolder {
    const folder = { id: this.nextFolderId++, name };
    this.folderMap.set(folder.id, folder);
    return folder;
  }

  addList(input: { id?: number; name: string; folderId?: number }): SimList {
    const id = input.id ?? this.nextListId;
    if (this.listMap.has(id)) throw err(400, 'invalid_parameter', `List ${id} already exists`);
    this.nextListId = Math.max(this.nextListId, id + 1);
    const folderId = input.folderId ?? this.folderMap.keys().next().value ?? 1;
    const list: SimList = { id, name: input.name, folderId, createdAt: this.iso() };
    this.listMap.set(id, list);
    this.members.set(id, new Set());
    return list;
  }

  addSender(input: { name: string; email: string; active?: boolean }): SimSender {
    const sender = { id: this.nextSenderId++, name: input.name, email: input.email, active: input.active ?? true };
    this.senderMap.set(sender.id, sender);
    return sender;
  }

  /**
   * Seed a campaign that was sent at `sentAt` (default: now on the clock) with its global
   * statistics; GET /v3/emailCampaigns serves it.
   */
  addSentCampaign(input: {
    name: string;
    subject?: string;
    sentAt?: string;
    listIds?: number[];
    stats?: Partial<SimCampaignStats>;
  }): SimCampaign {
    const campaign: SimCampaign = {
      id: this.nextCampaignId++,
      name: input.name,
      subject: input.subject ?? input.name,
      sender: { name: 'Sandbox', email: 'sender@sandbox.example' },
      recipients: { listIds: input.listIds ?? [] },
      htmlContent: '<p>sent</p>',
      status: 'sent',
      createdAt: input.sentAt ?? this.iso(),
      sentAt: input.sentAt ?? this.iso(),
      stats: { ...(input.stats ?? {}) },
    };
    this.campaignMap.set(campaign.id, campaign);
    return campaign;
  }

  /** Replace a campaign's statistics (opens and clicks keep arriving after the send). */
  setCampaignStats(id: number, stats: Partial<SimCampaignStats>): void {
    const c = this.campaignMap.get(id);
    if (!c) throw new Error(`BrevoSimulator: no campaign ${id}`);
    c.stats = { ...(c.stats ?? {}), ...stats };
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

  /** Contact by email (case-insensitive) or numeric id; applies imports that are due first. */
  getContact(emailOrId: string | number): SimContact | undefined {
    this.settle();
    if (typeof emailOrId === 'number') return this.contactMap.get(emailOrId);
    const id = this.byEmail.get(emailOrId.toLowerCase());
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  contacts(): SimContact[] {
    this.settle();
    return [...this.contactMap.values()];
  }

  /** Emails (or ext_id / id for contacts without one) of a list's members. */
  listMembers(listId: number): string[] {
    this.settle();
    const out: string[] = [];
    for (const id of this.members.get(listId) ?? []) {
      const c = this.contactMap.get(id);
      if (c) out.push(c.email ?? c.ext_id ?? String(c.id));
    }
    return out;
  }

  lists(): SimList[] {
    return [...this.listMap.values()];
  }

  folders(): SimFolder[] {
    return [...this.folderMap.values()];
  }

  attributeDefs(): AttributeDef[] {
    return [...this.attributes.values()];
  }

  events(): SimEvent[] {
    return [...this.eventLog];
  }

  /** Every campaign, drafts included; scheduled ones whose time has come are sent first. */
  campaigns(): SimCampaign[] {
    this.settle();
    return [...this.campaignMap.values()];
  }

  webhooks(): SimWebhook[] {
    return [...this.webhookMap.values()];
  }

  processes(): SimProcess[] {
    this.settle();
    return [...this.processMap.values()];
  }

  getProcess(id: number): SimProcess | undefined {
    this.settle();
    return this.processMap.get(id);
  }

  stats(): SimStats {
    return { requests: this.log.records.length, rateLimited: this.rateLimitedCount, byRoute: this.log.byRoute() };
  }

  resetStats(): void {
    this.log.clear();
    this.rateLimitedCount = 0;
    this.deprecatedBatchCalls = 0;
  }

  /**
   * Apply every import whose processing time has elapsed on the clock, and send the scheduled
   * campaigns whose time has come (also run on each request).
   */
  settle(): void {
    const now = this.clock.now();
    while (this.pending.length > 0 && (this.pending[0] as PendingImport).process.dueAt <= now) {
      this.applyImport(this.pending.shift() as PendingImport);
    }
    for (const c of this.campaignMap.values()) {
      if (c.status === 'queued' && c.scheduledAt !== undefined && Date.parse(c.scheduledAt) <= now) {
        c.status = 'sent';
        c.sentAt = new Date(Date.parse(c.scheduledAt)).toISOString();
      }
    }
  }

  /** Resolves when pending notifyUrl and contact webhook deliveries have finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  override async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await super.stop();
  }

  // -------------------------------------------------------------------------------------------
  // SimServer hooks

  protected override before(req: SimRequest, route: string): SimResponse | undefined {
    this.settle();
    const key = req.headers['api-key'];
    if (typeof key !== 'string' || !this.apiKeys.has(key)) {
      return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
    }
    const failure = this.failures.find((f) => f.route === undefined || f.route === route);
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      const res: SimResponse = { status: failure.spec.status, body: failure.spec.body };
      if (failure.spec.headers) res.headers = failure.spec.headers;
      return res;
    }
    let headers: Record<string, string> | undefined;
    if (this.windows && this.routeLabels.has(route)) {
      const w = this.windows[this.bucketOf(req.path)];
      const r = w.window.take();
      headers = {
        'x-sib-ratelimit-limit': String(w.limit),
        'x-sib-ratelimit-remaining': String(r.ok ? r.remaining : 0),
        'x-sib-ratelimit-reset': String(r.resetSeconds),
      };
      if (!r.ok) {
        this.rateLimitedCount += 1;
        return {
          status: 429,
          body: { code: 'too_many_requests', message: 'The expected rate limit is exceeded.' },
          headers,
        };
      }
      this.rateHeaders.set(req, headers);
    }
    if (req.rawBody.length > 0 && req.body === undefined) {
      const res: SimResponse = {
        status: 400,
        body: { code: 'bad_request', message: 'Content-Type must be application/json' },
      };
      if (headers) res.headers = headers;
      return res;
    }
    return undefined;
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { code: 'bad_request', message: 'Invalid JSON' } };
  }

  protected notFound(req: SimRequest): SimResponse {
    return { status: 404, body: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } };
  }

  private bucketOf(path: string): Bucket {
    if (path.startsWith('/v3/contacts')) return 'contacts';
    if (path === '/v3/events' || path.startsWith('/v3/events/')) return 'events';
    return 'other';
  }

  /** Register a route; ApiError becomes its response, rate-limit headers are added to every reply. */
  private on(method: string, path: string, handler: (req: SimRequest) => SimResponse | Promise<SimResponse>): void {
    this.routeLabels.add(`${method} ${path}`);
    this.route(method, path, async (req) => {
      let res: SimResponse;
      // Contact writes happen synchronously inside the handler: they see whose key is writing.
      this.writer = this.apiKeyNames.get(String(req.headers['api-key'])) ?? '';
      try {
        res = await handler(req);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        res = { status: e.status, body: e.body };
      } finally {
        this.writer = '';
      }
      const h = this.rateHeaders.get(req);
      return h ? { ...res, headers: { ...h, ...(res.headers ?? {}) } } : res;
    });
  }

  private iso(ms: number = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  private registerRoutes(): void {
    this.on('GET', '/v3/account', () => ({
      status: 200,
      body: {
        email: 'owner@sandbox.example',
        firstName: 'Sandbox',
        lastName: 'Owner',
        companyName: 'Sandbox',
        address: { street: '', city: '', zipCode: '', country: '' },
        plan: [{ type: 'free', credits: 300, creditsType: 'sendLimit' }],
      },
    }));

    // Attributes
    this.on('GET', '/v3/contacts/attributes', () => ({
      status: 200,
      body: { attributes: [...this.attributes.values()].map(attributeJson) },
    }));
    this.on('POST', '/v3/contacts/attributes/:category/:name', (req) => {
      const b = body(req);
      this.addAttribute({
        name: req.params.name ?? '',
        category: req.params.category as AttributeInput['category'],
        type: b.type as AttributeInput['type'],
        enumeration: b.enumeration as AttributeInput['enumeration'],
        multiCategoryOptions: b.multiCategoryOptions as AttributeInput['multiCategoryOptions'],
        value: b.value as string | undefined,
        isRecurring: b.isRecurring as boolean | undefined,
      });
      return { status: 201 };
    });

    // Folders
    this.on('GET', '/v3/contacts/folders', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.folderMap.values()];
      return {
        status: 200,
        body: { folders: all.slice(offset, offset + limit).map((f) => this.folderJson(f)), count: all.length },
      };
    });
    this.on('POST', '/v3/contacts/folders', (req) => {
      const b = body(req);
      if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
      return { status: 201, body: { id: this.addFolder(b.name).id } };
    });
    this.on('GET', '/v3/contacts/folders/:id', (req) => ({
      status: 200,
      body: this.folderJson(this.folderOr404(req)),
    }));
    this.on('GET', '/v3/contacts/folders/:id/lists', (req) => {
      const folder = this.folderOr404(req);
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.listMap.values()].filter((l) => l.folderId === folder.id);
      return {
        status: 200,
        body: { lists: all.slice(offset, offset + limit).map((l) => this.listJson(l)), count: all.length },
      };
    });

    // Lists
    this.on('GET', '/v3/contacts/lists', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.listMap.values()];
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { lists: all.slice(offset, offset + limit).map((l) => this.listJson(l)), count: all.length },
      };
    });
    this.on('POST', '/v3/contacts/lists', (req) => {
      const b = body(req);
      if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
      if (b.folderId === undefined) throw err(400, 'missing_parameter', 'folderId is missing');
      if (!isPositiveInt(b.folderId) || !this.folderMap.has(b.folderId)) {
        throw err(400, 'invalid_parameter', 'Folder ID does not exist');
      }
      return { status: 201, body: { id: this.addList({ name: b.name, folderId: b.folderId }).id } };
    });
    this.on('GET', '/v3/contacts/lists/:id', (req) => ({ status: 200, body: this.listJson(this.listOr404(req)) }));
    this.on('DELETE', '/v3/contacts/lists/:id', (req) => {
      const list = this.listOr404(req);
      for (const cid of this.members.get(list.id) ?? []) this.contactMap.get(cid)?.listIds.delete(list.id);
      this.members.delete(list.id);
      this.listMap.delete(list.id);
      return { status: 204 };
    });
    this.on('GET', '/v3/contacts/lists/:id/contacts', (req) => {
      const list = this.listOr404(req);
      const { limit, offset } = page(req, 50, 500);
      const ids = [...(this.members.get(list.id) ?? [])].sort((a, b) => a - b);
      if (sortDir(req) === 'desc') ids.reverse();
      const contacts = ids.slice(offset, offset + limit).map((id) => this.contactJson(this.contactMap.get(id)!));
      return { status: 200, body: { contacts, count: ids.length } };
    });
    this.on('POST', '/v3/contacts/lists/:id/contacts/add', (req) => this.changeMembership(req, 'add'));
    this.on('POST', '/v3/contacts/lists/:id/contacts/remove', (req) => this.changeMembership(req, 'remove'));

    // Import, deprecated batch
    this.on('POST', '/v3/contacts/import', (req) => this.startImport(req));
    this.on('POST', '/v3/contacts/batch', () => {
      this.deprecatedBatchCalls += 1;
      return {
        status: 410,
        body: { code: 'method_not_allowed', message: 'This endpoint is deprecated; use /v3/contacts/import' },
      };
    });

    // Contacts
    this.on('POST', '/v3/contacts', (req) => this.createContact(body(req), true));
    this.on('GET', '/v3/contacts', (req) => {
      const { limit, offset } = page(req, 50, 1000);
      let all = [...this.contactMap.values()];
      const since = (name: string): number | undefined => {
        const raw = req.query.get(name);
        if (raw === null) return undefined;
        // Brevo documents YYYY-MM-DDTHH:mm:ss.SSSZ (or with an offset): a bare date is refused.
        if (!isIsoDateTime(raw)) throw err(400, 'invalid_parameter', `${name} must be an ISO date-time`);
        return Date.parse(raw);
      };
      const modifiedSince = since('modifiedSince');
      const createdSince = since('createdSince');
      if (modifiedSince !== undefined) all = all.filter((c) => Date.parse(c.modifiedAt) >= modifiedSince);
      if (createdSince !== undefined) all = all.filter((c) => Date.parse(c.createdAt) >= createdSince);
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { contacts: all.slice(offset, offset + limit).map((c) => this.contactJson(c)), count: all.length },
      };
    });
    this.on('GET', '/v3/contacts/:identifier', (req) => {
      const c = this.resolveContact(req, true);
      return { status: 200, body: { ...this.contactJson(c), statistics: {} } };
    });
    this.on('PUT', '/v3/contacts/:identifier', (req) => this.updateContact(req));
    this.on('DELETE', '/v3/contacts/:identifier', (req) => {
      this.deleteContact(this.resolveContact(req, false));
      return { status: 204 };
    });

    // Processes
    this.on('GET', '/v3/processes', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.processMap.values()];
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { processes: all.slice(offset, offset + limit).map((p) => this.processJson(p)), count: all.length },
      };
    });
    this.on('GET', '/v3/processes/:id', (req) => {
      const p = this.processMap.get(Number(req.params.id));
      if (!p || !/^\d+$/.test(req.params.id ?? '')) throw err(404, 'document_not_found', 'Process does not exist');
      return { status: 200, body: this.processJson(p) };
    });

    // Events
    this.on('POST', '/v3/events', (req) => this.createEvent(body(req)));

    // Senders, campaigns
    this.on('GET', '/v3/senders', () => ({
      status: 200,
      body: { senders: [...this.senderMap.values()].map((s) => ({ ...s, ips: [] })) },
    }));
    this.on('POST', '/v3/emailCampaigns', (req) => this.createCampaign(body(req)));
    this.on('GET', '/v3/emailCampaigns', (req) => this.listCampaigns(req));
    this.on('GET', '/v3/emailCampaigns/:id', (req) => {
      const { stats: _stats, ...campaign } = this.campaignOr404(req);
      return { status: 200, body: campaign };
    });
    this.on('POST', '/v3/emailCampaigns/:id/sendNow', (req) => {
      const c = this.campaignOr404(req);
      if (c.status !== 'draft') throw err(400, 'invalid_parameter', 'Campaign could not be sent: already sent');
      const lists = c.recipients?.listIds ?? [];
      if (lists.length === 0 && (c.recipients?.segmentIds ?? []).length === 0) {
        throw err(400, 'invalid_parameter', 'Campaign could not be sent: no recipients');
      }
      c.status = 'sent';
      c.sentAt = this.iso();
      return { status: 204 };
    });

    // Webhooks
    this.on('GET', '/v3/webhooks', (req) => {
      const type = req.query.get('type') ?? 'transactional';
      return {
        status: 200,
        body: { webhooks: [...this.webhookMap.values()].filter((w) => w.type === type).map((w) => ({ ...w })) },
      };
    });
    this.on('POST', '/v3/webhooks', (req) => this.createWebhook(body(req)));
    this.on('GET', '/v3/webhooks/:id', (req) => ({ status: 200, body: { ...this.webhookOr404(req) } }));
    this.on('DELETE', '/v3/webhooks/:id', (req) => {
      this.webhookMap.delete(this.webhookOr404(req).id);
      return { status: 204 };
    });
  }

  // -------------------------------------------------------------------------------------------
  // JSON views and lookups

  private contactJson(c: SimContact): Record<string, unknown> {
    const out: Record<string, unknown> = { id: c.id };
    if (c.email !== undefined) out.email = c.email;
    if (c.ext_id !== undefined) out.ext_id = c.ext_id;
    out.emailBlacklisted = c.emailBlacklisted;
    out.smsBlacklisted = c.smsBlacklisted;
    out.createdAt = c.createdAt;
    out.modifiedAt = c.modifiedAt;
    const attributes: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(c.attributes)) attributes[k] = Array.isArray(v) ? [...v] : v;
    out.attributes = attributes;
    out.listIds = [...c.listIds].sort((a, b) => a - b);
    out.listUnsubscribed = [];
    return out;
  }

  private listJson(l: SimList): Record<string, unknown> {
    return {
      id: l.id,
      name: l.name,
      folderId: l.folderId,
      uniqueSubscribers: this.members.get(l.id)?.size ?? 0,
      totalBlacklisted: 0,
      totalSubscribers: 0,
      createdAt: l.createdAt,
    };
  }

  private folderJson(f: SimFolder): Record<string, unknown> {
    let unique = 0;
    for (const l of this.listMap.values()) if (l.folderId === f.id) unique += this.members.get(l.id)?.size ?? 0;
    return { id: f.id, name: f.name, uniqueSubscribers: unique, totalBlacklisted: 0, totalSubscribers: 0 };
  }

  /**
   * The process object of brevo.md §1 (SDK v4 GetProcessResponse): every field is always there,
   * and the ones that have no value yet are null, as Brevo sends them: `error` (null unless the
   * process failed), `export_url` (null for imports), `completed_at` and `info` until completion.
   */
  private processJson(p: SimProcess): Record<string, unknown> {
    const done = p.status === 'completed';
    return {
      id: p.id,
      status: this.processStatus(p),
      name: p.name,
      created_at: this.iso(p.createdAt),
      completed_at: done ? this.iso(p.completedAt) : null,
      info: done && p.counts ? { import: { ...p.counts } } : null,
      error: null,
      export_url: null,
    };
  }

  private processStatus(p: SimProcess): SimProcess['status'] {
    if (p.status === 'completed') return 'completed';
    return this.clock.now() >= p.createdAt + (p.dueAt - p.createdAt) / 2 ? 'processing' : 'queued';
  }

  private numericParam(req: SimRequest, name: string): number {
    const raw = req.params[name] ?? '';
    return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  }

  private listOr404(req: SimRequest): SimList {
    const list = this.listMap.get(this.numericParam(req, 'id'));
    if (!list) throw err(404, 'document_not_found', 'List ID does not exist');
    return list;
  }

  private folderOr404(req: SimRequest): SimFolder {
    const folder = this.folderMap.get(this.numericParam(req, 'id'));
    if (!folder) throw err(404, 'document_not_found', 'Folder ID does not exist');
    return folder;
  }

  private campaignOr404(req: SimRequest): SimCampaign {
    const c = this.campaignMap.get(this.numericParam(req, 'id'));
    if (!c) throw err(404, 'document_not_found', 'Campaign ID does not exist');
    return c;
  }

  private webhookOr404(req: SimRequest): SimWebhook {
    const w = this.webhookMap.get(this.numericParam(req, 'id'));
    if (!w) throw err(404, 'document_not_found', 'Webhook ID does not exist');
    return w;
  }

  private requireLists(ids: number[] | undefined, key: string): number[] {
    if (!ids) return [];
    const unknown = ids.filter((id) => !this.listMap.has(id));
    if (unknown.length > 0) throw err(400, 'invalid_parameter', `${key}: list(s) ${unknown.join(',')} do not exist`);
    return ids;
  }

  private findByPhone(key: PhoneKey, raw: unknown): SimContact | undefined {
    const digits = normalizePhone(raw);
    const id = digits === undefined ? undefined : this.byPhone[key].get(digits);
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  private findByExtId(ext: string): SimContact | undefined {
    const id = this.byExtId.get(ext);
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  private findByEmail(email: string): SimContact | undefined {
    const id = this.byEmail.get(email.toLowerCase());
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  /**
   * `:identifier` with `?identifierType=`. Without a type an email or a numeric id is accepted (GET also
   * takes a `+`-prefixed SMS number).
   */
  private resolveContact(req: SimRequest, allowSmsDefault: boolean): SimContact {
    const identifier = req.params.identifier ?? '';
    const type = req.query.get('identifierType');
    let contact: SimContact | undefined;
    const notFound = () => err(404, 'document_not_found', 'Contact does not exist');
    if (type === null) {
      if (identifier.includes('@')) contact = this.findByEmail(identifier);
      else if (/^\d+$/.test(identifier)) contact = this.contactMap.get(Number(identifier));
      else if (allowSmsDefault && identifier.startsWith('+')) contact = this.findByPhone('SMS', identifier);
      else {
        throw err(
          400,
          'invalid_parameter',
          'Invalid identifier: use an email or a contact id, or pass identifierType (ext_id, phone_id, ...)',
        );
      }
    } else if (type === 'email_id') contact = this.findByEmail(identifier);
    else if (type === 'contact_id') {
      if (!/^\d+$/.test(identifier)) throw notFound();
      contact = this.contactMap.get(Number(identifier));
    } else if (type === 'ext_id') contact = this.findByExtId(identifier);
    else if (PHONE_IDENTIFIER_TYPES[type]) contact = this.findByPhone(PHONE_IDENTIFIER_TYPES[type], identifier);
    else throw err(400, 'invalid_parameter', `Invalid identifierType: ${type}`);
    if (!contact) throw notFound();
    return contact;
  }

  // -------------------------------------------------------------------------------------------
  // Contact writes

  private recordIgnored(ctx: PlanContext, attribute: string, value: unknown, reason: string): void {
    const rec: IgnoredAttributeValue = { email: ctx.who, attribute, value, reason, source: ctx.source };
    if (ctx.processId !== undefined) rec.processId = ctx.processId;
    this.ignoredAttributeValues.push(rec);
    ctx.onSkip?.();
  }

  /** Turn an `attributes` object into a plan; single writes throw ApiError(400) where Brevo does. */
  private planAttributes(attrs: Record<string, unknown>, ctx: PlanContext): WritePlan {
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
  private resolveConflicts(
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

  private commit(existing: SimContact | undefined, plan: WritePlan, extra: CommitExtra): SimContact {
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

  private applyPlan(existing: SimContact | undefined, plan: WritePlan, extra: CommitExtra): SimContact {
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

  private deleteContact(c: SimContact): void {
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
  private createContact(b: Record<string, unknown>, allowUpdate: boolean): SimResponse {
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

  private updateContact(req: SimRequest): SimResponse {
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

  private changeMembership(req: SimRequest, op: 'add' | 'remove'): SimResponse {
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

  // -------------------------------------------------------------------------------------------
  // Import

  private startImport(req: SimRequest): SimResponse {
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

  private csvRows(fileBody: unknown): ImportRow[] {
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

  private applyImport(job: PendingImport): void {
    const writer = this.writer;
    this.writer = job.apiKeyName;
    try {
      this.applyImportRows(job);
    } finally {
      this.writer = writer;
    }
  }

  private applyImportRows(job: PendingImport): void {
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

  private notify(p: SimProcess): void {
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

  // -------------------------------------------------------------------------------------------
  // Events

  private createEvent(b: Record<string, unknown>): SimResponse {
    const name = b.event_name;
    if (name === undefined) throw err(400, 'missing_parameter', 'event_name is missing');
    if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw err(400, 'invalid_parameter', 'event_name must be 1-255 characters: letters, digits, - and _ only');
    }
    const ids = b.identifiers;
    if (ids === undefined) throw err(400, 'missing_parameter', 'identifiers is missing');
    if (!isPlainObject(ids) || Object.keys(ids).length === 0) {
      throw err(400, 'invalid_parameter', 'identifiers must contain at least one identifier');
    }
    for (const [k, v] of Object.entries(ids)) {
      if (k === 'email_id') {
        if (!isValidEmail(v)) throw err(400, 'invalid_parameter', 'identifiers.email_id is not a valid email');
      } else if (k === 'contact_id') {
        if (!isPositiveInt(v)) throw err(400, 'invalid_parameter', 'identifiers.contact_id must be a positive integer');
      } else if (k === 'ext_id') {
        if (typeof v !== 'string' || v === '')
          throw err(400, 'invalid_parameter', 'identifiers.ext_id must be a string');
      } else if (PHONE_IDENTIFIER_TYPES[k]) {
        if (normalizePhone(v) === undefined)
          throw err(400, 'invalid_parameter', `identifiers.${k}: Invalid phone number`);
      } else throw err(400, 'invalid_parameter', `identifiers.${k} is not a known identifier`);
    }
    const cp = b.contact_properties;
    if (cp !== undefined) {
      if (!isPlainObject(cp)) throw err(400, 'invalid_parameter', 'contact_properties must be an object');
      for (const [k, v] of Object.entries(cp)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) {
          throw err(400, 'invalid_parameter', `contact_properties.${k} must be a string, number or boolean`);
        }
      }
    }
    const ep = b.event_properties;
    if (ep !== undefined) {
      if (!isPlainObject(ep)) throw err(400, 'invalid_parameter', 'event_properties must be an object');
      const badKey = findBadKey(ep);
      if (badKey !== undefined) {
        throw err(
          400,
          'invalid_parameter',
          `event_properties key "${badKey}" is invalid: at most 255 characters, letters, digits, - and _ only`,
        );
      }
      const size = Buffer.byteLength(JSON.stringify(ep));
      if (size > MAX_EVENT_PROPERTIES_BYTES) {
        throw err(400, 'invalid_parameter', `event_properties is ${size} bytes; the limit is 50KB`);
      }
    }
    if (b.event_date !== undefined && !isIsoDateTime(b.event_date)) {
      throw err(400, 'invalid_parameter', 'event_date must be an ISO-8601 date-time, e.g. 2024-01-24T17:39:57+01:00');
    }
    if (b.object !== undefined && !isPlainObject(b.object)) {
      throw err(400, 'invalid_parameter', 'object must be an object');
    }
    let contact: SimContact | undefined;
    if (ids.contact_id !== undefined) contact = this.contactMap.get(ids.contact_id as number);
    else if (ids.email_id !== undefined) contact = this.findByEmail(ids.email_id as string);
    else if (ids.ext_id !== undefined) contact = this.findByExtId(ids.ext_id as string);
    else {
      for (const [type, key] of Object.entries(PHONE_IDENTIFIER_TYPES)) {
        if (ids[type] !== undefined) contact ??= this.findByPhone(key, ids[type]);
      }
    }
    const now = this.iso();
    const event: SimEvent = {
      event_name: name,
      identifiers: { ...ids },
      event_date: (b.event_date as string | undefined) ?? now,
      receivedAt: now,
    };
    if (cp !== undefined) event.contact_properties = { ...cp };
    if (ep !== undefined) event.event_properties = ep;
    if (contact) event.contactId = contact.id;
    this.eventLog.push(event);
    if (cp !== undefined && isPlainObject(cp)) {
      const ctx: PlanContext = {
        mode: 'import',
        source: 'event',
        who: contact?.email ?? String(ids.email_id ?? ids.ext_id ?? ids.contact_id ?? ''),
        allowEmailAttr: false,
        emptyClears: false,
        fromCsv: false,
      };
      if (!contact) {
        for (const [k, v] of Object.entries(cp)) this.recordIgnored(ctx, k, v, 'no such contact');
      } else {
        const attrs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(cp)) {
          if (k === 'EMAIL' || k === 'EXT_ID' || isPhoneKey(k)) {
            this.recordIgnored(ctx, k, v, 'identifiers cannot be changed through contact_properties');
          } else attrs[k] = v;
        }
        const plan = this.planAttributes(attrs, ctx);
        if (plan.set.size > 0) this.commit(contact, plan, {});
      }
    }
    return { status: 204 };
  }

  // -------------------------------------------------------------------------------------------
  // Campaigns, webhooks

  private createCampaign(b: Record<string, unknown>): SimResponse {
    if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
    if (b.tag !== undefined) {
      throw err(405, 'method_not_allowed', 'tag is not available on your plan');
    }
    const sender = b.sender;
    if (sender === undefined) throw err(400, 'missing_parameter', 'sender is missing');
    if (!isPlainObject(sender)) throw err(400, 'invalid_parameter', 'sender must be an object');
    if ((sender.email === undefined) === (sender.id === undefined)) {
      throw err(400, 'invalid_parameter', 'sender needs exactly one of email or id');
    }
    let known: SimSender | undefined;
    if (sender.id !== undefined) known = isPositiveInt(sender.id) ? this.senderMap.get(sender.id) : undefined;
    else {
      const email = typeof sender.email === 'string' ? sender.email.toLowerCase() : '';
      known = [...this.senderMap.values()].find((s) => s.email.toLowerCase() === email);
    }
    if (!known?.active) throw err(400, 'invalid_parameter', 'Sender is invalid / inactive');
    const abTesting = b.abTesting === true;
    if (!abTesting && (typeof b.subject !== 'string' || b.subject.trim() === '')) {
      throw err(400, 'missing_parameter', 'subject is missing');
    }
    const contentKeys = (['htmlContent', 'htmlUrl', 'templateId'] as const).filter((k) => b[k] !== undefined);
    if (contentKeys.length !== 1) {
      throw err(400, 'invalid_parameter', 'Exactly one of htmlContent, htmlUrl or templateId is required');
    }
    if (b.htmlContent !== undefined && (typeof b.htmlContent !== 'string' || b.htmlContent === '')) {
      throw err(400, 'invalid_parameter', 'htmlContent must be a non-empty string');
    }
    if (b.htmlUrl !== undefined && (typeof b.htmlUrl !== 'string' || !URL.canParse(b.htmlUrl))) {
      throw err(400, 'invalid_parameter', 'htmlUrl must be a URL');
    }
    if (b.templateId !== undefined && !isPositiveInt(b.templateId)) {
      throw err(400, 'invalid_parameter', 'templateId must be a positive integer');
    }
    let recipients: SimCampaign['recipients'];
    if (b.recipients !== undefined) {
      if (!isPlainObject(b.recipients)) throw err(400, 'invalid_parameter', 'recipients must be an object');
      const r = b.recipients;
      recipients = {};
      const listIds = this.requireLists(optIntArray(r.listIds, 'recipients.listIds'), 'recipients.listIds');
      const exclusion = this.requireLists(
        optIntArray(r.exclusionListIds, 'recipients.exclusionListIds'),
        'recipients.exclusionListIds',
      );
      const segments = optIntArray(r.segmentIds, 'recipients.segmentIds');
      if (listIds.length > 0) recipients.listIds = listIds;
      if (exclusion.length > 0) recipients.exclusionListIds = exclusion;
      if (segments && segments.length > 0) recipients.segmentIds = segments;
    }
    if (b.scheduledAt !== undefined) {
      if (!isIsoDateTime(b.scheduledAt)) {
        throw err(400, 'invalid_parameter', 'scheduledAt must be an ISO date-time with a timezone');
      }
      if (!recipients?.listIds?.length) {
        throw err(400, 'missing_parameter', 'recipients.listIds is mandatory when scheduledAt is set');
      }
    }
    const campaign: SimCampaign = {
      id: this.nextCampaignId++,
      name: b.name,
      sender: { ...(sender as SimCampaign['sender']) },
      status: 'draft',
      createdAt: this.iso(),
    };
    if (typeof b.subject === 'string') campaign.subject = b.subject;
    if (recipients) campaign.recipients = recipients;
    if (typeof b.htmlContent === 'string') campaign.htmlContent = b.htmlContent;
    if (typeof b.htmlUrl === 'string') campaign.htmlUrl = b.htmlUrl;
    if (typeof b.templateId === 'number') campaign.templateId = b.templateId;
    if (typeof b.scheduledAt === 'string') {
      campaign.scheduledAt = b.scheduledAt;
      campaign.status = 'queued';
    }
    this.campaignMap.set(campaign.id, campaign);
    return { status: 201, body: { id: campaign.id } };
  }

  /**
   * `GET /v3/emailCampaigns` (Brevo API reference, getEmailCampaigns): filters type, status,
   * startDate/endDate (both or neither, ISO date-times, only with status sent or none, on the sent
   * date, inclusive), statistics (one kind, or the full set when absent), limit ≤ 100 (default 50),
   * offset, sort by creation (default desc), excludeHtmlContent. Answers {campaigns, count}.
   */
  private listCampaigns(req: SimRequest): SimResponse {
    const { limit, offset } = page(req, 50, 100);
    const type = req.query.get('type');
    if (type !== null && type !== 'classic' && type !== 'trigger') {
      throw err(400, 'invalid_parameter', 'type must be classic or trigger');
    }
    const status = req.query.get('status');
    const statuses = ['draft', 'sent', 'archive', 'queued', 'suspended', 'in_process'];
    if (status !== null && !statuses.includes(status)) {
      throw err(400, 'invalid_parameter', `status must be one of ${statuses.join(', ')}`);
    }
    const statistics = req.query.get('statistics');
    const kinds = ['globalStats', 'linksStats', 'statsByDomain', 'statsByDevice', 'statsByBrowser'];
    if (statistics !== null && !kinds.includes(statistics)) {
      throw err(400, 'invalid_parameter', `statistics must be one of ${kinds.join(', ')}`);
    }
    const startRaw = req.query.get('startDate');
    const endRaw = req.query.get('endDate');
    if ((startRaw === null) !== (endRaw === null)) {
      throw err(400, 'missing_parameter', 'startDate and endDate must be passed together');
    }
    let range: { start: number; end: number } | undefined;
    if (startRaw !== null && endRaw !== null) {
      if (status !== null && status !== 'sent') {
        throw err(400, 'invalid_parameter', 'startDate and endDate are only available for sent campaigns');
      }
      if (!isIsoDateTime(startRaw) || !isIsoDateTime(endRaw)) {
        throw err(400, 'invalid_parameter', 'startDate and endDate must be ISO date-times (YYYY-MM-DDTHH:mm:ss.SSSZ)');
      }
      range = { start: Date.parse(startRaw), end: Date.parse(endRaw) };
      if (range.start > range.end) throw err(400, 'invalid_parameter', 'startDate must be before endDate');
    }
    const exclude = req.query.get('excludeHtmlContent');
    if (exclude !== null && exclude !== 'true' && exclude !== 'false') {
      throw err(400, 'invalid_parameter', 'excludeHtmlContent must be true or false');
    }
    let all = [...this.campaignMap.values()];
    if (type === 'trigger') all = [];
    if (status !== null) all = all.filter((c) => c.status === status);
    if (range) {
      const { start, end } = range;
      all = all.filter((c) => {
        if (c.status !== 'sent' || c.sentAt === undefined) return false;
        const t = Date.parse(c.sentAt);
        return t >= start && t <= end;
      });
    }
    if (sortDir(req) === 'desc') all.reverse();
    const campaigns = all.slice(offset, offset + limit).map((c) => {
      const g = this.globalStats(c);
      const full = {
        globalStats: g,
        campaignStats: (c.recipients?.listIds ?? []).map((listId) => ({ ...g, listId })),
        mirrorClick: 0,
        remaining: 0,
        linksStats: {},
        statsByDomain: {},
        statsByDevice: {},
        statsByBrowser: {},
      };
      const out: Record<string, unknown> = {
        id: c.id,
        name: c.name,
        subject: c.subject,
        type: 'classic',
        status: c.status,
        testSent: false,
        header: '',
        footer: '',
        sender: { ...c.sender },
        replyTo: c.sender.email ?? '',
        htmlContent: exclude === 'true' ? '' : (c.htmlContent ?? ''),
        createdAt: c.createdAt,
        modifiedAt: c.sentAt ?? c.createdAt,
        recipients: { lists: [...(c.recipients?.listIds ?? [])], exclusionLists: [] },
        statistics: statistics === null ? full : { [statistics]: (full as Record<string, unknown>)[statistics] ?? {} },
      };
      if (c.scheduledAt !== undefined) out.scheduledAt = c.scheduledAt;
      if (c.sentAt !== undefined) out.sentDate = c.sentAt;
      return out;
    });
    return { status: 200, body: { campaigns, count: all.length } };
  }

  private globalStats(c: SimCampaign): SimCampaignStats & { opensRate: number } {
    const s = c.stats ?? {};
    const g: SimCampaignStats = {
      sent: s.sent ?? 0,
      delivered: s.delivered ?? 0,
      uniqueViews: s.uniqueViews ?? 0,
      viewed: s.viewed ?? s.uniqueViews ?? 0,
      uniqueClicks: s.uniqueClicks ?? 0,
      clickers: s.clickers ?? s.uniqueClicks ?? 0,
      unsubscriptions: s.unsubscriptions ?? 0,
      hardBounces: s.hardBounces ?? 0,
      softBounces: s.softBounces ?? 0,
      complaints: s.complaints ?? 0,
      trackableViews: s.trackableViews ?? s.uniqueViews ?? 0,
      appleMppOpens: s.appleMppOpens ?? 0,
    };
    const opensRate = g.delivered > 0 ? Math.round((g.uniqueViews / g.delivered) * 10_000) / 100 : 0;
    return { ...g, opensRate };
  }

  private createWebhook(b: Record<string, unknown>): SimResponse {
    if (typeof b.url !== 'string' || !URL.canParse(b.url) || !/^https?:/.test(b.url)) {
      throw err(400, 'invalid_parameter', 'url must be an http(s) URL');
    }
    const type = (b.type ?? 'transactional') as SimWebhook['type'];
    if (!(type in WEBHOOK_EVENTS))
      throw err(400, 'invalid_parameter', 'type must be transactional, marketing or inbound');
    const channel = (b.channel ?? 'email') as SimWebhook['channel'];
    if (channel !== 'email' && channel !== 'sms') throw err(400, 'invalid_parameter', 'channel must be email or sms');
    const events = b.events;
    if (!Array.isArray(events) || events.length === 0) throw err(400, 'missing_parameter', 'events is missing');
    const allowed = WEBHOOK_EVENTS[type];
    const bad = events.find((e) => typeof e !== 'string' || (channel === 'email' && !allowed.includes(e)));
    if (bad !== undefined) throw err(400, 'invalid_parameter', `Invalid event ${String(bad)} for ${type} webhooks`);
    if (this.webhookMap.size >= MAX_WEBHOOKS) {
      throw err(400, 'out_of_range', `An account can have at most ${MAX_WEBHOOKS} webhooks`);
    }
    const hook: SimWebhook = {
      id: this.nextWebhookId++,
      url: b.url,
      events: events as string[],
      type,
      channel,
      createdAt: this.iso(),
    };
    if (typeof b.description === 'string') hook.description = b.description;
    if (b.auth !== undefined) {
      const auth = b.auth as { type?: unknown; token?: unknown };
      if (!isPlainObject(b.auth) || auth.type !== 'bearer' || typeof auth.token !== 'string' || auth.token === '') {
        throw err(400, 'invalid_parameter', 'auth must be {type: "bearer", token}');
      }
      hook.auth = { type: 'bearer', token: auth.token };
    }
    if (b.headers !== undefined) {
      const headers = b.headers;
      if (
        !Array.isArray(headers) ||
        !headers.every((h) => isPlainObject(h) && typeof h.key === 'string' && typeof h.value === 'string')
      ) {
        throw err(400, 'invalid_parameter', 'headers must be an array of {key, value}');
      }
      hook.headers = headers.map((h) => ({ key: String(h.key), value: String(h.value) }));
    }
    this.webhookMap.set(hook.id, hook);
    return { status: 201, body: { id: hook.id } };
  }
}

/** First key (at any depth) breaking the events key rule, if any. */
function findBadKey(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = findBadKey(v);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.length === 0 || k.length > 255 || !/^[A-Za-z0-9_-]+$/.test(k)) return k;
    const bad = findBadKey(v);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
