/**
 * Page import (document library): a Notion page becomes a document in the tenant's document store
 * — its metadata as YAML front matter, then its content as Markdown — and Notion-hosted files are
 * downloaded at once, because their signed URLs expire after an hour (notion.md §6). A page whose
 * content is one Notion-hosted file (a scanned contract, a PDF) is stored as that file instead.
 *
 * Read-only by construction: the service only sees `NotionPageReader` (retrieve page, retrieve
 * block, list children); and an import-only connection's gateway refuses every write anyway
 * (`read_only`, shared/connectors/notion/read-only.ts).
 *
 * Keys (relative to the tenant; the store puts the tenant first):
 *   notion/<pageId>/page.md                    the rendered page
 *   notion/<pageId>/files/<blockId>/<name>     its files, linked relatively from page.md
 *   notion/<pageId>/<name>                     a file-only page's file
 */
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import type { Endpoints } from '../../../core/env';
import {
  ConfigError,
  ProviderError,
  RateLimitedError,
  reasonOf,
  TajoError,
  UnreachableError,
} from '../../../core/errors';
import { newStats } from '../../../core/http/paced-fetch';
import { integrationKey } from '../../../core/integration-key';
import type { Clock } from '../../../core/ports';
import type {
  DocumentStore,
  ImportedDocument,
  ImportedDocumentStore,
  StoredObject,
} from '../../../core/ports/documents';
import { sharedPacer } from '../../../core/ratelimit/pacer';
import {
  NOTION_INTERVAL_MS,
  NotionGateway,
  type NotionGatewayOptions,
  type NotionPageMeta,
  pageTitle,
} from '../client';
import {
  type Block,
  type BlockNode,
  isMediaBlock,
  type MediaBlock,
  mediaPayload,
  parseBlock,
  plainText,
} from '../content/blocks';
import { type FetchChildren, type LoadOptions, loadBlockTree } from '../content/load';
import { renderMarkdown } from '../content/markdown';

/** The Notion calls an import makes; NotionGateway provides them. No method here writes. */
export interface NotionPageReader {
  retrievePage(pageId: string): Promise<NotionPageMeta>;
  retrieveBlock(blockId: string): Promise<Record<string, unknown>>;
  listBlockChildren: FetchChildren;
}

export interface NotionImportDeps {
  notion: NotionPageReader;
  documents: DocumentStore;
  imported: ImportedDocumentStore;
  clock: Clock;
  /** Downloads of Notion-hosted files: plain GETs of signed S3 URLs, not Notion API requests. */
  download?: typeof fetch;
  /** Files larger than this are left out with a warning (default 100 MB). */
  maxFileBytes?: number;
  /** Passed to loadBlockTree (depth, concurrency, request cap). */
  load?: LoadOptions;
}

export interface ImportedFile {
  blockId: string;
  key: string;
  contentType: string;
  size: number;
}

export interface ImportResult {
  pageId: string;
  title: string;
  kind: ImportedDocument['kind'];
  documentKey: string;
  /** Where the document is (a local path, an s3:// URI). */
  location: string;
  /** Notion API requests the import made (page, block children, block re-reads). */
  requests: number;
  files: ImportedFile[];
  warnings: string[];
  contentHash: string;
  /** The stored document differs from the previous import's (always true on a first import). */
  changed: boolean;
}

export interface ResyncResult {
  checked: number;
  reimported: number;
  unchanged: number;
  failed: number;
  requests: number;
  errors: { pageId: string; reason: string }[];
  warnings: string[];
  /** Set when `stopBy` came before the last document: pass it back as `after` to continue. */
  next?: string;
}

export interface ResyncArgs {
  tenantId: string;
  /** Continue after this page id (documents are re-synced in page id order). */
  after?: string;
  /** No document is started at or after this time (clock ms): a lane step ends inside its budget. */
  stopBy?: number;
}

const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** The page id in a Notion URL or id (dashed or not), dashed and lower-case. */
export function parseNotionPageId(input: string): string {
  const trimmed = input.trim();
  let hex: string | undefined;
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      // notion.so/<workspace>/<Title>-<32 hex>?pvs=4: the id is the last path segment's last 32 hex digits.
      const last = new URL(trimmed).pathname.split('/').pop() ?? '';
      hex = /([0-9a-f]{32})$/i.exec(last.replace(/-/g, ''))?.[1];
    } catch {
      hex = undefined;
    }
  } else {
    const compact = trimmed.replace(/-/g, '');
    hex = /^[0-9a-f]{32}$/i.test(compact) ? compact : undefined;
  }
  if (!hex) throw new TajoError(`not a Notion page URL or id: ${trimmed}`, 'usage');
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Imports (or re-imports) one page. */
export async function importPage(
  deps: NotionImportDeps,
  args: { tenantId: string; pageId: string },
): Promise<ImportResult> {
  const counter = countRequests(deps.notion);
  const pageId = parseNotionPageId(args.pageId);
  const page = await counter.reader.retrievePage(pageId);
  return importLoadedPage({ ...deps, notion: counter.reader }, args.tenantId, page, counter);
}

