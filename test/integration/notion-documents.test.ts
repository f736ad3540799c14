/**
 * The document library through the management API and the Notion lane: an import asked for over the
 * API travels as a lane message in the connection's group, the lane worker imports the page (the
 * Notion simulator, documents on disk, records in dynalite), and the API lists and serves it. Re-sync
 * on demand and from the 4-hourly poll, continued across steps; the webhook's pending token for the
 * admin; read-only connections that cannot write to Notion.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@notionhq/client';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import {
  blocks as b,
  NotionSimulator,
  NotionWebhookSender,
  pdfOnlyContent,
  realisticContent,
} from '../../sandbox/notion';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { handleApiRequest } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import { RESYNC_STEP_RESERVE_MS } from '../../shared/connectors/notion/documents/documents';
import { handleNotionLaneMessage } from '../../shared/connectors/notion/lane';
import { handleNotionPoll } from '../../shared/connectors/notion/poller';
import { NotionReadOnlyError } from '../../shared/connectors/notion/read-only';
import { acceptNotionWebhook } from '../../shared/connectors/notion/webhooks';
import type { ApiDeps } from '../../shared/core/http/api-types';
import type { Clock, ConnectionRecord, LaneMessage, LaneQueue, ScheduleManager } from '../../shared/core/ports';
import { emptySummary } from '../../shared/core/runs/summary';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { apiDepsOver, freshStore } from '../support/stores';

const T0 = Date.parse('2026-11-22T09:00:30.000Z');
const BASE = '/tenants/{tenantId}/connections/notion';

class RecordingLane implements LaneQueue {
  readonly sent: LaneMessage[] = [];
  async send(_queue: 'notionLane', messages: LaneMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

interface Env {
  sim: NotionSimulator;
  simClock: SimClock;
  clock: Clock;
  store: DynamoRepositories;
  dir: string;
  secrets: FileSecretStore;
  documents: LocalDocumentStore;
  lane: RecordingLane;
  /** Lane messages already run. */
  done: number;
  notionToken: string;
  /** Set by the tests whose lane runs a database sync (it reads Brevo's attributes). */
  brevo?: BrevoSimulator;
}

let env: Env;

beforeEach(async () => {
  const notionToken = `secret_${randomUUID()}`;
  const simClock = new SimClock();
  simClock.set(T0);
  const sim = new NotionSimulator({ tokens: [notionToken], rateLimit: false, clock: simClock });
  await sim.start();
  const dir = await mkdtemp(join(tmpdir(), 'tajo-docs-'));
  env = {
    sim,
    simClock,
    // The pacer's sleeps move the simulator's clock: pacing without waiting, file expiry still real.
    clock: { now: () => simClock.now(), sleep: async (ms) => simClock.advance(ms) },
    store: (await freshStore()).store,
    dir,
    secrets: new FileSecretStore(join(dir, 'secrets')),
    documents: new LocalDocumentStore(join(dir, 'documents')),
    lane: new RecordingLane(),
    done: 0,
    notionToken,
  };
});

afterEach(async () => {
  await env.brevo?.stop();
  await env.sim.stop();
  await rm(env.dir, { recursive: true, force: true });
});

/** A tenant with its API key and a Notion connection made from `notionYaml` (import-only by default). */
async function tenant(notionYaml = ''): Promise<{ tenantId: string; key: string; conn: ConnectionRecord }> {
  const tenantId = `docs-${randomUUID().slice(0, 8)}`;
  const key = newApiKey();
  await env.store.putTenant({ tenantId, apiKeyHash: hashApiKey(key), createdAt: new Date(T0).toISOString() });
  const yaml = `brevo:\n  api_key: xkeysib-unused\nconnectors:\n  notion:\n    token: ${env.notionToken}\n${notionYaml}`;
  const conn = await connectNotion(
    { connections: env.store, secrets: env.secrets, schedules: noSchedules, clock: env.clock },
    { tenantId, config: parseConfig(yaml, {}) },
  );
  return { tenantId, key, conn };
}

