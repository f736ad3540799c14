/**
 * Notion webhooks end to end without Lambda: the simulator's sender posts to a local receiver that
 * runs the ingress service; lane messages are recorded and drained through the lane worker, which
 * talks to the Notion and Brevo simulators. State is in dynalite.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator, NotionWebhookSender, signWebhookBody } from '../../sandbox/notion';
import { sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import { NOTION_INTERVAL_MS } from '../../shared/connectors/notion/client';
import {
  enqueueNotionSync,
  handleNotionLaneMessage,
  PAGE_FETCH_BUDGET_MS,
  ParkLane,
} from '../../shared/connectors/notion/lane';
import { acceptNotionWebhook, revealNotionWebhook } from '../../shared/connectors/notion/webhooks';
import { openLaneMessage, retryLater } from '../../shared/core/lanes/lane-retry';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };
const TENANT = 'acme';

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  secrets: MemorySecrets;
  lane: RecordingLane;
  clock: VirtualClock;
  url: string;
  server: Server;
  pageIds: string[];
  /** Lane messages already run by drain(). */
  done: number;
}

let env: Env | undefined;
afterEach(async () => {
  if (!env) return;
  const e = env;
  env = undefined;
  e.server.closeAllConnections();
  await new Promise<void>((r) => e.server.close(() => r()));
  await Promise.all([e.notion.stop(), e.brevo.stop()]);
});

