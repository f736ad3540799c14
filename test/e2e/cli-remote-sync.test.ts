/**
 * `tajo connectors sync notion --api URL --json` keeps the in-process sync's contract (DESIGN §4):
 * a run the stack reports failed ends with one JSON line holding ok:false, error, kind, status
 * failed and its counts (exit 1, the reason once on stderr); a run the stack resumed says
 * "resuming run …" on stderr and carries resumedFrom. The API is a stand-in serving the two routes
 * the command uses, answering with run records as the stack writes them (status.ts builds
 * lastRunResumedFrom from the closed run: tested in test/unit/status-resumed-from.test.ts).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTajo } from '../support/cli-process';

const FAILED = '20261205T000000000Z-0a1b2c3d';
const RESUMED = '20261205T000100000Z-1b2c3d4e';
const DEAD = '20261204T235900000Z-99aa88bb';

const summary = (pagesRead: number, upserted: number) => ({
  mode: 'full',
  pagesRead,
  upserted,
  unchanged: 0,
  removed: 0,
  failed: 0,
  errors: [],
  errorsTruncated: 0,
  fieldErrors: 0,
  notionRequests: 3,
  brevoRequests: 2,
  rateLimited: 0,
  durationMs: 2000,
  warnings: [],
});

const run = (runId: string, status: string, extra: object) => ({
  tenantId: 'acme',
  connector: 'notion',
  runId,
  mode: 'full',
  status,
  startedAt: '2026-12-05T00:00:00.000Z',
  finishedAt: '2026-12-05T00:00:02.000Z',
  trigger: 'api',
  ...extra,
});

/** What the status route answers for each queued run, in turn (a running poll, then the end). */
const answers: Record<string, object[]> = {
  [FAILED]: [
    { lastRun: run(FAILED, 'running', { summary: summary(0, 0) }), lastRunResumedFrom: null },
    {
      lastRun: run(FAILED, 'failed', {
        summary: summary(200, 100),
        error: 'cannot reach Brevo at http://127.0.0.1:9: connection refused (not sent)',
      }),
      lastRunResumedFrom: null,
    },
  ],
  [RESUMED]: [
    {
      lastRun: run(RESUMED, 'succeeded', { summary: summary(400, 300), resumedFrom: DEAD }),
      lastRunResumedFrom: {
        runId: DEAD,
        mode: 'full',
        startedAt: '2026-12-04T23:59:00.000Z',
        rowsDone: 200,
        was: 'failed',
        reason: 'cannot reach Brevo',
      },
    },
  ],
};

let server: Server;
let url = '';
let dir: string;
let next = FAILED;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-remote-sync-'));
  let polls = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/tenants/acme/connections/notion/sync') {
        polls = 0;
        res.statusCode = 202;
        res.end(JSON.stringify({ runId: next, mode: 'full' }));
      } else if (req.method === 'GET' && req.url === '/tenants/acme/connections/notion/status') {
        const list = answers[next] as object[];
        const answer = list[Math.min(polls++, list.length - 1)];
        res.end(JSON.stringify({ tenantId: 'acme', lastUsersRun: null, recentRuns: [], ...answer }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'not found' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ HOME: join(dir, 'home'), TAJO_API_KEY: 'tajo_x' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

test('a run the stack reports failed: ok:false, error, kind, status and counts in the last JSON line, exit 1', async () => {
  next = FAILED;
  const r = await runTajo(
    ['connectors', 'sync', 'notion', '--full', '--json', '--api', url, '--tenant', 'acme'],
    env(),
  );
  expect(r.code).toBe(1);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  expect(lastJson(r.stdout)).toMatchObject({
    ok: false,
    runId: FAILED,
    status: 'failed',
    kind: 'sync_failed',
    error: 'cannot reach Brevo at http://127.0.0.1:9: connection refused (not sent)',
    mode: 'full',
    pagesRead: 200,
    upserted: 100,
  });
  expect(r.stderr.split('\n').filter((l) => l.startsWith('tajo:'))).toEqual([
    'tajo: cannot reach Brevo at http://127.0.0.1:9: connection refused (not sent)',
  ]);

  // Without --json: the counts the run reached, then the one line.
  const human = await runTajo(['connectors', 'sync', 'notion', '--full', '--api', url, '--tenant', 'acme'], env());
  expect(human.code).toBe(1);
  expect(human.stdout).toMatch(/^Notion sync \(full\) failed in 2\.0 s: 200 rows read, 100 written/);
  expect(human.stderr).toMatch(
    /tajo: cannot reach Brevo at http:\/\/127\.0\.0\.1:9: connection refused \(not sent\)\n$/,
  );
}, 30_000);

test('a run the stack resumed: "resuming run …" on stderr and resumedFrom in the summary', async () => {
  next = RESUMED;
  const r = await runTajo(
    ['connectors', 'sync', 'notion', '--full', '--json', '--api', url, '--tenant', 'acme'],
    env(),
  );
  expect(r.code).toBe(0);
  expect(lastJson(r.stdout)).toMatchObject({
    runId: RESUMED,
    status: 'succeeded',
    pagesRead: 400,
    resumedFrom: { runId: DEAD, rowsDone: 200, was: 'failed', reason: 'cannot reach Brevo' },
  });
  expect(lastJson(r.stdout)).not.toHaveProperty('ok', false);
  expect(r.stderr).toContain(
    `resuming run ${DEAD} (full, started 2026-12-04T23:59:00.000Z, failed: cannot reach Brevo): 200 rows done`,
  );
}, 30_000);

test('lanes list with no stack: exit 1, one line, no usage block, no run id', async () => {
  const r = await runTajo(['lanes', 'list', '--json'], { ...env(), TAJO_STATE_DIR: join(dir, 'no-stack') });
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^tajo: no running npm start found/);
  const json = lastJson(r.stdout);
  expect(json).toMatchObject({ ok: false, kind: 'no_stack' });
  expect(json).not.toHaveProperty('runId');
}, 30_000);
