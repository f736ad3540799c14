/**
 * `npm run bench`: a full sync of a 10,000-row Notion database into Brevo through the simulators at
 * their documented limits, an incremental run after 50 edits, and the same full sync through the
 * local stack with four workers on one integration. Writes bench/results/notion-sync.{json,md} and
 * prints the table. A missed goal is a measurement, not a failure: the exit code stays 0 (it is
 * non-zero only when the benchmark itself could not run).
 *
 * Then the Brevo → Slack notification path on a fresh local stack: (D) a burst of single-event
 * webhooks for one channel (ingress ack latency, delivery at Slack's 1 msg/s per channel) and (E) the
 * same events as one batched delivery; a section of the same results and table.
 *
 * Environment (for quick local iterations only; the published figures use the defaults):
 *   BENCH_ROWS (10000), BENCH_EDITS (50), BENCH_WORKERS (4), BENCH_SKIP_LANE=1 (A and B only),
 *   BENCH_SLACK_EVENTS (200), BENCH_SKIP_SLACK=1 (no D/E), BENCH_ONLY=slack (D and E only, written
 *   to bench/results/slack-notifications.{json,md} so the full results are left as they are).
 *
 * Then the page import (F: ours, G: notion-to-md on the same 50 nested pages, 3 req/s), written to
 * bench/results/notion-import.{json,md}: BENCH_ONLY=import runs it alone, BENCH_SKIP_IMPORT=1 leaves
 * it out, BENCH_IMPORT_PAGES (50) sets the tree's size.
 *
 * Then the webhook load (H: 200 valid Brevo webhooks/s for 60 s on a fresh local stack, then the
 * wait until every event is processed), written to bench/results/webhook-load.{json,md}:
 * BENCH_ONLY=load runs it alone, BENCH_SKIP_LOAD=1 leaves it out; BENCH_LOAD_RATE (200),
 * BENCH_LOAD_SECONDS (60), BENCH_LOAD_DRAIN_SECONDS (600).
 *
 * Platform webhooks (I: signed Shopify deliveries at 50/s for 20 s on a fresh local stack, one in
 * ten a retry; ack latency, then every distinct delivery written to Brevo once), written to
 * bench/results/platform-webhooks.{json,md}: BENCH_ONLY=platform-webhooks runs it alone (it is not
 * part of the full run); BENCH_PLATFORM_RATE (50), BENCH_PLATFORM_SECONDS (20),
 * BENCH_PLATFORM_DRAIN_SECONDS (300).
 *
 * Platform sync (P: 10,000 customers of a definition-backed platform → Brevo through the real
 * engine, the platform API enforcing the definition's 4 req/s and its cursors; then an unchanged
 * incremental run), written to bench/results/platform-sync.{json,md}: BENCH_ONLY=platform-sync runs
 * it alone, BENCH_SKIP_PLATFORM=1 leaves it out of the full run; BENCH_PLATFORM_CUSTOMERS (10000).
 *
 * Shared Notion pacing (S: SDK queries through the API beside a full lane sync on the local stack,
 * one integration's schedule for both), written to bench/results/notion-shared-pacing.{json,md}:
 * BENCH_ONLY=notion-shared runs it alone, BENCH_SKIP_SHARED=1 leaves it out; BENCH_ROWS sets its rows.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { CEILING_ROWS_PER_SECOND, NOTION_PACER_MS } from './measure';
import {
  type ImportToolResult,
  importConsoleTable,
  importMarkdown,
  importReport,
  importScenarios,
} from './notion-import';
import {
  SHARED_PACING_GOALS,
  sharedPacingMarkdown,
  sharedPacingMissed,
  sharedPacingScenario,
} from './notion-shared-pacing';
import { type BenchOptions, laneScenario, singleWorkerScenarios } from './notion-sync';
import {
  PLATFORM_RPS,
  PLATFORM_SYNC_GOALS,
  platformSyncConsoleTable,
  platformSyncMarkdown,
  platformSyncMissed,
  platformSyncScenario,
} from './platform-sync';
import {
  PLATFORM_GOALS,
  platformConsoleTable,
  platformMarkdown,
  platformMissed,
  platformWebhookScenario,
} from './platform-webhooks';
import {
  type BenchReport,
  consoleTable,
  GOALS,
  makeReport,
  markdown,
  type ScenarioResult,
  writeResults,
} from './report';
import {
  SLACK_GOALS,
  type SlackBenchOptions,
  type SlackScenarioResult,
  slackConsoleTable,
  slackMarkdown,
  slackMissed,
  slackScenarios,
} from './slack-notifications';
import { LOAD_GOALS, loadConsoleTable, loadMarkdown, loadMissed, webhookLoadScenario } from './webhook-load';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

/** The Slack section goes before the report's closing MISSED list (or at the end). */
function withSlackSection(md: string, section: string): string {
  const at = md.indexOf('\n## MISSED\n');
  return at < 0 ? `${md.trimEnd()}\n\n${section}` : `${md.slice(0, at)}\n${section}${md.slice(at)}`;
}

