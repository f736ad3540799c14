/**
 * The deployed path without Lambda: connect a tenant, let the poller start a sync in the Notion
 * lane (a real FIFO queue on fauxqs), and play the SQS event source — receive, run one step,
 * delete — until the lane is empty. The engine talks to the Notion and Brevo simulators; state is
 * in dynalite; time is virtual.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { sqsLanesFromEnv } from '../../functions/commons/sqs-lanes';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_LIST, sandboxConfigYaml, sandboxRow, seedSandbox } from '../../sandbox/sandbox';
import { SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { parseConfig } from '../../shared/app/config';
import { connectNotion } from '../../shared/app/connections';
import type { ScheduleName } from '../../shared/app/topology';
import {
  failedRunOf,
  handleNotionLaneMessage,
  type NotionLaneDeps,
  ParkLane,
  wasFinishedBefore,
} from '../../shared/connectors/notion/lane';
import { handleNotionPoll } from '../../shared/connectors/notion/poller';
import { BrevoClient } from '../../shared/core/brevo/client';
import { TajoError } from '../../shared/core/errors';
import type { LaneQueue, ScheduleManager, SecretStore } from '../../shared/core/ports';
import { MemorySecrets, RecordingLane } from '../support/fakes';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const STEP_BUDGET_MS = 3 * 334; // about three Notion requests per lane message

class RecordingSchedules implements ScheduleManager {
  readonly ensured: { schedule: ScheduleName; name: string; input: unknown; timezone?: string }[] = [];
  async ensure(schedule: ScheduleName, name: string, input: unknown, options: { timezone?: string } = {}) {
    this.ensured.push({ schedule, name, input, ...options });
  }
  async remove(): Promise<void> {}
}

interface Env {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  clock: VirtualClock;
  secrets: SecretStore;
  schedules: RecordingSchedules;
  token: string;
  apiKey: string;
}

let current: Env | undefined;
const sqs = new SQSClient({
  endpoint: process.env.TEST_SQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const queues: string[] = [];

async function setup(rows: number): Promise<Env> {
  const token = `secret_${randomUUID()}`;
  const apiKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows });
  const { store } = await freshStore();
  current = {
    notion,
    brevo,
    store,
    clock: new VirtualClock(),
    secrets: new MemorySecrets(),
    schedules: new RecordingSchedules(),
    token,
    apiKey,
  };
  return current;
}

async function connect(env: Env, tenantId: string, token = env.token, yaml = sandboxConfigYaml()) {
  const config = parseConfig(yaml, { NOTION_TOKEN: token, BREVO_API_KEY: env.apiKey });
  return connectNotion(
    { connections: env.store, secrets: env.secrets, schedules: env.schedules, clock: env.clock },
    { tenantId, config },
  );
}

function laneDeps(env: Env, lane: LaneQueue): NotionLaneDeps {
  return {
    connections: env.store,
    cursors: env.store,
    runs: env.store,
    secrets: env.secrets,
    lane,
    clock: env.clock,
    endpoints: { notionBaseUrl: env.notion.baseUrl, brevoBaseUrl: env.brevo.baseUrl },
    syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
  };
}

async function fifoQueue(): Promise<string> {
  const res = await sqs.send(
    new CreateQueueCommand({
      QueueName: `notion-lane-${randomUUID().slice(0, 8)}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '60' },
    }),
  );
  if (!res.QueueUrl) throw new Error('fauxqs returned no queue url');
  queues.push(res.QueueUrl);
  return res.QueueUrl;
}

/** Plays the Lambda SQS event source (batch size 1) until the queue is empty. */
async function drainLane(env: Env, queueUrl: string, lane: LaneQueue, budgetMs: number) {
  const delivered: { body: string; groupId: string | undefined }[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    const msg = res.Messages?.[0];
    if (!msg) return delivered;
    delivered.push({ body: msg.Body ?? '', groupId: msg.Attributes?.MessageGroupId });
    await handleNotionLaneMessage(laneDeps(env, lane), msg.Body ?? '', {
      deadline: env.clock.now() + budgetMs,
      lastAttempt: false,
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: msg.ReceiptHandle }));
  }
  throw new Error('the lane did not drain in 200 messages');
}

