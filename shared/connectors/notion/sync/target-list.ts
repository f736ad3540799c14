/**
 * A scoped run's target list (the SDK's `connectors.sync('notion', {targetList})`): once the run's
 * rows are written, every contact the databases it read keep (their fingerprints: rows written by
 * this run and before) joins that Brevo list. The configured list (sync_to_list) is left as it is:
 * the contact writer moves a contact whose list changes, and the next scheduled run would move it
 * back, so the run adds to the target list instead of moving contacts for one run.
 *
 * Joining is idempotent (Brevo answers "already in list" for a repeat): a step that fails here is
 * retried from its checkpoint and joins again.
 */
import { ProviderError } from '../../../core/errors';
import type { Fingerprint, SyncSummary } from '../../../core/ports';
import type { SourceState } from './checkpoint';
import type { NotionSyncContext } from './sync-context';

/** Puts the sources' contacts in `listId`; a contact Brevo does not have is counted in a warning. */
export async function joinTargetList(
  ctx: NotionSyncContext,
  sources: SourceState[],
  listId: number,
  summary: SyncSummary,
): Promise<void> {
  const contacts: Fingerprint[] = [];
  for (const src of sources) {
    if (src.contacts === false) continue; // publish-only: its rows are not contacts
    if (src.listId === listId) continue; // written into that list already (a database outside the config)
    contacts.push(...(await ctx.cursors.loadFingerprints(ctx.tenantId, 'notion', src.sourceId)).values());
  }
  const ids = (type: Fingerprint['identifierType']) =>
    contacts.filter((c) => c.identifierType === type).map((c) => c.identifier);
  let missing = (await ctx.brevo.addToList(listId, { emails: ids('email_id'), extIds: ids('ext_id') })).length;
  for (const phone of ids('phone_id')) {
    // The list endpoints take emails and ext ids only: a phone-keyed contact joins by update.
    try {
      await ctx.brevo.updateContact(phone, 'phone_id', { listIds: [listId] });
    } catch (err) {
      if (!(err instanceof ProviderError && err.status === 404)) throw err;
      missing += 1;
    }
  }
  if (missing > 0) {
    summary.warnings.push(
      `${missing} of ${contacts.length} contacts are not in Brevo and did not join list ${listId} (targetList)`,
    );
  }
}