async function setup(): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  const { pageIds } = seedSandbox(notion, brevo, { rows: 40, workspace: false });
  const { store } = await freshStore();
  const secrets = new MemorySecrets();
  const clock = new VirtualClock();
  const yaml = sandboxConfigYaml().replace(
    '      databases: true\n    databases:',
    '      databases: true\n      pages: true\n    pages:\n      event_identifier: { ext_id: "acme-account" }\n    databases:',
  );
  const config = parseConfig(yaml, { NOTION_TOKEN: token, BREVO_API_KEY: apiKey });
  await connectNotion({ connections: store, secrets, schedules: noSchedules, clock }, { tenantId: TENANT, config });
  const lane = new RecordingLane();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const out = await acceptNotionWebhook(
        { connections: store, webhooks: store, markers: store, secrets, lane, clock },
        {
          tenantId: TENANT,
          headers: req.headers as Record<string, string | undefined>,
          rawBody: Buffer.concat(chunks),
        },
      );
      res.statusCode = out.status;
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/notion/${TENANT}`;
  env = { notion, brevo, store, secrets, lane, clock, url, server, pageIds, done: 0 };
  return env;
}

/** Runs every lane message not run yet, in order (the worker's continuations included). */
async function drain(e: Env): Promise<void> {
  while (e.done < e.lane.sent.length) {
    const msg = e.lane.sent[e.done++] as LaneMessage;
    await handleNotionLaneMessage(
      {
        connections: e.store,
        cursors: e.store,
        runs: e.store,
        secrets: e.secrets,
        webhooks: e.store,
        markers: e.store,
        lane: e.lane,
        clock: e.clock,
        endpoints: { notionBaseUrl: e.notion.baseUrl, brevoBaseUrl: e.brevo.baseUrl },
        syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
      },
      msg.body,
      { deadline: Number.POSITIVE_INFINITY, lastAttempt: false },
    );
  }
}

async function fullSync(e: Env) {
  await enqueueNotionSync(
    { connections: e.store, lane: e.lane, clock: e.clock },
    { tenantId: TENANT, mode: 'full', trigger: 'cli' },
  );
  await drain(e);
}

async function handshake(e: Env): Promise<NotionWebhookSender> {
  const sender = new NotionWebhookSender({ now: () => e.clock.now() });
  const d = await sender.sendVerification(e.url);
  expect(d.status).toBe(200);
  // The tenant's admin fetches the token to paste it into Notion: only then may it become active.
  await revealNotionWebhook({ webhooks: e.store, secrets: e.secrets, clock: e.clock }, TENANT);
  return sender;
}

const propsEvent = (pageId: string, id?: string) => ({
  type: 'page.properties_updated',
  entity: { id: pageId, type: 'page' as const },
  data: { updated_properties: ['title'] },
  authors: [{ id: 'u-1', type: 'person' as const }],
  ...(id ? { id } : {}),
});

const fetchMessages = (e: Env) =>
  e.lane.sent.filter((m) => (JSON.parse(m.body) as { type: string }).type === 'notion.pages.fetch');

async function post(url: string, body: string, signature?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature) headers['x-notion-signature'] = signature;
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

describe('Notion webhook ingress', () => {
  test('the handshake stores the token as pending; the first signed event confirms it', async () => {
    const e = await setup();
    const sender = await handshake(e);
    const rec = await e.store.getNotionWebhook(TENANT);
    expect(rec?.pendingRef).toBeDefined();
    expect(rec?.confirmedRef).toBeUndefined();
    expect(e.secrets.values.get(`${TENANT}/notion-webhook-pending`)).toBe(sender.verificationToken);
    expect(rec?.pendingHint).not.toContain(sender.verificationToken);

    const res = await sender.sendEvent(e.url, propsEvent(e.pageIds[0] as string));
    expect(res.attempts[0]?.status).toBe(200);
    const after = await e.store.getNotionWebhook(TENANT);
    expect(after?.pendingRef).toBeUndefined();
    expect(after?.confirmedRef).toBeDefined();
    expect(await e.secrets.get(after?.confirmedRef as string)).toBe(sender.verificationToken);

    // A new subscription's handshake is pending again, and leaves the active token as it was.
    const next = await handshake(e);
    const again = await e.store.getNotionWebhook(TENANT);
    expect(next.verificationToken).not.toBe(sender.verificationToken);
    expect(await e.secrets.get(again?.confirmedRef as string)).toBe(sender.verificationToken);
    expect(await e.secrets.get(again?.pendingRef as string)).toBe(next.verificationToken);
    expect((await sender.sendEvent(e.url, propsEvent(e.pageIds[1] as string))).attempts[0]?.status).toBe(200);
  });

  // Regression: the confirmed token was the pending secret itself, so an unsigned handshake (anyone
  // may send one, to any tenant's URL) rewrote the value of the tenant's trusted token: its real
  // events were refused from then on, and events signed by the sender of the handshake accepted.
  test("a later unsigned handshake does not change the tenant's confirmed token", async () => {
    const e = await setup();
    const sender = await handshake(e);
    expect((await sender.sendEvent(e.url, propsEvent(e.pageIds[0] as string))).attempts[0]?.status).toBe(200);
    const intruder = new NotionWebhookSender({ now: () => e.clock.now() });
    expect((await intruder.sendVerification(e.url)).status).toBe(200);
    const rec = await e.store.getNotionWebhook(TENANT);
    expect(await e.secrets.get(rec?.confirmedRef as string)).toBe(sender.verificationToken);
    // The tenant's real subscription still gets through, signed with the confirmed token.
    const real = await sender.sendEvent(e.url, propsEvent(e.pageIds[1] as string));
    expect(real.attempts[0]?.status).toBe(200);
  });

  // A stranger can send a handshake (unsigned by design) and then events signed with their own
  // token. Without the admin's fetch of the pending token, that token never becomes the active one.
  test("a stranger's handshake and self-signed events never replace the tenant's token", async () => {
    const e = await setup();
    const sender = await handshake(e);
    expect((await sender.sendEvent(e.url, propsEvent(e.pageIds[0] as string))).attempts[0]?.status).toBe(200);
    e.lane.sent.splice(0);
    const intruder = new NotionWebhookSender({ now: () => e.clock.now() });
    expect((await intruder.sendVerification(e.url)).status).toBe(200);
    const forged = await intruder.sendEvent(e.url, propsEvent(e.pageIds[1] as string));
    expect(forged.attempts.every((a) => a.status === 401)).toBe(true);
    expect(e.lane.sent).toHaveLength(0);
    const rec = await e.store.getNotionWebhook(TENANT);
    expect(await e.secrets.get(rec?.confirmedRef as string)).toBe(sender.verificationToken);
    expect((await sender.sendEvent(e.url, propsEvent(e.pageIds[1] as string))).attempts[0]?.status).toBe(200);
  });

  test('wrong token, tampered body, missing header: 401, and nothing is queued', async () => {
    const e = await setup();
    await handshake(e);
    const stranger = new NotionWebhookSender();
    const wrong = await stranger.sendEvent(e.url, propsEvent(e.pageIds[0] as string));
    expect(wrong.attempts[0]?.status).toBe(401);

    const sender = new NotionWebhookSender({
      verificationToken: e.secrets.values.get(`${TENANT}/notion-webhook-pending`),
    });
    const body = JSON.stringify(
      sender.payload(propsEvent(e.pageIds[1] as string), 1, randomUUID(), new Date().toISOString()),
    );
    const sig = signWebhookBody(body, sender.verificationToken);
    expect(await post(e.url, body.replace(e.pageIds[1] as string, e.pageIds[2] as string), sig)).toBe(401);
    expect(await post(e.url, body)).toBe(401);
    expect(await post(e.url, body, 'sha256=zz')).toBe(401);
    expect(fetchMessages(e)).toHaveLength(0);
    // The untouched body with its signature is accepted.
    expect(await post(e.url, body, sig)).toBe(200);
    expect(fetchMessages(e)).toHaveLength(1);
  });
});

describe('Notion page changes → Brevo events', () => {
  test('a burst for 30 pages is one lane message; one Brevo event per edit, redeliveries and the poll included', async () => {
    const e = await setup();
    await fullSync(e);
    const sender = await handshake(e);
    e.clock.advance(5 * 60_000);
    const edited = e.pageIds.slice(0, 30);
    for (const [i, id] of edited.entries()) e.notion.updatePage(id, { Company: `Edited ${i}` });
    const ids: string[] = [];
    for (const id of edited) {
      const evId = randomUUID();
      ids.push(evId);
      const r = await sender.sendEvent(e.url, propsEvent(id, evId));
      expect(r.attempts[0]?.status).toBe(200);
    }
    expect(fetchMessages(e).length).toBeGreaterThanOrEqual(1);
    expect(fetchMessages(e).length).toBeLessThanOrEqual(2);

    // The same event delivered again (a Notion retry): no second effect.
    const again = await sender.sendEvent(e.url, propsEvent(edited[0] as string, ids[0]));
    expect(again.attempts[0]?.status).toBe(200);
    await drain(e);
    const events = e.brevo.events().filter((ev) => ev.event_name.startsWith('notion_page_'));
    expect(events).toHaveLength(30);
    const first = events.find((ev) => ev.event_properties?.page_id === edited[0]);
    expect(first?.event_name).toBe('notion_page_updated');
    // The row's contact (written by the sync), not the account identifier.
    expect(first?.identifiers.email_id).toMatch(/@example\.com$/);
    expect(first?.event_properties?.changed_properties).toEqual(['Name']);
    expect(first?.event_properties?.title).toBeTruthy();

    // A new event id for an edit already sent (Notion's aggregation, a late duplicate): fetched, not re-sent.
    await sender.sendEvent(e.url, propsEvent(edited[1] as string));
    await drain(e);
    // The poll sees the same edits: its incremental sync does not send them again.
    await enqueueNotionSync(
      { connections: e.store, lane: e.lane, clock: e.clock },
      { tenantId: TENANT, mode: 'incremental', trigger: 'schedule' },
    );
    await drain(e);
    expect(e.brevo.events().filter((ev) => ev.event_name.startsWith('notion_page_'))).toHaveLength(30);
  });

  test('an edit only the poll sees becomes one event too', async () => {
    const e = await setup();
    await fullSync(e);
    e.clock.advance(5 * 60_000);
    const id = e.pageIds[5] as string;
    e.notion.updatePage(id, { Company: 'Polled' });
    await enqueueNotionSync(
      { connections: e.store, lane: e.lane, clock: e.clock },
      { tenantId: TENANT, mode: 'incremental', trigger: 'schedule' },
    );
    await drain(e);
    const events = e.brevo.events().filter((ev) => ev.event_name.startsWith('notion_page_'));
    expect(events.map((ev) => ev.event_properties?.page_id)).toEqual([id]);
    expect(events[0]?.identifiers.email_id).toMatch(/@example\.com$/);
  });

  test('a page outside the synced databases uses the account-level identifier', async () => {
    const e = await setup();
    const sender = await handshake(e);
    const page = e.notion.addContentPage({ title: 'Roadmap' });
    const r = await sender.sendEvent(e.url, {
      type: 'page.content_updated',
      entity: { id: page.id, type: 'page' },
      data: { updated_blocks: [] },
    });
    expect(r.attempts[0]?.status).toBe(200);
    await drain(e);
    const events = e.brevo.events().filter((ev) => ev.event_name.startsWith('notion_page_'));
    expect(events).toHaveLength(1);
    expect(events[0]?.identifiers).toEqual({ ext_id: 'acme-account' });
    expect(events[0]?.event_properties?.title).toBe('Roadmap');
  });
});

describe('a page Notion answers unreadably', () => {
  test('is one recorded error; the other pages of the fetch batch still become events', async () => {
    const e = await setup();
    await fullSync(e);
    const sender = await handshake(e);
    e.clock.advance(5 * 60_000);
    const edited = e.pageIds.slice(0, 3);
    for (const [i, id] of edited.entries()) e.notion.updatePage(id, { Company: `Edited ${i}` });
    for (const id of edited) expect((await sender.sendEvent(e.url, propsEvent(id))).attempts[0]?.status).toBe(200);
    expect(fetchMessages(e)).toHaveLength(1);
    // The fetch message's first Notion request (the first page's GET) is answered 200 with an
    // object that is no page: the client's one-line `unexpected_answer`.
    const logs: { level: string; message: string; data?: Record<string, unknown> }[] = [];
    e.notion.failNext(1, { status: 200, code: 'not_a_page', message: 'this is not a page object' });
    while (e.done < e.lane.sent.length) {
      const msg = e.lane.sent[e.done++] as LaneMessage;
      await handleNotionLaneMessage(
        {
          connections: e.store,
          cursors: e.store,
          runs: e.store,
          secrets: e.secrets,
          webhooks: e.store,
          markers: e.store,
          lane: e.lane,
          clock: e.clock,
          endpoints: { notionBaseUrl: e.notion.baseUrl, brevoBaseUrl: e.brevo.baseUrl },
          syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
          log: (level, message, data) => logs.push({ level, message, data }),
        },
        msg.body,
        { deadline: Number.POSITIVE_INFINITY, lastAttempt: false },
      );
    }
    const fetched = logs.find((l) => l.message === 'Notion webhook pages fetched');
    expect(fetched).toMatchObject({ level: 'warn', data: { fetched: 2, sent: 2, failed: 1 } });
    const errors = fetched?.data?.errors as { pageId: string; reason: string }[];
    expect(errors).toHaveLength(1);
    expect(edited).toContain(errors[0]?.pageId);
    expect(errors[0]?.reason).toMatch(/^Notion answered .* without a field we need \(.+\); nothing was done/);
    // The two readable pages' events came from the fetch; the database sync it queued read the
    // third row (readable there) and sent its event: each edit exactly once, none lost.
    const events = e.brevo.events().filter((ev) => ev.event_name.startsWith('notion_page_'));
    expect(events.map((ev) => ev.event_properties?.page_id).sort()).toEqual([...edited].sort());
    // The batch is done: nothing left in the inbox to fetch again and again.
    expect(await e.store.listPendingPages(TENANT, 100)).toEqual([]);
  });
});

describe('a page Notion keeps failing (issue 12 §4)', () => {
  test('gives up within its short budget and goes out of the way; the other pages of the tenant still become events', async () => {
    const e = await setup();
    await fullSync(e);
    const sender = await handshake(e);
    e.clock.advance(5 * 60_000);
    const [stuck, other, later] = e.pageIds as [string, string, string];
    for (const id of [stuck, other]) e.notion.updatePage(id, { Company: `Edited ${id.slice(0, 4)}` });
    // The stuck page answers 503 to every request, for as long as the test lasts.
    e.notion.failPath(`/v1/pages/${stuck}`, { status: 503, code: 'service_unavailable', message: 'down' });
    for (const id of [stuck, other])
      expect((await sender.sendEvent(e.url, propsEvent(id))).attempts[0]?.status).toBe(200);
    const deps = {
      connections: e.store,
      cursors: e.store,
      runs: e.store,
      secrets: e.secrets,
      webhooks: e.store,
      markers: e.store,
      lane: e.lane,
      clock: e.clock,
      endpoints: { notionBaseUrl: e.notion.baseUrl, brevoBaseUrl: e.brevo.baseUrl },
      syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
    };
    /** Runs the lane's messages in order; the failures (what the worker retries out of the way) are kept. */
    const failures: { body: string; error: unknown; tookMs: number }[] = [];
    const run = async () => {
      while (e.done < e.lane.sent.length) {
        const msg = e.lane.sent[e.done++] as LaneMessage;
        const started = e.clock.now();
        try {
          await handleNotionLaneMessage(deps, msg.body, { deadline: Number.POSITIVE_INFINITY, lastAttempt: false });
        } catch (error) {
          failures.push({ body: msg.body, error, tookMs: e.clock.now() - started });
        }
      }
    };
    await run();
    const pageEvents = () =>
      e.brevo
        .events()
        .filter((ev) => ev.event_name.startsWith('notion_page_'))
        .map((ev) => ev.event_properties?.page_id);
    // The other page of the batch became its event; the stuck one was split into a message of its
    // own, which failed within its budget (retry waits on the virtual clock: none crossed it). (Its
    // row's change still reached Brevo through the database sync the batch queued: the data source
    // query is not the failing page's path.)
    expect(pageEvents()).toContain(other);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(JSON.parse(failure?.body ?? '{}')).toMatchObject({ type: 'notion.pages.fetch', pages: [{ pageId: stuck }] });
    expect(failure?.error).not.toBeInstanceOf(ParkLane); // a 5xx: retried out of the group's way, not parked
    expect(failure?.tookMs).toBeLessThanOrEqual(PAGE_FETCH_BUDGET_MS + NOTION_INTERVAL_MS);

    // The worker takes it out of the group's way: a retry through the timer queue, later.
    const timers = new RecordingLane();
    const out = await retryLater(
      { lane: timers, clock: e.clock },
      {
        queue: 'notionLane',
        opened: openLaneMessage(failure?.body ?? ''),
        groupId: 'g',
        reason: 'Notion error 503',
      },
    );
    expect(out).toMatchObject({ outcome: 'retry', attempts: 1 });
    expect(timers.sent).toHaveLength(1);
    expect(timers.sent[0]?.body).toContain(stuck);

    // Meanwhile another edit of the same tenant goes through at once.
    e.clock.advance(60_000);
    e.notion.updatePage(later, { Company: 'Edited later' });
    expect((await sender.sendEvent(e.url, propsEvent(later))).attempts[0]?.status).toBe(200);
    await run();
    expect(pageEvents()).toContain(later);
    expect(failures).toHaveLength(1);
  });
});
