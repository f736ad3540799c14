/**
 * What `npm start` prints while it serves: one line per webhook or sync request it handled (what
 * was queued, from the handler's own reply) and one line per lane message done (what was posted
 * or written). A person running the curl lines it printed sees each one have an effect. Counts,
 * ids and channels only: bodies carry emails and names, replies never carry tokens.
 */

import { z } from 'zod';
import type { RuleRunRecord, RunRecord } from '../shared/ports';
import { countsLine } from '../shared/sync/counts';

const brevoReply = z
  .object({
    accepted: z.number().optional(),
    queued: z.number().optional(),
    delayed: z.number().optional(),
    skipped: z.number().optional(),
    skipReasons: z.array(z.string()).optional(),
    ignored: z.number().optional(),
    reason: z.string().optional(),
    error: z.string().optional(),
    notion: z.object({ queued: z.number(), ownWrites: z.number().optional() }).optional(),
  })
  .loose();

const syncReply = z
  .object({
    runId: z.string().optional(),
    queued: z.boolean().optional(),
    mode: z.string().optional(),
    error: z.string().optional(),
  })
  .loose();

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function parse<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** The line for one handled request, or undefined for routes that print nothing (reads, OAuth). */
export function describeRequest(
  method: string,
  routePath: string,
  params: Record<string, string>,
  status: number,
  body: string,
): string | undefined {
  // A refused path may carry a 5,000-character id: the line shows its start only.
  const id = params.tenantId ?? '?';
  const tenant = id.length > 48 ? `${id.slice(0, 48)}…` : id;
  if (method === 'POST' && routePath === '/webhooks/brevo/{tenantId}') {
    const r = parse(brevoReply, body);
    if (status >= 400 || !r)
      return `← Brevo webhook for ${tenant}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    const parts = [
      `${r.accepted ?? 0} accepted`,
      `Slack: ${r.queued ?? 0} queued${r.delayed ? `, ${r.delayed} delayed` : ''}`,
      `Notion rules: ${r.notion?.queued ?? 0} queued`,
    ];
    if (r.skipped) parts.push(`${r.skipped} skipped (${(r.skipReasons ?? []).join('; ') || 'no route'})`);
    if (r.ignored) parts.push(`${r.ignored} ignored${r.reason ? ` (${r.reason})` : ''}`);
    if (r.notion?.ownWrites) parts.push(`${r.notion.ownWrites} our own writes`);
    return `← Brevo webhook for ${tenant}: ${parts.join(', ')}`;
  }
  if (method === 'POST' && routePath === '/webhooks/notion/{tenantId}') {
    return `← Notion webhook for ${tenant}: ${status < 400 ? 'accepted' : `refused (${status})`}`;
  }
  if (method === 'POST' && routePath === '/tenants/{tenantId}/connections/{connector}/sync') {
    const r = parse(syncReply, body);
    const what = `${params.connector ?? '?'} sync for ${tenant}`;
    if (status >= 400 || !r) return `← ${what}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    return `← ${what}: ${r.mode ?? ''} run ${r.runId ?? '?'} queued (tajo connectors status ${params.connector ?? ''} shows it)`;
  }
  if (method === 'POST' && routePath === '/tenants/{tenantId}/connections/{connector}/oauth') {
    const r = parse(z.object({ expiresAt: z.string().optional(), error: z.string().optional() }).loose(), body);
    if (status >= 400)
      return `← ${params.connector} OAuth install for ${tenant}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    return `← ${params.connector} OAuth install for ${tenant}: authorize URL issued${r?.expiresAt ? `, valid until ${r.expiresAt}` : ''} (open it in a browser)`;
  }
  if (method === 'GET' && /^\/oauth\/(notion|slack)\/callback$/.test(routePath)) {
    const connector = routePath.split('/')[2];
    return `← ${connector} OAuth callback: ${status < 400 ? 'connected' : `refused (${status})`}`;
  }
  if (
    method === 'POST' &&
    (routePath === '/tenants/{tenantId}/connections/notion/imports' ||
      routePath === '/tenants/{tenantId}/connections/notion/documents/resync')
  ) {
    const r = parse(z.object({ importId: z.string().optional(), error: z.string().optional() }).loose(), body);
    const what = routePath.endsWith('imports') ? 'page import' : 'documents re-sync';
    if (status >= 400 || !r?.importId)
      return `← Notion ${what} for ${tenant}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    return `← Notion ${what} for ${tenant}: run ${r.importId} queued`;
  }
  return undefined;
}

const laneBody = z
  .object({
    type: z.string(),
    tenantId: z.string().optional(),
    runId: z.string().optional(),
    channelId: z.string().optional(),
    event: z.object({ type: z.string().optional() }).loose().optional(),
    events: z.array(z.unknown()).optional(),
    items: z.array(z.unknown()).optional(),
  })
  .loose();

/** The line for one lane message the function finished (undefined: nothing a person asked for). */
export async function describeLaneDone(
  body: string,
  lookups: {
    ruleRun(tenantId: string, runId: string): Promise<RuleRunRecord | undefined>;
    run(tenantId: string, runId: string): Promise<RunRecord | undefined>;
  },
): Promise<string | undefined> {
  const m = parse(laneBody, body);
  if (!m) return undefined;
  switch (m.type) {
    case 'notion.sync.start':
    case 'notion.sync.continue': {
      // A sync runs in steps: one line when its last step finished. npm start's own first sync
      // (trigger local) has its summary in the start lines already.
      const run = m.tenantId && m.runId ? await lookups.run(m.tenantId, m.runId) : undefined;
      if (!run || run.status === 'running' || run.trigger === 'local') return undefined;
      const s = run.summary;
      return (
        `→ Notion: ${run.mode} sync run ${run.runId} (${run.trigger}) ${run.status}: ${countsLine(s)}` +
        (run.error ? ` (${run.error})` : '')
      );
    }
    case 'notion.documents.import':
    case 'notion.documents.resync': {
      const run = m.tenantId && m.runId ? await lookups.run(m.tenantId, m.runId) : undefined;
      if (!run || run.status === 'running') return undefined;
      const what = m.type === 'notion.documents.import' ? 'page import' : 'documents re-sync';
      return (
        `→ Notion: ${what} run ${run.runId} ${run.status}: ${run.summary.pagesRead} pages read, ` +
        `${run.summary.upserted} documents written, ${run.summary.failed} failed` +
        (run.error ? ` (${run.error})` : '')
      );
    }
    case 'slack.notify':
      return `→ Slack: ${m.event?.type ?? 'event'} notification for ${m.channelId ?? '?'} done`;
    case 'slack.digest':
      return `→ Slack: digest of ${plural(m.events?.length ?? 0, 'event')} for ${m.channelId ?? '?'} done`;
    case 'notion.rules.apply': {
      const run = m.tenantId && m.runId ? await lookups.ruleRun(m.tenantId, m.runId) : undefined;
      if (!run) return `→ Notion: Brevo → Notion rules applied (${plural(m.items?.length ?? 0, 'match')})`;
      const counts = [
        `${run.created} created`,
        `${run.updated} updated`,
        `${run.unchanged} unchanged`,
        `${run.skipped} skipped`,
        `${run.failed} failed`,
        ...(run.duplicates ? [`${run.duplicates} already applied`] : []),
      ];
      return `→ Notion: Brevo → Notion rules, run ${run.runId}: ${counts.join(', ')}${run.errors[0] ? ` (${run.errors[0].reason})` : ''}`;
    }
    default:
      return undefined;
  }
}
