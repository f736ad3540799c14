/**
 * Brevo → Notion rules end to end without Lambda. The Brevo simulator's contact webhooks (a change
 * in its "UI", or our own writes with the key named tajo-sync) post to a local receiver running the
 * Brevo webhook ingress; the Notion simulator's webhooks (from API writes, authored by our bot)
 * post to a receiver running the Notion webhook ingress. Lane messages are recorded and run through
 * the Notion lane worker in order. State is in dynalite; both simulators share one clock, so Brevo's
 * event times and Notion's minute-rounded edit times compare as in production.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { NotionSimulator } from '../../sandbox/notion';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { notionStatus } from '../../shared/app/status';
import { enqueueNotionSync, handleNotionLaneMessage, ParkLane } from '../../shared/connectors/notion/lane';
import { acceptNotionWebhook, revealNotionWebhook } from '../../shared/connectors/notion/webhooks';
import { BrevoClient } from '../../shared/core/brevo/client';
import { sha256Hex } from '../../shared/core/hash';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const TENANT = 'acme';
const LEADS_ID = '2a1d6f4b0c3e4d5f9a8b7c6d5e4f3a21';
const WEBHOOK_TOKEN = 'whk_rules_test';
const PERSON = '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d41';
/** 2026-11-22T10:00:00Z: the simulators' shared clock starts here, frozen. */
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

/**
 * Leads: synced to Brevo (Stage ↔ LIFECYCLE_STAGE is a two-way field) and the target of a rule:
 * LIFECYCLE_STAGE becomes customer → the lead's page, found by Email.
 */
function configYaml(token: string, apiKey: string, extraProperties = '', extraRules = ''): string {
  return `brevo:
  api_key: ${apiKey}
  api_key_name: tajo-sync
connectors:
  notion:
    token: ${token}
    databases:
      - id: "${LEADS_ID}"
        name: Leads
        sync_to_list: Leads list
        field_mapping:
          Email: { type: email, target: email }
          Stage: { type: select, target: LIFECYCLE_STAGE }
    rules:
      - name: converted
        when: { event: contact_updated, attribute: LIFECYCLE_STAGE, becomes: customer }
        database: "${LEADS_ID}"
        match_by: Email
        properties:
          Name: "{{contact.FIRSTNAME}} {{contact.LASTNAME}}"
          Email: "{{email}}"
          Converted Date: "{{event.date}}"
          Stage: "{{contact.LIFECYCLE_STAGE}}"
          Status: Converted
${extraProperties}${extraRules}`;
}

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  clock: SimClock;
  store: DynamoRepositories;
  secrets: MemorySecrets;
  lane: RecordingLane;
  workerClock: VirtualClock;
  dataSourceId: string;
  servers: Server[];
  brevoUrl: string;
  /** Lane messages already run. */
  done: number;
  /** Bodies the Brevo receiver answered with, in order. */
  brevoAnswers: { status: number; body: Record<string, unknown> }[];
}

let env: Env | undefined;
afterEach(async () => {
  if (!env) return;
  const e = env;
  env = undefined;
  for (const s of e.servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await Promise.all([e.notion.stop(), e.brevo.stop()]);
});

function receiver(
  handle: (headers: Record<string, string | undefined>, raw: Buffer) => Promise<{ status: number; body?: unknown }>,
) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const out = await handle(req.headers as Record<string, string | undefined>, Buffer.concat(chunks));
      res.statusCode = out.status;
      res.end(JSON.stringify(out.body ?? {}));
    });
  });
  return new Promise<{ server: Server; url: string }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

