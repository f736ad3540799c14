/**
 * `sync.pages: true` for the sync engine: the page changes a run reports become Brevo events
 * through `emitPageEvent` (the webhook path's function and dedupe markers), wherever the sync runs
 * (the CLI, the lane after a poll or a webhook). Counted in the run's summary; what is not sent is
 * a warning there, never silent.
 */
import { failureReason } from '../../../core/errors';
import { emitPageEvent, type PageEventDeps } from '../webhooks/page-events';
import type { NotionSyncContext } from './sync-context';

/** "This page was announced as created" (a row that fails to map is new to the sync at every edit). */
const CREATED_TTL_S = 365 * 86_400;

export function pageEventSender(deps: PageEventDeps): NonNullable<NotionSyncContext['onPageChanges']> {
  return async (changes, source, summary) => {
    let sent = 0;
    let withoutContact = 0;
    const failed: string[] = [];
    for (const change of changes) {
      try {
        let kind = change.kind;
        if (
          kind === 'created' &&
          !(await deps.markers.claimMarker(deps.tenantId, `npnew#${change.page.id}`, CREATED_TTL_S))
        )
          kind = 'updated';
        const outcome = await emitPageEvent(deps, {
          page: change.page,
          kind,
          identifier: change.identifier,
          database: { id: source.databaseId, title: source.title },
        });
        if (outcome === 'sent') sent += 1;
        else if (outcome === 'no_identifier') withoutContact += 1;
      } catch (err) {
        failed.push(failureReason(err));
      }
    }
    summary.events = (summary.events ?? 0) + sent;
    if (withoutContact > 0) {
      summary.warnings.push(
        `${source.title}: ${withoutContact} page change${withoutContact === 1 ? '' : 's'} sent no event: ` +
          'the row was never written as a contact; set connectors.notion.pages.event_identifier to send them under one contact',
      );
    }
    if (failed.length > 0) {
      summary.warnings.push(
        `${source.title}: ${failed.length} page event${failed.length === 1 ? '' : 's'} not sent (${failed[0]}); ` +
          'the rows are synced, these events are not retried',
      );
    }
  };
}
