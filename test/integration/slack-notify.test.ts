/**
 * POST /tenants/{t}/slack/notify (tajo.slack.notify on the server), through the management API
 * (handleApiRequest: the tenant's key, the route), the Slack lane (what the API queued) and its
 * worker (postSlackBatch) to the Slack simulator: the docs' example posts its blocks; a bad block is
 * refused with its path; channel aliases and an unknown alias; the routed template without one;
 * thread replies; a redelivery posts once; the delivery record carries the notificationId; a burst
 * for one channel is paced (no 429 from a simulator allowing 1 post/s) and never digested.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printSlackStatus } from '../../cli/commands/print';
import { SimClock } from '../../sandbox/http-kit';
import { SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { handleApiRequest } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import { connectSlack } from '../../shared/app/connections';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { connectorStatus, type SlackStatus } from '../../shared/app/status';
import { SLACK_CHANNEL_INTERVAL_MS } from '../../shared/connectors/slack/client';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import { SLACK_NOTIFY_ROUTE_KEY, slackNotifyAnswerSchema } from '../../shared/connectors/slack/notify-api';
import { sha256Hex } from '../../shared/core/hash';
import type { ApiDeps, ApiResponse } from '../../shared/core/http/api-types';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { listAddition } from '../notifications/fixtures';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { apiDepsOver, freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const SLACK_TOKEN = 'xoxb-notify-api';
const WEBHOOK_TOKEN = 'whk_notify_api';
const TEAM = 'T0NOTIFY';
const CHANNELS = { marketing: 'C01234567', sales: 'C01234568', support: 'C01234569', alerts: 'C01234570' };
/** product-docs.md §2's Slack block (placeholders replaced). */
const YAML = `
brevo:
  api_key: "xkeysib-notify-api"
connectors:
  slack:
    enabled: true
    bot_token: "${SLACK_TOKEN}"
    signing_secret: "notify-api-signing-secret"
    channels:
      marketing: "C01234567"
      sales: "C01234568"
      support: "C01234569"
      alerts: "C01234570"
    notifications:
      new_subscriber:
        channel: marketing
        template: subscriber_alert
      high_value_order:
        channel: sales
        template: order_alert
      support_ticket:
        channel: support
        template: ticket_alert
`;

/** product-docs.md §2, the SDK's notify call, as printed. */
const DOCS_NOTIFY = {
  channel: 'sales',
  event: 'order_placed',
  data: {
    customerEmail: 'jane@example.com',
    orderValue: '$1,250.00',
    products: ['Premium Widget', 'Pro Service'],
    isFirstOrder: true,
  },
  template: {
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'New High-Value Order' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Customer:*\njane@example.com' },
          { type: 'mrkdwn', text: '*Amount:*\n$1,250.00' },
        ],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'View in Brevo' },
            url: 'https://app.brevo.com/contacts',
          },
        ],
      },
    ],
  },
};

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };
const secrets = new MemorySecrets();
const clock = new VirtualClock(Date.parse('2026-11-03T09:30:00Z'));
/** The simulator's clock is the test's: its per-channel bucket refills as the lane's pacer sleeps. */
class TestClock extends SimClock {
  override now(): number {
    return clock.now();
  }
}
let slack: SlackSimulator;
let store: DynamoRepositories;
let stateDir: string;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  // Posting at most 1 message/s per channel, on the test's clock: a burst the lane did not pace gets 429s.
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: TEAM,
        teamName: 'Notify',
        botToken: SLACK_TOKEN,
        botUserId: 'U0NOTIFYBOT',
        botId: 'B0NOTIFY',
        scopes: ['chat:write', 'chat:write.public', 'channels:read', 'channels:history'],
      },
    ],
    channelRate: { perSecond: 1, burst: 1 },
    clock: new TestClock(),
  });
  await slack.start();
  for (const [name, id] of Object.entries(CHANNELS)) slack.addChannel({ teamId: TEAM, id, name });
  ({ store } = await freshStore());
  stateDir = mkdtempSync(join(tmpdir(), 'tajo-slack-notify-'));
  tenantId = `notify-${randomUUID().slice(0, 8)}`;
  apiKey = newApiKey();
  await store.putTenant({
    tenantId,
    apiKeyHash: hashApiKey(apiKey),
    webhookTokenHash: sha256Hex(WEBHOOK_TOKEN),
    createdAt: new Date(clock.now()).toISOString(),
  });
  await connectSlack(
    { connections: store, secrets, schedules: noSchedules, teams: store, clock, slackApiUrl: slack.apiUrl },
    { tenantId, config: parseConfig(YAML, {}, 'test config') },
  );
});

