/**
 * Notion through the official SDK, with the SDK's own retries off: every call goes through the
 * lane's pacer (3 req/s per integration) and the paced fetch's 429 handling. API 2025-09-03 and
 * later query data sources; 2022-06-28 keeps the database endpoints (the SDK v5 no longer has
 * databases.query, so that route goes through client.request).
 */
import { APIResponseError, Client } from '@notionhq/client';
import { z } from 'zod';
import { ProviderError } from '../../errors';
import { type CallStats, pacedFetch, parseRetryAfter } from '../../http/paced-fetch';
import type { Clock } from '../../ports';
import type { Pacer } from '../../ratelimit/pacer';
import { isReadSentAsPost, readOnlyFetch } from './read-only';

export const NOTION_DEFAULT_BASE_URL = 'https://api.notion.com';
/** Notion's documented average: three requests per second per integration. */
export const NOTION_INTERVAL_MS = 334;

const propertyValue = z.looseObject({ id: z.string(), type: z.string() });
export const notionPageSchema = z.looseObject({
  object: z.literal('page'),
  id: z.string(),
  created_time: z.string(),
  last_edited_time: z.string(),
  in_trash: z.boolean().optional(),
  archived: z.boolean().optional(),
  url: z.string().optional(),
  properties: z.record(z.string(), propertyValue),
});
export type NotionPage = z.infer<typeof notionPageSchema>;

const queryResponseSchema = z.looseObject({
  results: z.array(z.looseObject({ object: z.string() })),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
  request_status: z.looseObject({ type: z.string() }).optional(),
});

/** GET /v1/users/me for an integration token: the bot user and its workspace. */
const botUserSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  bot: z.looseObject({ workspace_name: z.string().nullish(), workspace_id: z.string().nullish() }).nullish(),
});

const schemaProperty = z.looseObject({ id: z.string(), type: z.string(), name: z.string().optional() });
/** `options`: the option names of select, status and multi_select properties, when asked for. */
export type SchemaProperty = z.infer<typeof schemaProperty> & { options?: string[] };

export interface QueryArgs {
  filter?: Record<string, unknown>;
  sorts?: Record<string, unknown>[];
  startCursor?: string;
  pageSize?: number;
  inTrash?: boolean;
}

export interface QueryPage {
  pages: NotionPage[];
  hasMore: boolean;
  nextCursor: string | undefined;
  /** The query hit Notion's per-query row cap: has_more is false but rows remain. */
  incomplete: boolean;
}

export interface DataSourceRef {
  id: string;
  name: string;
}

export interface NotionGatewayOptions {
  token: string;
  apiVersion: '2022-06-28' | '2025-09-03' | '2026-03-11';
  baseUrl?: string;
  clock: Clock;
  pacer: Pacer;
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

