/** The Notion lane's public face: queueing work into it, and the worker that runs its messages. */

export { failedRunOf, wasFinishedBefore } from '../jobs/outcomes';
export { PAGE_FETCH_BUDGET_MS } from '../jobs/pages-fetch';
export { type NotionLaneDeps, ParkLane } from './deps';
export { enqueueNotionSync, enqueueNotionUsersSync } from './enqueue';
export { handleNotionLaneMessage } from './worker';
