/**
 * Notion simulator, control layer: options, the workspace's state (the store, tokens, capabilities,
 * faults, webhook subscription), the control API tests and the sandbox use, and the webhook events
 * API writes emit.
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * NotionControl (control.ts: state, options, the control API, webhook emission) <- NotionGateway
 * (gateway.ts: auth, versions, capabilities, rate limits, faults, request parsing, visibility) <-
 * UsersEndpoints <- DataSourcesEndpoints <- PagesEndpoints <- BlocksEndpoints <- SearchEndpoints
 * (endpoints/) <- NotionSimulator (index.ts: the routes).
 */

import { SimClock, SimServer, type TokenBucket } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph } from '../snapshot';
import { draftBlocks } from './blocks';
import { NotionOAuth, type NotionOAuthClientInput } from './oauth';
import type { SortValue } from './query';
import { NotionStore } from './store';
import type {
  BlockInput,
  Capabilities,
  DatabaseInfo,
  DatabaseInput,
  DataSourceInfo,
  DataSourceInput,
  NotionErrorBody,
  NotionVersion,
  PageInfo,
  PageInput,
  PageRec,
  StandalonePageInput,
  TimeInput,
  UserInput,
  UserRec,
} from './types';
import { normaliseId, toMs } from './util';
import { NotionWebhookSender, type WebhookEventInput, type WebhookSenderOptions } from './webhooks';

export interface NotionSimulatorOptions {
  /** Accepted bearer tokens. Default `['secret_sandbox']`. */
  tokens?: string[];
  /** Per-token token bucket; `false` disables it. Default `{perSecond: 3, burst: 3}`. */
  rateLimit?: { perSecond: number; burst: number } | false;
  /** Rows one query (same filter + sorts + in_trash) may return across all its pages. Default 10,000. */
  queryCap?: number;
  /** Source of "now" for timestamps and the rate limiter. Default: real time. */
  clock?: SimClock;
  /** Name of the integration (bot user, 404 messages). Default `Tajo Sandbox`. */
  integrationName?: string;
  /** Workspace name of the bot user. Default `Sandbox`. */
  workspaceName?: string;
  /** Capabilities of every token. Default: read, update and insert content, user information with email. */
  capabilities?: Partial<Capabilities>;
  /** Per-token overrides of `capabilities` (one simulator can play several connections). */
  tokenCapabilities?: Record<string, Partial<Capabilities>>;
  /**
   * Blocks GET /v1/pages/:id/markdown renders before it truncates (Notion's own limit is
   * undocumented). Default 1000.
   */
  markdownRecordLimit?: number;
  /** OAuth clients (public connections) that may exchange codes and refresh tokens (see oauth.ts). */
  oauthClients?: NotionOAuthClientInput[];
  /** Lifetime of OAuth access tokens; default: no expiry. */
  oauthAccessTokenTtlMs?: number;
}

export interface NotionSimStats {
  requests: number;
  rateLimited: number;
  byRoute: Record<string, number>;
}

/** What addContentPage returns. */
export interface ContentPageInfo {
  id: string;
  title: string;
  url: string;
  /** Ids of the page's first-level content blocks (child pages included: their block id is the page id). */
  blockIds: string[];
}

export interface WebhookSubscriptionOptions extends Omit<WebhookSenderOptions, 'workspaceId' | 'workspaceName'> {
  url: string;
  /** Event types to send (default: all the simulator emits). */
  events?: string[];
}

const DEFAULT_CAPABILITIES: Capabilities = {
  readContent: true,
  updateContent: true,
  insertContent: true,
  userInformation: 'with_email',
};

export interface Row {
  page: PageRec;
  key: SortValue[];
}

export abstract class NotionControl extends SimServer {
  readonly clock: SimClock;
  readonly queryCap: number;
  protected readonly store: NotionStore;
  protected readonly tokens: Set<string>;
  protected readonly rateLimit: { perSecond: number; burst: number } | false;
  protected readonly buckets = new Map<string, TokenBucket>();
  protected readonly faults: Array<{ remaining: number; error: NotionErrorBody }> = [];
  protected readonly pathFaults = new Map<string, NotionErrorBody>();
  protected rateLimitedCount = 0;
  protected readonly queryCache = new Map<string, { version: number; rows: Row[] }>();
  protected capabilities: Capabilities;
  protected readonly tokenCapabilities = new Map<string, Capabilities>();
  protected readonly markdownRecordLimit: number;
  protected subscription: { sender: NotionWebhookSender; url: string; events: Set<string> | undefined } | undefined;
  protected readonly pendingWebhooks = new Set<Promise<unknown>>();
  protected webhookChain: Promise<unknown> = Promise.resolve();
  /** OAuth of public connections: clients, codes, rolled refresh tokens (control API and token route). */
  readonly oauth: NotionOAuth;

