/**
 * The tenant event stream's pure parts: hub events → tenant events, the types filter, the
 * EventBridge adapter's calls (10 entries / 256 KB, failed entries sent again), where an endpoint
 * may point, the backoff, and the body schemas of the routes.
 */
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeEventBus, putEventsChunks } from '../../shared/adapters/aws/eventbridge-bus';
import { EVENT_DELIVERY_ATTEMPTS, eventRetrySeconds } from '../../shared/app/event-delivery';
import { endpointUrlProblem, resolvedAddressProblem } from '../../shared/app/event-endpoints';
import { createEventEndpointBody } from '../../shared/app/event-endpoints-api';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { publishingRunEnds } from '../../shared/app/run-events';
import { topology } from '../../shared/app/topology';
import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import type { NotificationEvent } from '../../shared/core/events/events';
import { acceptsEventType, type TenantEvent, tenantEventsOf } from '../../shared/core/events/tenant-events';
import { sha256Hex } from '../../shared/core/hash';
import { type RunRecord, systemClock } from '../../shared/core/ports';

const ts = 1_764_000_000;
const brevo = (body: unknown) => parseBrevoWebhook(body).events;

describe('hub events → tenant events', () => {
  test('a contact update: one contact.attribute_updated per changed attribute, ids stable per attribute', () => {
    const events = brevo({
      event: 'contact_updated',
      email: 'Ada@Example.com',
      content: [{ LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Ada', LASTNAME: 'Lovelace' }],
      ts,
    });
    const out = tenantEventsOf('t1', events);
    expect(out.map((e) => [e.type, e.fields.attribute, e.fields.value])).toEqual([
      ['contact.attribute_updated', 'LIFECYCLE_STAGE', 'customer'],
      ['contact.attribute_updated', 'FIRSTNAME', 'Ada'],
      ['contact.attribute_updated', 'LASTNAME', 'Lovelace'],
    ]);
    expect(out[0]?.fields.contact).toEqual({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      attributes: { LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Ada', LASTNAME: 'Lovelace' },
    });
    expect(new Set(out.map((e) => e.id)).size).toBe(3);
    expect(tenantEventsOf('t1', events).map((e) => e.id)).toEqual(out.map((e) => e.id));
    expect(out.every((e) => e.tenantId === 't1' && e.createdAt === new Date(ts * 1000).toISOString())).toBe(true);
  });

  test('a previous value is given when the item carries one, never guessed', () => {
    const [withOld] = tenantEventsOf(
      't1',
      brevo({ event: 'contact_updated', email: 'a@b.co', content: [{ PLAN: { old: 'free', new: 'pro' } }], ts }),
    );
    expect(withOld?.fields).toMatchObject({ attribute: 'PLAN', value: 'pro', previousValue: 'free' });
    const [plain] = tenantEventsOf(
      't1',
      brevo({ event: 'contact_updated', email: 'a@b.co', content: [{ PLAN: 'pro' }], ts }),
    );
    expect(plain?.fields).not.toHaveProperty('previousValue');
  });

  test('list addition, unsubscribe and the other Brevo events', () => {
    const out = tenantEventsOf(
      't1',
      brevo([
        { event: 'list_addition', email: 'a@b.co', list_id: [4], ts },
        { event: 'unsubscribed', email: 'c@d.co', camp_id: 9, ts },
        { event: 'hard_bounce', email: 'e@f.co', camp_id: 9, ts },
        { event: 'contact_updated', email: 'g@h.co', ts },
      ]),
    );
    expect(out.map((e) => e.type)).toEqual([
      'contact.created',
      'contact.unsubscribed',
      'brevo.hard_bounce',
      'brevo.contact_updated',
    ]);
    expect(out[0]?.fields).toMatchObject({ contact: { email: 'a@b.co' }, listIds: [4] });
    expect(out[1]?.fields).toMatchObject({ campaign: { id: 9 } });
  });

  test("a platform's event: <connector>.<event key>, with what its mapping read", () => {
    const event: NotificationEvent = {
      id: 'platform:shopify:d1',
      type: 'order_placed',
      occurredAt: '2026-12-01T10:00:00.000Z',
      source: 'platform',
      contact: { email: 'buyer@example.com' },
      order: { id: '9', total: 12, currency: 'EUR' },
      raw: { connector: 'shopify', webhook: 'orders_create', fields: { order_id: 9 } },
    };
    expect(tenantEventsOf('t1', [event])).toEqual([
      {
        tenantId: 't1',
        type: 'shopify.orders_create',
        id: 'platform:shopify:d1',
        createdAt: '2026-12-01T10:00:00.000Z',
        fields: {
          connector: 'shopify',
          contact: { email: 'buyer@example.com' },
          order: { id: '9', total: 12, currency: 'EUR' },
          data: { order_id: 9 },
        },
      },
    ]);
  });
});

test('types: *, an exact type, a prefix', () => {
  expect(acceptsEventType(['*'], 'sync.failed')).toBe(true);
  expect(acceptsEventType(['sync.*'], 'sync.failed')).toBe(true);
  expect(acceptsEventType(['sync.*'], 'syncx.failed')).toBe(false);
  expect(acceptsEventType(['contact.created'], 'contact.created')).toBe(true);
  expect(acceptsEventType(['contact.created'], 'contact.unsubscribed')).toBe(false);
});

describe('the EventBridge bus', () => {
  const event = (i: number, size = 10): TenantEvent => ({
    tenantId: 't1',
    type: 'contact.created',
    id: `e${i}`,
    createdAt: '2026-12-01T10:00:00.000Z',
    fields: { pad: 'x'.repeat(size) },
  });

  test('calls of at most 10 entries and 256 KB; an event alone over 256 KB is refused', () => {
    const entries = (n: number, size?: number) =>
      Array.from({ length: n }, (_, i) => ({ Source: 's', DetailType: 't', Detail: JSON.stringify(event(i, size)) }));
    expect(putEventsChunks(entries(25)).map((c) => c.length)).toEqual([10, 10, 5]);
    // 100 KB each: two fit in 256 KB, a third does not.
    expect(putEventsChunks(entries(5, 100_000)).map((c) => c.length)).toEqual([2, 2, 1]);
    expect(() => putEventsChunks(entries(1, 300_000))).toThrow(/over EventBridge's 256 KB/);
  });

  test('failed entries are sent again, alone; still failing, the publish throws', async () => {
    const calls: string[][] = [];
    let failFirst = true;
    const client = {
      send: async (cmd: PutEventsCommand) => {
        const ids = (cmd.input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}').id as string);
        calls.push(ids);
        const fail = failFirst;
        failFirst = false;
        return {
          FailedEntryCount: fail ? 1 : 0,
          Entries: ids.map((_, i) =>
            fail && i === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: 'x' },
          ),
        };
      },
    };
    const bus = new EventBridgeEventBus(client as never, 'bus', async () => undefined);
    await bus.publish([event(1), event(2), event(3)]);
    expect(calls).toEqual([['e1', 'e2', 'e3'], ['e2']]);
    const failing = {
      send: async (cmd: PutEventsCommand) => ({
        FailedEntryCount: 1,
        Entries: (cmd.input.Entries ?? []).map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'down' })),
      }),
    };
    await expect(
      new EventBridgeEventBus(failing as never, 'bus', async () => undefined).publish([event(1)]),
    ).rejects.toThrow(/1 event\(s\) not published to bus after 4 attempts \(down\)/);
  });
});

