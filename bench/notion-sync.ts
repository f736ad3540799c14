/**
 * The scenarios: (A) a full sync of the sandbox database through one in-process worker (the CLI's
 * path), (B) an incremental run after random edits on the same state, (C) the local stack — the
 * Lambda bundles on fauxqs lanes, four pollers on one integration — running a full sync while three
 * more sync requests for the same tenant compete for the lane. Simulators keep their default limits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalStack, startLocalStack } from '../local/stack';
import { BrevoSimulator } from '../sandbox/brevo';
import type { RequestRecord } from '../sandbox/http-kit';
import { NotionSimulator } from '../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  seedSandbox,
} from '../sandbox/sandbox';
import { LOCAL_CREDENTIALS, startEmbeddedDynamo } from '../shared/adapters/local/embedded-dynamodb';
import { parseConfig } from '../shared/app/config';
import { buildNotionContext } from '../shared/connectors/notion/context';
import { runToCompletion } from '../shared/connectors/notion/sync/database-sync';
import { DEFAULT_SYNC_OPTIONS } from '../shared/connectors/notion/sync/sync-context';
import type { ProgressEvent } from '../shared/core/brevo/contact-writer';
import { type RunRecord, systemClock } from '../shared/core/ports';
import {
  BREVO_IMPORT_ROUTE,
  BREVO_SETUP_ROUTES,
  breakdown,
  CallTimer,
  CEILING_ROWS_PER_SECOND,
  countByRoute,
  NOTION_QUERY_ROUTE,
  peakRate,
  round,
} from './measure';
import { type Check, GOALS, goal, type RunBrief, type ScenarioResult } from './report';

export interface BenchOptions {
  rows: number;
  edits: number;
  /** Pollers on the Notion lane in scenario C. */
  workers: number;
  /** Extra sync requests sent while C's full sync runs. */
  extraRequests: number;
  progress: (line: string) => void;
}

const TENANT = 'bench';

/** Deterministic PRNG (mulberry32) so every run edits the same rows. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed's "now": the newest row then lands at second ~24 of its minute, so the incremental
 * run's overlap (2 minutes before the minute-rounded cursor) always holds the same number of seeded
 * rows, whatever second of the minute the benchmark starts at. At most a minute in the past.
 */
function seedNow(): number {
  const now = Date.now();
  const aligned = now - (now % 60_000) + 30_000;
  return aligned <= now ? aligned : aligned - 60_000;
}

function rowsProgress(label: string, total: number, progress: (l: string) => void) {
  let next = 0;
  return (e: ProgressEvent) => {
    if (e.type === 'rows' && e.pagesRead >= next) {
      progress(`${label}: ${e.pagesRead}/${total} rows read`);
      next = e.pagesRead + Math.max(1000, Math.floor(total / 5));
    }
    if (e.type === 'flush') progress(`${label}: writing ${e.rows} rows to Brevo (${e.via})`);
  };
}

function brevoFigures(records: RequestRecord[], written: number): ScenarioResult['brevo'] {
  const byRoute = countByRoute(records);
  const setupRequests = records.filter((r) => BREVO_SETUP_ROUTES.has(r.route)).length;
  const per = (n: number) => (written > 0 ? round((n / written) * 10_000, 2) : null);
  return {
    requests: records.length,
    rateLimited: records.filter((r) => r.status === 429).length,
    byRoute,
    setupRequests,
    perTenThousand: per(records.length),
    perTenThousandExcludingSetup: per(records.length - setupRequests),
  };
}

function brief(run: RunRecord): RunBrief {
  return {
    runId: run.runId,
    mode: run.mode,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    pagesRead: run.summary.pagesRead,
    upserted: run.summary.upserted,
    notionRequests: run.summary.notionRequests ?? 0,
    brevoRequests: run.summary.brevoRequests,
    rateLimited: run.summary.rateLimited,
    durationMs: run.summary.durationMs,
    error: run.error,
  };
}

function rate(rows: number, ms: number) {
  const rowsPerSecond = ms > 0 ? (rows / ms) * 1000 : 0;
  return { rowsPerSecond: round(rowsPerSecond, 1), ceilingRatio: round(rowsPerSecond / CEILING_ROWS_PER_SECOND, 3) };
}

function fullSyncGoals(ratio: number, notion429: number, brevoPer10k: number | null) {
  return [
    goal('rows/s ÷ 300', `≥ ${GOALS.ceilingRatio}`, ratio, ratio >= GOALS.ceilingRatio),
    goal('Notion 429s', `= ${GOALS.notion429}`, notion429, notion429 <= GOALS.notion429),
    goal(
      'Brevo requests per 10,000 contacts',
      `≤ ${GOALS.brevoPerTenThousand}`,
      brevoPer10k,
      brevoPer10k !== null && brevoPer10k <= GOALS.brevoPerTenThousand,
    ),
  ];
}

