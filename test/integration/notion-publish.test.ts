/**
 * Published → campaign, through the Notion lane worker against the Notion and Brevo simulators,
 * state on dynalite: a page entering Status = Published becomes exactly one Brevo campaign per
 * page version, whichever way and however often the sync sees it, across crashes, with Brevo's
 * hourly budget spent and refilled, and with the sender or the rule wrong.
 */
import { randomUUID } from 'node:crypto';
import { printNotionStatus, printSummary, summaryJson } from '../../cli/commands/print';
import { BrevoSimulator, type BrevoSimulatorOptions } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { blocks, NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_NEWSLETTER_DATABASE_ID,
  SANDBOX_NEWSLETTER_LIST,
  SANDBOX_SENDER_EMAIL,
  sandboxConfigYaml,
  seedSandbox,
  seedSandboxNewsletter,
} from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import { notionStatus } from '../../shared/app/status';
import { type QueueName, tenantGroupedLanes } from '../../shared/app/topology';
import { enqueueNotionSync, handleNotionLaneMessage, type NotionLaneDeps } from '../../shared/connectors/notion/lane';
import { SYNC_RESERVED_CALLS } from '../../shared/connectors/notion/publish/publish';
import { DEFAULT_RETRY_POLICY } from '../../shared/core/http/retry-policy';
import { handleTimerBatch } from '../../shared/core/lanes/timers';
import type { LaneMessage, LaneQueue, RunRecord, ScheduleManager } from '../../shared/core/ports';
import type { PagePublishState, PublishStateStore } from '../../shared/core/ports/publications';
import { expectCountsAddUp } from '../support/counts';
import { MemorySecrets } from '../support/memory-secrets';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const TENANT = 'acme';
const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

class RecordingLane implements LaneQueue {
  readonly sent: { queue: QueueName; message: LaneMessage }[] = [];
  async send(queue: QueueName, messages: LaneMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ queue, message });
  }
}

/** The simulators' clock is the test's virtual clock: Notion's edit times and our rules agree. */
class FollowingClock extends SimClock {
  constructor(private readonly clock: VirtualClock) {
    super();
  }
  override now(): number {
    return this.clock.now();
  }
}

/** A publish store that "crashes" (throws) once at a chosen write, as a process dying there would. */
class CrashingStore implements PublishStateStore {
  crash: { when: 'before' | 'after'; status: string } | undefined;
  constructor(private readonly inner: DynamoRepositories) {}
  listPublishStates(tenantId: string, databaseId: string) {
    return this.inner.listPublishStates(tenantId, databaseId);
  }
  getPublishState(tenantId: string, databaseId: string, pageId: string) {
    return this.inner.getPublishState(tenantId, databaseId, pageId);
  }
  async putPublishState(state: PagePublishState, expectedRev: number | undefined): Promise<boolean> {
    const c = this.crash;
    const hit = c !== undefined && state.publication?.status === c.status;
    if (hit && c.when === 'before') {
      this.crash = undefined;
      throw new Error(`crash before recording ${c.status}`);
    }
    const ok = await this.inner.putPublishState(state, expectedRev);
    if (hit && c.when === 'after') {
      this.crash = undefined;
      throw new Error(`crash after recording ${c.status}`);
    }
    return ok;
  }
}

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  publications: CrashingStore;
  clock: VirtualClock;
  lane: RecordingLane;
  secrets: MemorySecrets;
  logs: { level: string; message: string; data?: Record<string, unknown> }[];
  newsletter: ReturnType<typeof seedSandboxNewsletter>;
  /** The Customers rows, when seeded. */
  customers: string[];
  brevoOtherPerHour?: number;
  /** Lane messages already run. */
  done: number;
}

const envs: Env[] = [];
afterEach(async () => {
  const all = envs.splice(0);
  await Promise.all(all.flatMap((e) => [e.notion.stop(), e.brevo.stop()]));
  // Every run a test left (syncs reading a publish-only database, publishing passes) adds up.
  for (const e of all) {
    for (const job of [null, 'publish'] as const) {
      for (const run of await e.store.listRuns(TENANT, 'notion', 100, { job })) {
        if (run.status !== 'running') expectCountsAddUp(run.summary);
      }
    }
  }
});