test('where an endpoint may point: https in the stack (no private address), loopback http locally', async () => {
  const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'tajo-prod-api', TAJO_STAGE: 'prod' };
  expect(endpointUrlProblem('https://hooks.example.com/tajo', lambda)).toBeUndefined();
  expect(endpointUrlProblem('http://hooks.example.com/tajo', lambda)).toMatch(/use https:/);
  expect(endpointUrlProblem('http://127.0.0.1:3000/x', lambda)).toMatch(/use https:/);
  expect(endpointUrlProblem('https://169.254.169.254/latest', lambda)).toMatch(/private or local address/);
  expect(endpointUrlProblem('https://10.0.0.4/x', lambda)).toMatch(/private or local address/);
  expect(endpointUrlProblem('https://u:p@hooks.example.com/x', lambda)).toMatch(/credentials in the URL/);
  expect(endpointUrlProblem('not a url', lambda)).toMatch(/is not a URL/);
  const local = { TAJO_STAGE: 'local' };
  expect(
    await resolvedAddressProblem('https://evil.example/x', lambda, async () => [{ address: '169.254.169.254' }]),
  ).toMatch(/resolves to 169.254.169.254/);
  expect(
    await resolvedAddressProblem('https://ok.example/x', lambda, async () => [{ address: '93.184.216.34' }]),
  ).toBeUndefined();
  expect(
    await resolvedAddressProblem('http://127.0.0.1/x', local, async () => [{ address: '127.0.0.1' }]),
  ).toBeUndefined();
  expect(endpointUrlProblem('http://127.0.0.1:3000/x', local)).toBeUndefined();
  expect(endpointUrlProblem('http://localhost:3000/x', local)).toBeUndefined();
  expect(endpointUrlProblem('http://hooks.example.com/x', local)).toMatch(/or http:\/\/127.0.0.1/);
});