function apiDeps(): ApiDeps {
  const s = env.store;
  return apiDepsOver(s, {
    lane: env.lane,
    clock: env.clock,
    documents: env.documents,
    secrets: env.secrets,
    schedules: noSchedules,
    endpoints: {},
  });
}

async function api(
  t: { tenantId: string; key: string },
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: unknown; params?: Record<string, string>; key?: string | null } = {},
) {
  const key = opts.key === undefined ? t.key : opts.key;
  const res = await handleApiRequest(apiDeps(), {
    routeKey: `${method} ${BASE}${path}`,
    pathParameters: { tenantId: t.tenantId, ...opts.params },
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.status, body: res.body as Record<string, unknown> & Record<string, never> };
}

/** Runs every lane message not run yet, in order (continuations included), as the worker would. */
async function drain(deadlineMs = Number.POSITIVE_INFINITY): Promise<void> {
  while (env.done < env.lane.sent.length) {
    const msg = env.lane.sent[env.done++] as LaneMessage;
    await handleNotionLaneMessage(
      {
        connections: env.store,
        cursors: env.store,
        runs: env.store,
        secrets: env.secrets,
        lane: env.lane,
        clock: env.clock,
        endpoints: { notionBaseUrl: env.sim.baseUrl, brevoBaseUrl: env.brevo?.baseUrl },
        documents: env.documents,
        imported: env.store,
      },
      msg.body,
      { deadline: env.clock.now() + deadlineMs, lastAttempt: false },
    );
  }
}

const readsOnly = () =>
  env.sim.log.records.every((r) => r.method === 'GET' || (r.method === 'POST' && /\/(search|query)$/.test(r.path)));

describe('import through the API', () => {
  test('POST imports → one lane message in the connection group → the page is imported, listed and served', async () => {
    const t = await tenant();
    const page = env.sim.addContentPage({
      title: 'Billing guide',
      children: realisticContent(3, { childPages: 1 }),
      icon: { type: 'emoji', emoji: '💶' },
    });
    const queued = await api(t, 'POST', '/imports', { body: { page: page.url } });
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ queued: true, importId: expect.any(String), pageId: page.id });
    expect(env.lane.sent).toHaveLength(1);
    const sent = env.lane.sent[0] as LaneMessage;
    expect(sent.groupId).toBe(t.conn.integrationKey);
    expect(JSON.parse(sent.body)).toEqual({
      type: 'notion.documents.import',
      tenantId: t.tenantId,
      runId: queued.body.importId,
      pageId: page.id,
      trigger: 'api',
    });
    // Recorded when queued: the id answers at once, running until the lane has done it.
    const params = { importId: queued.body.importId as unknown as string };
    expect((await api(t, 'GET', '/imports/{importId}', { params })).body).toMatchObject({
      status: 'running',
      kind: 'import',
      pageId: page.id,
    });
    expect(env.sim.log.records).toHaveLength(0);

    await drain();
    const done = await api(t, 'GET', '/imports/{importId}', { params });
    expect(done.body).toMatchObject({
      importId: params.importId,
      kind: 'import',
      pageId: page.id,
      status: 'succeeded',
      trigger: 'api',
      imported: 1,
      failed: 0,
      error: null,
      notionRequests: env.sim.stats().requests,
    });

    const list = await api(t, 'GET', '/documents');
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(1);
    const [doc] = list.body.documents as unknown as Record<string, unknown>[];
    expect(doc).toMatchObject({
      pageId: page.id,
      title: 'Billing guide',
      url: page.url,
      kind: 'markdown',
      icon: { type: 'emoji', emoji: '💶' },
      parent: { type: 'workspace', workspace: true },
      resyncedAt: null,
      documentKey: `notion/${page.id}/page.md`,
    });
    expect(doc?.importedAt).toBe(doc?.updatedAt);
    expect(((doc?.files ?? []) as { contentType: string }[]).map((f) => f.contentType).sort()).toEqual([
      'application/pdf',
      'image/png',
    ]);

    const one = await api(t, 'GET', '/documents/{pageId}', { params: { pageId: page.id.replace(/-/g, '') } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ pageId: page.id, title: 'Billing guide', createdTime: expect.any(String) });
    const markdown = one.body.markdown as unknown as string;
    expect(markdown.startsWith('---')).toBe(false);
    for (const expected of ['# Segments guide', '```sql', '- [x] Owner assigned', '| Limit |']) {
      expect(markdown).toContain(expected);
    }
    expect(markdown).toContain('files/');
    expect(readsOnly()).toBe(true);
  });

  test('a PDF-only page is served as its file; metadata still comes with it', async () => {
    const t = await tenant();
    const page = env.sim.addContentPage({ title: 'Signed contract', children: pdfOnlyContent('contract.pdf') });
    await api(t, 'POST', '/imports', { body: { page: page.id } });
    await drain();
    const one = await api(t, 'GET', '/documents/{pageId}', { params: { pageId: page.id } });
    expect(one.body).toMatchObject({
      kind: 'file',
      markdown: null,
      title: 'Signed contract',
      file: { key: `notion/${page.id}/contract.pdf`, contentType: 'application/pdf', size: expect.any(Number) },
    });
  });

  test('bad input is a 400 and queues nothing; a page not shared fails its run with the reason, once', async () => {
    const t = await tenant();
    for (const body of [{ page: 'not a page' }, { page: '' }, {}, { page: 'x', tenantId: 'other' }]) {
      const res = await api(t, 'POST', '/imports', { body });
      expect(res.status).toBe(400);
    }
    expect((await api(t, 'GET', '/documents/{pageId}', { params: { pageId: 'nope' } })).status).toBe(400);
    expect((await api(t, 'GET', '/imports/{importId}', { params: { importId: 'nope' } })).status).toBe(404);
    expect(env.lane.sent).toHaveLength(0);

    const hidden = env.sim.addContentPage({ title: 'Private plans', children: [b.paragraph('x')], shared: false });
    const queued = await api(t, 'POST', '/imports', { body: { page: hidden.id } });
    await drain(); // returns normally: retrying cannot share the page
    const run = await api(t, 'GET', '/imports/{importId}', {
      params: { importId: queued.body.importId as unknown as string },
    });
    expect(run.body).toMatchObject({ status: 'failed', failed: 1, imported: 0 });
    expect(run.body.error).toMatch(/share it with the integration/);
    expect((await api(t, 'GET', '/documents')).body.count).toBe(0);
    expect((await api(t, 'GET', '/documents/{pageId}', { params: { pageId: hidden.id } })).status).toBe(404);
  });

  test("every route needs the tenant's key; another tenant's key sees nothing of it", async () => {
    const a = await tenant();
    const other = await tenant();
    const page = env.sim.addContentPage({ title: 'Handbook', children: [b.paragraph('hello')] });
    await api(a, 'POST', '/imports', { body: { page: page.id } });
    await drain();
    const routes: ['GET' | 'POST', string, Record<string, string>?][] = [
      ['POST', '/imports'],
      ['GET', '/imports/{importId}', { importId: (JSON.parse(env.lane.sent[0]!.body) as { runId: string }).runId }],
      ['GET', '/documents'],
      ['GET', '/documents/{pageId}', { pageId: page.id }],
      ['POST', '/documents/resync'],
      ['GET', '/webhook'],
    ];
    for (const [method, path, params] of routes) {
      expect((await api(a, method, path, { params, key: null, body: { page: page.id } })).status).toBe(401);
      const crossed = await api(a, method, path, { params, key: other.key, body: { page: page.id } });
      expect(crossed.status).toBe(404);
      expect(JSON.stringify(crossed.body)).not.toContain('Handbook');
    }
    expect(env.lane.sent).toHaveLength(1);
    // The other tenant's own library is empty, and its document route does not reach a's.
    expect((await api(other, 'GET', '/documents')).body.count).toBe(0);
    expect((await api(other, 'GET', '/documents/{pageId}', { params: { pageId: page.id } })).status).toBe(404);
  });
});

