/** `notion.users.sync`: the workspace users sync (sync.users), after a database run or on request. */
import { resolveBrevoList } from '../../../core/brevo/lists';
import { runNotionUsersRecorded } from '../users-sync';
import type { JobHandler, LaneMessageOf } from './job';
import { asFinishedBefore, countFailure, parkOnRateLimit } from './outcomes';

export const usersSyncJob: JobHandler<LaneMessageOf<'notion.users.sync'>> = async ({
  deps,
  conn,
  message,
  opts,
  ctx,
}) => {
  // Its own message (same group, so paced with the database steps) and its own deadline.
  const done = await deps.runs.getRun(message.tenantId, 'notion', message.runId);
  if (done?.status === 'succeeded') return asFinishedBefore(done);
  try {
    const list = conn.settings.users?.sync_to_list;
    const listId = list === undefined ? undefined : await resolveBrevoList(ctx.brevo, list);
    const usersCtx = { ...ctx, listId, mapping: conn.settings.users?.field_mapping, deadline: opts.deadline };
    return await runNotionUsersRecorded(usersCtx, message);
  } catch (err) {
    parkOnRateLimit(err);
    deps.log?.('error', 'Notion users sync failed', { tenantId: conn.tenantId, reason: (err as Error).message });
    return countFailure(deps, message, err, opts);
  }
};
