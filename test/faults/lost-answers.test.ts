/**
 * Writes whose answer is lost (applied by the provider, the connection destroyed before the
 * answer: the fault proxy's `lost`), one kind at a time, and reads through 40% faults: creations
 * are resolved by reading back (never a second list, page or campaign), posts Slack has no key for
 * are never repeated, and reads come through. Issue 12 §1.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, seedSandbox } from '../../sandbox/sandbox';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator } from '../../sandbox/slack';
import { NotionGateway } from '../../shared/connectors/notion/client';
import { SlackClient } from '../../shared/connectors/slack/client';
import { BrevoClient } from '../../shared/core/brevo/client';
import { sharedBrevoLimits } from '../../shared/core/brevo/limits';
import { BudgetExhaustedError, UnreachableError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { Pacer, WindowBudget } from '../../shared/core/ratelimit/pacer';
import { type FaultKind, FaultProxy } from '../support/fault-proxy';
import { VirtualClock } from '../support/virtual-clock';

Object.assign(process.env, { TAJO_HTTP_TIMEOUT_MS: '400', TAJO_RETRY_BASE_MS: '20', TAJO_RETRY_MAX_MS: '200' });

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A proxy that loses the answer of the first request `matches` picks (and lets all else through). */
async function loseFirst(target: string, matches: (method: string, path: string) => boolean, kind: FaultKind = 'lost') {
  let done = false;
  const proxy = new FaultProxy({
    target,
    seed: 1,
    rate: 1,
    weights: { '500': 0, '429': 0, reset: 0, stall: 0, lost: 0, [kind]: 1 },
    stallMs: 700,
    eligible: (m, p) => {
      if (done || !matches(m, p)) return false;
      done = true;
      return true;
    },
  });
  await proxy.start();
  stops.push(() => proxy.stop());
  return proxy;
}

