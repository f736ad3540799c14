/**
 * (H) Webhook load on a fresh local stack (issue 12 §6): an open-loop burst of valid, tokened,
 * single-event Brevo webhooks at a fixed rate (200/s for 60 s by default) — each sent on its
 * schedule whatever the earlier answers, as Brevo does — then the wait until every accepted event
 * is processed by the Slack lane (its posted marker written). Figures: accepted/s, ack p50/p99,
 * statuses, lag to done (last POST answered → every event processed), lost (accepted, not
 * processed, not queued any more), the lane's depth and dead letters.
 *
 * Runs in this one process (generator, gateway, functions, emulators, lane workers), as the other
 * local-stack scenarios do: CPU time and event-loop delay are reported with the figures.
 *
 * Environment: BENCH_LOAD_RATE (200), BENCH_LOAD_SECONDS (60), BENCH_LOAD_DRAIN_SECONDS (600: the
 * longest wait for the lane), BENCH_ONLY=load (this scenario alone: bench/results/webhook-load.*).
 */
import type { LocalStack } from '../local/stack';
import { SANDBOX_SLACK_CHANNEL } from '../sandbox/sandbox';
import { parseBrevoWebhook } from '../shared/connectors/brevo/webhook-events';
import { listAddition, TS } from '../test/notifications/fixtures';
import { round } from './measure';
import { openLoop } from './open-loop';
import { countMarked, laneDepth, type Quantiles, quantiles, withSandboxStack } from './slack-notifications';

export interface LoadOptions {
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** The longest wait for the lane to process everything, after the burst. */
  drainSeconds: number;
  progress: (line: string) => void;
}

export const LOAD_GOALS = {
  /** Accepted/s ÷ the offered rate. */
  acceptedRatio: 0.99,
  ackP99Ms: 1_000,
  lost: 0,
};

