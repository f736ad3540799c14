/**
 * S: the SDK's Notion queries beside a lane sync, on the local stack (the API and the Notion worker
 * are separate function bundles, each with its own in-process pacer, as Lambda containers are).
 * A full sync of the sandbox database runs in the lane while a client calls
 * `POST .../connections/notion/query` one query after another. Both take their call slots from the
 * integration's schedule in DynamoDB (core/ratelimit/shared-pacer.ts); the Notion simulator keeps
 * its documented limit (3 req/s, burst 3) and answers 429 past it.
 *
 * Measured over the full run: Notion's 429s (goal 0), the lane's and the SDK's calls per second
 * together against the pacer's ceiling (1000 / 334 ms: goal ≥ 0.95, the schedule is used, not
 * wasted), the peak in any one second, the queries' latency, and the lane's rows/s (lower than
 * scenario C's by the share the queries take).
 */
import { SANDBOX_DATABASE_ID } from '../sandbox/sandbox';
import { CEILING_ROWS_PER_SECOND, NOTION_PACER_MS, NOTION_QUERY_ROUTE, peakRate, round } from './measure';
import { startSandboxBenchStack } from './notion-sync';

export interface SharedPacingResult {
  rows: number;
  run: { status: string; pagesRead: number; upserted: number; durationMs: number; notionRequests: number };
  queries: {
    sent: number;
    answered: number;
    refused: Record<string, number>;
    p50Ms: number;
    p95Ms: number;
    maxMs: number;
  };
  notion: {
    /** Every Notion request the simulator saw while the full run ran (the lane's and the SDK's). */
    requests: number;
    laneRequests: number;
    sdkRequests: number;
    rateLimited: number;
    perSecond: number;
    ceilingRatio: number;
    peakInOneSecond: number;
  };
  laneRowsPerSecond: number;
  laneCeilingRatio: number;
}

