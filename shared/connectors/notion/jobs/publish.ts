/** `notion.publish`: a publishing pass (pages that entered a publish state → Brevo campaigns). */
import { failureReason, isInternalError } from '../../../core/errors';
import { newRunId } from '../../../core/runs/summary';
import { runPublishRecorded } from '../publish/pass';
import { sendPublish, sendPublishTimer } from './follow-ups';
import type { JobHandler, LaneMessageOf } from './job';
import { asFinishedBefore, countFailure, runPaced } from './outcomes';

export const publishJob: JobHandler<LaneMessageOf<'notion.publish'>> = async (job) => {
  const { deps, conn, message, opts, ctx, publishDeps } = job;
  if (!publishDeps) {
    deps.log?.('warn', 'publish message for a connection that publishes nothing: dropped', {
      tenantId: conn.tenantId,
    });
    return undefined;
  }
  // A duplicate delivery of a finished pass; a failed one is retried (its records say where it stopped).
  const done = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
  if (done?.status === 'succeeded') return asFinishedBefore(done);
  const pass = async () => {
    const { notion, brevo, stats } = ctx;
    const { run, result } = await runPublishRecorded(
      { ...publishDeps, notion, brevo, deadline: opts.deadline, runs: deps.runs, stats },
      { trigger: message.trigger, runId: message.runId },
    );
    if (result.more) await sendPublish(deps, conn, newRunId(deps.clock), message.trigger, `${message.runId}:more`);
    if (result.wakeAt !== undefined) await sendPublishTimer(deps, conn, result.wakeAt);
    if (run) {
      const { runId, summary } = run;
      deps.log?.('info', 'publishing pass finished', { tenantId: conn.tenantId, runId, publish: summary.publish });
    }
    return run;
  };
  return runPaced(job.keepSpacing, pass, async (err) => {
    deps.log?.('error', 'publishing failed', {
      tenantId: conn.tenantId,
      reason: failureReason(err),
      ...(isInternalError(err) ? { stack: (err as Error).stack } : {}),
    });
    return countFailure(deps, message, err, opts);
  });
};
