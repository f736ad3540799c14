/** Notion simulator, gateway: route registration, what every request goes through (faults, bearer auth, Notion-Version, capabilities, rate limit), request parsing and the visibility of records. */

import { type SimRequest, type SimResponse, TokenBucket } from '../http-kit';
import { NotionControl } from './control';
import {
  type BlockRec,
  type Capabilities,
  type DataSourceRec,
  NOTION_VERSIONS,
  type NotionVersion,
  type PageRec,
  type PropDef,
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
  validationError,
} from './util';

export type Ctx = { version: NotionVersion; req: SimRequest; caps: Capabilities };

export type Handler = (ctx: Ctx) => unknown;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 100;

export abstract class NotionGateway extends NotionControl {
  // ===========================================================================================
  // HTTP plumbing

  protected api(method: string, path: string, handler: Handler): void {
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

  protected tokenOf(req: SimRequest): string | undefined {
    const auth = req.headers.authorization;
    return typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
  }

  /** 403 restricted_resource when the caller's integration lacks a capability (notion.md §2, §7). */
  protected requireCapability(caps: Capabilities, which: 'readContent' | 'updateContent' | 'insertContent'): void {
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

  protected errorResponse(
    status: number,
    code: string,
    message: string,
    headers?: Record<string, string>,
  ): SimResponse {
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

  protected pathId(req: SimRequest, param: string): string {
    const raw = req.params[param] ?? '';
    const id = normaliseId(raw);
    if (!id)
      throw validationError(
        `path failed validation: path.${param} should be a valid uuid, instead was \`${show(raw)}\`.`,
      );
    return id;
  }

  protected body(req: SimRequest, allowed: string[]): Record<string, unknown> {
    if (req.body === undefined || req.body === null) return {};
    if (!isRecord(req.body)) throw bodyInvalid('body', 'an object', req.body);
    for (const key of Object.keys(req.body)) {
      if (!allowed.includes(key)) throw bodyInvalid(`body.${key}`, 'not present', req.body[key]);
    }
    return req.body;
  }

  protected pageSize(value: unknown, path: string): number {
    if (value === undefined) return DEFAULT_PAGE_SIZE;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw bodyInvalid(path, 'an integer', value);
    if (value < 1) throw bodyInvalid(path, '≥ `1`', value);
    if (value > MAX_PAGE_SIZE) throw bodyInvalid(path, `≤ \`${MAX_PAGE_SIZE}\``, value);
    return value;
  }

  protected queryPageSize(req: SimRequest): number {
    const raw = req.query.get('page_size');
    if (raw === null) return DEFAULT_PAGE_SIZE;
    const n = Number(raw);
    return this.pageSize(Number.isNaN(n) ? raw : n, 'query.page_size');
  }
  /**
   * One page of an in-memory list behind an offset cursor (`start_cursor` in the query) bound to
   * `kind` and to what is listed (`scope`), so a cursor from another list is refused.
   */
  protected offsetPage<T>(
    req: SimRequest,
    list: T[],
    kind: string,
    scope: unknown,
  ): { slice: T[]; next: string | null } {
    const pageSize = this.queryPageSize(req);
    const hash = canonicalHash(scope);
    const cursor = req.query.get('start_cursor');
    const offset = cursor ? Number(decodeCursor(cursor, kind, hash, 'query.start_cursor').o) : 0;
    const slice = list.slice(offset, offset + pageSize);
    const next =
      offset + slice.length < list.length ? encodeCursor({ s: kind, q: hash, o: offset + slice.length }) : null;
    return { slice, next };
  }

  protected cursorOf(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') throw bodyInvalid(path, 'a string', value);
    return value;
  }

  /** in_trash, with `archived` as its deprecated synonym before 2026-03-11. */
  protected inTrashFlag(body: Record<string, unknown>, version: NotionVersion): boolean | undefined {
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

  protected visibleDatabase(id: string) {
    const db = this.store.databases.get(id);
    if (!db?.shared) throw this.store.notFound('database', id);
    return db;
  }

  protected visibleDataSource(id: string): DataSourceRec {
    const ds = this.store.dataSources.get(id);
    if (!ds || !this.store.isShared(ds.databaseId)) throw this.store.notFound('data_source', id);
    return ds;
  }

  protected visiblePage(id: string): PageRec {
    const page = this.store.pages.get(id);
    if (!page || !this.store.pageVisible(page)) throw this.store.notFound('page', id);
    return page;
  }

  /** A block id, or a page id (pages are blocks too), that the integration can see. */
  protected visibleBlockOrPage(id: string): { block: BlockRec | undefined; page: PageRec | undefined } {
    const block = this.store.blocks.get(id);
    if (block) {
      if (!this.store.blockVisible(block)) throw this.store.notFound('block', id);
      return { block, page: this.store.pages.get(id) };
    }
    const page = this.store.pages.get(id);
    if (!page || !this.store.pageVisible(page)) throw this.store.notFound('block', id);
    return { block: undefined, page };
  }

  protected invalidUrl(): NotionApiError {
    return new NotionApiError(400, 'invalid_request_url', 'Invalid request URL.');
  }

  protected multiSourceError(dbId: string): NotionApiError {
    return validationError(
      `Databases with multiple data sources are not supported in this API version. Database ${dbId} has multiple data sources; use Notion-Version 2025-09-03 or later and the data_sources endpoints.`,
    );
  }

  /** `filter_properties` query parameter (ids or names) → predicate over property definitions. */
  protected propertyFilter(req: SimRequest): ((def: PropDef) => boolean) | undefined {
    const wanted = [...req.query.getAll('filter_properties'), ...req.query.getAll('filter_properties[]')];
    if (wanted.length === 0) return undefined;
    const set = new Set(wanted);
    return (def) => set.has(def.decodedId) || set.has(def.id) || set.has(def.name);
  }

  protected listType(version: NotionVersion): Record<string, unknown> {
    return version === '2022-06-28'
      ? { type: 'page_or_database', page_or_database: {} }
      : { type: 'page_or_data_source', page_or_data_source: {} };
  }
}