beforeEach(() => {
  // @notionhq/client logs every failed request (the 401 and 429 cases below) with console.warn.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all([current?.notion.stop(), current?.brevo.stop()]);
  current = undefined;
});

afterAll(async () => {
  for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
  sqs.destroy();
});

test('connect → poll → lane steps on a FIFO queue: 300 rows land in Brevo in one run, one message group', async () => {
  const env = await setup(300);
  const tenantId = `acme-${randomUUID().slice(0, 6)}`;
  const conn = await connect(env, tenantId);

  // The connection gets its own 4-hourly poll schedule, whose input names only the tenant.
  expect(env.schedules.ensured).toEqual([{ schedule: 'notionPoll', name: `notion-${tenantId}`, input: { tenantId } }]);
  expect(JSON.stringify(conn)).not.toContain(env.token);
  expect(JSON.stringify(conn)).not.toContain(env.apiKey);

  const queueUrl = await fifoQueue();
  const lane = new SqsLaneQueue(sqs, sqsLanesFromEnv({ TAJO_QUEUE_NOTION_LANE_URL: queueUrl }));
  const polled = await handleNotionPoll(
    { connections: env.store, lane, schedules: env.schedules, clock: env.clock },
    { tenantId },
  );
  expect(polled).toEqual({ queued: 1, scheduled: 0, skipped: [], documentsResyncQueued: 0 });

  const delivered = await drainLane(env, queueUrl, lane, STEP_BUDGET_MS);

  // One start, then continuations: the step budget (about three Notion requests) does not hold the
  // whole run (2 resolve requests, 3 query pages, 1 trash query).
  expect(JSON.parse(delivered[0]!.body)).toEqual({
    type: 'notion.sync.start',
    runId: expect.any(String),
    tenantId,
    mode: 'incremental',
    trigger: 'schedule',
  });
  expect(delivered.length).toBeGreaterThanOrEqual(2);
  const continuations = delivered.slice(1).map((d) => JSON.parse(d.body));
  expect(continuations.every((m) => m.type === 'notion.sync.continue' && m.tenantId === tenantId)).toBe(true);
  expect(continuations.map((m) => m.step)).toEqual(continuations.map((_, i) => i + 1));
  expect(new Set(continuations.map((m) => m.runId)).size).toBe(1);
  // Every message of the run travelled in the integration's message group.
  expect(new Set(delivered.map((d) => d.groupId))).toEqual(new Set([conn.integrationKey]));

  // All rows are in Brevo and in the list.
  const list = env.brevo.lists().find((l) => l.name === SANDBOX_LIST);
  expect(list).toBeDefined();
  expect(env.brevo.listMembers(list!.id)).toHaveLength(300);
  for (const i of [0, 150, 299]) {
    expect(env.brevo.getContact(sandboxRow(i).Email as string)?.attributes).toMatchObject({
      FIRSTNAME: sandboxRow(i).Name,
    });
  }

  const runs = await env.store.listRuns(tenantId, 'notion', 5);
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({
    status: 'succeeded',
    trigger: 'schedule',
    runId: continuations[0].runId,
    summary: { pagesRead: 300, upserted: 300, failed: 0 },
  });
  expect(runs[0]?.checkpoint).toBeUndefined();

  // A duplicate delivery of the last continuation has no effect.
  const before = env.notion.stats().requests;
  const recording = new RecordingLane();
  const again = await handleNotionLaneMessage(laneDeps(env, recording), delivered.at(-1)!.body, {
    deadline: env.clock.now() + STEP_BUDGET_MS,
    lastAttempt: false,
  });
  expect(again?.status).toBe('succeeded');
  expect(recording.sent).toHaveLength(0);
  expect(env.notion.stats().requests).toBe(before);
});