/** F and G (page import): their own result files, whatever else ran. Returns the console lines. */
async function runImportBench(progress: (line: string) => void): Promise<{ table: string; errors: string[] }> {
  const pages = intEnv('BENCH_IMPORT_PAGES', 50);
  const errors: string[] = [];
  const results: ImportToolResult[] = [];
  try {
    results.push(...(await importScenarios({ pages, progress })));
  } catch (err) {
    errors.push(`F/G (page import): ${(err as Error).message}`);
    progress(`F/G failed: ${(err as Error).stack ?? String(err)}`);
  }
  const report = importReport(results, errors, { pages, fanout: 4, notionPerSecond: 3, notionBurst: 3 });
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'notion-import.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'notion-import.md'), importMarkdown(report));
  progress(`import results: ${join(dir, 'notion-import.json')}, ${join(dir, 'notion-import.md')}`);
  return { table: importConsoleTable(results), errors };
}

/** The head of a result file: which benchmark, when, on what, with which settings. */
function resultHead(benchmark: string, settings: Record<string, unknown>) {
  return {
    benchmark,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    settings,
  };
}

type BenchOutcome = { table: string; errors: string[]; missed: string[] };

/**
 * Runs one benchmark with its own result files, `bench/results/<file>.{json,md}`: the JSON holds the
 * head, the result and the missed goals; the Markdown a title, the head's line, the section and the
 * missed goals. A benchmark that throws is an error of the run, with nothing written.
 */
async function runOwnFiles<R>(
  o: {
    id: string;
    file: string;
    title: string;
    head: ReturnType<typeof resultHead>;
    progress: (line: string) => void;
  },
  run: () => Promise<R>,
  present: { missed(r: R): string[]; markdown(r: R): string; table(r: R): string },
): Promise<BenchOutcome> {
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  try {
    const result = await run();
    const missed = present.missed(result);
    const { head } = o;
    const json = join(dir, `${o.file}.json`);
    const md = join(dir, `${o.file}.md`);
    await writeFile(json, `${JSON.stringify({ ...head, result, missed }, null, 2)}\n`);
    const missedSection = missed.length > 0 ? `\n## MISSED\n\n${missed.map((m) => `- MISSED ${m}`).join('\n')}\n` : '';
    await writeFile(
      md,
      `# ${o.title}\n\n${head.date} · Node ${head.node} · ${head.cpus} × ${head.cpuModel} · ${head.platform}\n\n${present.markdown(result)}${missedSection}`,
    );
    o.progress(`${o.id} results: ${json}, ${md}`);
    return { table: present.table(result), errors: [], missed };
  } catch (err) {
    o.progress(`${o.id} failed: ${(err as Error).stack ?? String(err)}`);
    return { table: '', errors: [`${o.id} (${o.title}): ${(err as Error).message}`], missed: [] };
  }
}

