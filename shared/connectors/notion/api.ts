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
import type { ApiResponse, Operation } from '../../core/http/api-types';
import { parseJsonBody } from '../../core/http/request-body';
import {
  documentListing,
  documentsRunView,
  enqueueDocumentImport,
  enqueueDocumentsResync,
} from './documents/documents';
import { parseNotionPageId } from './documents/import';
import { revealNotionWebhook } from './webhooks';

const BASE = '/tenants/{tenantId}/connections/notion';

const importBody = z.strictObject({
  /** A page id (dashed or not) or its Notion URL. */
  page: z.string().min(1, 'give the page id or URL'),
});
const resyncBody = z.strictObject({}).default({});

/** Lambda answers at most 6 MB; a larger document is left to the store (its location is listed). */
const MAX_INLINE_BYTES = 5_000_000;

/** Run ids as newRunId makes them: anything else cannot be one of ours (no store lookup). */
const RUN_ID = /^[0-9TZ]{15,20}-[0-9a-f]{8}$/;

export const notionOperations: Record<string, Operation> = {
  [`POST ${BASE}/imports`]: async (deps, req, tenantId) => {
    const body = parseJsonBody(req.body, importBody);
    if (!body.ok) return body.response;
    let pageId: string;
    try {
      pageId = parseNotionPageId(body.data.page);
    } catch (err) {
      return badRequest(err);
    }
    const res = await enqueueDocumentImport(deps, { tenantId, pageId, trigger: 'api' });
    if (!res.queued) return { status: 409, body: { error: res.reason } };
    return { status: 202, body: { queued: true, importId: res.runId, pageId } };
  },

  [`GET ${BASE}/imports/{importId}`]: async (deps, req, tenantId) => {
    const importId = req.pathParameters.importId ?? '';
    const run = RUN_ID.test(importId) ? await deps.runs.getRun(tenantId, 'notion', importId) : undefined;
    if (run?.job !== 'documents') return { status: 404, body: { error: `no import ${importId}` } };
    return { status: 200, body: documentsRunView(run) };
  },

  [`POST ${BASE}/documents/resync`]: async (deps, req, tenantId) => {
    const body = parseJsonBody(req.body, resyncBody);
    if (!body.ok) return body.response;
    const res = await enqueueDocumentsResync(deps, { tenantId, trigger: 'api' });
    if (!res.queued) return { status: 409, body: { error: res.reason } };
    return { status: 202, body: { queued: true, importId: res.runId } };
  },

  [`GET ${BASE}/documents`]: async (deps, _req, tenantId) => {
    const docs = await deps.imported.listImportedDocuments(tenantId);
    const documents = docs.map(documentListing).sort((a, b) => a.title.localeCompare(b.title));
    return { status: 200, body: { count: documents.length, documents } };
  },

  [`GET ${BASE}/documents/{pageId}`]: async (deps, req, tenantId) => {
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

  [`GET ${BASE}/webhook`]: async (deps, _req, tenantId) => {
    if (!(await deps.connections.getConnection(tenantId, 'notion'))) {
      return { status: 404, body: { error: 'no Notion connection' } };
    }
    // The token is in this answer only (behind the tenant's key); responses are logged without bodies.
    return { status: 200, body: await revealNotionWebhook(deps, tenantId) };
  },
};

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
