/**
 * Notion through the official SDK, with the SDK's own retries off: every call goes through the
 * lane's pacer (3 req/s per integration) and the paced fetch's 429 handling. API 2025-09-03 and
 * later query data sources; 2022-06-28 keeps the database endpoints (the SDK v5 no longer has
 * databases.query, so that route goes through client.request).
 */
import {
  APIResponseError,
  Client,
  InvalidPathParameterError,
  RequestTimeoutError,
  UnknownHTTPResponseError,
} from '@notionhq/client';
import { z } from 'zod';
import { ProviderError, UnreachableError } from '../../../core/errors';
import { issueSummary, maybe, readAnswer } from '../../../core/http/answer';
import { type CallStats, pacedFetch, parseRetryAfter } from '../../../core/http/paced-fetch';
import { createOnce } from '../../../core/http/retry-policy';
import type { Clock } from '../../../core/ports';
import type { CallPacer } from '../../../core/ratelimit/pacer';
import { isReadSentAsPost, readOnlyFetch } from '../read-only';
import { explainNotionError } from './errors';
import {
  botUserSchema,
  type DataSourceRef,
  idSchema,
  isRecord,
  type NotionPage,
  type NotionPageMeta,
  type NotionUser,
  type NotionUsersPage,
  notionPageMetaSchema,
  notionPageSchema,
  notionUserSchema,
  optionNames,
  plainTitle,
  propertyItemSchema,
  type QueryArgs,
  type QueryPage,
  readList,
  type SchemaProperty,
  type SearchArgs,
  type SearchHit,
  type SearchPage,
  schemaProperty,
  searchHitSchema,
  stringField,
  toSearchHit,
} from './shapes';

export const NOTION_DEFAULT_BASE_URL = 'https://api.notion.com';
/** Notion's documented average: three requests per second per integration. */
export const NOTION_INTERVAL_MS = 334;

export interface NotionGatewayOptions {
  token: string;
  apiVersion: '2022-06-28' | '2025-09-03' | '2026-03-11';
  baseUrl?: string;
  clock: Clock;
  /** Every call's pacer: notionPacer (pacing.ts), shared by the integration's callers. */
  pacer: CallPacer;
  stats: CallStats;
  maxInProcessWaitMs?: number;
  /**
   * Notion refused the token (401): the token to retry with (an OAuth connection refreshes its
   * grant), or undefined to let the 401 stand. Each request is retried at most once.
   */
  onUnauthorized?: (rejectedToken: string) => Promise<string | undefined>;
  /**
   * Refuse every write (NotionReadOnlyError) before it is paced, counted or sent: the connection's
   * `read_only` (notionReadOnly(settings)). Default false.
   */
  readOnly?: boolean;
}

export class NotionGateway {
  private readonly client: Client;
  readonly apiVersion: NotionGatewayOptions['apiVersion'];
  private readonly clock: Clock;

