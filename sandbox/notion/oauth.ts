/**
 * OAuth 2.0 of a Notion public connection, as the simulator plays it (reference/notion.md §8):
 *
 * - Clients are registered with a secret and their redirect URIs. Notion's consent page is a
 *   browser page; here `authorize()` (control API) or `GET /__sandbox/oauth/authorize` (the
 *   sandbox's stand-in: same query as Notion's authorize URL, answers with the redirect at once,
 *   `decision=deny` for a refusal) issues a code for a client and redirect URI.
 * - `POST /v1/oauth/token` needs HTTP Basic client_id:client_secret (else 401 `invalid_client`).
 *   `authorization_code`: the code is single-use and expires after 10 minutes; `redirect_uri` is
 *   required when the authorize step had one (and must be identical), or when the client has
 *   several URIs; it is refused when the client has one URI and the authorize step had none.
 *   `refresh_token`: the refresh token rolls (the one sent is dead afterwards) and the access token
 *   it replaced stops working at once (Notion does not document this; it is the strict choice, so
 *   clients must cope with a 401 after another process refreshed). Every failure is 400
 *   `invalid_grant` (unknown, used, expired code; dead refresh token; redirect URI mismatch).
 * - Errors use the OAuth body `{error, error_description}` (Notion's exact shape is not documented;
 *   the client reads this and Notion's API error shape alike).
 * - Access tokens may be given a lifetime (`accessTokenTtlMs`): expired ones answer 401. The token
 *   response says nothing about it (Notion documents no `expires_in`): a client learns it from the 401.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimClock, SimRequest, SimResponse } from '../http-kit';
import { basicCredentials, consentRedirect, type OAuthClientInput, OAuthClientRegistry } from '../oauth-kit';
import { isRecord } from './util';

export const NOTION_CODE_TTL_MS = 10 * 60_000;

export type NotionOAuthClientInput = OAuthClientInput;

export interface NotionOAuthOptions {
  /** Lifetime of access tokens; default: they do not expire (only a refresh replaces them). */
  accessTokenTtlMs?: number;
}

export interface NotionOAuthRequest {
  grantType: string;
  status: number;
  error?: string;
}

interface CodeRec {
  clientId: string;
  redirectUri: string | undefined;
  expiresAt: number;
  used: boolean;
}

interface RefreshRec {
  clientId: string;
  accessToken: string;
}

/** The part of the simulator an OAuth grant acts on: which bearer tokens work. */
export interface TokenRegistry {
  addToken(token: string): void;
  removeToken(token: string): void;
}

export class NotionOAuth {
  private readonly clients = new OAuthClientRegistry<NotionOAuthClientInput>('NotionSimulator');
  private readonly codes = new Map<string, CodeRec>();
  private readonly refreshTokens = new Map<string, RefreshRec>();
  private readonly accessExpiry = new Map<string, number>();
  /** Every token request, in order (what a test counts: refreshes that reached "Notion"). */
  readonly requests: NotionOAuthRequest[] = [];

  constructor(
    private readonly registry: TokenRegistry,
    private readonly clock: SimClock,
    private readonly workspace: () => { workspaceId: string; workspaceName: string; botId: string },
    private readonly options: NotionOAuthOptions = {},
  ) {}

  registerClient(input: NotionOAuthClientInput): void {
    this.clients.register(input);
  }

  addRedirectUri(clientId: string, uri: string): void {
    this.clients.addRedirectUri(clientId, uri);
  }

