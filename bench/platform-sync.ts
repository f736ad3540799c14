/**
 * (P) Platform sync (issue 14's benchmark): 10,000 customers of a definition-backed platform synced
 * into Brevo through the real engine (runPlatformSync: the reader, its pacer, the contact writer)
 * against a small platform API on 127.0.0.1 that enforces the definition's rate (a token bucket:
 * 429 + Retry-After beyond it, and an early return before Retry-After is counted) and its cursors
 * (opaque, issued by the API, used once), and the Brevo simulator at its documented limits. A full
 * run, then an incremental run with nothing changed.
 *
 * Figures: duration, platform requests, the ratio of the definition's rate ceiling (ideal time =
 * requests ÷ requests_per_second; ratio = ideal ÷ actual), the 429s seen, Brevo requests per
 * 10,000 contacts written, the contacts in Brevo against the customers that have an email, and the
 * incremental run's requests.
 *
 * Environment: BENCH_PLATFORM_CUSTOMERS (10000), BENCH_ONLY=platform-sync (this scenario alone),
 * BENCH_SKIP_PLATFORM=1 (left out of the full run). Results: bench/results/platform-sync.{json,md}.
 */
import { BrevoSimulator } from '../sandbox/brevo';
import { type RequestRecord, type SimRequest, type SimResponse, SimServer, TokenBucket } from '../sandbox/http-kit';
import { startEmbeddedDynamo } from '../shared/adapters/local/embedded-dynamodb';
import type { DefinitionConnectionSettings } from '../shared/connectors/custom/connection';
import { parseDefinitionText } from '../shared/connectors/custom/definition/parse';
import { type PlatformSyncSummary, runPlatformSync } from '../shared/connectors/custom/sync/run';
import { brevoClientFor } from '../shared/core/brevo/client';
import { newStats } from '../shared/core/http/paced-fetch';
import { systemClock } from '../shared/core/ports';
import { BREVO_SETUP_ROUTES, countByRoute, peakRate, round } from './measure';

export interface PlatformSyncOptions {
  customers: number;
  progress: (line: string) => void;
}

/** The definition's pace: what the API enforces and the ceiling the ratio is measured against. */
export const PLATFORM_RPS = 4;
const PAGE_SIZE = 100;
const API_KEY = 'bench-platform-key';
const BREVO_KEY = 'xkeysib-bench-platform';
const LIST = 'Bench customers';
/** One customer in this many has no email (a per-record error, never a contact). */
const NO_EMAIL_EVERY = 50;

export const PLATFORM_SYNC_GOALS = { ceilingRatio: 0.95, platform429: 0, brevoPerTenThousand: 5 };

/** The bench's definition: cursor pagination (next cursor in the answer), 100 a page, 4 requests/s. */
const DEFINITION_YAML = `
name: benchshop
version: 1.0.0
label: Bench Shop
category: e-commerce
base_url: https://api.benchshop.example
auth: { type: api_key, header: X-Api-Key }
rate_limit: { requests_per_second: ${PLATFORM_RPS}, burst: ${PLATFORM_RPS} }
resources:
  customers:
    endpoint: /api/customers
    items: data
    page_size: { param: limit, size: ${PAGE_SIZE} }
    pagination: { type: cursor, param: cursor, next: meta.next_cursor }
    updated_since: { param: updated_after, field: updated_at }
    to: contacts
    mapping:
      email: contact.email
      first_name: contact.first_name
      last_name: contact.last_name
      total_spent: stats.total_spent
`;

interface Customer {
  id: string;
  updated_at: string;
  contact: { email: string | null; first_name: string; last_name: string };
  stats: { total_spent: number };
}

/**
 * The platform's customers API: `X-Api-Key`, a token bucket at the definition's rate (burst = rate),
 * `limit` ≤ 100, opaque single-use cursors, `updated_after` (ISO). A simulator, not a mock.
 */