describe('re-sync', () => {
  async function importTwo(t: { tenantId: string; key: string }) {
    const first = env.sim.addContentPage({ title: 'Onboarding', children: [b.paragraph('Welcome aboard.')] });
    const second = env.sim.addContentPage({ title: 'Pricing', children: [b.paragraph('Plans and prices.')] });
    // Imported a minute after the pages' last edit: Notion's minute-rounded edit time proves them unchanged.
    env.simClock.advance(60_000);
    await api(t, 'POST', '/imports', { body: { page: first.id } });
    await api(t, 'POST', '/imports', { body: { page: second.id } });
    await drain();
    return { first, second };
  }

  test('on demand: only the edited page is imported again; every document gets its resyncedAt', async () => {
    const t = await tenant();
    const { first, second } = await importTwo(t);
    env.simClock.advance(5 * 60_000);
    env.sim.appendBlocks(second.id, [b.paragraph('New: a yearly plan.')]);
    env.simClock.advance(2 * 60_000);
    env.sim.resetStats();

    const resyncStart = new Date(env.clock.now()).toISOString();
    const queued = await api(t, 'POST', '/documents/resync', { body: {} });
    expect(queued.status).toBe(202);
    expect(JSON.parse(env.lane.sent.at(-1)!.body)).toMatchObject({ type: 'notion.documents.resync', step: 0 });
    await drain();
    const run = await api(t, 'GET', '/imports/{importId}', {
      params: { importId: queued.body.importId as unknown as string },
    });
    expect(run.body).toMatchObject({ kind: 'resync', status: 'succeeded', pagesChecked: 2, imported: 1, unchanged: 1 });
    // One page read each, then the edited page's content: nothing else.
    expect(env.sim.stats().byRoute['GET /v1/pages/:page_id']).toBe(2);
    expect(run.body.notionRequests).toBe(env.sim.stats().requests);

    const pricing = await api(t, 'GET', '/documents/{pageId}', { params: { pageId: second.id } });
    expect(pricing.body.markdown).toContain('New: a yearly plan.');
    expect(pricing.body.updatedAt).not.toBe(pricing.body.importedAt);
    const listed = (await api(t, 'GET', '/documents')).body.documents as unknown as Record<string, unknown>[];
    for (const d of listed) expect((d.resyncedAt as string) >= resyncStart).toBe(true);
    const onboarding = listed.find((d) => d.pageId === first.id);
    expect(onboarding?.updatedAt).toBe(onboarding?.importedAt);
  });

  test('the 4-hourly poll queues the re-sync beside the sync when there are documents, and not without', async () => {
    env.brevo = new BrevoSimulator({ apiKeys: ['xkeysib-unused'], limits: false, importProcessingMs: 0 });
    await env.brevo.start();
    const t = await tenant();
    const pollDeps = {
      connections: env.store,
      lane: env.lane,
      schedules: noSchedules,
      clock: env.clock,
      imported: env.store,
    };
    const empty = await handleNotionPoll(pollDeps, { tenantId: t.tenantId });
    expect(empty).toMatchObject({ queued: 1, documentsResyncQueued: 0 });
    await drain();

    await importTwo(t);
    env.sim.resetStats();
    const sent = env.lane.sent.length;
    env.simClock.advance(10 * 60_000);
    const polled = await handleNotionPoll(pollDeps, { tenantId: t.tenantId });
    expect(polled).toMatchObject({ queued: 1, documentsResyncQueued: 1 });
    const types = env.lane.sent.slice(sent).map((m) => (JSON.parse(m.body) as { type: string }).type);
    expect(types).toEqual(['notion.sync.start', 'notion.documents.resync']);
    expect(new Set(env.lane.sent.slice(sent).map((m) => m.groupId))).toEqual(new Set([t.conn.integrationKey]));
    await drain();
    const last = (await env.store.listRuns(t.tenantId, 'notion', 1, { job: 'documents' }))[0];
    expect(last).toMatchObject({ trigger: 'schedule', status: 'succeeded', summary: { pagesRead: 2, upserted: 0 } });
    // Unchanged pages cost one request each.
    expect(env.sim.stats().byRoute['GET /v1/blocks/:block_id/children'] ?? 0).toBe(0);
  });

  test('a library larger than one step continues in the next message, in the same group, counting once', async () => {
    const t = await tenant();
    const pages = Array.from({ length: 4 }, (_, i) =>
      env.sim.addContentPage({ title: `Page ${i}`, children: [b.paragraph(`Body ${i}`)] }),
    );
    env.simClock.advance(60_000);
    for (const p of pages) await api(t, 'POST', '/imports', { body: { page: p.id } });
    await drain();
    const sent = env.lane.sent.length;
    env.simClock.advance(10 * 60_000);
    const queued = await api(t, 'POST', '/documents/resync');
    // Each step's budget ends right after its first document (a step always does one).
    await drain(RESYNC_STEP_RESERVE_MS);
    const steps = env.lane.sent.slice(sent).map((m) => JSON.parse(m.body) as { step: number; after?: string });
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    const sorted = pages.map((p) => p.id).sort();
    expect(steps.map((s) => s.after)).toEqual([undefined, ...sorted.slice(0, 3)]);
    const run = await api(t, 'GET', '/imports/{importId}', {
      params: { importId: queued.body.importId as unknown as string },
    });
    expect(run.body).toMatchObject({ status: 'succeeded', pagesChecked: 4, unchanged: 4, failed: 0 });

    // A redelivered earlier step changes nothing.
    const before = env.sim.stats().requests;
    env.lane.sent.push(env.lane.sent[sent + 1] as LaneMessage);
    await drain();
    expect(env.sim.stats().requests).toBe(before);
  });
});

