/**
 * Scheduled marketing summaries for one Slack connection. A daily schedule fires shortly after local
 * midnight in `connectors.slack.summaries.timezone`; each run works out what is due (the daily
 * summary of the previous local day; on the configured weekday, the weekly summary of the previous
 * 7 local days), reads the figures from Brevo, and schedules the message with chat.scheduleMessage
 * for the configured local time of today, or posts it at once when that time has passed.
 *
 * Idempotent per period and channel: a summary is marked in the ThreadStore (`summary:daily:
 * 2026-11-21`) once Slack accepted it, and a marked summary is skipped, so a re-run of the schedule
 * does not post twice. Failures are returned per summary, classified as retryable (rate limits,
 * Brevo's hourly budget, network, 5xx) or not, so the caller can re-run after `retryAfterMs`.
 */

import { type BrevoClient, brevoClientFor } from '../../core/brevo/client';
import { ProviderError, RateLimitedError, reasonOf, UnreachableError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import type { Clock, ConnectionRecord, ConnectionStore, SecretStore, ThreadStore } from '../../core/ports';
import { type OAuthTokens, readAccessToken } from '../../core/tenancy/oauth-tokens';
import { SlackApiError, SlackClient } from './client';
import { type DueSummary, dueSummaries, type SummaryKind } from './notifications/periods';
import { resolveChannel } from './notifications/routing';
import { buildSummaryMessage } from './notifications/summary';

export interface SlackSummariesDeps {
  connections: ConnectionStore;
  threads: ThreadStore;
  secrets: SecretStore;
  /** Refreshes OAuth connections' rotating tokens before they expire (without it: used as stored). */
  oauthTokens?: OAuthTokens;
  clock: Clock;
  slackApiUrl?: string;
  brevoBaseUrl?: string;
  /** Brevo's web app for the "View in Brevo" links (default https://app.brevo.com). */
  brevoAppUrl?: string;
  /** Longer 429 waits are not slept in process: the summary fails as retryable. Default 20 s. */
  maxInProcessWaitMs?: number;
  log?: (message: string, data: Record<string, unknown>) => void;
}

export interface SlackSummariesInput {
  tenantId: string;
  /** The instant that decides which summaries are due (the schedule's time); default the clock's now. */
  now?: number;
}

interface OutcomeBase {
  kind: SummaryKind;
  /** `summary:daily:2026-11-21`: the idempotency key (with the channel). */
  periodId: string;
  /** The resolved channel id; the configured reference when it does not resolve. */
  channel: string;
}

export type SummaryOutcome =
  | (OutcomeBase & { status: 'scheduled'; postAt: number; scheduledMessageId: string })
  | (OutcomeBase & { status: 'posted'; ts: string; why: 'post time passed' | 'time_in_past' })
  | (OutcomeBase & { status: 'skipped'; reason: string })
  | (OutcomeBase & { status: 'failed'; reason: string; retryable: boolean; retryAfterMs?: number });

export interface SlackSummariesResult {
  tenantId: string;
  /** Why nothing was attempted (no connection, disabled, no summaries configured). */
  skipped?: string;
  summaries: SummaryOutcome[];
  /** Set when a summary failed retryably: re-run after this long (the longest Retry-After seen). */
  retryAfterMs?: number;
  brevoRequests: number;
  slackRequests: number;
}

/** Runs the summaries due for one tenant's Slack connection; never throws for a provider failure. */
export async function runSlackSummaries(
  deps: SlackSummariesDeps,
  input: SlackSummariesInput,
): Promise<SlackSummariesResult> {
  const result: SlackSummariesResult = { tenantId: input.tenantId, summaries: [], brevoRequests: 0, slackRequests: 0 };
  const conn = await deps.connections.getConnection(input.tenantId, 'slack');
  if (!conn) return { ...result, skipped: 'no Slack connection' };
  if (!conn.settings.enabled) return { ...result, skipped: 'the Slack connection is disabled' };
  const config = conn.settings.summaries;
  if (!config?.daily && !config?.weekly) return { ...result, skipped: 'no connectors.slack.summaries configured' };

  const due = dueSummaries(config, input.now ?? deps.clock.now());
  if (due.length === 0) return result;

  const brevoStats = newStats();
  const slackStats = newStats();
  const maxWait = deps.maxInProcessWaitMs ?? 20_000;
  const brevoApiKey = await deps.secrets.get(conn.brevoApiKeyRef);
  const brevo = brevoClientFor({
    apiKey: brevoApiKey,
    baseUrl: deps.brevoBaseUrl,
    clock: deps.clock,
    stats: brevoStats,
    maxInProcessWaitMs: maxWait,
  });
  const slack = new SlackClient({
    token: await readAccessToken(deps, conn),
    apiUrl: deps.slackApiUrl,
    clock: deps.clock,
    stats: slackStats,
    maxInProcessWaitMs: maxWait,
  });

  let parked: { reason: string; retryAfterMs: number } | undefined;
  for (const d of due) {
    // A provider that asked us to wait longer than we sleep in process has parked its lane: the
    // next summary would only sleep on the paused pacer (or be refused), so it waits for the re-run.
    const outcome: SummaryOutcome = parked
      ? {
          kind: d.period.kind,
          periodId: d.period.id,
          channel: resolveChannel(d.channel, conn.settings.channels) ?? d.channel,
          status: 'failed',
          reason: `not attempted: ${parked.reason}`,
          retryable: true,
          retryAfterMs: parked.retryAfterMs,
        }
      : await runOne(deps, { conn, brevo, slack, timezone: config.timezone }, d);
    if (!parked && outcome.status === 'failed' && outcome.retryable && outcome.retryAfterMs !== undefined) {
      parked = { reason: outcome.reason, retryAfterMs: outcome.retryAfterMs };
    }
    if (outcome.status === 'failed') {
      deps.log?.('Slack summary failed', {
        tenantId: input.tenantId,
        periodId: outcome.periodId,
        reason: outcome.reason,
      });
      if (outcome.retryable)
        result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, outcome.retryAfterMs ?? DEFAULT_RETRY_MS);
    }
    result.summaries.push(outcome);
  }
  result.brevoRequests = brevoStats.requests;
  result.slackRequests = slackStats.requests;
  return result;
}