/**
 * Re-reads every imported page's metadata (one request each) and re-imports the pages edited since
 * their import. Notion rounds last_edited_time to the minute, so a page imported in the same minute
 * as its last edit cannot be proven unchanged: it is re-imported once more.
 */
export async function resyncDocuments(deps: NotionImportDeps, args: ResyncArgs): Promise<ResyncResult> {
  const result: ResyncResult = {
    checked: 0,
    reimported: 0,
    unchanged: 0,
    failed: 0,
    requests: 0,
    errors: [],
    warnings: [],
  };
  const after = args.after;
  const docs = (await deps.imported.listImportedDocuments(args.tenantId))
    .filter((d) => after === undefined || d.pageId > after)
    .sort((a, b) => (a.pageId < b.pageId ? -1 : a.pageId > b.pageId ? 1 : 0));
  for (const [i, doc] of docs.entries()) {
    if (args.stopBy !== undefined && i > 0 && deps.clock.now() >= args.stopBy) {
      result.next = docs[i - 1]?.pageId;
      break;
    }
    result.checked++;
    const counter = countRequests(deps.notion);
    try {
      const page = await counter.reader.retrievePage(doc.pageId);
      if (!mayHaveChanged(doc, page)) {
        result.unchanged++;
        await deps.imported.putImportedDocument({ ...doc, checkedAt: new Date(deps.clock.now()).toISOString() });
        continue;
      }
      const res = await importLoadedPage({ ...deps, notion: counter.reader }, args.tenantId, page, counter, {
        resync: true,
      });
      result.reimported++;
      result.warnings.push(...res.warnings.map((w) => `${doc.pageId}: ${w}`));
    } catch (err) {
      // One page that vanished or lost its sharing must not stop the others; the document stays.
      result.failed++;
      result.errors.push({ pageId: doc.pageId, reason: reasonOf(err) });
      if (isFatal(err)) throw err;
    } finally {
      result.requests += counter.count();
    }
  }
  return result;
}

function mayHaveChanged(doc: ImportedDocument, page: NotionPageMeta): boolean {
  if (page.last_edited_time !== doc.lastEditedTime) return true;
  const importedMinute = Math.floor(Date.parse(doc.importedAt) / 60_000) * 60_000;
  return Date.parse(page.last_edited_time) >= importedMinute;
}

/**
 * A bad token, a rate limit (the lane parks on it), an unreachable Notion or a read-only refusal
 * affects every page: stop instead of failing each one.
 */
function isFatal(err: unknown): boolean {
  if (err instanceof RateLimitedError || err instanceof UnreachableError || err instanceof ConfigError) return true;
  return err instanceof ProviderError && (err.status === 401 || err.status === 429);
}

