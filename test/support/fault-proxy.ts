/**
 * A fault-injecting HTTP proxy in front of a simulator (Notion, Brevo, Slack): a seeded share of
 * the requests it receives get a fault instead of (or after) the simulator's answer, so the fault
 * suite reproduces a run exactly by its seed. Faults:
 * - `500`: an error answer, never forwarded (nothing applied);
 * - `429`: a rate-limit answer with Retry-After (and Brevo's x-sib-ratelimit-reset), never forwarded;
 * - `reset`: the connection destroyed before forwarding (nothing applied);
 * - `stall`: no answer for `stallMs`, then the connection destroyed (nothing applied; the client's
 *   attempt timeout should fire first: make stallMs longer than it);
 * - `lost`: the request forwarded and applied by the simulator, then the connection destroyed
 *   before the answer: the "applied but answer lost" case every write must survive.
 * The draws follow the order requests arrive, one draw sequence per proxy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { prng } from './prng';

export type FaultKind = '500' | '429' | 'reset' | 'stall' | 'lost';

export interface FaultProxyOptions {
  /** The simulator's base URL. */
  target: string;
  seed: number;
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Relative weights of the kinds (default: equal). A weight of 0 turns a kind off. */
  weights?: Partial<Record<FaultKind, number>>;
  /** How long a stalled request hangs before its connection is destroyed. */
  stallMs?: number;
  /** The Retry-After of a 429, in seconds. */
  retryAfterSeconds?: number;
  /** Requests that may get a fault (default all). */
  eligible?: (method: string, path: string) => boolean;
}

export interface FaultStats {
  requests: number;
  forwarded: number;
  faults: Record<FaultKind, number>;
}

const KINDS: FaultKind[] = ['500', '429', 'reset', 'stall', 'lost'];
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'host',
  'upgrade',
]);

export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly draw: () => number;
  readonly stats: FaultStats = {
    requests: 0,
    forwarded: 0,
    faults: { '500': 0, '429': 0, reset: 0, stall: 0, lost: 0 },
  };
  baseUrl = '';

  constructor(private readonly opts: FaultProxyOptions) {
    this.draw = prng(opts.seed).next;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch(() => req.socket.destroy());
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Faults injected so far, all kinds. */
  get faultCount(): number {
    return Object.values(this.stats.faults).reduce((a, b) => a + b, 0);
  }

  private pick(method: string, path: string): FaultKind | undefined {
    // Two draws per request whatever happens, so one request's outcome never shifts the next's.
    const hit = this.draw();
    const which = this.draw();
    if (this.opts.eligible && !this.opts.eligible(method, path)) return undefined;
    if (hit >= this.opts.rate) return undefined;
    const weights = KINDS.map((k) => Math.max(0, this.opts.weights?.[k] ?? 1));
    const total = weights.reduce((a, b) => a + b, 0);
    if (total === 0) return undefined;
    let x = which * total;
    for (const [i, k] of KINDS.entries()) {
      x -= weights[i] as number;
      if (x < 0) return k;
    }
    return KINDS.at(-1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    this.stats.requests += 1;
    const fault = this.pick(method, path);
    if (fault) this.stats.faults[fault] += 1;
    switch (fault) {
      case '500':
        res.writeHead(500, { 'content-type': 'application/json' });
        // Both providers' error shapes: Brevo {code, message}, Notion {object, status, code, message}.
        res.end(
          JSON.stringify({
            object: 'error',
            status: 500,
            code: 'internal_error',
            message: 'injected fault: internal error',
          }),
        );
        return;
      case '429': {
        const s = this.opts.retryAfterSeconds ?? 1;
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(s),
          'x-sib-ratelimit-reset': String(s),
        });
        res.end(
          JSON.stringify({ object: 'error', status: 429, code: 'rate_limited', message: 'injected fault: slow down' }),
        );
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'stall': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          req.socket.destroy();
        }, this.opts.stallMs ?? 3_000);
        this.timers.add(t);
        return;
      }
      default:
        break;
    }
    const answer = await this.forward(req, method, body);
    if (fault === 'lost') {
      // Applied by the simulator; the answer never reaches the client.
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private async forward(
    req: IncomingMessage,
    method: string,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    this.stats.forwarded += 1;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const r = await fetch(`${this.opts.target.replace(/\/+$/, '')}${req.url ?? '/'}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      redirect: 'manual',
    });
    const out: Record<string, string> = {};
    r.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k)) out[k] = v;
    });
    return { status: r.status, headers: out, body: Buffer.from(await r.arrayBuffer()) };
  }
}
