/**
 * A sync that fails after Brevo applied its import, as a user meets it: `tajo connectors sync
 * notion` in a child process against the simulators. The run must say what failed in one line
 * (with its run id and where the details are), keep the JSON summary's contract, and leave the
 * cursor and fingerprints so that the next incremental run finishes the work.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
  seedSandbox,
} from '../../sandbox/sandbox';
import { BrevoClient } from '../../shared/core/brevo/client';
import type { SyncSummary } from '../../shared/core/ports';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';
import { expectCountsAddUp } from '../support/counts';

const SUMMARY_KEYS = [
  'mode',
  'pagesRead',
  'upserted',
  'unchanged',
  'removed',
  'failed',
  'errors',
  'notionRequests',
  'brevoRequests',
  'rateLimited',
  'durationMs',
];

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;

beforeEach(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], importProcessingMs: 50 });
  await Promise.all([notion.start(), brevo.start()]);
  dir = await mkdtemp(join(tmpdir(), 'tajo-fail-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml());
});

afterEach(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const tajo = (args: string[], env: Record<string, string> = {}) =>
  runTajo(args, { ...simulatorEnv(notion, brevo, dir), ...env });

const listMembers = () => {
  const list = brevo.lists().find((l) => l.name === SANDBOX_LIST);
  return list ? brevo.listMembers(list.id).sort() : [];
};

test('a failure right after the import: one line, a full JSON summary; the next run finishes the work', async () => {
  const { pageIds, dataSourceId } = seedSandbox(notion, brevo, { rows: 60 });
  // Brevo applies the import, then the process poll gets an answer no process object can be.
  brevo.failNext(1, { status: 200, body: 'not a process' }, 'GET /v3/processes/:id');

  const failed = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(failed.code).toBe(1);
  const lines = failed.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  const summary = lastJson(failed.stdout);
  for (const key of SUMMARY_KEYS) expect(summary).toHaveProperty(key);
  expect(summary).toMatchObject({ ok: false, status: 'failed', mode: 'incremental', kind: 'brevo_200' });
  const runId = summary.runId as string;
  expect(runId).toMatch(/^\d{8}T\d+Z-[0-9a-f]{8}$/);
  // What failed, in one line a person can act on; never the validation dump itself.
  expect(lines[0]).toBe(`tajo: ${summary.error}`);
  expect(lines[0]).toMatch(
    /^tajo: Brevo answered process \d+ without a field we need \(.+\); nothing was done with the answer$/,
  );
  expect(failed.stderr).not.toMatch(/"expected"|^\s+at /m);
  // The run record says the same line; status shows it.
  const status = await tajo(['connectors', 'status', 'notion', '--config', config, '--json']);
  expect(lastJson(status.stdout)).toMatchObject({ lastRun: { runId, status: 'failed' } });
  // Issue 12 §3: status says why, when, the counts so far, and that the next sync resumes it.
  expect(lastJson(status.stdout).resume).toEqual({
    runId,
    mode: 'incremental',
    startedAt: expect.any(String),
    state: 'failed',
    reason: summary.error,
    at: expect.any(String),
    rowsDone: 0,
    resumes: 0,
  });
  const text = await tajo(['connectors', 'status', 'notion', '--config', config]);
  expect(text.stdout).toMatch(new RegExp(`last run ${runId}: failed \\(incremental\\), started \\S+, failed \\S+\n`));
  expect(text.stdout).toContain(`    error: ${summary.error}\n`);
  expect(text.stdout).toContain('the next sync resumes it from its checkpoint (0 rows done); --restart starts over');
  // Brevo did apply the import: the 60 contacts are in the list although the run failed.
  expect(listMembers()).toHaveLength(60);

  // Meanwhile in Notion: two rows trashed, one edited, one new.
  const trashed = [pageIds[1], pageIds[2]] as string[];
  for (const id of trashed) notion.trashPage(id);
  notion.updatePage(pageIds[5] as string, { Company: 'Edited Ltd' });
  notion.addPage(dataSourceId, { properties: sandboxRow(60) });
  const importsBefore = brevo.log.count({ route: 'POST /v3/contacts/import' });
  const upsertsBefore = brevo.log.count({ route: 'POST /v3/contacts' });

  const second = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(second.code).toBe(0);
  const s2 = lastJson(second.stdout);
  // The next sync resumes the failed run from its checkpoint (a new run takes it over; the failed
  // one says "resumed as run …"): every row after the checkpoint is read again,
  // but the import's process is read back (Brevo applied it) instead of the rows being sent twice;
  // only the edited and the new row are written, the trashed rows leave the list. The 2 trashed
  // rows are read too (in the trash), so the counts add up: 61 read = 59 written + 2 removed.
  expect(s2).toMatchObject({ status: 'succeeded', pagesRead: 61, upserted: 59, failed: 0, removed: 2, skipped: 0 });
  expect(s2).toMatchObject({ resumedFrom: { runId, mode: 'incremental', was: 'failed', rowsDone: 0 } });
  expect(s2.runId).not.toBe(runId);
  expect(second.stderr).toContain(`resuming run ${runId} (incremental, started `);
  expectCountsAddUp(s2 as unknown as SyncSummary);
  // Issue 12: each change reaches Brevo once (was: the whole import sent again).
  expect(brevo.log.count({ route: 'POST /v3/contacts/import' }) - importsBefore).toBe(0);
  expect(brevo.log.count({ route: 'POST /v3/contacts' }) - upsertsBefore).toBe(2);
  const gone = trashed.map((_, i) => (sandboxRow(i + 1).Email as string).toLowerCase());
  const members = listMembers();
  expect(members).toHaveLength(59);
  for (const email of gone) expect(members).not.toContain(email);
  expect(members).toContain((sandboxRow(60).Email as string).toLowerCase());
  expect(brevo.getContact(sandboxRow(5).Email as string)?.attributes).toMatchObject({ COMPANY: 'Edited Ltd' });

  // The cursor moved past everything: nothing left to write, nothing written twice.
  const third = await tajo(['connectors', 'sync', 'notion', '--config', config, '--json']);
  expect(third.code).toBe(0);
  expect(lastJson(third.stdout)).toMatchObject({ status: 'succeeded', upserted: 0, removed: 0, failed: 0 });
  expect(lastJson(third.stdout).pagesRead as number).toBeLessThan(5);
});

test('an internal error of any command: one line with what failed, the run id and the details file', async () => {
  seedSandbox(notion, brevo, { rows: 3 });
  // A bug, not a provider's answer (those are ProviderErrors with their own line): the sync's
  // code throws a TypeError. In process, so the engine can be made to throw.
  const spy = jest
    .spyOn(BrevoClient.prototype, 'readAttributes')
    .mockRejectedValue(new TypeError("Cannot read properties of undefined (reading 'id')"));
  const out: string[] = [];
  const err: string[] = [];
  const env = {
    PATH: process.env.PATH ?? '',
    NOTION_BASE_URL: notion.baseUrl,
    BREVO_BASE_URL: brevo.baseUrl,
    TAJO_STATE_DIR: join(dir, 'state'),
  };
  try {
    const code = await main(['connectors', 'sync', 'notion', '--config', config], env, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      isTTY: false,
    });
    expect(code).toBe(1);
  } finally {
    spy.mockRestore();
  }
  expect(out).toEqual([]);
  expect(err).toHaveLength(1);
  const logFile = join(dir, 'state', 'logs', 'errors.log');
  expect(err[0]).toMatch(
    /^tajo: connectors sync notion failed: internal error: .*Cannot read properties of undefined.* \(run (\S+); details in (.+)\)$/,
  );
  const runId = /\(run (\S+);/.exec(err[0] as string)?.[1];
  expect(err[0]).toContain(`details in ${logFile})`);
  const details = (await readFile(logFile, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(details).toEqual([
    expect.objectContaining({ runId, command: 'connectors sync notion', name: 'TypeError', stack: expect.any(String) }),
  ]);
  expect(details[0].stack).toMatch(/\n\s+at /);
});

test('sync slack-users and notion-users failing: one line, and the JSON summary with status failed and the run id', async () => {
  const cfg = join(dir, 'users.yaml');
  await writeFile(
    cfg,
    `brevo: { api_key: ${SANDBOX_BREVO_KEY} }\nconnectors:\n  slack:\n    bot_token: xoxb-sandbox\n  notion:\n    token: ${SANDBOX_NOTION_TOKEN}\n`,
  );
  const slackRun = await tajo(['connectors', 'sync', 'slack-users', '--config', cfg, '--json'], {
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
  });
  expect(slackRun.code).toBe(1);
  expect(slackRun.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tajo: cannot reach slack at /)]);
  const slackJson = lastJson(slackRun.stdout);
  for (const key of [...SUMMARY_KEYS, 'bots', 'missingEmail']) expect(slackJson).toHaveProperty(key);
  expect(slackJson).toMatchObject({ ok: false, status: 'failed', kind: 'unreachable', runId: expect.any(String) });
  const status = await tajo(['connectors', 'status', 'slack', '--config', cfg, '--json']);
  expect(lastJson(status.stdout)).toMatchObject({ lastSync: { runId: slackJson.runId, status: 'failed' } });

  const notionRun = await tajo(['connectors', 'sync', 'notion-users', '--config', cfg, '--json'], {
    NOTION_BASE_URL: 'http://127.0.0.1:9',
  });
  expect(notionRun.code).toBe(1);
  expect(notionRun.stderr.trim().split('\n')).toHaveLength(1);
  const notionJson = lastJson(notionRun.stdout);
  for (const key of SUMMARY_KEYS) expect(notionJson).toHaveProperty(key);
  expect(notionJson).toMatchObject({ ok: false, status: 'failed', runId: expect.any(String) });
  expect(notionRun.stderr).toContain(notionJson.error as string);
});

test('sync slack-users failing on its second users.list page: the failed --json and status keep the counts so far', async () => {
  const { SlackSimulator } = await import('../../sandbox/slack');
  const { SlackClient } = await import('../../shared/connectors/slack/client');
  const slack = new SlackSimulator({ tiers: false });
  await slack.start();
  // 201 people and the workspace's bots: the first page (200) is read, the second fails.
  for (let i = 0; i < 201; i++) slack.addUser({ name: `u${i}`, realName: `User ${i}`, email: `u${i}@example.com` });
  const answer = SlackClient.prototype.answer;
  let lists = 0;
  const spy = jest.spyOn(SlackClient.prototype, 'answer').mockImplementation(async function (
    this: InstanceType<typeof SlackClient>,
    method,
    args,
  ) {
    if (method === 'users.list' && ++lists === 2) return { ok: false, error: 'internal_error', scopes: [], body: {} };
    return answer.call(this, method, args);
  });
  const cfg = join(dir, 'slack-users.yaml');
  await writeFile(
    cfg,
    `brevo: { api_key: ${SANDBOX_BREVO_KEY} }\nconnectors:\n  slack:\n    bot_token: xoxb-sandbox\n`,
  );
  const out: string[] = [];
  const err: string[] = [];
  const env = {
    PATH: process.env.PATH ?? '',
    SLACK_API_URL: slack.apiUrl,
    BREVO_BASE_URL: brevo.baseUrl,
    TAJO_STATE_DIR: join(dir, 'state'),
  };
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTTY: false };
  try {
    expect(await main(['connectors', 'sync', 'slack-users', '--config', cfg, '--json'], env, io)).toBe(1);
  } finally {
    spy.mockRestore();
    await slack.stop();
  }
  expect(err.filter((l) => l.startsWith('tajo:'))).toEqual(['tajo: Slack users.list failed: internal_error']);
  const summary = JSON.parse(out.at(-1) as string) as Record<string, unknown>;
  expect(summary).toMatchObject({ ok: false, status: 'failed', pagesRead: 200, upserted: 0, failed: 0 });
  expect(summary.bots as number).toBeGreaterThanOrEqual(1);
  expect(summary.slackRequests).toBe(2); // auth.test and the first page (the failing answer is the spy's)
  out.length = 0;
  await main(['connectors', 'status', 'slack', '--config', cfg, '--json'], env, io);
  const status = JSON.parse(out.at(-1) as string) as { lastSync: { status: string } };
  expect(status.lastSync).toMatchObject({ status: 'failed', runId: summary.runId });
});
