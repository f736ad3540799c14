/**
 * `connectors.notion.sync.pages: true` through the sync engine (the path the CLI and the lane's
 * polls share): page changes of a synced database become Brevo events, one per (page,
 * last_edited_time), none on a re-run, none for the whole database on the first run.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SimClock } from '../../sandbox/http-kit';
import { NotionSimulator } from '../../sandbox/notion';
import { sandboxConfigYaml, sandboxRow, seedSandbox } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import { runToCompletion } from '../../shared/connectors/notion/sync/database-sync';
import { pageEventIssues } from '../../shared/connectors/notion/sync/page-changes';
import { pageEventSender } from '../../shared/connectors/notion/sync/page-event-sender';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const T0 = Date.parse('2026-11-22T09:00:30.000Z');
const MIN = 60_000;

let notion: NotionSimulator;
let brevo: BrevoSimulator;

afterEach(async () => {
  await Promise.all([notion?.stop(), brevo?.stop()]);
});

async function setup(rows: number) {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const simClock = new SimClock();
  simClock.set(T0);
  notion = new NotionSimulator({ tokens: [token], rateLimit: false, clock: simClock });
  brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  const seeded = seedSandbox(notion, brevo, { rows, now: T0 });
  const { store } = await freshStore();
  const clock = new VirtualClock();
  const yaml = sandboxConfigYaml().replace(
    'sync:\n      databases: true',
    'sync:\n      databases: true\n      pages: true',
  );
  const config = parseConfig(yaml, {});
  const { token: _t, ...settings } = config.connectors.notion!;
  expect(settings.sync.pages).toBe(true);
  const sync = async (mode: 'full' | 'incremental' = 'incremental') => {
    const ctx = buildNotionContext({
      tenantId: 'acme',
      settings,
      notionToken: token,
      brevoApiKey: apiKey,
      cursors: store,
      runs: store,
      clock,
      endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
      options: { importFirstPollMs: 10 },
    });
    ctx.onPageChanges = pageEventSender({
      tenantId: 'acme',
      settings,
      brevo: ctx.brevo,
      markers: store as DynamoRepositories,
    });
    return runToCompletion(ctx, { mode, trigger: 'cli' });
  };
  const events = () => brevo.events().filter((e) => e.event_name.startsWith('notion_page_'));
  return { ...seeded, notion, simClock, sync, events };
}

test('15 edits, 5 same-minute second edits, 2 trashed, 3 new: 20 events, counted; none on a re-run', async () => {
  const env = await setup(40);
  // First run: the baseline. The 40 rows are not changes.
  const first = await env.sync();
  expect(first.summary).toMatchObject({ upserted: 40, events: 0 });
  expect(env.events()).toHaveLength(0);
  expect((await env.sync()).summary.events).toBe(0);

  env.simClock.set(T0 + 5 * MIN);
  const edited = env.pageIds.slice(0, 15);
  // 10 edits of mapped properties, 5 of a property no attribute takes (Website): all are changes.
  for (const [i, id] of edited.entries()) {
    env.notion.updatePage(id, i < 10 ? { Company: `Edited ${i}` } : { Website: `https://example.com/${i}` });
  }
  // A second edit of 5 of them in the same minute: last_edited_time is minute-rounded, so it is the
  // same version of the page as far as anyone can tell: one event per page.
  env.simClock.set(T0 + 5 * MIN + 20_000);
  for (const id of edited.slice(0, 5)) env.notion.updatePage(id, { Seats: 99 });
  const trashed = env.pageIds.slice(20, 22);
  for (const id of trashed) env.notion.trashPage(id);
  const added = [40, 41, 42].map((i) => env.notion.addPage(env.dataSourceId, { properties: sandboxRow(i) }).id);

  const run = await env.sync();
  expect(run.status).toBe('succeeded');
  expect(run.summary).toMatchObject({ events: 20, removed: 2, warnings: [] });
  const events = env.events();
  const byKind = (name: string) =>
    events
      .filter((e) => e.event_name === name)
      .map((e) => e.event_properties?.page_id)
      .sort();
  expect(byKind('notion_page_updated')).toEqual([...edited].sort());
  expect(byKind('notion_page_deleted')).toEqual([...trashed].sort());
  expect(byKind('notion_page_created')).toEqual([...added].sort());
  // Each is attached to the row's contact, with what the README documents.
  const created = events.find((e) => e.event_properties?.page_id === added[0]);
  expect(created?.identifiers).toEqual({ email_id: sandboxRow(40).Email });
  const deleted = events.find((e) => e.event_properties?.page_id === trashed[0]);
  expect(deleted?.identifiers).toEqual({ email_id: sandboxRow(20).Email });
  expect(created?.event_properties).toMatchObject({
    page_id: added[0],
    title: sandboxRow(40).Name,
    database: 'Customers',
    database_id: expect.any(String),
  });
  expect(created?.event_date).toBe(new Date(T0 + 5 * MIN - 30_000).toISOString());

  // A re-run (the overlap re-reads that minute): nothing new.
  expect((await env.sync()).summary.events).toBe(0);
  expect(env.events()).toHaveLength(20);

  // A second edit in the same minute after a sync saw the first: still the same version, no event.
  env.simClock.set(T0 + 5 * MIN + 25_000);
  env.notion.updatePage(edited[0] as string, { Company: 'Third edit, same minute' });
  expect((await env.sync()).summary).toMatchObject({ upserted: 1, events: 0 });

  // The next minute's edits are new versions: one event each, and a full run sends none again.
  env.simClock.set(T0 + 7 * MIN);
  for (const id of edited.slice(0, 5)) env.notion.updatePage(id, { Company: 'Next minute' });
  expect((await env.sync()).summary.events).toBe(5);
  expect((await env.sync('full')).summary.events).toBe(0);
  expect(env.events()).toHaveLength(25);
});

test('a row that maps to no contact reports its change as a warning; the config says when no event can be sent', async () => {
  const env = await setup(5);
  await env.sync();
  env.simClock.set(T0 + 5 * MIN);
  env.notion.addPage(env.dataSourceId, { properties: { ...sandboxRow(50), Email: 'not-an-email' } });
  const run = await env.sync();
  expect(run.summary).toMatchObject({ events: 0, failed: 1 });
  expect(run.summary.warnings).toEqual([
    expect.stringMatching(/^Customers: 1 page change sent no event: .*pages\.event_identifier/),
  ]);

  const base = parseConfig(sandboxConfigYaml(), {}).connectors.notion!;
  expect(pageEventIssues({ ...base, sync: { ...base.sync, pages: false } })).toEqual([]);
  expect(pageEventIssues({ ...base, sync: { ...base.sync, pages: true } })).toEqual([]);
  expect(pageEventIssues({ ...base, sync: { databases: false, pages: true, users: false } })).toEqual([
    expect.stringMatching(/^sync\.pages is on but sync\.databases is off: .*no page event can be sent$/),
  ]);
  expect(pageEventIssues({ ...base, databases: [], sync: { ...base.sync, pages: true } })).toEqual([
    expect.stringMatching(/no database is synced/),
  ]);
});
