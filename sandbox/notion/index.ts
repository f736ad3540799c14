/**
 * NotionSimulator: an in-process Notion API (loopback HTTP) that enforces the documented behaviour a
 * sync client must cope with — bearer auth, the Notion-Version header and its three live versions,
 * a per-token rate limit with Retry-After, minute-rounded timestamps, cursor pagination with
 * page_size ≤ 100, the per-query result cap with its `request_status` signal, trash semantics, the
 * 25-reference limit on relations and people, and 404s for databases not shared with the integration.
 *
 * Response choices:
 * - A query page that is NOT cut by the cap carries no `request_status` field at all; only the page
 *   that reaches the cap has `request_status: {type:'incomplete', incomplete_reason:'query_result_limit_reached'}`.
 * - Default query order: created_time descending; every ordering breaks ties by page id ascending.
 * - Trashing/restoring a page does not change its last_edited_time (detect trash with an in_trash query).
 * - List `type` is `page_or_data_source` on 2025-09-03+ and `page_or_database` on 2022-06-28 (as in
 *   real 2022-era responses).
 * - On 2022-06-28 a database with several data sources fails (400 validation_error) for both
 *   GET /v1/databases/:id and its query, as the upgrade guide documents.
 * - Timestamp filter operands are compared to the millisecond against the minute-rounded stored
 *   values (a watermark with seconds misses edits made earlier in that minute — as in Notion).
 * - failNext() faults are served before auth, version and rate-limit checks.
 *
 * Content (blocks, standalone pages, markdown, files, webhooks):
 * - Standalone pages (addContentPage, POST /v1/pages with a page parent) are shared by default;
 *   unsharePage() on a workspace page hides its whole subtree (404 object_not_found everywhere).
 * - A child page is also a child_page block of its parent with the same id; GET /v1/blocks/:id of
 *   any page answers a child_page block. A synced copy lists its original's children.
 * - Block children cursors name the next block, so appends between two pages do not shift them.
 * - Capabilities (options.capabilities / tokenCapabilities / setCapabilities): missing read, update
 *   or insert content → 403 restricted_resource on the routes that need it; user information `none`
 *   → 403 on GET /v1/users and /v1/users/:id (GET /v1/users/me, the integration itself, still works);
 *   `without_email` → `person: {}` everywhere, people property values included.
 * - Notion-hosted files are served by a second loopback listener (filesBaseUrl) with S3-style signed
 *   URLs valid 1 h on the simulator clock; downloads are not API requests (see files.ts).
 * - Page writes through the API emit webhook events only after subscribeWebhooks() (see webhooks.ts).
 * - OAuth of public connections (options.oauthClients, `sim.oauth`): `POST /v1/oauth/token` with Basic
 *   client auth (no Notion-Version, no rate limit), codes from the control API or the sandbox consent
 *   route `GET /__sandbox/oauth/authorize`; tokens it issues join the accepted bearer tokens, and a
 *   refresh rolls them (see oauth.ts).
 */

import { SimClock, type SimRequest, type SimResponse, SimServer, TokenBucket } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph } from '../snapshot';
import { type BlockDraft, draftBlocks, MAX_CHILDREN_PER_REQUEST } from './blocks';
import { markdownToBlocks, renderMarkdown } from './markdown';
import { NotionOAuth, type NotionOAuthClientInput } from './oauth';
import { comparePositions, compileQuery, findProperty, type SortValue } from './query';
import { type BlockPosition, NotionStore } from './store';
import {
  type BlockInput,
  type BlockRec,
  type Capabilities,
  type DatabaseInfo,
  type DatabaseInput,
  type DataSourceInfo,
  type DataSourceInput,
  type DataSourceRec,
  NOTION_VERSIONS,
  type NotionErrorBody,
  type NotionVersion,
  type PageInfo,
  type PageInput,
  type PageRec,
  type PropDef,
  type StandalonePageInput,
  type TimeInput,
  type UserInput,
  type UserRec,
} from './types';
import {
  bodyInvalid,
  canonicalHash,
  decodeCursor,
  encodeCursor,
  isRecord,
  NotionApiError,
  normaliseId,
  show,
  toMs,
  validationError,
} from './util';
import { plainText, REFERENCE_LIMIT, requestRichText, requestValue } from './values';
import { NotionWebhookSender, type WebhookEventInput, type WebhookSenderOptions } from './webhooks';

export {
  b as blocks,
  type DocsTree,
  type DocsTreeOptions,
  pdfOnlyContent,
  realisticContent,
  seedDocsTree,
  TINY_PDF,
  TINY_PNG,
} from './content';
export { FILE_URL_TTL_SECONDS } from './files';
export { markdownToBlocks, richTextToMarkdown } from './markdown';
export {
  INSTALLER_ID,
  NOTION_CODE_TTL_MS,
  NotionOAuth,
  type NotionOAuthClientInput,
  type NotionOAuthRequest,
} from './oauth';
export type * from './types';
export { BLOCK_TYPES, NOTION_VERSIONS, PROPERTY_TYPES } from './types';
export { richText } from './values';
export {
  MAX_WEBHOOK_ATTEMPTS,
  NotionWebhookSender,
  sendEvent,
  sendVerification,
  signWebhookBody,
  type WebhookDelivery,
  type WebhookEventInput,
  type WebhookEventResult,
  type WebhookSenderOptions,
} from './webhooks';

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

type Ctx = { version: NotionVersion; req: SimRequest; caps: Capabilities };

const DEFAULT_CAPABILITIES: Capabilities = {
  readContent: true,
  updateContent: true,
  insertContent: true,
  userInformation: 'with_email',
};
type Handler = (ctx: Ctx) => unknown;

