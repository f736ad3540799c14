/**
 * A config's list reference, read the same by every sync and webhook: digits are an id (a `${LIST_ID}`
 * substitution gives text), other text a name created when missing.
 */

import type { BrevoClient } from '../../shared/core/brevo/client';
import { brevoListRef, resolveBrevoList } from '../../shared/core/brevo/lists';

function brevoWith(ids: number[]) {
  const created: string[] = [];
  const brevo = {
    listLists: async () => ids.map((id) => ({ id, name: `List ${id}` })),
    ensureList: async (name: string) => {
      created.push(name);
      return 99;
    },
  } as unknown as BrevoClient;
  return { brevo, created };
}

test('a number or digits is an id; other text is a name', () => {
  expect(brevoListRef(25)).toBe(25);
  expect(brevoListRef('25')).toBe(25);
  expect(brevoListRef('Shopify contacts')).toBe('Shopify contacts');
  expect(brevoListRef('25 customers')).toBe('25 customers');
});

test('"25" is list 25, checked, never a new list named "25"', async () => {
  const { brevo, created } = brevoWith([25]);
  expect(await resolveBrevoList(brevo, '25')).toBe(25);
  await expect(resolveBrevoList(brevoWith([3]).brevo, '25')).rejects.toThrow('Brevo has no list with id 25');
  expect(await resolveBrevoList(brevo, 'Newsletter')).toBe(99);
  expect(created).toEqual(['Newsletter']);
});