/** H (webhook load). */
async function runLoadBench(progress: (line: string) => void): Promise<BenchOutcome> {
  const options = {
    rate: intEnv('BENCH_LOAD_RATE', 200),
    seconds: intEnv('BENCH_LOAD_SECONDS', 60),
    drainSeconds: intEnv('BENCH_LOAD_DRAIN_SECONDS', 600),
    progress,
  };
  const head = resultHead('webhook-load', { ...options, progress: undefined, goals: LOAD_GOALS, laneConcurrency: 2 });
  return runOwnFiles(
    { id: 'H', file: 'webhook-load', title: 'Webhook load benchmark', head, progress },
    () => webhookLoadScenario(options),
    { missed: loadMissed, markdown: loadMarkdown, table: loadConsoleTable },
  );
}

/** I (platform webhooks). */
async function runPlatformWebhookBench(progress: (line: string) => void): Promise<BenchOutcome> {
  const options = {
    rate: intEnv('BENCH_PLATFORM_RATE', 50),
    seconds: intEnv('BENCH_PLATFORM_SECONDS', 20),
    drainSeconds: intEnv('BENCH_PLATFORM_DRAIN_SECONDS', 300),
    progress,
  };
  const head = resultHead('platform-webhooks', {
    ...options,
    progress: undefined,
    goals: PLATFORM_GOALS,
    laneConcurrency: 2,
  });
  return runOwnFiles(
    { id: 'I', file: 'platform-webhooks', title: 'Platform webhooks benchmark', head, progress },
    () => platformWebhookScenario(options),
    { missed: platformMissed, markdown: platformMarkdown, table: platformConsoleTable },
  );
}

/** P (platform sync). */
async function runPlatformSyncBench(progress: (line: string) => void): Promise<BenchOutcome> {
  const options = { customers: intEnv('BENCH_PLATFORM_CUSTOMERS', 10_000), progress };
  const head = resultHead('platform-sync', {
    customers: options.customers,
    requestsPerSecond: PLATFORM_RPS,
    pageSize: 100,
    goals: PLATFORM_SYNC_GOALS,
    simulators: {
      platform: { perSecond: PLATFORM_RPS, burst: PLATFORM_RPS, cursors: 'opaque, single use' },
      brevo: { contactsPerSecond: 10, otherPerHour: 100, importProcessingMs: 200 },
    },
  });
  return runOwnFiles(
    { id: 'P', file: 'platform-sync', title: 'Platform sync benchmark', head, progress },
    () => platformSyncScenario(options),
    { missed: platformSyncMissed, markdown: platformSyncMarkdown, table: platformSyncConsoleTable },
  );
}

