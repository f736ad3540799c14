/**
 * shared/app/api.ts: the management API without API Gateway, over dynalite and a lane that
 * records what it is sent. The tenant comes from the path and must match the key; the body never
 * names it (DESIGN §7).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxConfigYaml } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { apiRouteKeys, handleApiRequest, servedRouteKeys } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import type { ScheduleName } from '../../shared/app/topology';
import { topology } from '../../shared/app/topology';
import { notionLaneMessageSchema } from '../../shared/connectors/notion/lane/messages';
import type { ApiRequest } from '../../shared/core/http/api-types';
import type { LaneMessage, LaneQueue, RunRecord, ScheduleManager } from '../../shared/core/ports';
import { emptySummary } from '../../shared/core/runs/summary';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { apiDepsOver, freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const SYNC = 'POST /tenants/{tenantId}/connections/{connector}/sync';
const STATUS = 'GET /tenants/{tenantId}/connections/{connector}/status';
const TENANT_ROUTES = [SYNC, STATUS];

class RecordingLane implements LaneQueue {
  readonly sent: { queue: string; message: LaneMessage }[] = [];
  async send(queue: 'notionLane', messages: LaneMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ queue, message });
  }
}

class RecordingSchedules implements ScheduleManager {
  readonly ensured: { schedule: ScheduleName; name: string; input: unknown; timezone?: string }[] = [];
  async ensure(schedule: ScheduleName, name: string, input: unknown, options: { timezone?: string } = {}) {
    this.ensured.push({ schedule, name, input, ...options });
  }
  async remove(): Promise<void> {}
}

let store: DynamoRepositories;
let stateDir: string;
const clock = new VirtualClock();

beforeAll(async () => {
  ({ store } = await freshStore());
  stateDir = mkdtempSync(join(tmpdir(), 'tajo-api-test-'));
});

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

function deps(lane = new RecordingLane()) {
  const secrets = new FileSecretStore(join(stateDir, 'api-deps'));
  return {
    lane,
    deps: apiDepsOver(store, {
      secrets,
      schedules: new RecordingSchedules(),
      lane,
      clock,
      endpoints: {},
      documents: new LocalDocumentStore(join(stateDir, 'documents')),
    }),
  };
}

/** A tenant with its API key and (optionally) a Notion connection made through connectNotion. */
async function tenant(opts: { connect?: boolean } = {}) {
  const tenantId = `t-${randomUUID().slice(0, 8)}`;
  const key = newApiKey();
  await store.putTenant({ tenantId, apiKeyHash: hashApiKey(key), createdAt: new Date(clock.now()).toISOString() });
  let integrationKey: string | undefined;
  if (opts.connect !== false) {
    const config = parseConfig(sandboxConfigYaml(), {
      NOTION_TOKEN: `secret_${randomUUID()}`,
      BREVO_API_KEY: `xkeysib-${randomUUID()}`,
    });
    // Each tenant gets its own secret directory (the file store is not the subject here).
    const secrets = new FileSecretStore(join(stateDir, tenantId));
    const conn = await connectNotion(
      { connections: store, secrets, schedules: new RecordingSchedules(), clock },
      { tenantId, config },
    );
    integrationKey = conn.integrationKey;
  }
  return { tenantId, key, integrationKey };
}

function req(routeKey: string, tenantId: string | undefined, key: string | undefined, body?: string): ApiRequest {
  return {
    routeKey,
    pathParameters: { tenantId, connector: 'notion' },
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    body,
  };
}

function run(tenantId: string, n: number, over: Partial<RunRecord> = {}): RunRecord {
  const startedAt = new Date(Date.parse('2026-11-01T00:00:00.000Z') + n * 3_600_000).toISOString();
  return {
    tenantId,
    connector: 'notion',
    runId: `${startedAt.replace(/[-:.]/g, '')}-${String(n).padStart(8, '0')}`,
    mode: 'incremental',
    status: 'succeeded',
    startedAt,
    finishedAt: startedAt,
    trigger: 'schedule',
    summary: emptySummary('incremental'),
    checkpoint: { phase: 'sources', secretish: 'cursor-data' },
    ...over,
  };
}