async function setup(opts: { extraProperties?: string; extraRules?: string; rateLimit?: boolean } = {}): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const clock = new SimClock();
  clock.set(T0);
  const notion = new NotionSimulator({ tokens: [token], rateLimit: opts.rateLimit ? undefined : false, clock });
  const brevo = new BrevoSimulator({
    apiKeys: [apiKey],
    apiKeyNames: { [apiKey]: 'tajo-sync' },
    limits: false,
    importProcessingMs: 0,
    clock,
  });
  await Promise.all([notion.start(), brevo.start()]);
  notion.addUser({ id: PERSON, name: 'Ada Lovelace', type: 'person', email: 'ada@example.com' });
  const db = notion.addDatabase({
    id: LEADS_ID,
    title: 'Leads',
    properties: {
      Name: { type: 'title' },
      Email: { type: 'email' },
      'Converted Date': { type: 'date' },
      Stage: { type: 'select', options: ['lead', 'customer'] },
      Status: { type: 'status', options: ['New', 'Contacted', 'Converted'] },
      Seats: { type: 'number' },
    },
  });
  const dataSourceId = db.dataSources[0]!.id;
  brevo.addAttribute({ name: 'LIFECYCLE_STAGE', category: 'normal', type: 'text' });
  brevo.addAttribute({ name: 'SEATS', category: 'normal', type: 'text' });

  const { store } = await freshStore();
  const secrets = new MemorySecrets();
  const workerClock = new VirtualClock(T0);
  const config = parseConfig(configYaml(token, apiKey, opts.extraProperties, opts.extraRules), {});
  await connectNotion(
    { connections: store, secrets, schedules: noSchedules, clock: workerClock },
    { tenantId: TENANT, config },
  );
  await store.putTenant({
    tenantId: TENANT,
    apiKeyHash: 'unused',
    webhookTokenHash: sha256Hex(WEBHOOK_TOKEN),
    createdAt: new Date(T0).toISOString(),
  });
  const lane = new RecordingLane();
  const brevoAnswers: Env['brevoAnswers'] = [];
  const brevoIn = await receiver(async (headers, raw) => {
    const out = await acceptBrevoWebhook(
      { tenants: store, connections: store, lane, orders: store, clock: workerClock },
      { tenantId: TENANT, headers, body: raw.toString('utf8') },
    );
    brevoAnswers.push({ status: out.status, body: out.body as Record<string, unknown> });
    return out;
  });
  const notionIn = await receiver((headers, raw) =>
    acceptNotionWebhook(
      { connections: store, webhooks: store, markers: store, secrets, lane, clock: workerClock },
      { tenantId: TENANT, headers, rawBody: raw },
    ),
  );
  const brevoUrl = `${brevoIn.url}/webhooks/brevo/${TENANT}`;
  // Brevo calls us for contact changes and list additions, with the tenant's bearer token.
  const created = await fetch(`${brevo.baseUrl}/v3/webhooks`, {
    method: 'POST',
    headers: { 'api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: brevoUrl,
      type: 'marketing',
      events: ['contactUpdated', 'listAddition'],
      auth: { type: 'bearer', token: WEBHOOK_TOKEN },
    }),
  });
  expect(created.status).toBe(201);
  // Notion reports page writes (ours included, with our bot as the author) to its webhook route.
  const notionUrl = `${notionIn.url}/webhooks/notion/${TENANT}`;
  const sender = notion.subscribeWebhooks({ url: notionUrl });
  expect((await sender.sendVerification(notionUrl)).status).toBe(200);
  // The tenant's admin fetches the token (to paste it into Notion): events signed with it are then accepted.
  await revealNotionWebhook(
    { webhooks: store, secrets, clock: { now: () => clock.now(), sleep: async () => undefined } },
    TENANT,
  );

  env = {
    notion,
    brevo,
    clock,
    store,
    secrets,
    lane,
    workerClock,
    dataSourceId,
    servers: [brevoIn.server, notionIn.server],
    brevoUrl,
    done: 0,
    brevoAnswers,
  };
  return env;
}

function laneDeps(e: Env) {
  return {
    connections: e.store,
    cursors: e.store,
    runs: e.store,
    secrets: e.secrets,
    webhooks: e.store,
    markers: e.store,
    pageWrites: e.store,
    lane: e.lane,
    clock: e.workerClock,
    endpoints: { notionBaseUrl: e.notion.baseUrl, brevoBaseUrl: e.brevo.baseUrl },
    syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
  };
}

