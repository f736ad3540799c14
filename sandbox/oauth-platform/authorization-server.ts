/**
 * A strict OAuth 2.0 authorization server (RFC 6749 §4.1 and §6, RFC 7636): what a platform that
 * installs by OAuth enforces, so the engine's install and refresh are tested against the rules
 * rather than against what the engine happens to send.
 * - authorize: a registered client and one of its redirect URIs (else an error, never a redirect),
 *   `response_type=code`; approved at once (the sandbox plays the consenting admin) or denied.
 * - token, `authorization_code`: the client's credentials (form or HTTP Basic, as the client is
 *   set up: `clientAuth`), the code single-use, unexpired, issued to that client, the same
 *   redirect_uri, and the PKCE verifier when the authorize step had a challenge (S256).
 * - token, `refresh_token`: the client's credentials; refresh tokens rotate (the spent one is dead).
 * - access tokens expire (`accessTokenTtlS`); `bearer()` says whether a request's token is live.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SimResponse } from '../http-kit';
import { basicCredentials, consentRedirect, OAuthClientRegistry } from '../oauth-kit';
import { registerTestSecrets } from '../secrets-registry';

export interface OAuthPlatformClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** How the token endpoint takes this client's credentials (default: either). */
  clientAuth?: 'post' | 'basic' | 'any';
}

export interface AuthorizationServerOptions {
  clients: OAuthPlatformClient[];
  /** Seconds an access token lives (default 3600). */
  accessTokenTtlS?: number;
  /** How long a code may be exchanged (default 60 s). */
  codeTtlMs?: number;
  now: () => number;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge?: string;
  expiresAt: number;
  used: boolean;
}

/** What a restart keeps (npm start's sandbox.json): the live access and refresh tokens; codes live a minute and are not kept. */
export const authorizationStateSchema = z.object({
  access: z.array(z.tuple([z.string(), z.object({ clientId: z.string(), expiresAt: z.number() })])),
  refresh: z.array(z.tuple([z.string(), z.object({ clientId: z.string(), scope: z.string(), revoked: z.boolean() })])),
});
export type AuthorizationState = z.infer<typeof authorizationStateSchema>;

const oauthError = (status: number, error: string, description: string): SimResponse => ({
  status,
  body: { error, error_description: description },
});

export class AuthorizationServer {
  readonly clients: OAuthClientRegistry<OAuthPlatformClient>;
  private readonly codes = new Map<string, PendingCode>();
  private readonly access = new Map<string, { clientId: string; expiresAt: number }>();
  private readonly refresh = new Map<string, { clientId: string; scope: string; revoked: boolean }>();
  /** Denies the next consents (the admin clicks Cancel). */
  deny = false;
  /** Token requests answered, by grant (the tests count refreshes). */
  readonly counts = { exchanges: 0, refreshes: 0, refused: 0 };

  constructor(private readonly options: AuthorizationServerOptions) {
    this.clients = new OAuthClientRegistry('oauth-platform');
    for (const c of options.clients) this.clients.register(c);
    // The run's secret scan looks for what this server hands out in every log line.
    registerTestSecrets(...options.clients.map((c) => c.clientSecret));
  }

  authorize(query: URLSearchParams): SimResponse {
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? undefined;
    try {
      this.clients.forConsent(clientId, redirectUri);
    } catch (err) {
      return oauthError(400, 'invalid_request', (err as Error).message);
    }
    const target = redirectUri ?? this.clients.get(clientId)?.redirectUris[0] ?? '';
    const state = query.get('state');
    if (query.get('response_type') !== 'code')
      return consentRedirect(target, { error: 'unsupported_response_type' }, state);
    const method = query.get('code_challenge_method');
    if (query.has('code_challenge') && method !== 'S256')
      return consentRedirect(target, { error: 'invalid_request' }, state);
    if (this.deny) return consentRedirect(target, { error: 'access_denied' }, state);
    const code = `code_${randomBytes(16).toString('hex')}`;
    const challenge = query.get('code_challenge') ?? undefined;
    this.codes.set(code, {
      clientId,
      redirectUri: target,
      scope: query.get('scope') ?? '',
      ...(challenge !== undefined ? { challenge } : {}),
      expiresAt: this.options.now() + (this.options.codeTtlMs ?? 60_000),
      used: false,
    });
    return consentRedirect(target, { code }, state);
  }

