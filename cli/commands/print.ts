/** How the management commands show their results to a person (--json prints the objects as they are). */

import type { DisconnectReport } from '../../shared/app/disconnect';
import type {
  LastErrors,
  NextRun,
  NotionStatus,
  SlackDeliveriesView,
  SlackDeliveryView,
  SlackStatus,
} from '../../shared/app/status';
import { connectorOf } from '../../shared/connectors';
import { describeMappingSource } from '../../shared/connectors/notion/mapping/database-mapping';
import type { ResumedFrom } from '../../shared/connectors/notion/sync/database-sync';
import type { CheckResult } from '../../shared/core/connection-check';
import { redactText } from '../../shared/core/logging/redact';
import type { PublishSummary, RowError, RunRecord, SyncSummary } from '../../shared/core/ports';
import { addSkip, countsLine, SKIP_BOT, SKIP_DEACTIVATED, SKIP_NO_EMAIL } from '../../shared/core/runs/counts';
import type { Io } from '../io';

/** ", 3 values left out" when a run left values out of contacts it wrote (field errors), else "". */
export function leftOut(s: Pick<SyncSummary, 'fieldErrors'>): string {
  const n = s.fieldErrors ?? 0;
  return n > 0 ? `, ${n} value${n === 1 ? '' : 's'} left out` : '';
}

/** How one error reads: the record and its field, and whether only that value was left out. */
export function errorLine(what: string, e: RowError): string {
  const field = e.property ? ` (${e.property}${e.kind === 'field' ? ', left out' : ''})` : '';
  return `${what} ${e.pageId}${field}: ${e.reason}`;
}

/** A user sync's warnings and its first 20 per-user errors, for a person reading the output. */
export function printUserSyncIssues(io: Io, summary: Pick<SyncSummary, 'warnings' | 'errors'>): void {
  for (const w of summary.warnings) io.out(`  warning: ${w}`);
  for (const e of summary.errors.slice(0, 20)) io.out(`  ${errorLine('user', e)}`);
}

/**
 * A users sync's summary (Notion people, Slack members), in process or through --api alike: the
 * counts that add up (each skip with its reason), guests flagged (Slack), then warnings and errors.
 */
export function printUsersSummary(
  io: Io,
  head: string,
  s: SyncSummary & { guests?: number; bots?: number; deleted?: number; missingEmail?: number },
  noun: 'users' | 'members',
): void {
  io.out(`${head}: ${countsLine(s.skipped === undefined ? withLegacySkips(s) : s, noun)}${leftOut(s)}`);
  if (s.guests) io.out(`  ${s.guests} guest${s.guests === 1 ? '' : 's'} flagged (synced, counted above)`);
  if (noun === 'users') io.out('  guests are not listed by Notion');
  printUserSyncIssues(io, s);
}

/** A users run recorded before skips were counted: its bots, deactivated and email-less members are them. */
function withLegacySkips<T extends SyncSummary & { bots?: number; deleted?: number; missingEmail?: number }>(s: T): T {
  const out = { ...s, skipped: 0, skips: [] };
  addSkip(out, SKIP_BOT, s.bots ?? 0);
  addSkip(out, SKIP_DEACTIVATED, s.deleted ?? 0);
  addSkip(out, SKIP_NO_EMAIL, s.missingEmail ?? 0);
  return out;
}

