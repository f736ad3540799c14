/**
 * The Slack scenarios, on a fresh local stack (the Lambda bundles behind the local API Gateway, the
 * Slack lane on fauxqs, the sandbox Slack simulator at its 1 message/s per channel):
 *   (D) a burst of single-event Brevo webhooks for one channel, posted with a fixed concurrency:
 *       the ingress ack latency of each POST, then how the burst reaches Slack (messages, events
 *       covered, lost, 429s, time, messages/s against the channel's 1 msg/s);
 *   (E) the same number of events as ONE batched webhook delivery.
 * Where the ack time goes: the ingress function is wrapped (the gateway looks it up per request)
 * to time the handler and, through an AsyncLocalStorage context and Node's http diagnostics
 * channels, every DynamoDB / SQS request it makes. Everything runs in this one Node process, so the
 * event loop's delay is sampled too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalStack, startLocalStack } from '../local/stack';
import { SANDBOX_SLACK_CHANNEL } from '../sandbox/sandbox';
import type { SimMessage } from '../sandbox/slack';
import { LOCAL_CREDENTIALS } from '../shared/adapters/local/embedded-dynamodb';
import { parseBrevoWebhook } from '../shared/connectors/brevo/webhook-events';
import { SLACK_CHANNEL_INTERVAL_MS } from '../shared/connectors/slack/client';
import { DIGEST_MAX_EVENTS, DIGEST_MIN_BATCH } from '../shared/connectors/slack/notifications/lane-messages';
import { listAddition, TS } from '../test/notifications/fixtures';
import { round } from './measure';
import { type Check, type Goal, goal } from './report';

export interface SlackBenchOptions {
  /** Events per scenario (the issue: 200). */
  events: number;
  /** Webhook POSTs in flight at once in D. */
  concurrency: number;
  /** D's first POSTs (by send order) left out of the latency figures. */
  warmup: number;
  progress: (line: string) => void;
}

export const SLACK_GOALS = {
  /** Warm ingress ack p99 (ms). */
  ackP99Ms: 100,
  slack429: 0,
  lost: 0,
  /**
   * Messages/s while the burst is posted, ÷ Slack's 1 msg/s per channel. The client spaces posts
   * SLACK_CHANNEL_INTERVAL_MS (1.05 s) apart, which caps the ratio at 0.952.
   */
  ceilingRatio: 0.9,
};

const CHANNEL_CEILING_PER_SECOND = 1;
/** D's one-at-a-time re-sends (their seq numbers start at SEQUENTIAL_SEQ). */
const SEQUENTIAL_POSTS = 50;
const SEQUENTIAL_SEQ = 1_000;
const DIGEST_TEXT = /^(\d+) Brevo notifications? \(/;

export interface Quantiles {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface CallFigures extends Quantiles {
  /** Calls per webhook (mean). */
  perPost: number;
}

export interface AckBreakdown {
  /** The ingress function's own time (as the gateway invoked it). */
  handler: Quantiles;
  /** Client latency minus handler time: HTTP, the local gateway, waiting for the event loop. */
  outsideHandler: Quantiles;
  /** The handler's DynamoDB / SQS requests, by X-Amz-Target. */
  calls: Record<string, CallFigures>;
  /** Handler time not spent waiting for those requests (parse, route, JSON, middy/powertools). */
  handlerOwn: Quantiles;
  /** Event-loop delay while the POSTs ran (one process hosts client, gateway, emulators, workers). */
  eventLoopDelay: LoopFigures;
}

/** The process while POSTs ran: event-loop delay, and CPU time ÷ wall time (% of one core). */
export interface LoopFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuPercent: number;
}

function phaseMonitor(): { stop(): LoopFigures } {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      h.disable();
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      const ms = (v: number) => round(v / 1e6, 1);
      return {
        p50Ms: ms(h.percentile(50)),
        p99Ms: ms(h.percentile(99)),
        maxMs: ms(h.max),
        cpuPercent: wall > 0 ? round(((cpu.user + cpu.system) / 1000 / wall) * 100) : 0,
      };
    },
  };
}

