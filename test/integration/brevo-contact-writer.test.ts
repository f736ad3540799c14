/**
 * The Brevo contact writer on its own, against the Brevo simulator, with fingerprints in dynalite:
 * the write path every source (Notion rows, Slack members) goes through.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator, MAX_LIST_MEMBERS_PER_CALL } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { BrevoClient } from '../../shared/core/brevo/client';
import type { ContactRow } from '../../shared/core/brevo/contact-rows';
import { BrevoContactWriter, type ContactWriterArgs, type ProgressEvent } from '../../shared/core/brevo/contact-writer';
import { sharedBrevoLimits } from '../../shared/core/brevo/limits';
import { newStats } from '../../shared/core/http/paced-fetch';
import { fingerprint } from '../../shared/core/mapping';
import { emptySummary } from '../../shared/core/runs/summary';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

interface Env {
  brevo: BrevoSimulator;
  simClock: SimClock;
  client: BrevoClient;
  store: DynamoRepositories;
  clock: VirtualClock;
  listId: number;
}

let current: Env | undefined;

afterEach(async () => {
  await current?.brevo.stop();
  current = undefined;
});

/** `importProcessingMs` runs on a frozen simulator clock: an import completes only when the test advances it. */
async function setup(opts: { importProcessingMs?: number } = {}): Promise<Env> {
  const apiKey = `xkeysib-${randomUUID()}`;
  const simClock = new SimClock();
  simClock.set(Date.parse('2026-11-22T10:00:00.000Z'));
  const brevo = new BrevoSimulator({
    apiKeys: [apiKey],
    limits: false,
    importProcessingMs: opts.importProcessingMs ?? 0,
    clock: simClock,
  });
  await brevo.start();
  brevo.addAttribute({ name: 'COMPANY', category: 'normal', type: 'text' });
  const listId = brevo.addList({ name: 'Writer test' }).id;
  const clock = new VirtualClock();
  const client = new BrevoClient({
    apiKey,
    baseUrl: brevo.baseUrl,
    clock,
    stats: newStats(),
    limits: sharedBrevoLimits(apiKey, clock),
  });
  const { store } = await freshStore();
  current = { brevo, simClock, client, store, clock, listId };
  return current;
}

function row(i: number, company = `Company ${i}`, listId?: number): ContactRow {
  const identifier = `person${i}@example.com`;
  const attributes = { FIRSTNAME: `Person${i}`, COMPANY: company };
  return {
    rowId: `row-${i}`,
    identifier,
    identifierType: 'email_id',
    attributes,
    fp: fingerprint({ identifier, attributes, listId: listId ?? null }),
  };
}

function rows(n: number, listId?: number): ContactRow[] {
  return Array.from({ length: n }, (_, i) => row(i, undefined, listId));
}

/** A writer for one run of the test source; each call reloads the stored fingerprints, as a new run does. */
async function open(env: Env, over: Partial<ContactWriterArgs> = {}) {
  const summary = emptySummary(over.mode ?? 'full');
  const events: ProgressEvent[] = [];
  const writer = await BrevoContactWriter.open({
    tenantId: 'acme',
    connector: 'notion',
    sourceId: 'test-source',
    title: 'Test source',
    brevo: env.client,
    cursors: env.store,
    clock: env.clock,
    mode: 'full',
    runId: `run-${String(env.clock.now()).padStart(16, '0')}-${randomUUID().slice(0, 4)}`,
    listId: env.listId,
    importFirstPollMs: 10,
    retriedBy: 'the next run',
    summary,
    onProgress: (e) => events.push(e),
    ...over,
  });
  return { writer, summary, events };
}

async function writeAll(env: Env, all: ContactRow[], over: Partial<ContactWriterArgs> = {}) {
  const run = await open(env, over);
  for (const r of all) run.writer.offer(r);
  const result = await run.writer.flush();
  env.clock.advance(1_000); // the next run starts later: run ids sort by start time
  return { ...run, result };
}