/** Lets both simulators' webhooks land, then runs every lane message not run yet, in order. */
async function drain(e: Env): Promise<void> {
  for (;;) {
    await Promise.all([e.brevo.idle(), e.notion.flushWebhooks()]);
    if (e.done >= e.lane.sent.length) return;
    const msg = e.lane.sent[e.done++] as LaneMessage;
    await handleNotionLaneMessage(laneDeps(e), msg.body, { deadline: Number.POSITIVE_INFINITY, lastAttempt: false });
  }
}

async function sync(e: Env, mode: 'full' | 'incremental') {
  await enqueueNotionSync(
    { connections: e.store, lane: e.lane, clock: e.workerClock },
    { tenantId: TENANT, mode, trigger: 'cli' },
  );
  await drain(e);
  return (await e.store.listRuns(TENANT, 'notion', 1))[0]!;
}

const typesSent = (e: Env) => e.lane.sent.map((m) => (JSON.parse(m.body) as { type: string }).type);

function leads(e: Env) {
  return e.notion.pageIds(e.dataSourceId).map((id) => {
    const p = e.notion.getPage(id) as {
      id: string;
      last_edited_by: { id: string };
      properties: Record<string, Record<string, unknown>>;
    };
    const text = (v: Record<string, unknown> | undefined) =>
      ((v?.title ?? v?.rich_text ?? []) as { plain_text: string }[]).map((t) => t.plain_text).join('');
    const prop = p.properties;
    return {
      id: p.id,
      editedBy: p.last_edited_by.id,
      name: text(prop.Name),
      email: prop.Email?.email as string | null,
      converted: (prop['Converted Date']?.date as { start: string } | null)?.start ?? null,
      stage: (prop.Stage?.select as { name: string } | null)?.name ?? null,
      status: (prop.Status?.status as { name: string } | null)?.name ?? null,
      seats: prop.Seats?.number as number | null,
    };
  });
}

const lead = (e: Env, email: string) => leads(e).find((l) => l.email === email);