export function printChecks(io: Io, checks: CheckResult[]): void {
  for (const c of checks) io.out(`${c.skipped ? '–' : c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
}

/** A degraded connection: which provider is down, why, when it was checked, and that nothing is lost. */
function printHealth(io: Io, s: NotionStatus | SlackStatus): void {
  if (s.health?.state !== 'degraded') return;
  io.out(
    `  degraded: ${s.health.reason} (checked ${s.health.checkedAt}); webhooks are still accepted and queued, the work runs when it answers again`,
  );
}

export function printNotionStatus(io: Io, s: NotionStatus): void {
  const state = s.connected ? 'connected' : s.configured ? 'configured (not connected)' : 'not configured';
  io.out(
    `Notion connector, tenant ${s.tenantId}: ${state}${s.workspace?.name ? ` (workspace ${s.workspace.name})` : ''}${s.configured && !s.enabled ? ', disabled' : ''}`,
  );
  printHealth(io, s);
  if (s.readOnly) io.out('  read-only: nothing is ever written to Notion (connectors.notion.read_only)');
  for (const w of s.warnings ?? []) io.out(`  warning: ${w}`);
  if (s.databases.length > 0) {
    io.out(
      `  ${s.databasesSynced} of ${s.databases.length} database${s.databases.length === 1 ? '' : 's'} synced, ${s.pagesTracked} pages tracked`,
    );
  }
  for (const d of s.databases) {
    io.out(
      `  database ${d.name ?? d.id} → list ${d.list ?? '(none)'} (mapping: ${describeMappingSource(d.mapping)}): ${d.pagesTracked} pages` +
        (d.syncedUpTo ? `, synced up to ${d.syncedUpTo}` : ', not synced yet') +
        (d.publish ? `; pages with ${d.publish.when} → campaigns to list ${d.publish.list}` : ''),
    );
  }
  const last = s.lastRun;
  if (!last) io.out('  no sync has run yet: tajo connectors sync notion');
  else {
    const stopped = s.resume?.state === 'stopped';
    const ended =
      last.status === 'failed' && last.finishedAt
        ? `, failed ${last.finishedAt}`
        : stopped
          ? ', its process stopped'
          : '';
    io.out(
      `  last run ${last.runId}: ${stopped ? 'stopped' : last.status} (${last.mode}), started ${last.startedAt}${ended}`,
    );
    const r = last.summary;
    const sofar = s.resume ? ' (so far)' : '';
    io.out(
      `    ${countsLine(r)}${leftOut(r)}${r.events === undefined ? '' : `, ${r.events} page events sent`}${sofar}`,
    );
    printErrors(io, s.lastErrors, 'row');
    if (s.resume && s.resume.state !== 'running') {
      io.out(
        `    the next sync resumes it from its checkpoint (${s.resume.rowsDone.toLocaleString('en-US')} rows done); --restart starts over`,
      );
    }
    if (s.lastSuccessAt && last.status !== 'succeeded') io.out(`  last successful sync finished ${s.lastSuccessAt}`);
  }
  const users = s.lastUsersRun;
  if (users) {
    io.out(
      `  last users sync ${users.runId}: ${users.status}, started ${users.startedAt}` +
        (s.usersCount === null ? '' : `; ${s.usersCount} workspace members kept as contacts`),
    );
    io.out(`    ${countsLine(users.summary, 'users')}${leftOut(users.summary)}`);
  }
  const pub = s.lastPublishRun;
  if (pub) {
    io.out(`  last publishing pass ${pub.runId}: ${pub.status}, started ${pub.startedAt}`);
    printPublish(io, pub.summary.publish, pub.summary.warnings, '    ', true);
  }
  printRulesStatus(io, s.rules);
  printWebhookAndDocuments(io, s.tenantId, s);
  printNextRun(io, s.nextRun, s.schedule);
}

/** Brevo → Notion rules in the human status: each rule, the last delivery, conflicts and row errors. */
function printRulesStatus(io: Io, rules: NotionStatus['rules']): void {
  for (const r of rules.configured) io.out(`  rule ${r.name}: ${r.event} → database ${r.database} (${r.action})`);
  const last = rules.recentRuns[0];
  if (last) {
    io.out(
      `  last rule delivery ${last.runId}: ${last.status}: ${last.items} matches, ${last.created} created, ` +
        `${last.updated} updated, ${last.unchanged} unchanged, ${last.skipped} skipped, ${last.duplicates} duplicates, ${last.failed} failed`,
    );
    if (last.error) io.out(`    error: ${last.error}`);
  }
  for (const c of rules.conflicts.slice(0, 10)) {
    io.out(
      `    conflict ${c.rule} ${c.email} ${c.property}: ${c.winner} won, kept ${JSON.stringify(c.kept)}, lost ${JSON.stringify(c.lost)} (${c.reason})`,
    );
  }
  for (const e of rules.errors.slice(0, 10)) {
    io.out(`    rule ${e.rule} ${e.email}${e.property ? ` (${e.property})` : ''}: ${e.reason}`);
  }
}

/** The webhook subscription (hints only: the token is fetched through the API) and the document library. */
function printWebhookAndDocuments(io: Io, tenantId: string, status: NotionStatus): void {
  const w = status.webhook;
  if (w?.pending) {
    io.out(
      `  webhook: verification token ${w.pending.hint ?? ''} received ${w.pending.receivedAt ?? ''}, not verified yet`,
    );
    io.out(
      `    fetch it: curl -H "Authorization: Bearer <API key>" <API URL>/tenants/${tenantId}/connections/notion/webhook`,
    );
    io.out("    then paste it into Notion (the integration's settings → Webhooks → Verify)");
  }
  if (w?.confirmed) io.out(`  webhook: active since ${w.confirmed.at ?? '?'} (token ${w.confirmed.hint ?? ''})`);
  const docs = status.documents;
  if (docs && (docs.count > 0 || docs.lastRun)) {
    const run = docs.lastRun;
    io.out(
      `  documents: ${docs.count} imported` +
        (run
          ? `; last ${run.mode === 'full' ? 'import' : 're-sync'} ${run.status} ${run.finishedAt ?? run.startedAt}`
          : ''),
    );
  }
}

export function printSlackStatus(io: Io, s: SlackStatus): void {
  const state = s.connected ? 'connected' : s.configured ? 'configured (not connected)' : 'not configured';
  io.out(
    `Slack connector, tenant ${s.tenantId}: ${state}${s.workspace?.name ? ` (workspace ${s.workspace.name})` : ''}${s.configured && !s.enabled ? ', disabled' : ''}`,
  );
  printHealth(io, s);
  io.out(
    `  ${s.channels} channel${s.channels === 1 ? '' : 's'}, notifications for ${s.notifications.length ? s.notifications.join(', ') : 'no event'}; member sync: ${s.usersSync}` +
      (s.usersCount === null ? '' : `, ${s.usersCount} members synced`),
  );
  printDeliveries(io, s.deliveries);
  const last = s.lastSync;
  if (last) {
    io.out(`  last member sync ${last.runId}: ${last.status} (${last.trigger}), started ${last.startedAt}`);
    if (s.lastRun) io.out(`    ${countsLine(s.lastRun.summary, 'members')}${leftOut(s.lastRun.summary)}`);
    printErrors(io, s.lastErrors, 'member');
  }
  printNextRun(io, s.nextRun, `${s.schedule}, ${s.timezone}`);
}

function channelLabel(d: SlackDeliveryView): string {
  return d.channelName ? `#${d.channelName} (${d.channelId})` : d.channelId;
}

function deliveryWhat(d: SlackDeliveryView): string {
  return d.eventType === 'digest' ? `digest of ${d.events} event${d.events === 1 ? '' : 's'}` : d.eventType;
}

/** e.g. `notifications: 3 posted, 0 failed; last: order_placed → #sales (C0SALES) at …`, then failures. */
function printDeliveries(io: Io, d: SlackDeliveriesView | null): void {
  if (!d) {
    io.out('  notifications: none posted yet');
    return;
  }
  const last = d.lastPosted
    ? `; last: ${deliveryWhat(d.lastPosted)} → ${channelLabel(d.lastPosted)} at ${d.lastPosted.at}`
    : '';
  io.out(`  notifications: ${d.posted} posted, ${d.failed} failed since ${d.since}${last}`);
  for (const f of d.recent.filter((r) => r.status === 'failed'))
    io.out(`    failed ${f.at}: ${deliveryWhat(f)} → ${channelLabel(f)}: ${f.reason ?? 'refused by Slack'}`);
}

function printErrors(io: Io, errors: LastErrors | null, what: string): void {
  if (!errors) return;
  if (errors.error) io.out(`    error: ${errors.error}`);
  for (const e of errors.rows.slice(0, 10)) {
    io.out(`    ${errorLine(what, e)}`);
  }
  const more = errors.rows.length - Math.min(10, errors.rows.length) + errors.more;
  if (more > 0) io.out(`    … ${more} more (--json)`);
}

function printNextRun(io: Io, next: NextRun | null, schedule: string): void {
  if (!next) io.out(`  no scheduled run (${schedule} while connected and enabled)`);
  else {
    io.out(`  next run ${next.estimated ? 'about ' : ''}${next.at}, within ${next.windowMinutes} min (${schedule})`);
  }
}

export function printDisconnect(io: Io, r: DisconnectReport): void {
  io.out(`${connectorOf(r.connector).label} disconnected from tenant ${r.tenantId}. Removed:`);
  const { removed } = r;
  for (const s of removed.secrets) io.out(`  - secret ${s}`);
  for (const s of removed.schedules) io.out(`  - schedule ${s}`);
  for (const t of removed.slackTeams) io.out(`  - Slack installation ${t} (its requests no longer reach this tenant)`);
  if (removed.notionWebhook) io.out('  - the Notion webhook subscription state');
  if (removed.pendingPages > 0) io.out(`  - ${removed.pendingPages} webhook page(s) waiting to be fetched`);
  for (const run of removed.runsStopped) io.out(`  - run ${run} (stopped)`);
  io.out('  - the connection record');
  io.out('Kept:');
  for (const k of r.kept) io.out(`  - ${k}`);
}

export function summaryJson(run: RunRecord, publishRun?: RunRecord): SyncSummary & { runId: string; status: string } {
  // The publishing pass's warnings (what an email left out) belong to the run a person asked for.
  const passWarnings = (publishRun?.summary.warnings ?? []).map((w) => `publishing: ${w}`);
  const out = {
    runId: run.runId,
    status: run.status,
    ...run.summary,
    warnings: [...run.summary.warnings, ...passWarnings],
  };
  const publish = mergePublish(run.summary.publish, publishRun);
  return publish ? { ...out, publish } : out;
}

/** What the sync saw (pages entering a state) and what the publishing pass after it did. */
function mergePublish(seen: PublishSummary | undefined, pass: RunRecord | undefined): PublishSummary | undefined {
  const done = pass?.summary.publish;
  if (!seen && !done) return undefined;
  return {
    entered: seen?.entered ?? 0,
    skipped: seen?.skipped ?? 0,
    cancelled: (seen?.cancelled ?? 0) + (done?.cancelled ?? 0),
    campaigns: [...(seen?.campaigns ?? []), ...(done?.campaigns ?? [])],
    deferred: done?.deferred ?? 0,
    ...(done?.retryAt ? { retryAt: done.retryAt } : {}),
    issues: seen?.issues ?? [],
  };
}

/**
 * One line per campaign (page → campaign id, status), for a person reading the output. A sync's
 * summary says what it saw (pages entering the state); a publishing pass (`pass`) says what it
 * made: its pages entered the state in the sync before it, so "0 entered" would be untrue there.
 */
function printPublish(
  io: Io,
  publish: PublishSummary | undefined,
  warnings: string[],
  indent: string,
  pass = false,
): void {
  if (!publish) return;
  if (pass) {
    const n = publish.campaigns.length;
    io.out(
      `${indent}publishing: ${n} campaign${n === 1 ? '' : 's'} made or tried, ${publish.cancelled} cancelled, ` +
        `${publish.deferred} waiting for Brevo's budget`,
    );
  } else {
    io.out(
      `${indent}publishing: ${publish.entered} page${publish.entered === 1 ? '' : 's'} entered the publish state, ` +
        `${publish.skipped} already published before, ${publish.deferred} waiting for Brevo's budget`,
    );
  }
  for (const c of publish.campaigns) {
    const what = c.campaignId === undefined ? c.status : `campaign ${c.campaignId} ${c.status}`;
    const when = c.scheduledAt ? ` for ${c.scheduledAt}` : '';
    io.out(`${indent}  "${c.title}" (${c.pageId}) → ${what}${when}${c.error ? `: ${c.error}` : ''}`);
  }
  for (const w of warnings) io.out(`${indent}  warning: ${w}`);
}

/**
 * A Notion sync's summary (the DESIGN §4 `--json` contract, with `publish` when the sync saw pages
 * to publish or a publishing pass ran after it), or its readable form.
 */
export function printSummary(io: Io, run: RunRecord, json: boolean, publishRun?: RunRecord): void {
  const s = run.summary;
  if (json) {
    io.out(JSON.stringify(summaryJson(run, publishRun)));
    return;
  }
  io.out(
    `Notion sync (${s.mode}) ${run.status} in ${(s.durationMs / 1000).toFixed(1)} s: ${countsLine(s)}${leftOut(s)}`,
  );
  io.out(`  ${s.notionRequests} Notion requests, ${s.brevoRequests} Brevo requests, ${s.rateLimited} rate-limited`);
  if (s.events !== undefined) io.out(`  ${s.events} page event${s.events === 1 ? '' : 's'} sent to Brevo (sync.pages)`);
  for (const w of s.warnings) io.out(`  warning: ${w}`);
  for (const e of s.errors.slice(0, 20)) io.out(`  ${errorLine('row', e)}`);
  if (s.errors.length > 20 || s.errorsTruncated > 0) {
    io.out(`  … ${s.errors.length - 20 + s.errorsTruncated} more row errors (tajo connectors status notion --json)`);
  }
  printPublish(io, mergePublish(s.publish, publishRun), publishRun?.summary.warnings ?? [], '  ');
}

/** The line a sync that took over an unfinished run's checkpoint begins with (in process or through the API). */
export function resumingLine(r: ResumedFrom): string {
  const why = r.was === 'failed' ? `failed: ${r.reason ?? 'no reason recorded'}` : 'its process stopped';
  return redactText(
    `resuming run ${r.runId} (${r.mode}, started ${r.startedAt}, ${why}): ${r.rowsDone.toLocaleString('en-US')} rows done`,
  );
}
