/**
 * Issue 10, item 5: one bad value never costs the contact. Notion rows with a local phone, a bad
 * date, an over-long phone and a text Brevo refuses are written through the real write path
 * (Notion and Brevo simulators, fingerprints in dynalite): the contact, its other attributes and
 * its list membership are there; each bad value is a field error; the counts add up; a fixed value
 * is written on the next run.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { NotionSimulator } from '../../sandbox/notion';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import { runToCompletion } from '../../shared/connectors/notion/sync/database-sync';
import type { RowError } from '../../shared/core/ports';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const T0 = Date.parse('2026-11-22T09:00:30.000Z');
const DATABASE_ID = '3b2c1d0e9f8a4b7c8d6e5f4a3b2c1d0e';
const LIST = 'Field errors';

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  clock: VirtualClock;
  token: string;
  apiKey: string;
  pageIds: string[];
}

let current: Env | undefined;

afterEach(async () => {
  await Promise.all([current?.notion.stop(), current?.brevo.stop()]);
  current = undefined;
});

function person(i: number): Record<string, unknown> {
  return {
    Name: `Person ${i}`,
    Email: `person${i}@example.com`,
    Phone: `+33 6 12 34 56 ${String(i).padStart(2, '0')}`,
    Birthday: `1990-01-${String((i % 28) + 1).padStart(2, '0')}`,
    Notes: `Met at event ${i}`,
    Seats: i + 1,
  };
}

async function setup(rows: number, defaultCountryCode?: string): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const simClock = new SimClock();
  simClock.set(T0);
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false, clock: simClock });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  const db = notion.addDatabase({
    id: DATABASE_ID,
    title: 'Contacts',
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      Phone: { type: 'phone_number' },
      // Typed by hand: nothing stops "next spring" from being written.
      Birthday: { type: 'rich_text' },
      Notes: { type: 'rich_text' },
      Seats: { type: 'number' },
    },
  });
  const ds = db.dataSources[0]!;
  const pages = notion.addPages(
    ds.id,
    Array.from({ length: rows }, (_, i) => ({ properties: person(i) })),
    { start: T0 - (rows + 5) * 60_000, stepMs: 60_000 },
  );
  brevo.addAttribute({ name: 'BIRTHDAY', category: 'normal', type: 'date' });
  brevo.addAttribute({ name: 'NOTES', category: 'normal', type: 'text' });
  brevo.addAttribute({ name: 'SEATS', category: 'normal', type: 'float' });
  const { store } = await freshStore();
  current = { notion, brevo, store, clock: new VirtualClock(), token, apiKey, pageIds: pages.map((p) => p.id) };
  yamlCountry = defaultCountryCode;
  return current;
}

let yamlCountry: string | undefined;

function yaml(): string {
  return `brevo:
  api_key: unused
connectors:
  notion:
    enabled: true
    token: unused
${yamlCountry ? `    default_country_code: "${yamlCountry}"\n` : ''}    databases:
      - id: "${DATABASE_ID}"
        name: Contacts
        sync_to_list: ${LIST}
        field_mapping:
          Email: { type: email, target: email }
          Name: { type: title, target: FIRSTNAME }
          Phone: { type: phone_number, target: SMS }
          Birthday: { type: rich_text, target: BIRTHDAY }
          Notes: { type: rich_text, target: NOTES }
          Seats: { type: number, target: SEATS }
`;
}

function sync(env: Env, mode: 'full' | 'incremental' = 'full', onFlush?: () => void) {
  const config = parseConfig(yaml(), {});
  const { token: _t, ...settings } = config.connectors.notion!;
  const ctx = buildNotionContext({
    tenantId: 'acme',
    settings,
    notionToken: env.token,
    brevoApiKey: env.apiKey,
    cursors: env.store,
    runs: env.store,
    clock: env.clock,
    endpoints: { notionBaseUrl: env.notion.baseUrl, brevoBaseUrl: env.brevo.baseUrl },
    options: { importFirstPollMs: 10 },
  });
  if (onFlush) ctx.onProgress = (e) => (e.type === 'flush' ? onFlush() : undefined);
  const run = runToCompletion(ctx, { mode, trigger: 'cli' });
  env.clock.advance(60_000);
  return run;
}

const listId = (env: Env) => env.brevo.lists().find((l) => l.name === LIST)!.id;
const contact = (i: number) => current!.brevo.getContact(`person${i}@example.com`);
const byRow = (errors: RowError[]) => new Map(errors.map((e) => [e.pageId, e]));

test('a local phone, a bad date and an over-long phone are left out; the contacts, their other attributes and list membership are written', async () => {
  const env = await setup(10);
  env.notion.updatePage(env.pageIds[1]!, { Phone: '06 23 85 26 63' }); // no country code, no default
  env.notion.updatePage(env.pageIds[2]!, { Birthday: 'next spring' });
  env.notion.updatePage(env.pageIds[3]!, { Phone: '+33 6 12 34 56 78 90 12 34 56' }); // 21 digits
  env.notion.updatePage(env.pageIds[4]!, { Email: 'not-an-email' }); // the only identifier: the row fails
  const run = await sync(env);

  expect(run.status).toBe('succeeded');
  expect(run.summary).toMatchObject({ pagesRead: 10, upserted: 9, unchanged: 0, failed: 1, fieldErrors: 3 });
  // The counts add up: every row read is written, unchanged or failed; field errors are apart.
  expect(run.summary.upserted + run.summary.unchanged + run.summary.failed).toBe(run.summary.pagesRead);

  const errors = byRow(run.summary.errors);
  expect(errors.get(env.pageIds[1]!)).toEqual({
    pageId: env.pageIds[1],
    property: 'Phone',
    attribute: 'SMS',
    kind: 'field',
    reason:
      'SMS: phone number "06 •• •• •• 63" has no country code: write it as +<country code><number>, or set default_country_code',
  });
  expect(errors.get(env.pageIds[2]!)).toMatchObject({
    property: 'Birthday',
    attribute: 'BIRTHDAY',
    kind: 'field',
    reason: 'BIRTHDAY: expected a date, got "next spring"',
  });
  expect(errors.get(env.pageIds[3]!)).toMatchObject({ property: 'Phone', attribute: 'SMS', kind: 'field' });
  expect(errors.get(env.pageIds[3]!)?.reason).toMatch(/^SMS: invalid phone number "\+33 •/);
  expect(errors.get(env.pageIds[4]!)).toEqual({
    pageId: env.pageIds[4],
    property: 'Email',
    reason: 'invalid email address "no•-••-•••il"',
  });
  // No reason shows a phone or an email whole.
  const all = JSON.stringify(run.summary.errors);
  expect(all).not.toContain('06 23 85 26 63');
  expect(all).not.toContain('not-an-email');

  // Written without the bad value, with everything else.
  expect(contact(1)?.attributes).toMatchObject({
    FIRSTNAME: 'Person 1',
    BIRTHDAY: '1990-01-02',
    NOTES: 'Met at event 1',
    SEATS: 2,
  });
  expect(contact(1)?.attributes.SMS).toBeUndefined();
  expect(contact(2)?.attributes).toMatchObject({ FIRSTNAME: 'Person 2', SMS: '+33612345602', NOTES: 'Met at event 2' });
  expect(contact(2)?.attributes.BIRTHDAY).toBeUndefined();
  expect(contact(3)?.attributes).toMatchObject({ FIRSTNAME: 'Person 3', BIRTHDAY: '1990-01-04' });
  expect(contact(3)?.attributes.SMS).toBeUndefined();
  expect(env.brevo.listMembers(listId(env)).sort()).toEqual(
    [0, 1, 2, 3, 5, 6, 7, 8, 9].map((i) => `person${i}@example.com`).sort(),
  );

  // Still bad on the next run: reported again, not rewritten.
  const again = await sync(env);
  expect(again.summary).toMatchObject({ upserted: 0, unchanged: 9, failed: 1, fieldErrors: 3 });

  // Fixed in Notion: written again with the value (the fingerprint is of what was written).
  env.notion.updatePage(env.pageIds[1]!, { Phone: '+33 6 23 85 26 63' });
  env.notion.updatePage(env.pageIds[2]!, { Birthday: '1985-04-05' });
  const fixed = await sync(env);
  expect(fixed.summary).toMatchObject({ upserted: 2, unchanged: 7, failed: 1, fieldErrors: 1 });
  expect(fixed.summary.errors.map((e) => e.pageId).sort()).toEqual([env.pageIds[3], env.pageIds[4]].sort());
  expect(contact(1)?.attributes.SMS).toBe('+33623852663');
  expect(contact(2)?.attributes.BIRTHDAY).toBe('1985-04-05');
});

test('with default_country_code the local phone is normalised, not an error', async () => {
  const env = await setup(3, '33');
  env.notion.updatePage(env.pageIds[1]!, { Phone: '06 23 85 26 63' });
  const run = await sync(env);
  expect(run.summary).toMatchObject({ upserted: 3, failed: 0, fieldErrors: 0 });
  expect(contact(1)?.attributes.SMS).toBe('+33623852663');
});

test('many changed rows go through an import: the field errors are the same, the contacts all written', async () => {
  const env = await setup(40);
  for (const i of [5, 15, 25]) env.notion.updatePage(env.pageIds[i]!, { Phone: '(212) 555-0142' });
  const run = await sync(env);
  expect(env.brevo.log.count({ route: 'POST /v3/contacts/import' })).toBe(1);
  expect(run.summary).toMatchObject({ upserted: 40, failed: 0, fieldErrors: 3 });
  expect(env.brevo.listMembers(listId(env))).toHaveLength(40);
  expect(contact(15)?.attributes).toMatchObject({ FIRSTNAME: 'Person 15', NOTES: 'Met at event 15' });
});

test('a text Brevo refuses (an over-long note: 400 naming NOTES) is left out; the contact is written', async () => {
  const env = await setup(2);
  await sync(env);
  env.notion.updatePage(env.pageIds[0]!, { Notes: 'x'.repeat(5_000), Seats: 9 });
  // Brevo documents no length limit for text attributes: its 400 naming the attribute is what tells.
  const run = await sync(env, 'incremental', () =>
    env.brevo.failNext(
      1,
      { status: 400, body: { code: 'invalid_parameter', message: 'Invalid value for attribute NOTES: too long' } },
      'POST /v3/contacts',
    ),
  );
  expect(run.summary).toMatchObject({ upserted: 1, failed: 0, fieldErrors: 1 });
  expect(run.summary.errors).toEqual([
    {
      pageId: env.pageIds[0],
      property: 'Notes',
      attribute: 'NOTES',
      kind: 'field',
      reason:
        'NOTES: Brevo refused the value (400 invalid_parameter: Invalid value for attribute NOTES: too long); the contact is written without it',
    },
  ]);
  expect(contact(0)?.attributes).toMatchObject({ SEATS: 9, NOTES: 'Met at event 0' });
});
