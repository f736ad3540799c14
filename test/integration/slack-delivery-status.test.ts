/**
 * `status slack` shows the notifications the Slack lane posted: Brevo webhooks through the ingress,
 * the lane and the worker (postSlackBatch) to the Slack simulator, then the status the CLI and the
 * API print: the running totals, the last post with its channel's name, and a refused post with
 * Slack's reason.
 */

import { printSlackStatus } from '../../cli/commands/print';
import { SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectSlack } from '../../shared/app/connections';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { connectorStatus, type SlackStatus } from '../../shared/app/status';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import { sha256Hex } from '../../shared/core/hash';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { orderPlaced, ticketCreated } from '../notifications/fixtures';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const SLACK_TOKEN = 'xoxb-delivery-status';
const WEBHOOK_TOKEN = 'whk_delivery_status';
const CHANNELS = { sales: 'C0DSALES', support: 'C0DSUPPORT' };
const YAML = `
brevo:
  api_key: "xkeysib-delivery-status"
connectors:
  slack:
    enabled: true
    bot_token: "${SLACK_TOKEN}"
    signing_secret: "delivery-status-signing-secret"
    channels:
      sales: "${CHANNELS.sales}"
      support: "${CHANNELS.support}"
    notifications:
      order_placed:
        channel: sales
      support_ticket:
        channel: support
`;
const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

let slack: SlackSimulator;
let store: DynamoRepositories;
const secrets = new MemorySecrets();
const clock = new VirtualClock(Date.parse('2026-11-03T09:30:00Z'));
const tenantId = 'delivery-status';

beforeAll(async () => {
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: 'T0DLV',
        teamName: 'Deliveries',
        botToken: SLACK_TOKEN,
        botUserId: 'U0DLVBOT',
        botId: 'B0DLV',
        scopes: ['chat:write', 'chat:write.public', 'channels:read'],
      },
    ],
    channelRate: { perSecond: 100, burst: 100 },
  });
  await slack.start();
  for (const [name, id] of Object.entries(CHANNELS)) slack.addChannel({ teamId: 'T0DLV', id, name });
  ({ store } = await freshStore());
  await store.putTenant({ tenantId, apiKeyHash: 'x', webhookTokenHash: sha256Hex(WEBHOOK_TOKEN), createdAt: '' });
  await connectSlack(
    { connections: store, secrets, schedules: noSchedules, teams: store, clock, slackApiUrl: slack.apiUrl },
    { tenantId, config: parseConfig(YAML, {}, 'test config') },
  );
});

afterAll(() => slack.stop());

/** A webhook accepted, then its lane messages posted by the worker, one batch per message group. */
async function notify(body: unknown): Promise<string[]> {
  const lane = new RecordingLane();
  const res = await acceptBrevoWebhook(
    { tenants: store, connections: store, lane, orders: store, clock },
    { tenantId, headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(body) },
  );
  expect(res).toMatchObject({ status: 200, body: { queued: 1 } });
  const groups = new Map<string, LaneMessage[]>();
  for (const m of lane.sent) groups.set(m.groupId ?? '', [...(groups.get(m.groupId ?? '') ?? []), m]);
  const failed: string[] = [];
  for (const group of groups.values()) {
    const r = await postSlackBatch(
      { connections: store, threads: store, deliveries: store, secrets, clock, slackApiUrl: slack.apiUrl },
      group.map((m, i) => ({ id: `m${i}`, body: m.body, groupId: m.groupId })),
    );
    failed.push(...r.failed);
  }
  return failed;
}

async function status(): Promise<{ json: SlackStatus; text: string[] }> {
  const json = (await connectorStatus(
    { runs: store, cursors: store, clock, connections: store, deliveries: store },
    tenantId,
    'slack',
  )) as SlackStatus;
  const text: string[] = [];
  printSlackStatus({ out: (l) => text.push(l), err: () => undefined, isTTY: false }, json);
  return { json, text };
}

test('before any post, status says none; after posts, the totals and the last one with its channel', async () => {
  const before = await status();
  expect(before.json.deliveries).toBeNull();
  expect(before.text).toContain('  notifications: none posted yet');

  expect(await notify(orderPlaced({ id: 'evt_ord_a' }))).toEqual([]);
  clock.advance(60_000);
  expect(await notify(orderPlaced({ id: 'evt_ord_b' }))).toEqual([]);
  clock.advance(60_000);
  expect(await notify(ticketCreated({ id: 'evt-tkt-a' }))).toEqual([]);
  expect(slack.messages(CHANNELS.sales)).toHaveLength(2);
  expect(slack.messages(CHANNELS.support)).toHaveLength(1);

  const { json, text } = await status();
  expect(json.deliveries).toMatchObject({
    posted: 3,
    failed: 0,
    since: '2026-11-03T09:30:00.000Z',
    lastPosted: {
      eventType: 'ticket_created',
      channelId: CHANNELS.support,
      channelName: 'support',
      at: '2026-11-03T09:32:00.000Z',
    },
  });
  expect(json.deliveries?.recent.map((d) => [d.eventType, d.channelId, d.status])).toEqual([
    ['ticket_created', CHANNELS.support, 'posted'],
    ['order_placed', CHANNELS.sales, 'posted'],
    ['order_placed', CHANNELS.sales, 'posted'],
  ]);
  expect(text).toContain(
    `  notifications: 3 posted, 0 failed since 2026-11-03T09:30:00.000Z; last: ticket_created → #support (${CHANNELS.support}) at 2026-11-03T09:32:00.000Z`,
  );
  // A redelivered lane message is not posted again, nor counted again.
  expect(await notify(orderPlaced({ id: 'evt_ord_a' }))).toEqual([]);
  expect((await status()).json.deliveries?.posted).toBe(3);
});

test("a post Slack refuses is counted as failed with Slack's reason, the last posted one kept", async () => {
  slack.updateChannel(CHANNELS.sales, { isArchived: true });
  clock.advance(60_000);
  expect(await notify(orderPlaced({ id: 'evt_ord_c' }))).toHaveLength(1);

  const { json, text } = await status();
  expect(json.deliveries).toMatchObject({ posted: 3, failed: 1, lastPosted: { eventType: 'ticket_created' } });
  expect(json.deliveries?.recent[0]).toMatchObject({
    eventType: 'order_placed',
    channelId: CHANNELS.sales,
    status: 'failed',
    reason: expect.stringContaining('is_archived'),
  });
  expect(json.deliveries?.recent).toHaveLength(4);
  expect(text).toContainEqual(expect.stringMatching(/^ {2}notifications: 3 posted, 1 failed since /));
  expect(text).toContainEqual(
    expect.stringMatching(
      new RegExp(`^ {4}failed 2026-11-03T09:33:00.000Z: order_placed → #sales \\(${CHANNELS.sales}\\): .*is_archived`),
    ),
  );

  // Only the last few are kept; the totals keep counting.
  slack.updateChannel(CHANNELS.sales, { isArchived: false });
  for (const id of ['evt_ord_d', 'evt_ord_e']) expect(await notify(orderPlaced({ id }))).toEqual([]);
  const after = (await status()).json.deliveries;
  expect(after).toMatchObject({ posted: 5, failed: 1 });
  expect(after?.recent).toHaveLength(5);
  expect(after?.recent.map((d) => d.status)).toEqual(['posted', 'posted', 'failed', 'posted', 'posted']);
});