export interface SlackScenarioResult {
  id: string;
  title: string;
  posts: number;
  events: number;
  concurrency: number;
  ack: {
    /** Figures without the first `warmupExcluded` POSTs. */
    warm: Quantiles;
    all: Quantiles;
    warmupExcluded: number;
    /** The excluded POSTs' latencies, in send order. */
    warmupMs: number[];
    statuses: Record<string, number>;
    /** Sum of `accepted` over the responses. */
    accepted: number;
    /** Wall time from the first POST sent to the last answer. */
    ingressPhaseMs: number;
  };
  /** Where the warm ack time goes (same POSTs as ack.warm). */
  ackBreakdown?: AckBreakdown;
  delivery: {
    /** Messages posted to the channel by the scenario. */
    messages: number;
    digests: number;
    singles: number;
    /** Events the messages state they cover (a digest's count, 1 per single message). */
    eventsCovered: number;
    /** Events with the worker's posted marker in DynamoDB. */
    eventsMarked: number;
    /** Events without a posted marker when the wait ended (lost, or still on their way). */
    undelivered: number;
    /** Undelivered events that are not in the lane any more (queued ones are on their way). */
    lost: number;
    /**
     * Events posted more than once: covered − marked once the lane is empty, else single messages
     * whose contact repeats.
     */
    duplicates: number;
    slack429: number;
    postMessageRequests: number;
    /** First POST sent → the message that completed the accounting. */
    deliverMs: number | null;
    /** First POST sent → first message in the channel. */
    firstMessageMs: number | null;
    /** First → last message. */
    postingWindowMs: number | null;
    /** (messages − 1) / posting window, in messages/s. */
    messagesPerSecond: number | null;
    ceilingRatio: number | null;
    eventsPerSecond: number | null;
    /** Spacing of consecutive messages (by their Slack ts). */
    gaps?: { meanMs: number; p50Ms: number; maxMs: number; over1500Ms: number };
    /** Events per message, in posting order. */
    eventsPerMessage: number[];
    workerInvocations: number;
    laneLeft: number | null;
    deadLettered: number | null;
    timedOut: boolean;
    /** Lane messages with a message group of their own receive: events per worker invocation. */
    eventsPerInvocation: number | null;
  };
  /**
   * D: the same path one POST at a time (re-sent D events, as Brevo's retries: SQS deduplicates
   * them, the worker posts nothing), so the latency without the burst's own queueing shows.
   */
  sequential?: { posts: number; ack: Quantiles; breakdown?: AckBreakdown };
  goals: Goal[];
  checks: Check[];
  notes: string[];
}

// ------------------------------------------------------------------------------------ helpers

export function quantiles(values: number[]): Quantiles {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) =>
    s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return {
    n: s.length,
    p50Ms: round(q(0.5), 1),
    p95Ms: round(q(0.95), 1),
    p99Ms: round(q(0.99), 1),
    maxMs: round(s.at(-1) ?? 0, 1),
    meanMs: round(mean, 1),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Events a Slack message accounts for: a digest states its count, a single message is one. */
function eventsIn(m: SimMessage): number {
  const d = DIGEST_TEXT.exec(m.text);
  return d ? Number(d[1]) : 1;
}

const tsMs = (m: SimMessage) => Math.round(Number(m.ts) * 1000);

/** Brevo list_addition payloads with distinct emails and times (one second apart). */
function payloads(tag: string, n: number, tsBase: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    listAddition({ email: `bench-${tag}-${i}@example.com`, ts: tsBase + i, id: 2_000_000 + i }),
  );
}

function eventIds(items: Record<string, unknown>[]): string[] {
  const { events, ignored } = parseBrevoWebhook(items);
  if (ignored.length > 0 || events.length !== items.length)
    throw new Error(`the bench payloads do not parse as ${items.length} events: ${JSON.stringify(ignored[0])}`);
  return events.map((e) => e.id);
}

interface PostResult {
  seq: number;
  start: number;
  end: number;
  ms: number;
  status: number;
  accepted: number;
}

interface IngressSpan {
  seq: number;
  start: number;
  end: number;
  calls: { target: string; start: number; end?: number }[];
}

/**
 * Times the ingress function and the AWS requests it makes. The gateway reads
 * `functions[route.function]` on every request, so swapping the entry wraps every webhook.
 */
class IngressProbe {
  readonly spans: IngressSpan[] = [];
  private readonly als = new AsyncLocalStorage<IngressSpan>();
  private readonly open = new WeakMap<object, { target: string; start: number; end?: number }>();
  private readonly original: LocalStack['functions']['ingress'];
  private readonly onStart = (msg: unknown) => {
    const span = this.als.getStore();
    if (!span) return;
    const req = (msg as { request: ClientRequest }).request;
    const target = req.getHeader('x-amz-target');
    const call = {
      target: typeof target === 'string' ? target : `${req.method} ${req.host}${req.path.split('?')[0]}`,
      start: performance.now(),
    };
    span.calls.push(call);
    this.open.set(req, call);
  };
  private readonly onFinish = (msg: unknown) => {
    const req = (msg as { request: ClientRequest }).request;
    const call = this.open.get(req);
    if (call) call.end = performance.now();
  };

  constructor(private readonly stack: LocalStack) {
    this.original = stack.functions.ingress;
    diagnostics.subscribe('http.client.request.start', this.onStart);
    // Published when the response's headers are parsed (the bodies here are a few hundred bytes).
    diagnostics.subscribe('http.client.response.finish', this.onFinish);
    stack.functions.ingress = (event: unknown, context: unknown) => {
      const headers = (event as { headers?: Record<string, string> }).headers ?? {};
      const span: IngressSpan = {
        seq: Number(headers['x-bench-seq'] ?? -1),
        start: performance.now(),
        end: 0,
        calls: [],
      };
      return this.als.run(span, async () => {
        try {
          return await this.original(event, context);
        } finally {
          span.end = performance.now();
          this.spans.push(span);
        }
      });
    };
  }

  restore(): void {
    this.stack.functions.ingress = this.original;
    diagnostics.unsubscribe('http.client.request.start', this.onStart);
    diagnostics.unsubscribe('http.client.response.finish', this.onFinish);
  }
}