// ------------------------------------------------------------------------------------ A and B

/** A then B, in process, on one in-memory DynamoDB and one pair of simulators. */
export async function singleWorkerScenarios(o: BenchOptions): Promise<ScenarioResult[]> {
  const notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  const brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  notion.log.keepBodies = false;
  brevo.log.keepBodies = false;
  await Promise.all([notion.start(), brevo.start()]);
  const dynamo = await startEmbeddedDynamo();
  try {
    const seeded = seedSandbox(notion, brevo, { rows: o.rows, stepMs: 1000, now: seedNow() });
    const config = parseConfig(sandboxConfigYaml(), {}, 'sandbox config');
    const notionConfig = config.connectors.notion;
    if (!notionConfig) throw new Error('the sandbox config has no Notion connector');
    const { token, ...settings } = notionConfig;
    const timer = new CallTimer();
    const store = timer.wrap(dynamo.store);
    // One context per run, as one CLI invocation per run would build it.
    const context = (onProgress: (e: ProgressEvent) => void) =>
      buildNotionContext({
        tenantId: TENANT,
        settings,
        notionToken: token,
        brevoApiKey: config.brevo.api_key,
        cursors: store,
        runs: store,
        clock: systemClock,
        endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
        onProgress,
      });

    const measure = async (mode: 'full' | 'incremental', label: string, expectRows: number) => {
      const n0 = notion.log.records.length;
      const b0 = brevo.log.records.length;
      const r0 = notion.stats().rateLimited;
      const start = Date.now();
      const run = await runToCompletion(context(rowsProgress(label, expectRows, o.progress)), { mode, trigger: 'cli' });
      const end = Date.now();
      return {
        run,
        start,
        end,
        notionRecords: notion.log.records.slice(n0),
        brevoRecords: brevo.log.records.slice(b0),
        notion429: notion.stats().rateLimited - r0,
      };
    };

    // ---- A: full sync, one worker.
    o.progress(`A: full sync of ${o.rows} rows, one worker`);
    const a = await measure('full', 'A', o.rows);
    const list = brevo.lists().find((l) => l.name === SANDBOX_LIST);
    const members = list ? brevo.listMembers(list.id).length : 0;
    const aRate = rate(a.run.summary.pagesRead, a.run.summary.durationMs);
    const aBrevo = brevoFigures(a.brevoRecords, a.run.summary.upserted);
    const aChecks: Check[] = [
      {
        name: 'run succeeded',
        pass: a.run.status === 'succeeded',
        detail: `run ${a.run.status}${a.run.error ? `: ${a.run.error}` : ''}`,
      },
      {
        name: 'every row read and written',
        pass: a.run.summary.pagesRead === o.rows && a.run.summary.upserted === o.rows && a.run.summary.failed === 0,
        detail: `read ${a.run.summary.pagesRead}, written ${a.run.summary.upserted}, failed ${a.run.summary.failed} of ${o.rows}`,
      },
      {
        name: 'the Brevo list holds every contact',
        pass: members === o.rows,
        detail: `list "${SANDBOX_LIST}" has ${members} members, expected ${o.rows}`,
      },
    ];
    const aResult: ScenarioResult = {
      id: 'A',
      title: `full sync, ${o.rows} rows, 1 worker`,
      mode: 'full',
      workers: 1,
      rowsRead: a.run.summary.pagesRead,
      upserted: a.run.summary.upserted,
      unchanged: a.run.summary.unchanged,
      failed: a.run.summary.failed,
      durationMs: a.run.summary.durationMs,
      ...aRate,
      notion: { requests: a.notionRecords.length, rateLimited: a.notion429, byRoute: countByRoute(a.notionRecords) },
      brevo: aBrevo,
      goals: fullSyncGoals(aRate.ceilingRatio, a.notion429, aBrevo.perTenThousandExcludingSetup),
      checks: aChecks,
      breakdown: breakdown({
        start: a.start,
        end: a.end,
        rows: a.run.summary.pagesRead,
        notion: a.notionRecords,
        brevo: a.brevoRecords,
        timer,
      }),
      runs: [brief(a.run)],
      notes: [
        `Brevo: ${aBrevo.setupRequests} of ${aBrevo.requests} requests are the first run's one-time list lookup/creation (cached in the state afterwards); the per-10k goal is judged without them (${aBrevo.perTenThousand} with them).`,
        `Peak Notion requests in any 1 s window (by response time): ${peakRate(a.notionRecords)}.`,
      ],
    };

    // ---- B: incremental after random edits, same state, real clock.
    const random = prng(42);
    const edited = new Set<string>();
    while (edited.size < Math.min(o.edits, seeded.pageIds.length)) {
      edited.add(seeded.pageIds[Math.floor(random() * seeded.pageIds.length)] as string);
    }
    let n = 0;
    for (const id of edited) notion.updatePage(id, { Company: `Edited Company ${n++}` });
    o.progress(`B: incremental run after ${edited.size} edits`);
    const b = await measure('incremental', 'B', edited.size);
    const editedInBrevo = brevo
      .contacts()
      .filter((c) => String(c.attributes.COMPANY ?? '').startsWith('Edited Company ')).length;
    const bRate = rate(b.run.summary.pagesRead, b.run.summary.durationMs);
    const bBrevo = brevoFigures(b.brevoRecords, b.run.summary.upserted);
    const bQueries = b.notionRecords.filter((r) => r.route === NOTION_QUERY_ROUTE).length;
    const bResult: ScenarioResult = {
      id: 'B',
      title: `incremental after ${edited.size} edits`,
      mode: 'incremental',
      workers: 1,
      rowsRead: b.run.summary.pagesRead,
      upserted: b.run.summary.upserted,
      unchanged: b.run.summary.unchanged,
      failed: b.run.summary.failed,
      durationMs: b.run.summary.durationMs,
      ...bRate,
      notion: { requests: b.notionRecords.length, rateLimited: b.notion429, byRoute: countByRoute(b.notionRecords) },
      brevo: bBrevo,
      goals: [
        goal(
          'Notion requests',
          `≤ ${GOALS.incrementalNotionRequests}`,
          b.notionRecords.length,
          b.notionRecords.length <= GOALS.incrementalNotionRequests,
        ),
        goal('Notion 429s', `= ${GOALS.notion429}`, b.notion429, b.notion429 <= GOALS.notion429),
      ],
      checks: [
        {
          name: 'run succeeded',
          pass: b.run.status === 'succeeded',
          detail: `run ${b.run.status}${b.run.error ? `: ${b.run.error}` : ''}`,
        },
        {
          name: 'exactly the edited rows written',
          pass: b.run.summary.upserted === edited.size,
          detail: `written ${b.run.summary.upserted}, edited ${edited.size}`,
        },
        {
          name: 'the edits reached Brevo',
          pass: editedInBrevo === edited.size,
          detail: `${editedInBrevo} Brevo contacts carry an edited COMPANY, expected ${edited.size}`,
        },
      ],
      breakdown: breakdown({
        start: b.start,
        end: b.end,
        rows: b.run.summary.pagesRead,
        notion: b.notionRecords,
        brevo: b.brevoRecords,
        timer,
      }),
      runs: [brief(b.run)],
      notes: [
        `Read ${b.run.summary.pagesRead} rows for ${edited.size} edits: ${b.run.summary.unchanged} unchanged rows re-read from the cursor's overlap (2 min before the minute-rounded cursor; the seed writes one row per second). ${bQueries} of ${b.notionRecords.length} Notion requests are queries (rows + trash).`,
        `Sensitivity: the rows query costs one request per 100 rows, the trash query one more, so 3 requests hold while overlap + edits ≤ 200 rows (here ${b.run.summary.pagesRead}). The seed pins the newest row at second ~24 of its minute; unpinned, the overlap holds 120–180 rows by the second the seed ran, and about half of the starts would cost 4 requests.`,
      ],
    };
    return [aResult, bResult];
  } finally {
    await dynamo.close();
    await Promise.all([notion.stop(), brevo.stop()]);
  }
}

