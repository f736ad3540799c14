/**
 * The management API's new routes over dynalite: GET /me (the key's tenant, found by its hash; a
 * tenant made before the index gets its item the first time its key is used), the sync body's
 * type and scope handed to the connector's hook, and GET .../runs/{runId}.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { handleApiRequest, UNKNOWN_KEY_REASON_ME } from '../../shared/app/api';
import { registerConnector } from '../../shared/connectors';
import type { ConnectorDescriptor, SyncNowHook } from '../../shared/core/connector';
import { RateLimitedError } from '../../shared/core/errors';
import type { ApiDeps, ApiRequest } from '../../shared/core/http/api-types';
import { emptySummary } from '../../shared/core/runs/summary';
import { createTenant, hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const clock = new VirtualClock();
let store: DynamoRepositories;
let dynamo: { client: DynamoDBClient; table: string };
let deps: ApiDeps;
const syncCalls: Parameters<SyncNowHook>[1][] = [];

/** A connector whose sync hook records what it was handed (the hook is the subject, not a provider). */
const probe = {
  name: 'probe',
  label: 'Probe',
  role: 'platform',
  providers: ['brevo'],
  config: { section: { parse: (v: unknown) => v } },
  http: [],
  routes: [],
  lanes: {},
  secrets: {},
  cli: { commands: [] },
  connection: {
    connect: { split: () => ({ credentials: { token: 'x' }, settings: {} }), check: async () => ({}) },
    test: { run: async () => [] },
    status: { read: async () => ({ connector: 'probe' }), print: () => undefined },
    sync: (async (_deps, args) => {
      if (args.scope?.databaseId === 'busy') throw new RateLimitedError('notion', 2500);
      syncCalls.push(args);
      return { queued: true, runId: 'run-1' };
    }) satisfies SyncNowHook,
  },
} as unknown as ConnectorDescriptor;

beforeAll(async () => {
  registerConnector(probe);
  const fresh = await freshStore();
  store = fresh.store;
  dynamo = fresh;
  deps = { tenants: store, connections: store, runs: store, clock, endpoints: {} } as unknown as ApiDeps;
});

function call(routeKey: string, key: string | undefined, params: Record<string, string> = {}, body?: unknown) {
  const req: ApiRequest = {
    routeKey,
    pathParameters: params,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
  return handleApiRequest(deps, req);
}

describe('GET /me', () => {
  test('a key answers its own tenant; no key is 401, an unknown or rotated key 404', async () => {
    const id = `me-${randomUUID().slice(0, 8)}`;
    const created = await createTenant({ tenants: store, clock }, id);
    expect(await call('GET /me', created.apiKey)).toEqual({ status: 200, body: { tenantId: id } });
    expect((await call('GET /me', undefined)).status).toBe(401);
    expect(await call('GET /me', newApiKey())).toEqual({
      status: 404,
      body: { error: UNKNOWN_KEY_REASON_ME, code: 'not_found' },
    });
    // Rotated: the new key finds it, the old one's index item no longer does.
    const rotated = newApiKey();
    const record = await store.getTenant(id);
    if (!record) throw new Error('tenant not stored');
    await store.putTenant({ ...record, apiKeyHash: hashApiKey(rotated) });
    expect(await call('GET /me', rotated)).toEqual({ status: 200, body: { tenantId: id } });
    expect((await call('GET /me', created.apiKey)).status).toBe(404);
  });

  test('a tenant stored before the index is found once its key authenticated a tenant route', async () => {
    const id = `old-${randomUUID().slice(0, 8)}`;
    const key = newApiKey();
    // The tenant item alone, as tenants created before GET /me were written.
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.table,
        Item: {
          pk: { S: `T#${id}` },
          sk: { S: 'TENANT' },
          tenantId: { S: id },
          apiKeyHash: { S: hashApiKey(key) },
          createdAt: { S: new Date(clock.now()).toISOString() },
        },
      }),
    );
    expect((await call('GET /me', key)).status).toBe(404);
    expect((await call('GET /tenants/{tenantId}/connections', key, { tenantId: id })).status).toBe(200);
    expect(await call('GET /me', key)).toEqual({ status: 200, body: { tenantId: id } });
  });
});