async function post(stack: LocalStack, body: unknown, seq: number): Promise<PostResult> {
  const start = performance.now();
  const res = await fetch(`${stack.url}/webhooks/brevo/${stack.tenantId}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.webhookToken}`,
      'content-type': 'application/json',
      'x-bench-seq': String(seq),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { accepted?: number };
  const end = performance.now();
  return { seq, start, end, ms: end - start, status: res.status, accepted: json.accepted ?? 0 };
}

async function postAll(stack: LocalStack, bodies: unknown[], concurrency: number): Promise<PostResult[]> {
  const out: PostResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const seq = next++;
      out.push(await post(stack, bodies[seq], seq));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  return out.sort((a, b) => a.seq - b.seq);
}

/** Slack messages of the scenario (after `from` in the channel) until they cover `expected` events. */
async function waitForDelivery(
  stack: LocalStack,
  ids: string[],
  from: number,
  timeoutMs: number,
): Promise<{ messages: SimMessage[]; completedAt: number | null; marked: number; timedOut: boolean }> {
  const slack = stack.sandbox?.slack;
  if (!slack) throw new Error('the local stack has no Slack simulator');
  const deadline = Date.now() + timeoutMs;
  const channelMessages = () => slack.messages(SANDBOX_SLACK_CHANNEL).slice(from);
  let completedAt: number | null = null;
  while (Date.now() < deadline) {
    const msgs = channelMessages();
    const covered = msgs.reduce((n, m) => n + eventsIn(m), 0);
    if (covered >= ids.length) {
      // The message that completed the count; the worker marks events right after it posts.
      let sum = 0;
      for (const m of msgs) {
        sum += eventsIn(m);
        if (sum >= ids.length) {
          completedAt = tsMs(m);
          break;
        }
      }
      break;
    }
    await sleep(100);
  }
  // Markers (and any late or duplicate post): wait for the lane to settle.
  let marked = 0;
  const settleUntil = Math.min(deadline + 5_000, Date.now() + 10_000);
  let quietSince = Date.now();
  let lastCount = channelMessages().length;
  while (Date.now() < settleUntil) {
    marked = await countMarked(stack, ids);
    const count = channelMessages().length;
    if (count !== lastCount) {
      lastCount = count;
      quietSince = Date.now();
    }
    const idle = !stack.runners.slackWorker?.busy;
    if (marked >= ids.length && idle && Date.now() - quietSince >= 1_500) break;
    if (completedAt === null && idle && Date.now() - quietSince >= 1_500) break; // timed out: nothing moves
    await sleep(250);
  }
  return { messages: channelMessages(), completedAt, marked, timedOut: completedAt === null };
}

/** The events with their posted marker (the Slack worker writes it after the post). */
export async function countMarked(stack: LocalStack, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 20) {
    const chunk = ids.slice(i, i + 20);
    const r = await Promise.all(
      chunk.map((id) => stack.dynamo.store.wasPosted(stack.tenantId, SANDBOX_SLACK_CHANNEL, id)),
    );
    n += r.filter(Boolean).length;
  }
  return n;
}

/** Messages left in the Slack lane and in its dead-letter queue. */
export async function laneDepth(stack: LocalStack): Promise<{ left: number | null; dead: number | null }> {
  const sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const depth = async (url: string | undefined) => {
    if (!url) return null;
    const res = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  try {
    const left = await depth(stack.queueUrls.slackLane).catch(() => null);
    const dlqUrl = await sqs
      .send(new GetQueueUrlCommand({ QueueName: `${stack.table}-slackLane-dlq.fifo` }))
      .then((r) => r.QueueUrl)
      .catch(() => undefined);
    const dead = await depth(dlqUrl).catch(() => null);
    return { left, dead };
  } finally {
    sqs.destroy();
  }
}

function deliveryFigures(args: {
  messages: SimMessage[];
  completedAt: number | null;
  marked: number;
  timedOut: boolean;
  expected: number;
  firstPostAt: number;
  slack429: number;
  postMessageRequests: number;
  workerInvocations: number;
  lane: { left: number | null; dead: number | null };
  /** Events one lane message of the scenario carries (to count what is still queued). */
  eventsPerLaneMessage: number;
}): SlackScenarioResult['delivery'] {
  const { messages } = args;
  const counts = messages.map(eventsIn);
  const covered = counts.reduce((a, b) => a + b, 0);
  const digests = messages.filter((m) => DIGEST_TEXT.test(m.text)).length;
  const times = messages.map(tsMs);
  const first = times[0];
  const last = times.at(-1);
  const window = first !== undefined && last !== undefined ? last - first : null;
  const perSecond = window && messages.length > 1 ? ((messages.length - 1) / window) * 1000 : null;
  const deliverMs = args.completedAt !== null ? args.completedAt - args.firstPostAt : null;
  let gaps: SlackScenarioResult['delivery']['gaps'];
  if (times.length > 1) {
    const g = times.slice(1).map((t, i) => t - (times[i] as number));
    const q = quantiles(g);
    gaps = { meanMs: q.meanMs, p50Ms: q.p50Ms, maxMs: q.maxMs, over1500Ms: g.filter((x) => x > 1500).length };
  }
  return {
    messages: messages.length,
    digests,
    singles: messages.length - digests,
    eventsCovered: covered,
    eventsMarked: args.marked,
    undelivered: args.expected - args.marked,
    lost: Math.max(0, args.expected - args.marked - (args.lane.left ?? 0) * args.eventsPerLaneMessage),
    duplicates: args.lane.left === 0 ? Math.max(0, covered - args.marked) : repeatedContacts(messages),
    slack429: args.slack429,
    postMessageRequests: args.postMessageRequests,
    deliverMs: deliverMs === null ? null : Math.round(deliverMs),
    firstMessageMs: first !== undefined ? Math.round(first - args.firstPostAt) : null,
    postingWindowMs: window,
    messagesPerSecond: perSecond === null ? null : round(perSecond, 3),
    ceilingRatio: perSecond === null ? null : round(perSecond / CHANNEL_CEILING_PER_SECOND, 3),
    eventsPerSecond: deliverMs ? round((args.expected / deliverMs) * 1000, 1) : null,
    gaps,
    eventsPerMessage: counts,
    workerInvocations: args.workerInvocations,
    laneLeft: args.lane.left,
    deadLettered: args.lane.dead,
    timedOut: args.timedOut,
    eventsPerInvocation: args.workerInvocations > 0 ? round(args.marked / args.workerInvocations, 2) : null,
  };
}

/** `1 1 1 10 10 3` → `1×3, 10×2, 3`. */
function runLengths(values: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    out.push(j - i > 1 ? `${values[i]}×${j - i}` : String(values[i]));
    i = j;
  }
  return out.join(', ') || 'none';
}

