/**
 * The lines npm start prints per handled request and per finished lane message: built from the
 * handlers' own replies and run records, counts and ids only.
 */
import { describeLaneDone, describeRequest } from '../../local/request-log';
import type { NotificationDelivery, RunRecord } from '../../shared/core/ports';

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
  expect(brevo(200, { published: 3, accepted: 0, queued: 0, skipped: 1, notion: { queued: 0 } })).toBe(
    '← Brevo webhook for t1: 0 accepted, Slack: 0 queued, Notion rules: 0 queued, 1 skipped (no route), 3 published to the event stream',
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

const envelope = (body: object, attempts: number) =>
  JSON.stringify({
    tenantId: 't1',
    tajoRetry: { attempts, reason: 'x', firstFailedAt: '2026-12-05T00:00:00Z', lastFailedAt: '2026-12-05T00:00:01Z' },
    body: JSON.stringify(body),
  });

test('a failed sync: one readable line with its reason and what happens next; a resumed run is not a new failure', async () => {
  const failed = {
    tenantId: 't1',
    connector: 'notion',
    runId: 'r1',
    mode: 'full',
    status: 'failed',
    startedAt: '',
    trigger: 'api',
    error: 'cannot reach Brevo at http://127.0.0.1:9: connection refused (not sent)',
    summary: { pagesRead: 200, upserted: 100, unchanged: 0, removed: 0, failed: 0 },
    checkpoint: { phase: 'sources' },
  } as unknown as RunRecord;
  const lookups = (r: RunRecord) => ({ run: async () => r, ruleRun: async () => undefined });
  const step = { type: 'notion.sync.continue', tenantId: 't1', runId: 'r1', step: 3 };
  // Its last attempt (four failed before): dead-lettered, and how to replay it.
  expect(await describeLaneDone(envelope(step, 4), lookups(failed))).toBe(
    '→ Notion: full sync run r1 (api) failed: cannot reach Brevo at http://127.0.0.1:9: connection refused (not sent); ' +
      'dead-lettered after 5 attempts: tajo lanes replay notion resumes it once the cause is fixed ' +
      '(so far 200 rows read, 100 written, 0 unchanged, 0 removed, 0 failed, 0 skipped)',
  );
  expect(await describeLaneDone(JSON.stringify(step), lookups(failed))).toMatch(
    /failed: cannot reach Brevo .*; the next sync resumes it from its checkpoint/,
  );
  // A configuration error leaves no checkpoint: the line promises no resume.
  const misconfigured = {
    ...failed,
    checkpoint: undefined,
    error: 'connectors.notion.databases[1].field_mapping.Phone: database "Leads" has no property "Phone"',
  } as RunRecord;
  const line = await describeLaneDone(JSON.stringify(step), lookups(misconfigured));
  expect(line).toMatch(/has no property "Phone"; not resumable: change what it says, then sync again \(so far /);
  expect(line).not.toMatch(/resume(s)? it/);
  const resumed = { ...failed, error: 'cannot reach Brevo; resumed as run r2' } as RunRecord;
  expect(await describeLaneDone(envelope(step, 4), lookups(resumed))).toBe(
    '→ Notion: sync run r1 was already resumed as run r2: nothing left to do for this message',
  );
});

test('a rules step that failed says failed and when it is retried, never a "0 created … 0 failed" line', async () => {
  const rule = (over: object) => ({
    run: async () => undefined,
    ruleRun: async () =>
      ({
        tenantId: 't1',
        runId: 'rr1',
        status: 'running',
        startedAt: '',
        items: 1,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        duplicates: 0,
        failed: 0,
        errors: [],
        errorsTruncated: 0,
        conflicts: [],
        conflictsTruncated: 0,
        notionRequests: 1,
        brevoRequests: 0,
        ...over,
      }) as never,
  });
  const body = { type: 'notion.rules.apply', tenantId: 't1', runId: 'rr1', items: [{}] };
  const first = await describeLaneDone(JSON.stringify(body), rule({ error: 'cannot reach notion (not sent)' }));
  expect(first).toMatch(
    /^→ Notion: Brevo → Notion rules, run rr1 failed: cannot reach notion \(not sent\); retried in about \d+ s \(attempt 2 of 5\)$/,
  );
  expect(first).not.toMatch(/created/);
  expect(
    await describeLaneDone(envelope(body, 4), rule({ status: 'failed', error: 'cannot reach notion (not sent)' })),
  ).toBe(
    '→ Notion: Brevo → Notion rules, run rr1 failed: cannot reach notion (not sent); dead-lettered after 5 attempts: tajo lanes replay notion once the cause is fixed',
  );
  expect(await describeLaneDone(JSON.stringify(body), rule({ status: 'succeeded', created: 1 }))).toBe(
    '→ Notion: Brevo → Notion rules, run rr1: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed',
  );
});

test('Slack: a burst folded into one digest is one "digest of N" line, not N "done" lines', async () => {
  const at = (s: number) => new Date(Date.now() + 60_000 + s * 1000).toISOString();
  let recent: NotificationDelivery[] = [];
  const lookups = {
    run: async () => undefined,
    ruleRun: async () => undefined,
    slackDeliveries: async () => ({ posted: recent.length, failed: 0, since: '', lastPosted: null, recent }),
  };
  const notify = (id: string) =>
    JSON.stringify({
      type: 'slack.notify',
      tenantId: 't9',
      channelId: 'C0MARKETING',
      event: { type: 'new_subscriber', id },
    });
  // The first single went out alone; then the worker folded the rest of the burst into one digest.
  recent = [{ at: at(1), channelId: 'C0MARKETING', eventType: 'new_subscriber', events: 1, status: 'posted' }];
  expect(await describeLaneDone(notify('e1'), lookups)).toBe(
    '→ Slack: new_subscriber notification for C0MARKETING posted',
  );
  recent = [{ at: at(2), channelId: 'C0MARKETING', eventType: 'digest', events: 29, status: 'posted' }, ...recent];
  const lines = await Promise.all(Array.from({ length: 29 }, (_, i) => describeLaneDone(notify(`e${i + 2}`), lookups)));
  expect(lines.filter(Boolean)).toEqual(['→ Slack: digest of 29 events for C0MARKETING posted']);
  // Without the deliveries to read: a burst finished within a second is one line; a lone one is posted.
  const { slackDeliveries: _s, ...plain } = lookups;
  const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => describeLaneDone(notify(`b${i}`), plain)));
  expect(burst.filter(Boolean)).toEqual([
    '→ Slack: 30 new_subscriber notifications for C0MARKETING done (a burst: posted as a digest)',
  ]);
  expect(await describeLaneDone(notify('e40'), plain)).toBe(
    '→ Slack: new_subscriber notification for C0MARKETING posted',
  );
});