afterAll(async () => {
  await slack.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function apiDeps(lane: RecordingLane): ApiDeps {
  return apiDepsOver(store, {
    secrets,
    schedules: noSchedules,
    lane,
    clock,
    endpoints: { slackApiUrl: slack.apiUrl },
    documents: new LocalDocumentStore(join(stateDir, 'documents')),
    deliveries: store,
  });
}

async function notify(
  lane: RecordingLane,
  body: unknown,
  headers: Record<string, string> = {},
  tenant = tenantId,
): Promise<ApiResponse> {
  return handleApiRequest(apiDeps(lane), {
    routeKey: SLACK_NOTIFY_ROUTE_KEY,
    pathParameters: { tenantId: tenant },
    headers: { authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify(body),
  });
}

/** The Slack worker over what the lane holds: one batch per message group, as Lambda gets them. */
async function drain(messages: LaneMessage[], redelivered = false) {
  const groups = new Map<string, LaneMessage[]>();
  for (const m of messages) groups.set(m.groupId, [...(groups.get(m.groupId) ?? []), m]);
  const out = { posted: 0, digests: 0, failed: [] as string[] };
  for (const group of groups.values()) {
    const res = await postSlackBatch(
      { connections: store, threads: store, deliveries: store, secrets, clock, slackApiUrl: slack.apiUrl },
      group.map((m, i) => ({ id: `m${i}`, body: m.body, groupId: m.groupId, redelivered })),
    );
    out.posted += res.posted;
    out.digests += res.digests;
    out.failed.push(...res.failed);
  }
  return out;
}

test("the docs' example is queued on #sales and posts its blocks as given; status knows its id", async () => {
  const lane = new RecordingLane();
  const res = await notify(lane, DOCS_NOTIFY);
  expect(res.status).toBe(202);
  const answer = slackNotifyAnswerSchema.parse(res.body);
  expect(answer).toMatchObject({ queued: true, channel: CHANNELS.sales });
  expect(answer.notificationId).toMatch(/^ntf_[0-9a-f]{32}$/);
  expect(lane.sent).toHaveLength(1);
  expect(lane.sent[0]?.groupId).toBe(`${tenantId}:${CHANNELS.sales}`);

  const before = slack.messages(CHANNELS.sales).length;
  expect(await drain(lane.sent)).toMatchObject({ posted: 1, failed: [] });
  const posted = slack.messages(CHANNELS.sales).slice(before);
  expect(posted).toHaveLength(1);
  expect(posted[0]?.blocks).toEqual(DOCS_NOTIFY.template.blocks);
  expect(posted[0]?.text).toBe('New High-Value Order');

  const deliveries = await store.getSlackDeliveries(tenantId);
  expect(deliveries?.recent[0]).toMatchObject({
    notificationId: answer.notificationId,
    channelId: CHANNELS.sales,
    eventType: 'order_placed',
    status: 'posted',
  });
});

test('a block Slack would refuse is refused with its path, and nothing is queued', async () => {
  const lane = new RecordingLane();
  const longButton = structuredClone(DOCS_NOTIFY);
  const actions = longButton.template.blocks[2] as { elements: { text: { text: string } }[] };
  actions.elements[0]!.text.text = 'x'.repeat(76);
  const res = await notify(lane, longButton);
  expect(res.status).toBe(400);
  expect((res.body as { error: string }).error).toBe(
    "template.blocks[2].elements[0].text.text: a button's text is at most 75 characters (Slack's limit)",
  );

  const cases: [unknown, string][] = [
    [{ type: 'banner' }, "template.blocks[0].type: a block's type is one of"],
    [
      { type: 'header', text: { type: 'mrkdwn', text: 'Hi' } },
      'template.blocks[0].text.type: a header must be a plain_text',
    ],
    [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }, 'template.blocks[0].text.text: a header'],
    [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }, 'template.blocks[0].text.text:'],
    [
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
      'template.blocks[0].fields: a section holds at most 10 fields',
    ],
    [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }, 'template.blocks[0].fields[0].text:'],
    [{ type: 'section' }, 'template.blocks[0]: a section needs text or fields'],
    [
      {
        type: 'actions',
        elements: Array.from({ length: 26 }, () => ({ type: 'button', text: { type: 'plain_text', text: 'b' } })),
      },
      'template.blocks[0].elements: an actions block holds at most 25 elements',
    ],
    [
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'b' }, url: `https://x.io/${'u'.repeat(3000)}` },
        ],
      },
      "template.blocks[0].elements[0].url: a button's url is at most 3000",
    ],
  ];
  for (const [block, reason] of cases) {
    const r = await notify(lane, { channel: 'sales', event: 'order_placed', template: { blocks: [block] } });
    expect(r.status).toBe(400);
    expect((r.body as { error: string }).error).toContain(reason);
  }
  const badEvent = await notify(lane, {
    channel: 'sales',
    event: 'order placed\n',
    template: { blocks: [{ type: 'divider' }] },
  });
  expect((badEvent.body as { error: string }).error).toBe(
    'event: event is a name of letters, digits and _ . : - (e.g. order_placed)',
  );
  const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
  const r = await notify(lane, { channel: 'sales', event: 'x', template: { blocks: tooMany } });
  expect((r.body as { error: string }).error).toBe('template.blocks: a message holds at most 50 blocks');
  expect(lane.sent).toEqual([]);
});

