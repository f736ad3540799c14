/**
 * What every connector's status shares (`tajo connectors status <name>`, GET .../status): the last
 * run in a line, its errors, recent runs, the connection's health, when its schedule runs next,
 * and how those read in the CLI. Each connector's status hook (ConnectorDescriptor.status) builds
 * its own fields around these.
 */
import type {
  Clock,
  ConnectionHealth,
  CursorStore,
  NotificationDeliveryStore,
  RowError,
  RunRecord,
  RunStore,
  ScheduleCadence,
  ScheduleManager,
  WebhookSubscriptionStore,
} from './ports';
import type { ImportedDocumentStore } from './ports/documents';
import { nextDailyAt } from './time/zoned';

/** What a status is read from: the runs and cursors, and the connector's own stores when given. */
export interface StatusDeps {
  runs: RunStore;
  cursors: CursorStore;
  clock: Clock;
  /** The schedules' manager, when it can tell the next run (the local scheduler); else computed. */
  schedules?: ScheduleManager;
  /** When given, a status adds the webhook subscription and the document library (Notion's). */
  webhooks?: WebhookSubscriptionStore;
  imported?: ImportedDocumentStore;
  /** When given, a status adds the notifications posted and failed (Slack's). */
  deliveries?: NotificationDeliveryStore;
}

/** Where a status's lines go (the CLI's stdout). */
export type StatusLines = (line: string) => void;

/** The last run of the connector's main job, in a line. */
export interface LastSync {
  runId: string;
  status: RunRecord['status'];
  mode: RunRecord['mode'];
  trigger: RunRecord['trigger'];
  startedAt: string;
  finishedAt: string | null;
}

/** The last run's fatal reason and its first per-row errors. */
export interface LastErrors {
  error: string | null;
  rows: RowError[];
  /** Row errors beyond those listed. */
  more: number;
}

export interface NextRun {
  /** When the schedule is due; the run starts within `windowMinutes` after it (flexible window). */
  at: string;
  windowMinutes: number;
  /** Computed from the cadence and the last scheduled run: EventBridge Scheduler does not say. */
  estimated: boolean;
}

export type RecentRun = Pick<RunRecord, 'runId' | 'mode' | 'status' | 'startedAt' | 'error'>;

/**
 * Whether the connection's providers answered when last checked: `degraded` names which is down and
 * why (webhooks are still accepted and queued meanwhile); null without a connection.
 */
export type ConnectionHealthView = { state: 'ok' } | ConnectionHealth;

export function healthOf(connection: { health?: ConnectionHealth } | undefined): ConnectionHealthView | null {
  if (!connection) return null;
  return connection.health ?? { state: 'ok' };
}

/** For people: `every 4 hours`, `daily at 00:15 (local time)`. */
export function describeCadence(cadence: ScheduleCadence): string {
  if ('everyHours' in cadence) return cadence.everyHours === 1 ? 'every hour' : `every ${cadence.everyHours} hours`;
  const { hour, minute } = cadence.dailyAt;
  return `daily at ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} (local time)`;
}

/**
 * When a connection's schedule fires next: from the schedule manager when it knows, else from the
 * cadence. A rate repeats from when the schedule was made, so the last scheduled run (or, before
 * one, the connection's last update, when the schedule was written) anchors it.
 */
export async function nextRun(
  deps: Pick<StatusDeps, 'clock' | 'schedules'>,
  /** The connector's schedule (ConnectionSchedule): its topology name, its instance's and its spec. */
  schedule: {
    schedule: string;
    spec: { cadence: ScheduleCadence; flexibleWindowMinutes: number };
    instanceName(tenantId: string): string;
  },
  tenantId: string,
  basis: { anchor?: string; timezone?: string },
): Promise<NextRun> {
  const spec = schedule.spec;
  const windowMinutes = spec.flexibleWindowMinutes;
  const known = await deps.schedules?.nextRunAt?.(schedule.schedule, schedule.instanceName(tenantId));
  if (known !== undefined) return { at: new Date(known).toISOString(), windowMinutes, estimated: false };
  const now = deps.clock.now();
  if ('dailyAt' in spec.cadence) {
    const at = nextDailyAt(now, spec.cadence.dailyAt, basis.timezone ?? 'UTC');
    return { at: new Date(at).toISOString(), windowMinutes, estimated: false };
  }
  const period = spec.cadence.everyHours * 3_600_000;
  const anchor = basis.anchor ? Date.parse(basis.anchor) : now;
  const periods = Math.max(1, Math.ceil((now - anchor) / period));
  return { at: new Date(anchor + periods * period).toISOString(), windowMinutes, estimated: true };
}