const SENDER = `{ email: ${SANDBOX_SENDER_EMAIL}, name: Sandbox news }`;

/** A config whose only database is the Newsletters one (read for publishing only). */
function newsletterConfig(publish: Record<string, string> = {}): string {
  const p = {
    when: '{ property: Status, equals: Published }',
    list: SANDBOX_NEWSLETTER_LIST,
    sender: SENDER,
    subject_property: 'Subject',
    schedule: '{ property: Send on }',
    footer_text: 'Sandbox Inc., 1 Example Street, Paris',
    existing: 'send',
    ...publish,
  };
  return `brevo:
  api_key: \${BREVO_API_KEY}
connectors:
  notion:
    token: \${NOTION_TOKEN}
    databases:
      - id: "${SANDBOX_NEWSLETTER_DATABASE_ID}"
        name: Newsletters
        publish:
${Object.entries(p)
  .map(([k, v]) => `          ${k}: ${v}`)
  .join('\n')}
`;
}

async function setup(
  opts: { config?: string; brevo?: BrevoSimulatorOptions; customers?: number; brevoOtherPerHour?: number } = {},
): Promise<Env> {
  const clock = new VirtualClock(Date.parse('2026-11-22T10:00:00.000Z'));
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false, clock: new FollowingClock(clock) });
  const brevo = new BrevoSimulator({
    apiKeys: [apiKey],
    limits: false,
    importProcessingMs: 0,
    clock: new FollowingClock(clock),
    ...opts.brevo,
  });
  await Promise.all([notion.start(), brevo.start()]);
  const customers =
    opts.customers === undefined
      ? []
      : seedSandbox(notion, brevo, { rows: opts.customers, workspace: false, now: clock.now() }).pageIds;
  const newsletter = seedSandboxNewsletter(notion, brevo);
  // Seeding stamps the pages with the current minute: the tests' edits come later.
  clock.advance(60_000);
  const { store } = await freshStore();
  const secrets = new MemorySecrets();
  const config = parseConfig(opts.config ?? newsletterConfig(), { NOTION_TOKEN: token, BREVO_API_KEY: apiKey });
  await connectNotion({ connections: store, secrets, schedules: noSchedules, clock }, { tenantId: TENANT, config });
  const env: Env = {
    notion,
    brevo,
    store,
    publications: new CrashingStore(store),
    clock,
    lane: new RecordingLane(),
    secrets,
    logs: [],
    newsletter,
    customers,
    brevoOtherPerHour: opts.brevoOtherPerHour,
    done: 0,
  };
  envs.push(env);
  return env;
}

function laneDeps(e: Env): NotionLaneDeps {
  const s = e.store;
  return {
    ...{ connections: s, cursors: s, runs: s, webhooks: s, markers: s, budgets: s },
    publications: e.publications,
    log: (level, message, data) => e.logs.push({ level, message, data }),
    endpoints: { notionBaseUrl: e.notion.baseUrl, brevoBaseUrl: e.brevo.baseUrl },
    secrets: e.secrets,
    lane: e.lane,
    clock: e.clock,
    brevoOtherPerHour: e.brevoOtherPerHour,
    syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
  };
}

const notionLane = (e: Env) => e.lane.sent.filter((s) => s.queue === 'notionLane');
const bodyOf = (m: LaneMessage) => JSON.parse(m.body) as { type: string; runId?: string };

/** Runs the Notion lane's messages not run yet, in order; `until` stops before a message type. */
async function drain(e: Env, until?: string): Promise<void> {
  for (;;) {
    const next = notionLane(e)[e.done];
    if (!next || (until && bodyOf(next.message).type === until)) return;
    e.done += 1;
    await handleNotionLaneMessage(laneDeps(e), next.message.body, {
      deadline: Number.POSITIVE_INFINITY,
      lastAttempt: false,
    });
  }
}