const imports = (env: Env) => env.brevo.log.count({ route: 'POST /v3/contacts/import' });
const upserts = (env: Env) => env.brevo.log.count({ route: 'POST /v3/contacts' });

test('up to upsertThreshold changed rows are upserted one by one; one more goes through one import', async () => {
  const env = await setup();
  const small = await writeAll(env, rows(20, env.listId));
  expect(small.events.filter((e) => e.type === 'flush')).toEqual([
    { type: 'flush', title: 'Test source', rows: 20, via: 'upsert' },
  ]);
  expect([upserts(env), imports(env)]).toEqual([20, 0]);
  expect(small.summary).toMatchObject({ upserted: 20, failed: 0 });

  env.brevo.log.clear();
  const changed = rows(21, env.listId).map((r) => row(Number(r.rowId.slice(4)), 'Renamed', env.listId));
  const big = await writeAll(env, changed);
  expect(big.events.filter((e) => e.type === 'flush')).toEqual([
    { type: 'flush', title: 'Test source', rows: 21, via: 'import' },
  ]);
  expect([upserts(env), imports(env)]).toEqual([0, 1]);
  expect(big.result).toEqual({ written: 21, unconfirmed: 0, importTimeout: undefined });
  expect(env.brevo.listMembers(env.listId)).toHaveLength(21);
  expect(env.brevo.getContact('person20@example.com')?.attributes).toMatchObject({ COMPANY: 'Renamed' });
});

test('without a list every changed row is upserted (Brevo needs a list to import into)', async () => {
  const env = await setup();
  const run = await writeAll(env, rows(30), { listId: undefined });
  expect([upserts(env), imports(env)]).toEqual([30, 0]);
  expect(run.summary.upserted).toBe(30);
});

test('unchanged rows are skipped by fingerprint; only the changed one is written', async () => {
  const env = await setup();
  await writeAll(env, rows(30, env.listId));
  env.brevo.log.clear();

  const again = await writeAll(env, rows(30, env.listId));
  expect(again.summary).toMatchObject({ upserted: 0, unchanged: 30 });
  expect(env.brevo.log.records.filter((r) => r.method !== 'GET')).toEqual([]);

  const one = rows(30, env.listId);
  one[7] = row(7, 'Moved on', env.listId);
  const third = await writeAll(env, one);
  expect(third.summary).toMatchObject({ upserted: 1, unchanged: 29 });
  expect(upserts(env)).toBe(1);
});

test('removals leave the list at most 150 identifiers a call, and the rows are forgotten', async () => {
  const env = await setup();
  await writeAll(env, rows(400, env.listId));
  expect(env.brevo.listMembers(env.listId)).toHaveLength(400);
  env.brevo.log.clear();

  // A full run that sees none of them: all 400 vanished.
  const { writer, summary } = await open(env);
  await writer.remove(writer.vanished());
  const calls = env.brevo.log.records.filter((r) => r.route === 'POST /v3/contacts/lists/:id/contacts/remove');
  expect(calls.map((c) => (c.body as { emails: string[] }).emails.length)).toEqual([150, 150, 100]);
  expect(Math.max(...calls.map((c) => (c.body as { emails: string[] }).emails.length))).toBeLessThanOrEqual(
    MAX_LIST_MEMBERS_PER_CALL,
  );
  expect(summary.removed).toBe(400);
  expect(env.brevo.listMembers(env.listId)).toHaveLength(0);
  // Forgotten: written again as new rows, not counted unchanged.
  const back = await writeAll(env, rows(3, env.listId));
  expect(back.summary).toMatchObject({ upserted: 3, unchanged: 0 });
});

test('the set_attribute removal policy flags the contact and leaves it in the list', async () => {
  const env = await setup();
  env.brevo.addAttribute({ name: 'GONE', category: 'normal', type: 'boolean' });
  await writeAll(env, rows(3, env.listId));
  const { writer } = await open(env, { onRemove: { set_attribute: 'gone', value: true } });
  await writer.remove([writer.previous('row-1')!]);
  expect(env.brevo.getContact('person1@example.com')?.attributes).toMatchObject({ GONE: true });
  expect(env.brevo.listMembers(env.listId)).toHaveLength(3);
});

