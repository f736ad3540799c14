/**
 * The local stack end to end: the Lambda bundles behind the local API Gateway, lanes on fauxqs,
 * state in dynalite, the sandbox simulators. What `npm start` runs, driven over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { SANDBOX_LIST, sandboxRow } from '../simulators/sandbox';

let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-e2e-'));
  const env = { ...process.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  stack = await startLocalStack({
    port: 0,
    stateDir: dir,
    configPath: join(dir, 'no-such-config.yaml'),
    env,
    dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    sqsEndpoint: process.env.TEST_SQS_ENDPOINT,
    sandboxRows: 120,
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${stack.url}${path}`, {
    ...init,
    headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), 'content-type': 'application/json' },
  });

async function waitForRuns(count: number): Promise<Awaited<ReturnType<typeof stack.dynamo.store.listRuns>>> {
  for (let i = 0; i < 300; i++) {
    const runs = await stack.dynamo.store.listRuns('default', 'notion', 20);
    if (runs.length >= count && runs.every((r) => r.status !== 'running')) return runs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('runs did not finish');
}

test('the first sync brings the sandbox database into the sandbox Brevo list', async () => {
  const run = await stack.syncAndWait('incremental', 60_000);
  expect(run.status).toBe('succeeded');
  expect(run.summary.upserted).toBe(120);
  const brevo = stack.sandbox!.brevo;
  const list = brevo.lists().find((l) => l.name === SANDBOX_LIST)!;
  expect(brevo.listMembers(list.id)).toHaveLength(120);
  expect(brevo.getContact(sandboxRow(11).Email as string)?.attributes.SEATS).toBe(12);
  // The connection's poll schedule exists, every 4 hours, for this tenant.
  expect(stack.scheduler.ensured.get('notion-default')).toEqual({ rateHours: 4, input: { tenantId: 'default' } });
});

test('the management API: health, auth, tenant isolation, sync now, status', async () => {
  expect(await (await api('/health')).json()).toMatchObject({ ok: true });
  expect((await api('/tenants/default/connections/notion/status')).status).toBe(401);
  expect((await api('/tenants/default/connections/notion/status', { key: 'tajo_wrong' })).status).toBe(404);
  expect((await api('/tenants/other/connections/notion/status', { key: stack.apiKey })).status).toBe(404);
  expect((await api('/nope')).status).toBe(404);

  const before = (await stack.dynamo.store.listRuns('default', 'notion', 20)).length;
  stack.sandbox!.notion.updatePage(stack.sandbox!.pageIds[5] as string, { Seats: 99 });
  const res = await api('/tenants/default/connections/notion/sync', { method: 'POST', key: stack.apiKey, body: '{}' });
  expect(res.status).toBe(202);
  const runs = await waitForRuns(before + 1);
  expect(runs[0]?.summary.upserted).toBe(1);

  const status = (await (await api('/tenants/default/connections/notion/status', { key: stack.apiKey })).json()) as {
    lastRun: { status: string; checkpoint?: unknown };
    databases: { name: string }[];
  };
  expect(status.lastRun.status).toBe('succeeded');
  expect(status.lastRun.checkpoint).toBeUndefined();
  expect(status.databases[0]?.name).toBe('Customers');

  // A body cannot name another tenant or smuggle fields: refused, nothing queued.
  const bad = await api('/tenants/default/connections/notion/sync', {
    method: 'POST',
    key: stack.apiKey,
    body: '{"tenantId":"other"}',
  });
  expect(bad.status).toBe(400);
});

test('the scheduled poller starts an incremental sync through the lane', async () => {
  const before = (await stack.dynamo.store.listRuns('default', 'notion', 20)).length;
  const result = (await stack.functions.notionPoller(
    { tenantId: 'default' },
    { getRemainingTimeInMillis: () => 60_000 },
  )) as {
    queued: number;
  };
  expect(result.queued).toBe(1);
  const runs = await waitForRuns(before + 1);
  expect(runs[0]).toMatchObject({ trigger: 'schedule', mode: 'incremental', status: 'succeeded' });
  expect(runs[0]?.summary.upserted).toBe(0);
});