export const SHARED_PACING_GOALS = { notion429: 0, ceilingRatio: 0.95, queriesAnswered: 1 } as const;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function sharedPacingScenario(o: {
  rows: number;
  progress: (line: string) => void;
}): Promise<SharedPacingResult> {
  o.progress(`S: starting the local stack (${o.rows} sandbox rows)`);
  const started = await startSandboxBenchStack({ rows: o.rows });
  try {
    const s = started.stack;
    const sandbox = s.sandbox;
    if (!sandbox) throw new Error('the local stack did not start the sandbox simulators');
    sandbox.notion.log.keepBodies = false;
    const n0 = sandbox.notion.log.records.length;
    const r0 = sandbox.notion.stats().rateLimited;

    o.progress('S: full sync through the lane, SDK queries through the API meanwhile');
    const finished = s.syncAndWait('full', 300_000);
    let done = false;
    void finished.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const latencies: number[] = [];
    const refused: Record<string, number> = {};
    let sent = 0;
    // Queries start once the run holds the lane, and go on one after another until it ends.
    while (!done && (await s.dynamo.store.listRuns(s.tenantId, 'notion', 5)).every((r) => r.status !== 'running')) {
      await new Promise((r) => setTimeout(r, 50));
    }
    while (!done) {
      const t0 = Date.now();
      sent += 1;
      const res = await fetch(`${s.url}/tenants/${s.tenantId}/connections/notion/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ databaseId: SANDBOX_DATABASE_ID, pageSize: 10 }),
      });
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(Date.now() - t0);
      else refused[String(res.status)] = (refused[String(res.status)] ?? 0) + 1;
    }
    const run = await finished;
    const start = Date.parse(run.startedAt);
    const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
    const during = sandbox.notion.log.records.slice(n0).filter((r) => r.at >= start && r.at <= end);
    const seconds = (end - start) / 1000;
    const perSecond = seconds > 0 ? during.length / seconds : 0;
    const laneRequests = run.summary.notionRequests ?? 0;
    const sorted = [...latencies].sort((a, b) => a - b);
    const laneRowsPerSecond = run.summary.durationMs > 0 ? (run.summary.pagesRead / run.summary.durationMs) * 1000 : 0;
    return {
      rows: o.rows,
      run: {
        status: run.status,
        pagesRead: run.summary.pagesRead,
        upserted: run.summary.upserted,
        durationMs: run.summary.durationMs,
        notionRequests: laneRequests,
      },
      queries: {
        sent,
        answered: latencies.length,
        refused,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
        maxMs: sorted.at(-1) ?? 0,
      },
      notion: {
        requests: during.length,
        laneRequests,
        sdkRequests: during.length - laneRequests,
        rateLimited: sandbox.notion.stats().rateLimited - r0,
        perSecond: round(perSecond, 3),
        ceilingRatio: round(perSecond / (1000 / NOTION_PACER_MS), 3),
        peakInOneSecond: peakRate(during),
      },
      laneRowsPerSecond: round(laneRowsPerSecond, 1),
      laneCeilingRatio: round(laneRowsPerSecond / CEILING_ROWS_PER_SECOND, 3),
    };
  } finally {
    await started.close();
  }
}

export function sharedPacingMissed(r: SharedPacingResult): string[] {
  const missed: string[] = [];
  if (r.run.status !== 'succeeded') missed.push(`S: the full run ${r.run.status}`);
  if (r.run.pagesRead !== r.rows) missed.push(`S: the run read ${r.run.pagesRead} of ${r.rows} rows`);
  if (r.notion.rateLimited > SHARED_PACING_GOALS.notion429)
    missed.push(`S: Notion 429s ${r.notion.rateLimited} (goal 0)`);
  if (r.notion.ceilingRatio < SHARED_PACING_GOALS.ceilingRatio) {
    missed.push(`S: Notion calls/s ÷ ceiling ${r.notion.ceilingRatio} (goal ≥ ${SHARED_PACING_GOALS.ceilingRatio})`);
  }
  if (r.queries.answered !== r.queries.sent) {
    missed.push(
      `S: ${r.queries.sent - r.queries.answered} of ${r.queries.sent} SDK queries refused (${JSON.stringify(r.queries.refused)})`,
    );
  }
  return missed;
}

export function sharedPacingMarkdown(r: SharedPacingResult): string {
  const rows: [string, string, string][] = [
    ['Notion 429s (lane + SDK)', String(r.notion.rateLimited), `= ${SHARED_PACING_GOALS.notion429}`],
    [
      'Notion calls/s ÷ ceiling (1000 / 334 ms)',
      `${r.notion.ceilingRatio} (${r.notion.perSecond}/s)`,
      `≥ ${SHARED_PACING_GOALS.ceilingRatio}`,
    ],
    ['SDK queries answered', `${r.queries.answered} of ${r.queries.sent}`, 'all'],
  ];
  return [
    `## S: SDK queries beside a lane sync (${r.rows} rows, one integration's schedule)`,
    '',
    '| goal | measured | target |',
    '| --- | --- | --- |',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    `- Full run: ${r.run.status}, ${r.run.pagesRead} read, ${r.run.upserted} written in ${round(r.run.durationMs / 1000, 1)} s (${r.laneRowsPerSecond} rows/s, ${r.laneCeilingRatio} of 300: the queries take their share of the schedule).`,
    `- Notion requests while it ran: ${r.notion.requests} (lane ${r.notion.laneRequests}, SDK ${r.notion.sdkRequests}); peak in any 1 s window ${r.notion.peakInOneSecond} (by response time).`,
    `- SDK query latency: p50 ${r.queries.p50Ms} ms, p95 ${r.queries.p95Ms} ms, max ${r.queries.maxMs} ms (each waits for its slot on the shared schedule).`,
    `- Query route counted: ${NOTION_QUERY_ROUTE}.`,
    '',
  ].join('\n');
}