async function sync(e: Env, mode: 'full' | 'incremental' = 'incremental', until?: string): Promise<RunRecord> {
  const q = await enqueueNotionSync(
    { connections: e.store, lane: e.lane, clock: e.clock },
    { tenantId: TENANT, mode, trigger: 'schedule' },
  );
  await drain(e, until);
  const run = await e.store.getRun(TENANT, 'notion', q.runId as string);
  if (!run) throw new Error('no run');
  return run;
}

async function publishRuns(e: Env): Promise<RunRecord[]> {
  return (await e.store.listRuns(TENANT, 'notion', 50)).filter((r) => r.job === 'publish');
}

/** Hands the timer queue's messages that are due to their lanes (as the timer worker does). */
async function fireTimers(e: Env): Promise<number> {
  const timers = e.lane.sent.filter((s) => s.queue === 'timerQueue');
  for (const t of timers) e.lane.sent.splice(e.lane.sent.indexOf(t), 1);
  const out = await handleTimerBatch(
    { lane: e.lane, orders: e.store, clock: e.clock, tenantGroupedLanes },
    timers.map((t, i) => ({ id: String(i), body: t.message.body })),
  );
  return out.delivered;
}

function setStatus(e: Env, pageId: string, status: string, more: Record<string, unknown> = {}) {
  // A minute later each time: Notion's last_edited_time is minute-rounded, and each edit is a new one.
  e.clock.advance(60_000);
  e.notion.updatePage(pageId, { Status: status, ...more });
}

