/**
 * The small HTTP toolkit the provider simulators share: a loopback-only server, a router with path
 * parameters, JSON replies, a request log with per-route counters, token-bucket and fixed-window
 * limiters, and an injectable clock. Simulators enforce documented behaviour, so they are strict by
 * default: unknown routes are 404, malformed JSON is 400.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  rawBody: Buffer;
  /** Parsed JSON body, or undefined when the body is empty. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  label: string;
  handler: RouteHandler;
}

/** A clock the tests can move; defaults to real time. */
export class SimClock {
  private offsetMs = 0;
  private frozenAt: number | undefined;
  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }
  set(epochMs: number): void {
    this.frozenAt = epochMs;
  }
  unfreeze(): void {
    this.frozenAt = undefined;
  }
}

/**
 * Token bucket: `ratePerSecond` tokens refill continuously up to `burst`. A request that finds no
 * token is refused with the seconds until one is available.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = clock();
  }
  take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitMs = ((1 - this.tokens) / this.ratePerSecond) * 1000;
    // Rounded to whole ms first: floating-point dust would otherwise add a second to Retry-After.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.round(waitMs) / 1000)) };
  }
}

/** Fixed window counter (Brevo counts requests per second and per hour in windows). */
export class FixedWindow {
  private windowStart = 0;
  private count = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}
  take(): { ok: true; remaining: number; resetSeconds: number } | { ok: false; resetSeconds: number } {
    const now = this.clock();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now - ((now - this.windowStart) % this.windowMs);
      if (now - this.windowStart >= this.windowMs) this.windowStart = now;
      this.count = 0;
    }
    const resetSeconds = Math.max(0, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
    if (this.count >= this.limit) return { ok: false, resetSeconds };
    this.count += 1;
    return { ok: true, remaining: this.limit - this.count, resetSeconds };
  }
}

export interface RequestRecord {
  method: string;
  path: string;
  route: string;
  status: number;
  at: number;
  body?: unknown;
}

/** Counters every simulator exposes so tests and benchmarks can assert on traffic. */
export class RequestLog {
  readonly records: RequestRecord[] = [];
  /** Keep request bodies (off for benchmarks with large payloads). */
  keepBodies = true;
  add(rec: RequestRecord): void {
    this.records.push(this.keepBodies ? rec : { ...rec, body: undefined });
  }
  count(filter?: { route?: string; method?: string; status?: number }): number {
    return this.records.filter(
      (r) =>
        (filter?.route === undefined || r.route === filter.route) &&
        (filter?.method === undefined || r.method === filter.method) &&
        (filter?.status === undefined || r.status === filter.status),
    ).length;
  }
  byRoute(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records) out[r.route] = (out[r.route] ?? 0) + 1;
    return out;
  }
  clear(): void {
    this.records.length = 0;
  }
}

/** Closes a loopback listener now: open keep-alive connections are dropped, not waited for. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export abstract class SimServer {
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  readonly log = new RequestLog();
  baseUrl = '';

  /** Register `METHOD /path/:param` (the label is the pattern, used in the request log). */
  protected route(method: string, path: string, handler: RouteHandler): void {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          names.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, label: `${method} ${path}`, handler });
  }

  /** Hook run before routing; return a response to short-circuit (auth, rate limits, versions). */
  protected before(_req: SimRequest, _route: string): SimResponse | undefined {
    return undefined;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ message: `simulator error: ${(err as Error).message}` }));
      });
    });
    // Loopback only: simulators never listen on an external interface.
    // A port asked for and taken (npm start keeps a simulator's port across restarts) rejects.
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${bound}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    let matched: { route: Route; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      matched = { route, params };
      break;
    }
    const label = matched?.route.label ?? `${method} ${path}`;
    let body: unknown;
    let reply: SimResponse | undefined;
    if (rawBody.length > 0 && (req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        reply = this.invalidJson();
      }
    }
    const simReq: SimRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      params: matched?.params ?? {},
      rawBody,
      body,
    };
    reply ??= this.before(simReq, label);
    if (!reply) {
      reply = matched ? await matched.route.handler(simReq) : this.notFound(simReq);
    }
    this.log.add({ method, path, route: label, status: reply.status, at: Date.now(), body });
    res.statusCode = reply.status;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.body === undefined) {
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(reply.body));
  }

  protected abstract invalidJson(): SimResponse;
  protected abstract notFound(req: SimRequest): SimResponse;
}

/** Simulators call back only 127.0.0.1 URLs (webhooks, notifyUrl): tests never reach the internet. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname === '127.0.0.1';
  } catch {
    return false;
  }
}