test("Slack: a notify call's post (slack.post) is one line when posted or refused; its request says what was queued", async () => {
  const at = (s: number) => new Date(Date.now() + 120_000 + s * 1000).toISOString();
  let recent: NotificationDelivery[] = [];
  const lookups = {
    run: async () => undefined,
    ruleRun: async () => undefined,
    slackDeliveries: async () => ({ posted: recent.length, failed: 0, since: '', lastPosted: null, recent }),
  };
  const post = (notificationId: string) =>
    JSON.stringify({
      type: 'slack.post',
      tenantId: 't8',
      channelId: 'C0SALES',
      notificationId,
      event: 'deal.won',
      text: 'x',
    });
  recent = [
    { at: at(1), channelId: 'C0SALES', eventType: 'deal.won', notificationId: 'n1', events: 1, status: 'posted' },
  ];
  expect(await describeLaneDone(post('n1'), lookups)).toBe('→ Slack: deal.won notification for C0SALES posted');
  recent = [
    {
      at: at(2),
      channelId: 'C0SALES',
      eventType: 'deal.won',
      notificationId: 'n2',
      events: 1,
      status: 'failed',
      reason: 'channel_not_found',
    },
    ...recent,
  ];
  expect(await describeLaneDone(post('n2'), lookups)).toBe(
    '→ Slack: deal.won notification for C0SALES refused by Slack: channel_not_found',
  );
  const path = '/tenants/{tenantId}/slack/notify';
  expect(
    describeRequest('POST', path, { tenantId: 't8' }, 202, '{"queued":true,"notificationId":"n3","channel":"C0SALES"}'),
  ).toBe('← Slack notify for t8: notification n3 queued for C0SALES');
  expect(
    describeRequest('POST', path, { tenantId: 't8' }, 400, '{"error":"template.blocks[0].text: a header needs text"}'),
  ).toBe('← Slack notify for t8: refused (400: template.blocks[0].text: a header needs text)');
});
