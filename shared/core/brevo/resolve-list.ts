import { ProviderError } from '../errors';
import type { BrevoClient } from './client';

/** A Brevo list by id (checked) or by name (created in the "Tajo" folder when missing). */
export async function resolveBrevoList(brevo: BrevoClient, list: number | string): Promise<number> {
  const lists = await brevo.listLists();
  if (typeof list === 'number') {
    if (!lists.some((l) => l.id === list)) {
      throw new ProviderError('brevo', 404, 'document_not_found', `Brevo has no list with id ${list}`);
    }
    return list;
  }
  return brevo.ensureList(list, lists);
}