test("the contract's backoff, one attempt more than its steps, as the queue's maxReceiveCount", () => {
  expect([1, 2, 3, 4, 5].map((a) => eventRetrySeconds(a, {}))).toEqual([60, 300, 1800, 7200, 21_600]);
  expect(EVENT_DELIVERY_ATTEMPTS).toBe(6);
  expect(topology.queues.eventDelivery.maxReceiveCount).toBe(EVENT_DELIVERY_ATTEMPTS);
  expect(eventRetrySeconds(2, { TAJO_EVENT_RETRY_SECONDS: '1,2' })).toBe(2);
});

test('the create body: url required, types are event types or prefixes, nothing else', () => {
  expect(
    createEventEndpointBody.safeParse({ url: 'https://x.io', types: ['brevo.*', 'sync.completed', '*'] }).success,
  ).toBe(true);
  expect(createEventEndpointBody.safeParse({ types: ['*'] }).success).toBe(false);
  expect(createEventEndpointBody.safeParse({ url: 'https://x.io', types: ['Sync Completed'] }).success).toBe(false);
  expect(createEventEndpointBody.safeParse({ url: 'https://x.io', tenantId: 'other' }).success).toBe(false);
});

describe("a run's end (run-events.ts)", () => {
  const run = (over: Partial<RunRecord>): RunRecord => ({
    tenantId: 't1',
    connector: 'notion',
    runId: 'r1',
    mode: 'incremental',
    status: 'running',
    startedAt: '2026-12-01T10:00:00.000Z',
    trigger: 'schedule',
    summary: {} as RunRecord['summary'],
    ...over,
  });

  /** Runs by id, as the run store keeps them (the last write wins), and every write in order. */
  const storeOf = (writes: RunRecord[]) => ({
    putRun: async (r: RunRecord) => void writes.push({ ...r }),
    getRun: async (tenantId: string, connector: string, runId: string) =>
      writes.findLast((w) => w.tenantId === tenantId && w.connector === connector && w.runId === runId),
  });

  test('a run ended once is reported once: written again later (a failed run a new sync abandons), nothing more goes out', async () => {
    const stored: RunRecord[] = [];
    const published: TenantEvent[] = [];
    const bus = { publish: async (events: readonly TenantEvent[]) => void published.push(...events) };
    const runs = publishingRunEnds(storeOf(stored), bus, () => undefined);
    await runs.putRun(run({}));
    await runs.putRun(run({ status: 'failed', finishedAt: '2026-12-01T10:05:00.000Z', error: 'Notion 502' }));
    await runs.putRun(
      run({
        status: 'failed',
        finishedAt: '2026-12-01T11:00:00.000Z',
        error: 'Notion 502; abandoned: the configuration changed since it started',
      }),
    );
    expect(stored).toHaveLength(3);
    expect(published.map((e) => [e.type, e.fields.runId, e.fields.error])).toEqual([
      ['sync.failed', 'r1', 'Notion 502'],
    ]);
    // A run ended without a running write first (a platform sync's one write) is reported.
    await runs.putRun(run({ runId: 'r9', status: 'succeeded', finishedAt: '2026-12-01T11:01:00.000Z' }));
    expect(published.map((e) => e.fields.runId)).toEqual(['r1', 'r9']);
  });

  test('stored, then published once finished; a run taken over by another is not; a refused publish is reported, not thrown', async () => {
    const stored: RunRecord[] = [];
    const published: TenantEvent[] = [];
    const failures: string[] = [];
    let refuse = false;
    const bus = {
      publish: async (events: readonly TenantEvent[]) => {
        if (refuse) throw new Error('bus down');
        published.push(...events);
      },
    };
    const runs = publishingRunEnds(storeOf(stored), bus, (err, e) => failures.push(`${e.type}: ${err.message}`));
    await runs.putRun(run({}));
    await runs.putRun(run({ status: 'succeeded', finishedAt: '2026-12-01T10:05:00.000Z' }));
    await runs.putRun(run({ runId: 'r0', status: 'failed', error: 'Notion 502; resumed as run r1' }));
    await runs.putRun(run({ runId: 'r2', connector: 'shopify', status: 'failed', error: 'token revoked' }));
    refuse = true;
    await runs.putRun(run({ runId: 'r3', status: 'succeeded' }));
    expect(stored.map((r) => r.runId)).toEqual(['r1', 'r1', 'r0', 'r2', 'r3']);
    expect(published.map((e) => [e.type, e.fields.runId, e.fields.connector])).toEqual([
      ['sync.completed', 'r1', 'notion'],
      ['sync.failed', 'r2', 'shopify'],
    ]);
    expect(published[1]?.fields.error).toBe('token revoked');
    expect(published[0]?.createdAt).toBe('2026-12-01T10:05:00.000Z');
    expect(failures).toEqual(['sync.completed: bus down']);
  });
});

