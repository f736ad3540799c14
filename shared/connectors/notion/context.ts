/**
 * Builds what a Notion sync needs from a connection's settings and its two tokens: the paced
 * Notion gateway (on the integration's schedule shared with every process, given the tenant's call
 * store) and Brevo client, stores, clock and counters. Used by the lane worker and by the CLI, so
 * both run the same code.
 */
import { brevoClientFor } from '../../core/brevo/client';
import type { ProgressEvent } from '../../core/brevo/contact-writer';
import type { Endpoints } from '../../core/env';
import { newStats } from '../../core/http/paced-fetch';
import { integrationKey } from '../../core/integration-key';
import type { CallBudgetStore, Clock, CursorStore, PageWriteStore, RunStore } from '../../core/ports';
import type { CallReserver } from '../../core/ratelimit/call-budget';
import { sharedPacer } from '../../core/ratelimit/pacer';
import { NOTION_INTERVAL_MS, NotionGateway, notionPacer } from './client';
import type { NotionConnectorConfig } from './config-schema';
import { notionReadOnly } from './read-only';
import { ownWriteChecker } from './rules/brevo-to-notion';
import type { NotionSyncContext, SyncOptions } from './sync/sync-context';

export function buildNotionContext(args: {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  notionToken: string;
  brevoApiKey: string;
  cursors: CursorStore;
  runs: RunStore;
  clock: Clock;
  endpoints: Endpoints;
  options?: Partial<SyncOptions>;
  onProgress?: (e: ProgressEvent) => void;
  /** Longest Retry-After slept through in process (a Lambda worker parks the lane instead). */
  maxInProcessWaitMs?: number;
  /** The Brevo → Notion rules' page writes: with rules configured, the sync skips their echo. */
  pageWrites?: PageWriteStore;
  /** The connection's integration key (stable across OAuth refreshes); default: the token's. */
  notionKey?: string;
  /** An OAuth connection's refresh on 401 (see NotionGateway). */
  onUnauthorized?: (rejectedToken: string) => Promise<string | undefined>;
  /** The tenant's Brevo "other endpoints" budget shared across invocations (ratelimit/call-budget.ts). */
  otherBudget?: CallReserver;
  /** The tenant's call store: Notion calls take their slots from the integration's shared schedule. */
  calls?: CallBudgetStore;
}): NotionSyncContext {
  const stats = { notion: newStats(), brevo: newStats() };
  const notionKey = args.notionKey ?? integrationKey('notion', args.notionToken);
  const notion = new NotionGateway({
    token: args.notionToken,
    apiVersion: args.settings.api_version,
    baseUrl: args.endpoints.notionBaseUrl,
    clock: args.clock,
    pacer: notionPacer({
      notionKey,
      clock: args.clock,
      ...(args.calls ? { shared: { store: args.calls, tenantId: args.tenantId } } : {}),
      ...(args.maxInProcessWaitMs !== undefined ? { maxWaitMs: args.maxInProcessWaitMs } : {}),
    }),
    stats: stats.notion,
    maxInProcessWaitMs: args.maxInProcessWaitMs,
    onUnauthorized: args.onUnauthorized,
    readOnly: notionReadOnly(args.settings),
  });
  const brevo = brevoClientFor({
    apiKey: args.brevoApiKey,
    baseUrl: args.endpoints.brevoBaseUrl,
    clock: args.clock,
    stats: stats.brevo,
    maxInProcessWaitMs: args.maxInProcessWaitMs,
    otherBudget: args.otherBudget,
  });
  return {
    tenantId: args.tenantId,
    settings: args.settings,
    notion,
    brevo,
    cursors: args.cursors,
    runs: args.runs,
    clock: args.clock,
    stats,
    options: args.options,
    onProgress: args.onProgress,
    ...(args.pageWrites && (args.settings.rules ?? []).length > 0
      ? { ownWrites: ownWriteChecker(args.pageWrites, args.tenantId) }
      : {}),
  };
}

/** Time to wait before acking a lane message so the next step of the group keeps the pace. */
export function notionPacerDrainMs(notionKey: string, clock: Clock): number {
  return sharedPacer(notionKey, NOTION_INTERVAL_MS, clock).remainingMs();
}
