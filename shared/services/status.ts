/**
 * The status of a Notion connection as the CLI (--json) and the management API report it: the
 * databases and their lists, the last run (without its checkpoint) and its errors, recent runs.
 */
import type { NotionConnectorConfig } from '../config/schema';
import type { RunRecord, RunStore } from '../ports';
import { describeCadence, topology } from '../topology';

export interface NotionStatus {
  tenantId: string;
  connector: 'notion';
  configured: boolean;
  enabled: boolean;
  apiVersion: string | null;
  databases: { id: string; name?: string; list?: string | number; publish?: { when: string; list: string | number } }[];
  lastRun: Omit<RunRecord, 'checkpoint'> | null;
  /** The last workspace users sync (sync.users, tajo connectors sync notion-users), when one ran. */
  lastUsersRun: Omit<RunRecord, 'checkpoint'> | null;
  /**
   * The last publishing pass that had work (pages → Brevo campaigns): each campaign's page, id and
   * status, what waits for Brevo's hourly budget, what failed.
   */
  lastPublishRun: Omit<RunRecord, 'checkpoint'> | null;
  lastSuccessAt: string | null;
  recentRuns: Pick<RunRecord, 'runId' | 'mode' | 'status' | 'startedAt' | 'error'>[];
  schedule: string;
}

export async function notionStatus(
  runs: RunStore,
  tenantId: string,
  settings: Omit<NotionConnectorConfig, 'token'> | undefined,
): Promise<NotionStatus> {
  // Users and publishing runs share the connector's run records: read past them so the database
  // sync's last run and history stay what they were (a run every poll would otherwise push them out of 5).
  const all = await runs.listRuns(tenantId, 'notion', 20);
  const recent = all.filter((r) => r.job === undefined).slice(0, 5);
  const withoutCheckpoint = (r: RunRecord | undefined) => {
    if (!r) return null;
    const { checkpoint: _checkpoint, ...rest } = r;
    return rest;
  };
  const lastRun = withoutCheckpoint(recent[0]);
  const lastUsersRun = withoutCheckpoint(all.find((r) => r.job === 'users'));
  const lastPublishRun = withoutCheckpoint(all.find((r) => r.job === 'publish'));
  return {
    tenantId,
    connector: 'notion',
    configured: settings !== undefined,
    enabled: settings?.enabled ?? false,
    apiVersion: settings?.api_version ?? null,
    databases: (settings?.databases ?? []).map((d) => ({
      id: d.id,
      name: d.name,
      list: d.sync_to_list,
      ...(d.publish
        ? { publish: { when: `${d.publish.when.property} = ${d.publish.when.equals}`, list: d.publish.list } }
        : {}),
    })),
    lastRun,
    lastUsersRun,
    lastPublishRun,
    lastSuccessAt: recent.find((r) => r.status === 'succeeded')?.finishedAt ?? null,
    recentRuns: recent.map((r) => ({
      runId: r.runId,
      mode: r.mode,
      status: r.status,
      startedAt: r.startedAt,
      error: r.error,
    })),
    schedule: describeCadence(topology.schedules.notionPoll.cadence),
  };
}