describe('a page entering Published', () => {
  test('becomes one campaign to the list, with the page as email HTML; re-reads and edits never send again', async () => {
    const e = await setup();
    const run = await sync(e, 'full');
    expect(run.status).toBe('succeeded');
    expect(run.summary).toMatchObject({ pagesRead: 2, upserted: 0, failed: 0 });
    expect(run.summary.publish).toMatchObject({ entered: 1, skipped: 0, issues: [] });

    const campaigns = e.brevo.campaigns();
    expect(campaigns).toHaveLength(1);
    const c = campaigns[0]!;
    expect(c).toMatchObject({
      status: 'sent',
      subject: 'What is new in the sandbox',
      sender: { email: SANDBOX_SENDER_EMAIL, name: 'Sandbox news' },
      recipients: { listIds: [e.newsletter.listId] },
    });
    expect(c.name).toContain(e.newsletter.publishedPageId.replace(/-/g, ''));
    const html = c.htmlContent ?? '';
    // The page title is the email's h1: the page's headings move one level down.
    expect(html).toMatch(/<h3[^>]*>What is new<\/h3>/);
    expect(html).toMatch(/<ul[^>]*>[\s\S]*Published pages become email campaigns[\s\S]*<\/ul>/);
    expect(html).toMatch(/<ol[^>]*>[\s\S]*Set its Status to Published[\s\S]*<\/ol>/);
    expect(html).toContain('href="https://example.com/release-notes"');
    expect(html).toMatch(/<img[^>]*src="https:\/\/images\.example\.com\/newsletter\/banner\.png"/);
    expect(html).toMatch(/<blockquote[^>]*>[\s\S]*Ship small, ship often\./);
    expect(html).toContain('Replies to this email reach the team.');
    expect(html).toMatch(/<pre[^>]*>[\s\S]*npx tajo connectors sync notion --json/);
    expect(html).toMatch(/<table[^>]*>[\s\S]*<th[^>]*>Plan<\/th>[\s\S]*49 €/);
    expect(html).toContain('{{ unsubscribe }}');
    expect(html).toContain('Sandbox Inc., 1 Example Street, Paris');

    // The publishing pass has its own record: page → campaign id, status.
    const [pass] = await publishRuns(e);
    expect(pass?.summary.publish?.campaigns).toEqual([
      expect.objectContaining({ pageId: e.newsletter.publishedPageId, campaignId: c.id, status: 'sent' }),
    ]);
    const status = await notionStatus(
      { runs: e.store, cursors: e.store, clock: e.clock },
      TENANT,
      (await e.store.getConnection(TENANT, 'notion'))?.settings,
    );
    expect(status.lastPublishRun?.summary.publish?.campaigns[0]).toMatchObject({ campaignId: c.id, status: 'sent' });
    expect(status.databases[0]?.publish).toEqual({ when: 'Status = Published', list: SANDBOX_NEWSLETTER_LIST });

    // Read again, fully and incrementally: nothing new.
    await sync(e, 'full');
    await sync(e, 'incremental');
    // Edited while Published (a typo fixed after the send): still one campaign.
    e.clock.advance(60_000);
    e.notion.updatePage(e.newsletter.publishedPageId, { Subject: 'What is new in the sandbox (fixed)' });
    e.notion.appendBlocks(e.newsletter.publishedPageId, [blocks.paragraph('P.S. one more thing')]);
    const edited = await sync(e, 'incremental');
    expect(edited.summary.pagesRead).toBeGreaterThanOrEqual(1);
    expect(edited.summary.publish?.entered ?? 0).toBe(0);
    expect(e.brevo.campaigns()).toHaveLength(1);
    expect(await publishRuns(e)).toHaveLength(1);
  });

  test('leaving and coming back is a new version: sent again, the first one kept in the history', async () => {
    const e = await setup();
    await sync(e, 'full');
    const pageId = e.newsletter.publishedPageId;
    setStatus(e, pageId, 'Draft');
    await sync(e);
    expect(e.brevo.campaigns()).toHaveLength(1);
    setStatus(e, pageId, 'Published');
    const again = await sync(e);
    expect(again.summary.publish?.entered).toBe(1);
    const campaigns = e.brevo.campaigns();
    expect(campaigns).toHaveLength(2);
    expect(campaigns.every((c) => c.status === 'sent')).toBe(true);
    expect(campaigns[0]?.name).not.toBe(campaigns[1]?.name);
    const state = await e.store.getPublishState(TENANT, SANDBOX_NEWSLETTER_DATABASE_ID, pageId);
    expect(state?.publication).toMatchObject({ status: 'sent', campaignId: campaigns[1]?.id });
    expect(state?.history).toEqual([expect.objectContaining({ status: 'sent', campaignId: campaigns[0]?.id })]);
  });

  test('pages already Published when the rule is switched on are not mailed (existing: skip)', async () => {
    const e = await setup({ config: newsletterConfig({ existing: 'skip' }) });
    const first = await sync(e, 'full');
    expect(first.summary.publish).toMatchObject({ entered: 0, skipped: 1 });
    expect(e.brevo.campaigns()).toHaveLength(0);
    // A page published afterwards is.
    setStatus(e, e.newsletter.draftPageId, 'Published', { 'Send on': null });
    const next = await sync(e);
    expect(next.summary.publish).toMatchObject({ entered: 1 });
    expect(e.brevo.campaigns().map((c) => c.subject)).toEqual(['Coming next']);
  });

  test('a page unpublished before its campaign went out is not sent', async () => {
    const e = await setup();
    await sync(e, 'full', 'notion.publish');
    expect(
      (await e.store.getPublishState(TENANT, SANDBOX_NEWSLETTER_DATABASE_ID, e.newsletter.publishedPageId))?.publication
        ?.status,
    ).toBe('pending');
    setStatus(e, e.newsletter.publishedPageId, 'Draft');
    await drain(e);
    expect(e.brevo.campaigns()).toHaveLength(0);
    const [pass] = await publishRuns(e);
    expect(pass?.summary.publish?.campaigns).toEqual([expect.objectContaining({ status: 'cancelled' })]);
    // Published again: a new entry, sent.
    setStatus(e, e.newsletter.publishedPageId, 'Published');
    await sync(e);
    expect(e.brevo.campaigns()).toHaveLength(1);
  });

  test('a Send on date schedules the campaign instead of sending it now', async () => {
    const e = await setup();
    await sync(e, 'full');
    setStatus(e, e.newsletter.draftPageId, 'Published', { 'Send on': '2026-11-30' });
    await sync(e);
    const scheduled = e.brevo.campaigns().find((c) => c.subject === 'Coming next');
    expect(scheduled).toMatchObject({ status: 'queued', scheduledAt: '2026-11-30T09:00:00.000Z' });
    const state = await e.store.getPublishState(TENANT, SANDBOX_NEWSLETTER_DATABASE_ID, e.newsletter.draftPageId);
    expect(state?.publication).toMatchObject({ status: 'scheduled', scheduledAt: '2026-11-30T09:00:00.000Z' });
    expect(e.brevo.stats().byRoute['POST /v3/emailCampaigns/:id/sendNow']).toBe(1); // the first page's only
  });

  test('rows of a contacts database with a rule are synced and published', async () => {
    const e = await setup({
      customers: 30,
      config: sandboxConfigYaml().replace(
        '        sync_to_list: Notion customers\n',
        `        sync_to_list: Notion customers\n        publish: { when: { property: Status, equals: Active }, list: ${SANDBOX_NEWSLETTER_LIST}, sender: ${SENDER} }\n`,
      ),
    });
    const first = await sync(e, 'full');
    expect(first.summary.upserted).toBe(30);
    // Every third row is Active, from before the rule: recorded, not mailed (existing: skip).
    expect(first.summary.publish).toMatchObject({ entered: 0, skipped: 10 });
    expect(e.brevo.campaigns()).toHaveLength(0);
    setStatus(e, e.customers[0] as string, 'Active');
    const next = await sync(e);
    expect(next.summary).toMatchObject({ upserted: 1, publish: expect.objectContaining({ entered: 1 }) });
    expect(e.brevo.campaigns()).toEqual([expect.objectContaining({ subject: 'Ada Lovelace', status: 'sent' })]);
  });
});