describe('the webhook verification token, for the admin', () => {
  test('pending after the handshake: the token through the API only; status and logs show a hint', async () => {
    const t = await tenant();
    const logged: string[] = [];
    const ingress = {
      connections: env.store,
      webhooks: env.store,
      markers: env.store,
      secrets: env.secrets,
      lane: env.lane,
      clock: env.clock,
      log: (message: string, data: Record<string, unknown>) => logged.push(`${message} ${JSON.stringify(data)}`),
    };
    expect((await api(t, 'GET', '/webhook')).body).toMatchObject({ state: 'not_set_up', pending: null });

    const sender = new NotionWebhookSender();
    const handshake = { verification_token: sender.verificationToken };
    const res = await acceptNotionWebhook(ingress, {
      tenantId: t.tenantId,
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify(handshake)),
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(sender.verificationToken);

    const view = await api(t, 'GET', '/webhook');
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      state: 'pending',
      pending: { token: sender.verificationToken, receivedAt: new Date(env.clock.now()).toISOString() },
      confirmed: null,
    });
    expect(view.body.next).toMatch(/fetch the pending verification token .* and paste it into Notion/);

    const status = await handleApiRequest(apiDeps(), {
      routeKey: 'GET /tenants/{tenantId}/connections/{connector}/status',
      pathParameters: { tenantId: t.tenantId, connector: 'notion' },
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(status.body).toMatchObject({ webhook: { state: 'pending', pending: { hint: expect.any(String) } } });
    expect(JSON.stringify(status.body)).not.toContain(sender.verificationToken);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain(sender.verificationToken);
    // The record in the table keeps a reference and a hint, never the token.
    expect(JSON.stringify(await env.store.getNotionWebhook(t.tenantId))).not.toContain(sender.verificationToken);
  });
});

describe('read-only connections', () => {
  async function writeThrough(gateway: unknown) {
    const client = (gateway as { client: Client }).client;
    const page = env.sim.addContentPage({ title: 'Target', children: [b.paragraph('x')] });
    return Promise.allSettled([
      client.pages.create({
        parent: { page_id: page.id },
        properties: { title: { title: [{ text: { content: 'New' } }] } },
      }),
      client.pages.update({ page_id: page.id, properties: { title: { title: [{ text: { content: 'Renamed' } }] } } }),
      client.blocks.children.append({
        block_id: page.id,
        children: [{ paragraph: { rich_text: [{ text: { content: 'appended' } }] } }],
      }),
      client.comments.create({ parent: { page_id: page.id }, rich_text: [{ text: { content: 'hi' } }] }),
      client.blocks.delete({ block_id: page.blockIds[0] as string }),
    ]);
  }

  function context(settings: ConnectionRecord['settings']) {
    return buildNotionContext({
      tenantId: 'ro',
      settings,
      notionToken: env.notionToken,
      brevoApiKey: 'xkeysib-unused',
      cursors: env.store,
      runs: env.store,
      clock: env.clock,
      endpoints: { notionBaseUrl: env.sim.baseUrl },
    });
  }

  test('an import-only connection: reads work, every write is refused before it is sent or counted', async () => {
    const t = await tenant();
    const ctx = context(t.conn.settings);
    const page = env.sim.addContentPage({ title: 'Readable', children: [b.paragraph('x')] });
    expect((await ctx.notion.search({ query: 'Readable' })).results).toHaveLength(1);
    expect((await ctx.notion.retrievePage(page.id)).id).toBe(page.id);
    env.sim.resetStats();
    const requestsBefore = ctx.stats.notion.requests;

    const results = await writeThrough(ctx.notion);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(NotionReadOnlyError);
      expect(reason.message).toMatch(
        /^connectors\.notion\.read_only: the Notion connection is read-only: (POST|PATCH|DELETE) \/v1\//,
      );
    }
    expect(env.sim.stats().requests).toBe(0);
    expect(ctx.stats.notion.requests).toBe(requestsBefore);
  });

  test('a database-sync connection is not read-only by default (the same writes reach Notion); read_only: true makes it so', async () => {
    const withDb = '    databases:\n      - id: "1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60"\n        sync_to_list: Customers\n';
    const writable = await tenant(withDb);
    env.sim.resetStats();
    const results = await writeThrough(context(writable.conn.settings).notion);
    // Every write reached Notion (the simulator has no comments or block deletion: it answers 400).
    expect(env.sim.log.records.map((r) => r.method).sort()).toEqual(['DELETE', 'PATCH', 'PATCH', 'POST', 'POST']);
    expect(results.slice(0, 3).every((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).not.toBeInstanceOf(NotionReadOnlyError);

    const locked = await tenant(`    read_only: true\n${withDb}`);
    env.sim.resetStats();
    const refused = await writeThrough(context(locked.conn.settings).notion);
    expect(refused.every((r) => r.status === 'rejected')).toBe(true);
    expect(env.sim.stats().requests).toBe(0);
  });

  test('many imports never push the last database sync out of the status', async () => {
    const t = await tenant();
    const run = (n: number, job?: 'documents') => ({
      tenantId: t.tenantId,
      connector: 'notion' as const,
      runId: `20261122T0${String(n).padStart(5, '0')}Z-0000000${n % 10}`,
      ...(job ? { job } : {}),
      mode: 'incremental' as const,
      status: 'succeeded' as const,
      startedAt: new Date(T0 + n * 1000).toISOString(),
      finishedAt: new Date(T0 + n * 1000).toISOString(),
      trigger: 'api' as const,
      summary: emptySummary('incremental'),
    });
    await env.store.putRun(run(1));
    for (let n = 2; n < 80; n++) await env.store.putRun(run(n, 'documents'));
    const status = await handleApiRequest(apiDeps(), {
      routeKey: 'GET /tenants/{tenantId}/connections/{connector}/status',
      pathParameters: { tenantId: t.tenantId, connector: 'notion' },
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(status.body).toMatchObject({
      lastRun: { runId: run(1).runId },
      recentRuns: [{ runId: run(1).runId }],
      documents: { lastRun: { runId: run(79).runId, job: 'documents' } },
    });
  });

  test('the status says whether the connection is read-only', async () => {
    const t = await tenant();
    const status = await handleApiRequest(apiDeps(), {
      routeKey: 'GET /tenants/{tenantId}/connections/{connector}/status',
      pathParameters: { tenantId: t.tenantId, connector: 'notion' },
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(status.body).toMatchObject({ readOnly: true, documents: { count: 0, lastRun: null } });
  });
});
