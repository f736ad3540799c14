/**
 * The SDK's Notion routes: `POST .../connections/notion/query` (one page of a database's rows) and
 * `POST .../connections/notion/pages` (a new page in a database). api.ts authenticates the tenant
 * before they run. Their body and answer schemas are exported for the OpenAPI document and the
 * SDK's types. The work itself is in sdk-pages.ts (paced like the lane, refused when read-only).
 */
import { z } from 'zod';
import type { ConnectorRoute } from '../../core/connector';
import { RateLimitedError, RequestRefusedError } from '../../core/errors';
import type { ApiResponse, Operation } from '../../core/http/api-types';
import { parseJsonBody } from '../../core/http/request-body';
import { notionDatabaseId } from './config-schema';
import { NotionReadOnlyError } from './read-only';
import { createNotionPage, NotionConnectionReadOnly, notionRefusal, queryNotionPages } from './sdk-pages';

const BASE = '/tenants/{tenantId}/connections/notion';

/** The routes as the topology lists them (the descriptor's `http`, once api.ts serves the operations). */
export const notionSdkRoutes: ConnectorRoute[] = [
  {
    method: 'POST',
    path: `${BASE}/query`,
    function: 'api',
    auth: 'tenantApiKey',
    description:
      "One page of a Notion database's rows as the connection sees them (Notion's filter and sorts; nextCursor), paced with the lane",
  },
  {
    method: 'POST',
    path: `${BASE}/pages`,
    function: 'api',
    auth: 'tenantApiKey',
    description: 'A new page in a Notion database (Notion property values); 409 on a read-only connection',
  },
];
export const NOTION_QUERY_ROUTE = `POST ${BASE}/query`;
export const NOTION_PAGES_ROUTE = `POST ${BASE}/pages`;

/** Notion's own filter / sort JSON: passed as given, Notion checks it (its 400 comes back as ours). */
const notionJson = z.record(z.string(), z.unknown());

export const notionQueryBodySchema = z.strictObject({
  databaseId: notionDatabaseId,
  filter: notionJson.optional(),
  sorts: z.array(notionJson).optional(),
  /** The `nextCursor` of the previous answer. */
  startCursor: z.string().min(1).optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
});

/** A page as Notion sends it (every field kept); the ones named here are always there. */
export const notionPageAnswerSchema = z.looseObject({
  object: z.literal('page'),
  id: z.string(),
  created_time: z.string(),
  last_edited_time: z.string(),
  url: z.string().nullish(),
  properties: z.record(z.string(), z.looseObject({ id: z.string(), type: z.string() })),
});

export const notionQueryAnswerSchema = z.strictObject({
  results: z.array(notionPageAnswerSchema),
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
  /** Present when the page lacks something: rows Notion sent that could not be read, its row cap reached. */
  warnings: z.array(z.string()).optional(),
});

export const notionCreatePageBodySchema = z.strictObject({
  databaseId: notionDatabaseId,
  /** Notion's property values by property name, e.g. `{ Name: { title: [{ text: { content: 'Ada' } }] } }`. */
  properties: notionJson,
});

export const notionCreatePageAnswerSchema = z.strictObject({
  id: z.string(),
  url: z.string().nullable(),
});

/**
 * GET .../connections/notion/status as the SDK's `connectors.status('notion')` reads it: the docs'
 * fields (the answer has more: NotionStatus in status.ts, kept as they are).
 */
export const notionStatusAnswerSchema = z
  .looseObject({
    connector: z.literal('notion'),
    connected: z.boolean(),
    /** ISO time the last database or users sync finished; null before any did. */
    lastSync: z.string().nullable(),
    databasesSynced: z.number().int().nonnegative(),
    pagesTracked: z.number().int().nonnegative(),
    usersCount: z.number().int().nonnegative(),
  })
  .meta({ id: 'NotionStatus', description: "Notion's connection status: the docs' fields, and more" });

export const notionSdkOperations: Record<string, Operation> = {
  [NOTION_QUERY_ROUTE]: async (deps, req, tenantId) => {
    const body = parseJsonBody(req.body, notionQueryBodySchema);
    if (!body.ok) return body.response;
    return answered(200, () => queryNotionPages(deps, tenantId, body.data));
  },

  [NOTION_PAGES_ROUTE]: async (deps, req, tenantId) => {
    const body = parseJsonBody(req.body, notionCreatePageBodySchema);
    if (!body.ok) return body.response;
    return answered(201, () => createNotionPage(deps, tenantId, body.data));
  },
};

/** The work's answer, or the refusal a caller can act on (with its code); anything else is thrown. */
async function answered(status: number, work: () => Promise<unknown>): Promise<ApiResponse> {
  try {
    return { status, body: await work() };
  } catch (thrown) {
    // The gateway's own guard (a write that got past the check before the call) says the same.
    const err = thrown instanceof NotionReadOnlyError ? new NotionConnectionReadOnly() : thrown;
    if (err instanceof RequestRefusedError) return { status: err.status, body: { error: err.message, code: err.kind } };
    if (err instanceof RateLimitedError) {
      const retryAfterSeconds = Math.ceil(err.retryAfterMs / 1000);
      return { status: 429, body: { error: err.message, code: 'rate_limited', retryAfterSeconds } };
    }
    const refusal = notionRefusal(err);
    if (refusal) return { status: refusal.status, body: { error: refusal.error, code: refusal.code } };
    throw err;
  }
}
