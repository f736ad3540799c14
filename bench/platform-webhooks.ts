/**
 * (I) Platform webhooks on a fresh local stack (issue 14, "webhook ack p99 on the local stack"):
 * an open-loop burst of Shopify deliveries, signed as Shopify signs them (base64 HMAC-SHA256 of the
 * raw body), at a fixed rate to `/webhooks/default/shopify/webhooks` — half customers/create
 * (contacts), half orders/create (order_placed events) — with one in ten a retry of an earlier
 * delivery (same X-Shopify-Webhook-Id). Figures: ack p50/p95/p99, statuses, then the wait until
 * every distinct delivery is written to the sandbox's Brevo (paced at its 10 requests/s), the
 * duplicates written (goal 0) and the deliveries lost.
 *
 * Environment: BENCH_PLATFORM_RATE (50), BENCH_PLATFORM_SECONDS (20), BENCH_PLATFORM_DRAIN_SECONDS
 * (300), BENCH_ONLY=platform-webhooks (this scenario alone: bench/results/platform-webhooks.*).
 */
import type { LocalStack } from '../local/stack';
import { postDelivery, type SignedDelivery } from '../sandbox/platform-kit';
import { ShopifySimulator } from '../sandbox/shopify';
import { connectShopifyOnStack } from '../test/support/platform-connections';
import { openLoop } from './open-loop';
import { type Quantiles, quantiles, withSandboxStack } from './slack-notifications';

export interface PlatformWebhookOptions {
  rate: number;
  seconds: number;
  drainSeconds: number;
  progress: (line: string) => void;
}

export const PLATFORM_GOALS = { ackP99Ms: 1_000, duplicates: 0, lost: 0 };

