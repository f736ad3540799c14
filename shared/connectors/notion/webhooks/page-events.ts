/** Page changes as Brevo events, one per (page, last_edited_time), shared by webhooks and the sync (see index.ts). */
import type { BrevoClient, BrevoEvent } from '../../../core/brevo/client';
import type { Fingerprint, MarkerStore } from '../../../core/ports';
import type { NotionPage } from '../client';
import type { NotionConnectorConfig } from '../config-schema';

/** Page events sent: longer than the poll overlap and any redelivery of one edit. */
const PAGE_EVENT_TTL_S = 30 * 86_400;

// ------------------------------------------------------------------ page events

export interface PageChange {
  page: NotionPage;
  kind: 'created' | 'updated' | 'deleted';
  /** Names of the changed properties, when known (webhook property ids mapped through the page). */
  changedProperties?: string[];
  /** The row's contact, when the page is a synced database row Brevo knows. */
  identifier?: Pick<Fingerprint, 'identifier' | 'identifierType'>;
  /** The synced database the row belongs to (as configured), when known. */
  database?: { id: string; title: string };
}

export interface PageEventDeps {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  brevo: BrevoClient;
  markers: MarkerStore;
}

/**
 * Sends one Brevo event for a page change unless this edit (page id, last_edited_time) was sent
 * already. Returns what happened. The marker is claimed first (the webhook path and the poller
 * may meet the same edit) and released when Brevo refuses, so a retry can send it.
 */
export async function emitPageEvent(
  deps: PageEventDeps,
  change: PageChange,
): Promise<'sent' | 'duplicate' | 'no_identifier'> {
  const identifiers = identifiersFor(change.identifier, deps.settings);
  if (!identifiers) return 'no_identifier';
  const { page } = change;
  // Trashing a page keeps its last_edited_time: its removal is an event of its own, sent once.
  const key = `npev#${page.id}#${page.last_edited_time}${change.kind === 'deleted' ? '#deleted' : ''}`;
  if (!(await deps.markers.claimMarker(deps.tenantId, key, PAGE_EVENT_TTL_S))) return 'duplicate';
  const editor = (page as { last_edited_by?: { id?: string; name?: string } }).last_edited_by;
  const event: BrevoEvent = {
    event_name: `notion_page_${change.kind}`,
    identifiers,
    event_properties: {
      page_id: page.id,
      title: pageTitle(page),
      ...(page.url ? { url: page.url } : {}),
      ...(change.changedProperties ? { changed_properties: change.changedProperties } : {}),
      ...(change.database ? { database_id: change.database.id, database: change.database.title } : {}),
      ...(editor?.id ? { editor: { id: editor.id, ...(editor.name ? { name: editor.name } : {}) } } : {}),
    },
    event_date: page.last_edited_time,
  };
  try {
    await deps.brevo.createEvent(event);
  } catch (err) {
    await deps.markers.releaseMarker(deps.tenantId, key).catch(() => undefined);
    throw err;
  }
  return 'sent';
}

function identifiersFor(
  row: PageChange['identifier'],
  settings: Omit<NotionConnectorConfig, 'token'>,
): BrevoEvent['identifiers'] | undefined {
  if (row) return { [row.identifierType]: row.identifier };
  const account = settings.pages?.event_identifier;
  if (!account) return undefined;
  return Object.fromEntries(Object.entries(account).filter(([, v]) => v !== undefined));
}

export function pageTitle(page: NotionPage): string {
  for (const value of Object.values(page.properties)) {
    if (value.type !== 'title') continue;
    const parts = (value as { title?: { plain_text?: string }[] }).title ?? [];
    return parts.map((t) => t.plain_text ?? '').join('');
  }
  return '';
}
