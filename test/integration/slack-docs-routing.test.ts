/**
 * The Slack docs page's routing block, copied as users copy it (placeholders replaced): it validates,
 * the tenant connects with it, and its routes run end to end through the notification pipeline
 * (webhook ingress → Slack lane → worker → the Slack simulator): a new subscriber with
 * subscriber_alert in #marketing, an order over the threshold with order_alert in #sales, a ticket
 * with ticket_alert in #support. Then: one post per route and channel, and a Slack outage that
 * leaves the webhook accepted and the post done once Slack is back.
 */

import { createServer } from 'node:net';
import { SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectSlack } from '../../shared/app/connections';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { SlackApiError } from '../../shared/connectors/slack/client';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import { sha256Hex } from '../../shared/core/hash';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { listAddition, orderPlaced, ticketCreated } from '../notifications/fixtures';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const SLACK_TOKEN = 'xoxb-docs-routing';
const WEBHOOK_TOKEN = 'whk_docs_routing';
const CHANNELS = { marketing: 'C01234567', sales: 'C01234568', support: 'C01234569', alerts: 'C01234570' };

/** product-docs.md §2, the Slack page's config block, as printed (with a brevo section to be whole). */
const DOCS_SLACK_BLOCK = `
brevo:
  api_key: "\${BREVO_API_KEY}"
connectors:
  slack:
    enabled: true
    bot_token: "\${SLACK_BOT_TOKEN}"
    signing_secret: "\${SLACK_SIGNING_SECRET}"
    # Notification channels
    channels:
      marketing: "C01234567"
      sales: "C01234568"
      support: "C01234569"
      alerts: "C01234570"
    # Event routing
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
const ENV = {
  BREVO_API_KEY: 'xkeysib-docs-routing',
  SLACK_BOT_TOKEN: SLACK_TOKEN,
  SLACK_SIGNING_SECRET: 'docs-routing-signing-secret',
};

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

let slack: SlackSimulator;
let store: DynamoRepositories;
const secrets = new MemorySecrets();
const clock = new VirtualClock(Date.parse('2026-11-03T09:30:00Z'));

beforeAll(async () => {
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: 'T0DOCS',
        teamName: 'Docs',
        botToken: SLACK_TOKEN,
        botUserId: 'U0DOCSBOT',
        botId: 'B0DOCS',
        scopes: ['chat:write', 'chat:write.public', 'channels:read'],
      },
    ],
    channelRate: { perSecond: 100, burst: 100 },
  });
  await slack.start();
  for (const [name, id] of Object.entries(CHANNELS)) slack.addChannel({ teamId: 'T0DOCS', id, name });
});

afterAll(() => slack.stop());

/** A tenant connected with the docs' block (or a variant), its webhook token stored: a table of its own (one workspace, one tenant). */
async function tenantWith(yaml: string): Promise<string> {
  ({ store } = await freshStore());
  const tenantId = `docs-${Math.random().toString(36).slice(2, 8)}`;
  const config = parseConfig(yaml, ENV, 'docs block');
  await store.putTenant({ tenantId, apiKeyHash: 'x', webhookTokenHash: sha256Hex(WEBHOOK_TOKEN), createdAt: '' });
  await connectSlack(
    { connections: store, secrets, schedules: noSchedules, teams: store, clock, slackApiUrl: slack.apiUrl },
    { tenantId, config },
  );
  return tenantId;
}

async function webhook(tenantId: string, lane: RecordingLane, body: unknown) {
  return acceptBrevoWebhook(
    { tenants: store, connections: store, lane, orders: store, clock },
    { tenantId, headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(body) },
  );
}

/** The Slack worker over what the lane holds: one batch per message group, as Lambda gets them. */
async function drain(messages: LaneMessage[], slackApiUrl = slack.apiUrl) {
  const groups = new Map<string, LaneMessage[]>();
  for (const m of messages) groups.set(m.groupId ?? '', [...(groups.get(m.groupId ?? '') ?? []), m]);
  let posted = 0;
  for (const group of groups.values()) {
    const res = await postSlackBatch(
      { connections: store, threads: store, secrets, clock, slackApiUrl },
      group.map((m, i) => ({ id: `m${i}`, body: m.body, groupId: m.groupId })),
    );
    expect(res.failed).toEqual([]);
    posted += res.posted;
  }
  return posted;
}

function textOf(blocks: unknown[] | undefined): string {
  return JSON.stringify(blocks ?? []);
}

test("the docs' routing block validates, and each route posts with its built-in template to its channel", async () => {
  const tenantId = await tenantWith(DOCS_SLACK_BLOCK);
  const lane = new RecordingLane();

  const sub = await webhook(tenantId, lane, listAddition({ email: 'new.sub@example.com' }));
  expect(sub).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });
  // 1,299.00 EUR: over the default threshold (500).
  const order = await webhook(tenantId, lane, orderPlaced());
  expect(order).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });
  const ticket = await webhook(tenantId, lane, ticketCreated({ contact: { email: 'req@example.com' } }));
  expect(ticket).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });
  expect(await drain(lane.sent)).toBe(3);

  const [subMsg] = slack.messages(CHANNELS.marketing);
  expect(subMsg?.text).toBe('New subscriber: new.sub@example.com');
  expect(textOf(subMsg?.blocks)).toMatch(/🎉 New subscriber/);
  expect(textOf(subMsg?.blocks)).toMatch(/\*Lists\*\\n3, 7/);

  const [orderMsg] = slack.messages(CHANNELS.sales);
  expect(orderMsg?.text).toBe('Order ORD-1001 from dana@example.com: 1,299.00 EUR');
  const orderBlocks = textOf(orderMsg?.blocks);
  expect(orderBlocks).toMatch(/💰 Order: 1,299.00 EUR/);
  expect(orderBlocks).toMatch(/\*Items\*\\n1× Espresso machine, 2× Descaler/);
  expect(orderBlocks).toMatch(/\*Name\*\\nDana Moss/);

  const [ticketMsg] = slack.messages(CHANNELS.support);
  expect(ticketMsg?.text).toBe('Ticket T-5: Refund for order ORD-1001');
  const ticketBlocks = textOf(ticketMsg?.blocks);
  expect(ticketBlocks).toMatch(/\*Priority\*\\nhigh/);
  expect(ticketBlocks).toMatch(/\*Requester\*\\nreq@example.com/);
  expect(slack.messages(CHANNELS.alerts)).toEqual([]);
});

test('high_value_order: an order under the threshold is not posted; `threshold` on the route moves it', async () => {
  const tenantId = await tenantWith(DOCS_SLACK_BLOCK);
  const lane = new RecordingLane();
  const small = await webhook(
    tenantId,
    lane,
    orderPlaced({ id: 'evt-small', order: { id: 'ORD-SMALL', total: 499.99, currency: 'EUR' } }),
  );
  expect(small).toMatchObject({ status: 200, body: { accepted: 0, skipped: 1 } });
  expect(lane.sent).toEqual([]);

  // A second tenant (its own table): the first one's store is gone from `store`.
  const lowered = await tenantWith(
    DOCS_SLACK_BLOCK.replace('        template: order_alert', '        template: order_alert\n        threshold: 100'),
  );
  const res = await webhook(
    lowered,
    lane,
    orderPlaced({ id: 'evt-150', order: { id: 'ORD-150', total: 150, currency: 'EUR' } }),
  );
  expect(res).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });
});

test('an order matching order_placed and high_value_order is posted once per route, once per channel', async () => {
  const both = DOCS_SLACK_BLOCK.replace(
    '      high_value_order:',
    '      order_placed:\n        channel: alerts\n      high_value_order:',
  );
  const tenantId = await tenantWith(both);
  const lane = new RecordingLane();
  const res = await webhook(tenantId, lane, orderPlaced({ id: 'evt-both' }));
  expect(res).toMatchObject({ status: 200, body: { accepted: 1, queued: 2 } });
  const before = { sales: slack.messages(CHANNELS.sales).length, alerts: slack.messages(CHANNELS.alerts).length };
  expect(await drain(lane.sent)).toBe(2);
  expect(slack.messages(CHANNELS.sales)).toHaveLength(before.sales + 1);
  expect(slack.messages(CHANNELS.alerts)).toHaveLength(before.alerts + 1);
  // #alerts got the order_placed built-in, #sales the order_alert.
  expect(slack.messages(CHANNELS.alerts).at(-1)?.text).toMatch(/^New order ORD-1001/);
  expect(slack.messages(CHANNELS.sales).at(-1)?.text).toMatch(/^Order ORD-1001/);

  // Both routes on one channel: one post, with the more specific route's template.
  const same = await tenantWith(
    DOCS_SLACK_BLOCK.replace(
      '      high_value_order:',
      '      order_placed:\n        channel: sales\n      high_value_order:',
    ),
  );
  const lane2 = new RecordingLane();
  const one = await webhook(same, lane2, orderPlaced({ id: 'evt-same' }));
  expect(one).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });
  expect(JSON.parse(lane2.sent[0]?.body ?? '{}').template.text).toMatch(/^Order \{\{order.id\}\}/);
});

test('a template on an event it does not fit is refused at validation, naming the events it fits', () => {
  const wrong = DOCS_SLACK_BLOCK.replace('template: subscriber_alert', 'template: order_alert');
  expect(() => parseConfig(wrong, ENV, 'docs block')).toThrow(
    /connectors\.slack\.notifications\.new_subscriber\.template: built-in template "order_alert" is for order_placed events, not new_subscriber \(expected "default", "new_subscriber", "subscriber_alert" or a template object\)/,
  );
  const typo = DOCS_SLACK_BLOCK.replace('high_value_order:', 'high_value_orders:');
  expect(() => parseConfig(typo, ENV, 'docs block')).toThrow(
    /connectors\.slack\.notifications\.high_value_orders: unknown event type "high_value_orders" \(expected one of .*high_value_order, support_ticket\)/,
  );
});

test('Brevo event types without a notification are counted and reported, never an error', async () => {
  const tenantId = await tenantWith(DOCS_SLACK_BLOCK);
  const lane = new RecordingLane();
  const res = await webhook(tenantId, lane, [
    { event: 'opened', email: 'a@example.com', ts_event: 1793697302, camp_id: 4 },
    { event: 'a_type_brevo_adds_next_year', email: 'b@example.com', ts: 1793697302 },
    { event: 'a_type_brevo_adds_next_year', email: 'c@example.com', ts: 1793697303 },
    { event: 42 },
    null,
    listAddition({ email: 'still.posted@example.com' }),
  ]);
  expect(res).toMatchObject({
    status: 200,
    body: { accepted: 1, ignored: 5, unsupported: { opened: 1, a_type_brevo_adds_next_year: 2 } },
  });
});

/** A loopback port nothing listens on (Slack "down"). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('Slack down: the webhook is still accepted and queued; the worker retries and posts once Slack is back', async () => {
  const tenantId = await tenantWith(DOCS_SLACK_BLOCK);
  const lane = new RecordingLane();
  const res = await webhook(
    tenantId,
    lane,
    ticketCreated({ id: 'evt-outage', ticket: { id: 'T-9', subject: 'Down' } }),
  );
  expect(res).toMatchObject({ status: 200, body: { accepted: 1, queued: 1 } });

  const [msg] = lane.sent;
  const down = `http://127.0.0.1:${await closedPort()}/api/`;
  const batch = [{ id: 'm1', body: msg?.body ?? '', groupId: msg?.groupId }];
  // Unreachable: the batch throws (the worker parks the group for a retry), it is not failed for good.
  const err = await postSlackBatch({ connections: store, threads: store, secrets, clock, slackApiUrl: down }, batch)
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(SlackApiError);
  const before = slack.messages(CHANNELS.support).length;

  // Back: the same lane message (redelivered) is posted, once.
  const back = await postSlackBatch(
    { connections: store, threads: store, secrets, clock, slackApiUrl: slack.apiUrl },
    batch,
  );
  expect(back).toMatchObject({ posted: 1, failed: [] });
  const again = await postSlackBatch(
    { connections: store, threads: store, secrets, clock, slackApiUrl: slack.apiUrl },
    batch,
  );
  expect(again).toMatchObject({ posted: 0, failed: [] });
  expect(slack.messages(CHANNELS.support)).toHaveLength(before + 1);
  expect(slack.messages(CHANNELS.support).at(-1)?.text).toBe('Ticket T-9: Down');
});