/** When the last of `runs` that ended (succeeded or failed) finished (ISO), null when none has. */
export function lastFinishedAt(runs: readonly RunRecord[]): string | null {
  const times = runs.flatMap((r) => (r.status !== 'running' && r.finishedAt ? [r.finishedAt] : []));
  return times.length === 0 ? null : times.reduce((a, b) => (b > a ? b : a));
}

export function lastSyncOf(run: RunRecord): LastSync {
  return {
    runId: run.runId,
    status: run.status,
    mode: run.mode,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
  };
}

const LISTED_ROW_ERRORS = 20;

export function lastErrorsOf(run: RunRecord): LastErrors {
  const rows = run.summary.errors;
  return {
    error: run.error ?? null,
    rows: rows.slice(0, LISTED_ROW_ERRORS),
    more: Math.max(0, rows.length - LISTED_ROW_ERRORS) + (run.summary.errorsTruncated ?? 0),
  };
}

export function withoutCheckpoint(run: RunRecord | undefined): Omit<RunRecord, 'checkpoint'> | null {
  if (!run) return null;
  const { checkpoint: _checkpoint, ...rest } = run;
  return rest;
}

export function recentRun(r: RunRecord): RecentRun {
  return { runId: r.runId, mode: r.mode, status: r.status, startedAt: r.startedAt, error: r.error };
}

// ------------------------------------------------------------------ how a status reads

/** ", 3 values left out" when a run left values out of contacts it wrote (field errors), else "". */
export function leftOut(s: { fieldErrors?: number }): string {
  const n = s.fieldErrors ?? 0;
  return n > 0 ? `, ${n} value${n === 1 ? '' : 's'} left out` : '';
}

/** How one error reads: the record and its field, and whether only that value was left out. */
export function errorLine(what: string, e: RowError): string {
  const field = e.property ? ` (${e.property}${e.kind === 'field' ? ', left out' : ''})` : '';
  return `${what} ${e.pageId}${field}: ${e.reason}`;
}

/** A degraded connection: which provider is down, why, when it was checked, and that nothing is lost. */
export function printHealth(out: StatusLines, s: { health: ConnectionHealthView | null }): void {
  if (s.health?.state !== 'degraded') return;
  out(
    `  degraded: ${s.health.reason} (checked ${s.health.checkedAt}); webhooks are still accepted and queued, the work runs when it answers again`,
  );
}

export function printErrors(out: StatusLines, errors: LastErrors | null, what: string): void {
  if (!errors) return;
  if (errors.error) out(`    error: ${errors.error}`);
  for (const e of errors.rows.slice(0, 10)) {
    out(`    ${errorLine(what, e)}`);
  }
  const more = errors.rows.length - Math.min(10, errors.rows.length) + errors.more;
  if (more > 0) out(`    … ${more} more (--json)`);
}

export function printNextRun(out: StatusLines, next: NextRun | null, schedule: string): void {
  if (!next) out(`  no scheduled run (${schedule} while connected and enabled)`);
  else {
    out(`  next run ${next.estimated ? 'about ' : ''}${next.at}, within ${next.windowMinutes} min (${schedule})`);
  }
}

/** The status's first line: the connector, the tenant, whether it is connected and to which workspace. */
export function printHeadline(
  out: StatusLines,
  label: string,
  s: {
    tenantId: string;
    connected: boolean;
    configured: boolean;
    enabled: boolean;
    workspace: { name?: string } | null;
  },
): void {
  const state = s.connected ? 'connected' : s.configured ? 'configured (not connected)' : 'not configured';
  out(
    `${label} connector, tenant ${s.tenantId}: ${state}${s.workspace?.name ? ` (workspace ${s.workspace.name})` : ''}${s.configured && !s.enabled ? ', disabled' : ''}`,
  );
}