test("channel: an alias, #alias, a channel id or a channel's name; an unknown one is refused naming the known aliases", async () => {
  const lane = new RecordingLane();
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }];
  const byHash = await notify(lane, { channel: '#support', event: 'ping', template: { blocks } });
  expect(byHash).toMatchObject({ status: 202, body: { channel: CHANNELS.support } });
  const byId = await notify(lane, { channel: CHANNELS.alerts, event: 'ping', template: { blocks } });
  expect(byId).toMatchObject({ status: 202, body: { channel: CHANNELS.alerts } });
  const unknown = await notify(lane, { channel: 'finance', event: 'ping', template: { blocks } });
  expect(unknown).toEqual({
    status: 400,
    body: {
      error:
        'channel: "finance" is not an alias of connectors.slack.channels (known: marketing, sales, support, alerts), a channel id (C…) nor a public channel the bot sees: add it to connectors.slack.channels or invite the bot',
      code: 'invalid_request',
      issues: [
        {
          path: 'channel',
          message:
            '"finance" is not an alias of connectors.slack.channels (known: marketing, sales, support, alerts), a channel id (C…) nor a public channel the bot sees: add it to connectors.slack.channels or invite the bot',
        },
      ],
    },
  });
  // A channel of the workspace given by its name (no alias for it): found through conversations.list.
  slack.addChannel({ teamId: TEAM, id: 'C0FINANCE1', name: 'finance-team' });
  const byName = await notify(lane, { channel: '#finance-team', event: 'ping', template: { blocks } });
  expect(byName).toMatchObject({ status: 202, body: { channel: 'C0FINANCE1' } });
  expect(lane.sent).toHaveLength(3);
  expect((await drain(lane.sent)).posted).toBe(3);
  expect(slack.messages('C0FINANCE1').at(-1)?.text).toBe('hello');
  expect(slack.messages(CHANNELS.alerts).at(-1)?.text).toBe('hello');
});

