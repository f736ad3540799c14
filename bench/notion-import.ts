/**
 * Page import benchmark (issue 4): 50 nested pages of realistic content in the Notion simulator at
 * its documented 3 req/s per token (burst 3), imported one by one
 *   (F) by our importer (importPage: page metadata + block tree through the paced gateway, hosted
 *       files downloaded and stored, Markdown with front matter written to a document store), and
 *   (G) by notion-to-md 3.1.9 (NotionToMarkdown({notionClient: new Client({baseUrl, auth})}),
 *       pageToMarkdown + toMarkdownString), the same pages, in the same run.
 * For each: Notion requests (total, accepted, per page), 429s, wall time, pages/s, and pages/s as a
 * ratio of what 3 req/s allows for that tool's requests per page. Each tool has its own token, so
 * its own rate bucket; the simulator's request log is reset between the two.
 *
 * notion-to-md runs with `parseChildPages: false` so that each page is converted on its own, as our
 * importer does (its default would fetch every nested page again inside its parent). It has no
 * pacing of its own: the SDK's default retries (2, honouring Retry-After) are all it has.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@notionhq/client';
import { NotionToMarkdown } from 'notion-to-md';
import type { RequestRecord } from '../sandbox/http-kit';
import {
  type BlockInput,
  blocks as b,
  NotionSimulator,
  pdfOnlyContent,
  realisticContent,
  seedDocsTree,
} from '../sandbox/notion';
import { LocalDocumentStore } from '../shared/adapters/local/document-store';
import { startEmbeddedDynamo } from '../shared/adapters/local/embedded-dynamodb';
import { NOTION_INTERVAL_MS } from '../shared/connectors/notion/client';
import { buildNotionImportDeps, importPage } from '../shared/connectors/notion/documents/import';
import { systemClock } from '../shared/core/ports';
import { countByRoute, peakRate, round } from './measure';

/** Notion's documented average rate per integration. */
export const NOTION_REQUESTS_PER_SECOND = 3;

export interface ImportBenchOptions {
  pages: number;
  progress: (line: string) => void;
}

export interface ImportToolResult {
  id: 'F' | 'G';
  tool: string;
  pages: number;
  /** Pages converted without an error. */
  pagesDone: number;
  failures: { pageId: string; reason: string }[];
  /** Every request the simulator received from the tool (429s included). */
  requests: number;
  /** Requests answered 2xx: the work a page costs. */
  acceptedRequests: number;
  rateLimited: number;
  requestsPerPage: number;
  wallMs: number;
  pagesPerSecond: number;
  /** 3 req/s ÷ accepted requests per page: the fastest this tool's request pattern allows. */
  ceilingPagesPerSecond: number;
  ceilingRatio: number;
  /** Most requests in any 1 s window (Notion's limit is an average of 3/s; the simulator allows a burst of 3). */
  peakRequestsPerSecond: number;
  byRoute: Record<string, number>;
  /** Hosted files downloaded (S3 GETs, not API requests) and stored with the document. */
  fileDownloads: number;
  markdownBytes: number;
  notes: string[];
}

export interface ImportBenchReport {
  benchmark: 'notion-import';
  date: string;
  node: string;
  settings: Record<string, unknown>;
  results: ImportToolResult[];
  errors: string[];
}

/**
 * Page k of the tree: the realistic page (≈ 60 blocks, 4 levels deep), every 7th page PDF-only, and
 * every 5th page with a long FAQ list (130 items) so that its children come in two pages (Notion
 * returns at most 100 per request).
 */
function benchContent(k: number): BlockInput[] {
  if (k > 0 && k % 7 === 0) return pdfOnlyContent(`scan-${k}.pdf`);
  const long =
    k % 5 === 0
      ? [b.heading(2, 'FAQ'), ...Array.from({ length: 130 }, (_, i) => b.bullet(`Question ${i + 1} of page ${k}?`))]
      : [];
  return [...realisticContent(k), ...long];
}

