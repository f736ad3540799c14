/**
 * A platform that installs by OAuth (a CRM): its authorization server (authorization-server.ts) at
 * `/oauth/authorize` and `/oauth/token`, and its API, `GET /api/contacts` (cursor pages:
 * `{data, meta: {next_cursor}}`, `limit` 1..100), which takes only a live `Bearer` access token
 * (401 `invalid_token` otherwise). test/fixtures/definitions/oauth-crm.yaml is its definition.
 */

import { z } from 'zod';
import { type SimRequest, type SimResponse, SimServer } from '../http-kit';
import { FIRST_NAMES, LAST_NAMES, pick, seededRandom } from '../platform-kit';
import {
  AuthorizationServer,
  type AuthorizationState,
  authorizationStateSchema,
  type OAuthPlatformClient,
} from './authorization-server';

export type { AuthorizationState, OAuthPlatformClient } from './authorization-server';

export interface OAuthPlatformOptions {
  clients: OAuthPlatformClient[];
  /** Seeded contacts (default 25). */
  contacts?: number;
  accessTokenTtlS?: number;
  codeTtlMs?: number;
  /** The platform's clock (default: real time); tests move it to expire tokens. */
  now?: () => number;
}

export interface CrmContact {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  updated_at: string;
}

export class OAuthPlatformSimulator extends SimServer {
  readonly oauth: AuthorizationServer;
  readonly contacts: CrmContact[];
  /** API requests refused for their token (the tests see a 401 happen). */
  unauthorized = 0;

  constructor(options: OAuthPlatformOptions) {
    super();
    const now = options.now ?? Date.now;
    this.oauth = new AuthorizationServer({
      clients: options.clients,
      now,
      ...(options.accessTokenTtlS !== undefined ? { accessTokenTtlS: options.accessTokenTtlS } : {}),
      ...(options.codeTtlMs !== undefined ? { codeTtlMs: options.codeTtlMs } : {}),
    });
    const random = seededRandom(14);
    this.contacts = Array.from({ length: options.contacts ?? 25 }, (_, i) => {
      const first = pick(random, FIRST_NAMES);
      const last = pick(random, LAST_NAMES);
      return {
        id: `c_${i + 1}`,
        email: `${first}.${last}.${i + 1}@crm.example`.toLowerCase(),
        first_name: first,
        last_name: last,
        updated_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      };
    });
    this.route('GET', '/oauth/authorize', (req) => this.oauth.authorize(req.query));
    this.route('POST', '/oauth/token', (req) => this.oauth.token(req.headers, req.rawBody));
    this.route('GET', '/api/contacts', (req) => this.list(req));
  }

  /** What a restart keeps: the tokens (the contacts come from the seed, the same at each start). */
  snapshot(): { oauth: AuthorizationState } {
    return { oauth: this.oauth.snapshot() };
  }

  /** A snapshot read back from a file: one line when it is not one. */
  restore(state: unknown): void {
    const parsed = z.object({ oauth: authorizationStateSchema }).safeParse(state);
    if (!parsed.success) throw new Error('the saved OAuth platform state is damaged (not a snapshot of its tokens)');
    this.oauth.restore(parsed.data.oauth);
  }

  private list(req: SimRequest): SimResponse {
    if (!this.oauth.bearer(req.headers.authorization)) {
      this.unauthorized += 1;
      return {
        status: 401,
        body: { error: 'invalid_token', message: 'the access token is missing, expired or revoked' },
      };
    }
    const limit = Number(req.query.get('limit') ?? '20');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return { status: 400, body: { error: 'invalid_request', message: 'limit must be 1..100' } };
    const from = Number(req.query.get('cursor') ?? '0');
    if (!Number.isInteger(from) || from < 0 || from > this.contacts.length)
      return { status: 400, body: { error: 'invalid_request', message: 'unknown cursor' } };
    const data = this.contacts.slice(from, from + limit);
    const next = from + limit < this.contacts.length ? String(from + limit) : null;
    return { status: 200, body: { data, meta: { next_cursor: next } } };
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { error: 'invalid_request', message: 'malformed JSON body' } };
  }

  protected notFound(req: SimRequest): SimResponse {
    return { status: 404, body: { error: 'not_found', message: `no route ${req.method} ${req.path}` } };
  }
}