test('without a template: the routed template for the event, its data as fields; no route → what to add', async () => {
  const lane = new RecordingLane();
  const { template: _t, ...withoutTemplate } = DOCS_NOTIFY;
  const res = await notify(lane, withoutTemplate);
  expect(res.status).toBe(202);
  expect((await drain(lane.sent)).posted).toBe(1);
  const msg = slack.messages(CHANNELS.sales).at(-1);
  // order_alert (high_value_order's template), its header without the order the data does not give.
  expect(msg?.blocks?.[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '💰 Order', emoji: true } });
  expect(msg?.blocks?.[1]).toEqual({
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Customer email*\njane@example.com' },
      { type: 'mrkdwn', text: '*Order value*\n$1,250.00' },
      { type: 'mrkdwn', text: '*Products*\nPremium Widget, Pro Service' },
      { type: 'mrkdwn', text: '*Is first order*\nyes' },
    ],
  });
  expect(msg?.text).toBe(
    '💰 Order: Customer email: jane@example.com, Order value: $1,250.00, Products: Premium Widget, Pro Service, Is first order: yes',
  );

  // Data in the event's own shape fills the template's placeholders, as a Brevo event does.
  const shaped = await notify(lane, {
    channel: 'sales',
    event: 'high_value_order',
    data: { contact: { email: 'ann@example.com' }, order: { id: 'ORD-9', total: 900, currency: 'EUR' } },
  });
  expect(shaped.status).toBe(202);
  lane.sent.splice(0, 1);
  expect((await drain(lane.sent)).posted).toBe(1);
  const filled = slack.messages(CHANNELS.sales).at(-1);
  expect(filled?.text).toBe('Order ORD-9 from ann@example.com: 900.00 EUR');
  expect(JSON.stringify(filled?.blocks)).toContain('💰 Order: 900.00 EUR');

  const badShape = await notify(lane, {
    channel: 'sales',
    event: 'order_placed',
    data: { order: { id: 'X', total: 'lots' } },
  });
  expect(badShape.status).toBe(400);
  expect((badShape.body as { error: string }).error).toMatch(/^data\.order\.total: /);

  const noRoute = await notify(lane, { channel: 'sales', event: 'cart_abandoned', data: {} });
  expect(noRoute.status).toBe(400);
  expect((noRoute.body as { error: string }).error).toBe(
    'template: no template given, and the Slack connection has no route for cart_abandoned: give template: {blocks}, or add connectors.slack.notifications.cart_abandoned: {channel, template} to its config',
  );
  const ownEvent = await notify(lane, { channel: 'sales', event: 'deploy_finished' });
  expect((ownEvent.body as { error: string }).error).toMatch(
    /^template: no template given, and "deploy_finished" has no notification route/,
  );
});

test('thread: a later notify with the same key replies in the first one’s thread', async () => {
  const lane = new RecordingLane();
  const blocks = (text: string) => [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const thread = `order:${randomUUID()}`;
  await notify(lane, { channel: 'support', event: 'ticket', thread, template: { blocks: blocks('opened') } });
  expect((await drain(lane.sent.splice(0))).posted).toBe(1);
  const parent = slack.messages(CHANNELS.support).at(-1);
  await notify(lane, { channel: 'support', event: 'ticket', thread, template: { blocks: blocks('answered') } });
  await notify(lane, { channel: 'support', event: 'ticket', template: { blocks: blocks('unrelated') } });
  expect((await drain(lane.sent.splice(0))).posted).toBe(2);
  const [reply, other] = slack.messages(CHANNELS.support).slice(-2);
  expect(parent?.thread_ts).toBeUndefined();
  expect(reply).toMatchObject({ text: 'answered', thread_ts: parent?.ts });
  expect(other?.text).toBe('unrelated');
  expect(other?.thread_ts).toBeUndefined();
});

test('the same Idempotency-Key is one notification: queued with one dedupe id, posted once on redelivery', async () => {
  const lane = new RecordingLane();
  const body = { channel: 'alerts', event: 'ping', template: { blocks: [{ type: 'divider' }] }, text: 'once' };
  const a = await notify(lane, body, { 'idempotency-key': 'k-1' });
  const b = await notify(lane, body, { 'idempotency-key': 'k-1' });
  expect((a.body as { notificationId: string }).notificationId).toBe(
    (b.body as { notificationId: string }).notificationId,
  );
  expect(lane.sent[0]?.deduplicationId).toBe(lane.sent[1]?.deduplicationId);
  const before = slack.messages(CHANNELS.alerts).length;
  expect((await drain([lane.sent[0]!])).posted).toBe(1);
  expect((await drain([lane.sent[1]!], true)).posted).toBe(0);
  expect(slack.messages(CHANNELS.alerts).length).toBe(before + 1);
});

test("another tenant's key cannot notify through this tenant", async () => {
  const lane = new RecordingLane();
  const res = await handleApiRequest(apiDeps(lane), {
    routeKey: SLACK_NOTIFY_ROUTE_KEY,
    pathParameters: { tenantId },
    headers: { authorization: `Bearer ${newApiKey()}` },
    body: JSON.stringify(DOCS_NOTIFY),
  });
  expect(res.status).toBe(404);
  expect(lane.sent).toEqual([]);
});

test('a burst for one channel posts every notification, one by one, paced under 1/s: no 429, no digest', async () => {
  const lane = new RecordingLane();
  for (let i = 0; i < 8; i++) {
    const res = await notify(lane, {
      channel: 'marketing',
      event: 'burst',
      template: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `burst ${i}` } }] },
    });
    expect(res.status).toBe(202);
  }
  slack.resetStats();
  const before = slack.messages(CHANNELS.marketing).length;
  const sleptBefore = clock.slept;
  const out = await drain(lane.sent);
  expect(out).toMatchObject({ posted: 8, digests: 0, failed: [] });
  expect(
    slack
      .messages(CHANNELS.marketing)
      .slice(before)
      .map((m) => m.text),
  ).toEqual(Array.from({ length: 8 }, (_, i) => `burst ${i}`));
  expect(slack.stats().rateLimited).toBe(0);
  // Seven waits of the channel's interval between eight posts (virtual time: the clock's sleeps).
  expect(clock.slept - sleptBefore).toBeGreaterThanOrEqual(7 * SLACK_CHANNEL_INTERVAL_MS);
});

