import { ProviderError } from '../errors';
import type { BrevoClient } from './client';

/**
 * A list as a config gives it: a number, or digits (what a `${LIST_ID}` substitution yields), is an
 * id; any other text is a name. Every reader of `sync_to_list` goes through here, so "25" is list 25
 * for a sync and for a webhook alike.
 */
export function brevoListRef(list: number | string): number | string {
  return typeof list === 'string' && /^\d+$/.test(list) ? Number(list) : list;
}

/** A Brevo list by id (checked) or by name (created in the "Tajo" folder when missing). */
export async function resolveBrevoList(brevo: BrevoClient, given: number | string): Promise<number> {
  const list = brevoListRef(given);
  const lists = await brevo.listLists();
  if (typeof list === 'number') {
    if (!lists.some((l) => l.id === list)) {
      throw new ProviderError('brevo', 404, 'document_not_found', `Brevo has no list with id ${list}`);
    }
    return list;
  }
  return brevo.ensureList(list, lists);
}