test('a full run marks kept rows seen, so only rows it did not see vanish', async () => {
  const env = await setup();
  await writeAll(env, rows(5, env.listId));
  const { writer } = await open(env);
  for (const r of rows(3, env.listId)) writer.offer(r); // unchanged
  writer.keep('row-3'); // still in the source, failing to map this time
  await writer.flush();
  expect(writer.vanished().map((f) => f.rowId)).toEqual(['row-4']);
});

test('an identifier change leaves the old contact out of the list', async () => {
  const env = await setup();
  await writeAll(env, rows(2, env.listId));
  const renamed: ContactRow = { ...row(0, undefined, env.listId), identifier: 'new0@example.com', fp: 'changed' };
  await writeAll(env, [renamed]);
  expect(env.brevo.listMembers(env.listId).sort()).toEqual(['new0@example.com', 'person1@example.com']);
});

// Issue 10 changed this: a refusal naming one attribute used to fail the whole contact.
test('Brevo refusing one value (400 naming its attribute): the contact is written without it, a field error', async () => {
  const env = await setup();
  env.brevo.addContact({ email: 'owner@example.com', attributes: { SMS: '+33612345678' } });
  const batch = rows(3, env.listId);
  // The phone number belongs to another contact: Brevo answers 400 duplicate_parameter naming SMS.
  const attributes = { ...batch[1]!.attributes, SMS: '+33612345678' };
  batch[1] = {
    ...batch[1]!,
    attributes,
    fp: fingerprint({ identifier: batch[1]!.identifier, attributes, listId: env.listId }),
    sources: { SMS: 'Phone' },
  };
  const run = await writeAll(env, batch);
  expect(run.summary).toMatchObject({ upserted: 3, failed: 0, fieldErrors: 1 });
  expect(run.summary.errors).toEqual([
    {
      pageId: 'row-1',
      property: 'Phone',
      attribute: 'SMS',
      kind: 'field',
      reason: expect.stringMatching(
        /^SMS: Brevo refused the value \(400 duplicate_parameter: .*SMS is already associated/,
      ),
    },
  ]);
  expect(env.brevo.getContact('person1@example.com')?.attributes).toMatchObject({
    FIRSTNAME: 'Person1',
    COMPANY: 'Company 1',
  });
  expect(env.brevo.getContact('person1@example.com')?.attributes.SMS).toBeUndefined();
  expect(env.brevo.listMembers(env.listId)).toContain('person1@example.com');
  expect(run.result).toMatchObject({ written: 3, unconfirmed: 0 });

  // Stored as written (without SMS), so the next run tries the phone again and reports it again.
  const next = await writeAll(env, batch);
  expect(next.summary).toMatchObject({ upserted: 1, unchanged: 2, fieldErrors: 1 });
  // Once the other contact lets go of the number, the phone reaches this contact.
  await env.client.updateContact('owner@example.com', 'email_id', { attributes: { SMS: '+33699999999' } });
  const fixed = await writeAll(env, batch);
  expect(fixed.summary).toMatchObject({ upserted: 1, unchanged: 2, fieldErrors: 0 });
  expect(env.brevo.getContact('person1@example.com')?.attributes.SMS).toBe('+33612345678');
  const after = await writeAll(env, batch);
  expect(after.summary).toMatchObject({ upserted: 0, unchanged: 3 });
});

test('an EXT_ID beside the email that another contact holds is left out (Brevo names it "ext_id")', async () => {
  const env = await setup();
  env.brevo.addContact({ email: 'owner@example.com', ext_id: 'CUS-1' });
  const base = row(0, undefined, env.listId);
  const attributes = { ...base.attributes, EXT_ID: 'CUS-1' };
  const withExt: ContactRow = {
    ...base,
    attributes,
    fp: fingerprint({ identifier: base.identifier, attributes, listId: env.listId }),
    sources: { EXT_ID: 'Customer ID' },
  };
  const run = await writeAll(env, [withExt]);
  expect(run.summary).toMatchObject({ upserted: 1, failed: 0, fieldErrors: 1 });
  expect(run.summary.errors).toEqual([
    expect.objectContaining({ property: 'Customer ID', attribute: 'EXT_ID', kind: 'field' }),
  ]);
  expect(env.brevo.getContact('person0@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Person0' });
});

test('two rows with the same phone in one import: the second is written without it, a field error; nothing is left unconfirmed', async () => {
  const env = await setup();
  const withPhone = (r: ContactRow, sms: string): ContactRow => {
    const attributes = { ...r.attributes, SMS: sms };
    return {
      ...r,
      attributes,
      fp: fingerprint({ identifier: r.identifier, attributes, listId: env.listId }),
      sources: { SMS: 'Phone' },
    };
  };
  const batch = rows(25, env.listId).map((r, i) => withPhone(r, `+3361234${String(5600 + i)}`));
  // A shared switchboard number: Brevo keeps a phone on one contact only.
  batch[7] = withPhone(batch[7]!, batch[3]!.attributes.SMS as string);
  const run = await writeAll(env, batch);
  expect(imports(env)).toBe(1);
  expect(run.summary).toMatchObject({ upserted: 25, failed: 0, fieldErrors: 1, warnings: [] });
  expect(run.result).toMatchObject({ written: 25, unconfirmed: 0 });
  expect(run.summary.errors).toEqual([
    {
      pageId: 'row-7',
      property: 'Phone',
      attribute: 'SMS',
      kind: 'field',
      reason:
        'SMS: record row-3 has the same number ("+33•••••••03") and Brevo keeps it on one contact only; the contact is written without it',
    },
  ]);
  expect(env.brevo.getContact('person3@example.com')?.attributes.SMS).toBe(batch[3]!.attributes.SMS);
  expect(env.brevo.getContact('person7@example.com')?.attributes).toMatchObject({ FIRSTNAME: 'Person7' });
  expect(env.brevo.getContact('person7@example.com')?.attributes.SMS).toBeUndefined();
  expect(env.brevo.listMembers(env.listId)).toHaveLength(25);
  // The next run: nothing to write, the duplicate reported again.
  const next = await writeAll(env, batch);
  expect(next.summary).toMatchObject({ upserted: 0, unchanged: 25, fieldErrors: 1 });
});

test('Brevo refusing a contact (400) for no attribute of the row fails that row with its reason; the others are written', async () => {
  const env = await setup();
  const batch = rows(3, env.listId);
  env.brevo.failNext(
    1,
    { status: 400, body: { code: 'invalid_parameter', message: 'Contact refused' } },
    'POST /v3/contacts',
  );
  const run = await writeAll(env, batch);
  expect(run.summary).toMatchObject({ upserted: 2, failed: 1, fieldErrors: 0 });
  expect(run.summary.errors).toEqual([
    { pageId: 'row-0', reason: 'Brevo error on contact p•••@example.com (400 invalid_parameter): Contact refused' },
  ]);
  // Not fingerprinted: the next run tries it again, the others are unchanged.
  const next = await writeAll(env, batch);
  expect(next.summary).toMatchObject({ unchanged: 2, upserted: 1, failed: 0 });
});

test('rows an import report skips are counted as failed, with a warning, and are not fingerprinted', async () => {
  const env = await setup();
  const batch = rows(25, env.listId);
  batch[3] = { ...batch[3]!, identifier: 'not-an-email' };
  const run = await writeAll(env, batch);
  expect(run.summary).toMatchObject({ upserted: 24, failed: 1 });
  expect(run.summary.warnings).toEqual([expect.stringMatching(/skipped rows \(invalid_emails=1\).*the next run$/)]);
  expect(run.result).toMatchObject({ written: 24, unconfirmed: 1 });
  // Brevo does not say which row it skipped: the whole chunk is written again next time.
  const next = await writeAll(env, rows(25, env.listId));
  expect(next.summary).toMatchObject({ upserted: 25, unchanged: 0 });
});

test('an import still running at the deadline: its rows are reported not confirmed, and written again', async () => {
  const env = await setup({ importProcessingMs: 60 * 60_000 });
  const started = env.clock.now();
  const run = await writeAll(env, rows(30, env.listId), { deadline: started + 90_000 });
  // The wait stopped before the deadline (30 s of margin), not after importTimeoutMs (10 min).
  expect(env.clock.now() - 1_000).toBeLessThanOrEqual(started + 60_000);
  expect(run.result).toMatchObject({ written: 0, unconfirmed: 30 });
  expect(run.result.importTimeout?.code).toBe('import_timeout');
  expect(run.summary).toMatchObject({ upserted: 0, failed: 30 });
  expect(run.summary.warnings).toEqual([expect.stringMatching(/still \w+ after 60 s: its 30 rows are not confirmed/)]);

  // Brevo finishes the import later; the rows were not fingerprinted, so they are not lost.
  env.simClock.advance(60 * 60_000);
  expect(env.brevo.listMembers(env.listId)).toHaveLength(30);
  const next = await open(env);
  expect(rows(30, env.listId).map((r) => next.writer.offer(r))).toEqual(Array(30).fill('queued'));
});

test('a full run does not sweep rows whose rewrite is unconfirmed at the deadline', async () => {
  const env = await setup({ importProcessingMs: 60 * 60_000 });
  const first = await writeAll(env, rows(25, env.listId), { listId: undefined });
  expect(first.summary.upserted).toBe(25);
  const changed = Array.from({ length: 25 }, (_, i) => row(i, 'Changed', env.listId));
  const { writer, summary } = await open(env, { deadline: env.clock.now() + 60_000 });
  for (const r of changed) writer.offer(r);
  const result = await writer.flush();
  expect(result.unconfirmed).toBe(25);
  expect(summary.failed).toBe(25);
  // Seen by this run (nothing vanished), still pointing at the list they were sent to, old fingerprints kept.
  expect(writer.vanished()).toEqual([]);
  expect(writer.previous('row-0')).toMatchObject({ listId: env.listId, fp: first.writer.previous('row-0')?.fp });
});

test('with the set_attribute policy, a row moved to another list leaves the old list and is not flagged', async () => {
  const env = await setup();
  env.brevo.addAttribute({ name: 'GONE', category: 'normal', type: 'boolean' });
  const policy = { onRemove: { set_attribute: 'gone', value: true } } as const;
  await writeAll(env, rows(2, env.listId), policy);
  const newList = env.brevo.addList({ name: 'Writer test 2' }).id;
  await writeAll(env, rows(2, newList), { ...policy, listId: newList });
  expect(env.brevo.listMembers(env.listId)).toEqual([]);
  expect(env.brevo.listMembers(newList).sort()).toEqual(['person0@example.com', 'person1@example.com']);
  expect(env.brevo.getContact('person0@example.com')?.attributes.GONE).toBeUndefined();
});

test('with the set_attribute policy, an identifier change flags the old contact (its row left under that identity)', async () => {
  const env = await setup();
  env.brevo.addAttribute({ name: 'GONE', category: 'normal', type: 'boolean' });
  const policy = { onRemove: { set_attribute: 'gone', value: true } } as const;
  await writeAll(env, rows(1, env.listId), policy);
  const renamed: ContactRow = { ...row(0, undefined, env.listId), identifier: 'new0@example.com', fp: 'changed' };
  await writeAll(env, [renamed], policy);
  expect(env.brevo.getContact('person0@example.com')?.attributes).toMatchObject({ GONE: true });
  expect(env.brevo.getContact('new0@example.com')?.attributes.GONE).toBeUndefined();
});