/** Single messages naming a contact another single message already named. */
function repeatedContacts(messages: SimMessage[]): number {
  const seen = new Set<string>();
  let n = 0;
  for (const m of messages) {
    if (DIGEST_TEXT.test(m.text)) continue;
    const email = /bench-[a-z]+-\d+@example\.com/.exec(m.text)?.[0];
    if (!email) continue;
    if (seen.has(email)) n += 1;
    seen.add(email);
  }
  return n;
}

function ackBreakdown(
  results: PostResult[],
  spans: IngressSpan[],
  warmup: number,
  loop: LoopFigures,
): AckBreakdown | undefined {
  const bySeq = new Map(spans.map((s) => [s.seq, s]));
  const warm = results.filter((r) => r.seq >= warmup && bySeq.has(r.seq));
  if (warm.length === 0) return undefined;
  const handler: number[] = [];
  const outside: number[] = [];
  const own: number[] = [];
  const calls = new Map<string, number[]>();
  for (const r of warm) {
    const s = bySeq.get(r.seq) as IngressSpan;
    const h = s.end - s.start;
    handler.push(h);
    outside.push(r.ms - h);
    let waited = 0;
    for (const c of s.calls) {
      const d = (c.end ?? s.end) - c.start;
      waited += d;
      const list = calls.get(c.target) ?? [];
      list.push(d);
      calls.set(c.target, list);
    }
    own.push(Math.max(0, h - waited));
  }
  return {
    handler: quantiles(handler),
    outsideHandler: quantiles(outside),
    calls: Object.fromEntries(
      [...calls.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([t, d]) => [t, { ...quantiles(d), perPost: round(d.length / warm.length, 2) }]),
    ),
    handlerOwn: quantiles(own),
    eventLoopDelay: loop,
  };
}

// ------------------------------------------------------------------------------------ D and E

/**
 * A fresh local stack on the sandbox (20 rows, lane concurrency 2, no real provider token from the
 * environment) for one scenario, stopped and its state removed afterwards.
 */
