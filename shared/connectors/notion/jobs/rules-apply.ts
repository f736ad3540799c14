/** `notion.rules.apply`: Brevo → Notion, the (event, rule) matches of one webhook delivery. */
import { failureReason, isInternalError, TajoError } from '../../../core/errors';
import { applyNotionRules } from '../rules/brevo-to-notion';
import type { JobHandler, LaneMessageOf } from './job';
import { runPaced } from './outcomes';

export const rulesApplyJob: JobHandler<LaneMessageOf<'notion.rules.apply'>> = async (job) => {
  const { deps, conn, message, opts, ctx } = job;
  const { markers, pageWrites } = deps;
  if (!markers || !pageWrites) throw new TajoError('the rule stores are not wired into this worker', 'bad_setup');
  const { tenantId, settings } = conn;
  const { notion, brevo, stats } = ctx;
  const { runs, cursors, clock } = deps;
  const apply = async () => {
    const run = await applyNotionRules(
      { tenantId, settings, notion, brevo, stats, markers, pageWrites, runs, cursors, clock },
      message,
      { lastAttempt: opts.lastAttempt },
    );
    const { errors: _errors, conflicts: _conflicts, ...counts } = run;
    deps.log?.('info', 'Brevo → Notion rules applied', { ...counts });
    return undefined;
  };
  return runPaced(job.keepSpacing, apply, async (err) => {
    // Token, database access, network: retried with backoff, then dead-lettered for a replay once
    // fixed (a permanent error here is the connection's, not one event's: events are not dropped).
    deps.log?.('error', 'Brevo → Notion rules failed', {
      tenantId,
      reason: failureReason(err),
      ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
    });
    throw err;
  });
};