  constructor(options: NotionSimulatorOptions = {}) {
    super();
    this.clock = options.clock ?? new SimClock();
    this.queryCap = options.queryCap ?? 10_000;
    this.tokens = new Set(options.tokens ?? ['secret_sandbox']);
    registerTestSecrets(...this.tokens);
    this.rateLimit = options.rateLimit ?? { perSecond: 3, burst: 3 };
    this.store = new NotionStore(
      this.clock,
      options.integrationName ?? 'Tajo Sandbox',
      options.workspaceName ?? 'Sandbox',
    );
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    for (const [token, caps] of Object.entries(options.tokenCapabilities ?? {})) {
      this.tokenCapabilities.set(token, { ...this.capabilities, ...caps });
    }
    this.markdownRecordLimit = options.markdownRecordLimit ?? 1000;
    this.oauth = new NotionOAuth(
      { addToken: (t) => this.tokens.add(t), removeToken: (t) => this.tokens.delete(t) },
      this.clock,
      () => ({
        workspaceId: this.store.workspaceId,
        workspaceName: this.store.workspaceName,
        botId: this.store.bot.id,
      }),
      { accessTokenTtlMs: options.oauthAccessTokenTtlMs },
    );
    for (const client of options.oauthClients ?? []) this.oauth.registerClient(client);
  }

  // ===========================================================================================
  // Control API (plain methods, no HTTP)

  /** The integration's own bot user (what GET /v1/users/me returns). */
  get botUser(): { id: string; name: string } {
    return { id: this.store.bot.id, name: this.store.bot.name };
  }

  /** The workspace's data and accepted tokens as JSON (snapshot.ts), for a sandbox kept across restarts. */
  snapshot(): unknown {
    return encodeGraph({ store: this.store.data(), tokens: this.tokens });
  }

  /** Puts back a snapshot() (throws when it is not one). */
  restore(snapshot: unknown): void {
    const d = decodeGraph(snapshot) as { store?: Record<string, unknown>; tokens?: unknown };
    if (!d?.store || !(d.tokens instanceof Set)) throw new Error('snapshot: not a Notion simulator snapshot');
    this.store.restore(d.store);
    for (const t of d.tokens as Set<string>) {
      registerTestSecrets(t);
      this.tokens.add(t);
    }
    this.queryCache.clear();
  }

  addDatabase(input: DatabaseInput): DatabaseInfo {
    return this.store.addDatabase(input);
  }

  /** Add another data source to an existing database (makes it multi-source: 2022-06-28 calls on it fail). */
  addDataSource(databaseId: string, input: DataSourceInput): DataSourceInfo {
    return this.store.addDataSource(databaseId, input);
  }

  addPage(dataSourceId: string, input: PageInput = {}): PageInfo {
    return this.store.addPage(dataSourceId, input);
  }

  /**
   * Bulk seeding. With `spacing`, inputs without createdTime get `start + i * stepMs` (rounded to the
   * minute), so large seeds do not all share one created_time minute.
   */
  addPages(dataSourceId: string, inputs: PageInput[], spacing?: { start: TimeInput; stepMs: number }): PageInfo[] {
    const start = spacing ? toMs(spacing.start, 'spacing.start') : 0;
    return inputs.map((input, i) =>
      this.store.addPage(
        dataSourceId,
        spacing && input.createdTime === undefined ? { ...input, createdTime: start + i * spacing.stepMs } : input,
      ),
    );
  }

  /** Set property values (simple input shapes) and stamp last_edited_time with the clock's minute. */
  updatePage(pageId: string, properties: Record<string, unknown>, opts: { editedBy?: string } = {}): PageInfo {
    return this.store.updatePage(pageId, properties, opts);
  }

  trashPage(pageId: string): void {
    this.store.setTrashed(pageId, true);
  }

