/**
 * The functions' custom metrics (functions/commons/powertools.ts) as CloudWatch will read them: the
 * EMF lines a Lambda invocation writes, and the proof that every custom metric on the dashboard and in
 * the alarms (infra/constructs/monitoring.ts) is one the functions emit, with the same namespace, name
 * and dimensions. A metric the dashboard reads but nothing emits would show an empty graph forever.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import middy from '@middy/core';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context } from 'aws-lambda';
import { createTajoApp } from '../../infra/stack';
import { newStats } from '../../shared/core/http/paced-fetch';
import { METRIC, METRICS_NAMESPACE, RATE_LIMITED_PROVIDERS, RUN_CONNECTORS } from '../../shared/core/metric-names';
import type { RunRecord, SyncSummary } from '../../shared/core/ports';

type Powertools = typeof import('../../functions/commons/powertools');

interface Emf {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** One metric as CloudWatch identifies it: namespace, name, and the dimension name=value pairs. */
const identity = (ns: string, name: string, dims: Record<string, string>) =>
  `${ns}|${name}|${Object.entries(dims)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

/** The metric identities and values in EMF lines. */
function readEmf(lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) {
    const emf = JSON.parse(line) as Emf;
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const dimSet of directive.Dimensions) {
        const dims = Object.fromEntries(dimSet.map((d) => [d, String(emf[d])]));
        for (const m of directive.Metrics) {
          out.set(identity(directive.Namespace, m.Name, dims), Number(emf[m.Name]));
        }
      }
    }
  }
  return out;
}

const ENV_KEYS = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'POWERTOOLS_DEV',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_SERVICE_NAME',
  'TAJO_STAGE',
  'TAJO_LOG_API_CALLS',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

/** The functions' module as a Lambda (dev) loads it: metrics on, EMF on console.log. */
function loadPowertools(env: Partial<Record<(typeof ENV_KEYS)[number], string>>): Powertools {
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, {
    POWERTOOLS_SERVICE_NAME: 'tajo-connectors',
    TAJO_STAGE: 'dev',
    // Dev mode sends Powertools' EMF to console.log (captured below); metrics stay enabled.
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_METRICS_DISABLED: 'false',
    ...env,
  });
  let mod: Powertools | undefined;
  jest.isolateModules(() => {
    mod = require('../../functions/commons/powertools') as Powertools;
    // The paced fetch of the same module registry: the API call log it reports to is per registry.
    isolatedPacedFetch = (require('../../shared/core/http/paced-fetch') as PacedFetchModule).pacedFetch;
  });
  if (!mod) throw new Error('powertools module did not load');
  return mod;
}
type PacedFetchModule = typeof import('../../shared/core/http/paced-fetch');
let isolatedPacedFetch: PacedFetchModule['pacedFetch'] | undefined;

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let emfLines: string[] = [];
beforeEach(() => {
  emfLines = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const text = String(args[0]);
    if (text.includes('"_aws"')) emfLines.push(text);
  });
});
afterEach(() => jest.restoreAllMocks());

function summary(over: Partial<SyncSummary>): SyncSummary {
  return {
    mode: 'full',
    pagesRead: 0,
    upserted: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    errors: [],
    errorsTruncated: 0,
    notionRequests: 0,
    brevoRequests: 0,
    rateLimited: 0,
    durationMs: 0,
    warnings: [],
    ...over,
  };
}

function run(status: RunRecord['status'], over: Partial<SyncSummary> = {}): RunRecord {
  return {
    tenantId: 'tenant-a',
    connector: 'notion',
    runId: 'r1',
    mode: 'full',
    status,
    startedAt: '2026-12-05T00:00:00Z',
    trigger: 'schedule',
    summary: summary(over),
  };
}

const dims = (extra: Record<string, string> = {}) => ({ service: 'tajo-connectors', stage: 'dev', ...extra });

/** A provider stand-in on 127.0.0.1 answering 429 (Retry-After: 0) `limited` times, then 200. */
async function rateLimitingServer(limited: number): Promise<{ url: string; close: () => Promise<void> }> {
  let left = limited;
  const server = http.createServer((_req, res) => {
    if (left > 0) {
      left -= 1;
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"code":"too_many"}');
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const fakeClock = { now: () => Date.now(), sleep: async () => {} };

describe('custom metrics (EMF) from the functions', () => {
  test('a finished run: succeeded/failed, rows written and failed, per connector; a running step counts nothing', () => {
    const p = loadPowertools({ AWS_LAMBDA_FUNCTION_NAME: 'tajo-dev-notionWorker' });
    expect(p.recordRun(run('running', { upserted: 50 }))).toEqual(run('running', { upserted: 50 }));
    expect(p.recordRun(undefined)).toBeUndefined();
    p.recordRun(run('succeeded', { upserted: 120, removed: 3, failed: 2 }));
    p.recordRun(run('failed', { upserted: 7, failed: 1 }));
    p.recordRun({ ...run('succeeded', { upserted: 4 }), connector: 'slack' });
    p.publishMetrics();

    const got = readEmf(emfLines);
    const notion = dims({ connector: 'notion' });
    expect(got.get(identity('Tajo', 'RunsSucceeded', notion))).toBe(1);
    expect(got.get(identity('Tajo', 'RunsFailed', notion))).toBe(1);
    expect(got.get(identity('Tajo', 'RowsWritten', notion))).toBe(130);
    expect(got.get(identity('Tajo', 'RowsFailed', notion))).toBe(3);
    expect(got.get(identity('Tajo', 'RowsWritten', dims({ connector: 'slack' })))).toBe(4);
    // Never the tenant: no dimension and no field carries it.
    for (const line of emfLines) expect(line).not.toContain('tenant-a');
    // Published once: the next flush writes nothing.
    emfLines = [];
    p.publishMetrics();
    expect(emfLines).toEqual([]);
  });

  test('every 429 a provider answers is counted per provider, retried ones too, with api call logging off', async () => {
    const p = loadPowertools({ AWS_LAMBDA_FUNCTION_NAME: 'tajo-dev-notionWorker' });
    const server = await rateLimitingServer(2);
    try {
      const stats = newStats();
      if (!isolatedPacedFetch) throw new Error('paced fetch did not load');
      const f = isolatedPacedFetch({
        provider: 'brevo',
        clock: fakeClock,
        stats,
        pacerFor: () => undefined,
        retryAfterMs: () => 0,
      });
      const res = await f(`${server.url}/v3/contacts`);
      expect(res.status).toBe(200);
      expect(stats.rateLimited).toBe(2);
    } finally {
      await server.close();
    }
    p.publishMetrics();
    const got = readEmf(emfLines);
    expect(got.get(identity('Tajo', 'ProviderRateLimited', dims({ provider: 'brevo' })))).toBe(2);
    expect(got.has(identity('Tajo', 'ProviderRateLimited', dims({ provider: 'notion' })))).toBe(false);
  });

  test('the middleware publishes at the end of an invocation, when the handler throws too', async () => {
    const p = loadPowertools({ AWS_LAMBDA_FUNCTION_NAME: 'tajo-dev-slackDaily' });
    const context = {
      functionName: 'tajo-dev-slackDaily',
      awsRequestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tajo-dev-slackDaily',
      memoryLimitInMB: '512',
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    const failed = Object.assign(new Error('Slack daily job of t failed (retried): user sync: boom'), {
      result: { tenantId: 't', users: { status: 'failed', error: 'boom' } },
    });
    const throwing = middy(async () => {
      await Promise.reject(failed).then(p.recordSlackDaily, p.recordSlackDailyFailure);
    }).use(p.lambdaLogging());
    await expect(throwing({}, context)).rejects.toBe(failed);
    expect(readEmf(emfLines).get(identity('Tajo', 'RunsFailed', dims({ connector: 'slack' })))).toBe(1);

    emfLines = [];
    const ok = middy(async () => {
      p.recordNotifications({ posted: 3, failed: ['m1'] });
      p.recordSlackDaily({ users: { status: 'done', result: { summary: summary({ upserted: 9 }) } } });
    }).use(p.lambdaLogging());
    await ok({}, context);
    const got = readEmf(emfLines);
    expect(got.get(identity('Tajo', 'NotificationsPosted', dims()))).toBe(3);
    expect(got.get(identity('Tajo', 'NotificationsFailed', dims()))).toBe(1);
    expect(got.get(identity('Tajo', 'RunsSucceeded', dims({ connector: 'slack' })))).toBe(1);
    expect(got.get(identity('Tajo', 'RowsWritten', dims({ connector: 'slack' })))).toBe(9);
  });

  test('outside Lambda (local stack, CLI, tests) nothing is emitted', () => {
    const p = loadPowertools({});
    p.recordRun(run('failed', { failed: 4 }));
    p.recordBrevoActionFailed();
    p.publishMetrics();
    expect(emfLines).toEqual([]);
  });
});

describe('the dashboard and alarms read what the functions emit', () => {
  test('every custom metric of the template is emitted with the same namespace, name and dimensions', () => {
    const p = loadPowertools({ AWS_LAMBDA_FUNCTION_NAME: 'tajo-dev-any' });
    // Emit one of everything the functions can emit.
    for (const connector of RUN_CONNECTORS) {
      p.recordRun({ connector, status: 'succeeded', summary: { upserted: 1, removed: 0, failed: 1 } });
      p.recordRun({ connector, status: 'failed' });
    }
    p.recordNotifications({ posted: 1, failed: ['x'] });
    p.recordBrevoActionFailed();
    p.recordPoll({ queued: 1 });
    // The tenant event stream: a delivery made and one failed, a publish the bus refused.
    p.recordEventDelivery(true);
    p.recordEventDelivery(false);
    p.recordEventsPublishFailed(1);
    p.publishMetrics();
    const emitted = new Set(readEmf(emfLines).keys());
    // The 429s come from the API call log (tested above); their identity is provider-dimensioned.
    for (const provider of RATE_LIMITED_PROVIDERS) {
      emitted.add(identity(METRICS_NAMESPACE, METRIC.providerRateLimited, dims({ provider })));
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tajo-metrics-test-'));
    try {
      const { stack } = createTajoApp({ stage: 'dev', context: { 'aws:cdk:bundling-stacks': [] }, outdir: dir });
      const t = Template.fromStack(stack);
      const read = new Set<string>();
      // Dashboard: metrics arrays [namespace, name, dimName, dimValue, ..., {options}?].
      const body = Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
      const text =
        typeof body === 'string'
          ? body
          : (body['Fn::Join'][1] as unknown[]).map((x) => (typeof x === 'string' ? x : '<ref>')).join('');
      const widgets = (JSON.parse(text) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
      for (const w of widgets) {
        for (const m of w.properties.metrics ?? []) {
          if (m[0] !== METRICS_NAMESPACE) continue;
          const parts = m.filter((x) => typeof x === 'string') as string[];
          const d: Record<string, string> = {};
          for (let i = 2; i + 1 < parts.length; i += 2) d[parts[i]] = parts[i + 1];
          read.add(identity(parts[0], parts[1], d));
        }
      }
      // Alarms on custom metrics (the failed-runs alarm is a math expression over them).
      for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
        for (const q of (alarm.Properties.Metrics ?? []) as {
          MetricStat?: {
            Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
          };
        }[]) {
          const m = q.MetricStat?.Metric;
          if (m?.Namespace !== METRICS_NAMESPACE) continue;
          read.add(identity(m.Namespace, m.MetricName, Object.fromEntries(m.Dimensions.map((x) => [x.Name, x.Value]))));
        }
      }
      expect(read.size).toBeGreaterThanOrEqual(12);
      for (const r of read) expect(emitted).toContain(r);
      // And the dashboard shows runs, rows, failures and 429s.
      for (const name of [
        METRIC.runsSucceeded,
        METRIC.runsFailed,
        METRIC.rowsWritten,
        METRIC.rowsFailed,
        METRIC.providerRateLimited,
      ]) {
        expect([...read].some((r) => r.split('|')[1] === name)).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
