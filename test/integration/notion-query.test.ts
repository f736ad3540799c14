/**
 * `query notion` without the CLI: the typed shorthand, sorts and the limit against the Notion
 * simulator, on both data-source (2025-09-03) and database (2022-06-28) endpoints.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, sandboxRow, sandboxSchema, seedSandbox } from '../../sandbox/sandbox';
import { NotionGateway } from '../../shared/connectors/notion/client';
import { parseFilterArg, parseSortArg, QueryArgError, queryNotionDatabase } from '../../shared/connectors/notion/query';
import { newStats } from '../../shared/core/http/paced-fetch';
import { systemClock } from '../../shared/core/ports';
import { sharedPacer } from '../../shared/core/ratelimit/pacer';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
const token = `secret_${randomUUID()}`;
const ROWS = 60;

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  brevo = new BrevoSimulator({ apiKeys: ['k'], limits: false });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows: ROWS, workspace: false });
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
});

function gateway(apiVersion: '2022-06-28' | '2025-09-03') {
  return new NotionGateway({
    token,
    apiVersion,
    baseUrl: notion.baseUrl,
    clock: systemClock,
    // A pacer of its own per test file: nothing else uses this token.
    pacer: sharedPacer(`test-${token}`, 1, systemClock),
    stats: newStats(),
  });
}

const schema = Object.fromEntries(
  Object.entries(sandboxSchema()).map(([name, p], i) => [name, { id: `p${i}`, type: p.type }]),
);

test.each(['2025-09-03', '2022-06-28'] as const)('filters AND-ed, sorted descending, limited (%s)', async (v) => {
  const expected = Array.from({ length: ROWS }, (_, i) => sandboxRow(i))
    .filter((r) => r.Status !== 'Lead' && (r.Seats as number) < 30 && (r.Interests as string[]).includes('events'))
    .sort((a, b) => (b.Seats as number) - (a.Seats as number));
  expect(expected.length).toBeGreaterThan(3);
  const res = await queryNotionDatabase(gateway(v), {
    databaseId: SANDBOX_DATABASE_ID,
    filters: ['Status!=Lead', 'Seats<30', 'Interests=events'],
    sorts: ['-Seats', 'Name'],
    limit: 3,
  });
  expect(res.rows.map((r) => Number(r.properties.Seats))).toEqual(expected.slice(0, 3).map((r) => r.Seats));
  expect(res.truncated).toBe(true);
  expect(res.title).toBe('Customers');

  const all = await queryNotionDatabase(gateway(v), {
    databaseId: SANDBOX_DATABASE_ID,
    filters: ['Status!=Lead', 'Seats<30', 'Interests=events'],
    sorts: [],
    limit: 100,
  });
  expect(all.rows).toHaveLength(expected.length);
  expect(all.truncated).toBe(false);
});

test('the shorthand is typed from the schema; wrong properties and operators are named', () => {
  expect(parseFilterArg('Newsletter=yes', schema)).toEqual({ property: 'Newsletter', checkbox: { equals: true } });
  expect(parseFilterArg('seats>5', schema)).toEqual({ property: 'Seats', number: { greater_than: 5 } });
  expect(parseFilterArg('Signup date<2026-03-01', schema)).toEqual({
    property: 'Signup date',
    date: { before: '2026-03-01' },
  });
  expect(parseFilterArg('Company~acme', schema)).toEqual({ property: 'Company', rich_text: { contains: 'acme' } });
  expect(parseFilterArg('Phone=', schema)).toEqual({ property: 'Phone', phone_number: { is_empty: true } });
  expect(parseFilterArg('{"or":[]}', schema)).toEqual({ or: [] });
  expect(parseSortArg('-created_time', schema)).toEqual({ timestamp: 'created_time', direction: 'descending' });

  expect(() => parseFilterArg('Stage=Won', schema)).toThrow(/no property "Stage"/);
  expect(() => parseFilterArg('Plan~Pro', schema)).toThrow(/"Plan" is of type select; "~" does not fit/);
  expect(() => parseFilterArg('Seats>many', schema)).toThrow(/expected a number, got "many"/);
  expect(() => parseFilterArg('Signup date>soon', schema)).toThrow(/ISO 8601/);
  expect(() => parseFilterArg('{bad', schema)).toThrow(QueryArgError);
  expect(() => parseSortArg('-Nope', schema)).toThrow(/--sort "-Nope": the data source has no property "Nope"/);
});