export async function withSandboxStack<T>(
  name: string,
  log: (line: string) => void,
  scenario: (stack: LocalStack) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `tajo-bench-${name}-`));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  delete env.SLACK_BOT_TOKEN;
  delete env.TAJO_LOCAL_POLL_MINUTES;
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      port: 0,
      stateDir: dir,
      configPath: join(dir, 'no-such-config.yaml'),
      env,
      sandboxRows: 20,
      laneConcurrency: 2,
      log,
    });
    return await scenario(stack);
  } finally {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function slackScenarios(o: SlackBenchOptions): Promise<SlackScenarioResult[]> {
  o.progress('D/E: starting a fresh local stack (sandbox Slack, lane concurrency 2)');
  return withSandboxStack(
    'slack',
    (line) => o.progress(`D/E stack: ${line}`),
    async (s) => {
      const slack = s.sandbox?.slack;
      if (!slack) throw new Error('the local stack did not start the Slack simulator (a SLACK_BOT_TOKEN in the env?)');
      slack.log.keepBodies = false;
      const probe = new IngressProbe(s);
      try {
        const d = await burstScenario(s, probe, o);
        const e = await batchedScenario(s, probe, o);
        return [d, e];
      } finally {
        probe.restore();
      }
    },
  );
}

async function burstScenario(s: LocalStack, probe: IngressProbe, o: SlackBenchOptions): Promise<SlackScenarioResult> {
  const slack = s.sandbox?.slack as NonNullable<NonNullable<LocalStack['sandbox']>['slack']>;
  const items = payloads('d', o.events, TS + 10_000);
  const ids = eventIds(items);
  const from = slack.messages(SANDBOX_SLACK_CHANNEL).length;
  const r0 = slack.stats().rateLimited;
  const p0 = slack.stats().byMethod['chat.postMessage'] ?? 0;
  const inv0 = s.runners.slackWorker?.invocations ?? 0;
  const spans0 = probe.spans.length;

  o.progress(`D: ${o.events} single-event webhooks for ${SANDBOX_SLACK_CHANNEL}, ${o.concurrency} in flight`);
  const monitor = phaseMonitor();
  const firstPostAt = Date.now();
  const results = await postAll(s, items, o.concurrency);
  const loopFigures = monitor.stop();
  const ingressPhaseMs = Math.round(Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start)));

  // Posted one per lane message at worst: the client's channel spacing bounds the wait.
  const waitMs = ids.length * SLACK_CHANNEL_INTERVAL_MS + 30_000;
  o.progress(
    `D: acked in ${(ingressPhaseMs / 1000).toFixed(2)} s; waiting (up to ${Math.round(waitMs / 1000)} s) for Slack to cover ${ids.length} events`,
  );
  // Meanwhile, the same path one POST at a time: D's events again (SQS drops them as duplicates).
  const sequentialRun = (async () => {
    const again = items.slice(o.warmup, o.warmup + SEQUENTIAL_POSTS);
    const seqMonitor = phaseMonitor();
    const out: PostResult[] = [];
    for (const [i, body] of again.entries()) out.push(await post(s, body, SEQUENTIAL_SEQ + i));
    return { results: out, loop: seqMonitor.stop() };
  })();
  const waited = await waitForDelivery(s, ids, from, waitMs);
  const seq = await sequentialRun;
  const delivery = deliveryFigures({
    ...waited,
    expected: ids.length,
    firstPostAt,
    slack429: slack.stats().rateLimited - r0,
    postMessageRequests: (slack.stats().byMethod['chat.postMessage'] ?? 0) - p0,
    workerInvocations: (s.runners.slackWorker?.invocations ?? 0) - inv0,
    lane: await laneDepth(s),
    eventsPerLaneMessage: 1,
  });

  const warm = results.filter((r) => r.seq >= o.warmup);
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const accepted = results.reduce((n, r) => n + r.accepted, 0);
  const ack: SlackScenarioResult['ack'] = {
    warm: quantiles(warm.map((r) => r.ms)),
    all: quantiles(results.map((r) => r.ms)),
    warmupExcluded: o.warmup,
    warmupMs: results.slice(0, o.warmup).map((r) => round(r.ms, 1)),
    statuses,
    accepted,
    ingressPhaseMs,
  };
  const spans = probe.spans.slice(spans0);
  const breakdownFigures = ackBreakdown(results, spans, o.warmup, loopFigures);
  const sequential: SlackScenarioResult['sequential'] = {
    posts: seq.results.length,
    ack: quantiles(seq.results.map((r) => r.ms)),
    breakdown: ackBreakdown(seq.results, spans, 0, seq.loop),
  };

  const goals = [
    goal('warm ack p99 (ms)', `< ${SLACK_GOALS.ackP99Ms}`, ack.warm.p99Ms, ack.warm.p99Ms < SLACK_GOALS.ackP99Ms),
    goal('Slack 429s', `= ${SLACK_GOALS.slack429}`, delivery.slack429, delivery.slack429 <= SLACK_GOALS.slack429),
    goal('events lost', `= ${SLACK_GOALS.lost}`, delivery.lost, delivery.lost <= SLACK_GOALS.lost),
    goal(
      'messages/s ÷ 1 msg/s channel ceiling',
      `≥ ${SLACK_GOALS.ceilingRatio}`,
      delivery.ceilingRatio,
      delivery.ceilingRatio !== null && delivery.ceilingRatio >= SLACK_GOALS.ceilingRatio,
    ),
  ];
  const checks = deliveryChecks(results, ids.length, delivery);
  checks.push({
    name: 'the sequential re-sends answered 200',
    pass: seq.results.every((r) => r.status === 200),
    detail: `${seq.results.filter((r) => r.status === 200).length}/${seq.results.length} sequential re-sends answered 200`,
  });
  const gaps = delivery.gaps;
  const throughput = (results.length / ingressPhaseMs) * 1000;
  const seqFirst = seq.results[0];
  const seqLast = seq.results.at(-1);
  const seqRate =
    seqFirst && seqLast && seqLast.end > seqFirst.start
      ? (seq.results.length / (seqLast.end - seqFirst.start)) * 1000
      : 0;
  return {
    id: 'D',
    title: `burst: ${o.events} single-event webhooks, one channel, ${o.concurrency} in flight`,
    posts: results.length,
    events: ids.length,
    concurrency: o.concurrency,
    ack,
    ackBreakdown: breakdownFigures,
    sequential,
    delivery,
    goals,
    checks,
    notes: [
      `Ack latency is the client's (fetch sent → JSON body read) through the local API Gateway; the first ${o.warmup} POSTs by send order (cold ingress bundle: SDK clients, first connections) are left out: ${ack.warmupMs.join(', ')} ms.`,
      `The burst is a closed loop of ${o.concurrency} POSTs in flight against one Node process: ${results.length} POSTs in ${round(ingressPhaseMs / 1000, 2)} s is ${round(throughput, 1)} POSTs/s, so by Little's law the mean latency is about ${o.concurrency} ÷ ${round(throughput, 1)} = ${round((o.concurrency / throughput) * 1000, 1)} ms (measured mean ${ack.all.meanMs} ms): queueing for the one thread that runs the client, gateway, ingress, dynalite and fauxqs. One POST at a time (${sequential.posts} re-sends of D's events while the worker posted): p50 ${sequential.ack.p50Ms}, p99 ${sequential.ack.p99Ms}, max ${sequential.ack.maxMs} ms, ${round(seqRate, 1)} POSTs/s: ${o.concurrency} in flight buy ${round(throughput / seqRate, 2)}× the throughput of one and cost ${round(ack.warm.p50Ms / Math.max(0.1, sequential.ack.p50Ms), 1)}× the median latency.`,
      `Events per worker invocation: ${delivery.eventsPerInvocation ?? 'n/a'}. fauxqs (local stack) hands out at most one message per FIFO message group per ReceiveMessage, so each single-event lane message is its own batch and the worker's "≥ ${DIGEST_MIN_BATCH} singles in a batch → one digest" never applies locally; SQS returns up to 10 messages of one group per receive.`,
      `Lane: ${delivery.workerInvocations} Slack worker invocations (batch size 10, FIFO group ${s.tenantId}:${SANDBOX_SLACK_CHANNEL}); a batch of ≥ ${DIGEST_MIN_BATCH} singles becomes one digest. Events per message, in posting order: ${runLengths(delivery.eventsPerMessage)}.`,
      gaps
        ? `Spacing of consecutive messages: mean ${gaps.meanMs} ms, p50 ${gaps.p50Ms}, max ${gaps.maxMs}; ${gaps.over1500Ms} gaps > 1.5 s. The client paces a channel at ${SLACK_CHANNEL_INTERVAL_MS} ms (at most ${round(1000 / SLACK_CHANNEL_INTERVAL_MS, 3)} msg/s).`
        : 'Fewer than two messages: no spacing to measure.',
      `Messages/s is (messages − 1) ÷ (last − first message); "deliver" counts from the first POST sent to the message that completed the ${ids.length} events.`,
    ],
  };
}

