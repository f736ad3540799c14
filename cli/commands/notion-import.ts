/**
 * The Notion connector's read-only page commands (the document library): `tajo notion search`,
 * `tajo notion import <page>`, `tajo notion resync`, run in process against the config's workspace.
 */
import { join } from 'node:path';
// Page import (document library)
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { startEmbeddedDynamo, stateDir } from '../../shared/adapters/local/embedded-dynamodb';
import { loadConfigFile } from '../../shared/app/config';
import type { NotionGateway, SearchHit, SearchPage } from '../../shared/connectors/notion/client';
import {
  buildNotionImportDeps,
  buildNotionReader,
  importPage,
  type NotionImportDeps,
  parseNotionPageId,
  resyncDocuments,
} from '../../shared/connectors/notion/documents/import';
import { notionReadOnly } from '../../shared/connectors/notion/read-only';
import { endpointsFromEnv } from '../../shared/core/env';
import { ConfigError } from '../../shared/core/errors';
import { systemClock } from '../../shared/core/ports';
import { configPath, tenantOf, type Values } from '../in-process';
import { type Io, UsageError } from '../io';

/** The Notion part of the config for the read-only commands (search, import, resync). */
async function notionForImport(values: Values, env: NodeJS.ProcessEnv) {
  const config = await loadConfigFile(configPath(values, env), env);
  const notion = config.connectors.notion;
  if (!notion) throw new ConfigError([{ path: 'connectors.notion', message: 'is required to read Notion' }]);
  return { notion, tenantId: tenantOf(values, config), config };
}

/** Local runs keep documents under TAJO_STATE_DIR/documents and their records in the local table. */
async function withImportDeps<T>(
  values: Values,
  env: NodeJS.ProcessEnv,
  fn: (deps: NotionImportDeps & { gateway: NotionGateway }, tenantId: string) => Promise<T>,
): Promise<T> {
  const { notion, tenantId } = await notionForImport(values, env);
  const state = await startEmbeddedDynamo(join(stateDir(env), 'dynamodb'));
  try {
    const deps = buildNotionImportDeps({
      notionToken: notion.token,
      apiVersion: notion.api_version,
      readOnly: notionReadOnly(notion),
      endpoints: endpointsFromEnv(env),
      documents: new LocalDocumentStore(join(stateDir(env), 'documents')),
      imported: state.store,
      clock: systemClock,
    });
    return await fn(deps, tenantId);
  } finally {
    await state.close();
  }
}

export async function notionSearchCli(
  words: string[],
  values: Values,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const { notion } = await notionForImport(values, env);
  const gateway = buildNotionReader({
    notionToken: notion.token,
    apiVersion: notion.api_version,
    readOnly: notionReadOnly(notion),
    endpoints: endpointsFromEnv(env),
    clock: systemClock,
  });
  const query = words.join(' ');
  const results: SearchHit[] = [];
  const skipped: SearchPage['skipped'] = [];
  let cursor: string | undefined;
  let requests = 0;
  do {
    const page = await gateway.search({ query: query || undefined, startCursor: cursor });
    requests++;
    results.push(...page.results);
    skipped.push(...page.skipped);
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor);
  if (values.json) {
    io.out(JSON.stringify({ query, count: results.length, requests, results, skipped }));
    return 0;
  }
  if (results.length === 0 && skipped.length === 0) {
    io.out('Nothing found: share pages with the integration (••• → Connections).');
  }
  for (const r of results) {
    const kind = r.object === 'page' ? 'page' : 'database';
    io.out(
      `${kind.padEnd(8)} ${r.title || 'Untitled'}  ${r.id}  edited ${r.lastEditedTime}${r.url ? `  ${r.url}` : ''}`,
    );
  }
  // A result this version cannot read (an object kind Notion added later) is named, never dropped unseen.
  if (skipped.length > 0) io.out(`${skipped.length} result${skipped.length === 1 ? '' : 's'} left out, unreadable:`);
  for (const s of skipped) io.out(`  ${s.id ?? '(no id)'}: ${s.reason}`);
  return 0;
}

export async function notionImportCli(
  page: string | undefined,
  values: Values,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (!page) throw new UsageError('tajo notion import needs a page id or URL');
  const pageId = parseNotionPageId(page);
  return withImportDeps(values, env, async (deps, tenantId) => {
    const res = await importPage(deps, { tenantId, pageId });
    if (values.json) {
      io.out(JSON.stringify(res));
      return 0;
    }
    io.out(`Imported "${res.title}" (${res.kind}) → ${res.location}`);
    io.out(`  ${res.requests} Notion requests, ${res.files.length} files stored${res.changed ? '' : ', unchanged'}`);
    for (const w of res.warnings) io.out(`  warning: ${w}`);
    return 0;
  });
}

export async function notionResyncCli(values: Values, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  return withImportDeps(values, env, async (deps, tenantId) => {
    const res = await resyncDocuments(deps, { tenantId });
    if (values.json) {
      io.out(JSON.stringify(res));
      return 0;
    }
    io.out(
      `Re-sync: ${res.checked} documents checked, ${res.reimported} re-imported, ${res.unchanged} unchanged, ` +
        `${res.failed} failed (${res.requests} Notion requests)`,
    );
    for (const e of res.errors) io.out(`  page ${e.pageId}: ${e.reason}`);
    for (const w of res.warnings) io.out(`  warning: ${w}`);
    return 0;
  });
}