describe('exactly once', () => {
  test('a poll and a webhook-triggered run seeing the same entry at once make one campaign', async () => {
    const e = await setup({ config: newsletterConfig({ existing: 'skip' }) });
    await sync(e, 'full');
    setStatus(e, e.newsletter.draftPageId, 'Published', { 'Send on': null });
    // The poll's run and the webhook's run overlap (as a CLI run and the lane may): both see the page.
    const starts = await Promise.all(
      (['schedule', 'webhook'] as const).map((trigger) =>
        enqueueNotionSync(
          { connections: e.store, lane: e.lane, clock: e.clock },
          { tenantId: TENANT, mode: 'incremental', trigger },
        ),
      ),
    );
    const bodies = notionLane(e).slice(e.done);
    e.done += bodies.length;
    const runs = await Promise.all(
      bodies.map((b) =>
        handleNotionLaneMessage(laneDeps(e), b.message.body, {
          deadline: Number.POSITIVE_INFINITY,
          lastAttempt: false,
        }),
      ),
    );
    expect(runs.map((r) => r?.status)).toEqual(['succeeded', 'succeeded']);
    const entered = runs.reduce((n, r) => n + (r?.summary.publish?.entered ?? 0), 0);
    expect(entered).toBe(1);
    expect(starts.every((s) => s.queued)).toBe(true);
    // Both runs queue a publishing pass; run them at the same time too.
    const passes = notionLane(e).slice(e.done);
    expect(passes.map((p) => bodyOf(p.message).type)).toEqual(['notion.publish', 'notion.publish']);
    e.done += passes.length;
    await Promise.all(
      passes.map((p) =>
        handleNotionLaneMessage(laneDeps(e), p.message.body, {
          deadline: Number.POSITIVE_INFINITY,
          lastAttempt: false,
        }),
      ),
    );
    await drain(e);
    expect(e.brevo.campaigns()).toHaveLength(1);
    expect(e.brevo.campaigns()[0]?.status).toBe('sent');
  });

  test('a redelivered publish message does nothing twice', async () => {
    const e = await setup();
    await sync(e, 'full');
    const pass = notionLane(e).find((s) => bodyOf(s.message).type === 'notion.publish')!;
    await handleNotionLaneMessage(laneDeps(e), pass.message.body, {
      deadline: Number.POSITIVE_INFINITY,
      lastAttempt: false,
    });
    expect(e.brevo.campaigns()).toHaveLength(1);
    expect(await publishRuns(e)).toHaveLength(1);
  });

  test('one Brevo 5xx on creation is absorbed in the run: read back, found absent, created once', async () => {
    const e = await setup();
    e.brevo.failNext(
      1,
      { status: 503, body: { code: 'unavailable', message: 'try later' } },
      'POST /v3/emailCampaigns',
    );
    await sync(e, 'full');
    expect(e.brevo.campaigns()).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(e.brevo.stats().byRoute['POST /v3/emailCampaigns']).toBe(2);
    // Looked for before the creation, and read back after the 5xx before creating again.
    expect(e.brevo.stats().byRoute['GET /v3/emailCampaigns']).toBe(2);
  });

  // Issue 12 moved the single-5xx case into the client (read back, create again): the run defers
  // only when every creation the retry policy allows fails (retry-policy.ts createOnce).
  test('a Brevo 5xx that persists on creation is retried after a backoff, looking for the campaign first', async () => {
    const e = await setup();
    e.brevo.failNext(
      DEFAULT_RETRY_POLICY.maxAttempts,
      { status: 503, body: { code: 'unavailable', message: 'try later' } },
      'POST /v3/emailCampaigns',
    );
    await sync(e, 'full');
    expect(e.brevo.campaigns()).toHaveLength(0);
    const [pass] = await publishRuns(e);
    // The lane's backoff (5 min) starts after the client's own jittered waits (at most ~2 min here).
    expect(pass?.summary.publish?.campaigns).toEqual([
      expect.objectContaining({
        status: 'deferred',
        error: expect.stringMatching(/503.*retried at 2026-11-22T10:0[6-8]/),
      }),
    ]);
    const state = await e.store.getPublishState(TENANT, SANDBOX_NEWSLETTER_DATABASE_ID, e.newsletter.publishedPageId);
    expect(state?.publication).toMatchObject({ status: 'creating', attempts: 1 });
    // Runs before the backoff ends leave it alone; the timer brings it back when it is over.
    await sync(e);
    expect(e.brevo.stats().byRoute['POST /v3/emailCampaigns']).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
    e.clock.advance(6 * 60_000);
    expect(await fireTimers(e)).toBeGreaterThanOrEqual(1);
    await drain(e);
    expect(e.brevo.campaigns()).toEqual([expect.objectContaining({ status: 'sent' })]);
    // Looked for before each run's creation (2), and read back after each 5xx but the last.
    expect(e.brevo.stats().byRoute['GET /v3/emailCampaigns']).toBe(2 + DEFAULT_RETRY_POLICY.maxAttempts - 1);
  });

  test.each([
    ['after Brevo created it, before its id was recorded', { when: 'before', status: 'created' } as const],
    ['after its id was recorded, before sendNow', { when: 'after', status: 'created' } as const],
    ['after sendNow, before it was recorded sent', { when: 'before', status: 'sent' } as const],
  ])('a crash %s resumes without a second campaign', async (_what, crash) => {
    const e = await setup();
    e.publications.crash = crash;
    await expect(sync(e, 'full')).rejects.toThrow(/crash/);
    // The lane redelivers the failed message.
    e.done -= 1;
    await drain(e);
    const campaigns = e.brevo.campaigns();
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]?.status).toBe('sent');
    const state = await e.store.getPublishState(TENANT, SANDBOX_NEWSLETTER_DATABASE_ID, e.newsletter.publishedPageId);
    expect(state?.publication).toMatchObject({ status: 'sent', campaignId: campaigns[0]?.id });
    const [pass] = await publishRuns(e);
    expect(pass).toMatchObject({ status: 'succeeded' });
  });
});

