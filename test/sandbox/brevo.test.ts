import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrevoSimulator, type BrevoSimulatorOptions } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';

const KEY = 'xkeysib-sandbox';

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted structurally
  body: any;
  headers: Headers;
}

async function call(
  sim: BrevoSimulator,
  method: string,
  path: string,
  body?: unknown,
  opts: { key?: string | null; raw?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers['api-key'] = key;
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.baseUrl}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

describe('BrevoSimulator', () => {
  let sim: BrevoSimulator;
  let clock: SimClock;

  async function boot(options: BrevoSimulatorOptions = {}): Promise<BrevoSimulator> {
    clock = new SimClock();
    clock.set(Date.parse('2026-11-22T10:00:00.000Z'));
    sim = new BrevoSimulator({ clock, limits: false, ...options });
    await sim.start();
    return sim;
  }

  afterEach(async () => {
    await sim?.stop();
  });

  describe('auth and plumbing', () => {
    it('requires a known api-key', async () => {
      await boot();
      const none = await call(sim, 'GET', '/v3/account', undefined, { key: null });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ code: 'unauthorized', message: 'Key not found' });
      expect((await call(sim, 'GET', '/v3/account', undefined, { key: 'xkeysib-wrong' })).status).toBe(401);
      const ok = await call(sim, 'GET', '/v3/account');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ email: expect.any(String), plan: expect.any(Array) });
    });

    it('answers bad JSON, unknown routes and injected failures in Brevo error shape', async () => {
      await boot();
      const bad = await call(sim, 'POST', '/v3/contacts', undefined, { raw: '{nope' });
      expect(bad).toMatchObject({ status: 400, body: { code: 'bad_request', message: 'Invalid JSON' } });
      expect((await call(sim, 'GET', '/v3/nothing')).body.code).toBe('not_found');
      sim.failNext(2, { status: 500, body: { code: 'internal', message: 'boom' } });
      expect((await call(sim, 'GET', '/v3/account')).status).toBe(500);
      expect((await call(sim, 'GET', '/v3/account')).status).toBe(500);
      expect((await call(sim, 'GET', '/v3/account')).status).toBe(200);
    });
  });

  describe('rate limits', () => {
    it('refuses the 11th /v3/contacts request in a 1 s window and sends x-sib-ratelimit headers', async () => {
      await boot({ limits: {} });
      for (let i = 0; i < 10; i++) {
        const r = await call(sim, 'GET', '/v3/contacts?limit=1');
        expect(r.status).toBe(200);
        expect(r.headers.get('x-sib-ratelimit-limit')).toBe('10');
        expect(r.headers.get('x-sib-ratelimit-remaining')).toBe(String(9 - i));
        expect(r.headers.get('x-sib-ratelimit-reset')).toBe('1');
      }
      // POST /v3/contacts shares the bucket (all /v3/contacts* paths).
      const refused = await call(sim, 'POST', '/v3/contacts', { email: 'a@example.com' });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('too_many_requests');
      expect(refused.headers.get('x-sib-ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('retry-after')).toBeNull();
      // Events have their own bucket.
      const ev = await call(sim, 'POST', '/v3/events', { event_name: 'x', identifiers: { email_id: 'a@example.com' } });
      expect(ev.status).toBe(204);
      expect(ev.headers.get('x-sib-ratelimit-limit')).toBe('10');
      clock.advance(1000);
      expect((await call(sim, 'POST', '/v3/contacts', { email: 'a@example.com' })).status).toBe(201);
      expect(sim.stats().rateLimited).toBe(1);
      expect(sim.stats().byRoute['GET /v3/contacts']).toBe(10);
    });

    it('puts /v3/processes, /v3/account and campaigns in the hourly "other endpoints" bucket', async () => {
      await boot({ limits: { otherPerHour: 3 } });
      const list = sim.addList({ name: 'L' });
      const imp = await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [{ email: 'a@example.com' }],
        listIds: [list.id],
      });
      expect(imp.status).toBe(202);
      const p1 = await call(sim, 'GET', `/v3/processes/${imp.body.processId}`);
      expect(p1.status).toBe(200);
      expect(p1.headers.get('x-sib-ratelimit-limit')).toBe('3');
      expect(p1.headers.get('x-sib-ratelimit-reset')).toBe('3600');
      expect((await call(sim, 'GET', '/v3/account')).status).toBe(200);
      expect((await call(sim, 'GET', `/v3/processes/${imp.body.processId}`)).status).toBe(200);
      const refused = await call(sim, 'GET', `/v3/processes/${imp.body.processId}`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('x-sib-ratelimit-reset'))).toBe(3600);
      expect((await call(sim, 'POST', '/v3/emailCampaigns', {})).status).toBe(429);
      clock.advance(3_600_000);
      expect((await call(sim, 'GET', `/v3/processes/${imp.body.processId}`)).status).toBe(200);
    });
  });

  describe('contacts', () => {
    it('upserts: 201 {id} on create, 400 duplicate without updateEnabled, 204 without body on update', async () => {
      await boot();
      const list = sim.addList({ name: 'Newsletter' });
      const created = await call(sim, 'POST', '/v3/contacts', {
        email: 'Ada@Example.com',
        attributes: { FIRSTNAME: 'Ada' },
        listIds: [list.id],
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(Number) });
      const dup = await call(sim, 'POST', '/v3/contacts', { email: 'ada@example.com' });
      expect(dup.status).toBe(400);
      expect(dup.body.code).toBe('duplicate_parameter');
      const upd = await call(sim, 'POST', '/v3/contacts', {
        email: 'ada@example.com',
        updateEnabled: true,
        attributes: { LASTNAME: 'Lovelace' },
      });
      expect(upd.status).toBe(204);
      expect(upd.body).toBeUndefined();
      const got = await call(sim, 'GET', '/v3/contacts/ADA%40example.com');
      expect(got.body).toMatchObject({
        id: created.body.id,
        email: 'ada@example.com',
        attributes: { FIRSTNAME: 'Ada', LASTNAME: 'Lovelace' },
        listIds: [list.id],
      });
      expect(sim.listMembers(list.id)).toEqual(['ada@example.com']);
      expect((await call(sim, 'POST', '/v3/contacts', { attributes: { FIRSTNAME: 'x' } })).body.code).toBe(
        'missing_parameter',
      );
      expect((await call(sim, 'POST', '/v3/contacts', { email: 'not-an-email' })).body).toEqual({
        code: 'invalid_parameter',
        message: 'Invalid email address',
      });
      expect((await call(sim, 'POST', '/v3/contacts', { email: 'b@example.com', listIds: [999] })).status).toBe(400);
    });

    it('updates by identifierType, changes email via attributes.EMAIL and reports 404 for unknown contacts', async () => {
      await boot();
      sim.addContact({ email: 'a@example.com', ext_id: 'notion-1' });
      sim.addContact({ email: 'b@example.com' });
      const put = await call(sim, 'PUT', '/v3/contacts/notion-1?identifierType=ext_id', {
        attributes: { EMAIL: 'a2@example.com', FIRSTNAME: 'A' },
      });
      expect(put.status).toBe(204);
      expect(sim.getContact('a2@example.com')?.attributes.FIRSTNAME).toBe('A');
      const clash = await call(sim, 'PUT', '/v3/contacts/b@example.com', { attributes: { EMAIL: 'a2@example.com' } });
      expect(clash.status).toBe(400);
      expect(clash.body.metadata).toEqual({ duplicate_identifiers: ['email'] });
      expect((await call(sim, 'PUT', '/v3/contacts/nobody@example.com', { attributes: {} })).body.code).toBe(
        'document_not_found',
      );
      expect((await call(sim, 'GET', '/v3/contacts/notion-1')).status).toBe(400);
      expect((await call(sim, 'DELETE', '/v3/contacts/b@example.com')).status).toBe(204);
      expect(sim.getContact('b@example.com')).toBeUndefined();
    });

    it('rejects a phone number already used by another contact, and malformed numbers', async () => {
      await boot();
      const a = await call(sim, 'POST', '/v3/contacts', {
        email: 'a@example.com',
        attributes: { SMS: '+33612345678' },
      });
      expect(a.status).toBe(201);
      const b = await call(sim, 'POST', '/v3/contacts', {
        email: 'b@example.com',
        attributes: { SMS: '0033612345678' },
      });
      expect(b.status).toBe(400);
      expect(b.body).toEqual({
        code: 'duplicate_parameter',
        message: 'Unable to update contact, SMS is already associated with another Contact',
        metadata: { duplicate_identifiers: ['SMS'] },
      });
      expect(sim.getContact('b@example.com')).toBeUndefined();
      const bad = await call(sim, 'POST', '/v3/contacts', {
        email: 'c@example.com',
        attributes: { SMS: '0612345678' },
      });
      expect(bad.body).toEqual({ code: 'invalid_parameter', message: 'Invalid phone number' });
      // SMS alone identifies a contact; GET accepts a + number without identifierType.
      expect((await call(sim, 'POST', '/v3/contacts', { attributes: { SMS: '4915112345678' } })).status).toBe(201);
      expect((await call(sim, 'GET', '/v3/contacts/%2B4915112345678')).status).toBe(200);
      expect((await call(sim, 'GET', '/v3/contacts/4915112345678?identifierType=phone_id')).status).toBe(200);
    });

    it('rejects dates that are not YYYY-MM-DD with 400', async () => {
      await boot();
      sim.addAttribute({ name: 'BIRTHDAY', category: 'normal', type: 'date' });
      for (const value of ['05.04.1984', '2026-11-22T10:00:00Z', '1984-02-30']) {
        const r = await call(sim, 'POST', '/v3/contacts', { email: 'a@example.com', attributes: { BIRTHDAY: value } });
        expect(r.status).toBe(400);
        expect(r.body).toEqual({ code: 'invalid_parameter', message: 'Invalid date format for attribute BIRTHDAY' });
      }
      expect(sim.getContact('a@example.com')).toBeUndefined();
      await call(sim, 'POST', '/v3/contacts', { email: 'a@example.com', attributes: { BIRTHDAY: '1984-04-05' } });
      expect(sim.getContact('a@example.com')?.attributes.BIRTHDAY).toBe('1984-04-05');
    });

    it('silently ignores mismatched types and unknown attributes, and records them', async () => {
      await boot();
      sim.addAttribute({ name: 'AGE', category: 'normal', type: 'float' });
      sim.addAttribute({ name: 'VIP', category: 'normal', type: 'boolean' });
      sim.addAttribute({
        name: 'TIER',
        category: 'category',
        enumeration: [
          { value: 1, label: 'Gold' },
          { value: 2, label: 'Silver' },
        ],
      });
      const r = await call(sim, 'POST', '/v3/contacts', {
        email: 'a@example.com',
        attributes: { AGE: '42', VIP: 'true', FIRSTNAME: 7, firstname: 'lower', NICKNAME: 'x', TIER: 2 },
      });
      expect(r.status).toBe(201);
      expect(sim.getContact('a@example.com')?.attributes).toEqual({ TIER: 'Silver' });
      expect(sim.ignoredAttributeValues.map((i) => [i.attribute, i.reason])).toEqual([
        ['AGE', 'type mismatch: expected float'],
        ['VIP', 'type mismatch: expected boolean'],
        ['FIRSTNAME', 'type mismatch: expected text'],
        ['firstname', 'unknown attribute'],
        ['NICKNAME', 'unknown attribute'],
      ]);
      expect(sim.ignoredAttributeValues[0]).toMatchObject({ email: 'a@example.com', value: '42', source: 'create' });
      await call(sim, 'PUT', '/v3/contacts/a@example.com', { attributes: { AGE: 42, VIP: true, TIER: 'Gold' } });
      expect(sim.getContact('a@example.com')?.attributes).toEqual({ AGE: 42, VIP: true, TIER: 'Gold' });
    });

    it('accepts multiple-choice values only from the declared options', async () => {
      await boot();
      const created = await call(sim, 'POST', '/v3/contacts/attributes/normal/interests', {
        type: 'multiple-choice',
        multiCategoryOptions: ['Sales', 'Tech'],
      });
      expect(created.status).toBe(201);
      const attrs = await call(sim, 'GET', '/v3/contacts/attributes');
      expect(attrs.body.attributes).toContainEqual({
        name: 'INTERESTS',
        category: 'normal',
        type: 'multiple-choice',
        multiCategoryOptions: ['Sales', 'Tech'],
      });
      const ok = await call(sim, 'POST', '/v3/contacts', {
        email: 'a@example.com',
        attributes: { INTERESTS: ['Sales', 'Tech'] },
      });
      expect(ok.status).toBe(201);
      expect(sim.getContact('a@example.com')?.attributes.INTERESTS).toEqual(['Sales', 'Tech']);
      const bad = await call(sim, 'PUT', '/v3/contacts/a@example.com', { attributes: { INTERESTS: ['Sales', 'Ops'] } });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_parameter');
      expect(bad.body.message).toContain('Ops');
      await call(sim, 'PUT', '/v3/contacts/a@example.com', { attributes: { INTERESTS: 'Sales' } });
      expect(sim.getContact('a@example.com')?.attributes.INTERESTS).toEqual(['Sales', 'Tech']);
      expect(sim.ignoredAttributeValues.at(-1)).toMatchObject({ attribute: 'INTERESTS', value: 'Sales' });
    });

    it('enforces the category/type combinations when creating attributes', async () => {
      await boot();
      const post = (path: string, body: unknown) => call(sim, 'POST', `/v3/contacts/attributes/${path}`, body);
      expect((await post('normal/COLOR', { type: 'category' })).status).toBe(400);
      expect((await post('category/COLOR', {})).body.code).toBe('missing_parameter');
      expect((await post('transactional/TAGS', { type: 'multiple-choice', multiCategoryOptions: ['a'] })).status).toBe(
        400,
      );
      expect((await post('normal/ORDER_ID', { type: 'id' })).status).toBe(400);
      expect((await post('normal/AGE', { type: 'float', enumeration: [{ value: 1, label: 'x' }] })).status).toBe(400);
      expect((await post('weird/AGE', { type: 'float' })).status).toBe(400);
      expect((await post('transactional/ORDER_ID', { type: 'id' })).status).toBe(201);
      expect((await post('category/COLOR', { enumeration: [{ value: 1, label: 'Red' }] })).status).toBe(201);
      expect((await post('normal/FIRSTNAME', { type: 'text' })).status).toBe(400);
    });
  });

  describe('import', () => {
    it('runs queued → processing → completed on the sim clock and applies rows atomically', async () => {
      await boot({ importProcessingMs: 1000 });
      sim.addAttribute({ name: 'BIRTHDAY', category: 'normal', type: 'date' });
      const list = sim.addList({ name: 'Imported' });
      sim.addContact({ email: 'old@example.com', attributes: { FIRSTNAME: 'Old', LASTNAME: 'Keep' } });
      const res = await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [
          { email: 'new@example.com', attributes: { FIRSTNAME: 'New', BIRTHDAY: '2000-01-31' } },
          { email: 'OLD@example.com', attributes: { FIRSTNAME: 'Renamed', LASTNAME: '' } },
          { email: 'broken', attributes: { FIRSTNAME: 'X' } },
          { email: 'dated@example.com', attributes: { BIRTHDAY: '31/01/2000', FIRSTNAME: 'D' } },
          { email: 'new@example.com', attributes: { FIRSTNAME: 'Second' } },
          { email: 'sms@example.com', attributes: { SMS: '+4915112345678' }, ext_id: 'n-9' },
        ],
        listIds: [list.id],
      });
      expect(res.status).toBe(202);
      const id = res.body.processId;
      // The published process object: fields without a value yet are null, not absent.
      expect((await call(sim, 'GET', `/v3/processes/${id}`)).body).toEqual({
        id,
        status: 'queued',
        name: 'IMPORTUSER',
        created_at: expect.any(String),
        completed_at: null,
        info: null,
        error: null,
        export_url: null,
      });
      expect(sim.getContact('new@example.com')).toBeUndefined();
      clock.advance(600);
      expect((await call(sim, 'GET', `/v3/processes/${id}`)).body.status).toBe('processing');
      expect(sim.getContact('new@example.com')).toBeUndefined();
      clock.advance(400);
      const done = await call(sim, 'GET', `/v3/processes/${id}`);
      expect(done.body).toMatchObject({
        status: 'completed',
        info: { import: { invalid_emails: 1, duplicate_email_id: 1 } },
        completed_at: expect.any(String),
        error: null,
      });
      expect(sim.getContact('new@example.com')?.attributes).toEqual({ FIRSTNAME: 'New', BIRTHDAY: '2000-01-31' });
      // emptyContactsAttributes defaults to false: '' leaves LASTNAME as it was.
      expect(sim.getContact('old@example.com')?.attributes).toEqual({ FIRSTNAME: 'Renamed', LASTNAME: 'Keep' });
      expect(sim.getContact('dated@example.com')?.attributes).toEqual({ FIRSTNAME: 'D' });
      expect(sim.getContact('sms@example.com')).toMatchObject({ ext_id: 'n-9', attributes: { SMS: '+4915112345678' } });
      expect(sim.listMembers(list.id).sort()).toEqual([
        'dated@example.com',
        'new@example.com',
        'old@example.com',
        'sms@example.com',
      ]);
      expect(sim.getProcess(id)?.report).toMatchObject({ created: 3, updated: 1, skippedValues: 1, skippedRows: 2 });
      expect(sim.ignoredAttributeValues).toContainEqual(
        expect.objectContaining({ email: 'dated@example.com', attribute: 'BIRTHDAY', reason: 'invalid date format' }),
      );
    });

    it('leaves existing contacts untouched with updateExistingContacts=false and clears with emptyContactsAttributes', async () => {
      await boot({ importProcessingMs: 0 });
      const list = sim.addList({ name: 'L' });
      sim.addContact({ email: 'old@example.com', attributes: { FIRSTNAME: 'Old', LASTNAME: 'Keep' } });
      await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [
          { email: 'old@example.com', attributes: { FIRSTNAME: 'Changed' } },
          { email: 'fresh@example.com', attributes: { FIRSTNAME: 'Fresh' } },
        ],
        listIds: [list.id],
        updateExistingContacts: false,
      });
      expect(sim.getContact('old@example.com')?.attributes.FIRSTNAME).toBe('Old');
      expect(sim.getContact('fresh@example.com')?.attributes.FIRSTNAME).toBe('Fresh');
      expect(sim.listMembers(list.id).sort()).toEqual(['fresh@example.com', 'old@example.com']);

      await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [{ email: 'old@example.com', attributes: { LASTNAME: '' } }],
        listIds: [list.id],
        emptyContactsAttributes: true,
      });
      expect(sim.getContact('old@example.com')?.attributes).toEqual({ FIRSTNAME: 'Old' });
    });

    it('imports a ;-separated fileBody into a new list and converts CSV values', async () => {
      await boot({ importProcessingMs: 0 });
      sim.addAttribute({ name: 'AGE', category: 'normal', type: 'float' });
      const csv = 'EMAIL;FIRSTNAME;AGE\na@example.com;Ann;41\n"b@example.com";"B; ""Bee""";x\n';
      const res = await call(sim, 'POST', '/v3/contacts/import', { fileBody: csv, newList: { listName: 'From CSV' } });
      expect(res.status).toBe(202);
      const list = sim.lists().find((l) => l.name === 'From CSV');
      expect(list).toBeDefined();
      expect(sim.getContact('a@example.com')?.attributes).toEqual({ FIRSTNAME: 'Ann', AGE: 41 });
      expect(sim.getContact('b@example.com')?.attributes).toEqual({ FIRSTNAME: 'B; "Bee"' });
      expect(sim.listMembers(list!.id)).toHaveLength(2);
    });

    it('refuses bodies over 10 MB, missing destinations and ambiguous sources', async () => {
      await boot();
      const list = sim.addList({ name: 'L' });
      const huge = await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [{ email: 'a@example.com', attributes: { FIRSTNAME: 'x'.repeat(10_000_000) } }],
        listIds: [list.id],
      });
      expect(huge.status).toBe(400);
      expect(huge.body.code).toBe('out_of_range');
      expect(huge.body.message).toContain('10MB');
      const noDest = await call(sim, 'POST', '/v3/contacts/import', { jsonBody: [{ email: 'a@example.com' }] });
      expect(noDest.body.code).toBe('missing_parameter');
      const two = await call(sim, 'POST', '/v3/contacts/import', {
        jsonBody: [{ email: 'a@example.com' }],
        fileBody: 'EMAIL\na@example.com',
        listIds: [list.id],
      });
      expect(two.body.code).toBe('invalid_parameter');
      const url = await call(sim, 'POST', '/v3/contacts/import', {
        fileUrl: 'https://example.com/x.csv',
        listIds: [list.id],
      });
      expect(url.status).toBe(400);
      expect(sim.processes()).toHaveLength(0);
    });

    it('POSTs to a loopback notifyUrl when the import completes', async () => {
      const received: unknown[] = [];
      const hook = createServer((req, res) => {
        let data = '';
        req.on('data', (c) => {
          data += c;
        });
        req.on('end', () => {
          received.push(JSON.parse(data));
          res.end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      try {
        await boot({ importProcessingMs: 0 });
        const list = sim.addList({ name: 'L' });
        const { port } = hook.address() as AddressInfo;
        const res = await call(sim, 'POST', '/v3/contacts/import', {
          jsonBody: [{ email: 'a@example.com' }],
          listIds: [list.id],
          notifyUrl: `http://127.0.0.1:${port}/brevo/import-done`,
        });
        sim.settle();
        await sim.idle();
        expect(received).toEqual([expect.objectContaining({ processId: res.body.processId, status: 'completed' })]);
        expect(sim.notifications[0]?.delivered).toBe(true);
      } finally {
        await new Promise((resolve) => hook.close(resolve));
      }
    });

    it('imports 10,000 rows in one call, all members of the list', async () => {
      await boot({ importProcessingMs: 0 });
      sim.log.keepBodies = false;
      const list = sim.addList({ name: 'Bench' });
      const jsonBody = Array.from({ length: 10_000 }, (_, i) => ({
        email: `user${i}@example.com`,
        attributes: { FIRSTNAME: `User ${i}`, LASTNAME: 'Bench' },
      }));
      const res = await call(sim, 'POST', '/v3/contacts/import', { jsonBody, listIds: [list.id] });
      expect(res.status).toBe(202);
      expect(sim.contacts()).toHaveLength(10_000);
      expect(sim.listMembers(list.id)).toHaveLength(10_000);
      const page = await call(sim, 'GET', `/v3/contacts/lists/${list.id}/contacts?limit=500&offset=9800`);
      expect(page.body.count).toBe(10_000);
      expect(page.body.contacts).toHaveLength(200);
    });
  });

  describe('lists, batch, events, campaigns', () => {
    it('adds at most 150 contacts per call and reports unknown ones as failures', async () => {
      await boot();
      const list = sim.addList({ name: 'L' });
      sim.addContact({ email: 'a@example.com' });
      const emails = Array.from({ length: 151 }, (_, i) => `u${i}@example.com`);
      const tooMany = await call(sim, 'POST', `/v3/contacts/lists/${list.id}/contacts/add`, { emails });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.code).toBe('out_of_range');
      const ok = await call(sim, 'POST', `/v3/contacts/lists/${list.id}/contacts/add`, {
        emails: ['a@example.com', ...emails.slice(0, 149)],
      });
      expect(ok.status).toBe(201);
      expect(ok.body.contacts.success).toEqual(['a@example.com']);
      expect(ok.body.contacts.failure).toHaveLength(149);
      expect(
        (await call(sim, 'POST', '/v3/contacts/lists/999/contacts/add', { emails: ['a@example.com'] })).status,
      ).toBe(404);
      const both = await call(sim, 'POST', `/v3/contacts/lists/${list.id}/contacts/add`, { emails: [], ids: [1] });
      expect(both.status).toBe(400);
      const lists = await call(sim, 'GET', '/v3/contacts/lists?limit=50');
      expect(lists.body.lists[0]).toMatchObject({ id: list.id, uniqueSubscribers: 1, totalSubscribers: 0 });
      expect((await call(sim, 'GET', '/v3/contacts/lists?limit=51')).status).toBe(400);
      const all = await call(sim, 'POST', `/v3/contacts/lists/${list.id}/contacts/remove`, { all: true });
      expect(all.body.contacts).toEqual({ processId: expect.any(Number), total: 1 });
      expect(sim.listMembers(list.id)).toEqual([]);
    });

    it('answers the deprecated batch endpoint with 410 and counts the calls', async () => {
      await boot();
      const r = await call(sim, 'POST', '/v3/contacts/batch', { contacts: [{ email: 'a@example.com' }] });
      expect(r.status).toBe(410);
      expect(r.body.code).toBe('method_not_allowed');
      expect(sim.deprecatedBatchCalls).toBe(1);
    });

    it('validates events and applies contact_properties', async () => {
      await boot();
      sim.addContact({ email: 'a@example.com' });
      const post = (b: unknown) => call(sim, 'POST', '/v3/events', b);
      const id = { email_id: 'a@example.com' };
      expect((await post({ event_name: 'page viewed', identifiers: id })).body.message).toContain('event_name');
      expect((await post({ event_name: 'x'.repeat(256), identifiers: id })).status).toBe(400);
      expect((await post({ event_name: 'ok' })).body.code).toBe('missing_parameter');
      expect((await post({ event_name: 'ok', identifiers: {} })).body.message).toContain('identifiers');
      expect((await post({ event_name: 'ok', identifiers: { email_id: 'nope' } })).status).toBe(400);
      expect((await post({ event_name: 'ok', identifiers: id, event_date: '2026-11-22' })).body.message).toContain(
        'event_date',
      );
      const big = { blob: 'x'.repeat(50_001) };
      expect((await post({ event_name: 'ok', identifiers: id, event_properties: big })).body.message).toContain(
        'event_properties',
      );
      expect((await post({ event_name: 'ok', identifiers: id, event_properties: { 'bad key': 1 } })).status).toBe(400);
      const good = await post({
        event_name: 'page_updated',
        identifiers: id,
        contact_properties: { FIRSTNAME: 'Ada', UNKNOWN: 1 },
        event_properties: { page: { id: 'abc', tags: ['x'] } },
        event_date: '2026-11-22T10:00:00+01:00',
      });
      expect(good.status).toBe(204);
      expect(sim.events()).toHaveLength(1);
      expect(sim.events()[0]).toMatchObject({ event_name: 'page_updated', contactId: 1 });
      expect(sim.getContact('a@example.com')?.attributes.FIRSTNAME).toBe('Ada');
      expect(sim.ignoredAttributeValues).toContainEqual(
        expect.objectContaining({ attribute: 'UNKNOWN', source: 'event' }),
      );
    });

    it('takes events in batches: 202 when all pass, 207 naming the failed ones (the others written), 400 when all fail', async () => {
      await boot();
      sim.addContact({ email: 'a@example.com' });
      const post = (b: unknown) => call(sim, 'POST', '/v3/events/batch', b);
      const id = { email_id: 'a@example.com' };
      expect((await post({})).body).toMatchObject({ code: 'missing_parameter' });
      expect((await post({ events: [] })).body).toMatchObject({ code: 'invalid_parameter' });
      const all = await post({
        events: [
          { event_name: 'order_placed', identifiers: id, contact_properties: { FIRSTNAME: 'Ada' } },
          { event_name: 'order_placed', identifiers: { ext_id: 'x-1' } },
        ],
      });
      expect(all).toMatchObject({ status: 202, body: { message: expect.any(String), count: 2 } });
      expect(sim.events()).toHaveLength(2);
      expect(sim.getContact('a@example.com')?.attributes.FIRSTNAME).toBe('Ada'); // contact_properties applied
      // One bad name, two bad emails (one message, both indexes), one good: 207, the good one written.
      const some = await post({
        events: [
          { event_name: 'bad name', identifiers: id },
          { event_name: 'ok', identifiers: { email_id: 'nope' } },
          { event_name: 'written', identifiers: id },
          { event_name: 'ok', identifiers: { email_id: 'nope2' } },
        ],
      });
      expect(some.status).toBe(207);
      expect(some.body).toMatchObject({ total_events: 4, successful_events: 1, failed_events: 3 });
      expect(some.body.errors).toEqual([
        { eventIndex: [0], message: expect.stringContaining('event_name') },
        { eventIndex: [1, 3], message: expect.stringContaining('email_id') },
      ]);
      expect(sim.events().map((e) => e.event_name)).toEqual(['order_placed', 'order_placed', 'written']);
      const none = await post({ events: [{ event_name: 'ok' }, 'not an event'] });
      expect(none.status).toBe(400);
      expect(none.body).toMatchObject({ successful_events: 0, failed_events: 2 });
      expect(sim.events()).toHaveLength(3);
      expect(sim.batchSizes).toEqual([2, 4, 2]);
    });

    it('rate limits batches in the events bucket', async () => {
      await boot({ limits: {} });
      const event = { event_name: 'x', identifiers: { email_id: 'a@example.com' } };
      for (let i = 0; i < 5; i++) expect((await call(sim, 'POST', '/v3/events', event)).status).toBe(204);
      for (let i = 0; i < 5; i++) {
        const r = await call(sim, 'POST', '/v3/events/batch', { events: [event, event] });
        expect(r.status).toBe(202);
        expect(r.headers.get('x-sib-ratelimit-remaining')).toBe(String(4 - i));
      }
      const refused = await call(sim, 'POST', '/v3/events/batch', { events: [event] });
      expect(refused.status).toBe(429);
      // The contacts bucket is another one.
      expect((await call(sim, 'GET', '/v3/contacts?limit=1')).status).toBe(200);
      clock.advance(1000);
      expect((await call(sim, 'POST', '/v3/events/batch', { events: [event] })).status).toBe(202);
    });

    it('creates and sends campaigns with validated fields', async () => {
      await boot();
      const list = sim.addList({ name: 'L' });
      const senders = await call(sim, 'GET', '/v3/senders');
      const sender = senders.body.senders[0];
      expect(sender.active).toBe(true);
      const base = { name: 'Weekly', sender: { email: sender.email }, htmlContent: '<p>Hi</p>' };
      expect((await call(sim, 'POST', '/v3/emailCampaigns', base)).body.code).toBe('missing_parameter');
      expect(
        (await call(sim, 'POST', '/v3/emailCampaigns', { ...base, subject: 'S', sender: { email: 'x@y.example' } }))
          .status,
      ).toBe(400);
      expect((await call(sim, 'POST', '/v3/emailCampaigns', { ...base, subject: 'S', templateId: 3 })).status).toBe(
        400,
      );
      const created = await call(sim, 'POST', '/v3/emailCampaigns', {
        ...base,
        subject: 'S',
        recipients: { listIds: [list.id] },
      });
      expect(created.status).toBe(201);
      expect((await call(sim, 'POST', `/v3/emailCampaigns/${created.body.id}/sendNow`)).status).toBe(204);
      expect((await call(sim, 'POST', `/v3/emailCampaigns/${created.body.id}/sendNow`)).status).toBe(400);
      expect((await call(sim, 'POST', '/v3/emailCampaigns/999/sendNow')).status).toBe(404);
      expect(sim.campaigns()[0]?.status).toBe('sent');
    });

    it('refuses inactive or unknown senders, schedules campaigns, and lists drafts and sent ones', async () => {
      await boot();
      const list = sim.addList({ name: 'L' });
      const pending = sim.addSender({ name: 'Pending', email: 'pending@sandbox.example', active: false });
      const base = { name: 'N', subject: 'S', htmlContent: '<p>Hi</p>', recipients: { listIds: [list.id] } };
      const inactive = await call(sim, 'POST', '/v3/emailCampaigns', { ...base, sender: { email: pending.email } });
      expect(inactive.status).toBe(400);
      expect(inactive.body.message).toMatch(/sender/i);
      expect((await call(sim, 'POST', '/v3/emailCampaigns', { ...base, sender: { id: 999 } })).status).toBe(400);
      expect(
        (await call(sim, 'POST', '/v3/emailCampaigns', { ...base, sender: { id: 1, email: 'sender@sandbox.example' } }))
          .status,
      ).toBe(400);
      const noList = await call(sim, 'POST', '/v3/emailCampaigns', {
        ...base,
        recipients: undefined,
        sender: { id: 1 },
      });
      expect((await call(sim, 'POST', `/v3/emailCampaigns/${noList.body.id}/sendNow`)).status).toBe(400);

      const at = new Date(clock.now() + 3_600_000).toISOString();
      const scheduled = await call(sim, 'POST', '/v3/emailCampaigns', {
        ...base,
        name: 'Later',
        sender: { id: 1 },
        scheduledAt: at,
      });
      expect(scheduled.status).toBe(201);
      const draft = await call(sim, 'POST', '/v3/emailCampaigns', { ...base, name: 'Draft', sender: { id: 1 } });
      // A scheduled campaign is not a draft: sendNow refuses it.
      expect((await call(sim, 'POST', `/v3/emailCampaigns/${scheduled.body.id}/sendNow`)).status).toBe(400);
      const listed = await call(sim, 'GET', '/v3/emailCampaigns?excludeHtmlContent=true');
      const byName = new Map(listed.body.campaigns.map((c: { name: string; status: string }) => [c.name, c.status]));
      expect(byName.get('Later')).toBe('queued');
      expect(byName.get('Draft')).toBe('draft');
      expect((await call(sim, 'GET', `/v3/emailCampaigns/${draft.body.id}`)).body).toMatchObject({ status: 'draft' });
      clock.advance(3_600_000);
      const later = await call(sim, 'GET', `/v3/emailCampaigns/${scheduled.body.id}`);
      expect(later.body).toMatchObject({ status: 'sent', sentAt: at });
      const sent = await call(sim, 'GET', '/v3/emailCampaigns?status=sent');
      expect(sent.body.campaigns.map((c: { name: string }) => c.name)).toEqual(['Later']);
    });

    it('lists sent campaigns in a date range with their global statistics, paginated and validated', async () => {
      await boot();
      sim.addSentCampaign({ name: 'Before', sentAt: '2026-11-20T23:59:59.999Z', stats: { sent: 1 } });
      const a = sim.addSentCampaign({
        name: 'A',
        sentAt: '2026-11-21T08:00:00.000Z',
        stats: { sent: 100, delivered: 98, uniqueViews: 40, uniqueClicks: 10, unsubscriptions: 2, hardBounces: 1 },
      });
      for (let i = 0; i < 3; i++) sim.addSentCampaign({ name: `B${i}`, sentAt: '2026-11-21T12:00:00.000Z' });
      sim.addSentCampaign({ name: 'After', sentAt: '2026-11-22T00:00:00.000Z' });
      const range = 'startDate=2026-11-21T00:00:00.000Z&endDate=2026-11-21T23:59:59.999Z';

      const first = await call(
        sim,
        'GET',
        `/v3/emailCampaigns?status=sent&statistics=globalStats&${range}&limit=2&sort=asc`,
      );
      expect(first.status).toBe(200);
      expect(first.body.count).toBe(4);
      expect(first.body.campaigns.map((c: { name: string }) => c.name)).toEqual(['A', 'B0']);
      expect(first.body.campaigns[0]).toMatchObject({
        id: a.id,
        status: 'sent',
        sentDate: '2026-11-21T08:00:00.000Z',
        statistics: {
          globalStats: {
            sent: 100,
            delivered: 98,
            uniqueViews: 40,
            uniqueClicks: 10,
            unsubscriptions: 2,
            hardBounces: 1,
          },
        },
      });
      expect(Object.keys(first.body.campaigns[0].statistics)).toEqual(['globalStats']);
      const second = await call(sim, 'GET', `/v3/emailCampaigns?status=sent&${range}&limit=2&offset=2&sort=asc`);
      expect(second.body.campaigns.map((c: { name: string }) => c.name)).toEqual(['B1', 'B2']);
      expect(second.body.campaigns[0].statistics).toHaveProperty('campaignStats');

      const bad = async (q: string) => (await call(sim, 'GET', `/v3/emailCampaigns?${q}`)).status;
      expect(await bad('limit=101')).toBe(400);
      expect(await bad('startDate=2026-11-21T00:00:00.000Z')).toBe(400);
      expect(await bad(`status=draft&${range}`)).toBe(400);
      expect(await bad('startDate=2026-11-21&endDate=2026-11-22')).toBe(400);
      expect(await bad('statistics=everything')).toBe(400);
      expect(await bad('status=finished')).toBe(400);
    });

    it('lists contacts created or modified since an ISO date-time, and refuses a bare date', async () => {
      await boot();
      sim.addContact({ email: 'old@example.com' });
      clock.advance(3_600_000);
      sim.addContact({ email: 'new@example.com' });
      const since = new Date(clock.now() - 1000).toISOString();
      const created = await call(sim, 'GET', `/v3/contacts?createdSince=${since}&sort=asc`);
      expect(created.body.contacts.map((c: { email: string }) => c.email)).toEqual(['new@example.com']);
      expect((await call(sim, 'GET', '/v3/contacts?modifiedSince=2026-11-22')).status).toBe(400);
      expect((await call(sim, 'GET', '/v3/contacts?limit=1001')).status).toBe(400);
    });
  });

  describe('contact webhooks (contactUpdated, listAddition)', () => {
    /** A loopback receiver recording what Brevo posts to it. */
    async function receiver() {
      const got: { headers: Record<string, unknown>; body: Record<string, unknown> }[] = [];
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          res.end('{}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
    }

    it('reports API changes with the key name, UI changes with "", list additions, with the bearer token', async () => {
      await boot({ apiKeys: [KEY, 'xkeysib-other'], apiKeyNames: { [KEY]: 'tajo-sync' } });
      sim.addAttribute({ name: 'STAGE', category: 'normal', type: 'text' });
      const list = sim.addList({ name: 'Leads' });
      sim.addContact({ email: 'ann@example.com', attributes: { FIRSTNAME: 'Ann' } });
      const r = await receiver();
      try {
        const hook = await call(sim, 'POST', '/v3/webhooks', {
          url: r.url,
          type: 'marketing',
          events: ['contactUpdated', 'listAddition'],
          auth: { type: 'bearer', token: 'whk_secret' },
        });
        expect(hook.status).toBe(201);
        // Through the API with the named key: content holds the changed attributes only.
        await call(sim, 'POST', '/v3/contacts', {
          email: 'ann@example.com',
          attributes: { FIRSTNAME: 'Ann', STAGE: 'customer' },
          listIds: [list.id],
          updateEnabled: true,
        });
        // Another key (unnamed: its position), then the UI.
        await call(
          sim,
          'PUT',
          '/v3/contacts/ann@example.com',
          { attributes: { STAGE: 'lead' } },
          { key: 'xkeysib-other' },
        );
        clock.advance(5000);
        sim.editContact('ann@example.com', { FIRSTNAME: 'Anna' });
        // An unchanged value reports nothing; a new contact reports only its list addition.
        await call(sim, 'PUT', '/v3/contacts/ann@example.com', { attributes: { FIRSTNAME: 'Anna' } });
        await call(sim, 'POST', '/v3/contacts', { email: 'bob@example.com', attributes: { STAGE: 'x' } });
        await sim.idle();

        expect(r.got.map((g) => [g.body.event, g.body.content ?? g.body.list_id, g.body.api_key_name])).toEqual([
          ['contact_updated', [{ STAGE: 'customer' }], 'tajo-sync'],
          ['list_addition', [list.id], 'tajo-sync'],
          ['contact_updated', [{ STAGE: 'lead' }], 'key-2'],
          ['contact_updated', [{ FIRSTNAME: 'Anna' }], ''],
        ]);
        expect(r.got.every((g) => g.headers.authorization === 'Bearer whk_secret')).toBe(true);
        expect(r.got[3]?.body).toMatchObject({
          email: 'ann@example.com',
          ts: Math.floor(clock.now() / 1000),
          date: '2026-11-22 10:00:05',
        });
        expect(sim.contactWebhookDeliveries.every((d) => d.delivered && d.status === 200)).toBe(true);
      } finally {
        await r.close();
      }
    });

    it('an import reports its changes under the importing key; bad auth settings are refused', async () => {
      await boot({ apiKeyNames: { [KEY]: 'tajo-sync' }, importProcessingMs: 0 });
      const list = sim.addList({ name: 'L' });
      sim.addContact({ email: 'ann@example.com', attributes: { FIRSTNAME: 'Ann' } });
      const r = await receiver();
      try {
        expect(
          (
            await call(sim, 'POST', '/v3/webhooks', {
              url: r.url,
              type: 'marketing',
              events: ['contactUpdated'],
              auth: { type: 'basic' },
            })
          ).status,
        ).toBe(400);
        await call(sim, 'POST', '/v3/webhooks', { url: r.url, type: 'marketing', events: ['contactUpdated'] });
        const imp = await call(sim, 'POST', '/v3/contacts/import', {
          jsonBody: [{ email: 'ann@example.com', attributes: { FIRSTNAME: 'Anne' } }],
          listIds: [list.id],
          updateExistingContacts: true,
        });
        expect(imp.status).toBe(202);
        await new Promise((res) => setTimeout(res, 10));
        sim.settle();
        await sim.idle();
        expect(r.got.map((g) => [g.body.content, g.body.api_key_name, g.headers.authorization])).toEqual([
          [[{ FIRSTNAME: 'Anne' }], 'tajo-sync', undefined],
        ]);
      } finally {
        await r.close();
      }
    });
  });
});
