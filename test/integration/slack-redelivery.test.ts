/**
 * Slack at most once on redelivery (issue 12 §1, §4): a notification whose post was made but whose
 * answer was lost, and whose read-back failed too, fails its delivery; the lane delivers it again
 * (receive count > 1, or a retry's envelope), and the worker finds the post by the key it carries
 * (the lane message's deduplication id, in the message metadata) instead of posting a second one.
 * A fault proxy in front of the Slack simulator loses the answers (the post is applied).
 */

import { SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectSlack } from '../../shared/app/connections';
import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import { sha256Hex } from '../../shared/core/hash';
import type { LaneMessage, ScheduleManager } from '../../shared/core/ports';
import { orderPlaced } from '../notifications/fixtures';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { FaultProxy } from '../support/fault-proxy';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const SLACK_TOKEN = 'xoxb-redelivery';
const WEBHOOK_TOKEN = 'whk_redelivery';
const SALES = 'C0RDSALES';
const YAML = `
brevo:
  api_key: "xkeysib-redelivery"
connectors:
  slack:
    enabled: true
    bot_token: "${SLACK_TOKEN}"
    signing_secret: "redelivery-signing-secret"
    channels:
      sales: "${SALES}"
    notifications:
      order_placed:
        channel: sales
`;
const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

let slack: SlackSimulator;
let proxy: FaultProxy;
let store: DynamoRepositories;
/** While set, every chat.postMessage and history read through the proxy is applied, its answer lost. */
let losing = false;
const secrets = new MemorySecrets();
const clock = new VirtualClock(Date.parse('2026-11-03T09:30:00Z'));
const tenantId = 'slack-redelivery';

beforeAll(async () => {
  slack = new SlackSimulator({
    workspaces: [
      {
        teamId: 'T0RDLV',
        teamName: 'Redeliveries',
        botToken: SLACK_TOKEN,
        botUserId: 'U0RDLVBOT',
        botId: 'B0RDLV',
        scopes: ['chat:write', 'chat:write.public', 'channels:read', 'channels:history'],
      },
    ],
    channelRate: { perSecond: 100, burst: 100 },
    tiers: false,
  });
  await slack.start();
  slack.addChannel({ teamId: 'T0RDLV', id: SALES, name: 'sales' });
  proxy = new FaultProxy({
    target: slack.baseUrl,
    seed: 12,
    rate: 1,
    weights: { '500': 0, '429': 0, reset: 0, stall: 0, lost: 1 },
    eligible: (_method, path) => losing && /chat\.postMessage|conversations\.history/.test(path),
  });
  await proxy.start();
  ({ store } = await freshStore());
  await store.putTenant({ tenantId, apiKeyHash: 'x', webhookTokenHash: sha256Hex(WEBHOOK_TOKEN), createdAt: '' });
  await connectSlack(
    { connections: store, secrets, schedules: noSchedules, teams: store, clock, slackApiUrl: slack.apiUrl },
    { tenantId, config: parseConfig(YAML, {}, 'test config') },
  );
});

afterAll(async () => {
  await proxy.stop();
  await slack.stop();
});

/** The lane message a Brevo webhook queues for the channel. */
async function queued(body: unknown): Promise<LaneMessage> {
  const lane = new RecordingLane();
  const res = await acceptBrevoWebhook(
    { tenants: store, connections: store, lane, orders: store, clock },
    { tenantId, headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(body) },
  );
  expect(res).toMatchObject({ status: 200, body: { queued: 1 } });
  expect(lane.sent).toHaveLength(1);
  return lane.sent[0] as LaneMessage;
}

function deliver(m: LaneMessage, redelivered: boolean) {
  return postSlackBatch(
    { connections: store, threads: store, deliveries: store, secrets, clock, slackApiUrl: `${proxy.baseUrl}/api/` },
    [{ id: 'm1', body: m.body, groupId: m.groupId, redelivered }],
  );
}

test('a post made but whose answer (and read-back) was lost, delivered again: one message in the channel', async () => {
  const m = await queued(orderPlaced({ id: 'evt_ord_lost' }));
  losing = true;
  // The post is applied, its answer lost; reading the channel back loses its answer too: the
  // delivery fails (the worker parks the group), and the event is not marked posted.
  await expect(deliver(m, false)).rejects.toThrow();
  losing = false;
  expect(slack.messages(SALES)).toHaveLength(1);
  expect(proxy.stats.faults.lost).toBeGreaterThanOrEqual(2);

  // Delivered again (receive count 2): found by its key, not posted twice, and now marked.
  expect(await deliver(m, true)).toMatchObject({ failed: [], posted: 1 });
  expect(slack.messages(SALES)).toHaveLength(1);
  const history = slack.stats().byMethod['conversations.history'] ?? 0;

  // A third delivery finds it marked: no read-back, no post.
  expect(await deliver(m, true)).toMatchObject({ failed: [], posted: 0 });
  expect(slack.messages(SALES)).toHaveLength(1);
  expect(slack.stats().byMethod['conversations.history'] ?? 0).toBe(history);
});

test('a redelivered notification that was never posted is posted once', async () => {
  const m = await queued(orderPlaced({ id: 'evt_ord_parked' }));
  const before = slack.messages(SALES).length;
  // e.g. parked by a 429 before it posted: the read-back finds nothing, so it posts.
  expect(await deliver(m, true)).toMatchObject({ failed: [], posted: 1 });
  expect(slack.messages(SALES)).toHaveLength(before + 1);
  expect(slack.messages(SALES).at(-1)?.metadata?.event_type).toBe('tajo_post');
});

test('a digest whose post was made but not confirmed, delivered again: one digest in the channel', async () => {
  // Four single notifications handed to the worker in one batch: a burst, posted as one digest.
  const ms: LaneMessage[] = [];
  for (const i of [1, 2, 3, 4]) ms.push(await queued(orderPlaced({ id: `evt_ord_dg${i}` })));
  const batch = (redelivered: boolean) =>
    postSlackBatch(
      { connections: store, threads: store, deliveries: store, secrets, clock, slackApiUrl: `${proxy.baseUrl}/api/` },
      ms.map((m, i) => ({ id: `d${i}`, body: m.body, groupId: m.groupId, redelivered })),
    );
  const before = slack.messages(SALES).length;
  losing = true;
  await expect(batch(false)).rejects.toThrow();
  losing = false;
  expect(slack.messages(SALES)).toHaveLength(before + 1);
  expect(await batch(true)).toMatchObject({ failed: [], digests: 1, posted: 0 });
  expect(slack.messages(SALES)).toHaveLength(before + 1);
});
