/**
 * `tajo connectors status <name>` of a definition connector: whether it is connected, its mode and
 * resources, the last run with its counts (per resource) and errors, the connection's health.
 */
import {
  type ConnectionHealthView,
  healthOf,
  type LastErrors,
  type LastSync,
  lastErrorsOf,
  lastSyncOf,
  printErrors,
  printHealth,
  type StatusDeps,
  type StatusLines,
} from '../../core/connection-status';
import type { ConnectionRecord, SyncSummary } from '../../core/ports';
import type { DefinitionConnectionSettings } from './connection';
import { readableResources } from './connection';
import type { Definition } from './definition/schema';

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
}

async function read(
  deps: StatusDeps,
  definition: Definition,
  tenantId: string,
  settings: DefinitionConnectionSettings | undefined,
  record: ConnectionRecord<string> | undefined,
): Promise<DefinitionStatus> {
  const [last] = await deps.runs.listRuns(tenantId, definition.name, 1, { job: null });
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
  };
}

function print(out: StatusLines, s: DefinitionStatus): void {
  out(
    `${s.label}: ${s.connected ? 'connected' : 'not connected'}${s.enabled === false ? ', disabled' : ''}${s.mode ? `, mode ${s.mode}` : ''}`,
  );
  out(`  resources: ${s.resources.join(', ') || 'none'}`);
  printHealth(out, s);
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
