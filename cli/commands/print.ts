/** How the management commands show their results to a person (--json prints the objects as they are). */

import type { DisconnectReport } from '../../shared/app/disconnect';
import type { NotionStatus, SlackStatus } from '../../shared/app/status';
import { connectorOf } from '../../shared/connectors';
import { printNotionStatus as notionStatusLines, printPublish } from '../../shared/connectors/notion/status-lines';
import type { ResumedFrom } from '../../shared/connectors/notion/sync/database-sync';
import { printSlackStatus as slackStatusLines } from '../../shared/connectors/slack/status';
import type { CheckResult } from '../../shared/core/connection-check';
import { errorLine, leftOut } from '../../shared/core/connection-status';
import { redactText } from '../../shared/core/logging/redact';
import type { PublishSummary, RunRecord, SyncSummary } from '../../shared/core/ports';
import { addSkip, countsLine, SKIP_BOT, SKIP_DEACTIVATED, SKIP_NO_EMAIL } from '../../shared/core/runs/counts';
import type { Io } from '../io';

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

/** A Notion connection's status for a person (the connector's status hook prints it). */
export function printNotionStatus(io: Io, s: NotionStatus): void {
  notionStatusLines(io.out, s);
}

/** A Slack connection's status for a person (the connector's status hook prints it). */
export function printSlackStatus(io: Io, s: SlackStatus): void {
  slackStatusLines(io.out, s);
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
  printPublish(io.out, mergePublish(s.publish, publishRun), publishRun?.summary.warnings ?? [], '  ');
}

/** The line a sync that took over an unfinished run's checkpoint begins with (in process or through the API). */
export function resumingLine(r: ResumedFrom): string {
  const why = r.was === 'failed' ? `failed: ${r.reason ?? 'no reason recorded'}` : 'its process stopped';
  return redactText(
    `resuming run ${r.runId} (${r.mode}, started ${r.startedAt}, ${why}): ${r.rowsDone.toLocaleString('en-US')} rows done`,
  );
}
