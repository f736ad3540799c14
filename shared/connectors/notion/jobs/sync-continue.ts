/** `notion.sync.continue`: the next step of a database run, from the checkpoint in its record. */
import type { JobHandler, LaneMessageOf } from './job';
import { runSyncStep } from './sync-step';

export const syncContinueJob: JobHandler<LaneMessageOf<'notion.sync.continue'>> = async (job) => {
  const { deps, message } = job;
  const run = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
  return runSyncStep(job, run, message.step);
};
