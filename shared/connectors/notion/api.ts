/**
 * Management API routes of a Notion connection beyond sync and status: the document library (import
 * a page, list and read the imported documents, re-sync them) and the webhook subscription's pending
 * verification token. api.ts authenticates (the tenant's API key, the tenant from the path) before
 * any of these run; every read and write below is scoped to that tenant.
 *
 * Imports and re-syncs are queued in the connection's Notion lane (the lane owns Notion's pacing)
 * and answered 202 with an id; `GET .../imports/{importId}` shows how that run went.
 */
import { z } from 'zod';
import { TajoError } from '../../core/errors';
import type { ApiResponse } from '../../core/http/api-types';
import { type ApiRoute, apiRoute } from '../../core/http/route-spec';
import { rowErrorSchema, runStatusSchema, runTriggerSchema } from '../../core/http/run-schemas';
import { isRunId } from '../../core/runs/summary';
import {
  documentListing,
  documentsRunView,
  enqueueDocumentImport,
  enqueueDocumentsResync,
} from './documents/documents';
import { parseNotionPageId } from './documents/import';
import { revealNotionWebhook } from './webhooks';

const BASE = '/tenants/{tenantId}/connections/notion';
const TAG = 'Notion';

const importBody = z
  .strictObject({
    /** A page id (dashed or not) or its Notion URL. */
    page: z.string().min(1, 'give the page id or URL'),
  })
  .meta({ id: 'NotionImportBody' });
const resyncBody = z.strictObject({}).default({});

/** Lambda answers at most 6 MB; a larger document is left to the store (its location is listed). */
const MAX_INLINE_BYTES = 5_000_000;

const documentListingShape = {
  pageId: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  kind: z.enum(['markdown', 'file']),
  createdTime: z.string().nullable(),
  lastEditedTime: z.string(),
  parent: z.unknown().meta({ description: "Where the page sits in Notion (Notion's parent object)" }),
  icon: z.unknown().meta({ description: "The page's icon (Notion's icon object)" }),
  importedAt: z.string(),
  updatedAt: z.string(),
  resyncedAt: z.string().nullable(),
  documentKey: z.string(),
  files: z.array(
    z.strictObject({
      blockId: z.string().optional(),
      key: z.string(),
      contentType: z.string().optional(),
      size: z.number().optional(),
    }),
  ),
};
const documentListingSchema = z.strictObject(documentListingShape).meta({ id: 'NotionDocument' });

const importRunSchema = z
  .strictObject({
    importId: z.string(),
    kind: z.enum(['import', 'resync']),
    pageId: z.string().optional(),
    status: runStatusSchema,
    trigger: runTriggerSchema,
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    pagesChecked: z.number(),
    imported: z.number(),
    unchanged: z.number(),
    failed: z.number(),
    errors: z.array(rowErrorSchema),
    warnings: z.array(z.string()),
    notionRequests: z.number(),
    rateLimited: z.number(),
    durationMs: z.number(),
  })
  .meta({ id: 'NotionImportRun' });

const webhookViewSchema = z
  .strictObject({
    state: z.enum(['not_set_up', 'pending', 'active']),
    pending: z
      .strictObject({ receivedAt: z.string().optional(), hint: z.string().optional(), token: z.string().optional() })
      .nullable(),
    confirmed: z.strictObject({ at: z.string().optional(), hint: z.string().optional() }).nullable(),
    next: z.string(),
  })
  .meta({ id: 'NotionWebhook' });