describe("Brevo's hourly budget", () => {
  async function publishThreeMore(e: Env) {
    const ds = e.newsletter.dataSourceId;
    for (const n of [1, 2, 3]) {
      const p = e.notion.addPage(ds, {
        properties: { Name: `Extra ${n}`, Status: 'Published', Subject: `Extra ${n}` },
      });
      e.notion.appendBlocks(p.id, [blocks.paragraph(`Extra issue ${n}`)]);
    }
  }

  test('spent: the rest is deferred, reported, and sent when the hour turns', async () => {
    // Publishing may use the hour's limit less what it leaves to the sync: 7 calls here. The sender
    // check takes 1, each page 3 (look for it, create, send): two pages fit, the other two wait for
    // the next hour.
    const e = await setup({ brevoOtherPerHour: SYNC_RESERVED_CALLS + 7 });
    await publishThreeMore(e);
    const run = await sync(e, 'full');
    expect(run.summary.publish?.entered).toBe(4);
    expect(e.brevo.campaigns()).toHaveLength(2);
    const [pass] = await publishRuns(e);
    expect(pass?.summary.publish).toMatchObject({ deferred: 2, retryAt: '2026-11-22T11:00:00.000Z' });
    expect(pass?.summary.warnings).toEqual([
      expect.stringMatching(
        /hourly budget of campaign calls is spent.*2 publications deferred until 2026-11-22T11:00:00\.000Z/,
      ),
    ]);
    expect(e.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'publishing deferred' }));
    const status = await notionStatus(
      { runs: e.store, cursors: e.store, clock: e.clock },
      TENANT,
      (await e.store.getConnection(TENANT, 'notion'))?.settings,
    );
    expect(status.lastPublishRun?.summary.warnings[0]).toMatch(/deferred until/);
    // The timer brings the pass back at the turn of the hour, not before.
    expect(e.lane.sent.filter((s) => s.queue === 'timerQueue')).toHaveLength(1);
    e.clock.advance(10 * 60_000);
    expect(await fireTimers(e)).toBe(0); // re-queued: not due yet
    e.clock.advance(60 * 60_000);
    expect(await fireTimers(e)).toBe(1);
    await drain(e);
    const campaigns = e.brevo.campaigns();
    expect(campaigns).toHaveLength(4);
    expect(campaigns.every((c) => c.status === 'sent')).toBe(true);
    expect(new Set(campaigns.map((c) => c.subject)).size).toBe(4);
  });

  test("Brevo's 429 on the campaign endpoints is respected: deferred until its reset, then sent", async () => {
    const e = await setup({ brevo: { limits: { contactsPerSecond: 1000, eventsPerSecond: 1000, otherPerHour: 3 } } });
    await sync(e, 'full');
    // The sender check, the lookup and the creation take Brevo's 3 calls of the hour: sendNow gets 429.
    const [campaign] = e.brevo.campaigns();
    expect(campaign?.status).toBe('draft');
    const [pass] = await publishRuns(e);
    expect(pass?.summary.publish?.deferred).toBe(1);
    expect(pass?.summary.warnings[0]).toMatch(/429/);
    expect(e.brevo.stats().rateLimited).toBe(1);
    // The block is shared: the next run's pass in this hour does not try Brevo's campaign calls.
    await sync(e);
    expect(e.brevo.stats().rateLimited).toBe(1);
    expect(e.brevo.stats().byRoute['POST /v3/emailCampaigns/:id/sendNow']).toBe(1);
    e.clock.advance(3_600_000);
    await fireTimers(e);
    await drain(e);
    expect(e.brevo.campaigns()).toEqual([expect.objectContaining({ id: campaign?.id, status: 'sent' })]);
  });
});

