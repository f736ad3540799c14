/**
 * The default mapping of a Notion database synced outside connectors.notion.databases (the SDK's
 * scoped sync into a targetList) and the line naming the Brevo lists a wrong list id could be.
 */
import type { SchemaProperty } from '../../shared/connectors/notion/client';
import { defaultMapping, describeDefaultMapping } from '../../shared/connectors/notion/sync/default-mapping';
import { buildPlan, mapRow } from '../../shared/connectors/notion/sync/mapping-plan';
import { listsLine } from '../../shared/connectors/notion/sync/sync-step';
import type { BrevoAttribute } from '../../shared/core/mapping/types';

const text = (name: string): BrevoAttribute => ({ name, category: 'normal', type: 'text' });
const ATTRIBUTES = [text('FIRSTNAME'), text('LASTNAME'), text('COMPANY')];

function schema(props: Record<string, string>): Record<string, SchemaProperty> {
  return Object.fromEntries(Object.entries(props).map(([name, type], i) => [name, { id: `p${i}`, type, name }]));
}

function plan(props: Record<string, string>, attributes = ATTRIBUTES) {
  const s = schema(props);
  return buildPlan({
    databaseIndex: 0,
    database: { id: '0'.repeat(32), sync_to_list: 7, on_remove: 'remove_from_list' },
    title: 'Prospects',
    schema: s,
    attributes,
    defaults: defaultMapping(s, attributes),
  });
}

const value = (type: string, content: string) =>
  type === 'email'
    ? { id: 'x', type, email: content }
    : { id: 'x', type, [type]: [{ type: 'text', plain_text: content, text: { content } }] };

test('an email property keys the contact before a text property named Email', () => {
  const p = plan({ Name: 'title', Email: 'rich_text', Work: 'email' });
  expect(p.fields.filter((f) => f.identifier === 'EMAIL').map((f) => f.property)).toEqual(['Work']);
});

test('without one, a text property named Email or E-mail keys it; never a number named so', () => {
  expect(plan({ Name: 'title', 'E-mail': 'rich_text' }).key).toBe('EMAIL');
  expect(plan({ Name: 'title', 'Email address': 'url' }).key).toBe('EMAIL');
  expect(() => plan({ Name: 'title', Email: 'number' })).toThrow(/has no email property/);
});

test('the title splits into FIRSTNAME and LASTNAME, unless a property maps them or Brevo lacks one', () => {
  const p = plan({ Name: 'title', Email: 'email', Company: 'rich_text' });
  expect(p.fields.map((f) => [f.property, f.target, f.part])).toEqual([
    ['Email', 'EMAIL', undefined],
    ['Company', 'COMPANY', undefined],
    ['Name', 'FIRSTNAME', 'first'],
    ['Name', 'LASTNAME', 'last'],
  ]);
  const row = mapRow(
    'page-1',
    { Name: value('title', 'Ada King Lovelace'), Email: value('email', 'ada@example.com') } as never,
    p,
    7,
  );
  expect(row).toMatchObject({ ok: true, row: { attributes: { FIRSTNAME: 'Ada King', LASTNAME: 'Lovelace' } } });
  expect(describeDefaultMapping('Prospects', p)).toContain(
    '(Email → email, Company → COMPANY, Name → FIRSTNAME/LASTNAME (split))',
  );
  // A property named like the attribute is the person's choice: the title is left alone.
  const own = plan({ Name: 'title', Email: 'email', Firstname: 'rich_text' });
  expect(own.fields.map((f) => f.property)).toEqual(['Email', 'Firstname']);
  const noLastName = plan({ Name: 'title', Email: 'email' }, [text('FIRSTNAME')]);
  expect(noLastName.fields.map((f) => f.property)).toEqual(['Email']);
});

test('a row without an email is a row error; the others map', () => {
  const p = plan({ Name: 'title', Email: 'email' });
  const row = mapRow('page-2', { Name: value('title', 'Nobody'), Email: value('email', '') } as never, p, 7);
  expect(row).toMatchObject({ ok: false, errors: [{ pageId: 'page-2', reason: expect.stringMatching(/no email/) }] });
});

test('a missing list names the first ten lists by id, and where to see them all', () => {
  const lists = Array.from({ length: 12 }, (_, i) => ({ id: 12 - i, name: `L${12 - i}` }));
  expect(listsLine(lists)).toBe(
    'it has 1 (L1), 2 (L2), 3 (L3), 4 (L4), 5 (L5), 6 (L6), 7 (L7), 8 (L8), 9 (L9), 10 (L10), and 2 more; ' +
      'Brevo shows them under Contacts → Lists (GET /v3/contacts/lists)',
  );
  expect(listsLine([])).toMatch(/^the account has no list yet: create one/);
});