test('with a tighter step budget the run takes more lane messages and still writes each row once', async () => {
  const env = await setup(300);
  const tenantId = `tight-${randomUUID().slice(0, 6)}`;
  const conn = await connect(env, tenantId);
  const queueUrl = await fifoQueue();
  const lane = new SqsLaneQueue(sqs, sqsLanesFromEnv({ TAJO_QUEUE_NOTION_LANE_URL: queueUrl }));
  await handleNotionPoll({ connections: env.store, lane, schedules: env.schedules, clock: env.clock }, { tenantId });

  // A budget of 1 ms: every step still reads one query page (so a late step makes progress), and
  // the last page's step goes on to the trash query: 3 pages → 3 messages.
  const delivered = await drainLane(env, queueUrl, lane, 1);
  expect(delivered.length).toBeGreaterThanOrEqual(3);
  expect(new Set(delivered.map((d) => d.groupId))).toEqual(new Set([conn.integrationKey]));
  const [run] = await env.store.listRuns(tenantId, 'notion', 5);
  expect(run).toMatchObject({ status: 'succeeded', summary: { pagesRead: 300, upserted: 300, failed: 0 } });
  const list = env.brevo.lists().find((l) => l.name === SANDBOX_LIST);
  expect(env.brevo.listMembers(list!.id)).toHaveLength(300);
  expect(env.brevo.contacts()).toHaveLength(300);
});

test('the sweep ensures every connection’s schedule', async () => {
  const env = await setup(1);
  const a = `sweep-a-${randomUUID().slice(0, 6)}`;
  const b = `sweep-b-${randomUUID().slice(0, 6)}`;
  await connect(env, a);
  await connect(env, b, `secret_${randomUUID()}`);
  env.schedules.ensured.length = 0;
  const lane = new RecordingLane();
  const res = await handleNotionPoll(
    { connections: env.store, lane, schedules: env.schedules, clock: env.clock },
    { sweep: true },
  );
  expect(res.scheduled).toBe(2);
  expect(lane.sent).toHaveLength(0);
  expect(env.schedules.ensured.map((e) => e.name).sort()).toEqual([`notion-${a}`, `notion-${b}`].sort());
  for (const e of env.schedules.ensured) {
    expect(e.schedule).toBe('notionPoll');
    expect(e.input).toEqual({ tenantId: e.name.replace(/^notion-/, '') });
  }
});

test('a poll for a tenant without a connection queues nothing', async () => {
  const env = await setup(1);
  const lane = new RecordingLane();
  const res = await handleNotionPoll(
    { connections: env.store, lane, schedules: env.schedules, clock: env.clock },
    { tenantId: 'nobody' },
  );
  expect(res.queued).toBe(0);
  expect(res.skipped).toHaveLength(1);
  expect(lane.sent).toHaveLength(0);
});

