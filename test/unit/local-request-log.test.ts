/**
 * The lines npm start prints per handled request and per finished lane message: built from the
 * handlers' own replies and run records, counts and ids only.
 */
import { describeLaneDone, describeRequest } from '../../local/request-log';
import type { RunRecord } from '../../shared/ports';

const brevo = (status: number, body: unknown) =>
  describeRequest('POST', '/webhooks/brevo/{tenantId}', { tenantId: 't1' }, status, JSON.stringify(body));

test('a Brevo webhook line says where each event went, and why one went nowhere', () => {
  expect(
    brevo(200, {
      accepted: 1,
      queued: 1,
      delayed: 1,
      skipped: 2,
      skipReasons: ['order_placed below the threshold'],
      ignored: 0,
      notion: { queued: 0, ownWrites: 0 },
    }),
  ).toBe(
    '← Brevo webhook for t1: 1 accepted, Slack: 1 queued, 1 delayed, Notion rules: 0 queued, 2 skipped (order_placed below the threshold)',
  );
  expect(brevo(401, { error: 'invalid webhook token' })).toBe(
    '← Brevo webhook for t1: refused (401: invalid webhook token)',
  );
  expect(brevo(200, 'not json')).toBe('← Brevo webhook for t1: refused (200)');
});

test('sync requests: queued with the run id, or refused with the reason; reads print nothing', () => {
  const path = '/tenants/{tenantId}/connections/{connector}/sync';
  const params = { tenantId: 't1', connector: 'notion' };
  expect(describeRequest('POST', path, params, 202, '{"queued":true,"mode":"full","runId":"r1"}')).toBe(
    '← notion sync for t1: full run r1 queued (tajo connectors status notion shows it)',
  );
  expect(describeRequest('POST', path, params, 409, '{"error":"a sync is already running"}')).toBe(
    '← notion sync for t1: refused (409: a sync is already running)',
  );
  expect(describeRequest('GET', '/tenants/{tenantId}/connections', { tenantId: 't1' }, 200, '{}')).toBeUndefined();
});

test("lane lines: a finished sync run with its counts, nothing while it runs or for npm start's own sync", async () => {
  const run = (over: Partial<RunRecord>): RunRecord =>
    ({
      tenantId: 't1',
      connector: 'notion',
      runId: 'r1',
      mode: 'incremental',
      status: 'succeeded',
      startedAt: '',
      trigger: 'api',
      summary: { pagesRead: 4, upserted: 1, unchanged: 2, removed: 0, failed: 1 },
      ...over,
    }) as RunRecord;
  const body = JSON.stringify({ type: 'notion.sync.continue', tenantId: 't1', runId: 'r1', step: 2 });
  const lookups = (r: RunRecord) => ({ run: async () => r, ruleRun: async () => undefined });
  expect(await describeLaneDone(body, lookups(run({})))).toBe(
    '→ Notion: incremental sync run r1 (api) succeeded: 4 rows read, 1 written, 2 unchanged, 0 removed, 1 failed, 0 skipped',
  );
  expect(await describeLaneDone(body, lookups(run({ status: 'running' })))).toBeUndefined();
  expect(await describeLaneDone(body, lookups(run({ trigger: 'local' })))).toBeUndefined();
  expect(await describeLaneDone('garbage', lookups(run({})))).toBeUndefined();
});
