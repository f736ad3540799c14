/**
 * Brevo simulator, account layer: the account's state (attributes, lists, contacts, events, campaigns,
 * webhooks, imports) as plain Maps, the control API tests and the sandbox drive, snapshots, JSON views.
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * BrevoAccount (account.ts: state, control API, snapshots) <- BrevoGateway (gateway.ts: auth, rate
 * limits, failure injection, record lookups) <- ContactsApi <- ImportsApi <- EventsApi <- CampaignsApi
 * <- WebhooksApi (endpoints/) <- BrevoSimulator (simulator.ts: the HTTP routes).
 */

import { FixedWindow, SimClock, type SimRequest, SimServer } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph, refill, refillArray } from '../snapshot';
import { type ContactWebhookDelivery, ContactWebhookSender } from './contact-webhooks';
import type { Bucket, PendingImport } from './internal-types';
import {
  type AttributeDef,
  type AttributeInput,
  type AttributeValue,
  buildAttributeDef,
  err,
  type IgnoredAttributeValue,
  type PhoneKey,
  type SimContact,
} from './model';
import type {
  BrevoLimits,
  BrevoSimulatorOptions,
  FailureSpec,
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

const DEFAULT_LIMITS: BrevoLimits = { contactsPerSecond: 10, eventsPerSecond: 10, otherPerHour: 100 };

export abstract class BrevoAccount extends SimServer {
  readonly clock: SimClock;
  readonly importProcessingMs: number;
  /** Values Brevo would have dropped silently (unknown attribute, type mismatch, skipped import values). */
  readonly ignoredAttributeValues: IgnoredAttributeValue[] = [];
  /** Calls to the deprecated `POST /v3/contacts/batch` (answered 410). */
  deprecatedBatchCalls = 0;
  /** notifyUrl deliveries (and skipped non-loopback URLs). */
  readonly notifications: SimNotification[] = [];

  protected readonly apiKeys: Set<string>;
  protected readonly apiKeyNames = new Map<string, string>();
  /** The name of the API key whose request is writing now ("" outside requests: the UI, seeding). */
  protected writer = '';
  protected readonly contactHooks: ContactWebhookSender;
  protected readonly windows: Record<Bucket, { limit: number; window: FixedWindow }> | undefined;
  protected readonly routeLabels = new Set<string>();
  protected readonly rateHeaders = new WeakMap<SimRequest, Record<string, string>>();
  protected readonly failures: { remaining: number; spec: FailureSpec; route?: string }[] = [];
  protected rateLimitedCount = 0;

  protected readonly attributes = new Map<string, AttributeDef>();
  protected readonly folderMap = new Map<number, SimFolder>();
  protected readonly listMap = new Map<number, SimList>();
  protected readonly members = new Map<number, Set<number>>();
  protected readonly contactMap = new Map<number, SimContact>();
  protected readonly byEmail = new Map<string, number>();
  protected readonly byExtId = new Map<string, number>();
  protected readonly byPhone: Record<PhoneKey, Map<string, number>> = {
    SMS: new Map(),
    WHATSAPP: new Map(),
    LANDLINE_NUMBER: new Map(),
  };
  protected readonly eventLog: SimEvent[] = [];
  protected readonly senderMap = new Map<number, SimSender>();
  protected readonly campaignMap = new Map<number, SimCampaign>();
  protected readonly webhookMap = new Map<number, SimWebhook>();
  protected readonly processMap = new Map<number, SimProcess>();
  protected readonly pending: PendingImport[] = [];
  protected readonly timers = new Set<ReturnType<typeof setTimeout>>();
  protected readonly inFlight = new Set<Promise<void>>();

  protected nextContactId = 1;
  protected nextListId = 1;
  protected nextFolderId = 1;
  protected nextProcessId = 1;
  protected nextCampaignId = 1;
  protected nextSenderId = 1;
  protected nextWebhookId = 1;

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

  /** Applies a due import (endpoints/imports.ts); settle() runs it. */
  protected abstract applyImport(job: PendingImport): void;

  protected iso(ms: number = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  // -------------------------------------------------------------------------------------------
  // JSON views

  protected contactJson(c: SimContact): Record<string, unknown> {
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

  protected listJson(l: SimList): Record<string, unknown> {
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

  protected folderJson(f: SimFolder): Record<string, unknown> {
    let unique = 0;
    for (const l of this.listMap.values()) if (l.folderId === f.id) unique += this.members.get(l.id)?.size ?? 0;
    return { id: f.id, name: f.name, uniqueSubscribers: unique, totalBlacklisted: 0, totalSubscribers: 0 };
  }

  /**
   * The process object of brevo.md §1 (SDK v4 GetProcessResponse): every field is always there,
   * and the ones that have no value yet are null, as Brevo sends them: `error` (null unless the
   * process failed), `export_url` (null for imports), `completed_at` and `info` until completion.
   */
  protected processJson(p: SimProcess): Record<string, unknown> {
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

  protected processStatus(p: SimProcess): SimProcess['status'] {
    if (p.status === 'completed') return 'completed';
    return this.clock.now() >= p.createdAt + (p.dueAt - p.createdAt) / 2 ? 'processing' : 'queued';
  }
}