  restorePage(pageId: string): void {
    this.store.setTrashed(pageId, false);
  }

  /** Remove a page for good: every route answers 404 for it afterwards. */
  deletePage(pageId: string): void {
    this.store.deletePage(pageId);
  }

  unshareDatabase(databaseId: string): void {
    this.store.setShared(databaseId, false);
  }

  shareDatabase(databaseId: string): void {
    this.store.setShared(databaseId, true);
  }

  addUser(input: UserInput): UserRec {
    return this.store.addUser(input);
  }

  /**
   * A page outside any data source (workspace-level, or under `parentPageId`) with content in
   * BlockInput shape; child_page blocks in the content become nested pages. See content.ts for builders.
   */
  addContentPage(input: StandalonePageInput): ContentPageInfo {
    const content = draftBlocks(input.children ?? [], 'children', 'seed');
    const page = this.store.addStandalonePage({
      ...input,
      parent: input.parentPageId
        ? { type: 'page_id', id: this.store.mustPage(input.parentPageId).id }
        : { type: 'workspace' },
      content,
      shared: input.parentPageId ? null : (input.shared ?? true),
    });
    return {
      id: page.id,
      title: input.title,
      url: String(this.store.renderPage(page, '2025-09-03').url),
      blockIds: [...(this.store.children.get(page.id) ?? [])],
    };
  }

  /** Append content (seed shape) to any page, data source rows included, or block; returns the new first-level ids. */
  appendBlocks(parentId: string, blocks: BlockInput[], opts: { editedBy?: string } = {}): string[] {
    const drafts = draftBlocks(blocks, 'blocks', 'seed');
    const target = this.store.blocks.get(normaliseId(parentId) ?? parentId);
    const page = target ? this.store.mustPage(target.pageId) : this.store.mustPage(parentId);
    const parent =
      target && target.type !== 'child_page'
        ? { type: 'block_id' as const, id: target.id }
        : { type: 'page_id' as const, id: target?.id ?? page.id };
    const containing = parent.type === 'page_id' ? parent.id : page.id;
    const by = opts.editedBy ?? this.store.bot.id;
    const created = this.store.materialise(parent, containing, drafts, {
      at: this.store.now(),
      by,
      position: { type: 'end' },
    });
    this.touchPage(this.store.mustPage(containing), by);
    return created.map((b) => b.id);
  }

  /** The block object as the API would return it (for assertions), regardless of sharing. */
  getBlock(blockId: string, version: NotionVersion = '2025-09-03'): Record<string, unknown> {
    return this.store.renderBlock(this.store.mustBlock(blockId), version);
  }

  /** Live child ids of a page or block, in order (what GET /v1/blocks/:id/children walks). */
  childIds(parentId: string): string[] {
    return this.store.childIdsOf(normaliseId(parentId) ?? parentId);
  }

  /** Hide a standalone page and its subtree from the integration (404 everywhere), or show it again. */
  unsharePage(pageId: string): void {
    this.store.mustPage(pageId).shared = false;
    this.store.version++;
  }

  sharePage(pageId: string): void {
    this.store.mustPage(pageId).shared = true;
    this.store.version++;
  }

  /** Change the capabilities of every token (or of one token). */
  setCapabilities(caps: Partial<Capabilities>, token?: string): void {
    if (token === undefined) {
      this.capabilities = { ...this.capabilities, ...caps };
      return;
    }
    this.tokenCapabilities.set(token, { ...this.capabilitiesOf(token), ...caps });
  }

  /** Workspace id (webhook payloads, file URLs). */
  get workspaceId(): string {
    return this.store.workspaceId;
  }

  /**
   * Register the subscription that page writes made through the API report to (off until called):
   * POST /v1/pages → page.created; PATCH properties → page.properties_updated (property ids);
   * PATCH in_trash → page.deleted / page.undeleted; PATCH icon/cover or appended blocks →
   * page.content_updated. Deliveries run in the background: await flushWebhooks() before asserting.
   * The integration's own writes are reported too, with the bot as author, as Notion does.
   */
  subscribeWebhooks(options: WebhookSubscriptionOptions): NotionWebhookSender {
    const { url, events, ...senderOptions } = options;
    const sender = new NotionWebhookSender({
      apiVersion: '2025-09-03',
      now: () => this.clock.now(),
      ...senderOptions,
      workspaceId: this.store.workspaceId,
      workspaceName: this.store.workspaceName,
    });
    this.subscription = { sender, url, events: events ? new Set(events) : undefined };
    return sender;
  }

