/**
 * The rules of resuming (issue 12 §2), in process against the simulators: which unfinished run is
 * resumed, abandoned or refused, and how a resumed run takes the dead one's place. The kill-resume
 * suite (kill-resume.test.ts) kills real processes; here the dead run is made by a failing step.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_LIST, sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { parseConfig } from '../../shared/app/config';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import {
  completeRun,
  ownerAlive,
  RUN_LEASE_MS,
  RunBusyError,
  startOrResumeRun,
} from '../../shared/connectors/notion/sync/database-sync';
import { ProviderError } from '../../shared/core/errors';
import { systemClock } from '../../shared/core/ports';
import { expectCountsAddUp } from '../support/counts';
import { freshStore } from '../support/stores';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let store: DynamoRepositories;
const token = `secret_${randomUUID()}`;
const apiKey = `xkeysib-${randomUUID()}`;

beforeEach(async () => {
  notion = new NotionSimulator({ tokens: [token], rateLimit: false });
  brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows: 250 });
  store = (await freshStore()).store;
});

afterEach(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
});

function context(yaml = sandboxConfigYaml()) {
  const { token: _t, ...settings } = parseConfig(yaml, {}).connectors.notion!;
  return buildNotionContext({
    tenantId: 'acme',
    settings,
    notionToken: token,
    brevoApiKey: apiKey,
    cursors: store,
    runs: store,
    clock: systemClock,
    endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
    // A Notion page of 100 rows per Brevo write and checkpoint.
    options: { importFirstPollMs: 5, flushRows: 50 },
  });
}

const cli = { kind: 'cli' as const, host: hostname(), pid: process.pid };

/** A full run whose second import fails (Brevo 500): its checkpoint is after the first 100 rows. */
async function failedFullRun() {
  const ctx = context();
  const started = await startOrResumeRun(ctx, { mode: 'full', trigger: 'cli', owner: cli, whenBusy: 'refuse' });
  const real = ctx.brevo.importContacts.bind(ctx.brevo);
  let imports = 0;
  jest.spyOn(ctx.brevo, 'importContacts').mockImplementation(async (args) => {
    imports += 1;
    if (imports === 2) throw new ProviderError('brevo', 500, 'internal_error', 'Brevo error on contact import (500)');
    return real(args);
  });
  await expect(completeRun(ctx, started.run)).rejects.toBeInstanceOf(ProviderError);
  const dead = await store.getRun('acme', 'notion', started.run.runId);
  expect(dead).toMatchObject({ status: 'failed', mode: 'full' });
  expect(dead?.summary.upserted).toBe(100);
  return dead as NonNullable<typeof dead>;
}

test('a failed full run is resumed by the next sync, incremental asked or not: a new run takes its checkpoint and counts', async () => {
  const dead = await failedFullRun();
  const ctx = context();
  const next = await startOrResumeRun(ctx, { mode: 'incremental', trigger: 'cli', owner: cli, whenBusy: 'refuse' });
  expect(next.resumedFrom).toMatchObject({ runId: dead.runId, mode: 'full', was: 'failed', rowsDone: 100 });
  expect(next.run).toMatchObject({ mode: 'full', resumedFrom: dead.runId, resumes: 1 });
  const importsBefore = brevo.log.count({ route: 'POST /v3/contacts/import' });
  const done = await completeRun(ctx, next.run);
  // Counts of the whole run: 250 read and written once, the first page not again.
  expect(done.summary).toMatchObject({ pagesRead: 250, upserted: 250, removed: 0, failed: 0 });
  expectCountsAddUp(done.summary);
  expect(brevo.log.count({ route: 'POST /v3/contacts/import' }) - importsBefore).toBe(2);
  expect(brevo.listMembers(brevo.lists().find((l) => l.name === SANDBOX_LIST)!.id)).toHaveLength(250);
  // The dead run says where it went and can never be resumed twice.
  const closed = await store.getRun('acme', 'notion', dead.runId);
  expect(closed).toMatchObject({ status: 'failed', error: expect.stringMatching(/; resumed as run \S+$/) });
  expect(closed?.checkpoint).toBeUndefined();
});

test('--restart, a full run after an unfinished incremental one, a changed config: abandoned, started over', async () => {
  const dead = await failedFullRun();
  const restarted = await startOrResumeRun(context(), {
    mode: 'full',
    trigger: 'cli',
    owner: cli,
    whenBusy: 'refuse',
    restart: true,
  });
  expect(restarted.resumedFrom).toBeUndefined();
  expect(restarted.abandoned).toEqual({ runId: dead.runId, why: 'started over (--restart)' });
  expect(restarted.run.summary.pagesRead).toBe(0);
  expect(await store.getRun('acme', 'notion', dead.runId)).toMatchObject({
    status: 'failed',
    error: expect.stringMatching(/abandoned: started over \(--restart\)$/),
    // It ended when it failed, not when a later run abandoned it.
    finishedAt: dead.finishedAt,
  });
  // The restarted run is left unfinished ("running", its owner this live process): now another
  // caller asking through the CLI is refused; the lane starts a run of its own as before.
  await expect(
    startOrResumeRun(context(), { mode: 'full', trigger: 'cli', owner: cli, whenBusy: 'refuse' }),
  ).rejects.toBeInstanceOf(RunBusyError);
  // Its owner gone silent past the lease: taken for dead. A config change abandons it instead.
  const stale = {
    ...restarted.run,
    owner: { kind: 'lane' as const, heartbeatAt: new Date(Date.now() - RUN_LEASE_MS - 1).toISOString() },
  };
  expect(ownerAlive(stale, Date.now())).toBe(false);
  await store.putRun(stale);
  const changed = sandboxConfigYaml().replace('default_country_code: "33"', 'default_country_code: "44"');
  const fresh = await startOrResumeRun(context(changed), {
    mode: 'full',
    trigger: 'api',
    owner: { kind: 'lane' },
    whenBusy: 'start',
  });
  expect(fresh.abandoned).toEqual({ runId: restarted.run.runId, why: 'the configuration changed since it started' });

  // An unfinished incremental run does not satisfy a full one.
  await store.putRun({ ...fresh.run, mode: 'incremental', status: 'failed', error: 'x' });
  const full = await startOrResumeRun(context(changed), {
    mode: 'full',
    trigger: 'cli',
    owner: cli,
    whenBusy: 'refuse',
  });
  expect(full.abandoned).toEqual({ runId: fresh.run.runId, why: 'a full run was asked for' });
});