export const notionRoutes: ApiRoute[] = [
  apiRoute({
    method: 'POST',
    path: `${BASE}/imports`,
    operationId: 'importNotionPage',
    summary: 'Import a Notion page (and its files) into the document library; queued, answered with its id',
    tag: TAG,
    auth: 'tenantApiKey',
    body: { schema: importBody },
    answers: { 202: z.strictObject({ queued: z.literal(true), importId: z.string(), pageId: z.string() }) },
    handler: async (deps, _req, tenantId, body) => {
      let pageId: string;
      try {
        pageId = parseNotionPageId(body.page);
      } catch (err) {
        return badRequest(err);
      }
      const res = await enqueueDocumentImport(deps, { tenantId, pageId, trigger: 'api' });
      if (!res.queued) return { status: 409, body: { error: res.reason } };
      return { status: 202, body: { queued: true, importId: res.runId, pageId } };
    },
  }),
  apiRoute({
    method: 'GET',
    path: `${BASE}/imports/{importId}`,
    operationId: 'getNotionImport',
    summary: 'How an import or a re-sync went: its state and counts',
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: importRunSchema },
    handler: async (deps, req, tenantId) => {
      const importId = req.pathParameters.importId ?? '';
      const run = isRunId(importId) ? await deps.runs.getRun(tenantId, 'notion', importId) : undefined;
      if (run?.job !== 'documents') return { status: 404, body: { error: `no import ${importId}` } };
      return { status: 200, body: documentsRunView(run) };
    },
  }),
  apiRoute({
    method: 'POST',
    path: `${BASE}/documents/resync`,
    operationId: 'resyncNotionDocuments',
    summary: 'Re-read every imported document from Notion; queued, answered with its id',
    tag: TAG,
    auth: 'tenantApiKey',
    body: { schema: resyncBody },
    answers: { 202: z.strictObject({ queued: z.literal(true), importId: z.string() }) },
    handler: async (deps, _req, tenantId) => {
      const res = await enqueueDocumentsResync(deps, { tenantId, trigger: 'api' });
      if (!res.queued) return { status: 409, body: { error: res.reason } };
      return { status: 202, body: { queued: true, importId: res.runId } };
    },
  }),
  apiRoute({
    method: 'GET',
    path: `${BASE}/documents`,
    operationId: 'listNotionDocuments',
    summary: 'The imported documents, by title',
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: z.strictObject({ count: z.number().int(), documents: z.array(documentListingSchema) }) },
    handler: async (deps, _req, tenantId) => {
      const docs = await deps.imported.listImportedDocuments(tenantId);
      const documents = docs.map(documentListing).sort((a, b) => a.title.localeCompare(b.title));
      return { status: 200, body: { count: documents.length, documents } };
    },
  }),
  apiRoute({
    method: 'GET',
    path: `${BASE}/documents/{pageId}`,
    operationId: 'getNotionDocument',
    summary: 'One imported document: its Markdown (without front matter), or where its file is',
    tag: TAG,
    auth: 'tenantApiKey',
    answers: {
      200: z.strictObject({
        ...documentListingShape,
        markdown: z.string().nullable(),
        file: z.strictObject({ key: z.string(), contentType: z.string(), size: z.number() }).optional(),
      }),
      413: z.strictObject({ error: z.string(), ...documentListingShape }),
    },
    handler: async (deps, req, tenantId) => {
      let pageId: string;
      try {
        pageId = parseNotionPageId(req.pathParameters.pageId ?? '');
      } catch (err) {
        return badRequest(err);
      }
      const doc = await deps.imported.getImportedDocument(tenantId, pageId);
      if (!doc) return { status: 404, body: { error: `page ${pageId} is not imported` } };
      const stored = await deps.documents.get(tenantId, doc.documentKey);
      if (!stored) return { status: 404, body: { error: `the stored document of page ${pageId} is missing` } };
      const listing = documentListing(doc);
      if (doc.kind === 'file') {
        return {
          status: 200,
          body: {
            ...listing,
            markdown: null,
            file: { key: doc.documentKey, contentType: stored.contentType, size: stored.body.byteLength },
          },
        };
      }
      if (stored.body.byteLength > MAX_INLINE_BYTES) {
        return {
          status: 413,
          body: { error: `the document is ${stored.body.byteLength} bytes, more than the API returns`, ...listing },
        };
      }
      return { status: 200, body: { ...listing, markdown: withoutFrontMatter(stored.body.toString('utf8')) } };
    },
  }),
  apiRoute({
    method: 'GET',
    path: `${BASE}/webhook`,
    operationId: 'getNotionWebhook',
    summary: "The Notion webhook subscription's state and its pending verification token",
    tag: TAG,
    auth: 'tenantApiKey',
    answers: { 200: webhookViewSchema },
    handler: async (deps, _req, tenantId) => {
      if (!(await deps.connections.getConnection(tenantId, 'notion'))) {
        return { status: 404, body: { error: 'no Notion connection' } };
      }
      // The token is in this answer only (behind the tenant's key); responses are logged without bodies.
      return { status: 200, body: await revealNotionWebhook(deps, tenantId) };
    },
  }),
];

/** The stored page is YAML front matter (the metadata, listed apart) then the Markdown. */
function withoutFrontMatter(text: string): string {
  if (!text.startsWith('---\n')) return text;
  const end = text.indexOf('\n---\n', 4);
  return end < 0 ? text : text.slice(end + 5).replace(/^\n/, '');
}

function badRequest(err: unknown): ApiResponse {
  if (err instanceof TajoError) return { status: 400, body: { error: err.message } };
  throw err;
}
