/**
 * Read-only Notion connections (`connectors.notion.read_only`): the one home of what "writes to
 * Notion" means. The gateway refuses every request that is not a read before it leaves the
 * process (nothing is sent, nothing is paced or counted), and the config is refused when it asks
 * for read-only mode and for a feature that writes to Notion at the same time.
 *
 * The default: an import-only connection (no database sync, nothing that writes to Notion) is
 * read-only; any other connection is not, unless its config says `read_only: true`. An explicit
 * value always wins.
 */

import { ConfigError } from '../../core/errors';
import type { NotionConnectorConfig } from './config-schema';

/** The connection settings these rules read: the config, with or without its token. */
export type NotionConnectionSettings = Omit<NotionConnectorConfig, 'token'>;

/** A configured feature that writes to Notion: where it is in the config and what it writes. */
export interface NotionWriteFeature {
  /** Config path of the feature, e.g. `connectors.notion.rules[0]`. */
  path: string;
  /** What it writes, for the message, e.g. "creates pages from Brevo events". */
  writes: string;
}

/**
 * Every configured feature that writes to Notion: today the Brevo → Notion rules (they create and
 * update pages). A new feature that writes adds its config paths here, so that `read_only: true`
 * refuses it at validation and the default stays right.
 */
export function notionWritesConfigured(notion: NotionConnectionSettings): NotionWriteFeature[] {
  return (notion.rules ?? []).map((rule, i) => ({
    path: `connectors.notion.rules[${i}]`,
    writes: `rule ${rule.name} ${rule.action === 'create' ? 'creates' : 'creates or updates'} pages in Notion from Brevo events`,
  }));
}

/** Nothing is synced out of Notion databases and nothing writes to Notion: the page import alone. */
export function isImportOnly(notion: NotionConnectionSettings): boolean {
  const syncsDatabases = notion.sync.databases && notion.databases.length > 0;
  return !syncsDatabases && notionWritesConfigured(notion).length === 0;
}

/** Whether the connection must never write to Notion: `read_only` when given, else import-only. */
export function notionReadOnly(notion: NotionConnectionSettings): boolean {
  return notion.read_only ?? isImportOnly(notion);
}

/** Config issues: `read_only: true` together with features that write to Notion, one per feature. */
export function readOnlyIssues(
  notion: NotionConnectionSettings,
  writes: NotionWriteFeature[] = notionWritesConfigured(notion),
): { path: string; message: string }[] {
  if (notion.read_only !== true) return [];
  return writes.map((w) => ({
    path: w.path,
    message:
      `${w.writes}, but connectors.notion.read_only is true (never write to Notion): ` +
      'remove this or set read_only: false',
  }));
}

/** Reads that Notion's API takes as POST: database / data source queries and search. */
export function isReadSentAsPost(url: URL): boolean {
  return /\/v1\/(data_sources\/[^/]+\/query|databases\/[^/]+\/query|search)$/.test(url.pathname);
}

/** Any request that is not a read: pages create/update, block append/update/delete, comments, uploads. */
export function isNotionWrite(url: URL, method: string): boolean {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return false;
  return !(m === 'POST' && isReadSentAsPost(url));
}

/** A write a read-only connection was asked to make: permanent (the config says so), nothing sent. */
export class NotionReadOnlyError extends ConfigError {
  constructor(method: string, path: string) {
    super([
      {
        path: 'connectors.notion.read_only',
        message: `the Notion connection is read-only: ${method.toUpperCase()} ${path} was refused and not sent`,
      },
    ]);
  }
}

/** Wraps a fetch so that no write leaves the process; reads pass through unchanged. */
export function readOnlyFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    if (isNotionWrite(url, method)) throw new NotionReadOnlyError(method, url.pathname);
    return inner(input, init);
  };
}
