/**
 * What the mapping plan does with what this version cannot handle (issue 10 item 3: "a new
 * property, block or event type is counted as unsupported and reported, never a crash"):
 * - a Notion property of a type it cannot read (button, or one Notion adds later), named by the
 *   mapping: left out with a warning naming the database and the path; as the contact's key, refused;
 * - a Brevo attribute the account has but of a kind it cannot write (BrevoClient.readAttributes'
 *   `unsupported`), targeted by the mapping: left out with a warning saying so, never "create it";
 * - unmapped ones never matter; a row value of a type it does not know reads as empty.
 */

import { parseConfig } from '../../shared/app/config';
import type { SchemaProperty } from '../../shared/connectors/notion/client';
import type { NotionPropertyValue } from '../../shared/connectors/notion/mapping/values';
import { buildPlan, mapRow } from '../../shared/connectors/notion/sync/mapping-plan';
import type { UnsupportedAttribute } from '../../shared/core/brevo/client';
import { ConfigError } from '../../shared/core/errors';
import type { BrevoAttribute } from '../../shared/core/mapping/types';

const ATTRIBUTES: BrevoAttribute[] = [
  { name: 'FIRSTNAME', category: 'normal', type: 'text' },
  { name: 'COMPANY', category: 'normal', type: 'text' },
];
const UNSUPPORTED: UnsupportedAttribute[] = [{ name: 'LOYALTY', reason: 'unsupported attribute type "points"' }];

function schema(extra: Record<string, string> = {}): Record<string, SchemaProperty> {
  const types: Record<string, string> = { Email: 'email', Name: 'title', Company: 'rich_text', ...extra };
  return Object.fromEntries(Object.entries(types).map(([name, type], i) => [name, { id: `p${i}`, type, name }]));
}

/** The database as the config loader makes it from the short form `Property: ATTRIBUTE`. */
function database(mapping: Record<string, string> | undefined) {
  const lines = Object.entries(mapping ?? {}).map(([k, v]) => `          ${k}: ${v}`);
  const yaml = `brevo: { api_key: xkeysib-x }
connectors:
  notion:
    token: ntn_x
    databases:
      - id: "5c6a28216bb14a7eb6e1c50111c4d9e1"
${mapping ? `        field_mapping:\n${lines.join('\n')}\n` : ''}`;
  const db = parseConfig(yaml, {}).connectors.notion?.databases[0];
  if (!db) throw new Error('no database');
  return db;
}

function plan(mapping: Record<string, string> | undefined, s = schema(), unsupported = UNSUPPORTED) {
  return buildPlan({
    databaseIndex: 0,
    database: database(mapping),
    title: 'Customers',
    schema: s,
    attributes: ATTRIBUTES,
    unsupported,
  });
}

function refusal(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the plan to be refused');
}

const PATH = 'connectors.notion.databases[0].field_mapping';

test.each(['button', 'xyz'])(
  'a mapped %s property is left out with a warning naming it; the rest is planned',
  (type) => {
    const p = plan({ Email: 'email', Name: 'FIRSTNAME', Action: 'COMPANY' }, schema({ Action: type }));
    expect(p.fields.map((f) => f.property)).toEqual(['Email', 'Name']);
    expect(p.warnings).toEqual([
      `database "Customers": ${PATH}.Action: "Action" is a ${type} property in Notion, which this version cannot read: it is left out of the sync (remove it from the mapping)`,
    ]);
  },
);

test('a property of a type this version cannot read, as the contact key, is refused with its path', () => {
  const issues = refusal(() => plan({ Contact: 'email', Name: 'FIRSTNAME' }, schema({ Contact: 'xyz' })));
  expect(issues).toEqual([
    {
      path: `${PATH}.Contact`,
      message: '"Contact" is a xyz property in Notion, which this version cannot read: map another property to EMAIL',
    },
  ]);
});

test('a mapping that targets an attribute of a kind Brevo added later: a warning, not "create it", not a refusal', () => {
  const p = plan({ Email: 'email', Company: 'LOYALTY', Name: 'FIRSTNAME' });
  expect(p.fields.map((f) => f.target)).toEqual(['EMAIL', 'FIRSTNAME']);
  expect(p.warnings).toEqual([
    `database "Customers": ${PATH}.Company: Brevo attribute LOYALTY is of a kind this version cannot write (unsupported attribute type "points"): "Company" is left out of the sync`,
  ]);
  // An attribute Brevo really does not have is still refused, as before.
  const issues = refusal(() => plan({ Email: 'email', Company: 'NOPE' }));
  expect(issues[0]?.message).toMatch(/^Brevo has no contact attribute NOPE: create it in Brevo/);
});

test('unmapped unknown properties and unsupported attributes never matter', () => {
  const p = plan({ Email: 'email', Name: 'FIRSTNAME' }, schema({ Action: 'button', Future: 'xyz' }));
  expect(p.warnings).toEqual([]);
  // Without a mapping (inferred from the names), a property of an unknown type named like an
  // attribute is simply not mapped.
  const inferred = plan(undefined, schema({ Firstname: 'xyz' }));
  expect(inferred.fields.map((f) => f.property)).toEqual(['Email', 'Company']);
  expect(inferred.warnings).toEqual([]);
});

test('a row whose value has a type this version does not know: no crash, the contact is written without it', () => {
  const p = plan({ Email: 'email', Name: 'FIRSTNAME', Company: 'COMPANY' });
  const properties: Record<string, NotionPropertyValue> = {
    Email: { id: 'p0', type: 'email', email: 'ada@example.com' },
    Name: { id: 'p1', type: 'title', title: [{ plain_text: 'Ada' }] },
    // The property changed type in Notion since the plan was made, to one Notion added later.
    Company: { id: 'p2', type: 'xyz', xyz: { anything: [1, 2] } },
    Future: { id: 'p9', type: 'unsupported' },
  };
  const res = mapRow('page-1', properties, p, 7);
  expect(res).toMatchObject({
    ok: true,
    row: { identifier: 'ada@example.com', attributes: { FIRSTNAME: 'Ada' } },
  });
  expect(res.ok && 'COMPANY' in res.row.attributes).toBe(false);
});
