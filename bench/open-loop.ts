/**
 * An open-loop burst on the local stack: request i is sent at its slot (t0 + i/rate) whatever the
 * earlier answers, as a provider's webhooks arrive. Latencies, statuses, late sends, and the
 * process's CPU and event-loop delay meanwhile (the generator shares the process with the stack).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { round } from './measure';

export interface OpenLoopFigures {
  latencies: number[];
  statuses: Record<string, number>;
  /** Requests sent later than their slot by more than 100 ms (the generator or the process fell behind). */
  lateSends: number;
  /** First request sent → last answer. */
  wallMs: number;
  process: { cpuPercent: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function openLoop(o: {
  total: number;
  rate: number;
  send: (i: number) => Promise<Response>;
  /** Each answer, its body read as JSON ({} when it is not). */
  onAnswer?: (i: number, status: number, body: unknown) => void;
  onProgress?: (sent: number, answered: number) => void;
}): Promise<OpenLoopFigures> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let lateSends = 0;
  let lastAnswer = t0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < o.total; i++) {
    const slot = t0 + (i * 1000) / o.rate;
    const wait = slot - performance.now();
    if (wait > 1) await sleep(wait);
    if (performance.now() - slot > 100) lateSends++;
    const start = performance.now();
    inFlight.push(
      o
        .send(i)
        .then(async (res) => {
          const body = (await res.json().catch(() => ({}))) as unknown;
          const end = performance.now();
          latencies.push(end - start);
          lastAnswer = Math.max(lastAnswer, end);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          o.onAnswer?.(i, res.status, body);
        })
        .catch(() => {
          statuses.error = (statuses.error ?? 0) + 1;
        }),
    );
    if (i > 0 && i % (o.rate * 10) === 0) o.onProgress?.(i, latencies.length);
  }
  await Promise.all(inFlight);
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = lastAnswer - t0;
  return {
    latencies,
    statuses,
    lateSends,
    wallMs,
    process: {
      cpuPercent: wallMs > 0 ? round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) : 0,
      eventLoopP99Ms: round(loop.percentile(99) / 1e6, 1),
      eventLoopMaxMs: round(loop.max / 1e6, 1),
    },
  };
}
