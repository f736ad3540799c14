/**
 * `npm run bench`: a full sync of a 10,000-row Notion database into Brevo through the simulators at
 * their documented limits, an incremental run after 50 edits, and the same full sync through the
 * local stack with four workers on one integration. Writes bench/results/notion-sync.{json,md} and
 * prints the table. A missed goal is a measurement, not a failure: the exit code stays 0 (it is
 * non-zero only when the benchmark itself could not run).
 *
 * Environment (for quick local iterations only; the published figures use the defaults):
 *   BENCH_ROWS (10000), BENCH_EDITS (50), BENCH_WORKERS (4), BENCH_SKIP_LANE=1 (A and B only).
 */
import { join } from 'node:path';
import { CEILING_ROWS_PER_SECOND, NOTION_PACER_MS } from './measure';
import { type BenchOptions, laneScenario, singleWorkerScenarios } from './notion-sync';
import { consoleTable, GOALS, makeReport, type ScenarioResult, writeResults } from './report';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const started = Date.now();
  const options: BenchOptions = {
    rows: intEnv('BENCH_ROWS', 10_000),
    edits: intEnv('BENCH_EDITS', 50),
    workers: intEnv('BENCH_WORKERS', 4),
    extraRequests: 3,
    progress: (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`),
  };
  const scenarios: ScenarioResult[] = [];
  scenarios.push(...(await singleWorkerScenarios(options)));
  const errors: string[] = [];
  if (process.env.BENCH_SKIP_LANE !== '1') {
    try {
      scenarios.push(await laneScenario(options));
    } catch (err) {
      // A and B still get written; the failure is part of the results.
      errors.push(`C (local stack, ${options.workers} workers): ${(err as Error).message}`);
      options.progress(`C failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  const report = makeReport(scenarios, Date.now() - started, {
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
  });
  report.errors = errors;
  report.missed.push(...errors.map((e) => `${e} (scenario did not complete)`));
  const files = await writeResults(join(__dirname, 'results'), report);
  process.stdout.write(`\n${consoleTable(report)}\n\n`);
  if (report.missed.length > 0) {
    process.stdout.write(
      `MISSED ${report.missed.length} goal(s):\n${report.missed.map((m) => `  MISSED ${m}`).join('\n')}\n`,
    );
  } else {
    process.stdout.write('All goals met.\n');
  }
  process.stdout.write(`Results: ${files.json}, ${files.md}\n`);
  if (errors.length > 0) process.exitCode = 1;
}

main().then(
  // Stray keep-alive sockets of the SDK clients must not keep the process up after the figures.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