export interface PlatformWebhookResult {
  id: 'I';
  title: string;
  offered: { rate: number; seconds: number; requests: number; retries: number };
  lateSends: number;
  statuses: Record<string, number>;
  ack: Quantiles;
  process: { cpuPercent: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
  drain: {
    /** Distinct deliveries (contacts + orders) the burst carried. */
    distinct: number;
    written: number;
    /** Brevo events written more than once for one order (a retry written again). */
    duplicates: number;
    lost: number;
    /** Last answer → every distinct delivery written (null: not within the wait). */
    lagToDoneMs: number | null;
    brevoRequests: number;
    brevo429: number;
  };
  goals: { name: string; target: string; actual: string; met: boolean }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APP_SECRET = 'shpss_bench_platform_webhooks';

export async function platformWebhookScenario(o: PlatformWebhookOptions): Promise<PlatformWebhookResult> {
  o.progress('I: starting a fresh local stack (sandbox, lane concurrency 2)');
  return withSandboxStack(
    'platform-webhooks',
    () => undefined,
    (stack) => run(stack, o),
  );
}

async function run(s: LocalStack, o: PlatformWebhookOptions): Promise<PlatformWebhookResult> {
  const brevo = s.sandbox?.brevo;
  if (!brevo) throw new Error('the local stack did not start the Brevo simulator (a BREVO_API_KEY in the env?)');
  await connectShopifyOnStack(s, APP_SECRET);
  const shopify = new ShopifySimulator({ clientSecret: APP_SECRET });
  const total = o.rate * o.seconds;
  const deliveries: SignedDelivery[] = [];
  const contacts = new Set<string>();
  const orders = new Set<number>();
  let retries = 0;
  for (let i = 0; i < total; i++) {
    if (i % 10 === 9) {
      deliveries.push(deliveries[i - 5] as SignedDelivery);
      retries++;
    } else if (i % 2 === 0) {
      const email = `bench-c-${i}@example.com`;
      contacts.add(email);
      deliveries.push(shopify.delivery('customers/create', { id: 10_000 + i, email, first_name: 'Bench' }));
    } else {
      orders.add(90_000 + i);
      deliveries.push(
        shopify.delivery('orders/create', {
          id: 90_000 + i,
          email: `bench-o-${i}@example.com`,
          total_price: '42.00',
          currency: 'EUR',
          created_at: new Date().toISOString(),
        }),
      );
    }
  }
  const url = `${s.url}/webhooks/${s.tenantId}/shopify/webhooks`;
  const stats0 = brevo.stats();
  o.progress(`I: ${total} signed Shopify deliveries at ${o.rate}/s for ${o.seconds} s (${retries} retries)`);
  const burst = await openLoop({
    total,
    rate: o.rate,
    send: (i) => postDelivery(url, deliveries[i] as SignedDelivery),
    onProgress: (sent, answered) => o.progress(`I: ${sent} sent, ${answered} answered`),
  });
  o.progress(`I: burst answered in ${(burst.wallMs / 1000).toFixed(1)} s; waiting for the platform lane`);
  const answeredAt = Date.now();

  const distinct = contacts.size + orders.size;
  const written = () => {
    const c = brevo.contacts().filter((x) => contacts.has(x.email ?? '')).length;
    const ordersSeen = new Set(
      brevo
        .events()
        .filter((e) => e.event_name === 'order_placed' && orders.has(Number(e.event_properties?.order_id)))
        .map((e) => Number(e.event_properties?.order_id)),
    );
    return c + ordersSeen.size;
  };
  const deadline = answeredAt + o.drainSeconds * 1000;
  let doneAt: number | null = null;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    if (written() >= distinct) {
      doneAt = Date.now();
      break;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      o.progress(`I: ${written()}/${distinct} written`);
    }
    await sleep(500);
  }
  // Retries still in flight after the last write would show as duplicates: give them a moment.
  await sleep(3_000);
  const perOrder = new Map<number, number>();
  for (const e of brevo.events())
    if (e.event_name === 'order_placed' && orders.has(Number(e.event_properties?.order_id)))
      perOrder.set(Number(e.event_properties?.order_id), (perOrder.get(Number(e.event_properties?.order_id)) ?? 0) + 1);
  const duplicates = [...perOrder.values()].reduce((n, c) => n + c - 1, 0);
  const stats = brevo.stats();
  const ack = quantiles(burst.latencies);
  const finalWritten = written();
  const result: PlatformWebhookResult = {
    id: 'I',
    title: `Platform webhooks: ${o.rate} signed Shopify deliveries/s for ${o.seconds} s, one tenant`,
    offered: { rate: o.rate, seconds: o.seconds, requests: total, retries },
    lateSends: burst.lateSends,
    statuses: burst.statuses,
    ack,
    process: burst.process,
    drain: {
      distinct,
      written: finalWritten,
      duplicates,
      lost: distinct - finalWritten,
      lagToDoneMs: doneAt === null ? null : doneAt - answeredAt,
      brevoRequests: stats.requests - stats0.requests,
      brevo429: stats.rateLimited - stats0.rateLimited,
    },
    goals: [],
  };
  const g = (name: string, target: string, actual: string, met: boolean) =>
    result.goals.push({ name, target, actual, met });
  g('ack p99', `≤ ${PLATFORM_GOALS.ackP99Ms} ms`, `${ack.p99Ms} ms`, ack.p99Ms <= PLATFORM_GOALS.ackP99Ms);
  g('duplicates written', '0', String(duplicates), duplicates === PLATFORM_GOALS.duplicates);
  g('lost', '0', String(result.drain.lost), result.drain.lost === PLATFORM_GOALS.lost);
  return result;
}

export function platformMissed(r: PlatformWebhookResult): string[] {
  return r.goals.filter((x) => !x.met).map((x) => `I ${x.name}: ${x.actual} (goal ${x.target})`);
}

export function platformMarkdown(r: PlatformWebhookResult): string {
  return [
    `## I. ${r.title}`,
    '',
    '| figure | value |',
    '|---|---|',
    `| offered | ${r.offered.requests} deliveries (${r.offered.rate}/s × ${r.offered.seconds} s), ${r.offered.retries} of them retries, ${r.lateSends} sent > 100 ms late |`,
    `| statuses | ${Object.entries(r.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| ack p50 / p95 / p99 / max | ${r.ack.p50Ms} / ${r.ack.p95Ms} / ${r.ack.p99Ms} / ${r.ack.maxMs} ms |`,
    `| written | ${r.drain.written}/${r.drain.distinct} distinct deliveries, ${r.drain.duplicates} duplicates, ${r.drain.lost} lost |`,
    `| lag to done | ${r.drain.lagToDoneMs === null ? 'not within the wait' : `${(r.drain.lagToDoneMs / 1000).toFixed(1)} s after the last answer`} |`,
    `| Brevo requests / 429s | ${r.drain.brevoRequests} / ${r.drain.brevo429} |`,
    `| process during the burst | ${r.process.cpuPercent}% of a core, event loop p99 ${r.process.eventLoopP99Ms} ms (max ${r.process.eventLoopMaxMs}) |`,
    '',
    ...r.goals.map((x) => `- ${x.met ? 'met' : 'MISSED'}: ${x.name} ${x.actual} (goal ${x.target})`),
    '',
  ].join('\n');
}

export function platformConsoleTable(r: PlatformWebhookResult): string {
  return (
    `I platform webhooks (${r.offered.rate}/s × ${r.offered.seconds} s): ack p50 ${r.ack.p50Ms} ms p99 ${r.ack.p99Ms} ms, ` +
    `written ${r.drain.written}/${r.drain.distinct}, duplicates ${r.drain.duplicates}, lost ${r.drain.lost}`
  );
}
