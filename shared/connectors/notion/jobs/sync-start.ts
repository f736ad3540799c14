/** `notion.sync.start`: a database run's first step (a new run, or a dead one's resumed checkpoint). */
import { startOrResumeRun } from '../sync/database-sync';
import type { JobHandler, LaneMessageOf } from './job';
import { laneOwner } from './job';
import { runSyncStep } from './sync-step';

export const syncStartJob: JobHandler<LaneMessageOf<'notion.sync.start'>> = async (job) => {
  const { deps, message, ctx } = job;
  // A start delivered again (after a park or a failed attempt) resumes the run it began.
  let run = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
  // A new start (poll, API, webhook) after a run that died resumes that run's checkpoint under
  // this message's run id (issue 12 §2); a run a live worker or CLI holds is left to it.
  run ??= (
    await startOrResumeRun(ctx, {
      mode: message.mode,
      trigger: message.trigger,
      runId: message.runId,
      restart: message.restart === true,
      owner: laneOwner(),
      whenBusy: 'start',
    })
  ).run;
  return runSyncStep(job, run, 0);
};