/** A retryable failure without a Retry-After (network, 5xx) is retried after a minute. */
const DEFAULT_RETRY_MS = 60_000;

async function runOne(
  deps: SlackSummariesDeps,
  ctx: { conn: ConnectionRecord<'slack'>; brevo: BrevoClient; slack: SlackClient; timezone: string },
  d: DueSummary,
): Promise<SummaryOutcome> {
  const { conn, brevo, slack } = ctx;
  const tenantId = conn.tenantId;
  const channelId = resolveChannel(d.channel, conn.settings.channels);
  const base = { kind: d.period.kind, periodId: d.period.id, channel: channelId ?? d.channel };
  if (!channelId) {
    return { ...base, status: 'skipped', reason: `channel "${d.channel}" is neither in channels nor a channel id` };
  }
  if (await deps.threads.wasPosted(tenantId, channelId, d.period.id)) {
    return { ...base, status: 'skipped', reason: 'already scheduled or posted' };
  }
  try {
    const period = { start: d.period.start, end: d.period.end };
    const contacts = await brevo.contactFigures(period);
    const campaigns = await brevo.sentCampaigns(period);
    const message = buildSummaryMessage(
      {
        kind: d.period.kind,
        periodLabel: d.period.label,
        timezone: ctx.timezone,
        newContacts: contacts.created,
        unsubscribes: contacts.unsubscribed,
        contactsComplete: contacts.complete,
        campaigns,
      },
      { brevoAppUrl: deps.brevoAppUrl },
    );
    const teamId = conn.settings.teamId;
    const post = async (why: 'post time passed' | 'time_in_past'): Promise<SummaryOutcome> => {
      const ts = await slack.postMessage({ teamId, channel: channelId, text: message.text, blocks: message.blocks });
      await mark(deps, tenantId, channelId, d.period.id);
      return { ...base, status: 'posted', ts, why };
    };
    // Reading the figures may have taken a while: "now" for the post time is the clock's, not the run's.
    const postAt = Math.floor(d.postAt / 1000);
    if (postAt <= Math.floor(deps.clock.now() / 1000)) return await post('post time passed');
    let scheduled: Awaited<ReturnType<SlackClient['scheduleMessage']>>;
    try {
      scheduled = await slack.scheduleMessage({
        teamId,
        channel: channelId,
        text: message.text,
        blocks: message.blocks,
        postAt,
      });
    } catch (err) {
      // The post time passed between our check and Slack's: post it now.
      if (err instanceof SlackApiError && err.error === 'time_in_past') return await post('time_in_past');
      throw err;
    }
    await mark(deps, tenantId, channelId, d.period.id);
    return { ...base, status: 'scheduled', postAt: scheduled.postAt, scheduledMessageId: scheduled.scheduledMessageId };
  } catch (err) {
    return { ...base, status: 'failed', ...classify(err) };
  }
}

/** Slack accepted the summary: a bookkeeping failure must not fail it (a re-run would post it twice). */
async function mark(deps: SlackSummariesDeps, tenantId: string, channelId: string, periodId: string): Promise<void> {
  try {
    await deps.threads.markPosted(tenantId, channelId, periodId);
  } catch (err) {
    deps.log?.('summary sent, but its marker was not stored', { tenantId, periodId, error: reasonOf(err) });
  }
}

function classify(err: unknown): { reason: string; retryable: boolean; retryAfterMs?: number } {
  const reason = reasonOf(err);
  if (err instanceof RateLimitedError) return { reason, retryable: true, retryAfterMs: err.retryAfterMs };
  if (err instanceof UnreachableError) return { reason, retryable: true };
  if (err instanceof ProviderError) return { reason, retryable: err.status === 429 || err.status >= 500 };
  if (err instanceof SlackApiError) return { reason, retryable: !err.permanent };
  return { reason, retryable: false };
}