describe('Brevo → Notion rules', () => {
  test('a contact becoming a customer in Brevo creates its lead page, with attributes read from Brevo', async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'ann@example.com', attributes: { FIRSTNAME: 'Ann', LASTNAME: 'Lee' } });
    e.clock.advance(5 * 60_000);
    // A change in Brevo's UI: the webhook carries only LIFECYCLE_STAGE, the name is read from Brevo.
    e.brevo.editContact('ann@example.com', { LIFECYCLE_STAGE: 'customer' });
    await drain(e);

    expect(e.brevoAnswers.at(-1)).toMatchObject({ status: 200, body: { notion: { queued: 1, ownWrites: 0 } } });
    expect(typesSent(e)).toContain('notion.rules.apply');
    expect(lead(e, 'ann@example.com')).toMatchObject({
      name: 'Ann Lee',
      converted: '2026-11-22',
      stage: 'customer',
      status: 'Converted',
    });
    expect(e.brevo.stats().byRoute['GET /v3/contacts/:identifier']).toBe(1);
    const [run] = await e.store.listRuleRuns(TENANT, 5);
    expect(run).toMatchObject({ status: 'succeeded', items: 1, created: 1, failed: 0, errors: [] });
    expect(run!.notionRequests).toBeGreaterThanOrEqual(3); // database, schema, query, create
  });

  test('an existing page is found by Email and updated; the person-set values it replaces are recorded', async () => {
    const e = await setup();
    e.notion.addPage(e.dataSourceId, {
      properties: { Name: 'Bob', Email: 'bob@example.com', Status: 'New' },
      createdBy: PERSON,
    });
    e.brevo.addContact({ email: 'bob@example.com', attributes: { FIRSTNAME: 'Bob', LASTNAME: 'Stone' } });
    e.clock.advance(10 * 60_000);
    e.brevo.editContact('bob@example.com', { LIFECYCLE_STAGE: 'customer' });
    await drain(e);

    expect(leads(e)).toHaveLength(1);
    expect(lead(e, 'bob@example.com')).toMatchObject({ name: 'Bob Stone', status: 'Converted', stage: 'customer' });
    const [run] = await e.store.listRuleRuns(TENANT, 5);
    expect(run).toMatchObject({ updated: 1, created: 0 });
    expect(run!.conflicts.map((c) => [c.property, c.winner, c.kept, c.lost])).toEqual([
      ['Name', 'brevo', 'Bob Stone', 'Bob'],
      ['Status', 'brevo', 'Converted', 'New'],
    ]);
  });

  test('a redelivered webhook has one effect', async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'cy@example.com', attributes: { FIRSTNAME: 'Cy' } });
    const payload = {
      id: 1,
      email: 'cy@example.com',
      event: 'contact_updated',
      content: [{ LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Cy', LASTNAME: 'Young' }],
      date: '2026-11-22 10:00:05',
      ts: Math.floor(T0 / 1000) + 5,
      api_key_name: '',
    };
    const post = () =>
      fetch(e.brevoUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
    expect((await post()).status).toBe(200);
    await drain(e);
    // Brevo retries (a timeout on its side) after SQS's deduplication window: the worker's marker holds.
    expect((await post()).status).toBe(200);
    await drain(e);

    expect(leads(e).filter((l) => l.email === 'cy@example.com')).toHaveLength(1);
    expect(lead(e, 'cy@example.com')?.name).toBe('Cy Young');
    const runs = await e.store.listRuleRuns(TENANT, 5);
    expect(runs.map((r) => [r.created, r.duplicates])).toEqual(
      expect.arrayContaining([
        [1, 0],
        [0, 1],
      ]),
    );
    // Both deliveries carried the same events: the lane messages share their deduplication id.
    const rules = e.lane.sent.filter((m) => m.body.includes('notion.rules.apply'));
    expect(rules).toHaveLength(2);
    expect(rules[0]?.deduplicationId).toBe(rules[1]?.deduplicationId);
  });

  test("our Notion write is not synced back to Brevo (webhook and poll); a person's edit is", async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'dee@example.com', attributes: { FIRSTNAME: 'Dee', LIFECYCLE_STAGE: 'lead' } });
    e.notion.addPage(e.dataSourceId, { properties: { Name: 'Dee', Email: 'dee@example.com', Stage: 'lead' } });
    expect((await sync(e, 'full')).summary.upserted).toBe(1);

    e.clock.advance(10 * 60_000);
    e.brevo.editContact('dee@example.com', { LIFECYCLE_STAGE: 'customer' });
    const routesBefore = e.brevo.stats().byRoute;
    const callsBefore = (r: string) => routesBefore[r] ?? 0;
    await drain(e);
    expect(lead(e, 'dee@example.com')).toMatchObject({ stage: 'customer', status: 'Converted' });

    // Notion's webhook for our write was fetched and recognised: no sync was queued for it.
    expect(typesSent(e).filter((t) => t === 'notion.pages.fetch')).toHaveLength(1);
    expect(typesSent(e).filter((t) => t === 'notion.sync.start')).toHaveLength(1); // the full sync above
    // The poll reads the row and skips it: nothing is written to Brevo.
    const polled = await sync(e, 'incremental');
    expect(polled.summary).toMatchObject({ upserted: 0, unchanged: 1, failed: 0 });
    const after = e.brevo.stats().byRoute;
    expect(after['POST /v3/contacts'] ?? 0).toBe(callsBefore('POST /v3/contacts'));
    expect(after['POST /v3/contacts/import'] ?? 0).toBe(callsBefore('POST /v3/contacts/import'));

    // A lead new to the sync, created by the rule: its contact joins the list, its values are not sent.
    e.brevo.addContact({ email: 'fin@example.com', attributes: { FIRSTNAME: 'Fin' } });
    e.clock.advance(10 * 60_000);
    e.brevo.editContact('fin@example.com', { LIFECYCLE_STAGE: 'customer' });
    await drain(e);
    expect(lead(e, 'fin@example.com')).toMatchObject({ name: 'Fin', stage: 'customer' });
    // Dee's page is read again too (the cursor's one-minute overlap): both are unchanged.
    expect((await sync(e, 'incremental')).summary).toMatchObject({ upserted: 0, unchanged: 2 });
    const list = e.brevo.lists().find((l) => l.name === 'Leads list')!;
    expect(e.brevo.listMembers(list.id).sort()).toEqual(['dee@example.com', 'fin@example.com']);
    expect(e.brevo.stats().byRoute['POST /v3/contacts'] ?? 0).toBe(callsBefore('POST /v3/contacts'));
    // Its fingerprint was stored: read again (the cursor's overlap), it is not written either.
    expect((await sync(e, 'incremental')).summary).toMatchObject({ upserted: 0, failed: 0 });
    expect(e.brevo.stats().byRoute['POST /v3/contacts/lists/:id/contacts/add']).toBe(1);

    // A person's edit in the same minute as our write is theirs: it syncs, even back to the old value.
    const page = lead(e, 'dee@example.com')!;
    e.notion.updatePage(page.id, { Stage: 'lead' }, { editedBy: PERSON });
    const edited = await sync(e, 'incremental');
    expect(edited.summary.upserted).toBe(1);
    expect(e.brevo.getContact('dee@example.com')?.attributes.LIFECYCLE_STAGE).toBe('lead');
  });

  test("Brevo's webhook for our own contact write is not turned into a Notion write", async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'eve@example.com', attributes: { FIRSTNAME: 'Eve', LIFECYCLE_STAGE: 'lead' } });
    e.notion.addPage(e.dataSourceId, {
      properties: { Name: 'Eve', Email: 'eve@example.com', Stage: 'lead', Status: 'New' },
      createdBy: PERSON,
    });
    await sync(e, 'full');
    const rulesBefore = typesSent(e).filter((t) => t === 'notion.rules.apply').length;

    // A person marks Eve a customer in Notion; the sync writes it to Brevo with our key.
    e.clock.advance(10 * 60_000);
    const page = lead(e, 'eve@example.com')!;
    e.notion.updatePage(page.id, { Stage: 'customer' }, { editedBy: PERSON });
    expect((await sync(e, 'incremental')).summary.upserted).toBe(1);
    await drain(e);

    // Brevo reported the change, named with our key: it matched the rule's event but was dropped.
    const echo = e.brevo.contactWebhookDeliveries.find(
      (d) => d.payload.email === 'eve@example.com' && d.payload.event === 'contact_updated',
    );
    expect(echo).toMatchObject({ delivered: true, status: 200, payload: { api_key_name: 'tajo-sync' } });
    expect(e.brevoAnswers.at(-1)?.body).toMatchObject({ notion: { queued: 0, ownWrites: 1 } });
    expect(typesSent(e).filter((t) => t === 'notion.rules.apply')).toHaveLength(rulesBefore);
    expect(lead(e, 'eve@example.com')).toMatchObject({ status: 'New', converted: null, editedBy: PERSON });
  });

  test('conflicts: within the minute of a Notion edit Notion wins; a later Brevo change wins; losers are recorded', async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'dan@example.com', attributes: { FIRSTNAME: 'Dan', LASTNAME: 'Ray' } });
    const pageId = e.notion.addPage(e.dataSourceId, { properties: { Email: 'dan@example.com' }, createdBy: PERSON }).id;
    e.clock.advance(60 * 60_000);
    // A person renames the page at 11:00:10 (Notion stamps 11:00); Brevo changes at 11:00:40.
    e.clock.advance(10_000);
    e.notion.updatePage(pageId, { Name: 'Dan (VIP)' }, { editedBy: PERSON });
    e.clock.advance(30_000);
    e.brevo.editContact('dan@example.com', { LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Daniel' });
    await drain(e);
    expect(lead(e, 'dan@example.com')).toMatchObject({ name: 'Dan (VIP)', status: 'Converted' });

    // Three minutes later Brevo changes again (back to lead, then customer): now Brevo is later.
    e.clock.advance(3 * 60_000);
    e.brevo.editContact('dan@example.com', { LIFECYCLE_STAGE: 'lead' });
    e.brevo.editContact('dan@example.com', { LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Danny' });
    await drain(e);
    expect(lead(e, 'dan@example.com')?.name).toBe('Danny Ray');

    const status = await notionStatus(
      { runs: e.store, cursors: e.store, clock: { now: () => e.clock.now(), sleep: async () => undefined } },
      TENANT,
      (await e.store.getConnection(TENANT, 'notion'))?.settings,
    );
    expect(status.rules.configured).toEqual([
      { name: 'converted', event: 'contact_updated', database: LEADS_ID, action: 'upsert' },
    ]);
    expect(status.rules.conflicts.map((c) => [c.property, c.winner, c.kept, c.lost])).toEqual([
      ['Name', 'brevo', 'Danny Ray', 'Dan (VIP)'],
      ['Name', 'notion', 'Dan (VIP)', 'Daniel Ray'],
    ]);
    expect(status.rules.conflicts[1]).toMatchObject({
      email: 'dan@example.com',
      pageId,
      notionEditedAt: '2026-11-22T11:00:00.000Z',
      brevoAt: '2026-11-22T11:00:40.000Z',
    });
  });

  test('a value that does not fit its property is a per-row error; the other rows are written', async () => {
    const e = await setup({ extraProperties: '          Seats: "{{contact.SEATS}}"\n' });
    e.brevo.addContact({ email: 'fay@example.com', attributes: { FIRSTNAME: 'Fay', SEATS: '12' } });
    e.brevo.addContact({ email: 'gus@example.com', attributes: { FIRSTNAME: 'Gus', SEATS: 'a dozen' } });
    const ts = Math.floor(T0 / 1000);
    const batch = ['fay', 'gus'].map((n, i) => ({
      id: 1,
      email: `${n}@example.com`,
      event: 'contact_updated',
      content: [{ LIFECYCLE_STAGE: 'customer' }],
      ts: ts + i,
      date: '2026-11-22 10:00:00',
      api_key_name: '',
    }));
    const res = await fetch(e.brevoUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(await res.json()).toMatchObject({ notion: { queued: 2 } });
    await drain(e);

    expect(lead(e, 'fay@example.com')).toMatchObject({ seats: 12 });
    expect(lead(e, 'gus@example.com')).toBeUndefined();
    const [run] = await e.store.listRuleRuns(TENANT, 1);
    expect(run).toMatchObject({ items: 2, created: 1, failed: 1 });
    expect(run!.errors).toEqual([
      expect.objectContaining({ email: 'gus@example.com', property: 'Seats', reason: '"a dozen" is not a number' }),
    ]);
  });

  test("action create: every list addition (from Brevo's webhook) is a page of its own", async () => {
    const e = await setup({
      extraRules: `      - name: newsletter
        when: { event: list_addition, list_id: 1 }
        database: "${LEADS_ID}"
        action: create
        properties:
          Name: "{{contact.FIRSTNAME}} (lists {{event.list_ids}})"
          Email: "{{email}}"
          Status: New
`,
    });
    const list = e.brevo.addList({ name: 'Newsletter' });
    expect(list.id).toBe(1);
    e.brevo.addContact({ email: 'ivy@example.com', attributes: { FIRSTNAME: 'Ivy' }, listIds: [1] });
    e.brevo.addContact({ email: 'jon@example.com', attributes: { FIRSTNAME: 'Jon' }, listIds: [1] });
    await drain(e);
    expect(leads(e).map((l) => [l.name, l.email, l.status])).toEqual([
      ['Ivy (lists 1)', 'ivy@example.com', 'New'],
      ['Jon (lists 1)', 'jon@example.com', 'New'],
    ]);
  });

  test('a property the database lacks, or a database with two data sources: per-row errors, not retries', async () => {
    const e = await setup({ extraProperties: '          Owner: "{{email}}"\n' });
    e.brevo.addContact({ email: 'kim@example.com', attributes: { FIRSTNAME: 'Kim' } });
    e.brevo.editContact('kim@example.com', { LIFECYCLE_STAGE: 'customer' });
    await drain(e);
    let [run] = await e.store.listRuleRuns(TENANT, 1);
    expect(run).toMatchObject({ status: 'succeeded', failed: 1 });
    expect(run!.errors[0]).toMatchObject({
      property: 'Owner',
      reason: expect.stringMatching(/^database Leads has no property "Owner" \(it has: Name, Email, /),
    });

    e.notion.addDataSource(LEADS_ID, { name: 'Archive', properties: { Name: { type: 'title' } } });
    e.clock.advance(2 * 3_600_000);
    e.workerClock.advance(2 * 3_600_000); // past the cached schema's hour
    e.brevo.editContact('kim@example.com', { LIFECYCLE_STAGE: 'lead' });
    e.brevo.editContact('kim@example.com', { LIFECYCLE_STAGE: 'customer' });
    await drain(e);
    [run] = await e.store.listRuleRuns(TENANT, 1);
    expect(run).toMatchObject({ status: 'succeeded', failed: 1 });
    expect(run!.errors[0]?.reason).toMatch(/has 2 data sources: a rule writes to a database with one/);
    expect(lead(e, 'kim@example.com')).toBeUndefined();
  });

  test('a 429 parks the lane; the redelivered message finishes the work once', async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'hal@example.com', attributes: { FIRSTNAME: 'Hal' } });
    e.brevo.editContact('hal@example.com', { LIFECYCLE_STAGE: 'customer' });
    await Promise.all([e.brevo.idle(), e.notion.flushWebhooks()]);
    const msg = e.lane.sent.find((m) => m.body.includes('notion.rules.apply'))!;
    e.notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 120 });
    await expect(
      handleNotionLaneMessage(laneDeps(e), msg.body, { deadline: Number.POSITIVE_INFINITY, lastAttempt: false }),
    ).rejects.toBeInstanceOf(ParkLane);
    expect(lead(e, 'hal@example.com')).toBeUndefined();
    const parked = (await e.store.listRuleRuns(TENANT, 1))[0];
    expect(parked).toMatchObject({ status: 'running', created: 0 });
    expect(parked?.error).toMatch(/rate limit/);

    await handleNotionLaneMessage(laneDeps(e), msg.body, { deadline: Number.POSITIVE_INFINITY, lastAttempt: false });
    expect(leads(e).filter((l) => l.email === 'hal@example.com')).toHaveLength(1);
    expect((await e.store.listRuleRuns(TENANT, 1))[0]).toMatchObject({ status: 'succeeded', created: 1 });
  });

  test('a bug in the delivery: the rule run says one line, never a validation dump', async () => {
    const e = await setup();
    e.brevo.addContact({ email: 'ida@example.com', attributes: { FIRSTNAME: 'Ida' } });
    e.brevo.editContact('ida@example.com', { LIFECYCLE_STAGE: 'customer' });
    await Promise.all([e.brevo.idle(), e.notion.flushWebhooks()]);
    const msg = e.lane.sent.find((m) => m.body.includes('notion.rules.apply'))!;
    // Not a provider's answer (those are one-line ProviderErrors): our code validating its own data.
    const spy = jest
      .spyOn(BrevoClient.prototype, 'getContact')
      .mockImplementation(async () => z.object({ email: z.string(), id: z.number() }).parse({ email: 1 }) as never);
    try {
      await expect(
        handleNotionLaneMessage(laneDeps(e), msg.body, { deadline: Number.POSITIVE_INFINITY, lastAttempt: true }),
      ).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    const [run] = await e.store.listRuleRuns(TENANT, 1);
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/^internal error: unexpected data at email/);
    expect(run?.error).not.toMatch(/\n|"expected"/);
  });
});
