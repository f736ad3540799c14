/**
 * The Notion lane's jobs: one handler per lane message type, dispatched through this table (a new
 * message type without a handler does not compile). What they share is built once, here.
 */
import { runWithDeadline } from '../../../core/http/retry-policy';
import type { ConnectionRecord, RunRecord } from '../../../core/ports';
import type { NotionLaneDeps } from '../lane/deps';
import type { NotionLaneMessage } from '../lane/messages';
import { documentsJob } from './documents';
import { buildJob, type JobHandler, type LaneMessageOf, type NotionJobType } from './job';
import { pagesFetchJob } from './pages-fetch';
import { publishJob } from './publish';
import { rulesApplyJob } from './rules-apply';
import { syncContinueJob } from './sync-continue';
import { syncStartJob } from './sync-start';
import { usersSyncJob } from './users-sync';

const NOTION_JOBS: { [T in NotionJobType]: JobHandler<LaneMessageOf<T>> } = {
  'notion.sync.start': syncStartJob,
  'notion.sync.continue': syncContinueJob,
  'notion.users.sync': usersSyncJob,
  'notion.pages.fetch': pagesFetchJob,
  'notion.rules.apply': rulesApplyJob,
  'notion.documents.import': documentsJob,
  'notion.documents.resync': documentsJob,
  'notion.publish': publishJob,
};

/**
 * Runs a lane message's job for its connection. No provider call of it retries past the
 * invocation's deadline (retry-policy.ts); webhook-driven page fetches have a short budget per page
 * on top (PAGE_FETCH_BUDGET_MS).
 */
export function runNotionJob(
  deps: NotionLaneDeps,
  conn: ConnectionRecord,
  message: NotionLaneMessage,
  opts: { deadline: number; lastAttempt: boolean },
): Promise<RunRecord | undefined> {
  return runWithDeadline(opts.deadline, async () => {
    const job = await buildJob(deps, conn, message, opts);
    return (NOTION_JOBS[message.type] as JobHandler)(job);
  });
}