test("the template's {{placeholders}} are filled from data (escaped in mrkdwn, encoded in URLs); one data lacks is refused", async () => {
  const lane = new RecordingLane();
  const template = {
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Order from {{customer.name}}' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Amount:* {{orderValue}} · {{products}}' } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open' },
            url: 'https://app.brevo.com/contacts?email={{customerEmail}}',
          },
        ],
      },
    ],
  };
  const data = {
    customer: { name: 'Jane <VIP>' },
    customerEmail: 'jane+vip@example.com',
    orderValue: '$1,250.00 & tax',
    products: ['Premium Widget', 'Pro Service'],
  };
  const res = await notify(lane, { channel: 'sales', event: 'order_placed', data, template });
  expect(res.status).toBe(202);
  expect((await drain(lane.sent)).posted).toBe(1);
  const msg = slack.messages(CHANNELS.sales).at(-1);
  expect(msg?.text).toBe('Order from Jane <VIP>');
  expect(msg?.blocks).toEqual([
    { type: 'header', text: { type: 'plain_text', text: 'Order from Jane <VIP>' } },
    { type: 'section', text: { type: 'mrkdwn', text: '*Amount:* $1,250.00 &amp; tax · Premium Widget, Pro Service' } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open' },
          url: 'https://app.brevo.com/contacts?email=jane%2Bvip%40example.com',
        },
      ],
    },
  ]);

  const missing = await notify(lane, {
    channel: 'sales',
    event: 'order_placed',
    data: { customerEmail: 'a@b.c' },
    template,
  });
  expect(missing).toEqual({
    status: 400,
    body: {
      error:
        'template.blocks[0].text.text: {{customer.name}} has no value in data (data has: customerEmail): add it to data, or write the text without the placeholder',
      code: 'invalid_request',
      issues: [
        {
          path: 'template.blocks[0].text.text',
          message:
            '{{customer.name}} has no value in data (data has: customerEmail): add it to data, or write the text without the placeholder',
        },
      ],
    },
  });
  const tooLong = await notify(lane, {
    channel: 'sales',
    event: 'order_placed',
    data: { title: 't'.repeat(200) },
    template: { blocks: [{ type: 'header', text: { type: 'plain_text', text: '{{title}}' } }] },
  });
  expect((tooLong.body as { error: string }).error).toBe(
    "template.blocks[0].text.text: a header's text is at most 150 characters (Slack's limit) (once data filled its placeholders)",
  );
  expect(lane.sent).toHaveLength(1);
});

