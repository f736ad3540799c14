/**
 * shared/app/health.ts: a provider answering (even 401) is up; a 5xx or no answer is degraded
 * with a one-line reason; a connection's degraded state is recorded, then cleared once it answers.
 */
import { createServer, type Server } from 'node:http';
import { checkConnectionHealth, outageRetryDelayMs, probeProvider, providerHealth } from '../../shared/app/health';
import { topology } from '../../shared/app/topology';
import type { ConnectionRecord, ConnectionStore } from '../../shared/core/ports';

let server: Server;
let status = 401;
let base: string;
/** Nothing listens there (a freed loopback port). */
let closedUrl: string;
const clock = { now: () => Date.parse('2026-11-03T09:00:00Z') };

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{"ok":false,"error":"not_authed"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const other = createServer();
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  closedUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
  await new Promise<void>((r) => other.close(() => r()));
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('any answer below 500 is up; a 5xx or a closed port is degraded with the reason and the time', async () => {
  status = 401;
  expect(await probeProvider('notion', { notionBaseUrl: base }, clock)).toEqual({
    state: 'ok',
    checkedAt: '2026-11-03T09:00:00.000Z',
  });
  status = 503;
  expect(await probeProvider('brevo', { brevoBaseUrl: base }, clock)).toEqual({
    state: 'degraded',
    reason: `brevo at ${base} answers HTTP 503`,
    checkedAt: '2026-11-03T09:00:00.000Z',
  });
  const closed = await probeProvider('slack', { slackApiUrl: `${closedUrl}/api/` }, clock);
  expect(closed).toMatchObject({
    state: 'degraded',
    reason: `cannot reach slack at ${closedUrl}: ECONNREFUSED (nothing answers there: is it running?)`,
  });
});

test('/health report: degraded when one provider is down; the other providers still ok', async () => {
  status = 200;
  const report = await providerHealth(
    { notionBaseUrl: base, brevoBaseUrl: base, slackApiUrl: `${closedUrl}/api/` },
    clock,
  );
  expect(report).toMatchObject({
    ok: true,
    status: 'degraded',
    providers: { notion: { state: 'ok' }, brevo: { state: 'ok' }, slack: { state: 'degraded' } },
  });
});

test("a connection's degraded state is written when its provider is down and cleared once it answers", async () => {
  const saved: ConnectionRecord<'slack'>[] = [];
  const connections = {
    putConnection: async (r: ConnectionRecord<'slack'>) => void saved.push(r),
  } as unknown as ConnectionStore;
  const record = {
    tenantId: 't',
    connector: 'slack',
    settings: {},
    tokenRef: 'r',
  } as unknown as ConnectionRecord<'slack'>;
  status = 200;
  const down = await checkConnectionHealth(
    { connections, clock, endpoints: { slackApiUrl: `${closedUrl}/api/`, brevoBaseUrl: base } },
    record,
  );
  expect(down).toMatchObject({ state: 'degraded', providers: ['slack'], checkedAt: '2026-11-03T09:00:00.000Z' });
  expect(saved.at(-1)?.health).toEqual(down);

  const back = await checkConnectionHealth(
    { connections, clock, endpoints: { slackApiUrl: `${base}/api/`, brevoBaseUrl: base } },
    saved.at(-1) as ConnectionRecord<'slack'>,
  );
  expect(back).toBeUndefined();
  expect(saved).toHaveLength(2);
  expect(saved.at(-1)).not.toHaveProperty('health');
  // Healthy and nothing to clear: nothing written.
  await checkConnectionHealth(
    { connections, clock, endpoints: { slackApiUrl: `${base}/api/`, brevoBaseUrl: base } },
    record,
  );
  expect(saved).toHaveLength(2);
});

test('a lane message whose provider is down waits longer at each receive, about 40 minutes in all before the DLQ', () => {
  const receives = topology.queues.slackLane.maxReceiveCount;
  const waits = Array.from({ length: receives - 1 }, (_, i) => outageRetryDelayMs(i + 1));
  expect(waits).toEqual([30_000, 120_000, 480_000, 1_920_000]);
  expect(waits.reduce((a, b) => a + b, 0) / 60_000).toBeCloseTo(42.5);
  expect(outageRetryDelayMs(Number.NaN)).toBe(30_000);
  expect(outageRetryDelayMs(40)).toBe(12 * 60 * 60_000);
});