interface Row {
  page: PageRec;
  key: SortValue[];
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 100;
const CACHE_ENTRIES = 16;

export class NotionSimulator extends SimServer {
  readonly clock: SimClock;
  readonly queryCap: number;
  private readonly store: NotionStore;
  private readonly tokens: Set<string>;
  private readonly rateLimit: { perSecond: number; burst: number } | false;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly faults: Array<{ remaining: number; error: NotionErrorBody }> = [];
  private readonly pathFaults = new Map<string, NotionErrorBody>();
  private rateLimitedCount = 0;
  private readonly queryCache = new Map<string, { version: number; rows: Row[] }>();
  private capabilities: Capabilities;
  private readonly tokenCapabilities = new Map<string, Capabilities>();
  private readonly markdownRecordLimit: number;
  private subscription: { sender: NotionWebhookSender; url: string; events: Set<string> | undefined } | undefined;
  private readonly pendingWebhooks = new Set<Promise<unknown>>();
  private webhookChain: Promise<unknown> = Promise.resolve();
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
    // Basic auth, no Notion-Version, no rate limit: see before().
    this.route('POST', '/v1/oauth/token', (req) => this.oauth.tokenRoute(req));
    this.route('GET', '/__sandbox/oauth/authorize', (req) => this.oauth.authorizeRoute(req));

    this.api('GET', '/v1/users/me', () => this.store.renderUser(this.store.bot.id));
    this.api('GET', '/v1/users', (c) => this.listUsers(c));
    this.api('GET', '/v1/users/:user_id', (c) => this.getUser(c));
    this.api('GET', '/v1/databases/:database_id', (c) => this.getDatabase(c));
    this.api('POST', '/v1/databases/:database_id/query', (c) => this.queryDatabase(c));
    this.api('GET', '/v1/data_sources/:data_source_id', (c) => this.getDataSource(c));
    this.api('POST', '/v1/data_sources/:data_source_id/query', (c) => this.queryDataSource(c));
    this.api('POST', '/v1/pages', (c) => this.createPage(c));
    this.api('GET', '/v1/pages/:page_id', (c) => this.getPageRoute(c));
    this.api('PATCH', '/v1/pages/:page_id', (c) => this.patchPage(c));
    this.api('GET', '/v1/pages/:page_id/markdown', (c) => this.getMarkdown(c));
    this.api('GET', '/v1/blocks/:block_id', (c) => this.getBlockRoute(c));
    this.api('GET', '/v1/blocks/:block_id/children', (c) => this.listChildren(c));
    this.api('PATCH', '/v1/blocks/:block_id/children', (c) => this.appendChildren(c));
    this.api('GET', '/v1/pages/:page_id/properties/:property_id', (c) => this.getPageProperty(c));
    this.api('POST', '/v1/search', (c) => this.search(c));
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
  // HTTP plumbing

  private api(method: string, path: string, handler: Handler): void {
    this.route(method, path, (req) => {
      try {
        const version = req.headers['notion-version'] as NotionVersion;
        const caps = this.capabilitiesOf(this.tokenOf(req) ?? '');
        // Handlers are synchronous, so this per-request rendering switch cannot leak into another request.
        this.store.emailsVisible = caps.userInformation === 'with_email';
        const body = handler({ version, req, caps });
        return { status: 200, body };
      } catch (err) {
        if (err instanceof NotionApiError) return this.errorResponse(err.status, err.code, err.message, err.headers);
        throw err;
      } finally {
        this.store.emailsVisible = true;
      }
    });
  }

  private tokenOf(req: SimRequest): string | undefined {
    const auth = req.headers.authorization;
    return typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
  }

  private capabilitiesOf(token: string): Capabilities {
    return this.tokenCapabilities.get(token) ?? this.capabilities;
  }

  /** 403 restricted_resource when the caller's integration lacks a capability (notion.md §2, §7). */
  private requireCapability(caps: Capabilities, which: 'readContent' | 'updateContent' | 'insertContent'): void {
    if (caps[which]) return;
    const name = { readContent: 'read content', updateContent: 'update content', insertContent: 'insert content' }[
      which
    ];
    throw new NotionApiError(
      403,
      'restricted_resource',
      `Insufficient permissions for this endpoint: the integration does not have the ${name} capability.`,
    );
  }

  private errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    return { status, body: { object: 'error', status, code, message }, headers };
  }

  protected invalidJson(): SimResponse {
    return this.errorResponse(400, 'invalid_json', 'Error parsing JSON body.');
  }

  protected notFound(_req: SimRequest): SimResponse {
    return this.errorResponse(400, 'invalid_request_url', 'Invalid request URL.');
  }

