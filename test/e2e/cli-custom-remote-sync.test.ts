/**
 * `tajo connectors sync shopify --api URL` (a definition connector through a stack): it queues the
 * sync, then follows the run it queued by GET .../runs/{runId} (not the status's last run, which
 * another run may have replaced) until the run ends, and prints its counts. The API is a stand-in
 * serving the two routes the command uses.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTajo } from '../support/cli-process';

const RUN = '20261205T000000000Z-5a6b7c8d';

const summary = {
  mode: 'full',
  pagesRead: 12,
  upserted: 10,
  unchanged: 1,
  removed: 0,
  failed: 1,
  errors: [{ pageId: 'c7', reason: 'Brevo refused the email' }],
  errorsTruncated: 0,
  brevoRequests: 2,
  rateLimited: 0,
  durationMs: 1500,
  warnings: [],
  platformRequests: 3,
  resources: { customers: { to: 'contacts', read: 12, upserted: 10, unchanged: 1, failed: 1 } },
};

const view = (status: string) => ({
  runId: RUN,
  connector: 'shopify',
  mode: 'full',
  status,
  startedAt: '2026-12-05T00:00:00.000Z',
  ...(status === 'running' ? {} : { finishedAt: '2026-12-05T00:00:02.000Z' }),
  trigger: 'api',
  summary,
});

let server: Server;
let url = '';
let dir: string;
const asked: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-custom-remote-sync-'));
  let polls = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      asked.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/tenants/acme/connections/shopify/sync') {
        polls = 0;
        res.statusCode = 202;
        res.end(JSON.stringify({ queued: true, runId: RUN, mode: 'full' }));
      } else if (req.method === 'GET' && req.url === `/tenants/acme/connections/shopify/runs/${RUN}`) {
        res.end(JSON.stringify(view(polls++ === 0 ? 'running' : 'succeeded')));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: `no route ${req.method} ${req.url}`, code: 'not_found' }));
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

test('the queued run is followed by its id until it ends; its counts are printed', async () => {
  const r = await runTajo(['connectors', 'sync', 'shopify', '--full', '--api', url, '--tenant', 'acme'], {
    HOME: join(dir, 'home'),
    TAJO_API_KEY: 'tajo_x',
  });
  expect(r.stderr).toContain(`queued run ${RUN} (full); waiting for it to end`);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^Shopify sync \(full\) succeeded in 1\.5 s: 12 records read, 10 written, 1 unchanged, 1 failed$/m,
  );
  expect(r.stdout).toContain('  customers (contacts): 12 read, 10 written, 1 unchanged, 1 failed');
  expect(r.stdout).toContain('  3 Shopify requests, 2 Brevo requests, 0 rate-limited');
  const runPolls = asked.filter((a) => a === `GET /tenants/acme/connections/shopify/runs/${RUN}`);
  expect(runPolls).toHaveLength(2);
  expect(asked.filter((a) => a.includes('/status'))).toEqual([]);
}, 60_000);