  /**
   * The consent step: a code for the client, bound to the redirect URI given (if any). Throws for an
   * unknown client or an unregistered redirect URI (Notion shows an error page and never redirects).
   */
  authorize(args: { clientId: string; redirectUri?: string }): string {
    const client = this.clients.forConsent(args.clientId, args.redirectUri);
    const code = `ncode_${randomBytes(16).toString('hex')}`;
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: args.redirectUri,
      expiresAt: this.clock.now() + NOTION_CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /** `GET /__sandbox/oauth/authorize`: the consent page's outcome as a redirect. */
  authorizeRoute(req: SimRequest): SimResponse {
    const clientId = req.query.get('client_id') ?? '';
    const redirectUri = req.query.get('redirect_uri') ?? undefined;
    const state = req.query.get('state');
    if (req.query.get('response_type') !== 'code') {
      return { status: 400, body: { error: 'invalid_request', error_description: 'response_type must be code' } };
    }
    let code: string;
    try {
      code = this.authorize({ clientId, redirectUri });
    } catch (err) {
      return { status: 400, body: { error: 'invalid_request', error_description: (err as Error).message } };
    }
    const target = redirectUri ?? (this.clients.get(clientId)?.redirectUris[0] as string);
    if (req.query.get('decision') !== 'deny') return consentRedirect(target, { code }, state);
    this.codes.delete(code);
    return consentRedirect(target, { error: 'access_denied' }, state);
  }

  /** Whether a bearer token issued here has outlived its lifetime. */
  expired(token: string): boolean {
    const at = this.accessExpiry.get(token);
    return at !== undefined && at <= this.clock.now();
  }

  /** `POST /v1/oauth/token`. */
  tokenRoute(req: SimRequest): SimResponse {
    const body = isRecord(req.body) ? req.body : {};
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : '';
    const res = this.token(req, body, grantType);
    const error = isRecord(res.body) && typeof res.body.error === 'string' ? res.body.error : undefined;
    this.requests.push({ grantType, status: res.status, ...(error ? { error } : {}) });
    return res;
  }

  private token(req: SimRequest, body: Record<string, unknown>, grantType: string): SimResponse {
    const creds = basicCredentials(req.headers.authorization);
    const client = this.clients.get(creds?.id);
    if (!client || client.clientSecret !== creds?.secret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    }
    if (grantType === 'authorization_code') {
      const code = typeof body.code === 'string' ? this.codes.get(body.code) : undefined;
      if (!code || code.clientId !== client.clientId) return invalidGrant('Invalid code.');
      if (code.used) return invalidGrant('Code has already been used.');
      if (code.expiresAt <= this.clock.now()) return invalidGrant('Code has expired.');
      const given = typeof body.redirect_uri === 'string' ? body.redirect_uri : undefined;
      if (code.redirectUri !== undefined && given !== code.redirectUri) {
        return invalidGrant('redirect_uri does not match the one in the authorization request.');
      }
      if (code.redirectUri === undefined) {
        if (client.redirectUris.length > 1 && given === undefined) return invalidGrant('redirect_uri is required.');
        if (client.redirectUris.length === 1 && given !== undefined) {
          return invalidGrant('redirect_uri is not allowed: it was not in the authorization request.');
        }
      }
      code.used = true;
      return { status: 200, body: this.issue(client.clientId) };
    }
    if (grantType === 'refresh_token') {
      const token = typeof body.refresh_token === 'string' ? body.refresh_token : '';
      const rec = this.refreshTokens.get(token);
      if (!rec || rec.clientId !== client.clientId) return invalidGrant('Invalid refresh token.');
      // Rolled: the refresh token sent and the access token it went with stop working.
      this.refreshTokens.delete(token);
      this.registry.removeToken(rec.accessToken);
      this.accessExpiry.delete(rec.accessToken);
      return { status: 200, body: this.issue(client.clientId) };
    }
    return oauthError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grantType)} is not supported.`);
  }

  private issue(clientId: string): Record<string, unknown> {
    const accessToken = `ntn_oauth_${randomBytes(18).toString('hex')}`;
    const refreshToken = `nrt_${randomBytes(18).toString('hex')}`;
    this.registry.addToken(accessToken);
    if (this.options.accessTokenTtlMs !== undefined) {
      this.accessExpiry.set(accessToken, this.clock.now() + this.options.accessTokenTtlMs);
    }
    this.refreshTokens.set(refreshToken, { clientId, accessToken });
    const ws = this.workspace();
    return {
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: refreshToken,
      bot_id: ws.botId,
      workspace_id: ws.workspaceId,
      workspace_name: ws.workspaceName,
      workspace_icon: null,
      owner: {
        type: 'user',
        user: {
          object: 'user',
          id: INSTALLER_ID,
          name: 'Sandbox Admin',
          type: 'person',
          person: { email: 'admin@example.com' },
        },
      },
      duplicated_template_id: null,
      request_id: randomUUID(),
    };
  }
}

/** The user who consents in the simulator's sandbox. */
export const INSTALLER_ID = '0c6f1a2b-3d4e-4f50-8a61-7b8c9d0e1f23';

function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description } };
}

function invalidGrant(description: string): SimResponse {
  return oauthError(400, 'invalid_grant', description);
}