export interface LoadResult {
  id: 'H';
  title: string;
  offered: { rate: number; seconds: number; requests: number };
  /** Requests sent later than their slot by more than 100 ms (the generator or the process fell behind). */
  lateSends: number;
  statuses: Record<string, number>;
  accepted: number;
  acceptedPerSecond: number;
  ack: Quantiles;
  /** First POST sent → last answer. */
  ingressPhaseMs: number;
  process: { cpuPercent: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
  drain: {
    /** Events processed (posted marker) when the wait ended. */
    processed: number;
    /** Last answer → every accepted event processed (null: not within drainSeconds). */
    lagToDoneMs: number | null;
    /**
     * Last answer → the Slack lane empty: every queued message consumed, including those whose
     * event an earlier digest had already posted (null: not within drainSeconds).
     */
    laneDrainedMs: number | null;
    /** Accepted events neither processed nor in the lane when the wait ended. */
    lost: number;
    laneLeft: number | null;
    deadLettered: number | null;
    slackMessages: number;
    slack429: number;
    timedOut: boolean;
  };
  goals: { name: string; target: string; actual: string; met: boolean }[];
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function webhookLoadScenario(o: LoadOptions): Promise<LoadResult> {
  o.progress('H: starting a fresh local stack (sandbox, lane concurrency 2)');
  return withSandboxStack(
    'load',
    () => undefined,
    (stack) => run(stack, o),
  );
}

async function run(s: LocalStack, o: LoadOptions): Promise<LoadResult> {
  const slack = s.sandbox?.slack;
  if (!slack) throw new Error('the local stack did not start the Slack simulator (a SLACK_BOT_TOKEN in the env?)');
  slack.log.keepBodies = false;
  const total = o.rate * o.seconds;
  const bodies = Array.from({ length: total }, (_, i) =>
    JSON.stringify(listAddition({ email: `load-${i}@example.com`, id: 5_000_000 + i, ts: TS + 20_000 + i })),
  );
  const ids = bodies.map((b) => {
    const { events } = parseBrevoWebhook(JSON.parse(b));
    if (events.length !== 1) throw new Error('a bench payload does not parse as one event');
    return (events[0] as { id: string }).id;
  });
  const messages0 = slack.messages(SANDBOX_SLACK_CHANNEL).length;
  const r0 = slack.stats().rateLimited;
  const url = `${s.url}/webhooks/brevo/${s.tenantId}`;
  const headers = { authorization: `Bearer ${s.webhookToken}`, 'content-type': 'application/json' };

  o.progress(`H: ${total} single-event Brevo webhooks at ${o.rate}/s for ${o.seconds} s (open loop)`);
  const acceptedIds: string[] = [];
  const burst = await openLoop({
    total,
    rate: o.rate,
    send: (i) => fetch(url, { method: 'POST', headers, body: bodies[i] }),
    onAnswer: (i, status, body) => {
      if (status < 300 && ((body as { accepted?: number }).accepted ?? 0) > 0) acceptedIds.push(ids[i] as string);
    },
    onProgress: (sent, answered) => o.progress(`H: ${sent} sent, ${answered} answered`),
  });
  const { latencies, statuses, lateSends } = burst;
  const ingressPhaseMs = burst.wallMs;
  const answeredAt = Date.now();
  o.progress(`H: burst answered in ${(ingressPhaseMs / 1000).toFixed(1)} s; waiting for the Slack lane`);

  // Lag to done: until every accepted event has its posted marker (the worker writes it after the post).
  const deadline = answeredAt + o.drainSeconds * 1000;
  let processed = 0;
  let doneAt: number | null = null;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    processed = await countMarked(s, acceptedIds);
    if (processed >= acceptedIds.length) {
      doneAt = Date.now();
      break;
    }
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      o.progress(`H: ${processed}/${acceptedIds.length} processed`);
    }
    await sleep(1_000);
  }
  // Every message processed: the events are posted, and the lane holds nothing any more (the
  // messages whose event a digest already took are consumed as no-ops; they must not linger).
  let drainedAt: number | null = null;
  let depth = await laneDepth(s);
  while (doneAt !== null && Date.now() < deadline) {
    if (depth.left === 0) {
      drainedAt = Date.now();
      break;
    }
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      o.progress(`H: every event posted; ${depth.left} lane messages left to consume`);
    }
    await sleep(1_000);
    depth = await laneDepth(s);
  }
  // Not processed and not in the lane any more: lost (or dead-lettered).
  const lost = doneAt !== null ? 0 : depth.left === 0 ? acceptedIds.length - processed : 0;
  const ack = quantiles(latencies);
  const acceptedPerSecond = round(acceptedIds.length / (ingressPhaseMs / 1000), 1);
  const result: LoadResult = {
    id: 'H',
    title: `Webhook load: ${o.rate} Brevo webhooks/s for ${o.seconds} s, one tenant, one channel`,
    offered: { rate: o.rate, seconds: o.seconds, requests: total },
    lateSends,
    statuses,
    accepted: acceptedIds.length,
    acceptedPerSecond,
    ack,
    ingressPhaseMs: round(ingressPhaseMs),
    process: burst.process,
    drain: {
      processed,
      lagToDoneMs: doneAt === null ? null : doneAt - answeredAt,
      laneDrainedMs: drainedAt === null ? null : drainedAt - answeredAt,
      lost,
      laneLeft: depth.left,
      deadLettered: depth.dead,
      slackMessages: slack.messages(SANDBOX_SLACK_CHANNEL).length - messages0,
      slack429: slack.stats().rateLimited - r0,
      timedOut: doneAt === null,
    },
    goals: [],
    notes: [],
  };
  const g = (name: string, target: string, actual: string, met: boolean) =>
    result.goals.push({ name, target, actual, met });
  g(
    'accepted/s',
    `≥ ${LOAD_GOALS.acceptedRatio * o.rate}`,
    String(acceptedPerSecond),
    acceptedPerSecond >= LOAD_GOALS.acceptedRatio * o.rate,
  );
  g('ack p99', `≤ ${LOAD_GOALS.ackP99Ms} ms`, `${ack.p99Ms} ms`, ack.p99Ms <= LOAD_GOALS.ackP99Ms);
  g('lost', '0', String(lost), lost === 0);
  g(
    'every event posted',
    `within ${o.drainSeconds} s`,
    doneAt === null ? `${processed}/${acceptedIds.length}` : `${((doneAt - answeredAt) / 1000).toFixed(1)} s`,
    doneAt !== null,
  );
  g(
    'every message processed (lane empty)',
    `within ${o.drainSeconds} s`,
    drainedAt === null ? `${depth.left ?? '?'} left` : `${((drainedAt - answeredAt) / 1000).toFixed(1)} s`,
    drainedAt !== null,
  );
  if (doneAt === null)
    result.notes.push(
      `${acceptedIds.length - processed} accepted events still queued after ${o.drainSeconds} s: the Slack lane posts ` +
        `${result.drain.slackMessages} messages to one channel at Slack's 1 message/s; it drains only as fast as it digests what waits for the channel.`,
    );
  return result;
}

