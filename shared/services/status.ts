/**
 * The status of a Notion connection as the CLI (--json) and the management API report it: the
 * databases and their lists, the last run (without its checkpoint) and its errors, recent runs.
 */
import type { NotionConnectorConfig } from '../config/schema';
import type { RuleConflict, RuleRowError, RuleRunRecord, RunRecord, RunStore } from '../ports';
import { describeCadence, topology } from '../topology';

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
}

/** Rule runs read for the status: their conflicts and errors, newest first, are cut to RULE_ITEMS_SHOWN. */
const RULE_RUNS_READ = 10;
const RULE_ITEMS_SHOWN = 20;

export async function notionStatus(
  runs: RunStore,
  tenantId: string,
  settings: Omit<NotionConnectorConfig, 'token'> | undefined,
): Promise<NotionStatus> {
  // Users runs share the connector's run records: read past them so the database sync's last run
  // and history stay what they were (a run every poll would otherwise push them out of 5).
  const all = await runs.listRuns(tenantId, 'notion', 20);
  const recent = all.filter((r) => r.job === undefined).slice(0, 5);
  const last = recent[0];
  let lastRun: NotionStatus['lastRun'] = null;
  if (last) {
    const { checkpoint: _checkpoint, ...rest } = last;
    lastRun = rest;
  }
  const ruleRuns = await runs.listRuleRuns(tenantId, RULE_RUNS_READ);
  const users = all.find((r) => r.job === 'users');
  let lastUsersRun: NotionStatus['lastUsersRun'] = null;
  if (users) {
    const { checkpoint: _checkpoint, ...rest } = users;
    lastUsersRun = rest;
  }
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
  };
}