// ------------------------------------------------------------------------------------ C

/** The Notion lane's VisibilityTimeout as the local stack created it. */
async function laneVisibilitySeconds(stack: LocalStack): Promise<number | undefined> {
  const url = stack.queueUrls.notionLane;
  if (!url) return undefined;
  const sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
    const v = Number(res.Attributes?.VisibilityTimeout);
    return Number.isFinite(v) ? v : undefined;
  } finally {
    sqs.destroy();
  }
}

async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}

/**
 * The local stack on the sandbox config in a fresh state folder, with none of the person's tokens
 * or poll settings. The config has no publishing demo: the scenarios measure the contact sync alone
 * (the Newsletters database would add its rows to the run and a publishing pass to the lane).
 */
export async function startSandboxBenchStack(o: {
  rows: number;
  workers?: number;
}): Promise<{ stack: LocalStack; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tajo-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  delete env.TAJO_LOCAL_POLL_MINUTES;
  const configPath = join(dir, 'tajo.yaml');
  await writeFile(configPath, sandboxConfigYaml());
  const stack = await startLocalStack({
    port: 0,
    stateDir: dir,
    configPath,
    env,
    sandboxRows: o.rows,
    ...(o.workers !== undefined ? { laneConcurrency: o.workers } : {}),
    log: () => undefined,
  }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    stack,
    async close() {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** C: the local stack, `workers` lane pollers, one integration, a full sync plus competing requests. */
export async function laneScenario(o: BenchOptions): Promise<ScenarioResult> {
  o.progress(`C: starting the local stack (${o.workers} lane pollers, ${o.rows} sandbox rows)`);
  const started = await startSandboxBenchStack({ rows: o.rows, workers: o.workers });
  try {
    const s = started.stack;
    const sandbox = s.sandbox;
    if (!sandbox) throw new Error('the local stack did not start the sandbox simulators');
    sandbox.notion.log.keepBodies = false;
    sandbox.brevo.log.keepBodies = false;
    const n0 = sandbox.notion.log.records.length;
    const b0 = sandbox.brevo.log.records.length;
    const r0 = sandbox.notion.stats().rateLimited;
    const invocations0 = s.runners.notionWorker?.invocations ?? 0;

    o.progress(`C: full sync through the lane, then ${o.extraRequests} more sync requests for the same tenant`);
    const before = new Set((await s.dynamo.store.listRuns(s.tenantId, 'notion', 20)).map((r) => r.runId));
    const wallStart = Date.now();
    // syncAndWait resolves with the newest run once it is finished, which is not necessarily the
    // run it queued when other runs start meanwhile: the full run is looked up by mode below.
    const queued = s.syncAndWait('full', 240_000);
    // Once the full run holds the lane, the other pollers get requests for the same integration.
    await waitFor('the full run to start', 60_000, async () =>
      (await s.dynamo.store.listRuns(s.tenantId, 'notion', 10)).find((r) => r.status === 'running'),
    );
    const accepted: number[] = [];
    for (let i = 0; i < o.extraRequests; i++) {
      const res = await fetch(`${s.url}/tenants/${s.tenantId}/connections/notion/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      accepted.push(res.status);
      await res.body?.cancel();
    }
    await queued;
    o.progress('C: waiting for the lane to drain');
    const expectedRuns = 1 + accepted.filter((st) => st === 202).length;
    const runs = await waitFor('the lane to go idle', 120_000, async () => {
      const list = (await s.dynamo.store.listRuns(s.tenantId, 'notion', 20)).filter((r) => !before.has(r.runId));
      const idle = list.length >= expectedRuns && list.every((r) => r.status !== 'running');
      return idle && !s.runners.notionWorker?.busy ? list : undefined;
    });
    const wallEnd = Date.now();
    const fullRun = runs.find((r) => r.mode === 'full');
    if (!fullRun) throw new Error('the lane ran no full sync');

    const notionRecords = sandbox.notion.log.records.slice(n0);
    const brevoRecords = sandbox.brevo.log.records.slice(b0);
    const notion429 = sandbox.notion.stats().rateLimited - r0;
    const fStart = Date.parse(fullRun.startedAt);
    const fEnd = fullRun.finishedAt ? Date.parse(fullRun.finishedAt) : wallEnd;
    const inFull = (r: RequestRecord) => r.at >= fStart && r.at <= fEnd;
    const fullBrevo = brevoFigures(brevoRecords.filter(inFull), fullRun.summary.upserted);
    const fRate = rate(fullRun.summary.pagesRead, fullRun.summary.durationMs);
    const list = sandbox.brevo.lists().find((l) => l.name === SANDBOX_LIST);
    const members = list ? sandbox.brevo.listMembers(list.id).length : 0;
    const ordered = [...runs].sort((x, y) => x.startedAt.localeCompare(y.startedAt));
    // Runs whose [start, finish] overlap: a FIFO lane should never run two at once.
    let overlapping = 0;
    for (let i = 1; i < ordered.length; i++) {
      const prev = ordered[i - 1] as RunRecord;
      const cur = ordered[i] as RunRecord;
      if (prev.finishedAt && Date.parse(cur.startedAt) < Date.parse(prev.finishedAt)) overlapping += 1;
    }
    const laneRows = runs.reduce((acc, r) => acc + r.summary.pagesRead, 0);
    // What the runs say they did against what the simulators saw: a step that runs twice (a lane
    // message redelivered while its first delivery is still working) shows up as unaccounted calls.
    const accountedNotion = runs.reduce((acc, r) => acc + (r.summary.notionRequests ?? 0), 0);
    const imports = brevoRecords.filter((r) => r.route === BREVO_IMPORT_ROUTE).length;
    const importingRuns = runs.filter((r) => r.summary.upserted > DEFAULT_SYNC_OPTIONS.upsertThreshold).length;
    const invocations = (s.runners.notionWorker?.invocations ?? 0) - invocations0;
    const visibility = await laneVisibilitySeconds(s);
    const others = ordered.filter((r) => r.runId !== fullRun.runId);

    return {
      id: 'C',
      title: `full sync, ${o.rows} rows, ${o.workers} workers + ${o.extraRequests} competing requests`,
      mode: 'full',
      workers: o.workers,
      rowsRead: fullRun.summary.pagesRead,
      upserted: fullRun.summary.upserted,
      unchanged: fullRun.summary.unchanged,
      failed: fullRun.summary.failed,
      durationMs: fullRun.summary.durationMs,
      ...fRate,
      // Notion figures cover the whole lane (every run): 429s anywhere count against the goal.
      notion: { requests: notionRecords.length, rateLimited: notion429, byRoute: countByRoute(notionRecords) },
      brevo: fullBrevo,
      goals: fullSyncGoals(fRate.ceilingRatio, notion429, fullBrevo.perTenThousandExcludingSetup),
      checks: [
        {
          name: 'full run succeeded',
          pass: fullRun.status === 'succeeded',
          detail: `full run ${fullRun.status}${fullRun.error ? `: ${fullRun.error}` : ''}`,
        },
        {
          name: 'every row read and written',
          pass: fullRun.summary.pagesRead === o.rows && fullRun.summary.upserted === o.rows,
          detail: `read ${fullRun.summary.pagesRead}, written ${fullRun.summary.upserted} of ${o.rows}`,
        },
        {
          name: 'the Brevo list holds every contact',
          pass: members === o.rows,
          detail: `list "${SANDBOX_LIST}" has ${members} members, expected ${o.rows}`,
        },
        {
          name: 'every sync request became a run',
          pass: runs.length === expectedRuns && accepted.every((st) => st === 202),
          detail: `${runs.length} runs for ${expectedRuns} requests accepted (HTTP ${accepted.join(', ')})`,
        },
        {
          name: 'runs of one integration never overlap',
          pass: overlapping === 0,
          detail: `${overlapping} runs started before the previous one finished`,
        },
        {
          name: 'every Notion request belongs to a run',
          pass: notionRecords.length === accountedNotion,
          detail: `the simulator saw ${notionRecords.length} Notion requests, the run records account for ${accountedNotion} (a lane step ran more than once?)`,
        },
        {
          name: 'one Brevo import per importing run',
          pass: imports === importingRuns,
          detail: `${imports} Brevo imports for ${importingRuns} run(s) that import`,
        },
        {
          name: 'one worker invocation per run (each run is one step here)',
          pass: invocations === runs.length,
          detail: `${invocations} worker invocations for ${runs.length} runs (a lane message was delivered again while in flight?)`,
        },
        {
          name: 'every run succeeded',
          pass: runs.every((r) => r.status === 'succeeded'),
          detail: runs
            .filter((r) => r.status !== 'succeeded')
            .map((r) => `${r.mode} ${r.status}: ${r.error ?? ''}`)
            .join('; '),
        },
      ],
      breakdown: breakdown({
        start: fStart,
        end: fEnd,
        rows: fullRun.summary.pagesRead,
        notion: notionRecords,
        brevo: brevoRecords,
      }),
      runs: ordered.map(brief),
      notes: [
        `Lane: ${runs.length} runs (${others.map((r) => `${r.mode} ${r.summary.pagesRead} rows / ${r.summary.notionRequests} Notion req`).join(', ') || 'none besides the full run'}), ${laneRows} rows read in ${round((wallEnd - wallStart) / 1000, 1)} s from the first request to an idle lane; ${invocations} worker invocations; ${overlapping} overlapping runs.`,
        `Notion figures (requests, 429s) cover the whole lane; rows/s and Brevo figures are the full run's. Peak Notion requests in any 1 s window (by response time): ${peakRate(notionRecords)}.`,
        `The lane queue's visibility timeout is ${visibility ?? '?'} s; the full run's single step took ${round(fullRun.summary.durationMs / 1000, 1)} s.${invocations > runs.length ? ' More invocations than runs: a step was delivered twice.' : ''}`,
        `The full run's duration counts from its start in the worker (queue latency before it excluded); the stack seeds one row per minute of edit time.`,
      ],
    };
  } finally {
    await started.close();
  }
}