export function loadMissed(r: LoadResult): string[] {
  return r.goals.filter((x) => !x.met).map((x) => `H ${x.name}: ${x.actual} (goal ${x.target})`);
}

export function loadMarkdown(r: LoadResult): string {
  const lines = [
    `## H. ${r.title}`,
    '',
    '| figure | value |',
    '|---|---|',
    `| offered | ${r.offered.requests} requests (${r.offered.rate}/s × ${r.offered.seconds} s), ${r.lateSends} sent > 100 ms late |`,
    `| statuses | ${Object.entries(r.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| accepted | ${r.accepted} (${r.acceptedPerSecond}/s over ${(r.ingressPhaseMs / 1000).toFixed(1)} s) |`,
    `| ack p50 / p95 / p99 / max | ${r.ack.p50Ms} / ${r.ack.p95Ms} / ${r.ack.p99Ms} / ${r.ack.maxMs} ms |`,
    `| lag to done | ${r.drain.lagToDoneMs === null ? `not done (${r.drain.processed}/${r.accepted} processed)` : `${(r.drain.lagToDoneMs / 1000).toFixed(1)} s after the last answer`} |`,
    `| lane empty | ${r.drain.laneDrainedMs === null ? 'not within the wait' : `${(r.drain.laneDrainedMs / 1000).toFixed(1)} s after the last answer`} |`,
    `| lost | ${r.drain.lost} |`,
    `| lane left / dead-lettered | ${r.drain.laneLeft ?? '?'} / ${r.drain.deadLettered ?? '?'} |`,
    `| Slack messages / 429s | ${r.drain.slackMessages} / ${r.drain.slack429} |`,
    `| process during the burst | ${r.process.cpuPercent}% of a core, event loop p99 ${r.process.eventLoopP99Ms} ms (max ${r.process.eventLoopMaxMs}) |`,
    '',
    ...r.goals.map((x) => `- ${x.met ? 'met' : 'MISSED'}: ${x.name} ${x.actual} (goal ${x.target})`),
    ...r.notes.map((n) => `- note: ${n}`),
    '',
  ];
  return lines.join('\n');
}

export function loadConsoleTable(r: LoadResult): string {
  return [
    `H webhook load (${r.offered.rate}/s × ${r.offered.seconds} s): accepted ${r.accepted} (${r.acceptedPerSecond}/s), ` +
      `ack p50 ${r.ack.p50Ms} ms p99 ${r.ack.p99Ms} ms, lag to done ${r.drain.lagToDoneMs === null ? `not within the wait (${r.drain.processed}/${r.accepted})` : `${(r.drain.lagToDoneMs / 1000).toFixed(1)} s`}, lost ${r.drain.lost}`,
  ].join('\n');
}
