/** `notion.pages.fetch`: pages Notion's webhooks reported changed, fetched from the tenant's inbox. */
import { TajoError } from '../../../core/errors';
import type { MarkerStore, WebhookSubscriptionStore } from '../../../core/ports';
import { enqueueNotionSync } from '../lane/enqueue';
import type { NotionLaneMessage } from '../lane/messages';
import { isOwnPageWrite } from '../rules/brevo-to-notion';
import { normaliseDatabaseId } from '../rules/ingress';
import { handleNotionPagesFetch } from '../webhooks/inbox-fetch';
import type { JobHandler, LaneMessageOf, NotionJob } from './job';
import { isPermanent, runPaced } from './outcomes';

/**
 * A webhook-driven page's in-process budget: its fetch and event never retry longer, so a page
 * that keeps failing gives up within seconds and goes out of the FIFO group's way (a message of
 * its own, then lane-retry.ts) instead of holding every other event of the tenant for minutes.
 * An event of the same tenant can wait behind it twice (the batch, then the page's own message),
 * and must reach Brevo within 10 s (issue 12 §4): 3 s, about four attempts of the retry policy
 * (a page failing 40% of the time gets through in one message 97% of the time, else in the next).
 */
export const PAGE_FETCH_BUDGET_MS = 3_000;

export const pagesFetchJob: JobHandler<LaneMessageOf<'notion.pages.fetch'>> = async (job) => {
  const { deps, conn, keepSpacing } = job;
  const { webhooks, markers } = deps;
  if (!webhooks || !markers) throw new TajoError('the page inbox is not wired into this worker', 'bad_setup');
  const fetch = async () => {
    const res = await fetchPages(job, { webhooks, markers });
    // Unreadable pages were left out of the batch (one error each): logged where they can be found.
    deps.log?.(res.failed > 0 ? 'warn' : 'info', 'Notion webhook pages fetched', { tenantId: conn.tenantId, ...res });
  };
  await runPaced(keepSpacing, fetch, async (err) => {
    // A page event not sent stays in the inbox (entries are removed after the chunk), so the
    // retry fetches it again; dedupe markers keep the events already sent from repeating.
    if (!isPermanent(err)) throw err;
    deps.log?.('error', 'Notion webhook pages failed', { tenantId: conn.tenantId, reason: (err as Error).message });
  });
  return undefined;
};

function fetchPages(
  { deps, conn, message, ctx }: NotionJob<LaneMessageOf<'notion.pages.fetch'>>,
  { webhooks, markers }: { webhooks: WebhookSubscriptionStore; markers: MarkerStore },
) {
  const pageWrites = (conn.settings.rules ?? []).length > 0 ? deps.pageWrites : undefined;
  return handleNotionPagesFetch({
    tenantId: conn.tenantId,
    settings: conn.settings,
    brevo: ctx.brevo,
    notion: ctx.notion,
    markers,
    webhooks,
    cursors: deps.cursors,
    clock: deps.clock,
    queueSync: (dedupeKey) =>
      enqueueNotionSync(deps, { tenantId: conn.tenantId, mode: 'incremental', trigger: 'webhook', dedupeKey }),
    queueMore: async (dedupeKey) => {
      const more: NotionLaneMessage = { type: 'notion.pages.fetch', tenantId: conn.tenantId };
      await deps.lane.send('notionLane', [
        {
          body: JSON.stringify(more),
          groupId: conn.integrationKey,
          deduplicationId: `${conn.tenantId}:pages:${dedupeKey}`,
        },
      ]);
    },
    pages: message.pages,
    pageBudgetMs: PAGE_FETCH_BUDGET_MS,
    queueStuck: async (entry) => {
      const stuck: NotionLaneMessage = { type: 'notion.pages.fetch', tenantId: conn.tenantId, pages: [entry] };
      await deps.lane.send('notionLane', [
        {
          body: JSON.stringify(stuck),
          groupId: conn.integrationKey,
          deduplicationId: `${conn.tenantId}:stuck:${entry.pageId}:${entry.version}`.slice(0, 128),
        },
      ]);
    },
    isOwnWrite: pageWrites
      ? async (page, databaseId) =>
          isOwnPageWrite(await pageWrites.getPageWrite(conn.tenantId, normaliseDatabaseId(databaseId), page.id), page)
      : undefined,
  });
}
