/**
 * Scheduled summaries end to end in process: runSlackSummaries against the Slack simulator (tiers
 * on) and the Brevo simulator (general-tier limits on), all on one simulated clock that the
 * service's sleeps move. Contacts and campaigns are seeded around the edges of the local days of
 * Europe/Paris, so a figure counted on the wrong side of (local) midnight fails the test.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator } from '../../sandbox/slack';
import type { SlackSummariesConfig } from '../../shared/connectors/slack/config-schema';
import { runSlackSummaries, type SlackSummariesDeps } from '../../shared/connectors/slack/summaries';
import type { Clock, ConnectionRecord, ConnectionStore, ConnectorName, ThreadStore } from '../../shared/core/ports';
import { MemorySecrets } from '../support/memory-secrets';

const TENANT = 'acme';
/** Monday 23 November 2026, 00:05 in Paris: the schedule's run. */
const RUN = Date.parse('2026-11-22T23:05:00Z');

class MemoryThreads implements ThreadStore {
  readonly posted = new Set<string>();
  async getThread(): Promise<string | undefined> {
    return undefined;
  }
  async putThread(): Promise<void> {}
  async wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean> {
    return this.posted.has(`${tenantId}|${channelId}|${eventId}`);
  }
  async markPosted(tenantId: string, channelId: string, eventId: string): Promise<void> {
    this.posted.add(`${tenantId}|${channelId}|${eventId}`);
  }
}

class MemoryConnections implements ConnectionStore {
  readonly records = new Map<string, ConnectionRecord<ConnectorName>>();
  async getConnection<C extends ConnectorName>(tenantId: string, connector: C) {
    return this.records.get(`${tenantId}|${connector}`) as ConnectionRecord<C> | undefined;
  }
  async putConnection<C extends ConnectorName>(record: ConnectionRecord<C>): Promise<void> {
    this.records.set(`${record.tenantId}|${record.connector}`, record as ConnectionRecord<ConnectorName>);
  }
  async deleteConnection(tenantId: string, connector: ConnectorName): Promise<void> {
    this.records.delete(`${tenantId}|${connector}`);
  }
  async listConnections<C extends ConnectorName>(connector: C) {
    return [...this.records.values()].filter((r) => r.connector === connector) as ConnectionRecord<C>[];
  }
  async listTenantConnections(tenantId: string) {
    return [...this.records.values()].filter((r) => r.tenantId === tenantId);
  }
}

interface Env {
  sim: SimClock;
  slack: SlackSimulator;
  brevo: BrevoSimulator;
  threads: MemoryThreads;
  deps: SlackSummariesDeps;
  daily: string;
  weekly: string;
  brevoKey: string;
}
let env: Env | undefined;
afterEach(async () => {
  await Promise.all([env?.slack.stop(), env?.brevo.stop()]);
  env = undefined;
});

/** The service's clock: the simulators' clock shifted by `skewMs` (sleeps move both). */
function clockOver(sim: SimClock, skewMs = 0): Clock {
  return { now: () => sim.now() + skewMs, sleep: async (ms) => sim.advance(ms) };
}

async function setup(opts: { summaries?: Partial<SlackSummariesConfig>; skewMs?: number } = {}): Promise<Env> {
  const sim = new SimClock();
  sim.set(Date.parse('2026-11-01T00:00:00Z'));
  const slack = new SlackSimulator({ clock: sim });
  const brevoKey = `xkeysib-${randomUUID()}`;
  const brevo = new BrevoSimulator({ clock: sim, apiKeys: [brevoKey] });
  await Promise.all([slack.start(), brevo.start()]);
  const daily = slack.addChannel({ name: 'marketing' }).id;
  const weekly = slack.addChannel({ name: 'leadership' }).id;

  const secrets = new MemorySecrets();
  await secrets.put('slack-token', SLACK_SANDBOX_TOKEN);
  await secrets.put('brevo-key', brevoKey);
  const connections = new MemoryConnections();
  const summaries: SlackSummariesConfig = {
    timezone: 'Europe/Paris',
    daily: { channel: 'marketing', at: '09:00' },
    weekly: { channel: weekly, day: 'monday', at: '08:30' },
    ...opts.summaries,
  };
  await connections.putConnection<'slack'>({
    tenantId: TENANT,
    connector: 'slack',
    settings: {
      enabled: true,
      channels: { marketing: daily },
      notifications: {},
      interactions: {},
      teamId: SANDBOX_WORKSPACE.teamId,
      summaries,
    },
    tokenRef: 'slack-token',
    brevoApiKeyRef: 'brevo-key',
    integrationKey: 'test',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
  });
  const threads = new MemoryThreads();
  const deps: SlackSummariesDeps = {
    connections,
    threads,
    secrets,
    clock: clockOver(sim, opts.skewMs),
    slackApiUrl: slack.apiUrl,
    brevoBaseUrl: brevo.baseUrl,
  };
  env = { sim, slack, brevo, threads, deps, daily, weekly, brevoKey };
  return env;
}

