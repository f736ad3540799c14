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
  lastFinishedAt,
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
import type { OAuthInstallInfo } from './oauth';
import { platformSyncSchedule } from './sync/schedule';

export interface DefinitionStatus {
  connector: string;
  label: string;
  connected: boolean;
  enabled: boolean | null;
  mode: string | null;
  resources: string[];
  health: ConnectionHealthView | null;
  /** When the last sync finished (succeeded or failed; ISO), null before any did: as Notion's. */
  lastSync: string | null;
  /** The last sync run (id, status, mode, trigger, times), null before any. */
  lastSyncRun: LastSync | null;
  lastSummary: SyncSummary | null;
  lastErrors: LastErrors | null;
  /** Its schedule (batch's runs, hybrid's backstop): none for realtime. */
  schedule: string | null;
  nextRun: NextRun | null;
  /** oauth2 only: whether it is installed, when its token expires, a refused refresh's line. */
  oauth: OAuthStatus | null;
  /** When it was read (ISO): whether the token has expired is said against it. */
  asOf: string;
}

export interface OAuthStatus {
  installed: boolean;
  source: OAuthInstallInfo['source'] | null;
  installedAt: string | null;
  expiresAt: string | null;
  refreshedAt: string | null;
  scopes: string[];
  /** Set when the platform refused the refresh token: what to do. */
  reinstall: string | null;
}

function oauthStatusOf(definition: Definition, settings: DefinitionConnectionSettings | undefined): OAuthStatus | null {
  if (definition.auth.type !== 'oauth2') return null;
  const o = settings?.oauth;
  return {
    installed: o !== undefined,
    source: o?.source ?? null,
    installedAt: o?.installedAt ?? null,
    expiresAt: o?.expiresAt ?? null,
    refreshedAt: o?.refreshedAt ?? null,
    scopes: o?.scopes ?? [],
    reinstall: o?.reinstall ?? null,
  };
}

/** One line: installed (when, until when), or what to do. */
export function oauthLine(connector: string, o: OAuthStatus, now: number): string {
  if (o.reinstall) return `  oauth: needs installing again: ${o.reinstall}`;
  if (!o.installed) return `  oauth: not installed: tajo connectors install ${connector} (opens the consent page)`;
  const since = o.source === 'token' ? 'access token given at connect' : `installed ${o.installedAt ?? '?'}`;
  const expiry =
    o.expiresAt === null
      ? 'the token does not expire'
      : `token ${Date.parse(o.expiresAt) <= now ? 'expired' : 'expires'} ${o.expiresAt}${o.source === 'token' ? '' : ' (refreshed before it does)'}`;
  return `  oauth: ${since}; ${expiry}${o.scopes.length ? `; scopes ${o.scopes.join(' ')}` : ''}`;
}

/** Runs read for the status: enough to find the last finished one behind a run still going. */
const RECENT_RUNS = 5;

async function read(
  deps: StatusDeps,
  definition: Definition,
  tenantId: string,
  settings: DefinitionConnectionSettings | undefined,
  record: ConnectionRecord<string> | undefined,
): Promise<DefinitionStatus> {
  // The newest few: the last one may still be running while an earlier one is the last finished.
  const recent = await deps.runs.listRuns(tenantId, definition.name, RECENT_RUNS, { job: null });
  const [last] = recent;
  const schedule = platformSyncSchedule(definition.name);
  const scheduled = record !== undefined && settings?.enabled === true && settings.mode !== 'realtime';
  const cadence =
    settings?.schedule === 'daily' ? 'daily (hourly ticks, one run a day)' : describeCadence(schedule.spec.cadence);
  const oauth = record === undefined ? null : oauthStatusOf(definition, settings);
  return {
    connector: definition.name,
    label: definition.label,
    // An oauth2 connection waiting for its install has no tokens: it reads nothing yet.
    connected: record !== undefined && !waitingForInstall(oauth),
    enabled: settings?.enabled ?? null,
    mode: settings?.mode ?? null,
    resources: readableResources(definition, settings?.sync),
    health: healthOf(record),
    lastSync: lastFinishedAt(recent),
    lastSyncRun: last ? lastSyncOf(last) : null,
    lastSummary: last?.summary ?? null,
    lastErrors: last ? lastErrorsOf(last) : null,
    schedule: settings?.mode === 'realtime' ? null : cadence,
    nextRun:
      scheduled && record !== undefined
        ? await nextRun(deps, schedule, tenantId, { anchor: last?.startedAt ?? record.updatedAt })
        : null,
    oauth,
    asOf: new Date(deps.clock.now()).toISOString(),
  };
}

/** An oauth2 connection stored without its tokens (never installed; a refused refresh says reinstall). */
function waitingForInstall(oauth: DefinitionStatus['oauth']): boolean {
  return oauth !== null && !oauth.installed && !oauth.reinstall;
}

function print(out: StatusLines, s: DefinitionStatus): void {
  const settings = `${s.enabled === false ? ', disabled' : ''}${s.mode ? `, mode ${s.mode}` : ''}`;
  // An oauth2 connection without its tokens syncs nothing yet: it waits for its install, it is not "connected".
  const waiting = waitingForInstall(s.oauth);
  out(
    waiting
      ? `${s.label}: waiting for its OAuth install: open the URL connect printed, or tajo connectors install ${s.connector} for a new one${settings ? ` (${settings.slice(2)})` : ''}`
      : `${s.label}: ${s.connected ? 'connected' : 'not connected'}${settings}`,
  );
  out(`  resources: ${s.resources.join(', ') || 'none'}`);
  if (s.oauth) out(oauthLine(s.connector, s.oauth, Date.parse(s.asOf)));
  printHealth(out, s);
  if (!s.connected && !waiting && !s.lastSyncRun) {
    // Not stored with a stack (a config's section syncs in process with --config).
    out(`  not synced yet: tajo connectors connect ${s.connector} --help, or sync it from a config with --config`);
    return;
  }
  if (s.connected && s.schedule) printNextRun(out, s.nextRun, s.schedule);
  else if (s.connected) out('  mode realtime: webhooks only, no scheduled run');
  if (!s.lastSyncRun) {
    out(`  no sync yet: tajo connectors sync ${s.connector}`);
    return;
  }
  const l = s.lastSyncRun;
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
