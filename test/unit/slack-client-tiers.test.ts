/**
 * SlackClient against the Slack simulator with its tiers on and one moving clock shared by both:
 * tiered methods are paced under their tier per workspace install (no 429 at all), a 429 still
 * reaches the caller with its Retry-After, and chat.scheduleMessage behaves as Slack documents.
 */

import { SimClock } from '../../sandbox/http-kit';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator } from '../../sandbox/slack';
import { SlackApiError, SlackClient, slackMethodPacer, tierIntervalMs } from '../../shared/connectors/slack/client';
import { RateLimitedError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import type { Clock } from '../../shared/core/ports';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
let slack: SlackSimulator;
let sim: SimClock;
/** The client's clock is the simulator's: a sleep moves both, so pacing costs no real time. */
let clock: Clock & { sleeps: number[] };

beforeEach(async () => {
  sim = new SimClock();
  sim.set(T0);
  const sleeps: number[] = [];
  clock = {
    sleeps,
    now: () => sim.now(),
    sleep: async (ms) => {
      sleeps.push(ms);
      sim.advance(ms);
    },
  };
  slack = new SlackSimulator({ clock: sim });
  await slack.start();
});
afterEach(async () => {
  await slack.stop();
});

function client(maxInProcessWaitMs?: number): SlackClient {
  return new SlackClient({
    token: SLACK_SANDBOX_TOKEN,
    apiUrl: slack.apiUrl,
    clock,
    stats: newStats(),
    maxInProcessWaitMs,
  });
}

test('three users.list calls in a row are spaced by Tier 2 (3 s) and Slack answers no 429', async () => {
  for (let i = 0; i < 5; i++) slack.addUser({ name: `u${i}`, email: `u${i}@example.com` });
  const c = client();
  const starts: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 3; i++) {
    const page = await c.usersList({ limit: 2, cursor });
    starts.push(clock.now());
    cursor = page.nextCursor;
    expect(page.members.length).toBeGreaterThan(0);
  }
  expect(tierIntervalMs(2)).toBe(3000);
  expect(starts.map((t) => t - T0)).toEqual([0, 3000, 6000]);
  expect(slack.stats()).toMatchObject({ rateLimited: 0, byMethod: { 'users.list': 3 } });
});

test('pacers are per method: a Tier 4 method does not wait behind users.list', async () => {
  const user = slack.addUser({ name: 'ada', email: 'ada@example.com' });
  const c = client();
  await c.usersList({ limit: 10 });
  await c.usersList({ limit: 10 });
  const before = clock.now();
  expect(await c.userEmail(user.id)).toBe('ada@example.com');
  expect(clock.now()).toBe(before);
  // …and a second client on the same token shares the users.list pacer (same install, same tier budget).
  await client().usersList({ limit: 10 });
  expect(clock.now() - before).toBe(3000);
  expect(slack.stats().rateLimited).toBe(0);
});

test('a 429 longer than the in-process wait reaches the caller with Retry-After and parks the method', async () => {
  slack.failNext(1, { retryAfter: 120 });
  const err = await client(20_000)
    .usersList({ limit: 10 })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitedError);
  expect((err as RateLimitedError).retryAfterMs).toBe(120_000);
  expect(slackMethodPacer(SLACK_SANDBOX_TOKEN, 'users.list', clock)?.remainingMs()).toBeGreaterThanOrEqual(120_000);
});

test('scheduleMessage: post_at within 120 days is scheduled without metadata; a past time is time_in_past', async () => {
  const channel = slack.addChannel({ name: 'marketing' });
  const c = client();
  const postAt = Math.floor(T0 / 1000) + 3600;
  const res = await c.scheduleMessage({
    teamId: SANDBOX_WORKSPACE.teamId,
    channel: channel.id,
    text: 'Daily summary',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
    postAt,
  });
  expect(res).toEqual({ scheduledMessageId: expect.any(String), postAt, channel: channel.id });
  const [scheduled] = slack.scheduled(channel.id);
  expect(scheduled).toMatchObject({ post_at: postAt, text: 'Daily summary' });
  expect(scheduled?.metadata).toBeUndefined();

  const past = await c
    .scheduleMessage({ teamId: SANDBOX_WORKSPACE.teamId, channel: channel.id, text: 'late', postAt: postAt - 7200 })
    .catch((e: unknown) => e);
  expect(past).toBeInstanceOf(SlackApiError);
  expect((past as SlackApiError).error).toBe('time_in_past');
  // Tier 3: the second call waited 1.2 s behind the first.
  expect(clock.sleeps).toContain(1200);

  sim.advance(3600 * 1000);
  expect(slack.messages(channel.id).map((m) => m.text)).toEqual(['Daily summary']);
});