describe('routes', () => {
  test('every topology route of the api function is served, and nothing else', () => {
    const expected = topology.routes.filter((r) => r.function === 'api').map((r) => `${r.method} ${r.path}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(apiRouteKeys()).toEqual(expected);
    expect([...servedRouteKeys()].sort()).toEqual([...expected].sort());
  });

  test('GET /health needs no key', async () => {
    const { deps: d } = deps();
    const res = await handleApiRequest(d, { routeKey: 'GET /health', pathParameters: {}, headers: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true });
  });

  test('an unknown route is 404', async () => {
    const { tenantId, key } = await tenant({ connect: false });
    const { deps: d } = deps();
    const res = await handleApiRequest(d, req('DELETE /tenants/{tenantId}/everything', tenantId, key));
    expect(res.status).toBe(404);
  });

  test('newApiKey is random and only its hash is kept', () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^tajo_[A-Za-z0-9_-]{32}$/);
    expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(a)).not.toBe(hashApiKey(b));
    expect(hashApiKey(a)).not.toContain(a);
  });
});

describe('authentication and tenant isolation', () => {
  test.each(TENANT_ROUTES)('%s without a key is 401', async (route) => {
    const { tenantId } = await tenant();
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(route, tenantId, undefined, '{}'));
    expect(res.status).toBe(401);
    expect(lane.sent).toHaveLength(0);
  });

  test.each(TENANT_ROUTES)('%s with a malformed Authorization header is 401', async (route) => {
    const { tenantId, key } = await tenant();
    const { deps: d } = deps();
    const res = await handleApiRequest(d, { ...req(route, tenantId, undefined), headers: { authorization: key } });
    expect(res.status).toBe(401);
  });

  test.each(TENANT_ROUTES)("%s with tenant A's key on tenant B is 404 and touches nothing of B", async (route) => {
    const a = await tenant();
    const b = await tenant();
    await store.putRun(run(b.tenantId, 1));
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(route, b.tenantId, a.key, '{}'));
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain(b.tenantId);
    expect(JSON.stringify(res.body)).not.toContain('runId');
    expect(lane.sent).toHaveLength(0);
    // The same key on its own tenant works (so the 404 is about the tenant, not the key).
    const own = await handleApiRequest(d, req(route, a.tenantId, a.key, '{}'));
    expect([200, 202]).toContain(own.status);
  });

  test.each(TENANT_ROUTES)('%s for an unknown tenant is 404, the same answer as a wrong key', async (route) => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const unknown = await handleApiRequest(d, req(route, `nobody-${randomUUID().slice(0, 6)}`, a.key, '{}'));
    const wrongKey = await handleApiRequest(d, req(route, a.tenantId, newApiKey(), '{}'));
    expect(unknown.status).toBe(404);
    expect(wrongKey).toEqual(unknown);
    expect(lane.sent).toHaveLength(0);
  });

  test('a key header spelled Authorization (capitalised) is accepted', async () => {
    const a = await tenant();
    const { deps: d } = deps();
    const res = await handleApiRequest(d, {
      ...req(STATUS, a.tenantId, undefined),
      headers: { Authorization: `Bearer ${a.key}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('POST .../sync', () => {
  test('queues one start message in the connection’s lane, for the tenant of the path', async () => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(SYNC, a.tenantId, a.key));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: true, mode: 'incremental', runId: expect.any(String) });
    expect(lane.sent).toHaveLength(1);
    const sent = lane.sent[0]!;
    expect(sent.queue).toBe('notionLane');
    expect(sent.message.groupId).toBe(a.integrationKey);
    expect(sent.message.groupId).toMatch(/^notion-[0-9a-f]{20}$/);
    expect(sent.message.deduplicationId).toContain(a.tenantId);
    const body = notionLaneMessageSchema.parse(JSON.parse(sent.message.body));
    expect(body).toEqual({
      type: 'notion.sync.start',
      runId: expect.any(String),
      tenantId: a.tenantId,
      mode: 'incremental',
      trigger: 'api',
    });
  });

  test('{"full":true} starts a full sync', async () => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(SYNC, a.tenantId, a.key, '{"full":true}'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: true, mode: 'full', runId: expect.any(String) });
    expect(JSON.parse(lane.sent[0]!.message.body)).toMatchObject({ mode: 'full', tenantId: a.tenantId });
  });

  test('a body that names a tenant is refused and queues nothing (the tenant comes from the path)', async () => {
    const a = await tenant();
    const b = await tenant();
    const { deps: d, lane } = deps();
    for (const body of [`{"tenantId":"${b.tenantId}"}`, `{"full":true,"tenantId":"${b.tenantId}"}`]) {
      const res = await handleApiRequest(d, req(SYNC, a.tenantId, a.key, body));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/tenantId|unrecognized|key/i);
    }
    expect(lane.sent).toHaveLength(0);
  });

  test('a body that is not JSON (or not an object, or full not a boolean) is 400', async () => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const notJson = await handleApiRequest(d, req(SYNC, a.tenantId, a.key, '{full: true'));
    expect(notJson).toEqual({ status: 400, body: { error: 'the body is not JSON', code: 'bad_request' } });
    for (const body of ['[]', '"full"', '{"full":"yes"}']) {
      expect((await handleApiRequest(d, req(SYNC, a.tenantId, a.key, body))).status).toBe(400);
    }
    expect(lane.sent).toHaveLength(0);
  });

  test('a tenant without a Notion connection gets 409 and nothing is queued', async () => {
    const a = await tenant({ connect: false });
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(SYNC, a.tenantId, a.key));
    expect(res.status).toBe(409);
    expect(lane.sent).toHaveLength(0);
  });

  test('an unknown connector is 404; Slack (whose member sync runs in its daily job) is 409', async () => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const unknown = await handleApiRequest(d, {
      ...req(SYNC, a.tenantId, a.key),
      pathParameters: { tenantId: a.tenantId, connector: 'hubspot' },
    });
    expect(unknown.status).toBe(404);
    const slack = await handleApiRequest(d, {
      ...req(SYNC, a.tenantId, a.key),
      pathParameters: { tenantId: a.tenantId, connector: 'slack' },
    });
    expect(slack.status).toBe(409);
    expect(JSON.stringify(slack.body)).toMatch(/daily job/);
    expect(lane.sent).toHaveLength(0);
  });

  test('{"job":"users"} queues the Notion users sync in the same lane', async () => {
    const a = await tenant();
    const { deps: d, lane } = deps();
    const res = await handleApiRequest(d, req(SYNC, a.tenantId, a.key, '{"job":"users","full":true}'));
    expect(res).toMatchObject({ status: 202, body: { queued: true, mode: 'full', job: 'users' } });
    expect(lane.sent).toHaveLength(1);
    expect(lane.sent[0]?.message.groupId).toBe(a.integrationKey);
    expect(notionLaneMessageSchema.parse(JSON.parse(lane.sent[0]!.message.body))).toMatchObject({
      type: 'notion.users.sync',
      tenantId: a.tenantId,
      mode: 'full',
      trigger: 'api',
    });
    const bad = await handleApiRequest(d, req(SYNC, a.tenantId, a.key, '{"job":"pages"}'));
    expect(bad.status).toBe(400);
  });
});

