/** Result shapes, goal checks and the Markdown / console table of the benchmark. */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { Breakdown } from './measure';
import { round } from './measure';

export interface Goal {
  name: string;
  target: string;
  value: number | null;
  pass: boolean;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface RunBrief {
  runId: string;
  mode: 'full' | 'incremental';
  status: string;
  startedAt: string;
  finishedAt?: string;
  pagesRead: number;
  upserted: number;
  notionRequests: number;
  brevoRequests: number;
  rateLimited: number;
  durationMs: number;
  error?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  mode: 'full' | 'incremental';
  workers: number;
  rowsRead: number;
  upserted: number;
  unchanged: number;
  failed: number;
  durationMs: number;
  rowsPerSecond: number;
  ceilingRatio: number;
  notion: { requests: number; rateLimited: number; byRoute: Record<string, number> };
  brevo: {
    requests: number;
    rateLimited: number;
    byRoute: Record<string, number>;
    /** One-time list lookup/creation of a first run (not a per-10k cost). */
    setupRequests: number;
    perTenThousand: number | null;
    perTenThousandExcludingSetup: number | null;
  };
  goals: Goal[];
  checks: Check[];
  breakdown?: Breakdown;
  runs?: RunBrief[];
  notes: string[];
}

export interface BenchReport {
  benchmark: 'notion-sync';
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMs: number;
  settings: Record<string, unknown>;
  scenarios: ScenarioResult[];
  missed: string[];
  /** Scenarios that could not run to the end (the benchmark exits 1 then). */
  errors: string[];
}

export const GOALS = {
  ceilingRatio: 0.95,
  notion429: 0,
  brevoPerTenThousand: 5,
  incrementalNotionRequests: 3,
};

export function goal(name: string, target: string, value: number | null, pass: boolean): Goal {
  return { name, target, value, pass };
}

export function makeReport(
  scenarios: ScenarioResult[],
  totalMs: number,
  settings: Record<string, unknown>,
): BenchReport {
  const missed = scenarios.flatMap((s) =>
    s.goals.filter((g) => !g.pass).map((g) => `${s.id} ${g.name}: ${g.value ?? 'n/a'} (goal ${g.target})`),
  );
  return {
    benchmark: 'notion-sync',
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMs: Math.round(totalMs),
    settings,
    scenarios,
    missed,
    errors: [],
  };
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? 'n/a' : String(round(v, digits));

export function markdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Notion → Brevo sync benchmark`);
  lines.push('');
  lines.push(
    `${r.date} · Node ${r.node} · ${r.cpus} × ${r.cpuModel} · ${r.platform} · total ${fmt(r.totalMs / 1000, 1)} s`,
  );
  lines.push('');
  lines.push(
    'Simulators at their default limits: Notion 3 req/s per token (burst 3); Brevo 10 req/s on contacts, ' +
      '100/h elsewhere, imports processed in 200 ms. Ceiling: 3 req/s × 100 rows = 300 rows/s.',
  );
  lines.push('');
  lines.push(
    '| Scenario | Rows read | Written | Duration (s) | Rows/s | Ratio to 300 | Notion req | Notion 429 | Brevo req | Brevo /10k (excl. list setup) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.scenarios) {
    lines.push(
      `| ${s.id}. ${s.title} | ${s.rowsRead} | ${s.upserted} | ${fmt(s.durationMs / 1000, 2)} | ${fmt(s.rowsPerSecond, 1)} | ${fmt(s.ceilingRatio, 3)} | ${s.notion.requests} | ${s.notion.rateLimited} | ${s.brevo.requests} | ${fmt(s.brevo.perTenThousand, 1)} (${fmt(s.brevo.perTenThousandExcludingSetup, 1)}) |`,
    );
  }
  lines.push('');
  lines.push('## Goals');
  lines.push('');
  lines.push('| Scenario | Goal | Target | Measured | Result |');
  lines.push('|---|---|---|---:|---|');
  for (const s of r.scenarios) {
    for (const g of s.goals) {
      lines.push(`| ${s.id} | ${g.name} | ${g.target} | ${fmt(g.value, 3)} | ${g.pass ? 'met' : '**MISSED**'} |`);
    }
  }
  const failedChecks = r.scenarios.flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => `${s.id}: ${c.detail}`));
  if (failedChecks.length > 0) {
    lines.push('');
    lines.push('## Correctness checks that FAILED (the figures above may not mean what they say)');
    lines.push('');
    for (const c of failedChecks) lines.push(`- ${c}`);
  }
  lines.push('');
  lines.push('## Where the time went');
  for (const s of r.scenarios) {
    if (!s.breakdown) continue;
    const b = s.breakdown;
    lines.push('');
    lines.push(
      `**${s.id}. ${s.title}**: ${fmt(s.durationMs / 1000, 2)} s; at 300 rows/s it would take ${fmt(b.idealMs / 1000, 2)} s ` +
        `(loss ${fmt(b.lossMs / 1000, 2)} s); the client's own Notion pacing floor is ${fmt(b.pacingFloorMs / 1000, 2)} s.`,
    );
    lines.push('');
    for (const seg of b.segments) lines.push(`- ${fmt(seg.ms / 1000, 3)} s: ${seg.label}`);
    if (b.prepare) {
      const p = b.prepare;
      lines.push(
        `- Before the first query: ${p.brevoRequests} Brevo requests (last answered at ${fmt(p.brevoDoneAtMs / 1000, 3)} s) and ${p.notionRequests} Notion metadata requests; the first query answered at ${fmt(p.firstQueryAtMs / 1000, 3)} s`,
      );
    }
    if (b.notionSpacing) {
      const n = b.notionSpacing;
      lines.push(
        `- Notion request spacing while reading: mean ${n.meanMs} ms, p50 ${n.p50Ms}, p95 ${n.p95Ms}, max ${n.maxMs} ms; ${n.over500Ms} gaps > 500 ms`,
      );
    }
    if (b.storeAfterImport && Object.keys(b.storeAfterImport).length > 0) {
      lines.push(
        `- DynamoDB after the import: ${Object.entries(b.storeAfterImport)
          .map(([m, t]) => `${m} ${t.calls}× ${fmt(t.ms / 1000, 3)} s`)
          .join(', ')}`,
      );
    }
  }
  const notes = r.scenarios.flatMap((s) => s.notes.map((n) => `- ${s.id}: ${n}`));
  if (notes.length > 0) {
    lines.push('');
    lines.push('## Notes');
    lines.push('');
    lines.push(...notes);
  }
  if (r.missed.length > 0) {
    lines.push('');
    lines.push('## MISSED');
    lines.push('');
    for (const m of r.missed) lines.push(`- MISSED ${m}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The short console table. */
export function consoleTable(r: BenchReport): string {
  const head = ['Scenario', 'Rows', 'Dur s', 'Rows/s', 'Ratio', 'N req', 'N 429', 'B req', 'B/10k*'];
  const rows = r.scenarios.map((s) => [
    `${s.id}. ${s.title}`,
    String(s.rowsRead),
    fmt(s.durationMs / 1000, 2),
    fmt(s.rowsPerSecond, 1),
    fmt(s.ceilingRatio, 3),
    String(s.notion.requests),
    String(s.notion.rateLimited),
    String(s.brevo.requests),
    fmt(s.brevo.perTenThousandExcludingSetup, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push("* Brevo requests per 10,000 contacts written, without the first run's one-time list lookup/creation");
  out.push('');
  for (const s of r.scenarios) {
    for (const g of s.goals) {
      out.push(`${s.id}  ${g.pass ? 'ok    ' : 'MISSED'}  ${g.name}: ${fmt(g.value, 3)} (goal ${g.target})`);
    }
    for (const c of s.checks.filter((x) => !x.pass)) out.push(`${s.id}  CHECK FAILED  ${c.detail}`);
  }
  return out.join('\n');
}

export async function writeResults(dir: string, r: BenchReport): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'notion-sync.json');
  const md = join(dir, 'notion-sync.md');
  await writeFile(json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(md, markdown(r));
  return { json, md };
}
