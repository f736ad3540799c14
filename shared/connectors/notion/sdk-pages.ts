/**
 * The SDK's Notion calls on the server (`tajo.connectors.query('notion', …)` and `create`): one
 * query page of a database, one new page in it, with the tenant's connection as it is stored (its
 * token from the secret store, its API version). Every call goes through the same paced gateway
 * as the lane's jobs: a slot of the integration's schedule that the lane's steps take theirs from
 * too (notionPacer, shared across Lambda containers through the tenant's call store), the one retry
 * policy, Notion's 429 + Retry-After. A wait longer than a request may hold comes back as a
 * RateLimitedError (the API answers 429 with Retry-After). The integration decides what it can
 * see: a database that is not in the connection's config may be queried too.
 */
import { z } from 'zod';
import { ProviderError, RequestRefusedError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import type { CallBudgetStore, Clock, ConnectionRecord, ConnectionStore, SecretStore } from '../../core/ports';
import { readAccessToken } from '../../core/tenancy/oauth-tokens';
import { NotionGateway, type NotionPage, notionPacer } from './client';
import { notionReadOnly } from './read-only';

export interface NotionSdkDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  /** The tenant's call store: the integration's schedule, shared with the lane. */
  budgets: CallBudgetStore;
  clock: Clock;
  endpoints: { notionBaseUrl?: string };
}

/** The longest Retry-After a request waits in process (API Gateway answers in 29 s): past it, a 429. */
const MAX_WAIT_IN_REQUEST_MS = 10_000;

/**
 * The cursor this route hands out: the data sources still to read (the current one first) and
 * Notion's cursor in the current one, base64url JSON. A database with several data sources is read
 * source after source, and the next pages need no database lookup. Ids are checked on the way back
 * in (they become request paths).
 */
const queryCursorSchema = z.strictObject({
  /** The database the query is of (a cursor of another database's query is refused). */
  database: z.string(),
  sources: z.array(z.string().regex(/^[0-9a-f-]{32,36}$/i)).min(1),
  cursor: z.string().min(1).optional(),
});
type QueryCursor = z.infer<typeof queryCursorSchema>;

function encodeCursor(cursor: QueryCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): QueryCursor {
  try {
    return queryCursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new RequestRefusedError(400, 'startCursor is not a nextCursor this route gave: pass nextCursor as it came');
  }
}

export interface NotionQueryInput {
  databaseId: string;
  filter?: Record<string, unknown>;
  sorts?: Record<string, unknown>[];
  startCursor?: string;
  pageSize?: number;
}

export interface NotionQueryOutput {
  results: NotionPage[];
  nextCursor: string | null;
  hasMore: boolean;
  /** What this page lacks, said rather than hidden: rows Notion sent unreadable, its row cap reached. */
  warnings?: string[];
}