test('a bad Notion token fails the run with the 401 reason and the message is not retried', async () => {
  const env = await setup(5);
  const tenantId = `bad-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId, `secret_wrong_${randomUUID()}`);
  const lane = new RecordingLane();
  const start = JSON.stringify({
    type: 'notion.sync.start',
    tenantId,
    runId: 'run-1',
    mode: 'incremental',
    trigger: 'schedule',
  });
  // Returns normally (the event source deletes the message) instead of throwing for a retry.
  const run = await handleNotionLaneMessage(laneDeps(env, lane), start, {
    deadline: env.clock.now() + 60_000,
    lastAttempt: false,
  });
  expect(run?.status).toBe('failed');
  expect(run?.error).toContain('401');
  expect(run?.error).not.toContain('secret_wrong');
  expect(lane.sent).toHaveLength(0);
  const stored = await env.store.listRuns(tenantId, 'notion', 5);
  expect(stored.map((r) => r.status)).toEqual(['failed']);
  expect(stored[0]?.error).toMatch(/401/);
  expect(env.brevo.contacts()).toHaveLength(0);
});

test('an internal error on the last attempt fails the run with one line, the stack only in the log', async () => {
  const env = await setup(5);
  const tenantId = `zod-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId);
  // A bug of ours, not a provider's answer (an unreadable answer is a one-line ProviderError since
  // the wire work): our own validation of data we made throws a ZodError while the sync prepares.
  const spy = jest.spyOn(BrevoClient.prototype, 'readAttributes').mockImplementation(async function readAttributes() {
    return z.object({ attributes: z.array(z.unknown()) }).parse({ attributes: 'none' }) as never;
  });
  const logged: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const deps = {
    ...laneDeps(env, new RecordingLane()),
    log: (level: string, message: string, data?: Record<string, unknown>) => logged.push({ level, message, data }),
  };
  const start = JSON.stringify({
    type: 'notion.sync.start',
    tenantId,
    runId: 'run-z',
    mode: 'incremental',
    trigger: 'schedule',
  });
  try {
    await expect(
      handleNotionLaneMessage(deps as NotionLaneDeps, start, { deadline: env.clock.now() + 60_000, lastAttempt: true }),
    ).rejects.toThrow();
  } finally {
    spy.mockRestore();
  }
  const run = await env.store.getRun(tenantId, 'notion', 'run-z');
  expect(run?.status).toBe('failed');
  expect(run?.error).toMatch(/^internal error: unexpected data at attributes \(in [\w.]+\): [^\n]+$/);
  const failure = logged.find((l) => l.message === 'Notion sync failed');
  expect(failure?.data).toMatchObject({ runId: 'run-z', reason: run?.error, stack: expect.stringMatching(/\n\s+at /) });
});

// Metrics (issue 12 §7): the worker counts a run's outcome from what the lane gives it back, as
// functions/notion-worker does: a returned run unless it finished before this delivery, and the
// failed run a thrown last-attempt failure carries. A run is counted once; its closing as "resumed
// as run …" (by the run that took its checkpoint) is not a second failure.
test('a run failing on its last attempt is counted once, not again when resumed or redelivered', async () => {
  const env = await setup(5);
  const tenantId = `met-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId);
  const deps = laneDeps(env, new RecordingLane());
  const outcomes: string[] = [];
  const deliver = async (body: string, lastAttempt: boolean) => {
    try {
      const run = await handleNotionLaneMessage(deps, body, { deadline: env.clock.now() + 60_000, lastAttempt });
      if (run && !wasFinishedBefore(run) && run.status !== 'running') outcomes.push(`${run.runId}:${run.status}`);
      return run;
    } catch (err) {
      const failed = failedRunOf(err);
      if (failed) outcomes.push(`${failed.runId}:${failed.status}`);
      throw err;
    }
  };
  const start = (runId: string) =>
    JSON.stringify({ type: 'notion.sync.start', tenantId, runId, mode: 'incremental', trigger: 'schedule' });

  // Brevo down past the deadline: an attempt that is not the last fails without closing the run...
  env.brevo.failNext(1000, { status: 503, body: { code: 'service_unavailable', message: 'down' } });
  await expect(deliver(start('run-a'), false)).rejects.toThrow(/Brevo|503/);
  expect(outcomes).toEqual([]);
  // ...the last one fails it, and the failure carries the run: counted once.
  await expect(deliver(start('run-a'), true)).rejects.toThrow(/Brevo|503/);
  expect(outcomes).toEqual(['run-a:failed']);
  expect((await env.store.getRun(tenantId, 'notion', 'run-a'))?.checkpoint).toBeDefined();

  // Brevo back: the next start resumes run-a's checkpoint as run-b, which succeeds; run-a is closed.
  env.brevo.clearFailures();
  expect(await deliver(start('run-b'), false)).toMatchObject({ runId: 'run-b', status: 'succeeded' });
  expect(await env.store.getRun(tenantId, 'notion', 'run-a')).toMatchObject({
    status: 'failed',
    error: expect.stringMatching(/resumed as run run-b$/),
  });
  // A replay of run-a's message meets the closed run, a duplicate of run-b's its finished run:
  // returned as they are, counted no more.
  expect(await deliver(start('run-a'), false)).toMatchObject({ runId: 'run-a', status: 'failed' });
  expect(await deliver(start('run-b'), false)).toMatchObject({ runId: 'run-b', status: 'succeeded' });
  expect(outcomes).toEqual(['run-a:failed', 'run-b:succeeded']);
});

test('a 429 with Retry-After 120 s parks the lane for about 120 s', async () => {
  const env = await setup(5);
  const tenantId = `rl-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId);
  env.notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 120 });
  const lane = new RecordingLane();
  const start = JSON.stringify({
    type: 'notion.sync.start',
    tenantId,
    runId: 'run-1',
    mode: 'incremental',
    trigger: 'api',
  });
  let caught: unknown;
  try {
    await handleNotionLaneMessage(laneDeps(env, lane), start, {
      deadline: env.clock.now() + 60_000,
      lastAttempt: false,
    });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ParkLane);
  expect((caught as ParkLane).delayMs).toBeGreaterThanOrEqual(119_000);
  expect((caught as ParkLane).delayMs).toBeLessThanOrEqual(121_000);
  expect(lane.sent).toHaveLength(0);
  // Parking is not failing.
  const runs = await env.store.listRuns(tenantId, 'notion', 5);
  expect(runs.map((r) => r.status)).not.toContain('failed');
});

