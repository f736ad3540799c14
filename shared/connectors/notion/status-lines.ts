/** How the CLI prints a Notion connection's status, and a publishing pass's campaigns. */

import {
  leftOut,
  printErrors,
  printHeadline,
  printHealth,
  printNextRun,
  type StatusLines,
} from '../../core/connection-status';
import type { PublishSummary } from '../../core/ports';
import { countsLine } from '../../core/runs/counts';
import { describeMappingSource } from './mapping/database-mapping';
import type { NotionStatus } from './status';

export function printNotionStatus(out: StatusLines, s: NotionStatus): void {
  printHeadline(out, 'Notion', s);
  printHealth(out, s);
  if (s.readOnly) out('  read-only: nothing is ever written to Notion (connectors.notion.read_only)');
  for (const w of s.warnings ?? []) out(`  warning: ${w}`);
  if (s.databases.length > 0) {
    // databasesSynced counts the databases whose rows become contacts: a publish-only one is said apart.
    const contacts = s.databases.filter((d) => d.mapping !== 'publish-only').length;
    const publishOnly = s.databases.length - contacts;
    out(
      `  ${s.databasesSynced} of ${contacts} database${contacts === 1 ? '' : 's'} synced, ${s.pagesTracked} pages tracked` +
        (publishOnly > 0 ? ` (and ${publishOnly} read for publishing only)` : ''),
    );
  }
  for (const d of s.databases) {
    // The high-water mark is an edit time of the database's rows, not the time a sync ran.
    const synced = d.syncedUpTo ? `, synced up to its edits of ${d.syncedUpTo}` : ', not synced yet';
    if (d.outsideConfig) {
      out(
        `  database ${d.name ?? d.id} (${d.id}) → list ${d.list ?? '(unknown)'}, not in connectors.notion.databases: ${d.pagesTracked} pages${synced}` +
          ' (default mapping; synced when a sync names it, not on the schedule: add it to the config to keep it in step)',
      );
      continue;
    }
    out(
      `  database ${d.name ?? d.id} → list ${d.list ?? '(none)'} (mapping: ${describeMappingSource(d.mapping)}): ${d.pagesTracked} pages` +
        synced +
        (d.publish ? `; pages with ${d.publish.when} → campaigns to list ${d.publish.list}` : ''),
    );
  }
  const last = s.lastRun;
  if (!last) out('  no sync has run yet: tajo connectors sync notion');
  else {
    const stopped = s.resume?.state === 'stopped';
    const ended =
      last.status === 'failed' && last.finishedAt
        ? `, failed ${last.finishedAt}`
        : stopped
          ? ', its process stopped'
          : '';
    out(
      `  last run ${last.runId}: ${stopped ? 'stopped' : last.status} (${last.mode}), started ${last.startedAt}${ended}`,
    );
    const r = last.summary;
    const sofar = s.resume ? ' (so far)' : '';
    out(`    ${countsLine(r)}${leftOut(r)}${r.events === undefined ? '' : `, ${r.events} page events sent`}${sofar}`);
    printErrors(out, s.lastErrors, 'row');
    if (s.resume && s.resume.state !== 'running') {
      out(
        `    the next sync resumes it from its checkpoint (${s.resume.rowsDone.toLocaleString('en-US')} rows done); --restart starts over`,
      );
    }
    if (s.lastSuccessAt && last.status !== 'succeeded') out(`  last successful sync finished ${s.lastSuccessAt}`);
  }
  const users = s.lastUsersRun;
  if (users) {
    out(
      `  last users sync ${users.runId}: ${users.status}, started ${users.startedAt}` +
        `; ${s.usersCount} workspace members kept as contacts`,
    );
    out(`    ${countsLine(users.summary, 'users')}${leftOut(users.summary)}`);
  }
  const pub = s.lastPublishRun;
  if (pub) {
    out(`  last publishing pass ${pub.runId}: ${pub.status}, started ${pub.startedAt}`);
    printPublish(out, pub.summary.publish, pub.summary.warnings, '    ', true);
  }
  printRulesStatus(out, s.rules);
  printWebhookAndDocuments(out, s.tenantId, s);
  printNextRun(out, s.nextRun, s.schedule);
}

