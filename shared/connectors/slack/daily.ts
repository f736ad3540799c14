/**
 * The daily job of a Slack connection, fired shortly after midnight in the connection's time zone:
 * the marketing summaries (daily, and weekly on its day) and the Slack user sync. Each part runs on
 * its own, so one failing does not stop the other; a failure is reported and thrown at the end so
 * the invocation is retried (both parts are idempotent: summaries are marked per period, users are
 * fingerprinted). `{sweep: true}` (the stack's sweep) restores lost schedules instead.
 */
import { z } from 'zod';
import { resolveBrevoList } from '../../core/brevo/lists';
import { ensureSchedule } from '../../core/connector';
import { failureReason } from '../../core/errors';
import type {
  Clock,
  ConnectionRecord,
  ConnectionStore,
  CursorStore,
  RunRecord,
  RunStore,
  ScheduleManager,
  SecretStore,
  ThreadStore,
} from '../../core/ports';
import { newRunId } from '../../core/runs/summary';
import { type OAuthTokens, readAccessToken } from '../../core/tenancy/oauth-tokens';
import { slackDailySchedule } from './schedule';
import { runSlackSummaries, type SlackSummariesResult } from './summaries';
import { buildSlackUsersContext, emptySlackUsersSummary, type SlackUsersSummary, syncSlackUsers } from './users-sync';

export const slackDailyInputSchema = z.union([
  z.object({ sweep: z.literal(true) }),
  z.object({ tenantId: z.string().min(1) }),
]);
export type SlackDailyInput = z.infer<typeof slackDailyInputSchema>;

export interface SlackDailyDeps {
  connections: ConnectionStore;
  threads: ThreadStore;
  schedules: ScheduleManager;
  secrets: SecretStore;
  /** Refreshes OAuth connections' rotating tokens before they expire (without it: used as stored). */
  oauthTokens?: OAuthTokens;
  cursors: CursorStore;
  runs: RunStore;
  clock: Clock;
  slackApiUrl?: string;
  brevoBaseUrl?: string;
  log?: (message: string, data: Record<string, unknown>) => void;
}

export type PartOutcome<T> =
  | { status: 'done'; result: T }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string };

export interface SlackDailyResult {
  tenantId?: string;
  scheduled?: number;
  summaries?: SlackSummariesResult;
  users?: PartOutcome<{ runId: string; summary: SlackUsersSummary }>;
}

export class SlackDailyFailed extends Error {
  constructor(readonly result: SlackDailyResult) {
    const reasons = [
      ...(result.summaries?.summaries ?? []).flatMap((s) =>
        s.status === 'failed' && s.retryable ? [`${s.kind} summary: ${s.reason}`] : [],
      ),
      ...(result.users?.status === 'failed' ? [`user sync: ${result.users.error}`] : []),
    ];
    super(`Slack daily job of ${result.tenantId} failed (retried): ${reasons.join('; ')}`);
  }
}

export async function runSlackDaily(deps: SlackDailyDeps, input: SlackDailyInput): Promise<SlackDailyResult> {
  if ('sweep' in input) {
    let scheduled = 0;
    for (const c of await deps.connections.listConnections('slack')) {
      if (await ensureSchedule(deps.schedules, slackDailySchedule, c)) scheduled += 1;
    }
    return { scheduled };
  }
  const result: SlackDailyResult = { tenantId: input.tenantId };
  const conn = await deps.connections.getConnection(input.tenantId, 'slack');
  if (!conn?.settings.enabled) {
    result.users = { status: 'skipped', reason: 'no enabled Slack connection' };
    return result;
  }
  // Summaries first: they are due at a set hour, the user sync can take minutes.
  result.summaries = await runSlackSummaries(deps, { tenantId: input.tenantId });
  result.users = await runScheduledUserSync(deps, conn);
  const summaryRetry = result.summaries.summaries.some((s) => s.status === 'failed' && s.retryable);
  // A retried invocation repeats only what is left: summaries are marked per period, users fingerprinted.
  if (summaryRetry || result.users.status === 'failed') throw new SlackDailyFailed(result);
  return result;
}

async function runScheduledUserSync(
  deps: SlackDailyDeps,
  conn: ConnectionRecord<'slack'>,
): Promise<NonNullable<SlackDailyResult['users']>> {
  const users = conn.settings.users;
  if (!users) return { status: 'skipped', reason: 'connectors.slack.users is not configured' };
  if (users.schedule === 'off') return { status: 'skipped', reason: 'connectors.slack.users.schedule is off' };
  const runId = newRunId(deps.clock);
  const startedAt = new Date(deps.clock.now()).toISOString();
  const record = (status: RunRecord['status'], summary: SlackUsersSummary, error?: string): RunRecord => ({
    tenantId: conn.tenantId,
    connector: 'slack',
    runId,
    // The whole member list is read every time, so each scheduled run is full: it also sees who left.
    mode: 'full',
    status,
    startedAt,
    ...(status === 'running' ? {} : { finishedAt: new Date(deps.clock.now()).toISOString() }),
    trigger: 'schedule',
    summary,
    ...(error ? { error } : {}),
  });
  const summary = emptySlackUsersSummary('full');
  try {
    const [slackToken, brevoApiKey] = await Promise.all([
      readAccessToken(deps, conn),
      deps.secrets.get(conn.brevoApiKeyRef),
    ]);
    const ctx = buildSlackUsersContext({
      tenantId: conn.tenantId,
      slackToken,
      slackApiUrl: deps.slackApiUrl,
      teamId: conn.settings.teamId,
      brevoApiKey,
      brevoBaseUrl: deps.brevoBaseUrl,
      cursors: deps.cursors,
      clock: deps.clock,
      mapping: users.field_mapping as Parameters<typeof buildSlackUsersContext>[0]['mapping'],
      defaultCountryCode: users.default_country_code,
      guestAttribute: users.guest_attribute,
    });
    if (users.sync_to_list !== undefined) ctx.listId = await resolveBrevoList(ctx.brevo, users.sync_to_list);
    await syncSlackUsers(ctx, { mode: 'full', runId, summary });
    await deps.runs.putRun(record('succeeded', summary));
    return { status: 'done', result: { runId, summary } };
  } catch (err) {
    const error = failureReason(err);
    deps.log?.('scheduled Slack user sync failed', { tenantId: conn.tenantId, error });
    // The record keeps the counts so far (members read, contacts Brevo confirmed before the failure).
    await deps.runs
      .putRun(record('failed', summary, error))
      .catch((e) => deps.log?.('could not record the failed run', { error: (e as Error).message }));
    return { status: 'failed', error };
  }
}
