/**
 * Builds what a Notion sync needs from a connection's settings and its two tokens: the paced
 * Notion gateway and Brevo client (pacers shared per integration within the process), stores,
 * clock and counters. Used by the lane worker and by the CLI, so both run the same code.
 */
import { createHash } from 'node:crypto';
import { BrevoClient, sharedBrevoLimits } from '../brevo/client';
import type { NotionConnectorConfig } from '../config/schema';
import { NOTION_INTERVAL_MS, NotionGateway } from '../connectors/notion/client';
import { newStats } from '../http/paced-fetch';
import type { Clock, CursorStore, RunStore } from '../ports';
import type { CallReserver } from '../ratelimit/call-budget';
import { sharedPacer } from '../ratelimit/pacer';
import type { NotionSyncContext, ProgressEvent, SyncOptions } from '../sync/notion-sync';

/** A stable, non-reversible id for a token: lane message group, pacer key, log field. */
export function integrationKey(kind: string, token: string): string {
  return `${kind}-${createHash('sha256').update(token).digest('hex').slice(0, 20)}`;
}

export interface Endpoints {
  notionBaseUrl?: string;
  brevoBaseUrl?: string;
}

/** DESIGN §4: NOTION_BASE_URL and BREVO_BASE_URL override where the clients call. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return { notionBaseUrl: env.NOTION_BASE_URL || undefined, brevoBaseUrl: env.BREVO_BASE_URL || undefined };
}

export type ApiCallLogger = (
  provider: string,
  line: { method: string; path: string; status: number; ms: number },
) => void;

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
  logApiCall?: ApiCallLogger;
  /** Longest Retry-After slept through in process (a Lambda worker parks the lane instead). */
  maxInProcessWaitMs?: number;
  /** The tenant's Brevo "other endpoints" budget shared across invocations (ratelimit/call-budget.ts). */
  otherBudget?: CallReserver;
}): NotionSyncContext {
  const stats = { notion: newStats(), brevo: newStats() };
  const notionKey = integrationKey('notion', args.notionToken);
  const notion = new NotionGateway({
    token: args.notionToken,
    apiVersion: args.settings.api_version,
    baseUrl: args.endpoints.notionBaseUrl,
    clock: args.clock,
    pacer: sharedPacer(notionKey, NOTION_INTERVAL_MS, args.clock),
    stats: stats.notion,
    maxInProcessWaitMs: args.maxInProcessWaitMs,
    onCall: args.logApiCall && ((l) => args.logApiCall?.('notion', l)),
  });
  const brevo = new BrevoClient({
    apiKey: args.brevoApiKey,
    baseUrl: args.endpoints.brevoBaseUrl,
    clock: args.clock,
    stats: stats.brevo,
    limits: sharedBrevoLimits(integrationKey('brevo', args.brevoApiKey), args.clock),
    maxInProcessWaitMs: args.maxInProcessWaitMs,
    onCall: args.logApiCall && ((l) => args.logApiCall?.('brevo', l)),
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
  };
}

/** Time to wait before acking a lane message so the next step of the group keeps the pace. */
export function notionPacerDrainMs(notionToken: string, clock: Clock): number {
  return sharedPacer(integrationKey('notion', notionToken), NOTION_INTERVAL_MS, clock).remainingMs();
}
