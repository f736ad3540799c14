/** Slack simulator, gateway: method registration and dispatch (faults, token auth, fixed scope, rate tiers), argument parsing, HTTP answers. */

import type { SimRequest, SimResponse } from '../http-kit';
import { SlackControl } from './control';
import type { Workspace } from './store';
import { type Args, isRecord, SlackApiError } from './util';

/** Requests per minute of Slack's tiers. */
export const TIERS = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type Tier = keyof typeof TIERS;

export type Ctx = { ws: Workspace; args: Args; method: string; token: string };
export type Handler = (ctx: Ctx) => Record<string, unknown>;

export interface MethodSpec {
  /** Rate tier; `null` for special/unlimited methods. A function picks it per workspace. */
  tier: Tier | null | ((ws: Workspace) => Tier);
  /** Scope always needed (channel-dependent scopes are checked by the handler). */
  scope?: string;
  handler: Handler;
}

/** Raised inside a handler to answer HTTP 429. */
export class RateLimited extends Error {
  constructor(readonly retryAfter: number) {
    super('ratelimited');
  }
}

export abstract class SlackGateway extends SlackControl {
  // ===========================================================================================
  // HTTP plumbing

  protected api(method: string, spec: MethodSpec): void {
    const handler = (req: SimRequest) => this.dispatch(method, spec, req);
    this.route('POST', `/api/${method}`, handler);
    this.route('GET', `/api/${method}`, handler);
  }

  protected dispatch(method: string, spec: MethodSpec, req: SimRequest): SimResponse {
    const fault = this.takeFault();
    if (fault) return fault;
    const parsed = this.parseArgs(req);
    if ('error' in parsed) return ok200({ ok: false, error: parsed.error });
    const { args, token } = parsed;
    if (!token) return ok200({ ok: false, error: 'not_authed' });
    const ws = this.byToken.get(token);
    if (!ws) return ok200({ ok: false, error: 'invalid_auth' });
    if (ws.revoked) return ok200({ ok: false, error: 'token_revoked' });
    const expiresAt = this.tokenInstalls.get(token)?.expiresAt;
    if (expiresAt !== undefined && expiresAt <= this.clock.now()) return ok200({ ok: false, error: 'token_expired' });
    this.flushScheduled(ws);
    const headers = { 'X-OAuth-Scopes': [...ws.scopes].join(','), 'X-Accepted-OAuth-Scopes': spec.scope ?? '' };
    try {
      if (spec.scope) this.requireScope(ws, spec.scope);
      const tier = typeof spec.tier === 'function' ? spec.tier(ws) : spec.tier;
      if (tier !== null && this.tiersOn) {
        const perMinute = TIERS[tier];
        const taken = this.bucket(this.tierBuckets, `${token}|${method}`, perMinute / 60, perMinute / 10).take();
        if (!taken.ok) throw new RateLimited(taken.retryAfterSeconds);
      }
      return { ...ok200({ ok: true, ...spec.handler({ ws, args, method, token }) }), headers };
    } catch (err) {
      if (err instanceof SlackApiError) return { ...ok200({ ok: false, error: err.code, ...err.extra }), headers };
      if (err instanceof RateLimited) {
        this.rateLimitedCount++;
        return rateLimited(err.retryAfter);
      }
      throw err;
    }
  }

  protected takeFault(): SimResponse | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.shift();
    const { spec } = fault;
    const status = spec.status ?? (spec.retryAfter !== undefined ? 429 : 200);
    const headers: Record<string, string> = {};
    const retryAfter = spec.retryAfter ?? (status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    const error = spec.error ?? (status === 429 ? 'ratelimited' : 'internal_error');
    return { status, headers, body: { ok: false, error } };
  }

  /** Query-string arguments overlaid by the body (form or JSON); the token from header or form. */
  protected parseArgs(req: SimRequest): { args: Args; token: string | undefined } | { error: string } {
    const args: Args = {};
    for (const [k, v] of req.query) args[k] = v;
    delete args.token;
    let token: string | undefined;
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    if (req.rawBody.length > 0) {
      if (contentType.includes('json')) {
        if (!isRecord(req.body)) return { error: 'invalid_json' };
        Object.assign(args, req.body);
        delete args.token;
      } else if (contentType.includes('x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) args[k] = v;
        if (typeof args.token === 'string' && args.token !== '') token = args.token;
        delete args.token;
      }
    }
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && /^Bearer\s+\S/i.test(auth)) token = auth.replace(/^Bearer\s+/i, '').trim();
    return { args, token };
  }

  protected invalidJson(): SimResponse {
    return ok200({ ok: false, error: 'invalid_json' });
  }

  protected notFound(req: SimRequest): SimResponse {
    const method = req.path.startsWith('/api/') ? req.path.slice(5) : req.path;
    return { status: 404, body: { ok: false, error: 'unknown_method', req_method: method } };
  }
}

export function ok200(body: Record<string, unknown>): SimResponse {
  return { status: 200, body };
}

export function rateLimited(retryAfter: number): SimResponse {
  return {
    status: 429,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) },
    body: { ok: false, error: 'ratelimited' },
  };
}