test("a campaign's sends fold into one brevo.campaign_sent", () => {
  const out = tenantEventsOf(
    't1',
    brevo([
      { event: 'delivered', email: 'a@b.co', camp_id: 12, 'campaign name': 'Winter', ts_sent: ts },
      { event: 'delivered', email: 'c@d.co', camp_id: 12, 'campaign name': 'Winter', ts_sent: ts },
    ]),
  );
  expect(out.map((e) => [e.type, e.fields.campaign])).toEqual([['brevo.campaign_sent', { id: 12, name: 'Winter' }]]);
});

test("Brevo's webhook: a bus that refuses answers 429 with nothing queued; Brevo's retry publishes the same ids", async () => {
  const sent: string[] = [];
  const published: TenantEvent[] = [];
  let refuse = true;
  const deps = {
    tenants: {
      getTenant: async () => ({
        tenantId: 'acme',
        apiKeyHash: 'x',
        webhookTokenHash: sha256Hex('whk_t'),
        createdAt: '',
      }),
      putTenant: async () => undefined,
    },
    connections: { getConnection: async () => undefined },
    lane: { send: async (_q: string, m: { body: string }[]) => void sent.push(...m.map((x) => x.body)) },
    orders: { recordOrder: async () => undefined, lastOrderAt: async () => undefined },
    clock: systemClock,
    events: {
      publish: async (events: readonly TenantEvent[]) => {
        if (refuse) throw new Error('ThrottlingException');
        published.push(...events);
      },
    },
  };
  const body = JSON.stringify([
    { event: 'contact_updated', email: 'a@b.co', content: [{ PLAN: 'pro' }], ts },
    { event: 'click', email: 'a@b.co', camp_id: 4, URL: 'https://x.io', ts_event: ts },
  ]);
  const post = () =>
    acceptBrevoWebhook(deps as never, { tenantId: 'acme', headers: { authorization: 'Bearer whk_t' }, body });
  const refused = await post();
  expect(refused.status).toBe(429);
  expect(sent).toEqual([]);
  refuse = false;
  const accepted = await post();
  expect(accepted.status).toBe(200);
  // The answer counts what went to the tenant's event stream, so it adds up with the deliveries.
  expect(accepted.body).toMatchObject({ published: 2 });
  expect(published.map((e) => [e.tenantId, e.type])).toEqual([
    ['acme', 'contact.attribute_updated'],
    ['acme', 'brevo.click'],
  ]);
  const wrongToken = await acceptBrevoWebhook(deps as never, {
    tenantId: 'acme',
    headers: { authorization: 'Bearer whk_wrong' },
    body,
  });
  expect(wrongToken).toEqual({
    status: 401,
    body: {
      error:
        "invalid webhook token: give tenant acme's webhook token (printed by tajo tenants create; under npm start in .tajo/acme.webhook-token)",
    },
  });
  const ids = published.map((e) => e.id);
  published.length = 0;
  await post();
  expect(published.map((e) => e.id)).toEqual(ids);
});