function summarise(
  base: Pick<ImportToolResult, 'id' | 'tool' | 'pages' | 'failures' | 'fileDownloads' | 'markdownBytes' | 'notes'>,
  records: RequestRecord[],
  wallMs: number,
): ImportToolResult {
  const api = records.filter((r) => r.path.startsWith('/v1/'));
  const accepted = api.filter((r) => r.status < 400).length;
  const rateLimited = api.filter((r) => r.status === 429).length;
  const pagesDone = base.pages - base.failures.length;
  const requestsPerPage = accepted / base.pages;
  const pagesPerSecond = pagesDone / (wallMs / 1000);
  const ceilingPagesPerSecond = NOTION_REQUESTS_PER_SECOND / requestsPerPage;
  return {
    ...base,
    pagesDone,
    requests: api.length,
    acceptedRequests: accepted,
    rateLimited,
    requestsPerPage: round(requestsPerPage, 2),
    wallMs: Math.round(wallMs),
    pagesPerSecond: round(pagesPerSecond, 4),
    ceilingPagesPerSecond: round(ceilingPagesPerSecond, 4),
    ceilingRatio: round(pagesPerSecond / ceilingPagesPerSecond, 3),
    peakRequestsPerSecond: peakRate(api),
    byRoute: countByRoute(api),
  };
}

