/**
 * What `npm start` prints while it serves: one line per webhook or sync request it handled (what
 * was queued, from the handler's own reply) and one line per lane message done (what was posted
 * or written). A person running the curl lines it printed sees each one have an effect. Counts,
 * ids and channels only: bodies carry emails and names, replies never carry tokens.
 */

import { z } from 'zod';
import { DIGEST_MIN_BATCH } from '../shared/connectors/slack/notifications/lane-messages';
import { MAX_ATTEMPTS, openLaneMessage, retryDelayMs } from '../shared/core/lanes/lane-retry';
import type { NotificationDelivery, NotificationDeliverySummary, RuleRunRecord, RunRecord } from '../shared/core/ports';
import { countsLine } from '../shared/core/runs/counts';

const brevoReply = z
  .object({
    published: z.number().optional(),
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
    if (r.published) parts.push(`${r.published} published to the event stream`);
    return `← Brevo webhook for ${tenant}: ${parts.join(', ')}`;
  }
  if (method === 'POST' && routePath === '/webhooks/{tenantId}/{connector}/{path+}') {
    const r = parse(
      z
        .object({ accepted: z.number().optional(), ignored: z.string().optional(), error: z.string().optional() })
        .loose(),
      body,
    );
    const what = `← ${params.connector ?? '?'} webhook for ${tenant} (/${params.path ?? ''})`;
    if (status >= 400) return `${what}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    return r?.accepted === 0 ? `${what}: ignored (${r.ignored ?? 'no webhook maps it'})` : `${what}: queued`;
  }
  if (method === 'POST' && routePath === '/tenants/{tenantId}/slack/notify') {
    const r = parse(
      z
        .object({ notificationId: z.string().optional(), channel: z.string().optional(), error: z.string().optional() })
        .loose(),
      body,
    );
    if (status >= 400 || !r)
      return `← Slack notify for ${tenant}: refused (${status}${r?.error ? `: ${r.error}` : ''})`;
    return `← Slack notify for ${tenant}: notification ${r.notificationId ?? '?'} queued for ${r.channel ?? '?'}`;
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
    // A routed notification's event (its type inside); a notify call's (slack.post) is its name.
    event: z.union([z.string(), z.object({ type: z.string().optional() }).loose()]).optional(),
    events: z.array(z.unknown()).optional(),
    items: z.array(z.unknown()).optional(),
  })
  .loose();

/** What the lines of finished lane messages read from the stack's state. */
export interface LaneLookups {
  ruleRun(tenantId: string, runId: string): Promise<RuleRunRecord | undefined>;
  run(tenantId: string, runId: string): Promise<RunRecord | undefined>;
  /**
   * The tenant's Slack deliveries (status's summary): a notification folded into a digest has no
   * post of its own, so the line says what was posted, not one "done" per lane message.
   */
  slackDeliveries?(tenantId: string): Promise<NotificationDeliverySummary | undefined>;
}

/**
 * The line(s) for one lane message the function finished (undefined: nothing a person asked for,
 * or nothing new). A message may come back wrapped in a retry envelope: its body is read, and its
 * failed attempts say whether this was its last.
 */
export async function describeLaneDone(raw: string, lookups: LaneLookups): Promise<string | undefined> {
  const opened = openLaneMessage(raw);
  const m = parse(laneBody, opened.body);
  if (!m) return undefined;
  // This delivery's attempt (1 the first time); at MAX_ATTEMPTS a failure is dead-lettered.
  const attempt = opened.failedAttempts + 1;
  switch (m.type) {
    case 'notion.sync.start':
    case 'notion.sync.continue': {
      // A sync runs in steps: one line when its last step finished. npm start's own first sync
      // (trigger local) has its summary in the start lines already.
      const run = m.tenantId && m.runId ? await lookups.run(m.tenantId, m.runId) : undefined;
      if (!run || run.status === 'running' || run.trigger === 'local') return undefined;
      const resumedAs = run.status === 'failed' ? /resumed as run (\S+)$/.exec(run.error ?? '') : null;
      if (resumedAs) {
        // A replayed (or late) step of a run another one took over: not a new failure.
        return `→ Notion: sync run ${run.runId} was already resumed as run ${resumedAs[1]}: nothing left to do for this message`;
      }
      const s = run.summary;
      if (run.status === 'failed') {
        const reason = run.error ?? 'no reason recorded';
        // No checkpoint: nothing to resume (a configuration error: retrying cannot fix it).
        const next =
          run.checkpoint === undefined
            ? 'not resumable: change what it says, then sync again'
            : attempt >= MAX_ATTEMPTS
              ? `dead-lettered after ${attempt} attempts: tajo lanes replay notion resumes it once the cause is fixed`
              : 'the next sync resumes it from its checkpoint (tajo connectors status notion)';
        return `→ Notion: ${run.mode} sync run ${run.runId} (${run.trigger}) failed: ${reason}; ${next} (so far ${countsLine(s)})`;
      }
      return `→ Notion: ${run.mode} sync run ${run.runId} (${run.trigger}) ${run.status}: ${countsLine(s)}`;
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
    case 'slack.post':
    case 'slack.digest':
      return slackLines(m, lookups);
    case 'notion.rules.apply': {
      const run = m.tenantId && m.runId ? await lookups.ruleRun(m.tenantId, m.runId) : undefined;
      if (!run) return `→ Notion: Brevo → Notion rules applied (${plural(m.items?.length ?? 0, 'match')})`;
      const what = `→ Notion: Brevo → Notion rules, run ${run.runId}`;
      // A step that failed keeps its record running (to be continued) with the reason: its line says
      // failed and what happens next, never a "0 created … 0 failed" that reads like a success.
      if (run.status === 'running' && run.error) {
        const wait = Math.round(retryDelayMs(attempt, () => 0.5) / 1000);
        return `${what} failed: ${run.error}; retried in about ${wait} s (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`;
      }
      if (run.status === 'running') return undefined;
      if (run.status === 'failed') {
        return `${what} failed: ${run.error ?? 'no reason recorded'}; dead-lettered after ${attempt} attempts: tajo lanes replay notion once the cause is fixed`;
      }
      const counts = [
        `${run.created} created`,
        `${run.updated} updated`,
        `${run.unchanged} unchanged`,
        `${run.skipped} skipped`,
        `${run.failed} failed`,
        ...(run.duplicates ? [`${run.duplicates} already applied`] : []),
      ];
      return `${what}: ${counts.join(', ')}${run.errors[0] ? ` (${run.errors[0].reason})` : ''}`;
    }
    default:
      return undefined;
  }
}

/**
 * Without the deliveries to read: the notifications of one channel and type finished within a
 * second are one line (a burst is what the worker folds into a digest), not one line each.
 */
const bursts = new Map<string, { count: number }>();
const BURST_WINDOW_MS = 1_000;

function burstLine(key: string, line: (count: number) => string): Promise<string | undefined> {
  const open = bursts.get(key);
  if (open) {
    open.count += 1;
    return Promise.resolve(undefined);
  }
  const burst = { count: 1 };
  bursts.set(key, burst);
  return new Promise((resolve) =>
    setTimeout(() => {
      bursts.delete(key);
      resolve(line(burst.count));
    }, BURST_WINDOW_MS).unref(),
  );
}

/** Deliveries of each tenant's channel already printed: only posts made since npm start began are new. */
const slackSeen = new Map<string, string>();
const slackQueue = new Map<string, Promise<unknown>>();
const STARTED_AT = new Date().toISOString();

/**
 * What Slack got for a finished Slack lane message: the posts made since the last line (a digest of
 * N events, or one notification), read from the deliveries the worker records. A notification
 * folded into a digest already printed adds nothing. One tenant's lookups run one at a time.
 */
function slackLines(m: z.infer<typeof laneBody>, lookups: LaneLookups): Promise<string | undefined> {
  const channel = m.channelId ?? '?';
  const eventType = (typeof m.event === 'string' ? m.event : m.event?.type) ?? 'event';
  if (!lookups.slackDeliveries || !m.tenantId) {
    if (m.type === 'slack.digest') {
      return Promise.resolve(`→ Slack: digest of ${plural(m.events?.length ?? 0, 'event')} for ${channel} posted`);
    }
    return burstLine(`${m.tenantId ?? '?'}\u0000${channel}\u0000${eventType}`, (n) =>
      n >= DIGEST_MIN_BATCH
        ? `→ Slack: ${n} ${eventType} notifications for ${channel} done (a burst: posted as a digest)`
        : `→ Slack: ${n === 1 ? '' : `${n} `}${eventType} notification${n === 1 ? '' : 's'} for ${channel} posted`,
    );
  }
  const tenantId = m.tenantId;
  const read = lookups.slackDeliveries.bind(lookups);
  const key = `${tenantId}\u0000${channel}`;
  const next = (slackQueue.get(tenantId) ?? Promise.resolve()).then(async () => {
    const summary = await read(tenantId);
    const seen = slackSeen.get(key) ?? STARTED_AT;
    const fresh = (summary?.recent ?? []).filter((d) => d.channelId === channel && d.at > seen).reverse();
    if (fresh.length === 0) return undefined;
    slackSeen.set(key, (fresh.at(-1) as NotificationDelivery).at);
    return fresh
      .map((d) => {
        const what =
          d.eventType === 'digest'
            ? `digest of ${plural(d.events, 'event')} for ${channel}`
            : `${d.eventType} notification for ${channel}`;
        return d.status === 'posted'
          ? `→ Slack: ${what} posted`
          : `→ Slack: ${what} refused by Slack: ${d.reason ?? '?'}`;
      })
      .join('\n');
  });
  slackQueue.set(
    tenantId,
    next.catch(() => undefined),
  );
  return next;
}