/** S (SDK queries beside a lane sync, one integration's schedule). */
async function runSharedPacingBench(progress: (line: string) => void): Promise<BenchOutcome> {
  const rows = intEnv('BENCH_ROWS', 10_000);
  const head = resultHead('notion-shared-pacing', {
    rows,
    notionPacerMs: NOTION_PACER_MS,
    goals: SHARED_PACING_GOALS,
    simulators: { notion: { perSecond: 3, burst: 3 } },
  });
  return runOwnFiles(
    { id: 'S', file: 'notion-shared-pacing', title: 'Shared Notion pacing benchmark', head, progress },
    () => sharedPacingScenario({ rows, progress }),
    { missed: sharedPacingMissed, markdown: sharedPacingMarkdown, table: sharedPacingMarkdown },
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.env.BENCH_ONLY;
  const ONLY = ['slack', 'import', 'load', 'platform-webhooks', 'platform-sync', 'notion-shared'];
  if (only !== undefined && !ONLY.includes(only)) {
    throw new Error(`BENCH_ONLY must be one of ${ONLY.map((o) => `"${o}"`).join(', ')}, got ${only}`);
  }
  if (only === 'notion-shared') {
    const out = await runSharedPacingBench((line) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
    );
    process.stdout.write(`\n${out.table}\n`);
    if (out.missed.length > 0) process.stdout.write(`${out.missed.map((m) => `  MISSED ${m}`).join('\n')}\n`);
    if (out.errors.length > 0) process.exitCode = 1;
    return;
  }
  if (only === 'platform-sync') {
    const out = await runPlatformSyncBench((line) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
    );
    process.stdout.write(`\n${out.table}\n`);
    if (out.missed.length > 0) process.stdout.write(`${out.missed.map((m) => `  MISSED ${m}`).join('\n')}\n`);
    if (out.errors.length > 0) process.exitCode = 1;
    return;
  }
  if (only === 'platform-webhooks') {
    const out = await runPlatformWebhookBench((line) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
    );
    process.stdout.write(`\n${out.table}\n`);
    if (out.missed.length > 0) process.stdout.write(`${out.missed.map((m) => `  MISSED ${m}`).join('\n')}\n`);
    if (out.errors.length > 0) process.exitCode = 1;
    return;
  }
  if (only === 'load') {
    const load = await runLoadBench((line) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
    );
    process.stdout.write(`\n${load.table}\n`);
    if (load.missed.length > 0) process.stdout.write(`${load.missed.map((m) => `  MISSED ${m}`).join('\n')}\n`);
    if (load.errors.length > 0) process.exitCode = 1;
    return;
  }
  if (only === 'import') {
    const imported = await runImportBench((line) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
    );
    process.stdout.write(`\n${imported.table}\n`);
    if (imported.errors.length > 0) process.exitCode = 1;
    return;
  }
  const runNotion = only !== 'slack';
  const runSlack = process.env.BENCH_SKIP_SLACK !== '1';
  const options: BenchOptions = {
    rows: intEnv('BENCH_ROWS', 10_000),
    edits: intEnv('BENCH_EDITS', 50),
    workers: intEnv('BENCH_WORKERS', 4),
    extraRequests: 3,
    progress: (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
  };
  const slackOptions: SlackBenchOptions = {
    events: intEnv('BENCH_SLACK_EVENTS', 200),
    concurrency: 10,
    warmup: 5,
    progress: options.progress,
  };
  const scenarios: ScenarioResult[] = [];
  const errors: string[] = [];
  if (runNotion) {
    scenarios.push(...(await singleWorkerScenarios(options)));
    if (process.env.BENCH_SKIP_LANE !== '1') {
      try {
        scenarios.push(await laneScenario(options));
      } catch (err) {
        // A and B still get written; the failure is part of the results.
        errors.push(`C (local stack, ${options.workers} workers): ${(err as Error).message}`);
        options.progress(`C failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }
  const slack: SlackScenarioResult[] = [];
  const slackErrors: string[] = [];
  if (runSlack) {
    try {
      slack.push(...(await slackScenarios(slackOptions)));
    } catch (err) {
      slackErrors.push(`D/E (Slack notifications, local stack): ${(err as Error).message}`);
      options.progress(`D/E failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  const slackSettings = {
    events: slackOptions.events,
    concurrency: slackOptions.concurrency,
    warmupExcluded: slackOptions.warmup,
    laneConcurrency: 2,
    goals: SLACK_GOALS,
    simulator: { chatPostMessagePerChannel: '1/s, burst 1' },
  };
  const missedSlack = [...slackMissed(slack), ...slackErrors.map((e) => `${e} (scenario did not complete)`)];
  let files: { json: string; md: string };
  let table: string;
  let missed: string[];
  if (runNotion) {
    const report: BenchReport & { slack?: SlackScenarioResult[]; slackSettings?: Record<string, unknown> } = makeReport(
      scenarios,
      Date.now() - started,
      {
        rows: options.rows,
        edits: options.edits,
        workers: options.workers,
        extraRequests: options.extraRequests,
        ceilingRowsPerSecond: CEILING_ROWS_PER_SECOND,
        notionPacerMs: NOTION_PACER_MS,
        goals: GOALS,
        simulators: {
          notion: { perSecond: 3, burst: 3, queryCap: 10_000 },
          brevo: { contactsPerSecond: 10, otherPerHour: 100, importProcessingMs: 200 },
        },
        seed: 'A/B: seedSandbox stepMs 1000 (one edit per second); C: local stack sandbox (one per minute)',
      },
    );
    report.errors = [...errors, ...slackErrors];
    report.missed.push(...errors.map((e) => `${e} (scenario did not complete)`), ...missedSlack);
    if (runSlack) {
      report.slack = slack;
      report.slackSettings = slackSettings;
    }
    files = await writeResults(join(__dirname, 'results'), report);
    if (runSlack) await writeFile(files.md, withSlackSection(markdown(report), slackMarkdown(slack, slackErrors)));
    table = consoleTable(report);
    missed = report.missed;
  } else {
    // D and E alone: their own files, so the published Notion figures are not overwritten.
    const dir = join(__dirname, 'results');
    await mkdir(dir, { recursive: true });
    const report = {
      benchmark: 'slack-notifications',
      date: new Date().toISOString(),
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMs: Date.now() - started,
      settings: slackSettings,
      slack,
      missed: missedSlack,
      errors: slackErrors,
    };
    files = { json: join(dir, 'slack-notifications.json'), md: join(dir, 'slack-notifications.md') };
    await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
    const head = `# Brevo → Slack notifications benchmark\n\n${report.date} · Node ${report.node} · ${report.cpus} × ${report.cpuModel} · ${report.platform} · total ${(report.totalMs / 1000).toFixed(1)} s\n\n`;
    const tail = missedSlack.length > 0 ? `\n## MISSED\n\n${missedSlack.map((m) => `- MISSED ${m}`).join('\n')}\n` : '';
    await writeFile(files.md, `${head}${slackMarkdown(slack, slackErrors)}${tail}`);
    table = '';
    missed = missedSlack;
  }
  if (runSlack && slack.length > 0)
    table = table ? `${table}\n\n${slackConsoleTable(slack)}` : slackConsoleTable(slack);
  if (process.env.BENCH_SKIP_IMPORT !== '1') {
    const imported = await runImportBench(options.progress);
    table = `${table}\n\n${imported.table}`;
    errors.push(...imported.errors);
  }
  if (process.env.BENCH_SKIP_LOAD !== '1') {
    const load = await runLoadBench(options.progress);
    table = `${table}\n\n${load.table}`;
    errors.push(...load.errors);
    missed.push(...load.missed);
  }
  if (process.env.BENCH_SKIP_SHARED !== '1') {
    const shared = await runSharedPacingBench(options.progress);
    table = `${table}\n\n${shared.table}`;
    errors.push(...shared.errors);
    missed.push(...shared.missed);
  }
  if (process.env.BENCH_SKIP_PLATFORM !== '1') {
    const platformSync = await runPlatformSyncBench(options.progress);
    table = `${table}\n\n${platformSync.table}`;
    errors.push(...platformSync.errors);
    missed.push(...platformSync.missed);
  }
  process.stdout.write(`\n${table}\n\n`);
  if (missed.length > 0) {
    process.stdout.write(`MISSED ${missed.length} goal(s):\n${missed.map((m) => `  MISSED ${m}`).join('\n')}\n`);
  } else {
    process.stdout.write('All goals met.\n');
  }
  process.stdout.write(`Results: ${files.json}, ${files.md}\n`);
  if (errors.length > 0 || slackErrors.length > 0) process.exitCode = 1;
}

main().then(
  // Stray keep-alive sockets of the SDK clients must not keep the process up after the figures.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