async function importLoadedPage(
  deps: NotionImportDeps,
  tenantId: string,
  page: NotionPageMeta,
  counter: { count(): number },
  opts: { resync?: boolean } = {},
): Promise<ImportResult> {
  const pageId = page.id;
  if (page.in_trash || page.archived) throw new TajoError(`page ${pageId} is in the trash: not imported`, 'in_trash');
  const title = pageTitle(page.properties) || 'Untitled';
  const warnings: string[] = [];
  const previous = await deps.imported.getImportedDocument(tenantId, pageId);
  const tree = await loadBlockTree(deps.notion.listBlockChildren, pageId, deps.load);
  warnings.push(...tree.warnings);
  const base = `notion/${pageId}`;

  const fileOnly = soleHostedFile(tree.blocks);
  let kind: ImportedDocument['kind'];
  let documentKey: string;
  let contentHash: string;
  const files: ImportedFile[] = [];

  if (fileOnly) {
    const got = await downloadHosted(deps, fileOnly, warnings);
    if (!got) throw new TajoError(`the file of page ${pageId} could not be downloaded: ${warnings.at(-1)}`, 'download');
    kind = 'file';
    documentKey = `${base}/${fileName(fileOnly, got.contentType)}`;
    await deps.documents.put(tenantId, documentKey, got.bytes, got.contentType);
    contentHash = sha256(got.bytes);
  } else {
    const links = new Map<string, string>();
    for (const block of hostedMedia(tree.blocks)) {
      const got = await downloadHosted(deps, block, warnings);
      if (!got) continue;
      const name = fileName(block, got.contentType);
      const key = `${base}/files/${block.id}/${name}`;
      const stored: StoredObject = await deps.documents.put(tenantId, key, got.bytes, got.contentType);
      files.push({ blockId: block.id, key, contentType: stored.contentType, size: stored.size });
      // Relative to page.md, so the link works wherever the folder is (disk, S3, an export).
      links.set(block.id, `files/${encodeURIComponent(block.id)}/${encodeURIComponent(name)}`);
    }
    // Child pages and links to pages stay links to Notion (each page is imported on its own).
    const markdown = renderMarkdown(tree.blocks, { fileUrl: (block) => links.get(block.id) });
    kind = 'markdown';
    documentKey = `${base}/page.md`;
    const body = `---\n${toYaml(frontMatter(page, title))}---\n\n${markdown}`;
    await deps.documents.put(tenantId, documentKey, body, 'text/markdown; charset=utf-8');
    contentHash = sha256(Buffer.from(body, 'utf8'));
  }

  // What the previous import stored and this one did not (a removed image, a page that became a
  // file) goes, so the library never serves content the page no longer has.
  const keep = new Set([documentKey, ...files.map((f) => f.key)]);
  const stale = previous ? [previous.documentKey, ...previous.fileKeys].filter((k) => !keep.has(k)) : [];
  if (stale.length > 0) await deps.documents.delete(tenantId, stale);

  const now = new Date(deps.clock.now()).toISOString();
  await deps.imported.putImportedDocument({
    tenantId,
    pageId,
    title,
    url: page.url,
    createdTime: page.created_time,
    parent: page.parent ?? null,
    icon: iconOf(page.icon),
    lastEditedTime: page.last_edited_time,
    contentHash,
    kind,
    documentKey,
    fileKeys: files.map((f) => f.key),
    files,
    importedAt: now,
    firstImportedAt: previous?.firstImportedAt ?? previous?.importedAt ?? now,
    checkedAt: opts.resync ? now : previous?.checkedAt,
  });
  return {
    pageId,
    title,
    kind,
    documentKey,
    location: deps.documents.locate(tenantId, documentKey),
    requests: counter.count(),
    files,
    warnings,
    contentHash,
    changed: previous?.contentHash !== contentHash,
  };
}

function frontMatter(page: NotionPageMeta, title: string): Record<string, unknown> {
  return {
    notion_page_id: page.id,
    title,
    url: page.url ?? null,
    created_time: page.created_time,
    last_edited_time: page.last_edited_time,
    parent: page.parent ?? null,
    icon: iconOf(page.icon),
  };
}

/** Emoji icons as they are; file icons without their signed (expiring) URL. */
function iconOf(icon: unknown): unknown {
  if (!icon || typeof icon !== 'object') return null;
  const i = icon as Record<string, unknown>;
  if (i.type === 'file') return { type: 'file' };
  return i;
}

// ---------- files ----------

function isHosted(block: MediaBlock): boolean {
  const media = mediaPayload(block);
  return media.type === 'file' && media.file !== undefined;
}

