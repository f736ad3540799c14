/**
 * The timer queue hands a message into a lane whose groups begin with the tenant (its descriptor's
 * `tenantGroups`: Slack's) only in its own tenant's group; other lanes check their groups themselves.
 */
import { tenantGroupedLanes } from '../../shared/app/topology';
import { handleTimerBatch, type TimerMessage } from '../../shared/core/lanes/timers';
import type { LaneMessage, LaneName } from '../../shared/core/ports';

const sent: { queue: LaneName; messages: LaneMessage[] }[] = [];
const deps = {
  lane: { send: async (queue: LaneName, messages: LaneMessage[]) => void sent.push({ queue, messages }) },
  orders: { lastOrderAt: async () => undefined } as never,
  clock: { now: () => Date.parse('2026-01-01T00:10:00Z'), sleep: async () => undefined },
  tenantGroupedLanes,
};

function timer(queue: 'slackLane' | 'notionLane', groupId: string): { id: string; body: string } {
  const message: TimerMessage = {
    type: 'timer',
    tenantId: 'A',
    dueAt: '2026-01-01T00:00:00Z',
    deliver: { queue, body: JSON.stringify({ tenantId: 'A' }), groupId, deduplicationId: 'd' },
  };
  return { id: `${queue}:${groupId}`, body: JSON.stringify(message) };
}

beforeEach(() => {
  sent.length = 0;
});

test('the lanes whose groups begin with the tenant are the descriptors’ (Slack’s lane)', () => {
  expect([...tenantGroupedLanes]).toEqual(['slackLane']);
});

test('a timer into such a lane is handed on in its own tenant’s group only', async () => {
  const res = await handleTimerBatch(deps, [timer('slackLane', 'B:C1'), timer('slackLane', 'A:C1')]);
  expect(res).toMatchObject({ delivered: 1, dropped: 1, failed: [] });
  expect(sent.map((s) => [s.queue, s.messages[0]?.groupId])).toEqual([['slackLane', 'A:C1']]);
});

test('a lane that checks its groups itself is handed its message as the timer names it', async () => {
  const res = await handleTimerBatch(deps, [timer('notionLane', 'integration-key')]);
  expect(res).toMatchObject({ delivered: 1, dropped: 0, failed: [] });
  expect(sent.map((s) => [s.queue, s.messages[0]?.groupId])).toEqual([['notionLane', 'integration-key']]);
});