  token(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): SimResponse {
    if (!/application\/x-www-form-urlencoded/i.test(String(headers['content-type'] ?? '')))
      return this.refuse(400, 'invalid_request', 'the token request must be form-encoded');
    const form = new URLSearchParams(rawBody.toString('utf8'));
    const client = this.authenticate(headers.authorization, form);
    if ('status' in client) return client;
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') return this.exchange(client, form);
    if (grant === 'refresh_token') return this.rotate(client, form);
    return this.refuse(400, 'unsupported_grant_type', `grant_type ${grant} is not supported`);
  }

  /** Whether `Authorization: Bearer <token>` carries a live access token. */
  bearer(header: string | string[] | undefined): boolean {
    const token = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header)?.[1] : undefined;
    const known = token === undefined ? undefined : this.access.get(token);
    return known !== undefined && known.expiresAt > this.options.now();
  }

  /** Every access token stops working (a platform that revoked them): the next call is a 401. */
  revokeAccessTokens(): void {
    this.access.clear();
  }

  /** The grant is revoked (the user removed the app): refreshes are refused with invalid_grant. */
  revokeRefreshTokens(): void {
    for (const r of this.refresh.values()) r.revoked = true;
  }

  /** The tokens handed out, as restore() takes them back. */
  snapshot(): AuthorizationState {
    return { access: [...this.access], refresh: [...this.refresh] };
  }

  /** The tokens of a snapshot (a restart): a token issued before it still works, or is still refused. */
  restore(state: AuthorizationState): void {
    const parsed = authorizationStateSchema.parse(state);
    for (const [token, entry] of parsed.access) this.access.set(token, entry);
    for (const [token, entry] of parsed.refresh) this.refresh.set(token, entry);
    registerTestSecrets(...this.access.keys(), ...this.refresh.keys());
  }

  private authenticate(
    authorization: string | string[] | undefined,
    form: URLSearchParams,
  ): OAuthPlatformClient | SimResponse {
    const basic = basicCredentials(authorization);
    const id = basic ? decodeURIComponent(basic.id) : form.get('client_id');
    const secret = basic ? decodeURIComponent(basic.secret) : form.get('client_secret');
    const client = this.clients.get(id ?? undefined);
    const how = client?.clientAuth ?? 'any';
    if (!client || secret !== client.clientSecret)
      return this.refuse(401, 'invalid_client', 'client authentication failed');
    if ((how === 'basic' && !basic) || (how === 'post' && basic))
      return this.refuse(401, 'invalid_client', `this client authenticates with client_secret_${how}`);
    return client;
  }

  private exchange(client: OAuthPlatformClient, form: URLSearchParams): SimResponse {
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.clientId !== client.clientId) return this.refuse(400, 'invalid_grant', 'unknown code');
    if (code.used) return this.refuse(400, 'invalid_grant', 'the code was used already');
    code.used = true;
    if (code.expiresAt <= this.options.now()) return this.refuse(400, 'invalid_grant', 'the code expired');
    if (form.get('redirect_uri') !== code.redirectUri)
      return this.refuse(400, 'invalid_grant', 'redirect_uri does not match the authorize request');
    if (code.challenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (computed !== code.challenge) return this.refuse(400, 'invalid_grant', 'code_verifier does not match');
    }
    this.counts.exchanges += 1;
    return this.issue(client.clientId, code.scope);
  }

  private rotate(client: OAuthPlatformClient, form: URLSearchParams): SimResponse {
    const token = form.get('refresh_token') ?? '';
    const known = this.refresh.get(token);
    if (!known || known.clientId !== client.clientId || known.revoked)
      return this.refuse(400, 'invalid_grant', 'the refresh token is invalid or revoked');
    known.revoked = true;
    this.counts.refreshes += 1;
    return this.issue(client.clientId, known.scope);
  }

  private issue(clientId: string, scope: string): SimResponse {
    const ttl = this.options.accessTokenTtlS ?? 3600;
    const accessToken = `at_${randomBytes(16).toString('hex')}`;
    const refreshToken = `rt_${randomBytes(16).toString('hex')}`;
    registerTestSecrets(accessToken, refreshToken);
    this.access.set(accessToken, { clientId, expiresAt: this.options.now() + ttl * 1000 });
    this.refresh.set(refreshToken, { clientId, scope, revoked: false });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken, scope },
    };
  }

  private refuse(status: number, error: string, description: string): SimResponse {
    this.counts.refused += 1;
    return oauthError(status, error, description);
  }
}