/** Brevo → Notion rules in the human status: each rule, the last delivery, conflicts and row errors. */
function printRulesStatus(out: StatusLines, rules: NotionStatus['rules']): void {
  for (const r of rules.configured) out(`  rule ${r.name}: ${r.event} → database ${r.database} (${r.action})`);
  const last = rules.recentRuns[0];
  if (last) {
    out(
      `  last rule delivery ${last.runId}: ${last.status}: ${last.items} matches, ${last.created} created, ` +
        `${last.updated} updated, ${last.unchanged} unchanged, ${last.skipped} skipped, ${last.duplicates} duplicates, ${last.failed} failed`,
    );
    if (last.error) out(`    error: ${last.error}`);
  }
  for (const c of rules.conflicts.slice(0, 10)) {
    out(
      `    conflict ${c.rule} ${c.email} ${c.property}: ${c.winner} won, kept ${JSON.stringify(c.kept)}, lost ${JSON.stringify(c.lost)} (${c.reason})`,
    );
  }
  for (const e of rules.errors.slice(0, 10)) {
    out(`    rule ${e.rule} ${e.email}${e.property ? ` (${e.property})` : ''}: ${e.reason}`);
  }
}

/** The webhook subscription (hints only: the token is fetched through the API) and the document library. */
function printWebhookAndDocuments(out: StatusLines, tenantId: string, status: NotionStatus): void {
  const w = status.webhook;
  if (w?.pending) {
    out(
      `  webhook: verification token ${w.pending.hint ?? ''} received ${w.pending.receivedAt ?? ''}, not verified yet`,
    );
    out(
      `    fetch it: curl -H "Authorization: Bearer <API key>" <API URL>/tenants/${tenantId}/connections/notion/webhook`,
    );
    out("    then paste it into Notion (the integration's settings → Webhooks → Verify)");
  }
  if (w?.confirmed) out(`  webhook: active since ${w.confirmed.at ?? '?'} (token ${w.confirmed.hint ?? ''})`);
  const docs = status.documents;
  if (docs && (docs.count > 0 || docs.lastRun)) {
    const run = docs.lastRun;
    out(
      `  documents: ${docs.count} imported` +
        (run
          ? `; last ${run.mode === 'full' ? 'import' : 're-sync'} ${run.status} ${run.finishedAt ?? run.startedAt}`
          : ''),
    );
  }
}

/**
 * One line per campaign (page → campaign id, status), for a person reading the output. A sync's
 * summary says what it saw (pages entering the state); a publishing pass (`pass`) says what it
 * made: its pages entered the state in the sync before it, so "0 entered" would be untrue there.
 */
export function printPublish(
  out: StatusLines,
  publish: PublishSummary | undefined,
  warnings: string[],
  indent: string,
  pass = false,
): void {
  if (!publish) return;
  if (pass) {
    const n = publish.campaigns.length;
    out(
      `${indent}publishing: ${n} campaign${n === 1 ? '' : 's'} made or tried, ${publish.cancelled} cancelled, ` +
        `${publish.deferred} waiting for Brevo's budget`,
    );
  } else {
    out(
      `${indent}publishing: ${publish.entered} page${publish.entered === 1 ? '' : 's'} entered the publish state, ` +
        `${publish.skipped} already published before, ${publish.deferred} waiting for Brevo's budget`,
    );
  }
  for (const c of publish.campaigns) {
    const what = c.campaignId === undefined ? c.status : `campaign ${c.campaignId} ${c.status}`;
    const when = c.scheduledAt ? ` for ${c.scheduledAt}` : '';
    out(`${indent}  "${c.title}" (${c.pageId}) → ${what}${when}${c.error ? `: ${c.error}` : ''}`);
  }
  for (const w of warnings) out(`${indent}  warning: ${w}`);
}