  constructor(opts: NotionGatewayOptions) {
    this.apiVersion = opts.apiVersion;
    const paced = pacedFetch({
      provider: 'notion',
      clock: opts.clock,
      stats: opts.stats,
      pacerFor: () => opts.pacer,
      retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), opts.clock.now()) ?? 1000,
      maxInProcessWaitMs: opts.maxInProcessWaitMs,
      // Queries and search are reads sent as POST.
      isRetryable: (url, method) => method === 'POST' && isReadSentAsPost(url),
    });
    // A read-only connection's writes stop here, before the pacer: nothing is sent or counted.
    const guarded = opts.readOnly ? readOnlyFetch(paced) : paced;
    this.client = new Client({
      auth: opts.token,
      baseUrl: opts.baseUrl ?? NOTION_DEFAULT_BASE_URL,
      notionVersion: opts.apiVersion,
      retry: false,
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
      const me = botUserSchema.parse(await this.client.users.me({}));
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
      const res = z
        .looseObject({ id: z.string() })
        .parse(await this.client.request({ path: 'pages', method: 'post', body }));
      return res.id;
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
      const db = (await this.client.request({ path: `databases/${databaseId}`, method: 'get' })) as Record<
        string,
        unknown
      >;
      const title = plainTitle(db.title) || databaseId;
      if (!this.usesDataSources) return { title, sources: [{ id: databaseId, name: title }] };
      const parsed = z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).safeParse(db.data_sources);
      if (!parsed.success || parsed.data.length === 0) {
        throw new ProviderError('notion', 200, 'no_data_sources', `database ${title} has no data source to query`);
      }
      return { title, sources: parsed.data.map((d) => ({ id: d.id, name: d.name ?? title })) };
    });
  }

  /**
   * Property name → {id, type} for a source; with `withOptions`, select-like properties also carry
   * their option names (page writes need them: Notion creates no status option).
   */
  async getSchema(sourceId: string, opts: { withOptions?: boolean } = {}): Promise<Record<string, SchemaProperty>> {
    return this.call(`schema of ${sourceId}`, async () => {
      const path = this.usesDataSources ? `data_sources/${sourceId}` : `databases/${sourceId}`;
      const res = (await this.client.request({ path, method: 'get' })) as { properties?: unknown };
      // Only id and type are kept (and the option names of status and select properties, which a
      // publish rule is checked against): the schema travels in the run's checkpoint (a 400 KB item).
      const props = z.record(z.string(), schemaProperty).parse(res.properties ?? {});
      return Object.fromEntries(
        Object.entries(props).map(([name, p]) => {
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
      const raw = queryResponseSchema.parse(await this.client.request({ path, method: 'post', body }));
      const pages: NotionPage[] = [];
      for (const r of raw.results) {
        // Wiki data sources can return child data sources; only pages are rows.
        if (r.object === 'page') pages.push(notionPageSchema.parse(r));
      }
      return {
        pages,
        hasMore: raw.has_more,
        nextCursor: raw.next_cursor ?? undefined,
        incomplete: raw.request_status?.type === 'incomplete',
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
        const res = (await this.client.pages.properties.retrieve({
          page_id: pageId,
          property_id: propertyId,
          start_cursor: cursor,
          page_size: 100,
        })) as unknown as Record<string, unknown>;
        if (res.object !== 'list') return [res];
        items.push(...((res.results as Record<string, unknown>[]) ?? []));
        if (!res.has_more || !res.next_cursor) return items;
        cursor = res.next_cursor as string;
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
      const raw = queryResponseSchema.parse(await this.client.request({ path: 'search', method: 'post', body }));
      const results: SearchHit[] = [];
      for (const r of raw.results) {
        const hit = searchHitSchema.safeParse(r);
        if (hit.success) results.push(toSearchHit(hit.data));
      }
      return { results, hasMore: raw.has_more, nextCursor: raw.next_cursor ?? undefined };
    });
  }

  /** `GET /v1/pages/:id`: the page's metadata (properties, parent, icon, timestamps), for the import. */
  async retrievePage(pageId: string): Promise<NotionPageMeta> {
    return this.readPage(pageId, notionPageMetaSchema);
  }

  /** `GET /v1/pages/:id` read through `schema` (each caller keeps what it needs of the page). */
  private readPage<S extends z.ZodType>(pageId: string, schema: S): Promise<z.output<S>> {
    return this.call(`page ${pageId}`, async () =>
      schema.parse(await this.client.request({ path: `pages/${pageId}`, method: 'get' })),
    );
  }

  /** `GET /v1/blocks/:id`: one block, e.g. to get a fresh signed URL for a Notion-hosted file. */
  async retrieveBlock(blockId: string): Promise<Record<string, unknown>> {
    return this.call(`block ${blockId}`, async () =>
      z.looseObject({ id: z.string() }).parse(await this.client.request({ path: `blocks/${blockId}`, method: 'get' })),
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
      const raw = await this.client.request({ path: `blocks/${blockId}/children`, method: 'get', query });
      return z
        .looseObject({ results: z.array(z.unknown()), has_more: z.boolean(), next_cursor: z.string().nullable() })
        .parse(raw);
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
   */
  async createPage(
    parent: { databaseId: string; sourceId: string },
    properties: Record<string, unknown>,
  ): Promise<NotionPage> {
    return this.call(`a new page in ${parent.databaseId}`, async () => {
      const body = {
        parent: this.usesDataSources ? { data_source_id: parent.sourceId } : { database_id: parent.databaseId },
        properties,
      };
      return notionPageSchema.parse(await this.client.request({ path: 'pages', method: 'post', body }));
    });
  }

  /** `PATCH /v1/pages/:id` with property values only; returns the page as the write left it. */
  async updatePageProperties(pageId: string, properties: Record<string, unknown>): Promise<NotionPage> {
    return this.call(`page ${pageId}`, async () =>
      notionPageSchema.parse(
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
      const parsed = usersPageSchema.parse(res);
      return { users: parsed.results, hasMore: parsed.has_more, nextCursor: parsed.next_cursor ?? undefined };
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

export function explainNotionError(status: number, code: string, message: string, what: string): ProviderError {
  let reason: string;
  switch (code) {
    case 'unauthorized':
      reason = 'Notion rejected the token (401 unauthorized): check connectors.notion.token';
      break;
    case 'restricted_resource':
      reason = `Notion refused access to ${what} (403 restricted_resource): give the integration the missing capability (e.g. read content, user information) in its settings`;
      break;
    case 'object_not_found':
      reason = `Notion cannot find ${what} (404): share it with the integration (open it in Notion → ••• → Connections → add the integration), or check the id`;
      break;
    case 'validation_error':
      reason = `Notion refused the request for ${what} (400 validation_error): ${message}`;
      break;
    default:
      reason = `Notion error on ${what} (${status} ${code}): ${message}`;
  }
  return new ProviderError('notion', status, code, reason);
}

/** Option names of a select / status / multi_select schema entry (`{options: [{name}]}`). */
function optionNames(config: unknown): string[] | undefined {
  const parsed = z.looseObject({ options: z.array(z.looseObject({ name: z.string() })) }).safeParse(config);
  return parsed.success ? parsed.data.options.map((o) => o.name) : undefined;
}

function plainTitle(title: unknown): string {
  if (!Array.isArray(title)) return '';
  return title
    .map((t) =>
      t && typeof t === 'object' && 'plain_text' in t ? String((t as { plain_text: unknown }).plain_text) : '',
    )
    .join('')
    .trim();
}

// ---------- page import (document library): search and page metadata ----------

export interface SearchArgs {
  query?: string;
  /** Only pages, or only databases (data sources on 2025-09-03+). */
  filter?: 'page' | 'database';
  startCursor?: string;
  pageSize?: number;
}

export interface SearchHit {
  object: 'page' | 'database' | 'data_source';
  id: string;
  title: string;
  url: string | undefined;
  lastEditedTime: string;
}

export interface SearchPage {
  results: SearchHit[];
  hasMore: boolean;
  nextCursor: string | undefined;
}

const searchHitSchema = z.looseObject({
  object: z.enum(['page', 'database', 'data_source']),
  id: z.string(),
  url: z.string().optional(),
  last_edited_time: z.string(),
  title: z.unknown().optional(),
  name: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

function toSearchHit(r: z.infer<typeof searchHitSchema>): SearchHit {
  const title = r.object === 'page' ? pageTitle(r.properties) : plainTitle(r.title) || (r.name ?? '');
  return { object: r.object, id: r.id, title, url: r.url, lastEditedTime: r.last_edited_time };
}

/** A page's title: the value of its one `title` property (its name differs per database). */

export function pageTitle(properties: Record<string, unknown> | undefined): string {
  for (const value of Object.values(properties ?? {})) {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'title') {
      return plainTitle((value as { title?: unknown }).title);
    }
  }
  return '';
}

/** A page as the import reads it: the page object, plus where it sits and its icon. */
export const notionPageMetaSchema = notionPageSchema.extend({
  parent: z.looseObject({ type: z.string() }).optional(),
  icon: z.unknown().optional(),
  // Import keeps properties as Notion sent them (only the title is read from them).
  properties: z.record(z.string(), z.unknown()).default({}),
});
export type NotionPageMeta = z.infer<typeof notionPageMetaSchema>;

const notionUserSchema = z.looseObject({
  object: z.literal('user'),
  id: z.string(),
  name: z.string().nullish(),
  avatar_url: z.string().nullish(),
  type: z.string().optional(),
  person: z.looseObject({ email: z.string().optional() }).optional(),
});
export type NotionUser = z.infer<typeof notionUserSchema>;

const usersPageSchema = z.looseObject({
  results: z.array(notionUserSchema),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

export interface NotionUsersPage {
  users: NotionUser[];
  hasMore: boolean;
  nextCursor: string | undefined;
}
