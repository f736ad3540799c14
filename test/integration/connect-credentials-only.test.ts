/**
 * PUT .../connections/{connector} with credentials only (the SDK's `connect('notion', { token: stack.notionToken })`):
 * on an existing connection its settings are kept and its tokens replaced; with any setting in the
 * body the body is the whole section (as before); without a connection yet, the defaults.
 */
import type { LaneQueue } from '../../shared/core/ports';
import { type NotionSdkStack, startNotionSdkStack } from '../support/notion-sdk-stack';

const lane: LaneQueue = { send: async () => undefined };
let stack: NotionSdkStack;

beforeAll(async () => {
  stack = await startNotionSdkStack({ rows: 2, lane });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const CONNECT = '/tenants/{tenantId}/connections/{connector}';

test('credentials only on a connection keeps its databases; a body with a setting replaces them', async () => {
  const t = await stack.connected();
  const kept = await stack.api('PUT', CONNECT, t, { token: stack.notionToken });
  expect(kept.status).toBe(200);
  expect(kept.body).toMatchObject({ connected: true, databases: 1 });
  expect((await stack.store.getConnection(t.tenantId, 'notion'))?.settings.databases).toHaveLength(1);

  const replaced = await stack.api('PUT', CONNECT, t, { token: stack.notionToken, databases: [] });
  expect(replaced.status).toBe(200);
  expect(replaced.body).toMatchObject({ databases: 0 });
});

test('credentials only without a connection yet: the defaults (no database)', async () => {
  const t = await stack.connected();
  expect((await stack.api('DELETE', CONNECT, t)).status).toBe(200);
  const fresh = await stack.api('PUT', CONNECT, t, { token: stack.notionToken });
  expect(fresh.status).toBe(200);
  expect(fresh.body).toMatchObject({ connected: true, databases: 0 });
});