export async function importScenarios(o: ImportBenchOptions): Promise<ImportToolResult[]> {
  const ours = `secret_bench_tajo_${process.pid}`;
  const theirs = `secret_bench_n2m_${process.pid}`;
  const sim = new NotionSimulator({ tokens: [ours, theirs] });
  await sim.start();
  const dir = await mkdtemp(join(tmpdir(), 'tajo-bench-import-'));
  const state = await startEmbeddedDynamo();
  try {
    const tree = seedDocsTree(sim, { pages: o.pages, fanout: 4, title: 'Docs', content: benchContent });
    const maxDepth = Math.max(...tree.depth.values());
    o.progress(`import: seeded ${tree.pageIds.length} nested pages (depth ${maxDepth}) in the Notion simulator`);
    const results: ImportToolResult[] = [];

    // ---- F: our importer, through the paced gateway (read-only: the connection only imports).
    sim.resetStats();
    const deps = buildNotionImportDeps({
      notionToken: ours,
      apiVersion: '2025-09-03',
      readOnly: true,
      endpoints: { notionBaseUrl: sim.baseUrl },
      documents: new LocalDocumentStore(join(dir, 'documents')),
      imported: state.store,
      clock: systemClock,
    });
    const failuresF: ImportToolResult['failures'] = [];
    let bytesF = 0;
    let startedAt = Date.now();
    for (const [i, pageId] of tree.pageIds.entries()) {
      try {
        const res = await importPage(deps, { tenantId: 'bench', pageId });
        const doc = await deps.documents.get('bench', res.documentKey);
        if (res.kind === 'markdown') bytesF += doc?.body.byteLength ?? 0;
      } catch (err) {
        failuresF.push({ pageId, reason: (err as Error).message });
      }
      if ((i + 1) % 10 === 0) o.progress(`import F (tajo): ${i + 1}/${tree.pageIds.length} pages`);
    }
    results.push(
      summarise(
        {
          id: 'F',
          tool: 'tajo importPage (paced gateway)',
          pages: tree.pageIds.length,
          failures: failuresF,
          fileDownloads: sim.fileDownloads,
          markdownBytes: bytesF,
          notes: [
            'Per page: 1 page read (metadata) + 1 children list per block with children (100 per request); ' +
              'hosted files are downloaded and stored (S3 GETs, not API requests).',
            'Markdown counts the rendered pages with their front matter; PDF-only pages are stored as the PDF.',
            `The client paces itself at one request per ${NOTION_INTERVAL_MS} ms per token (3 req/s).`,
          ],
        },
        sim.log.records,
        Date.now() - startedAt,
      ),
    );

    // ---- G: notion-to-md on the same pages, with the SDK's defaults (it does not pace itself).
    sim.resetStats();
    const client = new Client({ baseUrl: sim.baseUrl, auth: theirs, logger: () => undefined });
    const n2m = new NotionToMarkdown({ notionClient: client, config: { parseChildPages: false } });
    const failuresG: ImportToolResult['failures'] = [];
    let bytesG = 0;
    startedAt = Date.now();
    for (const [i, pageId] of tree.pageIds.entries()) {
      try {
        const md = n2m.toMarkdownString(await n2m.pageToMarkdown(pageId));
        bytesG += Buffer.byteLength(md.parent ?? '', 'utf8');
      } catch (err) {
        failuresG.push({ pageId, reason: (err as Error).message });
      }
      if ((i + 1) % 10 === 0) o.progress(`import G (notion-to-md): ${i + 1}/${tree.pageIds.length} pages`);
    }
    results.push(
      summarise(
        {
          id: 'G',
          tool: 'notion-to-md 3.1.9 (pageToMarkdown + toMarkdownString)',
          pages: tree.pageIds.length,
          failures: failuresG,
          fileDownloads: sim.fileDownloads,
          markdownBytes: bytesG,
          notes: [
            'No pacing of its own: requests go out as fast as the simulator answers; a 429 is retried by the ' +
              '@notionhq/client defaults (2 retries after Retry-After), and a page whose request still fails is lost.',
            'Notion-Version: the SDK v5 default 2025-09-03, which the simulator accepts (no override needed).',
            'No page metadata read and no file downloaded: hosted files stay as signed URLs that expire in an hour.',
            'parseChildPages: false, so each page is converted on its own as ours is (child pages are left out of ' +
              'its Markdown; ours links them).',
          ],
        },
        sim.log.records,
        Date.now() - startedAt,
      ),
    );
    return results;
  } finally {
    await state.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function importReport(results: ImportToolResult[], errors: string[], settings: Record<string, unknown>) {
  return {
    benchmark: 'notion-import' as const,
    date: new Date().toISOString(),
    node: process.version,
    settings,
    results,
    errors,
  } satisfies ImportBenchReport;
}

export function importMarkdown(r: ImportBenchReport): string {
  const lines = [
    '# Notion page import benchmark',
    '',
    `${r.date} · Node ${r.node}`,
    '',
    `${String(r.settings.pages)} nested pages (realistic content, every 7th PDF-only, every 5th with 130 list items: ` +
      'children in two pages) in the Notion simulator at 3 req/s per token (burst 3), imported one by one in the ' +
      'same run. Ceiling for a tool: 3 req/s ÷ its accepted requests per page.',
    '',
    '| Run | Tool | Pages done | Requests (all) | Accepted | 429s | Req/page | Wall (s) | Pages/s | Ceiling pages/s | Ratio | Peak req/s | Files stored | Markdown (KB) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.results) {
    lines.push(
      `| ${x.id} | ${x.tool} | ${x.pagesDone}/${x.pages} | ${x.requests} | ${x.acceptedRequests} | ${x.rateLimited} | ` +
        `${x.requestsPerPage} | ${round(x.wallMs / 1000, 1)} | ${x.pagesPerSecond} | ${x.ceilingPagesPerSecond} | ` +
        `${x.ceilingRatio} | ${x.peakRequestsPerSecond} | ${x.id === 'F' ? x.fileDownloads : 0} | ` +
        `${round(x.markdownBytes / 1024, 1)} |`,
    );
  }
  lines.push('', '## Requests by route', '');
  for (const x of r.results) {
    lines.push(
      `- ${x.id}: ${Object.entries(x.byRoute)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  lines.push('', '## Notes', '');
  for (const x of r.results) for (const n of x.notes) lines.push(`- ${x.id}: ${n}`);
  for (const x of r.results) {
    if (x.failures.length > 0) {
      lines.push(`- ${x.id}: ${x.failures.length} pages failed, e.g. ${x.failures[0]?.reason}`);
    }
  }
  if (r.errors.length > 0) lines.push('', '## Errors', '', ...r.errors.map((e) => `- ${e}`));
  lines.push('');
  return lines.join('\n');
}

export function importConsoleTable(results: ImportToolResult[]): string {
  return results
    .map(
      (x) =>
        `${x.id}. ${x.tool}: ${x.pagesDone}/${x.pages} pages, ${x.requests} requests (${x.acceptedRequests} accepted, ` +
        `${x.rateLimited} × 429), ${x.requestsPerPage} req/page, ${round(x.wallMs / 1000, 1)} s, ` +
        `${x.pagesPerSecond} pages/s = ${x.ceilingRatio} of ${x.ceilingPagesPerSecond} pages/s`,
    )
    .join('\n');
}