async function batchedScenario(s: LocalStack, probe: IngressProbe, o: SlackBenchOptions): Promise<SlackScenarioResult> {
  const slack = s.sandbox?.slack as NonNullable<NonNullable<LocalStack['sandbox']>['slack']>;
  const items = payloads('e', o.events, TS + 20_000);
  const ids = eventIds(items);
  // D's lane must be idle so E's figures are E's alone (waitForDelivery settled it already).
  const from = slack.messages(SANDBOX_SLACK_CHANNEL).length;
  const r0 = slack.stats().rateLimited;
  const p0 = slack.stats().byMethod['chat.postMessage'] ?? 0;
  const inv0 = s.runners.slackWorker?.invocations ?? 0;
  const spans0 = probe.spans.length;

  const laneBefore = await laneDepth(s);
  const idleBefore = laneBefore.left === 0 && !s.runners.slackWorker?.busy;

  o.progress(`E: ${o.events} events as one batched webhook delivery`);
  const monitor = phaseMonitor();
  const firstPostAt = Date.now();
  const res = await post(s, items, 0);
  const loopFigures = monitor.stop();
  const waited = await waitForDelivery(s, ids, from, 45_000);
  const delivery = deliveryFigures({
    ...waited,
    expected: ids.length,
    firstPostAt,
    slack429: slack.stats().rateLimited - r0,
    postMessageRequests: (slack.stats().byMethod['chat.postMessage'] ?? 0) - p0,
    workerInvocations: (s.runners.slackWorker?.invocations ?? 0) - inv0,
    lane: await laneDepth(s),
    eventsPerLaneMessage: Math.min(o.events, DIGEST_MAX_EVENTS),
  });
  const span = probe.spans.slice(spans0)[0];
  const q = quantiles([res.ms]);
  const handlerMs = span ? span.end - span.start : undefined;
  const callsLine = span
    ? span.calls
        .map((c) => `${c.target.replace(/^[A-Za-z0-9_]+\./, '')} ${round((c.end ?? span.end) - c.start, 1)} ms`)
        .join(', ')
    : 'not captured';
  const expectedMessages = Math.ceil(o.events / DIGEST_MAX_EVENTS);
  return {
    id: 'E',
    title: `batch: ${o.events} events in one webhook delivery, one channel`,
    posts: 1,
    events: ids.length,
    concurrency: 1,
    ack: {
      warm: q,
      all: q,
      warmupExcluded: 0,
      warmupMs: [],
      statuses: { [res.status]: 1 },
      accepted: res.accepted,
      ingressPhaseMs: Math.round(res.ms),
    },
    ackBreakdown: ackBreakdown([res], probe.spans.slice(spans0), 0, loopFigures),
    delivery,
    goals: [
      goal('ack of the one POST (ms)', `< ${SLACK_GOALS.ackP99Ms}`, round(res.ms, 1), res.ms < SLACK_GOALS.ackP99Ms),
      goal('Slack 429s', `= ${SLACK_GOALS.slack429}`, delivery.slack429, delivery.slack429 <= SLACK_GOALS.slack429),
      goal('events lost', `= ${SLACK_GOALS.lost}`, delivery.lost, delivery.lost <= SLACK_GOALS.lost),
    ],
    checks: [
      ...deliveryChecks([{ ...res, seq: 0, start: 0, end: 0 }], ids.length, delivery),
      {
        name: 'the lane was idle before E',
        pass: idleBefore,
        detail: `${laneBefore.left ?? '?'} messages of D were still in the lane when E started: E's figures include them`,
      },
      {
        name: 'one digest per 200 events',
        pass: delivery.messages === expectedMessages && delivery.digests === expectedMessages,
        detail: `${delivery.messages} messages (${delivery.digests} digests) for one delivery of ${o.events} events; expected ${expectedMessages} digest(s) (DIGEST_MAX_EVENTS ${DIGEST_MAX_EVENTS})`,
      },
    ],
    notes: [
      `The one POST: ${round(res.ms, 1)} ms at the client, ${handlerMs === undefined ? '?' : round(handlerMs, 1)} ms in the ingress handler; its AWS requests: ${callsLine}.`,
      `Delivered ${delivery.eventsCovered} events in ${delivery.messages} message(s) ${delivery.deliverMs === null ? '(not within the wait)' : `${round(delivery.deliverMs / 1000, 2)} s after the POST`}.`,
    ],
  };
}