async function blacklist(e: Env, email: string, at: string): Promise<void> {
  e.sim.set(Date.parse(at));
  const res = await fetch(`${e.brevo.baseUrl}/v3/contacts/${encodeURIComponent(email)}`, {
    method: 'PUT',
    headers: { 'api-key': e.brevoKey, 'content-type': 'application/json' },
    body: JSON.stringify({ emailBlacklisted: true }),
  });
  expect(res.status).toBe(204);
}

/** Contacts and campaigns on both sides of the local midnights of Europe/Paris. */
async function seed(e: Env): Promise<void> {
  const contact = (email: string, at: string) => {
    e.sim.set(Date.parse(at));
    e.brevo.addContact({ email });
  };
  contact('old1@example.com', '2026-11-10T10:00:00Z');
  contact('old2@example.com', '2026-11-10T10:00:00Z');
  contact('before-week@example.com', '2026-11-15T22:59:00Z'); // Sunday 15th 23:59 in Paris
  contact('week1@example.com', '2026-11-18T10:00:00Z');
  contact('week2@example.com', '2026-11-19T10:00:00Z');
  contact('sat-late@example.com', '2026-11-21T22:30:00Z'); // Saturday 23:30 in Paris: not Sunday
  contact('sun-early@example.com', '2026-11-21T23:30:00Z'); // Sunday 00:30 in Paris
  contact('sun@example.com', '2026-11-22T12:00:00Z');
  await blacklist(e, 'old1@example.com', '2026-11-22T10:00:00Z'); // Sunday
  await blacklist(e, 'old2@example.com', '2026-11-18T11:00:00Z'); // in the week, not Sunday
  contact('monday@example.com', '2026-11-22T23:01:00Z'); // Monday 00:01 in Paris: after both periods

  const stats = (sent: number) => ({
    sent,
    delivered: sent - 10,
    uniqueViews: Math.round(sent / 2),
    uniqueClicks: Math.round(sent / 10),
    unsubscriptions: 3,
    hardBounces: 2,
  });
  e.brevo.addSentCampaign({ name: 'Too early', sentAt: '2026-11-15T22:30:00Z', stats: stats(50) });
  e.brevo.addSentCampaign({ name: 'Midweek promo', sentAt: '2026-11-19T08:00:00Z', stats: stats(200) });
  e.brevo.addSentCampaign({ name: 'Sunday newsletter', sentAt: '2026-11-22T08:00:00Z', stats: stats(1010) });
  e.brevo.addSentCampaign({ name: 'Monday', sentAt: '2026-11-22T23:02:00Z', stats: stats(70) });
  e.brevo.resetStats();
  e.sim.set(RUN);
}

const unix = (iso: string) => Date.parse(iso) / 1000;

test('Monday after midnight: the daily and the weekly are scheduled for their local times, with the right figures', async () => {
  const e = await setup();
  await seed(e);
  const result = await runSlackSummaries(e.deps, { tenantId: TENANT });

  expect(result.summaries).toEqual([
    {
      kind: 'daily',
      periodId: 'summary:daily:2026-11-22',
      channel: e.daily,
      status: 'scheduled',
      postAt: unix('2026-11-23T08:00:00Z'), // 09:00 in Paris
      scheduledMessageId: expect.any(String),
    },
    {
      kind: 'weekly',
      periodId: 'summary:weekly:2026-11-16',
      channel: e.weekly,
      status: 'scheduled',
      postAt: unix('2026-11-23T07:30:00Z'),
      scheduledMessageId: expect.any(String),
    },
  ]);
  expect(result.retryAfterMs).toBeUndefined();

  const [daily] = e.slack.scheduled(e.daily);
  expect(daily?.text).toBe(
    'Daily marketing summary, Sunday, 22 November 2026: 2 new contacts, 1 unsubscribe (approx.), 1 campaign sent (1,010 emails, 50.5% opened)',
  );
  expect(daily?.metadata).toBeUndefined();
  expect(JSON.stringify(daily?.blocks)).toContain('Sunday newsletter');
  expect(JSON.stringify(daily?.blocks)).not.toContain('Midweek promo');

  const [weekly] = e.slack.scheduled(e.weekly);
  expect(weekly?.text).toBe(
    'Weekly marketing summary, 16 – 22 November 2026: 5 new contacts, 2 unsubscribes (approx.), 2 campaigns sent (1,210 emails, 50.8% opened)',
  );
  const weeklyBlocks = JSON.stringify(weekly?.blocks);
  expect(weeklyBlocks.indexOf('Midweek promo')).toBeLessThan(weeklyBlocks.indexOf('Sunday newsletter'));
  expect(weeklyBlocks).not.toMatch(/Too early|"Monday"/);

  // Nothing was rate limited, and nothing is posted before its time.
  expect(e.slack.stats().rateLimited).toBe(0);
  expect(e.brevo.stats().rateLimited).toBe(0);
  expect(e.slack.messages(e.daily)).toEqual([]);
  e.sim.set(Date.parse('2026-11-23T08:00:01Z'));
  expect(e.slack.messages(e.daily).map((m) => m.text)).toEqual([daily?.text]);
});