  unsubscribeWebhooks(): void {
    this.subscription = undefined;
  }

  /** Wait until every webhook delivery started so far (retries included) has finished. */
  async flushWebhooks(): Promise<void> {
    while (this.pendingWebhooks.size > 0) await Promise.allSettled([...this.pendingWebhooks]);
  }

  override async start(port = 0): Promise<string> {
    const url = await super.start(port);
    await this.store.fileHost.start();
    return url;
  }

  override async stop(): Promise<void> {
    await this.flushWebhooks();
    await Promise.all([super.stop(), this.store.fileHost.stop()]);
  }

  /** Base URL of the listener serving Notion-hosted files (signed, expiring URLs). */
  get filesBaseUrl(): string {
    return this.store.fileHost.baseUrl;
  }

  /** The page object as the API would return it (for assertions), regardless of sharing. */
  getPage(pageId: string, version: NotionVersion = '2025-09-03'): Record<string, unknown> {
    return this.store.renderPage(this.store.mustPage(pageId), version);
  }

  /** Ids of the pages of a data source, trashed ones included, in insertion order. */
  pageIds(dataSourceId: string): string[] {
    return [...this.store.mustDataSource(dataSourceId).pages.keys()];
  }

  /** Every request whose path starts with `prefix` fails with this error until cleared (undefined). */
  failPath(prefix: string, error: NotionErrorBody | undefined): void {
    if (error) this.pathFaults.set(prefix, { ...error });
    else this.pathFaults.delete(prefix);
  }

  /** The next `n` /v1 requests fail with this error (checked before auth; Retry-After set when given). */
  failNext(n: number, error: NotionErrorBody): void {
    if (n > 0) this.faults.push({ remaining: n, error: { ...error } });
  }

  stats(): NotionSimStats {
    return {
      requests: this.log.records.length,
      rateLimited: this.rateLimitedCount,
      byRoute: this.log.byRoute(),
    };
  }

  /** GETs of Notion-hosted file URLs (a separate listener: not API requests, not in stats()). */
  get fileDownloads(): number {
    return this.store.fileHost.downloads;
  }

  resetStats(): void {
    this.log.clear();
    this.rateLimitedCount = 0;
    this.store.fileHost.downloads = 0;
  }

  // ===========================================================================================
  // Capabilities and edits shared by the control API and the routes

  protected capabilitiesOf(token: string): Capabilities {
    return this.tokenCapabilities.get(token) ?? this.capabilities;
  }

  /** A content edit: last_edited_time (minute-rounded) and last_edited_by move. */
  protected touchPage(page: PageRec, by: string): void {
    page.lastEditedTime = this.store.now();
    page.lastEditedBy = by;
    this.store.version++;
  }

  // ===========================================================================================
  // Webhooks emitted by API writes

  protected webhookParent(page: PageRec): Record<string, unknown> {
    if (page.databaseId) return { id: page.databaseId, type: 'database', data_source_id: page.dataSourceId };
    const p = page.parent;
    if (!p || p.type === 'workspace') return { id: this.store.workspaceId, type: 'space' };
    return { id: p.id, type: p.type === 'page_id' ? 'page' : 'block' };
  }

  protected emitPageEvent(type: string, page: PageRec, data: Record<string, unknown>): void {
    this.emit({
      type,
      entity: { id: page.id, type: 'page' },
      data: { parent: this.webhookParent(page), ...data },
      authors: [{ id: this.store.bot.id, type: 'bot' }],
    });
  }

  protected emit(event: WebhookEventInput): void {
    const sub = this.subscription;
    if (!sub || (sub.events && !sub.events.has(event.type))) return;
    // Stamped when the write happens, delivered one after another: Notion does not promise order,
    // but tests that assert on a sequence of writes should not depend on socket timing.
    const stamped = { ...event, timestamp: new Date(this.clock.now()).toISOString() };
    const delivery = this.webhookChain.then(() => sub.sender.sendEvent(sub.url, stamped)).catch(() => undefined);
    this.webhookChain = delivery;
    this.pendingWebhooks.add(delivery);
    void delivery.finally(() => this.pendingWebhooks.delete(delivery));
  }
}