class BenchPlatformApi extends SimServer {
  /** 429s sent. */
  throttled = 0;
  /** Requests that came back before their Retry-After was over. */
  earlyRetries = 0;
  private notBefore = 0;
  private readonly bucket = new TokenBucket(PLATFORM_RPS, PLATFORM_RPS);
  private readonly cursors = new Map<string, { since: number; offset: number }>();
  private issued = 0;

  constructor(readonly customers: readonly Customer[]) {
    super();
    this.route('GET', '/api/customers', (req) => this.list(req));
  }

  protected override before(req: SimRequest): SimResponse | undefined {
    if (req.headers['x-api-key'] !== API_KEY) return { status: 401, body: { error: 'not signed in' } };
    const now = Date.now();
    if (now < this.notBefore) {
      this.earlyRetries += 1;
      return this.tooMany(Math.ceil((this.notBefore - now) / 1000));
    }
    const token = this.bucket.take();
    return token.ok ? undefined : this.tooMany(token.retryAfterSeconds);
  }

  private tooMany(seconds: number): SimResponse {
    this.throttled += 1;
    this.notBefore = Math.max(this.notBefore, Date.now() + seconds * 1000);
    return { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': String(seconds) } };
  }

  private list(req: SimRequest): SimResponse {
    const q = req.query;
    const size = Number(q.get('limit') ?? 20);
    if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE)
      return { status: 400, body: { error: `limit must be 1..${PAGE_SIZE}` } };
    const sinceParam = q.get('updated_after');
    const since = sinceParam === null ? 0 : Date.parse(sinceParam);
    if (Number.isNaN(since)) return { status: 400, body: { error: 'bad updated_after' } };
    let offset = 0;
    const cursor = q.get('cursor');
    if (cursor !== null) {
      const at = this.cursors.get(cursor);
      this.cursors.delete(cursor);
      if (at === undefined) return { status: 400, body: { error: 'unknown or used cursor' } };
      if (at.since !== since) return { status: 400, body: { error: 'the cursor belongs to another filter' } };
      offset = at.offset;
    }
    // Customers are kept in id order, which is also updated_at order here.
    const all = since === 0 ? this.customers : this.customers.filter((c) => Date.parse(c.updated_at) >= since);
    const data = all.slice(offset, offset + size);
    let next: string | null = null;
    if (offset + size < all.length) {
      next = `cur_${(this.issued++).toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
      this.cursors.set(next, { since, offset: offset + size });
    }
    return { status: 200, body: { data, meta: { next_cursor: next } } };
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { error: 'invalid json' } };
  }

  protected notFound(): SimResponse {
    return { status: 404, body: { error: 'not found' } };
  }
}

/** `n` customers a minute apart, the newest an hour ago; one in NO_EMAIL_EVERY without an email. */
function seedCustomers(n: number): Customer[] {
  const start = Date.now() - 3_600_000 - n * 60_000;
  return Array.from({ length: n }, (_, i) => ({
    id: `cus_${String(i + 1).padStart(6, '0')}`,
    updated_at: new Date(start + i * 60_000).toISOString(),
    contact: {
      email: (i + 1) % NO_EMAIL_EVERY === 0 ? null : `customer${i + 1}@bench.example`,
      first_name: `First${i + 1}`,
      last_name: `Last${i + 1}`,
    },
    stats: { total_spent: round((i + 1) * 10.5, 2) },
  }));
}

export interface PlatformRunFigures {
  mode: 'full' | 'incremental';
  status: string;
  error?: string;
  durationMs: number;
  read: number;
  upserted: number;
  unchanged: number;
  failed: number;
  platform: {
    requests: number;
    rateLimited: number;
    earlyRetries: number;
    /** Most requests answered in any 1 s window. */
    peakPerSecond: number;
    byStatus: Record<string, number>;
  };
  /** requests ÷ requests_per_second. */
  idealMs: number;
  /** idealMs ÷ durationMs (a full run's figure; null for the incremental run's single request). */
  ceilingRatio: number | null;
  brevo: {
    requests: number;
    rateLimited: number;
    byRoute: Record<string, number>;
    setupRequests: number;
    perTenThousand: number | null;
    perTenThousandExcludingSetup: number | null;
  };
  /** Wall time of the run's phases, from the request logs. */
  phases: {
    firstPlatformAtMs: number | null;
    lastPlatformAtMs: number | null;
    afterLastPlatformMs: number | null;
    /** When Brevo answered the last import and the last process poll (from the run's start). */
    lastImportAtMs: number | null;
    lastPollAtMs: number | null;
  };
}

function atOf(records: readonly RequestRecord[], route: string, start: number): number | null {
  const at = records.filter((r) => r.route === route).at(-1)?.at;
  return at === undefined ? null : at - start;
}

export interface PlatformSyncResult {
  id: 'P';
  title: string;
  customers: number;
  withEmail: number;
  full: PlatformRunFigures;
  incremental: PlatformRunFigures;
  brevoContacts: number;
  listMembers: number;
  goals: { name: string; target: string; value: number | null; pass: boolean }[];
  checks: { name: string; pass: boolean; detail: string }[];
}

export async function platformSyncScenario(o: PlatformSyncOptions): Promise<PlatformSyncResult> {
  const customers = seedCustomers(o.customers);
  const withEmail = customers.filter((c) => c.contact.email !== null).length;
  const api = new BenchPlatformApi(customers);
  const brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY] });
  api.log.keepBodies = false;
  brevo.log.keepBodies = false;
  await Promise.all([api.start(), brevo.start()]);
  const dynamo = await startEmbeddedDynamo();
  try {
    const definition = parseDefinitionText(DEFINITION_YAML, 'bench/platform-sync.ts', 'yaml');
    const settings: DefinitionConnectionSettings = {
      enabled: true,
      definition,
      params: { base_url: api.baseUrl },
      sync_to_list: LIST,
      mode: 'batch',
      schedule: 'hourly',
      sync: { customers: true },
      ownApiKeyNames: [],
    };
    const brevoStats = newStats();
    const client = brevoClientFor({ apiKey: BREVO_KEY, baseUrl: brevo.baseUrl, clock: systemClock, stats: brevoStats });
    const deps = {
      brevo: client,
      brevoStats,
      cursors: dynamo.store,
      runs: dynamo.store,
      clock: systemClock,
      endpoints: {},
    };

    const measure = async (full: boolean): Promise<PlatformRunFigures> => {
      const p0 = api.log.records.length;
      const b0 = brevo.log.records.length;
      const t0 = api.throttled;
      const e0 = api.earlyRetries;
      const start = Date.now();
      const { run, summary } = await runPlatformSync(deps, {
        tenantId: 'bench',
        connector: 'benchshop',
        definition,
        settings,
        credentials: { api_key: API_KEY },
        full,
        trigger: 'cli',
      });
      const end = Date.now();
      const platform = api.log.records.slice(p0);
      const brevoRecords = brevo.log.records.slice(b0);
      const s = summary as PlatformSyncSummary;
      const written = s.upserted;
      const setup = brevoRecords.filter((r) => BREVO_SETUP_ROUTES.has(r.route)).length;
      const per = (n: number) => (written > 0 ? round((n / written) * 10_000, 2) : null);
      const durationMs = end - start;
      const idealMs = (platform.length / PLATFORM_RPS) * 1000;
      const byStatus: Record<string, number> = {};
      for (const r of platform) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      const first = platform[0]?.at;
      const last = platform.at(-1)?.at;
      return {
        mode: full ? 'full' : 'incremental',
        status: run.status,
        ...(run.error ? { error: run.error } : {}),
        durationMs,
        read: s.pagesRead,
        upserted: s.upserted,
        unchanged: s.unchanged,
        failed: s.failed,
        platform: {
          requests: platform.length,
          rateLimited: api.throttled - t0,
          earlyRetries: api.earlyRetries - e0,
          peakPerSecond: peakRate(platform),
          byStatus,
        },
        idealMs: Math.round(idealMs),
        ceilingRatio: full && durationMs > 0 ? round(idealMs / durationMs, 3) : null,
        brevo: {
          requests: brevoRecords.length,
          rateLimited: brevoRecords.filter((r) => r.status === 429).length,
          byRoute: countByRoute(brevoRecords),
          setupRequests: setup,
          perTenThousand: per(brevoRecords.length),
          perTenThousandExcludingSetup: per(brevoRecords.length - setup),
        },
        phases: {
          firstPlatformAtMs: first === undefined ? null : first - start,
          lastPlatformAtMs: last === undefined ? null : last - start,
          afterLastPlatformMs: last === undefined ? null : end - last,
          lastImportAtMs: atOf(brevoRecords, 'POST /v3/contacts/import', start),
          lastPollAtMs: atOf(brevoRecords, 'GET /v3/processes/:id', start),
        },
      };
    };

    o.progress(`P: full sync of ${o.customers} platform customers (${PLATFORM_RPS} req/s, ${PAGE_SIZE} a page)`);
    const full = await measure(true);
    o.progress(
      `P: full sync ${full.status} in ${(full.durationMs / 1000).toFixed(2)} s; incremental run, nothing changed`,
    );
    const incremental = await measure(false);
    const list = brevo.lists().find((l) => l.name === LIST);
    const listMembers = list ? brevo.listMembers(list.id).length : 0;
    const brevoContacts = brevo.contacts().length;
    const goals = [
      {
        name: `ratio of the ${PLATFORM_RPS} req/s ceiling (requests ÷ rps ÷ duration)`,
        target: `≥ ${PLATFORM_SYNC_GOALS.ceilingRatio}`,
        value: full.ceilingRatio,
        pass: full.ceilingRatio !== null && full.ceilingRatio >= PLATFORM_SYNC_GOALS.ceilingRatio,
      },
      {
        name: 'platform 429s (both runs)',
        target: `= ${PLATFORM_SYNC_GOALS.platform429}`,
        value: full.platform.rateLimited + incremental.platform.rateLimited,
        pass: full.platform.rateLimited + incremental.platform.rateLimited <= PLATFORM_SYNC_GOALS.platform429,
      },
      {
        name: 'Brevo requests per 10,000 contacts (excl. list setup)',
        target: `≤ ${PLATFORM_SYNC_GOALS.brevoPerTenThousand}`,
        value: full.brevo.perTenThousandExcludingSetup,
        pass:
          full.brevo.perTenThousandExcludingSetup !== null &&
          full.brevo.perTenThousandExcludingSetup <= PLATFORM_SYNC_GOALS.brevoPerTenThousand,
      },
    ];
    const checks = [
      {
        name: 'runs succeeded',
        pass: full.status === 'succeeded' && incremental.status === 'succeeded',
        detail: `full ${full.status}${full.error ? ` (${full.error})` : ''}, incremental ${incremental.status}${incremental.error ? ` (${incremental.error})` : ''}`,
      },
      {
        name: 'every customer read; those without email failed alone',
        pass: full.read === o.customers && full.upserted === withEmail && full.failed === o.customers - withEmail,
        detail: `read ${full.read} of ${o.customers}, written ${full.upserted} of ${withEmail} with an email, failed ${full.failed} (expected ${o.customers - withEmail})`,
      },
      {
        name: 'contacts in Brevo = customers with an email',
        pass: brevoContacts === withEmail && listMembers === withEmail,
        detail: `Brevo holds ${brevoContacts} contacts, list "${LIST}" ${listMembers} members; ${withEmail} customers have an email`,
      },
      {
        name: 'the incremental run writes nothing',
        pass: incremental.upserted === 0,
        detail: `incremental: read ${incremental.read}, written ${incremental.upserted}, unchanged ${incremental.unchanged}, ${incremental.platform.requests} platform and ${incremental.brevo.requests} Brevo requests`,
      },
    ];
    return {
      id: 'P',
      title: `platform sync, ${o.customers} customers → Brevo`,
      customers: o.customers,
      withEmail,
      full,
      incremental,
      brevoContacts,
      listMembers,
      goals,
      checks,
    };
  } finally {
    await dynamo.close();
    await Promise.all([api.stop(), brevo.stop()]);
  }
}

export function platformSyncMissed(r: PlatformSyncResult): string[] {
  return [
    ...r.goals.filter((g) => !g.pass).map((g) => `P ${g.name}: ${g.value ?? 'n/a'} (goal ${g.target})`),
    ...r.checks.filter((c) => !c.pass).map((c) => `P check failed: ${c.detail}`),
  ];
}

const s2 = (ms: number | null) => (ms === null ? 'n/a' : (ms / 1000).toFixed(2));

export function platformSyncMarkdown(r: PlatformSyncResult): string {
  const lines: string[] = [];
  lines.push(
    `A definition (cursor pagination, ${PAGE_SIZE} a page, rate_limit ${PLATFORM_RPS} req/s) read from a local platform API that enforces that rate (token bucket, 429 + Retry-After) and single-use cursors; the real engine (runPlatformSync, contact writer) into the Brevo simulator at its documented limits (10 req/s on contacts, 100/h elsewhere, imports processed in 200 ms). ${r.customers} customers, ${r.withEmail} with an email.`,
  );
  lines.push('');
  lines.push(
    '| Run | Read | Written | Unchanged | Failed | Duration (s) | Platform req | Ideal (s) | Ratio | 429 | Brevo req | Brevo /10k (excl. setup) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const f of [r.full, r.incremental]) {
    lines.push(
      `| ${f.mode} | ${f.read} | ${f.upserted} | ${f.unchanged} | ${f.failed} | ${s2(f.durationMs)} | ${f.platform.requests} | ${s2(f.idealMs)} | ${f.ceilingRatio ?? 'n/a'} | ${f.platform.rateLimited} | ${f.brevo.requests} | ${f.brevo.perTenThousand ?? 'n/a'} (${f.brevo.perTenThousandExcludingSetup ?? 'n/a'}) |`,
    );
  }
  lines.push('');
  lines.push('| Goal | Target | Measured | Result |');
  lines.push('|---|---|---:|---|');
  for (const g of r.goals)
    lines.push(`| ${g.name} | ${g.target} | ${g.value ?? 'n/a'} | ${g.pass ? 'met' : '**MISSED**'} |`);
  lines.push('');
  for (const c of r.checks) lines.push(`- ${c.pass ? 'ok' : '**FAILED**'}: ${c.detail}`);
  const f = r.full;
  lines.push('');
  lines.push(
    `Full run: first platform request answered at ${s2(f.phases.firstPlatformAtMs)} s (after the Brevo list lookup/creation), last at ${s2(f.phases.lastPlatformAtMs)} s, then ${s2(f.phases.afterLastPlatformMs)} s to the end: the last Brevo import answered at ${s2(f.phases.lastImportAtMs)} s, its last process poll at ${s2(f.phases.lastPollAtMs)} s, then fingerprints, mark and run record; peak ${f.platform.peakPerSecond} platform requests in a 1 s window. Brevo by route: ${Object.entries(
      f.brevo.byRoute,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push('');
  return lines.join('\n');
}

export function platformSyncConsoleTable(r: PlatformSyncResult): string {
  const out = [
    `P. ${r.title}`,
    ...[r.full, r.incremental].map(
      (f) =>
        `  ${f.mode.padEnd(11)} ${s2(f.durationMs).padStart(7)} s  read ${f.read}  written ${f.upserted}  platform req ${f.platform.requests} (429: ${f.platform.rateLimited})  ratio ${f.ceilingRatio ?? 'n/a'}  Brevo req ${f.brevo.requests} (/10k excl. setup ${f.brevo.perTenThousandExcludingSetup ?? 'n/a'})`,
    ),
  ];
  for (const g of r.goals)
    out.push(`P  ${g.pass ? 'ok    ' : 'MISSED'}  ${g.name}: ${g.value ?? 'n/a'} (goal ${g.target})`);
  for (const c of r.checks.filter((x) => !x.pass)) out.push(`P  CHECK FAILED  ${c.detail}`);
  return out.join('\n');
}