function hostedMedia(nodes: readonly BlockNode[]): MediaBlock[] {
  const out: MediaBlock[] = [];
  const walk = (list: readonly BlockNode[]) => {
    for (const n of list) {
      if (isMediaBlock(n) && isHosted(n)) out.push(n);
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

/** The one Notion-hosted pdf/file block that is the page's whole content (empty paragraphs aside). */
function soleHostedFile(nodes: readonly BlockNode[]): MediaBlock | undefined {
  const meaningful = nodes.filter(
    (n) => !(n.type === 'paragraph' && plainText(n.paragraph.rich_text).trim() === '' && n.children.length === 0),
  );
  const only = meaningful.length === 1 ? meaningful[0] : undefined;
  if (!only || (only.type !== 'pdf' && only.type !== 'file') || !isHosted(only)) return undefined;
  return only;
}

/**
 * Downloads a Notion-hosted file. A URL that has expired (by its expiry_time, or the host says so)
 * is refreshed once by re-reading the block, which signs a new one.
 */
async function downloadHosted(
  deps: NotionImportDeps,
  block: MediaBlock,
  warnings: string[],
): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  let media = mediaPayload(block);
  const expired = (m: typeof media) =>
    m.file?.expiry_time !== undefined && Date.parse(m.file.expiry_time) <= deps.clock.now();
  let refreshed = false;
  const refresh = async () => {
    refreshed = true;
    const fresh = parseBlock(await deps.notion.retrieveBlock(block.id));
    if (!isMediaBlock(fresh)) throw new TajoError(`block ${block.id} is no longer a file`, 'download');
    media = mediaPayload(fresh);
  };
  try {
    if (expired(media)) await refresh();
    for (;;) {
      const url = media.file?.url;
      if (!url) throw new TajoError('the block has no file URL', 'download');
      const res = await (deps.download ?? fetch)(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      // S3 answers 403 AccessDenied "Request has expired" (or 400 for some signature errors).
      if ((res.status === 403 || res.status === 400) && !refreshed) {
        await res.body?.cancel();
        await refresh();
        continue;
      }
      if (!res.ok) throw new TajoError(`download answered ${res.status}`, 'download');
      const max = deps.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
      if (Number(res.headers.get('content-length') ?? 0) > max) {
        await res.body?.cancel();
        throw new TajoError(`larger than ${max} bytes`, 'download');
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      if (bytes.byteLength > max) throw new TajoError(`larger than ${max} bytes`, 'download');
      const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
      return { bytes, contentType };
    }
  } catch (err) {
    if (isFatal(err)) throw err;
    warnings.push(`${block.type} block ${block.id} (${mediaPayload(block).name ?? 'file'}) left out: ${reasonOf(err)}`);
    return undefined;
  }
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
  'text/plain': 'txt',
};

/** A file name safe in a key and a path: the block's name, else the URL's, else the kind. */
function fileName(block: Block & MediaBlock, contentType: string): string {
  const media = mediaPayload(block);
  let raw = media.name ?? '';
  if (!raw && media.file?.url) {
    try {
      raw = decodeURIComponent(new URL(media.file.url).pathname.split('/').pop() ?? '');
    } catch {
      raw = '';
    }
  }
  let safe = raw
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '')
    .slice(-120);
  if (!safe) safe = `${block.type}.${EXTENSIONS[contentType.split(';')[0]?.trim() ?? ''] ?? 'bin'}`;
  return safe;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function countRequests(notion: NotionPageReader): { reader: NotionPageReader; count(): number } {
  let n = 0;
  return {
    reader: {
      retrievePage: (id) => {
        n++;
        return notion.retrievePage(id);
      },
      retrieveBlock: (id) => {
        n++;
        return notion.retrieveBlock(id);
      },
      listBlockChildren: (id, cursor, size) => {
        n++;
        return notion.listBlockChildren(id, cursor, size);
      },
    },
    count: () => n,
  };
}

/** A NotionGateway on the connection's shared pacer (3 req/s per integration, shared with its syncs). */
export function buildNotionReader(args: {
  notionToken: string;
  apiVersion: NotionGatewayOptions['apiVersion'];
  endpoints: Endpoints;
  clock: Clock;
  /** The connection's read_only (notionReadOnly(settings)): the gateway then refuses every write. */
  readOnly: boolean;
  maxInProcessWaitMs?: number;
}): NotionGateway {
  return new NotionGateway({
    token: args.notionToken,
    apiVersion: args.apiVersion,
    baseUrl: args.endpoints.notionBaseUrl,
    clock: args.clock,
    pacer: sharedPacer(integrationKey('notion', args.notionToken), NOTION_INTERVAL_MS, args.clock),
    stats: newStats(),
    maxInProcessWaitMs: args.maxInProcessWaitMs,
    readOnly: args.readOnly,
  });
}

/**
 * The deps for a connection: its paced gateway plus the given stores. The API route, the 4-hourly
 * schedule and the CLI all build them this way.
 */
export function buildNotionImportDeps(
  args: Parameters<typeof buildNotionReader>[0] & { documents: DocumentStore; imported: ImportedDocumentStore },
): NotionImportDeps & { gateway: NotionGateway } {
  const gateway = buildNotionReader(args);
  return {
    gateway,
    notion: pageReaderOf(gateway),
    documents: args.documents,
    imported: args.imported,
    clock: args.clock,
  };
}

/** The gateway's read calls as bound functions: the service calls them detached (loadBlockTree). */
export function pageReaderOf(gateway: NotionGateway): NotionPageReader {
  return {
    retrievePage: (id) => gateway.retrievePage(id),
    retrieveBlock: (id) => gateway.retrieveBlock(id),
    listBlockChildren: (id, cursor, size) => gateway.listBlockChildren(id, cursor, size),
  };
}