describe('sync now and its run', () => {
  const SYNC = 'POST /tenants/{tenantId}/connections/{connector}/sync';
  const RUN = 'GET /tenants/{tenantId}/connections/{connector}/runs/{runId}';

  test("the body's type and scope reach the connector's hook; a bad field is a 400 with its path", async () => {
    const t = await createTenant({ tenants: store, clock }, `s-${randomUUID().slice(0, 8)}`);
    const params = { tenantId: t.tenantId, connector: 'probe' };
    const body = { type: 'full', resources: ['customers'], databaseId: 'db1', targetList: 7 };
    expect(await call(SYNC, t.apiKey, params, body)).toEqual({
      status: 202,
      body: { queued: true, mode: 'full', runId: 'run-1' },
    });
    expect(syncCalls.at(-1)).toEqual({
      tenantId: t.tenantId,
      mode: 'full',
      trigger: 'api',
      scope: { resources: ['customers'], databaseId: 'db1', targetList: 7 },
    });
    await call(SYNC, t.apiKey, params, {});
    expect(syncCalls.at(-1)).toEqual({ tenantId: t.tenantId, mode: 'incremental', trigger: 'api' });
    expect(await call(SYNC, t.apiKey, params, { targetList: 'x' })).toEqual({
      status: 400,
      body: {
        error: 'targetList: Invalid input: expected number, received string',
        code: 'invalid_request',
        issues: [{ path: 'targetList', message: 'Invalid input: expected number, received string' }],
      },
    });
    expect((await call(SYNC, t.apiKey, params, { full: true, type: 'incremental' })).body).toEqual({
      error: 'type: full and type disagree: give one of them',
      code: 'invalid_request',
      issues: [{ path: 'type', message: 'full and type disagree: give one of them' }],
    });
  });

  test('a rate limit is a 503 with Retry-After and retryAfterSeconds', async () => {
    const t = await createTenant({ tenants: store, clock }, `b-${randomUUID().slice(0, 8)}`);
    const res = await call(SYNC, t.apiKey, { tenantId: t.tenantId, connector: 'probe' }, { databaseId: 'busy' });
    expect(res).toEqual({
      status: 503,
      body: { error: 'notion rate limit: retry after 3 s', code: 'rate_limited', retryAfterSeconds: 3 },
      headers: { 'retry-after': '3' },
    });
  });

  test('a sync of a connector the tenant has not connected is refused as not_connected, saying how to connect', async () => {
    const t = await createTenant({ tenants: store, clock }, `n-${randomUUID().slice(0, 8)}`);
    const res = await call(SYNC, t.apiKey, { tenantId: t.tenantId, connector: 'stripe' }, {});
    expect(res).toEqual({
      status: 409,
      body: {
        error: `tenant ${t.tenantId} has no stripe connection: connect it first (tajo connectors connect stripe …, or PUT /tenants/${t.tenantId}/connections/stripe)`,
        code: 'not_connected',
      },
    });
    // Testing or disconnecting it: the same code.
    const params = { tenantId: t.tenantId, connector: 'stripe' };
    expect(await call('POST /tenants/{tenantId}/connections/{connector}/test', t.apiKey, params, {})).toEqual({
      status: 404,
      body: { error: 'no Stripe connection to test: connect it first', code: 'not_connected' },
    });
    expect(await call('DELETE /tenants/{tenantId}/connections/{connector}', t.apiKey, params)).toEqual({
      status: 404,
      body: { error: 'no Stripe connection to disconnect', code: 'not_connected' },
    });
  });

  test('a definition connector refuses a scope it cannot honour instead of syncing everything', async () => {
    const t = await createTenant({ tenants: store, clock }, `d-${randomUUID().slice(0, 8)}`);
    const res = await call(SYNC, t.apiKey, { tenantId: t.tenantId, connector: 'shopify' }, { resources: ['orders'] });
    expect(res).toEqual({
      status: 400,
      body: {
        error:
          'Shopify syncs every enabled resource into its configured list: resources cannot narrow it yet; sync without it',
        code: 'bad_request',
      },
    });
  });

  test("a run is shown without its checkpoint nor owner; another tenant's or an unknown one is 404", async () => {
    const a = await createTenant({ tenants: store, clock }, `r-${randomUUID().slice(0, 8)}`);
    const b = await createTenant({ tenants: store, clock }, `r-${randomUUID().slice(0, 8)}`);
    const run = {
      tenantId: a.tenantId,
      connector: 'probe',
      runId: '20261101T000000Z-0000abcd',
      mode: 'incremental' as const,
      status: 'succeeded' as const,
      startedAt: '2026-11-01T00:00:00.000Z',
      finishedAt: '2026-11-01T00:01:00.000Z',
      trigger: 'api' as const,
      summary: emptySummary('incremental'),
      checkpoint: { cursor: 'private' },
      owner: { kind: 'lane' as const, heartbeatAt: '2026-11-01T00:00:30.000Z' },
    };
    await store.putRun(run as never);
    const params = { tenantId: a.tenantId, connector: 'probe', runId: run.runId };
    const { tenantId: _t, checkpoint: _c, owner: _o, ...view } = run;
    expect(await call(RUN, a.apiKey, params)).toEqual({ status: 200, body: view });
    expect((await call(RUN, b.apiKey, { ...params, tenantId: b.tenantId })).status).toBe(404);
    expect(await call(RUN, a.apiKey, { ...params, runId: 'nope' })).toEqual({
      status: 404,
      body: { error: 'no run nope of Probe', code: 'not_found' },
    });
  });
});