describe('what cannot be published is said', () => {
  test('a Notion-hosted image left out of the email is a warning in the pass, the --json, the summary and status', async () => {
    const e = await setup();
    e.notion.appendBlocks(e.newsletter.publishedPageId, [blocks.imageHosted('q3-chart.png', undefined, 'Q3 chart')]);
    const run = await sync(e, 'full');
    const [campaign] = e.brevo.campaigns();
    expect(campaign?.status).toBe('sent');
    // Notion's file URLs expire within the hour: the email goes without the image.
    expect(campaign?.htmlContent).not.toContain('q3-chart.png');
    const [pass] = await publishRuns(e);
    const said = expect.stringMatching(
      /^"Sandbox news: what is new": image "Q3 chart" \([0-9a-f-]+\) was left out: it has no stable URL/,
    );
    expect(pass?.summary.warnings).toEqual([said]);
    expect(pass?.summary.publish?.campaigns[0]?.warnings).toEqual([expect.stringMatching(/^image "Q3 chart"/)]);

    // The sync's --json carries the pass's warnings; its readable summary prints them.
    const json = summaryJson(run, pass);
    expect(json.warnings).toEqual([
      expect.stringMatching(/^publishing: "Sandbox news: what is new": image "Q3 chart" .* was left out/),
    ]);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), isTTY: false };
    printSummary(io, run, false, pass);
    expect(out).toContainEqual(
      expect.stringMatching(/^ {4}warning: "Sandbox news: what is new": image "Q3 chart" .* was left out/),
    );

    // Status (its --json and its lines) shows the last pass with the warning.
    const status = await notionStatus(
      { runs: e.store, cursors: e.store, clock: e.clock },
      TENANT,
      (await e.store.getConnection(TENANT, 'notion'))?.settings,
    );
    expect(status.lastPublishRun?.summary.warnings).toEqual([said]);
    out.length = 0;
    printNotionStatus(io, status);
    expect(out).toContainEqual(
      expect.stringMatching(/^ {6}warning: "Sandbox news: what is new": image "Q3 chart" .* was left out/),
    );
    // A pass says what it made, not "0 pages entered" above the campaign it sent.
    expect(out).toContainEqual("    publishing: 1 campaign made or tried, 0 cancelled, 0 waiting for Brevo's budget");
  });

  test('an unverified sender is recorded as a clear error; nothing is created, nothing retried', async () => {
    const e = await setup({ config: newsletterConfig({ sender: '{ email: pending@sandbox.example }' }) });
    e.brevo.addSender({ name: 'Pending', email: 'pending@sandbox.example', active: false });
    await sync(e, 'full');
    expect(e.brevo.campaigns()).toHaveLength(0);
    const [pass] = await publishRuns(e);
    expect(pass?.summary.failed).toBe(1);
    expect(pass?.summary.errors).toEqual([
      {
        pageId: e.newsletter.publishedPageId,
        property: 'publish',
        reason: expect.stringMatching(/^sender pending@sandbox\.example is not verified in Brevo \(inactive\)/),
      },
    ]);
    expect(pass?.summary.publish?.campaigns).toEqual([expect.objectContaining({ status: 'failed' })]);
    await sync(e);
    expect(await publishRuns(e)).toHaveLength(1);
  });

  test('an unknown sender or list names the config key', async () => {
    const e = await setup({ config: newsletterConfig({ sender: '{ email: nobody@example.com }' }) });
    await sync(e, 'full');
    const [pass] = await publishRuns(e);
    expect(pass?.summary.errors[0]?.reason).toMatch(
      /sender nobody@example\.com is not a sender of this Brevo account \(connectors\.notion\.databases\[0\]\.publish\.sender\)/,
    );
    const f = await setup({ config: newsletterConfig({ list: 'Nope' }) });
    await sync(f, 'full');
    const [other] = await publishRuns(f);
    expect(other?.summary.errors[0]?.reason).toMatch(
      /Brevo has no list "Nope" \(connectors\.notion\.databases\[0\]\.publish\.list\)/,
    );
    expect(f.brevo.campaigns()).toHaveLength(0);
  });

  test('a rule that does not fit the schema is reported with its path and publishes nothing', async () => {
    const e = await setup({ config: newsletterConfig({ when: '{ property: Subject, equals: Published }' }) });
    const run = await sync(e, 'full');
    expect(run.status).toBe('succeeded');
    expect(run.summary.publish?.issues).toEqual([
      {
        path: 'connectors.notion.databases[0].publish.when.property',
        reason: '"Subject" is a rich_text property; the publish state needs a status, select or checkbox property',
      },
    ]);
    expect(run.summary.warnings).toEqual([expect.stringContaining('nothing is published from "Newsletters"')]);
    await drain(e);
    expect(e.brevo.campaigns()).toHaveLength(0);
  });
});
