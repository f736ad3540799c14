/**
 * The Slack connection's daily job (shared/connectors/slack/daily.ts): the scheduled user sync against
 * the Slack and Brevo simulators with tokens in the file secret store and runs in dynalite, and the
 * sweep that restores each connection's schedule.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator } from '../../sandbox/slack';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import type { ScheduleName } from '../../shared/app/topology';
import { runSlackDaily, SlackDailyFailed } from '../../shared/connectors/slack/daily';
import type { ConnectionRecord, ScheduleManager, SlackSettings } from '../../shared/core/ports';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

class RecordingSchedules implements ScheduleManager {
  readonly calls: string[] = [];
  async ensure(schedule: ScheduleName, name: string, _input: unknown, o: { timezone?: string } = {}) {
    this.calls.push(`ensure ${schedule} ${name} ${o.timezone ?? ''}`.trim());
  }
  async remove(schedule: ScheduleName, name: string) {
    this.calls.push(`remove ${schedule} ${name}`);
  }
}

let slack: SlackSimulator;
let brevo: BrevoSimulator;
let store: DynamoRepositories;
let secrets: FileSecretStore;
let dir: string;
let schedules: RecordingSchedules;
const clock = new VirtualClock();
const apiKey = `xkeysib-${randomUUID()}`;

beforeEach(async () => {
  slack = new SlackSimulator({ tiers: false });
  brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([slack.start(), brevo.start()]);
  for (let i = 0; i < 30; i++) slack.addUser({ name: `u${i}`, realName: `Ann ${i}`, email: `u${i}@example.com` });
  ({ store } = await freshStore());
  dir = await mkdtemp(join(tmpdir(), 'tajo-daily-'));
  secrets = new FileSecretStore(dir);
  schedules = new RecordingSchedules();
});

afterEach(async () => {
  await Promise.all([slack.stop(), brevo.stop(), rm(dir, { recursive: true, force: true })]);
});

async function connect(tenantId: string, over: Partial<SlackSettings> = {}): Promise<void> {
  const record: ConnectionRecord<'slack'> = {
    tenantId,
    connector: 'slack',
    settings: {
      enabled: true,
      channels: {},
      notifications: {},
      interactions: {},
      teamId: SANDBOX_WORKSPACE.teamId,
      users: { sync_to_list: 'Slack members', schedule: 'daily' },
      ...over,
    },
    tokenRef: await secrets.put(`${tenantId}/slack-bot-token`, SLACK_SANDBOX_TOKEN),
    brevoApiKeyRef: await secrets.put(`${tenantId}/brevo-api-key`, apiKey),
    integrationKey: 'k',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
  };
  await store.putConnection(record);
}

const deps = () => ({
  connections: store,
  threads: store,
  schedules,
  secrets,
  cursors: store,
  runs: store,
  clock,
  slackApiUrl: slack.apiUrl,
  brevoBaseUrl: brevo.baseUrl,
});

test('the daily job syncs the members into the list and leaves a scheduled run record', async () => {
  await connect('acme');
  const res = await runSlackDaily(deps(), { tenantId: 'acme' });
  expect(res.users).toMatchObject({ status: 'done', result: { summary: { upserted: 30, failed: 0 } } });
  const list = brevo.lists().find((l) => l.name === 'Slack members');
  expect(list && brevo.listMembers(list.id)).toHaveLength(30);
  const [run] = await store.listRuns('acme', 'slack', 1);
  expect(run).toMatchObject({ status: 'succeeded', trigger: 'schedule', mode: 'full', summary: { upserted: 30 } });

  // The next day: nothing changed, nothing written.
  const again = await runSlackDaily(deps(), { tenantId: 'acme' });
  expect(again.users).toMatchObject({ status: 'done', result: { summary: { upserted: 0, unchanged: 30 } } });
});

test('users.schedule off, no users section, or no connection: skipped with the reason', async () => {
  await connect('off', { users: { schedule: 'off' } });
  await connect('none', { users: undefined });
  expect((await runSlackDaily(deps(), { tenantId: 'off' })).users).toEqual({
    status: 'skipped',
    reason: 'connectors.slack.users.schedule is off',
  });
  expect((await runSlackDaily(deps(), { tenantId: 'none' })).users).toMatchObject({ status: 'skipped' });
  expect((await runSlackDaily(deps(), { tenantId: 'ghost' })).users).toMatchObject({ status: 'skipped' });
  expect(brevo.contacts()).toHaveLength(0);
});

test('a failure is recorded on a failed run and thrown, so the invocation is retried', async () => {
  await connect('acme');
  brevo.revokeApiKey(apiKey);
  const err = await runSlackDaily(deps(), { tenantId: 'acme' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SlackDailyFailed);
  const [run] = await store.listRuns('acme', 'slack', 1);
  expect(run).toMatchObject({ status: 'failed', trigger: 'schedule' });
  expect(run?.error).toMatch(/401|key|unauthor/i);
});

test('the sweep ensures every enabled connection its daily schedule in its zone, and removes a disabled one', async () => {
  await connect('paris', { summaries: { timezone: 'Europe/Paris' } } as Partial<SlackSettings>);
  await connect('utc');
  await connect('paused', { enabled: false });
  const res = await runSlackDaily(deps(), { sweep: true });
  expect(res.scheduled).toBe(2);
  expect(schedules.calls.sort()).toEqual(
    [
      'ensure slackDaily slack-paris Europe/Paris',
      'ensure slackDaily slack-utc UTC',
      'remove slackDaily slack-paused',
    ].sort(),
  );
});

test('the daily job posts the daily summary (its hour passed) once, however often it runs', async () => {
  slack.addChannel({ id: 'C0MKT', name: 'marketing' });
  await connect('acme', {
    channels: { marketing: 'C0MKT' },
    users: { schedule: 'off' },
    summaries: { timezone: 'UTC', daily: { channel: 'marketing', at: '09:00' } },
  } as Partial<SlackSettings>);
  const first = await runSlackDaily(deps(), { tenantId: 'acme' });
  expect(first.summaries?.summaries).toEqual([
    expect.objectContaining({ kind: 'daily', periodId: 'summary:daily:2026-11-21', status: 'posted' }),
  ]);
  expect(slack.messages('C0MKT')).toHaveLength(1);
  const again = await runSlackDaily(deps(), { tenantId: 'acme' });
  expect(again.summaries?.summaries).toEqual([expect.objectContaining({ status: 'skipped' })]);
  expect(slack.messages('C0MKT')).toHaveLength(1);
});