function deliveryChecks(results: PostResult[], expected: number, d: SlackScenarioResult['delivery']): Check[] {
  const accepted = results.reduce((n, r) => n + r.accepted, 0);
  return [
    {
      name: 'every webhook answered 200 and accepted its events',
      pass: results.every((r) => r.status === 200) && accepted === expected,
      detail: `${results.filter((r) => r.status === 200).length}/${results.length} POSTs answered 200; ${accepted} of ${expected} events accepted`,
    },
    {
      name: 'delivered within the wait',
      pass: !d.timedOut,
      detail: `the channel's messages covered ${d.eventsCovered} of ${expected} events when the wait ended`,
    },
    {
      name: 'Slack and the posted markers agree',
      pass: d.eventsCovered === d.eventsMarked,
      detail: `messages cover ${d.eventsCovered} events, DynamoDB marks ${d.eventsMarked} as posted`,
    },
    {
      name: 'the lane and its DLQ are empty afterwards',
      pass: d.laneLeft === 0 && d.deadLettered === 0,
      detail: `${d.laneLeft ?? '?'} messages left in the Slack lane, ${d.deadLettered ?? '?'} in its DLQ`,
    },
  ];
}

// ------------------------------------------------------------------------------------ output

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? 'n/a' : String(round(v, digits));

export function slackMissed(results: SlackScenarioResult[]): string[] {
  return results.flatMap((s) =>
    s.goals.filter((g) => !g.pass).map((g) => `${s.id} ${g.name}: ${g.value ?? 'n/a'} (goal ${g.target})`),
  );
}

const q = (x: Quantiles) =>
  x.n === 1
    ? `${fmt(x.p50Ms, 1)} ms`
    : `p50 ${fmt(x.p50Ms, 1)}, p95 ${fmt(x.p95Ms, 1)}, p99 ${fmt(x.p99Ms, 1)}, max ${fmt(x.maxMs, 1)} ms`;

function breakdownLines(b: AckBreakdown): string[] {
  const lines = [`- ingress handler: ${q(b.handler)}`];
  for (const [t, c] of Object.entries(b.calls)) lines.push(`  - ${t} (${c.perPost}/POST): ${q(c)}`);
  lines.push(`  - handler time outside those requests (parse, route, middy/powertools): ${q(b.handlerOwn)}`);
  lines.push(`- outside the handler (HTTP client, local gateway, event-loop waits): ${q(b.outsideHandler)}`);
  lines.push(
    `- the process meanwhile: ${b.eventLoopDelay.cpuPercent}% of one core busy (CPU time ÷ wall time); event-loop delay p50 ${b.eventLoopDelay.p50Ms}, p99 ${b.eventLoopDelay.p99Ms}, max ${b.eventLoopDelay.maxMs} ms`,
  );
  return lines;
}