describe('GET .../status', () => {
  test('returns the connection and the last runs, newest first, without the checkpoint', async () => {
    const a = await tenant();
    await store.putRun(run(a.tenantId, 1, { status: 'succeeded', finishedAt: '2026-11-01T01:30:00.000Z' }));
    await store.putRun(run(a.tenantId, 2, { status: 'failed', error: 'Notion rejected the token (401)' }));
    await store.putRun(run(a.tenantId, 3, { status: 'running', finishedAt: undefined }));
    // Another tenant's newer run is not shown.
    const other = await tenant();
    await store.putRun(run(other.tenantId, 9, { status: 'failed', error: 'other tenant' }));
    const { deps: d } = deps();
    const res = await handleApiRequest(d, req(STATUS, a.tenantId, a.key));
    expect(res.status).toBe(200);
    const body = res.body as Record<string, unknown> & {
      lastRun: Record<string, unknown>;
      recentRuns: { status: string; error?: string }[];
    };
    expect(body).toMatchObject({
      connector: 'notion',
      connected: true,
      enabled: true,
      apiVersion: '2025-09-03',
      lastSuccessAt: '2026-11-01T01:30:00.000Z',
    });
    expect(body.databases).toEqual([
      {
        id: '1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60',
        name: 'Customers',
        list: 'Notion customers',
        sources: 0,
        pagesTracked: 0,
        syncedUpTo: null,
        // Issue 10: status says which field mapping each database uses.
        mapping: 'database',
      },
    ]);
    expect(body.lastRun.status).toBe('running');
    expect(body.lastRun).not.toHaveProperty('checkpoint');
    expect(JSON.stringify(body)).not.toContain('cursor-data');
    expect(body.recentRuns.map((r) => r.status)).toEqual(['running', 'failed', 'succeeded']);
    expect(body.recentRuns[1]?.error).toContain('401');
    // Nothing of the secrets leaks.
    expect(JSON.stringify(body)).not.toMatch(/secret_|xkeysib-|tokenRef|local:/);
  });

  test('a connection without runs has lastRun null', async () => {
    const a = await tenant();
    const { deps: d } = deps();
    const res = await handleApiRequest(d, req(STATUS, a.tenantId, a.key));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lastRun: null, lastSuccessAt: null, recentRuns: [] });
  });

  test('a tenant without a connection is told it is not connected', async () => {
    const a = await tenant({ connect: false });
    const { deps: d } = deps();
    const res = await handleApiRequest(d, req(STATUS, a.tenantId, a.key));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ connector: 'notion', connected: false, configured: false, nextRun: null });
  });
});
