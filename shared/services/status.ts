/**
 * The status of a Notion connection as the CLI (--json) and the management API report it: the
 * databases and their lists, the last run (without its checkpoint) and its errors, recent runs.
 */
import type { NotionConnectorConfig } from '../config/schema';
import { notionReadOnly } from '../connectors/notion/read-only';
import type { ImportedDocumentStore } from '../documents/ports';
import type { NotionWebhookStore, RuleConflict, RuleRowError, RuleRunRecord, RunRecord, RunStore } from '../ports';
import { describeCadence, topology } from '../topology';
import { type NotionWebhookView, notionWebhookView } from './notion-webhooks';

export interface NotionStatus {
  tenantId: string;
  connector: 'notion';
  configured: boolean;
  enabled: boolean;
  apiVersion: string | null;
  databases: { id: string; name?: string; list?: string | number }[];
  lastRun: Omit<RunRecord, 'checkpoint'> | null;
  /** The last workspace users sync (sync.users, tajo connectors sync notion-users), when one ran. */
  lastUsersRun: Omit<RunRecord, 'checkpoint'> | null;
  lastSuccessAt: string | null;
  recentRuns: Pick<RunRecord, 'runId' | 'mode' | 'status' | 'startedAt' | 'error'>[];
  schedule: string;
  /** Brevo → Notion rules: what is configured, what recent deliveries did, conflicts and row errors. */
  rules: {
    configured: { name: string; event: string; database: string; action: string }[];
    recentRuns: Omit<RuleRunRecord, 'tenantId' | 'errors' | 'conflicts'>[];
    /** Newest first: the losing side's value of each conflict. */
    conflicts: RuleConflict[];
    errors: RuleRowError[];
  };
  /** The connection never writes to Notion (connectors.notion.read_only, or its default). */
  readOnly: boolean | null;
  /** The webhook subscription: state and token hints, never a token (the webhook route shows that). */
  webhook?: NotionWebhookView;
  /** The document library: imported pages, and the last import or re-sync. */
  documents?: { count: number; lastRun: Omit<RunRecord, 'checkpoint'> | null };
}

/** Stores that add the webhook and document library sections when given. */
export interface NotionStatusExtras {
  webhooks?: NotionWebhookStore;
  imported?: ImportedDocumentStore;
}

/** Rule runs read for the status: their conflicts and errors, newest first, are cut to RULE_ITEMS_SHOWN. */
const RULE_RUNS_READ = 10;
const RULE_ITEMS_SHOWN = 20;

export async function notionStatus(
  runs: RunStore,
  tenantId: string,
  settings: Omit<NotionConnectorConfig, 'token'> | undefined,
  extras: NotionStatusExtras = {},
): Promise<NotionStatus> {
  // Other jobs (users, documents) share the connector's run records: each kind is read apart, so
  // the database sync's last run and history stay what they were however many imports ran.
  const [recent, users, documentsRuns] = await Promise.all([
    runs.listRuns(tenantId, 'notion', 5, { job: null }),
    runs.listRuns(tenantId, 'notion', 1, { job: 'users' }),
    runs.listRuns(tenantId, 'notion', 1, { job: 'documents' }),
  ]);
  const lastRun = withoutCheckpoint(recent[0]);
  const lastUsersRun = withoutCheckpoint(users[0]);
  const webhook = extras.webhooks
    ? await notionWebhookView({ webhooks: extras.webhooks }, tenantId, { withToken: false })
    : undefined;
  const documents = extras.imported
    ? {
        count: (await extras.imported.listImportedDocuments(tenantId)).length,
        lastRun: withoutCheckpoint(documentsRuns[0]),
      }
    : undefined;
  const ruleRuns = await runs.listRuleRuns(tenantId, RULE_RUNS_READ);
  return {
    tenantId,
    connector: 'notion',
    configured: settings !== undefined,
    enabled: settings?.enabled ?? false,
    apiVersion: settings?.api_version ?? null,
    databases: (settings?.databases ?? []).map((d) => ({ id: d.id, name: d.name, list: d.sync_to_list })),
    lastRun,
    lastUsersRun,
    lastSuccessAt: recent.find((r) => r.status === 'succeeded')?.finishedAt ?? null,
    recentRuns: recent.map((r) => ({
      runId: r.runId,
      mode: r.mode,
      status: r.status,
      startedAt: r.startedAt,
      error: r.error,
    })),
    schedule: describeCadence(topology.schedules.notionPoll.cadence),
    rules: {
      configured: (settings?.rules ?? []).map((r) => ({
        name: r.name,
        event: r.when.event,
        database: r.database,
        action: r.action,
      })),
      recentRuns: ruleRuns.map(({ tenantId: _t, errors: _e, conflicts: _c, ...rest }) => rest),
      conflicts: ruleRuns.flatMap((r) => [...r.conflicts].reverse()).slice(0, RULE_ITEMS_SHOWN),
      errors: ruleRuns.flatMap((r) => [...r.errors].reverse()).slice(0, RULE_ITEMS_SHOWN),
    },
    readOnly: settings ? notionReadOnly(settings) : null,
    ...(webhook ? { webhook } : {}),
    ...(documents ? { documents } : {}),
  };
}

function withoutCheckpoint(run: RunRecord | undefined): Omit<RunRecord, 'checkpoint'> | null {
  if (!run) return null;
  const { checkpoint: _checkpoint, ...rest } = run;
  return rest;
}
