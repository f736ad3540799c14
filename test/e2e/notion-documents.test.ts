/**
 * The document library and the Notion webhook's verification token through the local stack: the
 * Lambda bundles behind the local API Gateway, the Notion lane on fauxqs, documents on disk under the
 * state dir, the sandbox's "Docs" page. What `npm start` serves, driven over HTTP, with every line the
 * process writes captured to prove the verification token is never logged.
 */
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack';
import { NotionWebhookSender } from '../../sandbox/notion';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

let sandbox: SandboxStack;
let stack: LocalStack;
let dir: string;
const logged: string[] = [];

beforeAll(async () => {
  sandbox = await startSandboxStack({
    sandboxRows: 10,
    env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    log: (line) => logged.push(line),
  });
  ({ stack, dir } = sandbox);
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
});

const BASE = '/tenants/default/connections/notion';

async function api(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const key = init.key === undefined ? stack.apiKey : init.key;
  const res = await fetch(`${stack.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function waitForImport(importId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const res = await api(`${BASE}/imports/${importId}`);
    if (res.body.status !== 'running') return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`import ${importId} did not finish`);
}

/** Everything the process writes while `fn` runs (Powertools loggers write to stdout/stderr). */
async function capturingOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
    }),
  );
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } finally {
    for (const s of [...spies, ...consoles]) s.mockRestore();
  }
}

test('import the sandbox Docs page over HTTP: queued in the lane, stored on disk, listed and served', async () => {
  const docsId = stack.sandbox?.docsRootId;
  if (!docsId) throw new Error('the sandbox has no Docs page');
  const queued = await api(`${BASE}/imports`, { method: 'POST', body: { page: docsId } });
  expect(queued.status).toBe(202);
  expect(queued.headers.get('cache-control')).toBe('no-store');
  const done = await waitForImport(queued.body.importId as string);
  expect(done).toMatchObject({ status: 'succeeded', kind: 'import', pageId: docsId, imported: 1, failed: 0 });
  expect(done.notionRequests).toBeGreaterThan(1);

  const list = await api(`${BASE}/documents`);
  expect(list.body).toMatchObject({ count: 1, documents: [{ pageId: docsId, title: 'Docs', kind: 'markdown' }] });
  const doc = await api(`${BASE}/documents/${docsId}`);
  expect(doc.status).toBe(200);
  expect(doc.body.markdown).toContain('# Onboarding guide');
  expect(doc.body.icon).toEqual({ type: 'emoji', emoji: '📚' });
  // The page and its files are in the state dir's document library, under the tenant.
  const stored = await stack.documents.list('default', `notion/${docsId}/`);
  expect(stored.map((o) => o.key)).toContain(`notion/${docsId}/page.md`);
  expect(stored.length).toBeGreaterThan(1);
  expect(stack.documents.locate('default', `notion/${docsId}/page.md`)).toBe(
    join(dir, 'documents', 'default', 'notion', docsId, 'page.md'),
  );
});

test('re-sync on demand and from the 4-hourly poll, through the lane', async () => {
  const queued = await api(`${BASE}/documents/resync`, { method: 'POST' });
  expect(queued.status).toBe(202);
  expect(await waitForImport(queued.body.importId as string)).toMatchObject({
    status: 'succeeded',
    kind: 'resync',
    pagesChecked: 1,
    failed: 0,
  });

  const polled = (await stack.functions.notionPoller(
    { tenantId: 'default' },
    { getRemainingTimeInMillis: () => 60_000 },
  )) as { queued: number; documentsResyncQueued: number };
  expect(polled).toMatchObject({ queued: 1, documentsResyncQueued: 1 });
  for (let i = 0; i < 600; i++) {
    const runs = await stack.dynamo.store.listRuns('default', 'notion', 5, { job: 'documents' });
    if (runs[0]?.trigger === 'schedule' && runs[0].status !== 'running') {
      expect(runs[0]).toMatchObject({ status: 'succeeded', summary: { pagesRead: 1 } });
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the scheduled re-sync did not finish');
});

test('the webhook verification token: shown to the admin through the API, never logged', async () => {
  const sender = new NotionWebhookSender();
  const token = sender.verificationToken;
  const { output } = await capturingOutput(async () => {
    expect((await api(`${BASE}/webhook`)).body).toMatchObject({ state: 'not_set_up' });
    const handshake = await sender.sendVerification(`${stack.url}/webhooks/notion/default`);
    expect(handshake.status).toBe(200);

    expect((await api(`${BASE}/webhook`, { key: null })).status).toBe(401);
    expect((await api(`${BASE}/webhook`, { key: 'tajo_wrong' })).status).toBe(404);
    const view = await api(`${BASE}/webhook`);
    expect(view.status).toBe(200);
    expect(view.headers.get('cache-control')).toBe('no-store');
    expect(view.body).toMatchObject({ state: 'pending', pending: { token } });

    const status = await api(`${BASE}/status`);
    expect(status.body).toMatchObject({ webhook: { state: 'pending', pending: { hint: expect.any(String) } } });
    expect(JSON.stringify(status.body)).not.toContain(token);
  });
  // The handshake and the token route did log (DEBUG level), and not one line holds the token.
  expect(output).toMatch(/Notion webhook verification token stored as pending/);
  expect(output).not.toContain(token);
  expect(logged.join('\n')).not.toContain(token);
});
