/**
 * The sandbox kept across `npm start` restarts: a snapshot of the simulators restored into new
 * ones gives the same workspace (ids, rows, content, contacts, lists, campaigns, messages), and the
 * records shared between the stores' indexes stay shared (an update through one is seen through
 * the other), so the restored simulators behave as the originals did.
 */
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_CHANNEL,
  seedSandbox,
  seedSandboxNewsletter,
} from '../../sandbox/sandbox';
import { SlackSimulator } from '../../sandbox/slack';
import { decodeGraph, encodeGraph } from '../../sandbox/snapshot';

test('the codec keeps Maps, Sets, Buffers, undefined and shared objects (identity included)', () => {
  const shared = { id: 'p1', tags: new Set(['a']) };
  const value = {
    byId: new Map([['p1', shared]]),
    list: [shared],
    file: Buffer.from([0, 1, 255]),
    gone: undefined,
    n: 3,
  };
  const back = decodeGraph(JSON.parse(JSON.stringify(encodeGraph(value)))) as typeof value;
  expect(back.byId.get('p1')).toBe(back.list[0]);
  expect(back.list[0]?.tags).toEqual(new Set(['a']));
  expect(back.file).toEqual(Buffer.from([0, 1, 255]));
  expect('gone' in back).toBe(false);
  expect(back.n).toBe(3);
  expect(() => encodeGraph({ f: () => 1 })).toThrow(/root\.f is a function/);
});

test('Notion, Brevo and Slack simulators restored from a snapshot hold the same data and behave alike', () => {
  const notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  const brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  const slack = new SlackSimulator();
  const seeded = seedSandbox(notion, brevo, { rows: 12 });
  const newsletter = seedSandboxNewsletter(notion, brevo);
  brevo.addContact({ email: 'kept@example.com', listIds: [newsletter.listId] });
  slack.addChannel({ id: SANDBOX_SLACK_CHANNEL, name: 'marketing' });
  slack.addMessage(SANDBOX_SLACK_CHANNEL, { text: 'posted before the restart' });

  const saved = JSON.parse(
    JSON.stringify({ notion: notion.snapshot(), brevo: brevo.snapshot(), slack: slack.snapshot() }),
  );
  const notion2 = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  const brevo2 = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  const slack2 = new SlackSimulator();
  slack2.addChannel({ id: SANDBOX_SLACK_CHANNEL, name: 'marketing' });
  notion2.restore(saved.notion);
  brevo2.restore(saved.brevo);
  slack2.restore(saved.slack);

  // Same ids and data.
  expect(notion2.pageIds(seeded.dataSourceId)).toEqual(notion.pageIds(seeded.dataSourceId));
  const first = seeded.pageIds[0] as string;
  expect(notion2.getPage(first)).toEqual(notion.getPage(first));
  expect(notion2.childIds(newsletter.publishedPageId)).toEqual(notion.childIds(newsletter.publishedPageId));
  expect(notion2.botUser).toEqual(notion.botUser);
  expect(brevo2.contacts()).toEqual(brevo.contacts());
  expect(brevo2.lists()).toEqual(brevo.lists());
  expect(slack2.messages(SANDBOX_SLACK_CHANNEL).map((m) => m.text)).toEqual(['posted before the restart']);
  // And a snapshot of the restored ones is the snapshot they came from.
  expect(JSON.parse(JSON.stringify(brevo2.snapshot()))).toEqual(saved.brevo);

  // Shared records stay shared: an update is seen by the data source's page list and by getPage.
  notion2.updatePage(first, { Company: 'Changed after restore' });
  expect(JSON.stringify(notion2.getPage(first))).toContain('Changed after restore');
  const store = (
    notion2 as unknown as {
      store: { pages: Map<string, unknown>; dataSources: Map<string, { pages: Map<string, unknown> }> };
    }
  ).store;
  expect(store.dataSources.get(seeded.dataSourceId)?.pages.get(first)).toBe(store.pages.get(first));
  // New ids continue after the restored ones (no id given twice).
  const contact = brevo2.addContact({ email: 'after@example.com' });
  expect(brevo.contacts().some((c) => c.id === contact.id)).toBe(false);
  const list = brevo2.addList({ name: 'After' });
  expect(brevo.lists().some((l) => l.id === list.id)).toBe(false);
  const msg = slack2.addMessage(SANDBOX_SLACK_CHANNEL, { text: 'after' });
  expect(slack.messages(SANDBOX_SLACK_CHANNEL).some((m) => m.ts === msg.ts)).toBe(false);
});

test('a snapshot of the wrong kind is refused', () => {
  const brevo = new BrevoSimulator();
  expect(() => brevo.restore(encodeGraph({ contacts: new Map() }))).toThrow(/not a Brevo simulator snapshot/);
  expect(() => new NotionSimulator().restore(encodeGraph({}))).toThrow(/not a Notion simulator snapshot/);
  expect(() => new SlackSimulator().restore(encodeGraph({}))).toThrow(/not a Slack simulator snapshot/);
});