export function slackMarkdown(results: SlackScenarioResult[], errors: string[] = []): string {
  const lines: string[] = [];
  lines.push('## Brevo → Slack notifications (local stack)');
  lines.push('');
  lines.push(
    `Webhooks → ingress (the Lambda bundle behind the local API Gateway) → Slack lane (fauxqs FIFO, group tenant:channel, 2 pollers, batch 10) → Slack worker → the Slack simulator at 1 message/s per channel (429 + Retry-After beyond). One Node process hosts the client, gateway, emulators and workers. Goals: warm ack p99 < ${SLACK_GOALS.ackP99Ms} ms, 0 Slack 429s, 0 events lost, messages/s ÷ 1 ≥ ${SLACK_GOALS.ceilingRatio}.`,
  );
  lines.push('');
  if (results.length > 0) {
    lines.push(
      '| Scenario | POSTs | Events | Ack p50 (ms) | p95 | p99 | max | Messages (digests) | Events covered | Lost | Slack 429 | Deliver (s) | Msg/s | Events/s |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of results) {
      const d = s.delivery;
      lines.push(
        `| ${s.id}. ${s.title} | ${s.posts} | ${s.events} | ${fmt(s.ack.warm.p50Ms, 1)} | ${fmt(s.ack.warm.p95Ms, 1)} | ${fmt(s.ack.warm.p99Ms, 1)} | ${fmt(s.ack.warm.maxMs, 1)} | ${d.messages} (${d.digests}) | ${d.eventsCovered} | ${d.lost} | ${d.slack429} | ${fmt(d.deliverMs === null ? null : d.deliverMs / 1000, 2)} | ${fmt(d.messagesPerSecond, 3)} | ${fmt(d.eventsPerSecond, 1)} |`,
      );
    }
    lines.push('');
    lines.push('### Goals');
    lines.push('');
    lines.push('| Scenario | Goal | Target | Measured | Result |');
    lines.push('|---|---|---|---:|---|');
    for (const s of results) {
      for (const g of s.goals) {
        lines.push(`| ${s.id} | ${g.name} | ${g.target} | ${fmt(g.value, 3)} | ${g.pass ? 'met' : '**MISSED**'} |`);
      }
    }
    const failed = results.flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => `${s.id}: ${c.detail}`));
    if (failed.length > 0) {
      lines.push('');
      lines.push('### Correctness checks that FAILED');
      lines.push('');
      for (const c of failed) lines.push(`- ${c}`);
    }
    lines.push('');
    lines.push('### Where the ack time goes');
    for (const s of results) {
      const b = s.ackBreakdown;
      lines.push('');
      lines.push(
        `**${s.id}**: ack p50 ${fmt(s.ack.warm.p50Ms, 1)} ms, p99 ${fmt(s.ack.warm.p99Ms, 1)} ms over ${s.ack.warm.n} POSTs` +
          (s.ack.warmupExcluded > 0
            ? ` (all ${s.ack.all.n}: p50 ${fmt(s.ack.all.p50Ms, 1)}, p99 ${fmt(s.ack.all.p99Ms, 1)}, max ${fmt(s.ack.all.maxMs, 1)} ms)`
            : '') +
          `; ${s.posts} POSTs answered in ${fmt(s.ack.ingressPhaseMs / 1000, 2)} s.`,
      );
      if (b) {
        lines.push('');
        lines.push(...breakdownLines(b));
      }
      const seq = s.sequential;
      if (seq) {
        lines.push('');
        lines.push(
          `**${s.id}, one POST at a time** (${seq.posts} re-sends of its events while the worker posted): ${q(seq.ack)}.`,
        );
        if (seq.breakdown) {
          lines.push('');
          lines.push(...breakdownLines(seq.breakdown));
        }
      }
    }
    lines.push('');
    lines.push('### Delivery');
    for (const s of results) {
      const d = s.delivery;
      lines.push('');
      lines.push(
        `- ${s.id}: ${d.messages} messages (${d.digests} digests, ${d.singles} single) covering ${d.eventsCovered} events; ${d.eventsMarked} marked posted; undelivered ${d.undelivered}, lost ${d.lost}, duplicates ${d.duplicates}; ${d.postMessageRequests} chat.postMessage requests, ${d.slack429} answered 429; first message ${fmt(d.firstMessageMs === null ? null : d.firstMessageMs / 1000, 2)} s after the first POST, posting window ${fmt(d.postingWindowMs === null ? null : d.postingWindowMs / 1000, 2)} s; ${d.workerInvocations} worker invocations (${d.eventsPerInvocation ?? 'n/a'} events each); lane left ${d.laneLeft ?? '?'}, DLQ ${d.deadLettered ?? '?'}.`,
      );
    }
    const notes = results.flatMap((s) => s.notes.map((n) => `- ${s.id}: ${n}`));
    if (notes.length > 0) {
      lines.push('');
      lines.push('### Notes');
      lines.push('');
      lines.push(...notes);
    }
  }
  if (errors.length > 0) {
    lines.push('');
    lines.push('### Did not complete');
    lines.push('');
    for (const e of errors) lines.push(`- ${e}`);
  }
  lines.push('');
  return lines.join('\n');
}

export function slackConsoleTable(results: SlackScenarioResult[]): string {
  const head = [
    'Scenario',
    'POSTs',
    'Ack p50',
    'p95',
    'p99',
    'max',
    'Msgs',
    'Covered',
    'Lost',
    '429',
    'Deliver s',
    'Msg/s',
  ];
  const rows = results.map((s) => [
    `${s.id}. ${s.title}`,
    String(s.posts),
    fmt(s.ack.warm.p50Ms, 1),
    fmt(s.ack.warm.p95Ms, 1),
    fmt(s.ack.warm.p99Ms, 1),
    fmt(s.ack.warm.maxMs, 1),
    `${s.delivery.messages}`,
    String(s.delivery.eventsCovered),
    String(s.delivery.lost),
    String(s.delivery.slack429),
    fmt(s.delivery.deliverMs === null ? null : s.delivery.deliverMs / 1000, 2),
    fmt(s.delivery.messagesPerSecond, 3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push(`Ack in ms (D: without the first warm-up POSTs); Msg/s = (messages − 1) ÷ posting window, ceiling 1 msg/s`);
  out.push('');
  for (const s of results) {
    for (const g of s.goals) {
      out.push(`${s.id}  ${g.pass ? 'ok    ' : 'MISSED'}  ${g.name}: ${fmt(g.value, 3)} (goal ${g.target})`);
    }
    for (const c of s.checks.filter((x) => !x.pass)) out.push(`${s.id}  CHECK FAILED  ${c.detail}`);
  }
  return out.join('\n');
}