  constructor(opts: NotionGatewayOptions) {
    this.apiVersion = opts.apiVersion;
    this.clock = opts.clock;
    const paced = pacedFetch({
      provider: 'notion',
      clock: opts.clock,
      stats: opts.stats,
      pacerFor: () => opts.pacer,
      retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), opts.clock.now()) ?? 1000,
      maxInProcessWaitMs: opts.maxInProcessWaitMs,
      // Queries and search are reads sent as POST. A page PATCH sets the values it carries (the
      // properties, in_trash): sent twice, the page ends the same. Page creation (POST /pages) is
      // not repeated blindly: createPage reads back instead.
      isRetryable: (url, method) =>
        (method === 'POST' && isReadSentAsPost(url)) ||
        (method === 'PATCH' && /\/v1\/pages\/[^/]+$/.test(url.pathname)),
    });
    // A read-only connection's writes stop here, before the pacer: nothing is sent or counted.
    const guarded = opts.readOnly ? readOnlyFetch(paced) : paced;
    this.client = new Client({
      auth: opts.token,
      baseUrl: opts.baseUrl ?? NOTION_DEFAULT_BASE_URL,
      notionVersion: opts.apiVersion,
      retry: false,
      // Each attempt has its own timeout in pacedFetch (a stall is retried there); the SDK's would
      // cut the retries of one call short at 60 s and surface a stall as final.
      timeoutMs: 2 ** 31 - 1,
      // Failures surface as our own actionable errors; the SDK's console warnings would repeat them.
      logger: () => undefined,
      fetch: opts.onUnauthorized ? retryUnauthorized(guarded, opts.token, opts.onUnauthorized) : guarded,
    });
  }

  get usesDataSources(): boolean {
    return this.apiVersion !== '2022-06-28';
  }

  /**
   * Who the token belongs to (a bot user) and the workspace it is installed in: the cheapest check
   * that the token works. Recent API answers name the workspace id too; older ones only its name.
   */
  async me(): Promise<{ id: string; name: string | null; workspaceName?: string; workspaceId?: string }> {
    return this.call('token check', async () => {
      const me = readAnswer('notion', 'the token check (users/me)', botUserSchema, await this.client.users.me({}));
      return {
        id: me.id,
        name: me.name ?? null,
        workspaceName: me.bot?.workspace_name ?? undefined,
        workspaceId: me.bot?.workspace_id ?? undefined,
      };
    });
  }

  /**
   * Creates a row titled `title` in a data source (2025-09-03+) or a database (2022-06-28): the
   * connection test's proof that the integration may insert content. Returns the page id.
   */
  async createRow(sourceId: string, titleProperty: string, title: string): Promise<string> {
    return this.call(`a new page in ${sourceId}`, async () => {
      const parent = this.usesDataSources ? { data_source_id: sourceId } : { database_id: sourceId };
      const body = { parent, properties: { [titleProperty]: { title: [{ text: { content: title } }] } } };
      const res = await this.client.request({ path: 'pages', method: 'post', body });
      return readAnswer('notion', `the new page in ${sourceId}`, idSchema, res).id;
    });
  }

  /** Moves a page to the trash (the API cannot delete for good; notion.md §3). */
  async trashPage(pageId: string): Promise<void> {
    await this.call(`page ${pageId}`, async () =>
      this.client.request({ path: `pages/${pageId}`, method: 'patch', body: { in_trash: true } }),
    );
  }

  /**
   * The sources to query for a database: its data sources (2025-09-03+), or the database itself
   * (2022-06-28). Also returns the title so errors and the run record can name it.
   */
  async resolveDatabase(databaseId: string): Promise<{ title: string; sources: DataSourceRef[] }> {
    return this.call(`database ${databaseId}`, async () => {
      const db = readAnswer(
        'notion',
        `database ${databaseId}`,
        z.looseObject({ title: z.unknown().optional(), data_sources: z.unknown().optional() }),
        await this.client.request({ path: `databases/${databaseId}`, method: 'get' }),
      );
      const title = plainTitle(db.title) || databaseId;
      if (!this.usesDataSources) return { title, sources: [{ id: databaseId, name: title }] };
      // Each reference is read alone: one without an id is not a source we can query.
      const sources = (Array.isArray(db.data_sources) ? db.data_sources : []).flatMap((d) => {
        const ref = z.looseObject({ id: z.string(), name: maybe(z.string()) }).safeParse(d);
        return ref.success ? [{ id: ref.data.id, name: ref.data.name ?? title }] : [];
      });
      if (sources.length === 0) {
        throw new ProviderError('notion', 200, 'no_data_sources', `database ${title} has no data source to query`);
      }
      return { title, sources };
    });
  }

  /**
   * Property name → {id, type} for a source; with `withOptions`, select-like properties also carry
   * their option names (page writes need them: Notion creates no status option).
   */
  async getSchema(sourceId: string, opts: { withOptions?: boolean } = {}): Promise<Record<string, SchemaProperty>> {
    return this.call(`schema of ${sourceId}`, async () => {
      const path = this.usesDataSources ? `data_sources/${sourceId}` : `databases/${sourceId}`;
      const res = readAnswer(
        'notion',
        `the schema of ${sourceId}`,
        z.looseObject({ properties: maybe(z.record(z.string(), z.unknown())) }),
        await this.client.request({ path, method: 'get' }),
      );
      // Only id and type are kept (and the option names of status and select properties, which a
      // publish rule is checked against): the schema travels in the run's checkpoint (a 400 KB item).
      // A property whose id or type is missing reads as type `unsupported` (a mapping to it says so).
      const props = Object.entries(res.properties ?? {}).map(
        ([name, raw]): [string, z.output<typeof schemaProperty>] => {
          const p = schemaProperty.safeParse(raw);
          return [name, p.success ? p.data : { id: stringField(raw, 'id') ?? name, type: 'unsupported', name }];
        },
      );
      return Object.fromEntries(
        props.map(([name, p]) => {
          // Status and select options always (a publish rule is checked against them); multi_select's
          // too when asked (page writes need them: Notion creates no status option).
          const selectLike =
            p.type === 'status' || p.type === 'select' || (opts.withOptions && p.type === 'multi_select');
          const options = selectLike ? optionNames(p[p.type]) : undefined;
          return [name, options ? { id: p.id, type: p.type, options } : { id: p.id, type: p.type }];
        }),
      );
    });
  }

  /** One page of query results (≤ 100 rows). */
  async query(sourceId: string, args: QueryArgs): Promise<QueryPage> {
    return this.call(`query of ${sourceId}`, async () => {
      const body: Record<string, unknown> = { page_size: args.pageSize ?? 100 };
      if (args.filter) body.filter = args.filter;
      if (args.sorts) body.sorts = args.sorts;
      if (args.startCursor) body.start_cursor = args.startCursor;
      if (args.inTrash) body.in_trash = true;
      const path = this.usesDataSources ? `data_sources/${sourceId}/query` : `databases/${sourceId}/query`;
      const raw = readList(`the query of ${sourceId}`, await this.client.request({ path, method: 'post', body }));
      const pages: NotionPage[] = [];
      const rejected: NonNullable<QueryPage['rejected']> = [];
      for (const r of raw.results) {
        // Wiki data sources can return child data sources; only pages are rows.
        const object = stringField(r, 'object');
        if (object !== undefined && object !== 'page') continue;
        const page = notionPageSchema.safeParse(r);
        if (page.success) pages.push(page.data);
        else
          rejected.push({
            id: stringField(r, 'id'),
            reason: `Notion sent an unreadable row (${issueSummary(page.error)})`,
          });
      }
      return {
        pages,
        hasMore: raw.has_more,
        nextCursor: raw.next_cursor,
        incomplete: raw.request_status?.type === 'incomplete',
        rejected,
      };
    });
  }

  /**
   * The complete value of a property whose page-object value is cut at 25 references (relation,
   * people, rich text mentions, rollups): the property-item endpoint, paginated.
   */
  async getFullPropertyItems(pageId: string, propertyId: string): Promise<Record<string, unknown>[]> {
    return this.call(`property ${propertyId} of page ${pageId}`, async () => {
      const items: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      for (;;) {
        const res = readAnswer(
          'notion',
          `property ${propertyId} of page ${pageId}`,
          propertyItemSchema,
          await this.client.pages.properties.retrieve({
            page_id: pageId,
            property_id: propertyId,
            start_cursor: cursor,
            page_size: 100,
          }),
        );
        if (res.object !== 'list') return [res];
        // An item that is not an object carries no value: left out (the mapping reads the rest).
        items.push(...(res.results ?? []).filter(isRecord));
        if (!res.has_more || !res.next_cursor) return items;
        cursor = res.next_cursor;
      }
    });
  }

  // ------------------------------------------------------------ page import (document library)
  // Read-only calls: search, one page, one block, block children. Nothing here writes to Notion.

  /**
   * One page of `POST /v1/search` (≤ 100 results): what the connection can see. `filter` "database"
   * means data sources on 2025-09-03+ (the filter value changed with the version, notion.md §1).
   */
  async search(args: SearchArgs = {}): Promise<SearchPage> {
    return this.call('search', async () => {
      const body: Record<string, unknown> = { page_size: args.pageSize ?? 100 };
      if (args.query) body.query = args.query;
      if (args.filter) {
        const value = args.filter === 'page' ? 'page' : this.usesDataSources ? 'data_source' : 'database';
        body.filter = { property: 'object', value };
      }
      if (args.startCursor) body.start_cursor = args.startCursor;
      const raw = readList('the search', await this.client.request({ path: 'search', method: 'post', body }));
      const results: SearchHit[] = [];
      const skipped: SearchPage['skipped'] = [];
      for (const r of raw.results) {
        const hit = searchHitSchema.safeParse(r);
        if (hit.success) results.push(toSearchHit(hit.data));
        else skipped.push({ id: stringField(r, 'id'), reason: issueSummary(hit.error) });
      }
      return { results, hasMore: raw.has_more, nextCursor: raw.next_cursor, skipped };
    });
  }

  /** `GET /v1/pages/:id`: the page's metadata (properties, parent, icon, timestamps), for the import. */
  async retrievePage(pageId: string): Promise<NotionPageMeta> {
    return this.readPage(pageId, notionPageMetaSchema);
  }

  /** `GET /v1/pages/:id` read through `schema` (each caller keeps what it needs of the page). */
  private readPage<S extends z.ZodType>(pageId: string, schema: S): Promise<z.output<S>> {
    return this.call(`page ${pageId}`, async () =>
      readAnswer(
        'notion',
        `page ${pageId}`,
        schema,
        await this.client.request({ path: `pages/${pageId}`, method: 'get' }),
      ),
    );
  }

  /** `GET /v1/blocks/:id`: one block, e.g. to get a fresh signed URL for a Notion-hosted file. */
  async retrieveBlock(blockId: string): Promise<Record<string, unknown>> {
    return this.call(`block ${blockId}`, async () =>
      readAnswer(
        'notion',
        `block ${blockId}`,
        idSchema,
        await this.client.request({ path: `blocks/${blockId}`, method: 'get' }),
      ),
    );
  }

  /** `GET /v1/blocks/:id/children`, one page of it: the `fetchChildren` that loadBlockTree expects. */
  async listBlockChildren(
    blockId: string,
    startCursor: string | undefined,
    pageSize: number,
  ): Promise<{ results: unknown[]; has_more: boolean; next_cursor: string | null }> {
    return this.call(`content of ${blockId}`, async () => {
      const query: Record<string, string> = { page_size: String(pageSize) };
      if (startCursor) query.start_cursor = startCursor;
      const raw = readList(
        `the content of ${blockId}`,
        await this.client.request({ path: `blocks/${blockId}/children`, method: 'get', query }),
      );
      return { results: raw.results, has_more: raw.has_more, next_cursor: raw.next_cursor ?? null };
    });
  }

  // ---------------------------------------------------------------- webhooks: one page

  /**
   * One page by id (webhook events carry no content). A page the integration can no longer see
   * (deleted, unshared) answers 404: undefined then, so the caller can treat it as removed.
   */
  async getPage(pageId: string): Promise<NotionPage | undefined> {
    try {
      return await this.readPage(pageId, notionPageSchema);
    } catch (err) {
      if (err instanceof ProviderError && err.status === 404) return undefined;
      throw err;
    }
  }

  // ----------------------------------------------------------------- page writes (Brevo → Notion rules)

  /**
   * `POST /v1/pages` as a row of a database: parent `data_source_id` on 2025-09-03+, `database_id`
   * on 2022-06-28. Returns the new page (its last_edited_time and last_edited_by are our write's).
   * Notion has no idempotency key for a creation, so the POST is never repeated blindly: when its
   * answer is lost (a 5xx, a reset, a stall) and the caller gave `readBack` (a query by the key the
   * page carries), the page is looked for and created again only when absent (retry-policy.ts
   * createOnce). Without `readBack` the lost answer fails the call: at most once.
   */
  async createPage(
    parent: { databaseId: string; sourceId: string },
    properties: Record<string, unknown>,
    opts: { readBack?: () => Promise<NotionPage | undefined> } = {},
  ): Promise<NotionPage> {
    const readBack = opts.readBack;
    if (!readBack) return this.postPage(parent, properties);
    return createOnce({
      clock: this.clock,
      create: () => this.postPage(parent, properties),
      find: readBack,
      isLost: (err) => err instanceof UnreachableError || (err instanceof ProviderError && err.status >= 500),
    });
  }

  private async postPage(
    parent: { databaseId: string; sourceId: string },
    properties: Record<string, unknown>,
  ): Promise<NotionPage> {
    return this.call(`a new page in ${parent.databaseId}`, async () => {
      const body = {
        parent: this.usesDataSources ? { data_source_id: parent.sourceId } : { database_id: parent.databaseId },
        properties,
      };
      const res = await this.client.request({ path: 'pages', method: 'post', body });
      return readAnswer('notion', `the new page in ${parent.databaseId}`, notionPageSchema, res);
    });
  }

  /** `PATCH /v1/pages/:id` with property values only; returns the page as the write left it. */
  async updatePageProperties(pageId: string, properties: Record<string, unknown>): Promise<NotionPage> {
    return this.call(`page ${pageId}`, async () =>
      readAnswer(
        'notion',
        `the update of page ${pageId}`,
        notionPageSchema,
        await this.client.request({ path: `pages/${pageId}`, method: 'patch', body: { properties } }),
      ),
    );
  }

  /** Runs an SDK call and turns Notion's errors into messages a person can act on. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (APIResponseError.isAPIResponseError(err)) throw explainNotionError(err.status, err.code, err.message, what);
      // An error answer without Notion's error shape ({object: "error", code, message}).
      if (UnknownHTTPResponseError.isUnknownHTTPResponseError(err)) {
        throw explainNotionError(err.status, 'unknown', `HTTP ${err.status} without an error code`, what);
      }
      if (RequestTimeoutError.isRequestTimeoutError(err)) {
        throw new ProviderError('notion', 0, 'timeout', `Notion did not answer ${what} in time; try again`);
      }
      if (InvalidPathParameterError.isInvalidPathParameterError(err)) {
        throw new ProviderError('notion', 0, 'invalid_id', `"${what}" does not name a Notion object: check the id`);
      }
      // The SDK parses a success answer as JSON: one that is not JSON ends here.
      if (err instanceof SyntaxError) {
        throw new ProviderError(
          'notion',
          200,
          'unexpected_answer',
          `Notion answered ${what} with a body that is not JSON`,
        );
      }
      throw err;
    }
  }

  // ----------------------------------------------------------------- workspace users

  /**
   * One page of GET /v1/users (≤ 100 users): members and bots, never guests (notion.md §7). Needs
   * the user information capability (403 restricted_resource without it); `person.email` is only
   * present at the "with email addresses" level.
   */
  async listUsers(args: { startCursor?: string; pageSize?: number } = {}): Promise<NotionUsersPage> {
    return this.call('the workspace users', async () => {
      const res = await this.client.users.list({
        start_cursor: args.startCursor,
        page_size: args.pageSize ?? 100,
      });
      const list = readList('the workspace users', res);
      const users: NotionUser[] = [];
      const skipped: NotionUsersPage['skipped'] = [];
      for (const item of list.results) {
        const u = notionUserSchema.safeParse(item);
        if (u.success) users.push(u.data);
        else skipped.push({ id: stringField(item, 'id'), reason: issueSummary(u.error) });
      }
      return { users, hasMore: list.has_more, nextCursor: list.next_cursor, skipped };
    });
  }
}

/**
 * Sends each request with the current token; on a 401 asks for a better token and, when there is
 * one, sends the request once more with it (and keeps it for the requests that follow).
 */
function retryUnauthorized(
  inner: typeof fetch,
  initialToken: string,
  onUnauthorized: (rejectedToken: string) => Promise<string | undefined>,
): typeof fetch {
  let token = initialToken;
  const send = (input: Parameters<typeof fetch>[0], init: RequestInit | undefined, bearer: string) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${bearer}`);
    return inner(input, { ...init, headers });
  };
  return async (input, init) => {
    const used = token;
    const res = await send(input, init, used);
    if (res.status !== 401) return res;
    const next = await onUnauthorized(used);
    if (!next || next === used) return res;
    await res.body?.cancel();
    token = next;
    return send(input, init, next);
  };
}
