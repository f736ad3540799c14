/**
 * Instrumentation for the benchmark: a timing proxy around the state store, and a breakdown of a
 * run's wall time built from the simulators' request logs (every record carries its response time),
 * so the figures say where the time went, not only how much there was.
 */
import type { RequestRecord } from '../sandbox/http-kit';

/** Notion's documented average (3 req/s) × the largest query page (100 rows). */
export const CEILING_ROWS_PER_SECOND = 300;
/** The client's pacer spacing for Notion (shared/connectors/notion/client/gateway.ts NOTION_INTERVAL_MS). */
export const NOTION_PACER_MS = 334;

export const NOTION_QUERY_ROUTE = 'POST /v1/data_sources/:data_source_id/query';
export const BREVO_IMPORT_ROUTE = 'POST /v3/contacts/import';
export const BREVO_PROCESS_ROUTE = 'GET /v3/processes/:id';
/** Brevo calls a first run makes once to find or create its list (cached in the state afterwards). */
export const BREVO_SETUP_ROUTES = new Set([
  'GET /v3/contacts/lists',
  'GET /v3/contacts/folders',
  'POST /v3/contacts/folders',
  'POST /v3/contacts/lists',
]);

export interface Span {
  method: string;
  start: number;
  end: number;
}

/** Times every method call of an object (the DynamoDB repositories: what the sync spends in DynamoDB). */
export class CallTimer {
  readonly spans: Span[] = [];

  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (obj, prop, receiver) => {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const fn = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const start = Date.now();
          const out = fn.apply(obj, args);
          if (out instanceof Promise)
            return out.finally(() => this.spans.push({ method: prop, start, end: Date.now() }));
          this.spans.push({ method: prop, start, end: Date.now() });
          return out;
        };
      },
    });
  }

  totals(from = 0, to = Number.POSITIVE_INFINITY): Record<string, { calls: number; ms: number }> {
    const out: Record<string, { calls: number; ms: number }> = {};
    for (const s of this.spans) {
      if (s.start < from || s.start > to) continue;
      const t = out[s.method] ?? { calls: 0, ms: 0 };
      t.calls += 1;
      t.ms += s.end - s.start;
      out[s.method] = t;
    }
    return out;
  }
}

export function countByRoute(records: RequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.route] = (out[r.route] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export interface Segment {
  label: string;
  ms: number;
}

export interface Breakdown {
  /** The run's rows at exactly 300 rows/s. */
  idealMs: number;
  /** Run time above the ideal: what the ratio loses. */
  lossMs: number;
  /** (Notion requests − 1) × the pacer's 334 ms: the least time the client's own pacing allows. */
  pacingFloorMs: number;
  /** What happens before the first query: setup calls, and when each provider's part ended. */
  prepare?: { brevoRequests: number; brevoDoneAtMs: number; notionRequests: number; firstQueryAtMs: number };
  /** Consecutive, non-overlapping wall-time segments from run start to run end. */
  segments: Segment[];
  /** Spacing between consecutive Notion requests while the rows were read. */
  notionSpacing?: { intervals: number; meanMs: number; p50Ms: number; p95Ms: number; maxMs: number; over500Ms: number };
  /** Time in the state store after Brevo accepted the rows (fingerprints, cursor, run record, sweep). */
  storeAfterImport?: Record<string, { calls: number; ms: number }>;
  /** All state-store time of the run, by method. */
  store?: Record<string, { calls: number; ms: number }>;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * Splits [start, end] at the observable moments of a sync: first and last Notion query, Brevo's
 * acceptance of the import, the last process poll. Records are stamped when the simulator answered.
 */
export function breakdown(args: {
  start: number;
  end: number;
  rows: number;
  notion: RequestRecord[];
  brevo: RequestRecord[];
  timer?: CallTimer;
}): Breakdown {
  const { start, end } = args;
  const inRun = (r: RequestRecord) => r.at >= start && r.at <= end;
  const notion = args.notion.filter(inRun);
  const brevo = args.brevo.filter(inRun);
  const queries = notion.filter((r) => r.route === NOTION_QUERY_ROUTE);
  const firstQ = queries[0]?.at;
  const lastQ = queries.at(-1)?.at;
  const imports = brevo.filter((r) => r.route === BREVO_IMPORT_ROUTE);
  const lastImport = imports.at(-1)?.at;
  const lastPoll = brevo.filter((r) => r.route === BREVO_PROCESS_ROUTE).at(-1)?.at;

  const marks: { at: number | undefined; label: string }[] = [
    { at: start, label: 'prepare: Brevo attributes/lists, Notion database + schema, state reads' },
    { at: firstQ, label: `Notion query pages (${queries.length} requests, paced)` },
    {
      at: lastQ,
      label:
        imports.length > 0 ? 'map the last page, send the Brevo import' : 'after the last query: Brevo writes, state',
    },
    { at: lastImport, label: 'Brevo import processing + process polls' },
    { at: lastPoll, label: 'after the import: DynamoDB fingerprints, cursor, run record, sweep' },
  ];
  const defined = marks.filter((m): m is { at: number; label: string } => m.at !== undefined);
  const segments: Segment[] = defined.map((m, i) => ({
    label: m.label,
    ms: Math.max(0, (defined[i + 1]?.at ?? end) - m.at),
  }));

  let notionSpacing: Breakdown['notionSpacing'];
  const readPhase = notion.filter(
    (r) => firstQ !== undefined && lastQ !== undefined && r.at >= firstQ && r.at <= lastQ,
  );
  if (readPhase.length > 1) {
    const gaps = readPhase.slice(1).map((r, i) => r.at - (readPhase[i] as RequestRecord).at);
    const sorted = [...gaps].sort((a, b) => a - b);
    notionSpacing = {
      intervals: gaps.length,
      meanMs: round(gaps.reduce((a, b) => a + b, 0) / gaps.length, 1),
      p50Ms: quantile(sorted, 0.5),
      p95Ms: quantile(sorted, 0.95),
      maxMs: sorted.at(-1) ?? 0,
      over500Ms: gaps.filter((g) => g > 500).length,
    };
  }
  let prepare: Breakdown['prepare'];
  if (firstQ !== undefined) {
    const brevoBefore = brevo.filter((r) => r.at < firstQ);
    prepare = {
      brevoRequests: brevoBefore.length,
      brevoDoneAtMs: brevoBefore.length > 0 ? (brevoBefore.at(-1) as RequestRecord).at - start : 0,
      notionRequests: notion.filter((r) => r.at < firstQ).length,
      firstQueryAtMs: firstQ - start,
    };
  }
  const idealMs = (args.rows / CEILING_ROWS_PER_SECOND) * 1000;
  return {
    idealMs: Math.round(idealMs),
    lossMs: Math.round(end - start - idealMs),
    pacingFloorMs: Math.max(0, notion.length - 1) * NOTION_PACER_MS,
    prepare,
    segments,
    notionSpacing,
    storeAfterImport: args.timer && lastPoll !== undefined ? args.timer.totals(lastPoll, end) : undefined,
    store: args.timer?.totals(start, end),
  };
}

/** Most requests seen in any sliding window of `windowMs` (1 s: compare with Notion's 3 req/s). */
export function peakRate(records: RequestRecord[], windowMs = 1000): number {
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < records.length; hi++) {
    while ((records[hi] as RequestRecord).at - (records[lo] as RequestRecord).at >= windowMs) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
