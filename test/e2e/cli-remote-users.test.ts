/**
 * `tajo connectors sync notion-users --api URL` prints what the in-process users sync prints: the
 * counts with the values left out, what was skipped, the warnings and each error with its field.
 * The API is a stand-in serving the two routes the command uses (queue the run, read the status),
 * answering with a finished users run as a deployed stack records it.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';

const RUN = '20261205T000000000Z-0a1b2c3d';
let server: Server;
let url = '';
let dir: string;
const seen: string[] = [];

const usersRun = {
  tenantId: 'acme',
  connector: 'notion',
  job: 'users',
  runId: RUN,
  mode: 'full',
  status: 'succeeded',
  startedAt: '2026-12-05T00:00:00.000Z',
  finishedAt: '2026-12-05T00:00:04.000Z',
  trigger: 'api',
  summary: {
    mode: 'full',
    pagesRead: 9,
    upserted: 5,
    unchanged: 1,
    removed: 1,
    failed: 1,
    errors: [
      { pageId: 'u-7', property: 'first_name', kind: 'field', reason: 'first_name → BIRTHDAY: not a date' },
      { pageId: 'u-8', property: 'email', reason: 'email a@example.com is also the email of user u-2' },
    ],
    errorsTruncated: 0,
    fieldErrors: 1,
    notionRequests: 2,
    brevoRequests: 3,
    rateLimited: 0,
    durationMs: 4000,
    warnings: ['Brevo has no contact attribute NICKNAME: Notion user field name is not synced'],
    bots: 1,
    missingEmail: 1,
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-remote-users-'));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/tenants/acme/connections/notion/sync') {
        res.statusCode = 202;
        res.end(JSON.stringify({ runId: RUN, mode: 'full' }));
      } else if (req.method === 'GET' && req.url === '/tenants/acme/connections/notion/status') {
        res.end(JSON.stringify({ tenantId: 'acme', lastRun: null, lastUsersRun: usersRun, recentRuns: [] }));
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

test('the remote users summary shows values left out, what was skipped, warnings and errors like the local one', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TAJO_STATE_DIR: join(dir, 'state'), TAJO_API_KEY: 'tajo_x' };
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTTY: false };
  const code = await main(['connectors', 'sync', 'notion-users', '--full', '--api', url, '--tenant', 'acme'], env, io);
  expect(err.filter((l) => l.startsWith('tajo:'))).toEqual([]);
  expect(code).toBe(0);
  expect(seen).toContain('POST /tenants/acme/connections/notion/sync');
  expect(out).toEqual([
    // A run record from before skips were counted: its bots and email-less users are the skips.
    'Notion users (full) succeeded: 9 users read, 5 written, 1 unchanged, 1 removed, 1 failed, 2 skipped (bots: 1; without email: 1), 1 value left out',
    '  guests are not listed by Notion',
    '  warning: Brevo has no contact attribute NICKNAME: Notion user field name is not synced',
    '  user u-7 (first_name, left out): first_name → BIRTHDAY: not a date',
    '  user u-8 (email): email a@example.com is also the email of user u-2',
  ]);
});