/** One page of the database's rows as the connection sees them (Notion checks filter and sorts). */
export async function queryNotionPages(
  deps: NotionSdkDeps,
  tenantId: string,
  input: NotionQueryInput,
): Promise<NotionQueryOutput> {
  const { notion } = await connectionGateway(deps, tenantId);
  const database = input.databaseId.replace(/-/g, '').toLowerCase();
  const at = input.startCursor
    ? decodeCursor(input.startCursor)
    : { database, sources: await sourcesOf(notion, input.databaseId) };
  if (at.database !== database) {
    throw new RequestRefusedError(400, `startCursor is of another database's query than ${input.databaseId}`);
  }
  const [sourceId, ...rest] = at.sources as [string, ...string[]];
  const page = await notion
    .query(sourceId, {
      filter: input.filter,
      sorts: input.sorts,
      startCursor: at.cursor,
      pageSize: input.pageSize ?? 100,
    })
    .catch(async (err: unknown) => {
      throw await explainQueryRefusal(notion, err, sourceId, input.databaseId);
    });
  const next: QueryCursor | undefined =
    page.hasMore && page.nextCursor
      ? { database, sources: at.sources, cursor: page.nextCursor }
      : rest.length > 0
        ? { database, sources: rest }
        : undefined;
  const warnings = [
    ...(page.rejected ?? []).map((r) => `row ${r.id ?? '(no id)'} left out: ${r.reason}`),
    ...(page.incomplete
      ? ["Notion's per-query row cap cut this query short (about 10,000 rows): narrow the filter to read the rest"]
      : []),
  ];
  return {
    results: page.pages,
    nextCursor: next ? encodeCursor(next) : null,
    hasMore: next !== undefined,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * Notion's 400 for a query names the data source it was sent to: said as the data source of the
 * database the caller gave, and, when a filter or sort names a property the source lacks, with the
 * properties it has (one schema read), so the caller sees what to write instead.
 */
async function explainQueryRefusal(
  notion: NotionGateway,
  err: unknown,
  sourceId: string,
  databaseId: string,
): Promise<unknown> {
  if (!(err instanceof ProviderError) || err.provider !== 'notion' || err.status !== 400) return err;
  const plain = (id: string) => id.replace(/-/g, '').toLowerCase();
  let message =
    plain(sourceId) === plain(databaseId)
      ? err.message
      : err.message.replace(`query of ${sourceId}`, `query of data source ${sourceId} of database ${databaseId}`);
  if (/Could not find (sort |filter )?property with name or id/i.test(message)) {
    const schema = await notion.getSchema(sourceId).catch(() => undefined);
    if (schema) message += ` (the data source has: ${Object.keys(schema).sort().join(', ') || 'no property'})`;
  }
  return new ProviderError('notion', err.status, err.code, message);
}

/** A new page (a row) in the database, with Notion's own property values; refused when read-only. */
export async function createNotionPage(
  deps: NotionSdkDeps,
  tenantId: string,
  input: { databaseId: string; properties: Record<string, unknown> },
): Promise<{ id: string; url: string | null }> {
  const { notion, conn } = await connectionGateway(deps, tenantId);
  if (notionReadOnly(conn.settings)) throw new NotionConnectionReadOnly();
  const sources = await sourcesOf(notion, input.databaseId);
  if (sources.length > 1) {
    throw new RequestRefusedError(
      400,
      `database ${input.databaseId} has ${sources.length} data sources (${sources.join(', ')}): Notion needs one as the new page's parent; create the page in Notion or split the database`,
    );
  }
  // At most once: Notion has no idempotency key for a creation, so a lost answer is not sent again.
  const page = await notion.createPage(
    { databaseId: input.databaseId, sourceId: sources[0] ?? input.databaseId },
    input.properties,
  );
  return { id: page.id, url: page.url ?? null };
}

/** A create on a connection that never writes to Notion (checked before any Notion call). */
export class NotionConnectionReadOnly extends RequestRefusedError {
  constructor() {
    super(
      409,
      'the Notion connection is read-only (connectors.notion.read_only): set read_only: false in its config and connect again to create pages',
      'read_only',
    );
  }
}

/** The stored connection and a gateway on its lane's schedule (same integration key, interval and retries). */
async function connectionGateway(
  deps: NotionSdkDeps,
  tenantId: string,
): Promise<{ conn: ConnectionRecord<'notion'>; notion: NotionGateway }> {
  const conn = await deps.connections.getConnection(tenantId, 'notion');
  if (!conn) {
    throw new RequestRefusedError(
      404,
      'no Notion connection: connect it first (PUT /tenants/{tenantId}/connections/notion)',
      'not_connected',
    );
  }
  const token = await readAccessToken(deps, conn);
  const notion = new NotionGateway({
    token,
    apiVersion: conn.settings.api_version,
    baseUrl: deps.endpoints.notionBaseUrl,
    clock: deps.clock,
    pacer: notionPacer({
      notionKey: conn.integrationKey,
      clock: deps.clock,
      shared: { store: deps.budgets, tenantId },
      maxWaitMs: MAX_WAIT_IN_REQUEST_MS,
    }),
    stats: newStats(),
    maxInProcessWaitMs: MAX_WAIT_IN_REQUEST_MS,
    readOnly: notionReadOnly(conn.settings),
  });
  return { conn, notion };
}

/**
 * What to query for a database id, as the sync does: its data sources on 2025-09-03 and later
 * (one GET), the database itself on 2022-06-28 (no call).
 */
async function sourcesOf(notion: NotionGateway, databaseId: string): Promise<string[]> {
  if (!notion.usesDataSources) return [databaseId];
  return (await notion.resolveDatabase(databaseId)).sources.map((s) => s.id);
}

/**
 * Notion's refusals as the API answers them: its 400 with its message, a database it cannot see as
 * "share it with the integration"; anything else is left to the API's own error answers.
 */
export function notionRefusal(err: unknown): { status: number; error: string; code: string } | undefined {
  if (!(err instanceof ProviderError) || err.provider !== 'notion') return undefined;
  if (err.status === 400) return { status: 400, error: err.message, code: err.code };
  if (err.status === 404) {
    return {
      status: 404,
      error: `${err.message.replace(/\s*\(404\).*$/, '')} (404): share the database with the integration (in Notion: ••• → Connections → add it), or check the id`,
      code: 'not_found',
    };
  }
  if (err.status === 403) return { status: 403, error: err.message, code: err.code };
  if (err.status === 401) return { status: 502, error: err.message, code: 'notion_unauthorized' };
  return undefined;
}