test("Slack's 429 is waited out (Retry-After), or parks the lane when longer; the post is made once either way", async () => {
  const lane = new RecordingLane();
  const body = (text: string) => ({
    channel: 'alerts',
    event: 'ping',
    template: { blocks: [{ type: 'divider' }] },
    text,
  });
  await notify(lane, body('after a short wait'));
  const before = slack.messages(CHANNELS.alerts).length;
  const slept = clock.slept;
  slack.failNext(1, { retryAfter: 7 });
  expect((await drain(lane.sent.splice(0))).posted).toBe(1);
  expect(clock.slept - slept).toBeGreaterThanOrEqual(7_000);

  await notify(lane, body('after the lane was parked'));
  slack.failNext(1, { retryAfter: 120 });
  await expect(drain(lane.sent)).rejects.toMatchObject({ retryAfterMs: 120_000 });
  clock.advance(120_000);
  expect((await drain(lane.sent.splice(0), true)).posted).toBe(1);
  expect(
    slack
      .messages(CHANNELS.alerts)
      .slice(before)
      .map((m) => m.text),
  ).toEqual(['after a short wait', 'after the lane was parked']);
});

test('a post Slack refuses is a failed delivery under its notificationId, with the reason status prints', async () => {
  const lane = new RecordingLane();
  slack.updateChannel(CHANNELS.marketing, { isArchived: true });
  try {
    const res = await notify(lane, {
      channel: 'marketing',
      event: 'campaign_report',
      text: 'weekly',
      template: { blocks: [{ type: 'divider' }] },
    });
    const { notificationId } = slackNotifyAnswerSchema.parse(res.body);
    const out = await drain(lane.sent);
    expect(out).toMatchObject({ posted: 0, failed: ['m0'] });
    const deliveries = await store.getSlackDeliveries(tenantId);
    expect(deliveries?.recent[0]).toMatchObject({
      notificationId,
      eventType: 'campaign_report',
      channelId: CHANNELS.marketing,
      status: 'failed',
      reason: expect.stringContaining('is_archived'),
    });
    const status = (await connectorStatus(
      { runs: store, cursors: store, clock, connections: store, deliveries: store },
      tenantId,
      'slack',
    )) as SlackStatus;
    const lines: string[] = [];
    printSlackStatus({ out: (l) => lines.push(l), err: () => undefined, isTTY: false }, status);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^ {4}failed .*: campaign_report \\(${notificationId}\\) → #marketing \\(${CHANNELS.marketing}\\): .*is_archived`,
        ),
      ),
    );
  } finally {
    slack.updateChannel(CHANNELS.marketing, { isArchived: false });
  }
});

test('in a batch with a burst of routed events, the routed ones become a digest and the notify posts stay posts', async () => {
  const lane = new RecordingLane();
  for (let i = 0; i < 4; i++) {
    const res = await acceptBrevoWebhook(
      { tenants: store, connections: store, lane, orders: store, clock },
      {
        tenantId,
        headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(listAddition({ id: 9000 + i, email: `sub${i}@example.com` })),
      },
    );
    expect(res).toMatchObject({ status: 200, body: { queued: 1 } });
    await notify(lane, {
      channel: 'marketing',
      event: 'mixed',
      template: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `notify ${i}` } }] },
    });
  }
  const before = slack.messages(CHANNELS.marketing).length;
  expect(await drain(lane.sent)).toMatchObject({ posted: 4, digests: 1, failed: [] });
  const texts = slack
    .messages(CHANNELS.marketing)
    .slice(before)
    .map((m) => m.text);
  expect(texts).toHaveLength(5);
  expect(texts.slice(1)).toEqual(['notify 0', 'notify 1', 'notify 2', 'notify 3']);
});

test('a tenant without a Slack connection is told to connect it first', async () => {
  const lane = new RecordingLane();
  const other = `notify-none-${randomUUID().slice(0, 8)}`;
  const otherKey = newApiKey();
  await store.putTenant({ tenantId: other, apiKeyHash: hashApiKey(otherKey), createdAt: '' });
  const res = await handleApiRequest(apiDeps(lane), {
    routeKey: SLACK_NOTIFY_ROUTE_KEY,
    pathParameters: { tenantId: other },
    headers: { authorization: `Bearer ${otherKey}` },
    body: JSON.stringify(DOCS_NOTIFY),
  });
  expect(res).toEqual({
    status: 409,
    body: {
      error: `no Slack connection for this tenant: connect Slack first (PUT /tenants/${other}/connections/slack)`,
      code: 'not_connected',
    },
  });
  expect(lane.sent).toEqual([]);
});