// BUG: handleNotionLaneMessage's `finally` waits notionPacerDrainMs() before it returns or throws.
// After a 429 the pacer was paused for the whole Retry-After, so the worker sleeps the full 120 s
// in-process before ParkLane reaches the handler — exactly what parking is meant to avoid (DESIGN
// §5: "A 429 parks the lane ... instead of sleeping in Lambda"). The drain should be capped to one
// pacer interval (or skipped when parking).
test('parking does not sleep through the Retry-After in-process', async () => {
  const env = await setup(5);
  const tenantId = `rl2-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId);
  env.notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 120 });
  const started = env.clock.now();
  const start = JSON.stringify({
    type: 'notion.sync.start',
    tenantId,
    runId: 'run-1',
    mode: 'incremental',
    trigger: 'api',
  });
  await expect(
    handleNotionLaneMessage(laneDeps(env, new RecordingLane()), start, {
      deadline: env.clock.now() + 60_000,
      lastAttempt: false,
    }),
  ).rejects.toBeInstanceOf(ParkLane);
  expect(env.clock.now() - started).toBeLessThan(5_000);
});

// BUG: a start message that is parked (or throws any transient error) has already created its run
// record (startRun) before runStep fails. When SQS delivers the same start message again,
// handleNotionLaneMessage calls startRun again and a second run is made; the first one stays
// "running" forever, so `status` shows a run that never ends.
test('a start message delivered again after a park leaves no run stuck in "running"', async () => {
  const env = await setup(5);
  const tenantId = `rl3-${randomUUID().slice(0, 6)}`;
  await connect(env, tenantId);
  const deps = laneDeps(env, new RecordingLane());
  const start = JSON.stringify({
    type: 'notion.sync.start',
    tenantId,
    runId: 'run-1',
    mode: 'incremental',
    trigger: 'api',
  });
  env.notion.failNext(1, { status: 429, code: 'rate_limited', message: 'slow down', retryAfter: 300 });
  await expect(
    handleNotionLaneMessage(deps, start, { deadline: env.clock.now() + 60_000, lastAttempt: false }),
  ).rejects.toBeInstanceOf(ParkLane);
  env.clock.advance(301_000);
  // Redelivery of the same message; the run then finishes.
  const run = await handleNotionLaneMessage(deps, start, {
    deadline: env.clock.now() + 600_000,
    lastAttempt: false,
  });
  expect(run?.status).toBe('succeeded');
  const runs = await env.store.listRuns(tenantId, 'notion', 5);
  expect(runs.filter((r) => r.status === 'running')).toEqual([]);
});

test('a message for a tenant without a connection is dropped', async () => {
  const env = await setup(1);
  const lane = new RecordingLane();
  const res = await handleNotionLaneMessage(
    laneDeps(env, lane),
    JSON.stringify({ type: 'notion.sync.start', tenantId: 'nobody', runId: 'run-1', mode: 'full', trigger: 'api' }),
    { deadline: env.clock.now() + 60_000, lastAttempt: false },
  );
  expect(res).toBeUndefined();
  expect(lane.sent).toHaveLength(0);
  expect(env.notion.stats().requests).toBe(0);
});

test('a malformed lane message throws (the queue retries it, then dead-letters it)', async () => {
  const env = await setup(1);
  const deps = laneDeps(env, new RecordingLane());
  const opts = { deadline: env.clock.now() + 60_000, lastAttempt: false };
  await expect(handleNotionLaneMessage(deps, 'not json', opts)).rejects.toBeInstanceOf(TajoError);
  await expect(handleNotionLaneMessage(deps, '{"type":"notion.sync.start","tenantId":"x"}', opts)).rejects.toThrow();
  await expect(
    handleNotionLaneMessage(deps, '{"type":"notion.sync.explode","tenantId":"x","runId":"r","step":1}', opts),
  ).rejects.toThrow();
});

// Regression: connectNotion writes the Notion token and the Brevo key with Promise.all; the local
// FileSecretStore must not lose one of them (a fresh state dir makes both puts create the key).
test('a connection made with the local FileSecretStore keeps both of its secrets readable', async () => {
  const env = await setup(1);
  const dirs: string[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tajo-secrets-'));
      dirs.push(dir);
      const secrets = new FileSecretStore(dir);
      const tenantId = `fs-${i}-${randomUUID().slice(0, 6)}`;
      const config = parseConfig(sandboxConfigYaml(), { NOTION_TOKEN: env.token, BREVO_API_KEY: env.apiKey });
      const conn = await connectNotion(
        { connections: env.store, secrets, schedules: env.schedules, clock: env.clock },
        { tenantId, config },
      );
      expect(await secrets.get(conn.tokenRef)).toBe(env.token);
      expect(await secrets.get(conn.brevoApiKeyRef)).toBe(env.apiKey);
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('with sync.users the lane runs the workspace users sync after a database run, as its own message', async () => {
  const env = await setup(3);
  const tenantId = `users-${randomUUID().slice(0, 6)}`;
  const yaml = sandboxConfigYaml().replace(
    '    sync:\n      databases: true\n',
    '    sync:\n      databases: true\n      users: true\n    users:\n      sync_to_list: Notion members\n',
  );
  expect(yaml).toContain('users: true');
  await connect(env, tenantId, env.token, yaml);
  const lane = new RecordingLane();
  const start = { type: 'notion.sync.start', tenantId, runId: 'run-1', mode: 'full', trigger: 'schedule' };
  const opts = { deadline: env.clock.now() + 600_000, lastAttempt: false };
  const run = await handleNotionLaneMessage(laneDeps(env, lane), JSON.stringify(start), opts);
  expect(run?.status).toBe('succeeded');
  // Only the users message follows (same group, so it waits for the database steps).
  expect(lane.sent.map((m) => JSON.parse(m.body).type)).toEqual(['notion.users.sync']);
  expect(lane.sent[0]?.groupId).toBeDefined();
  expect(env.brevo.getContact('ada@sandbox.example.com')).toBeUndefined();

  const users = await handleNotionLaneMessage(laneDeps(env, lane), lane.sent[0]?.body ?? '', opts);
  expect(users).toMatchObject({ job: 'users', status: 'succeeded', summary: { upserted: 3, bots: 2 } });
  const list = env.brevo.lists().find((l) => l.name === 'Notion members');
  expect(env.brevo.listMembers(list?.id ?? -1).sort()).toEqual([
    'ada@sandbox.example.com',
    'alan@sandbox.example.com',
    'grace@sandbox.example.com',
  ]);
  // A redelivered users message does not run again.
  const before = env.notion.stats().requests;
  await handleNotionLaneMessage(laneDeps(env, lane), lane.sent[0]?.body ?? '', opts);
  expect(env.notion.stats().requests).toBe(before);
});