test('Notion: a page creation whose answer was lost is found by its key, never created twice', async () => {
  const token = `secret_${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  const brevo = new BrevoSimulator({ apiKeys: ['k'], limits: false });
  await Promise.all([notion.start(), brevo.start()]);
  stops.push(() => Promise.all([notion.stop(), brevo.stop()]).then(() => undefined));
  const { dataSourceId } = seedSandbox(notion, brevo, { rows: 3, workspace: false });
  const proxy = await loseFirst(notion.baseUrl, (m, p) => m === 'POST' && p === '/v1/pages');
  const clock = new VirtualClock();
  const gateway = new NotionGateway({
    token,
    apiVersion: '2025-09-03',
    baseUrl: proxy.baseUrl,
    clock,
    pacer: new Pacer(0, clock),
    stats: newStats(),
  });
  const parent = { databaseId: SANDBOX_DATABASE_ID, sourceId: dataSourceId };
  const email = 'new.lead@example.com';
  const properties = { Name: { title: [{ text: { content: 'New Lead' } }] }, Email: { email } };
  const readBack = async () =>
    (await gateway.query(dataSourceId, { filter: { property: 'Email', email: { equals: email } }, pageSize: 1 }))
      .pages[0];

  const page = await gateway.createPage(parent, properties, { readBack });
  expect(proxy.stats.faults.lost).toBe(1);
  const rows = (await gateway.query(dataSourceId, { filter: { property: 'Email', email: { equals: email } } })).pages;
  expect(rows.map((r) => r.id)).toEqual([page.id]);

  // Without a key to read back by, a lost answer fails the call: at most once, never twice.
  const once = await loseFirst(notion.baseUrl, (m, p) => m === 'POST' && p === '/v1/pages');
  const plain = new NotionGateway({
    token,
    apiVersion: '2025-09-03',
    baseUrl: once.baseUrl,
    clock,
    pacer: new Pacer(0, clock),
    stats: newStats(),
  });
  const other = { ...properties, Email: { email: 'other@example.com' } };
  await expect(plain.createPage(parent, other)).rejects.toBeInstanceOf(UnreachableError);
  const others = await gateway.query(dataSourceId, {
    filter: { property: 'Email', email: { equals: 'other@example.com' } },
  });
  expect(others.pages).toHaveLength(1);
});

describe('Brevo', () => {
  async function client(kind: FaultKind, matches: (m: string, p: string) => boolean) {
    const apiKey = `xkeysib-${randomUUID()}`;
    const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
    await brevo.start();
    stops.push(() => brevo.stop());
    const proxy = await loseFirst(brevo.baseUrl, matches, kind);
    const clock = new VirtualClock();
    const c = new BrevoClient({
      apiKey,
      baseUrl: proxy.baseUrl,
      clock,
      stats: newStats(),
      limits: sharedBrevoLimits(apiKey, clock),
    });
    return { brevo, proxy, c };
  }

  test.each(['lost', 'reset', '500', 'stall'] as const)(
    'a list creation (%s) is read back, never made twice',
    async (kind) => {
      const { brevo, proxy, c } = await client(kind, (m, p) => m === 'POST' && p === '/v3/contacts/lists');
      const folder = brevo.addFolder('Tajo');
      const id = await c.createList('Customers', folder.id);
      expect(proxy.faultCount).toBe(1);
      expect(brevo.lists().filter((l) => l.name === 'Customers')).toEqual([expect.objectContaining({ id })]);
    },
  );

  test('each retry of an "other endpoint" call draws on its 100/hour budget (Brevo counts every request)', async () => {
    const apiKey = `xkeysib-${randomUUID()}`;
    const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false });
    await brevo.start();
    stops.push(() => brevo.stop());
    brevo.failNext(5, { status: 500, body: { code: 'internal_error', message: 'down' } });
    const clock = new VirtualClock();
    const limits = { contacts: new Pacer(0, clock), other: new WindowBudget(3, 3_600_000, clock) };
    const c = new BrevoClient({ apiKey, baseUrl: brevo.baseUrl, clock, stats: newStats(), limits });
    await expect(c.getAccount()).rejects.toBeInstanceOf(BudgetExhaustedError);
    // The first attempt and two retries: three units, three requests; the fourth was never sent.
    expect(brevo.stats().requests).toBe(3);
  });

  test('a campaign creation whose answer was lost is found by its name, never created twice', async () => {
    const { brevo, proxy, c } = await client('lost', (m, p) => m === 'POST' && p === '/v3/emailCampaigns');
    const list = brevo.addList({ name: 'News', folderId: brevo.addFolder('Tajo').id });
    const sender = brevo.addSender({ name: 'S', email: 'sender@example.com' });
    const id = await c.createEmailCampaign({
      name: 'Hello [notion abc v1]',
      subject: 'Hello',
      sender: { email: sender.email },
      htmlContent: '<p>hi</p>',
      listIds: [list.id],
    });
    expect(proxy.stats.faults.lost).toBe(1);
    expect(brevo.campaigns().map((x) => x.id)).toEqual([id]);
  });

  test('a list removal whose answer was lost is sent again and ends the same', async () => {
    const { brevo, proxy, c } = await client(
      'lost',
      (m, p) => m === 'POST' && /\/contacts\/lists\/\d+\/contacts\/remove$/.test(p),
    );
    const list = brevo.addList({ name: 'L', folderId: brevo.addFolder('Tajo').id });
    for (const email of ['a@example.com', 'b@example.com']) brevo.addContact({ email, listIds: [list.id] });
    await c.removeFromList(list.id, { emails: ['a@example.com'] });
    expect(proxy.stats.faults.lost).toBe(1);
    expect(brevo.listMembers(list.id)).toEqual(['b@example.com']);
  });

  test('an event whose answer was lost is not sent again (Brevo has no key for it: at most once)', async () => {
    const { brevo, proxy, c } = await client('lost', (m, p) => m === 'POST' && p === '/v3/events');
    await expect(
      c.createEvent({ event_name: 'notion_page_updated', identifiers: { email_id: 'a@example.com' } }),
    ).rejects.toBeInstanceOf(UnreachableError);
    expect(proxy.stats.faults.lost).toBe(1);
    expect(brevo.events()).toHaveLength(1);
  });
});

describe('Slack', () => {
  async function client(
    rate: number,
    weights?: Partial<Record<FaultKind, number>>,
    onlyFirst = false,
    scopes = SANDBOX_WORKSPACE.scopes,
  ) {
    const slack = new SlackSimulator({ tiers: false, workspaces: [{ ...SANDBOX_WORKSPACE, scopes }] });
    await slack.start();
    stops.push(() => slack.stop());
    const channel = slack.addChannel({ name: 'marketing' });
    let first = true;
    const proxy = new FaultProxy({
      target: slack.baseUrl,
      seed: 5,
      rate,
      stallMs: 700,
      ...(weights ? { weights } : {}),
      eligible: () => {
        if (!onlyFirst) return true;
        const hit = first;
        first = false;
        return hit;
      },
    });
    await proxy.start();
    stops.push(() => proxy.stop());
    const c = new SlackClient({
      token: SLACK_SANDBOX_TOKEN,
      apiUrl: `${proxy.baseUrl}/api/`,
      clock: new VirtualClock(),
      stats: newStats(),
    });
    return { slack, proxy, c, channel };
  }

  const LOST = { '500': 0, '429': 0, reset: 0, stall: 0, lost: 1 };

  test.each(['lost', '500'] as const)(
    'a post whose answer was %s is found by its key in the channel, never posted twice',
    async (kind) => {
      const { slack, proxy, c, channel } = await client(1, { ...LOST, lost: 0, [kind]: 1 }, true, [
        ...SANDBOX_WORKSPACE.scopes,
        'channels:history',
      ]);
      const ts = await c.postMessage({ teamId: SANDBOX_WORKSPACE.teamId, channel: channel.id, text: 'one' });
      expect(proxy.faultCount).toBe(1);
      // Lost: the first post is there and found. 500: nothing was posted, so it is posted again.
      expect(slack.messages(channel.id).map((m) => m.ts)).toEqual([ts]);
    },
  );

  test('without channels:history a lost post fails the call: at most once', async () => {
    const { slack, proxy, c, channel } = await client(1, LOST, true);
    await expect(
      c.postMessage({ teamId: SANDBOX_WORKSPACE.teamId, channel: channel.id, text: 'one' }),
    ).rejects.toBeInstanceOf(UnreachableError);
    expect(proxy.stats.faults.lost).toBe(1);
    expect(slack.messages(channel.id)).toHaveLength(1);
  });

  test('users.list pages come through 40% faults of every kind', async () => {
    const { slack, proxy, c } = await client(0.4);
    for (let i = 0; i < 450; i++) slack.addUser({ name: `u${i}`, realName: `User ${i}`, email: `u${i}@example.com` });
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await c.usersList({ cursor, limit: 100 });
      for (const m of page.members) ids.add(m.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids.size).toBeGreaterThanOrEqual(450);
    expect(proxy.faultCount).toBeGreaterThan(0);
  });
});
