/**
 * `tajo connectors status <name>` of a definition connector: whether it is connected, its mode and
 * resources, the last run with its counts (per resource) and errors, the connection's health.
 */
import {
  type ConnectionHealthView,
  describeCadence,
  healthOf,
  type LastErrors,
  type LastSync,
  lastErrorsOf,
  lastSyncOf,
  type NextRun,
  nextRun,
  printErrors,
  printHealth,
  printNextRun,
  type StatusDeps,
  type StatusLines,
} from '../../core/connection-status';
import type { ConnectionRecord, SyncSummary } from '../../core/ports';
import type { DefinitionConnectionSettings } from './connection';
import { readableResources } from './connection';
import type { Definition } from './definition/schema';
import { platformSyncSchedule } from './sync/schedule';

export interface DefinitionStatus {
  connector: string;
  label: string;
  connected: boolean;
  enabled: boolean | null;
  mode: string | null;
  resources: string[];
  health: ConnectionHealthView | null;
  lastSync: LastSync | null;
  lastSummary: SyncSummary | null;
  lastErrors: LastErrors | null;
  /** Its schedule (batch's runs, hybrid's backstop): none for realtime. */
  schedule: string | null;
  nextRun: NextRun | null;
}

async function read(
  deps: StatusDeps,
  definition: Definition,
  tenantId: string,
  settings: DefinitionConnectionSettings | undefined,
  record: ConnectionRecord<string> | undefined,
): Promise<DefinitionStatus> {
  const [last] = await deps.runs.listRuns(tenantId, definition.name, 1, { job: null });
  const schedule = platformSyncSchedule(definition.name);
  const scheduled = record !== undefined && settings?.enabled === true && settings.mode !== 'realtime';
  const cadence =
    settings?.schedule === 'daily' ? 'daily (hourly ticks, one run a day)' : describeCadence(schedule.spec.cadence);
  return {
    connector: definition.name,
    label: definition.label,
    connected: record !== undefined,
    enabled: settings?.enabled ?? null,
    mode: settings?.mode ?? null,
    resources: readableResources(definition, settings?.sync),
    health: healthOf(record),
    lastSync: last ? lastSyncOf(last) : null,
    lastSummary: last?.summary ?? null,
    lastErrors: last ? lastErrorsOf(last) : null,
    schedule: settings?.mode === 'realtime' ? null : cadence,
    nextRun:
      scheduled && record !== undefined
        ? await nextRun(deps, schedule, tenantId, { anchor: last?.startedAt ?? record.updatedAt })
        : null,
  };
}

function print(out: StatusLines, s: DefinitionStatus): void {
  out(
    `${s.label}: ${s.connected ? 'connected' : 'not connected'}${s.enabled === false ? ', disabled' : ''}${s.mode ? `, mode ${s.mode}` : ''}`,
  );
  out(`  resources: ${s.resources.join(', ') || 'none'}`);
  printHealth(out, s);
  if (!s.connected && !s.lastSync) {
    // Not stored with a stack (a config's section syncs in process with --config).
    out(`  not synced yet: tajo connectors connect ${s.connector} --help, or sync it from a config with --config`);
    return;
  }
  if (s.connected && s.schedule) printNextRun(out, s.nextRun, s.schedule);
  else if (s.connected) out('  mode realtime: webhooks only, no scheduled run');
  if (!s.lastSync) {
    out(`  no sync yet: tajo connectors sync ${s.connector}`);
    return;
  }
  const l = s.lastSync;
  out(
    `  last sync: ${l.status} (${l.mode}, ${l.trigger}) started ${l.startedAt}${l.finishedAt ? `, finished ${l.finishedAt}` : ''}`,
  );
  const m = s.lastSummary;
  if (m) out(`    ${m.pagesRead} records read: ${m.upserted} written, ${m.unchanged} unchanged, ${m.failed} failed`);
  const perResource = (
    m as { resources?: Record<string, { read: number; upserted: number; unchanged: number; failed: number }> } | null
  )?.resources;
  for (const [name, c] of Object.entries(perResource ?? {}))
    out(`    ${name}: ${c.read} read, ${c.upserted} written, ${c.unchanged} unchanged, ${c.failed} failed`);
  printErrors(out, s.lastErrors, 'record');
}

/** The status's fields (read) and how a person reads them (print). */
export const definitionStatus = Object.assign(read, { print });