test('a re-run of the schedule posts nothing twice and asks Brevo for nothing', async () => {
  const e = await setup();
  await seed(e);
  await runSlackSummaries(e.deps, { tenantId: TENANT });
  e.brevo.resetStats();
  e.slack.resetStats();
  e.sim.advance(10 * 60_000);
  const again = await runSlackSummaries(e.deps, { tenantId: TENANT, now: RUN });
  expect(again.summaries.map((s) => [s.periodId, s.status])).toEqual([
    ['summary:daily:2026-11-22', 'skipped'],
    ['summary:weekly:2026-11-16', 'skipped'],
  ]);
  expect(e.slack.scheduled(e.daily)).toHaveLength(1);
  expect(e.slack.scheduled(e.weekly)).toHaveLength(1);
  expect(e.brevo.stats().requests).toBe(0);
  expect(e.slack.stats().requests).toBe(0);
});

test('a run after the post time posts at once; Tuesday has no weekly', async () => {
  const e = await setup();
  await seed(e);
  e.sim.set(Date.parse('2026-11-24T10:00:00Z')); // Tuesday 11:00 in Paris
  const result = await runSlackSummaries(e.deps, { tenantId: TENANT });
  expect(result.summaries).toEqual([
    {
      kind: 'daily',
      periodId: 'summary:daily:2026-11-23',
      channel: e.daily,
      status: 'posted',
      ts: expect.any(String),
      why: 'post time passed',
    },
  ]);
  const posted = e.slack.messages(e.daily);
  expect(posted.map((m) => m.text)).toEqual([
    'Daily marketing summary, Monday, 23 November 2026: 1 new contact, 0 unsubscribes (approx.), 1 campaign sent (70 emails, 58.3% opened)',
  ]);
  expect(e.slack.scheduled(e.daily)).toEqual([]);
});

test('when Slack answers time_in_past (our clock lags), the summary is posted at once', async () => {
  // The service's clock is 2 minutes behind Slack's: it thinks 08:59, Slack knows 09:01 in Paris.
  const e = await setup({ skewMs: -120_000 });
  await seed(e);
  e.sim.set(Date.parse('2026-11-23T08:01:00Z'));
  const result = await runSlackSummaries(e.deps, { tenantId: TENANT });
  expect(result.summaries[0]).toMatchObject({ kind: 'daily', status: 'posted', why: 'time_in_past' });
  expect(e.slack.messages(e.daily)).toHaveLength(1);
  expect(e.slack.stats().byMethod['chat.scheduleMessage']).toBe(1);
});

test('a Brevo 429 fails the summary as retryable with its reset time, and the next run posts it', async () => {
  const e = await setup();
  await seed(e);
  e.brevo.failNext(1, {
    status: 429,
    body: { code: 'too_many_requests', message: 'The expected rate limit is exceeded.' },
    headers: { 'x-sib-ratelimit-reset': '1800' },
  });
  const result = await runSlackSummaries(e.deps, { tenantId: TENANT });
  expect(result.summaries).toEqual([
    expect.objectContaining({ kind: 'daily', status: 'failed', retryable: true, retryAfterMs: 1_800_000 }),
    expect.objectContaining({
      kind: 'weekly',
      status: 'failed',
      retryable: true,
      reason: expect.stringMatching(/^not attempted/),
    }),
  ]);
  expect(result.retryAfterMs).toBe(1_800_000);
  expect(e.slack.stats().requests).toBe(0);
  expect(e.threads.posted.size).toBe(0);

  // The re-run, once Brevo's window reopened, schedules both.
  e.sim.advance(1_800_000);
  const again = await runSlackSummaries(e.deps, { tenantId: TENANT, now: RUN });
  expect(again.summaries.map((s) => s.status)).toEqual(['scheduled', 'scheduled']);
});

test('nothing configured, or a channel that does not resolve: skipped with the reason', async () => {
  const e = await setup({ summaries: { daily: { channel: 'gone', at: '09:00' }, weekly: undefined } });
  const result = await runSlackSummaries(e.deps, { tenantId: TENANT, now: RUN });
  expect(result.summaries).toEqual([
    expect.objectContaining({ status: 'skipped', reason: expect.stringMatching(/channel "gone"/) }),
  ]);
  expect(await runSlackSummaries(e.deps, { tenantId: 'nobody', now: RUN })).toMatchObject({
    skipped: 'no Slack connection',
    summaries: [],
  });
});