  protected before(req: SimRequest, _route: string): SimResponse | undefined {
    if (!req.path.startsWith('/v1/')) return undefined;
    for (const [prefix, e] of this.pathFaults) {
      if (req.path.startsWith(prefix)) return this.errorResponse(e.status, e.code, e.message);
    }
    const fault = this.faults[0];
    if (fault) {
      fault.remaining--;
      if (fault.remaining <= 0) this.faults.shift();
      const e = fault.error;
      const headers = e.retryAfter !== undefined ? { 'Retry-After': String(e.retryAfter) } : undefined;
      return this.errorResponse(e.status, e.code, e.message, headers);
    }
    if (req.path === '/v1/oauth/token') return undefined;
    const token = this.tokenOf(req);
    if (!token || !this.tokens.has(token) || this.oauth.expired(token)) {
      return this.errorResponse(401, 'unauthorized', 'API token is invalid.');
    }
    const version = req.headers['notion-version'];
    if (version === undefined || version === '') {
      return this.errorResponse(
        400,
        'missing_version',
        'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.',
      );
    }
    if (typeof version !== 'string' || !(NOTION_VERSIONS as readonly string[]).includes(version)) {
      return this.errorResponse(
        400,
        'validation_error',
        `Notion-Version header failed validation: Notion-Version header should be one of ${NOTION_VERSIONS.map((v) => `\`"${v}"\``).join(', ')}, instead was \`${show(version)}\`.`,
      );
    }
    if (this.rateLimit) {
      let bucket = this.buckets.get(token);
      if (!bucket) {
        bucket = new TokenBucket(this.rateLimit.perSecond, this.rateLimit.burst, () => this.clock.now());
        this.buckets.set(token, bucket);
      }
      const taken = bucket.take();
      if (!taken.ok) {
        this.rateLimitedCount++;
        return this.errorResponse(
          429,
          'rate_limited',
          'You have been rate limited. Please try again in a few minutes.',
          {
            'Retry-After': String(taken.retryAfterSeconds),
          },
        );
      }
    }
    // Clients that send JSON without a JSON content-type still get their body read (or rejected).
    if (req.body === undefined && req.rawBody.length > 0) {
      try {
        req.body = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return this.invalidJson();
      }
    }
    return undefined;
  }

  // ===========================================================================================
  // Helpers shared by routes

  private pathId(req: SimRequest, param: string): string {
    const raw = req.params[param] ?? '';
    const id = normaliseId(raw);
    if (!id)
      throw validationError(
        `path failed validation: path.${param} should be a valid uuid, instead was \`${show(raw)}\`.`,
      );
    return id;
  }

  private body(req: SimRequest, allowed: string[]): Record<string, unknown> {
    if (req.body === undefined || req.body === null) return {};
    if (!isRecord(req.body)) throw bodyInvalid('body', 'an object', req.body);
    for (const key of Object.keys(req.body)) {
      if (!allowed.includes(key)) throw bodyInvalid(`body.${key}`, 'not present', req.body[key]);
    }
    return req.body;
  }

  private pageSize(value: unknown, path: string): number {
    if (value === undefined) return DEFAULT_PAGE_SIZE;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw bodyInvalid(path, 'an integer', value);
    if (value < 1) throw bodyInvalid(path, '≥ `1`', value);
    if (value > MAX_PAGE_SIZE) throw bodyInvalid(path, `≤ \`${MAX_PAGE_SIZE}\``, value);
    return value;
  }

  private queryPageSize(req: SimRequest): number {
    const raw = req.query.get('page_size');
    if (raw === null) return DEFAULT_PAGE_SIZE;
    const n = Number(raw);
    return this.pageSize(Number.isNaN(n) ? raw : n, 'query.page_size');
  }

  private cursorOf(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') throw bodyInvalid(path, 'a string', value);
    return value;
  }

  /** in_trash, with `archived` as its deprecated synonym before 2026-03-11. */
  private inTrashFlag(body: Record<string, unknown>, version: NotionVersion): boolean | undefined {
    const { in_trash: inTrash, archived } = body;
    if (inTrash !== undefined && typeof inTrash !== 'boolean') throw bodyInvalid('body.in_trash', 'a boolean', inTrash);
    if (archived !== undefined) {
      if (version === '2026-03-11') throw bodyInvalid('body.archived', 'not present (use `in_trash`)', archived);
      if (typeof archived !== 'boolean') throw bodyInvalid('body.archived', 'a boolean', archived);
      if (inTrash !== undefined && inTrash !== archived) {
        throw validationError('body.in_trash and body.archived disagree; send only `in_trash`.');
      }
    }
    return (inTrash as boolean | undefined) ?? (archived as boolean | undefined);
  }

  private visibleDatabase(id: string) {
    const db = this.store.databases.get(id);
    if (!db?.shared) throw this.store.notFound('database', id);
    return db;
  }

  private visibleDataSource(id: string): DataSourceRec {
    const ds = this.store.dataSources.get(id);
    if (!ds || !this.store.isShared(ds.databaseId)) throw this.store.notFound('data_source', id);
    return ds;
  }

  private visiblePage(id: string): PageRec {
    const page = this.store.pages.get(id);
    if (!page || !this.store.pageVisible(page)) throw this.store.notFound('page', id);
    return page;
  }

  /** A block id, or a page id (pages are blocks too), that the integration can see. */
  private visibleBlockOrPage(id: string): { block: BlockRec | undefined; page: PageRec | undefined } {
    const block = this.store.blocks.get(id);
    if (block) {
      if (!this.store.blockVisible(block)) throw this.store.notFound('block', id);
      return { block, page: this.store.pages.get(id) };
    }
    const page = this.store.pages.get(id);
    if (!page || !this.store.pageVisible(page)) throw this.store.notFound('block', id);
    return { block: undefined, page };
  }

  private invalidUrl(): NotionApiError {
    return new NotionApiError(400, 'invalid_request_url', 'Invalid request URL.');
  }

  private multiSourceError(dbId: string): NotionApiError {
    return validationError(
      `Databases with multiple data sources are not supported in this API version. Database ${dbId} has multiple data sources; use Notion-Version 2025-09-03 or later and the data_sources endpoints.`,
    );
  }

  /** `filter_properties` query parameter (ids or names) → predicate over property definitions. */
  private propertyFilter(req: SimRequest): ((def: PropDef) => boolean) | undefined {
    const wanted = [...req.query.getAll('filter_properties'), ...req.query.getAll('filter_properties[]')];
    if (wanted.length === 0) return undefined;
    const set = new Set(wanted);
    return (def) => set.has(def.decodedId) || set.has(def.id) || set.has(def.name);
  }

  private listType(version: NotionVersion): Record<string, unknown> {
    return version === '2022-06-28'
      ? { type: 'page_or_database', page_or_database: {} }
      : { type: 'page_or_data_source', page_or_data_source: {} };
  }

  // ===========================================================================================
  // Users

  /** The user information capability; `none` refuses the users endpoints (notion.md §7). */
  private requireUserInformation(caps: Capabilities): void {
    if (caps.userInformation !== 'none') return;
    throw new NotionApiError(
      403,
      'restricted_resource',
      'Insufficient permissions for this endpoint: the integration does not have the user information capability.',
    );
  }

  private listUsers({ req, caps }: Ctx) {
    this.requireUserInformation(caps);
    const pageSize = this.queryPageSize(req);
    // Guests are not listed (they can still be retrieved by id).
    const all = [...this.store.users.values()].filter((u) => !u.guest);
    const hash = canonicalHash({ users: true });
    const cursor = req.query.get('start_cursor');
    const offset = cursor ? Number(decodeCursor(cursor, 'users', hash, 'query.start_cursor').o) : 0;
    const slice = all.slice(offset, offset + pageSize);
    const next =
      offset + slice.length < all.length ? encodeCursor({ s: 'users', q: hash, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice.map((u) => this.store.renderUser(u.id)),
      next_cursor: next,
      has_more: next !== null,
      type: 'user',
      user: {},
    };
  }

  private getUser({ req, caps }: Ctx) {
    this.requireUserInformation(caps);
    const id = this.pathId(req, 'user_id');
    if (!this.store.users.has(id)) {
      throw new NotionApiError(404, 'object_not_found', `Could not find user with ID: ${id}.`);
    }
    return this.store.renderUser(id);
  }

  // ===========================================================================================
  // Databases and data sources

  private getDatabase({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const db = this.visibleDatabase(this.pathId(req, 'database_id'));
    if (version === '2022-06-28' && db.dataSources.length > 1) throw this.multiSourceError(db.id);
    return this.store.renderDatabase(db, version);
  }

  private getDataSource({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    if (version === '2022-06-28') throw this.invalidUrl();
    return this.store.renderDataSource(this.visibleDataSource(this.pathId(req, 'data_source_id')), version);
  }

  private queryDatabase(ctx: Ctx) {
    if (ctx.version !== '2022-06-28') throw this.invalidUrl();
    const db = this.visibleDatabase(this.pathId(ctx.req, 'database_id'));
    if (db.dataSources.length > 1) throw this.multiSourceError(db.id);
    return this.runQuery(ctx, db.dataSources[0]!, 'database');
  }

  private queryDataSource(ctx: Ctx) {
    if (ctx.version === '2022-06-28') throw this.invalidUrl();
    return this.runQuery(ctx, this.visibleDataSource(this.pathId(ctx.req, 'data_source_id')), 'data_source');
  }

  private runQuery({ req, version, caps }: Ctx, ds: DataSourceRec, kind: string) {
    this.requireCapability(caps, 'readContent');
    const allowed = ['filter', 'sorts', 'start_cursor', 'page_size', 'in_trash', 'archived'];
    if (kind === 'data_source') allowed.push('result_type');
    const body = this.body(req, allowed);
    const pageSize = this.pageSize(body.page_size, 'body.page_size');
    const cursor = this.cursorOf(body.start_cursor, 'body.start_cursor');
    const inTrash = this.inTrashFlag(body, version) ?? false;
    if (body.result_type !== undefined && body.result_type !== 'page' && body.result_type !== 'data_source') {
      throw bodyInvalid('body.result_type', '`"page"` or `"data_source"`', body.result_type);
    }
    const compiled = compileQuery(ds, body.filter, body.sorts, this.clock.now());
    const hash = canonicalHash({
      kind,
      ds: ds.id,
      filter: body.filter,
      sorts: body.sorts,
      inTrash,
      rt: body.result_type,
    });

    let rows: Row[];
    const cached = this.queryCache.get(hash);
    if (!compiled.usesNow && cached && cached.version === this.store.version) {
      rows = cached.rows;
    } else {
      rows = [];
      if (body.result_type !== 'data_source') {
        for (const page of ds.pages.values()) {
          if (page.inTrash === inTrash && compiled.predicate(page)) {
            rows.push({ page, key: compiled.keys.map((k) => k(page)) });
          }
        }
      }
      const dirs = compiled.directions;
      rows.sort((a, b) => comparePositions(a.key, a.page.id, b.key, b.page.id, dirs));
      if (!compiled.usesNow) {
        this.queryCache.delete(hash);
        this.queryCache.set(hash, { version: this.store.version, rows });
        if (this.queryCache.size > CACHE_ENTRIES) this.queryCache.delete(this.queryCache.keys().next().value!);
      }
    }

    // Resume after the position the cursor recorded (sort key + id), so edits between pages cannot break it.
    let returned = 0;
    let start = 0;
    if (cursor) {
      const c = decodeCursor(cursor, 'query', hash, 'body.start_cursor');
      returned = Number(c.n);
      const key = c.k as SortValue[];
      const id = String(c.i);
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (comparePositions(rows[mid]!.key, rows[mid]!.page.id, key, id, compiled.directions) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const take = Math.max(0, Math.min(pageSize, this.queryCap - returned));
    const slice = rows.slice(start, start + take);
    const more = start + slice.length < rows.length;
    const capped = more && returned + slice.length >= this.queryCap;
    const last = slice[slice.length - 1];
    const next =
      more && !capped && last
        ? encodeCursor({ s: 'query', q: hash, n: returned + slice.length, k: last.key, i: last.page.id })
        : null;
    const only = this.propertyFilter(req);
    const out: Record<string, unknown> = {
      object: 'list',
      results: slice.map((r) => this.store.renderPage(r.page, version, only)),
      next_cursor: next,
      has_more: next !== null,
      ...this.listType(version),
    };
    if (capped) out.request_status = { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' };
    return out;
  }

  // ===========================================================================================
  // Pages

  private getPageRoute({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    return this.store.renderPage(page, version, this.propertyFilter(req));
  }

  /** Property values of a create/update body, checked against the page's schema (standalone pages: title only). */
  private propertyUpdates(ds: DataSourceRec | undefined, properties: unknown): Array<[PropDef | 'title', unknown]> {
    if (!isRecord(properties)) throw bodyInvalid('body.properties', 'an object', properties);
    const updates: Array<[PropDef | 'title', unknown]> = [];
    for (const [key, value] of Object.entries(properties)) {
      if (!ds) {
        if (key !== 'title') {
          throw validationError(
            `${key} is not a property that exists. A page outside a data source only has \`title\`.`,
          );
        }
        const title = isRecord(value) && 'title' in value ? value.title : value;
        updates.push(['title', requestRichText(title, 'body.properties.title.title')]);
        continue;
      }
      const def = findProperty(ds, key);
      if (!def) throw validationError(`${key} is not a property that exists.`);
      updates.push([def, requestValue(def, value, `body.properties.${key}`)]);
    }
    return updates;
  }

  private patchPage({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'updateContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    const body = this.body(req, ['properties', 'in_trash', 'archived', 'icon', 'cover', 'is_locked']);
    const inTrash = this.inTrashFlag(body, version);
    if (body.is_locked !== undefined && typeof body.is_locked !== 'boolean') {
      throw bodyInvalid('body.is_locked', 'a boolean', body.is_locked);
    }
    const ds = this.store.dataSourceOf(page);
    const updates = body.properties === undefined ? [] : this.propertyUpdates(ds, body.properties);
    if (body.icon !== undefined) this.checkIcon(body.icon, 'body.icon');
    const editsContent = updates.length > 0 || body.icon !== undefined || body.cover !== undefined;
    if (editsContent && page.inTrash && inTrash !== false) {
      throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
    }
    if (page.isLocked && updates.length > 0 && body.is_locked !== false) {
      throw validationError('Page is locked. Unlock the page before editing its properties.');
    }
    for (const [def, value] of updates) page.values[def === 'title' ? 'title' : def.name] = value;
    if (body.icon !== undefined) page.icon = body.icon;
    if (body.cover !== undefined) page.cover = body.cover;
    if (body.is_locked !== undefined) page.isLocked = body.is_locked as boolean;
    const wasTrashed = page.inTrash;
    if (inTrash !== undefined) this.store.setTrashed(page.id, inTrash);
    if (editsContent) {
      page.lastEditedTime = this.store.now();
      page.lastEditedBy = this.store.bot.id;
    }
    this.store.version++;
    if (updates.length > 0) {
      this.emitPageEvent('page.properties_updated', page, {
        updated_properties: updates.map(([def]) => (def === 'title' ? 'title' : def.id)),
      });
    }
    if (body.icon !== undefined || body.cover !== undefined) {
      this.emitPageEvent('page.content_updated', page, { updated_blocks: [] });
    }
    if (inTrash !== undefined && inTrash !== wasTrashed) {
      this.emitPageEvent(inTrash ? 'page.deleted' : 'page.undeleted', page, {});
    }
    return this.store.renderPage(page, version);
  }

  private checkIcon(icon: unknown, path: string): void {
    if (icon === null) return;
    if (!isRecord(icon)) throw bodyInvalid(path, 'an object or `null`', icon);
    if (icon.type === 'emoji' || (icon.type === undefined && 'emoji' in icon)) {
      if (typeof icon.emoji !== 'string' || icon.emoji === '')
        throw bodyInvalid(`${path}.emoji`, 'an emoji', icon.emoji);
      return;
    }
    if (icon.type === 'external' || (icon.type === undefined && 'external' in icon)) {
      const ext = icon.external;
      if (!isRecord(ext) || typeof ext.url !== 'string') {
        throw bodyInvalid(`${path}.external.url`, 'a string', isRecord(ext) ? ext.url : undefined);
      }
      return;
    }
    throw bodyInvalid(`${path}.type`, '`"emoji"` or `"external"`', icon.type);
  }

  private createPage({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'insertContent');
    const body = this.body(req, [
      'parent',
      'properties',
      'children',
      'markdown',
      'icon',
      'cover',
      'template',
      'position',
    ]);
    const parent = body.parent;
    if (!isRecord(parent)) throw bodyInvalid('body.parent', 'an object', parent);
    if (body.children !== undefined && body.markdown !== undefined) {
      throw validationError('body.children and body.markdown are mutually exclusive; send one of them.');
    }
    if (body.icon !== undefined) this.checkIcon(body.icon, 'body.icon');

    // Where the page goes: a data source (a row) or a page (a standalone child page).
    let ds: DataSourceRec | undefined;
    let parentPage: PageRec | undefined;
    if (typeof parent.data_source_id === 'string') {
      if (version === '2022-06-28')
        throw bodyInvalid('body.parent.data_source_id', 'not present (use `database_id`)', parent.data_source_id);
      ds = this.visibleDataSource(
        normaliseId(parent.data_source_id) ?? this.badId('body.parent.data_source_id', parent.data_source_id),
      );
    } else if (typeof parent.database_id === 'string') {
      const db = this.visibleDatabase(
        normaliseId(parent.database_id) ?? this.badId('body.parent.database_id', parent.database_id),
      );
      if (db.dataSources.length > 1) throw this.multiSourceError(db.id);
      ds = db.dataSources[0]!;
    } else if (typeof parent.page_id === 'string') {
      parentPage = this.visiblePage(normaliseId(parent.page_id) ?? this.badId('body.parent.page_id', parent.page_id));
      if (parentPage.inTrash) {
        throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
      }
    } else {
      throw bodyInvalid('body.parent', 'an object with `page_id`, `database_id` or `data_source_id`', parent);
    }

    const updates = body.properties === undefined ? [] : this.propertyUpdates(ds, body.properties);
    let drafts: BlockDraft[] = [];
    let titleFromMarkdown: string | undefined;
    if (body.children !== undefined) drafts = draftBlocks(body.children, 'body.children', 'request');
    if (body.markdown !== undefined) {
      if (typeof body.markdown !== 'string') throw bodyInvalid('body.markdown', 'a string', body.markdown);
      const md = markdownToBlocks(body.markdown);
      drafts = draftBlocks(md.blocks, 'body.markdown', 'seed');
      titleFromMarkdown = md.firstH1;
    }
    const hasTitle = updates.some(([def]) => def === 'title' || def.type === 'title');

    const by = this.store.bot.id;
    let page: PageRec;
    if (ds) {
      const info = this.store.addPage(ds.id, { createdBy: by });
      page = this.store.mustPage(info.id);
      for (const [def, value] of updates) page.values[def === 'title' ? 'title' : def.name] = value;
      const titleDef = [...ds.props.values()].find((d) => d.type === 'title');
      if (!hasTitle && titleFromMarkdown !== undefined && titleDef) {
        page.values[titleDef.name] = requestRichText([{ text: { content: titleFromMarkdown } }], 'body.markdown');
      }
      this.store.materialise({ type: 'page_id', id: page.id }, page.id, drafts, {
        at: page.createdTime,
        by,
        position: { type: 'end' },
      });
    } else {
      const titleUpdate = updates.find(([def]) => def === 'title');
      page = this.store.addStandalonePage({
        title: '',
        parent: { type: 'page_id', id: parentPage!.id },
        content: drafts,
        shared: null,
      });
      page.values.title = titleUpdate
        ? (titleUpdate[1] as unknown[])
        : requestRichText(
            titleFromMarkdown === undefined ? [] : [{ text: { content: titleFromMarkdown } }],
            'body.markdown',
          );
      this.touchPage(parentPage!, by);
    }
    if (body.icon !== undefined) page.icon = body.icon;
    if (body.cover !== undefined) page.cover = body.cover;
    this.store.version++;
    this.emitPageEvent('page.created', page, {});
    return this.store.renderPage(page, version);
  }

  private badId(path: string, value: unknown): never {
    throw bodyInvalid(path, 'a valid uuid', value);
  }

  /** A content edit: last_edited_time (minute-rounded) and last_edited_by move. */
  private touchPage(page: PageRec, by: string): void {
    page.lastEditedTime = this.store.now();
    page.lastEditedBy = by;
    this.store.version++;
  }

  // ===========================================================================================
  // Blocks and markdown

  private getBlockRoute({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const { block, page } = this.visibleBlockOrPage(this.pathId(req, 'block_id'));
    return block ? this.store.renderBlock(block, version) : this.store.renderPageAsBlock(page!, version);
  }

  private listChildren({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const id = this.pathId(req, 'block_id');
    this.visibleBlockOrPage(id);
    const pageSize = this.queryPageSize(req);
    const ids = this.store.childIdsOf(id);
    const hash = canonicalHash({ children: id });
    const cursor = req.query.get('start_cursor');
    let offset = 0;
    if (cursor) {
      // The cursor names the next block, so blocks appended between two pages cannot shift the listing.
      const c = decodeCursor(cursor, 'children', hash, 'query.start_cursor');
      const at = ids.indexOf(String(c.i));
      offset = at >= 0 ? at : Math.min(Number(c.o), ids.length);
    }
    const slice = ids.slice(offset, offset + pageSize);
    const nextId = ids[offset + slice.length];
    const next = nextId ? encodeCursor({ s: 'children', q: hash, i: nextId, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice.map((cid) => this.store.renderBlock(this.store.blocks.get(cid)!, version)),
      next_cursor: next,
      has_more: next !== null,
      type: 'block',
      block: {},
    };
  }

  private appendChildren({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'insertContent');
    const id = this.pathId(req, 'block_id');
    const { block, page } = this.visibleBlockOrPage(id);
    const allowed = ['children', version === '2026-03-11' ? 'position' : 'after'];
    const body = this.body(req, allowed);
    if (body.children === undefined) throw bodyInvalid('body.children', 'defined', undefined);
    if (Array.isArray(body.children) && body.children.length > MAX_CHILDREN_PER_REQUEST) {
      throw bodyInvalid('body.children.length', `≤ \`${MAX_CHILDREN_PER_REQUEST}\``, body.children.length);
    }
    const target = block && block.type !== 'child_page' ? block : undefined;
    const containing = target ? this.store.mustPage(target.pageId) : (page ?? this.store.mustPage(id));
    if ((target?.inTrash ?? false) || containing.inTrash) {
      throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
    }
    if (
      target &&
      ![
        'paragraph',
        'heading_1',
        'heading_2',
        'heading_3',
        'heading_4',
        'bulleted_list_item',
        'numbered_list_item',
        'quote',
        'to_do',
        'toggle',
        'callout',
        'synced_block',
        'column',
        'table',
        'tab',
      ].includes(target.type)
    ) {
      throw validationError(`Block ${target.id} of type ${target.type} does not support children.`);
    }
    if (target?.type === 'synced_block' && target.data.synced_from !== null) {
      throw validationError('Cannot append children to a duplicate synced block; append to the original.');
    }
    const drafts = draftBlocks(body.children, 'body.children', 'request');
    if (target?.type === 'table' && drafts.some((d) => d.type !== 'table_row')) {
      throw validationError("body.children: a table's children are table_rows.");
    }
    const parentId = target?.id ?? containing.id;
    const position = this.appendPosition(body, parentId);
    const by = this.store.bot.id;
    const created = this.store.materialise(
      target ? { type: 'block_id', id: target.id } : { type: 'page_id', id: containing.id },
      containing.id,
      drafts,
      { at: this.store.now(), by, position },
    );
    if (target) {
      target.lastEditedTime = this.store.now();
      target.lastEditedBy = by;
    }
    this.touchPage(containing, by);
    this.emitPageEvent('page.content_updated', containing, {
      updated_blocks: created.map((b) => ({ id: b.id, type: 'block' })),
    });
    return {
      object: 'list',
      results: created.map((b) => this.store.renderBlock(b, version)),
      next_cursor: null,
      has_more: false,
      type: 'block',
      block: {},
    };
  }

  /** `after` (before 2026-03-11) or `position` (2026-03-11): where appended blocks go among the siblings. */
  private appendPosition(body: Record<string, unknown>, parentId: string): BlockPosition {
    const siblings = this.store.children.get(parentId) ?? [];
    const sibling = (raw: unknown, path: string): string => {
      const sid = typeof raw === 'string' ? normaliseId(raw) : undefined;
      if (!sid) throw bodyInvalid(path, 'a valid uuid', raw);
      if (!siblings.includes(sid)) throw validationError(`${path}: block ${sid} is not a child of ${parentId}.`);
      return sid;
    };
    if (body.after !== undefined) return { type: 'after_block', id: sibling(body.after, 'body.after') };
    const p = body.position;
    if (p === undefined) return { type: 'end' };
    if (!isRecord(p)) throw bodyInvalid('body.position', 'an object', p);
    if (p.type === 'start') return { type: 'start' };
    if (p.type === 'end') return { type: 'end' };
    if (p.type === 'after_block') {
      const ab = p.after_block;
      return { type: 'after_block', id: sibling(isRecord(ab) ? ab.id : undefined, 'body.position.after_block.id') };
    }
    throw bodyInvalid('body.position.type', '`"start"`, `"end"` or `"after_block"`', p.type);
  }

  private getMarkdown({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const id = this.pathId(req, 'page_id');
    const page = this.store.pages.get(id);
    let target: { pageId: string } | { blockId: string };
    if (page) {
      if (!this.store.pageVisible(page)) throw this.store.notFound('page', id);
      target = { pageId: id };
    } else {
      // An id from unknown_block_ids: the missing subtree, rooted at that block.
      const block = this.store.blocks.get(id);
      if (!block || !this.store.blockVisible(block)) throw this.store.notFound('page', id);
      target = { blockId: id };
    }
    const includeTranscript = req.query.get('include_transcript');
    if (includeTranscript !== null && includeTranscript !== 'true' && includeTranscript !== 'false') {
      throw validationError(
        `query.include_transcript should be a boolean, instead was \`${show(includeTranscript)}\`.`,
      );
    }
    const out = renderMarkdown(this.store, target, version, this.markdownRecordLimit);
    return {
      object: 'page_markdown',
      id,
      markdown: out.markdown,
      truncated: out.truncated,
      unknown_block_ids: out.unknownBlockIds,
    };
  }

  // ===========================================================================================
  // Webhooks emitted by API writes

  private webhookParent(page: PageRec): Record<string, unknown> {
    if (page.databaseId) return { id: page.databaseId, type: 'database', data_source_id: page.dataSourceId };
    const p = page.parent;
    if (!p || p.type === 'workspace') return { id: this.store.workspaceId, type: 'space' };
    return { id: p.id, type: p.type === 'page_id' ? 'page' : 'block' };
  }

  private emitPageEvent(type: string, page: PageRec, data: Record<string, unknown>): void {
    this.emit({
      type,
      entity: { id: page.id, type: 'page' },
      data: { parent: this.webhookParent(page), ...data },
      authors: [{ id: this.store.bot.id, type: 'bot' }],
    });
  }

  private emit(event: WebhookEventInput): void {
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

  private getPageProperty({ req, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    const ds = this.store.dataSourceOf(page);
    const propertyId = req.params.property_id ?? '';
    if (!ds) {
      // A standalone page's only property is its title.
      if (propertyId !== 'title') {
        throw new NotionApiError(
          404,
          'object_not_found',
          `Could not find property with ID: ${propertyId} on page ${page.id}.`,
        );
      }
      const items = ((page.values.title as unknown[]) ?? []).map((rt) => ({
        object: 'property_item',
        id: 'title',
        type: 'title',
        title: rt,
      }));
      return {
        object: 'list',
        results: items,
        next_cursor: null,
        has_more: false,
        type: 'property_item',
        property_item: { id: 'title', type: 'title', next_url: null, title: {} },
      };
    }
    const def = [...ds.props.values()].find((d) => d.decodedId === propertyId);
    if (!def) {
      throw new NotionApiError(
        404,
        'object_not_found',
        `Could not find property with ID: ${propertyId} on page ${page.id}.`,
      );
    }
    const item = (type: string, value: unknown) => ({ object: 'property_item', id: def.id, type, [type]: value });
    const value = this.store.valueOf(def, page);
    let list: unknown[];
    let summary: unknown = {};
    switch (def.type) {
      case 'title':
      case 'rich_text':
        list = (value as unknown[]).map((rt) => item(def.type, rt));
        break;
      case 'relation':
        list = (value as string[]).map((id) => item('relation', { id }));
        break;
      case 'people':
        list = (value as string[]).map((id) => item('people', this.store.renderUser(id)));
        break;
      case 'rollup': {
        const r = value as Record<string, unknown>;
        list =
          r.type === 'array' && Array.isArray(r.array)
            ? r.array.map((el) => ({ object: 'property_item', id: def.id, ...el }))
            : [];
        summary = r.type === 'array' ? { type: 'array', array: [], function: r.function } : r;
        break;
      }
      default: {
        const rendered = this.store.renderPage(page, '2025-09-03', (d) => d === def).properties as Record<
          string,
          Record<string, unknown>
        >;
        return item(def.type, rendered[def.name]![def.type]);
      }
    }
    const pageSize = this.queryPageSize(req);
    const hash = canonicalHash({ page: page.id, prop: def.id });
    const cursor = req.query.get('start_cursor');
    const offset = cursor ? Number(decodeCursor(cursor, 'prop', hash, 'query.start_cursor').o) : 0;
    const slice = list.slice(offset, offset + pageSize);
    const next =
      offset + slice.length < list.length ? encodeCursor({ s: 'prop', q: hash, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice,
      next_cursor: next,
      has_more: next !== null,
      type: 'property_item',
      property_item: {
        id: def.id,
        type: def.type,
        next_url: next ? `${this.baseUrl}/v1/pages/${page.id}/properties/${def.id}?start_cursor=${next}` : null,
        [def.type]: summary,
      },
    };
  }

  // ===========================================================================================
  // Search

  private search({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const body = this.body(req, ['query', 'filter', 'sort', 'start_cursor', 'page_size']);
    const pageSize = this.pageSize(body.page_size, 'body.page_size');
    const cursor = this.cursorOf(body.start_cursor, 'body.start_cursor');
    if (body.query !== undefined && typeof body.query !== 'string')
      throw bodyInvalid('body.query', 'a string', body.query);
    const q = (body.query ?? '').toLowerCase();
    const containerKind = version === '2022-06-28' ? 'database' : 'data_source';
    let objectFilter: string | undefined;
    let inTrash = false;
    if (body.filter !== undefined) {
      const f = body.filter;
      if (!isRecord(f)) throw bodyInvalid('body.filter', 'an object', f);
      if (f.property !== undefined || f.value !== undefined) {
        if (f.property !== 'object') throw bodyInvalid('body.filter.property', '`"object"`', f.property);
        if (f.value !== 'page' && f.value !== containerKind) {
          throw bodyInvalid('body.filter.value', `\`"page"\` or \`"${containerKind}"\``, f.value);
        }
        objectFilter = f.value as string;
      }
      if (f.in_trash !== undefined) {
        if (typeof f.in_trash !== 'boolean') throw bodyInvalid('body.filter.in_trash', 'a boolean', f.in_trash);
        inTrash = f.in_trash;
      }
    }
    let direction = -1;
    if (body.sort !== undefined) {
      const s = body.sort;
      if (!isRecord(s)) throw bodyInvalid('body.sort', 'an object', s);
      if (s.property !== 'relevance') {
        if (s.timestamp !== 'last_edited_time')
          throw bodyInvalid('body.sort.timestamp', '`"last_edited_time"`', s.timestamp);
        if (s.direction !== 'ascending' && s.direction !== 'descending') {
          throw bodyInvalid('body.sort.direction', '`"ascending"` or `"descending"`', s.direction);
        }
        direction = s.direction === 'ascending' ? 1 : -1;
      }
    }

    type Hit = { at: number; id: string; render: () => unknown };
    const hits: Hit[] = [];
    for (const db of this.store.databases.values()) {
      if (!db.shared) continue;
      if (objectFilter !== 'page' && !inTrash) {
        if (version === '2022-06-28') {
          if (db.dataSources.length === 1 && db.title.toLowerCase().includes(q)) {
            hits.push({ at: db.lastEditedTime, id: db.id, render: () => this.store.renderDatabase(db, version) });
          }
        } else {
          for (const ds of db.dataSources) {
            if (ds.name.toLowerCase().includes(q)) {
              hits.push({ at: ds.lastEditedTime, id: ds.id, render: () => this.store.renderDataSource(ds, version) });
            }
          }
        }
      }
      if (objectFilter === containerKind) continue;
      for (const ds of db.dataSources) {
        const titleDef = [...ds.props.values()].find((d) => d.type === 'title');
        for (const page of ds.pages.values()) {
          if (page.inTrash !== inTrash) continue;
          if (
            q &&
            !plainText(titleDef ? page.values[titleDef.name] : [])
              .toLowerCase()
              .includes(q)
          )
            continue;
          hits.push({ at: page.lastEditedTime, id: page.id, render: () => this.store.renderPage(page, version) });
        }
      }
    }
    // Standalone pages (workspace pages and their descendants) that are shared with the integration.
    if (objectFilter !== containerKind) {
      for (const page of this.store.pages.values()) {
        if (page.dataSourceId !== null || page.inTrash !== inTrash || !this.store.pageVisible(page)) continue;
        if (q && !plainText(page.values.title).toLowerCase().includes(q)) continue;
        hits.push({ at: page.lastEditedTime, id: page.id, render: () => this.store.renderPage(page, version) });
      }
    }
    hits.sort((a, b) => (a.at !== b.at ? (a.at - b.at) * direction : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const hash = canonicalHash({ search: true, query: body.query, filter: body.filter, sort: body.sort });
    const offset = cursor ? Number(decodeCursor(cursor, 'search', hash, 'body.start_cursor').o) : 0;
    const slice = hits.slice(offset, offset + pageSize);
    const next =
      offset + slice.length < hits.length ? encodeCursor({ s: 'search', q: hash, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice.map((h) => h.render()),
      next_cursor: next,
      has_more: next !== null,
      ...this.listType(version),
    };
  }
}

export { REFERENCE_LIMIT };
