/**
 * OAuth v2 of a distributed Slack app, as the simulator plays it (reference/slack.md §8):
 *
 * - Apps (clients) are registered with a secret, redirect URLs and whether token rotation is on.
 *   Slack's install page is a browser page; here `authorize()` (control API) or `GET
 *   /__sandbox/oauth/v2/authorize` (the sandbox's stand-in: the authorize URL's query, answered with
 *   the redirect at once; `decision=deny` refuses, `team=` picks the workspace, `enterprise=` makes an
 *   org-wide install) issues a code.
 * - `oauth.v2.access` takes client_id and client_secret from the form or HTTP Basic. Errors are HTTP
 *   200 `{ok:false}`: `invalid_client_id`, `bad_client_secret`, `invalid_code` (unknown, used or older
 *   than 10 minutes), `bad_redirect_uri` (the authorize step had a redirect_uri and this one
 *   differs, or the app has several URLs and none is given), `invalid_grant_type`,
 *   `invalid_refresh_token` (unknown or already used: each refresh revokes the one sent).
 * - Without rotation the bot token never expires. With rotation the token is `xoxe.xoxb-…`, lives
 *   12 hours (`expires_in: 43200`, then every method answers `token_expired`), and comes with a
 *   `xoxe-1-…` refresh token; a refresh returns a new pair and the old access token keeps working
 *   until its own expiry.
 * - An org-wide install answers `team: null`, `enterprise: {id, name}`, `is_enterprise_install: true`;
 *   its token acts on the org's first workspace here.
 */
import { randomBytes } from 'node:crypto';
import type { SimClock, SimRequest, SimResponse } from '../http-kit';
import { basicCredentials, consentRedirect, OAuthClientRegistry } from '../oauth-kit';
import type { Workspace } from './store';
import type { SlackOAuthClientInput } from './types';

export const SLACK_CODE_TTL_MS = 10 * 60_000;
export const SLACK_ROTATING_TOKEN_TTL_S = 43_200;

export interface SlackOAuthRequest {
  grantType: 'authorization_code' | 'refresh_token' | string;
  ok: boolean;
  error?: string;
}

/** Which installation a token belongs to (auth.test and the token's lifetime). */
export interface TokenInstall {
  teamId: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
  /** Epoch ms; absent: the token does not expire. */
  expiresAt?: number;
}

interface CodeRec {
  clientId: string;
  redirectUri: string | undefined;
  teamId: string;
  enterpriseInstall: boolean;
  scopes: string[];
  installerUserId: string;
  expiresAt: number;
  used: boolean;
}

interface RefreshRec {
  clientId: string;
  install: Omit<TokenInstall, 'expiresAt'>;
  scopes: string[];
}

export interface SlackTokenRegistry {
  workspace(teamId: string): Workspace | undefined;
  /** The workspaces of an Enterprise Grid org, in the order given. */
  workspacesOf(enterpriseId: string): Workspace[];
  addToken(token: string, ws: Workspace, install: TokenInstall): void;
}

export class SlackOAuth {
  private readonly clients = new OAuthClientRegistry<SlackOAuthClientInput>('SlackSimulator');
  private readonly codes = new Map<string, CodeRec>();
  private readonly refreshTokens = new Map<string, RefreshRec>();
  /** Every oauth.v2.access call, in order. */
  readonly requests: SlackOAuthRequest[] = [];

  constructor(
    private readonly registry: SlackTokenRegistry,
    private readonly clock: SimClock,
  ) {}

  registerClient(input: SlackOAuthClientInput): void {
    this.clients.register(input);
  }

  addRedirectUri(clientId: string, uri: string): void {
    this.clients.addRedirectUri(clientId, uri);
  }

  /**
   * The install step: a code for a workspace (or, with `enterpriseId`, an org-wide install). Throws
   * for an unknown client, an unregistered redirect URL or an unknown workspace.
   */
  authorize(args: {
    clientId: string;
    redirectUri?: string;
    teamId?: string;
    enterpriseId?: string;
    scopes?: string[];
    installerUserId?: string;
  }): string {
    const client = this.clients.forConsent(args.clientId, args.redirectUri);
    let teamId: string;
    if (args.enterpriseId) {
      const first = this.registry.workspacesOf(args.enterpriseId)[0];
      if (!first) throw new Error(`no workspace in enterprise ${args.enterpriseId}`);
      teamId = first.teamId;
    } else {
      teamId = args.teamId ?? '';
      if (!this.registry.workspace(teamId)) throw new Error(`unknown team ${teamId}`);
    }
    const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: args.redirectUri,
      teamId,
      enterpriseInstall: Boolean(args.enterpriseId),
      scopes: args.scopes ?? [],
      installerUserId: args.installerUserId ?? 'U0INSTALLER',
      expiresAt: this.clock.now() + SLACK_CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /** `GET /__sandbox/oauth/v2/authorize`: the install page's outcome as a redirect. */
  authorizeRoute(req: SimRequest, defaultTeamId: string): SimResponse {
    const clientId = req.query.get('client_id') ?? '';
    const redirectUri = req.query.get('redirect_uri') ?? undefined;
    const state = req.query.get('state');
    const scopes = (req.query.get('scope') ?? '').split(',').filter(Boolean);
    let code: string;
    try {
      code = this.authorize({
        clientId,
        redirectUri,
        teamId: req.query.get('team') ?? defaultTeamId,
        enterpriseId: req.query.get('enterprise') ?? undefined,
        scopes,
      });
    } catch (err) {
      return { status: 400, body: { ok: false, error: 'invalid_request', detail: (err as Error).message } };
    }
    const target = redirectUri ?? (this.clients.get(clientId)?.redirectUris[0] as string);
    if (req.query.get('decision') !== 'deny') return consentRedirect(target, { code }, state);
    this.codes.delete(code);
    return consentRedirect(target, { error: 'access_denied' }, state);
  }

  /** `oauth.v2.access` (form arguments already parsed). */
  access(args: Record<string, unknown>, authorization: string | undefined): Record<string, unknown> {
    const grantType = typeof args.grant_type === 'string' ? args.grant_type : 'authorization_code';
    const res = this.accessFor(args, authorization, grantType);
    this.requests.push({ grantType, ok: res.ok === true, ...(res.ok ? {} : { error: String(res.error) }) });
    return res;
  }

  private accessFor(args: Record<string, unknown>, authorization: string | undefined, grantType: string) {
    // The form's credentials, or HTTP Basic (Slack accepts both).
    const basic = basicCredentials(authorization);
    const clientId = basic?.id ?? (typeof args.client_id === 'string' ? args.client_id : undefined);
    const clientSecret = basic?.secret ?? (typeof args.client_secret === 'string' ? args.client_secret : undefined);
    const client = this.clients.get(clientId);
    if (!client) return fail('invalid_client_id');
    if (client.clientSecret !== clientSecret) return fail('bad_client_secret');

    if (grantType === 'refresh_token') {
      const token = typeof args.refresh_token === 'string' ? args.refresh_token : '';
      const rec = this.refreshTokens.get(token);
      if (!rec || rec.clientId !== client.clientId) return fail('invalid_refresh_token');
      // Revoked by its use: a second refresh with it fails.
      this.refreshTokens.delete(token);
      return this.issue(client, rec.install, rec.scopes, undefined);
    }
    if (grantType !== 'authorization_code') return fail('invalid_grant_type');

    const code = typeof args.code === 'string' ? this.codes.get(args.code) : undefined;
    if (!code || code.clientId !== client.clientId || code.used || code.expiresAt <= this.clock.now()) {
      return fail('invalid_code');
    }
    const given = typeof args.redirect_uri === 'string' ? args.redirect_uri : undefined;
    if (code.redirectUri !== undefined ? given !== code.redirectUri : client.redirectUris.length > 1 && !given) {
      return fail('bad_redirect_uri');
    }
    code.used = true;
    const ws = this.registry.workspace(code.teamId) as Workspace;
    const install = {
      teamId: ws.teamId,
      ...(ws.enterpriseId ? { enterpriseId: ws.enterpriseId } : {}),
      isEnterpriseInstall: code.enterpriseInstall,
    };
    return this.issue(client, install, code.scopes.length ? code.scopes : [...ws.scopes], code.installerUserId);
  }

  private issue(
    client: SlackOAuthClientInput,
    install: Omit<TokenInstall, 'expiresAt'>,
    scopes: string[],
    installerUserId: string | undefined,
  ): Record<string, unknown> {
    const ws = this.registry.workspace(install.teamId) as Workspace;
    const rotation = client.tokenRotation === true;
    const accessToken = `${rotation ? 'xoxe.' : ''}xoxb-${randomBytes(16).toString('hex')}`;
    const expiresAt = rotation ? this.clock.now() + SLACK_ROTATING_TOKEN_TTL_S * 1000 : undefined;
    this.registry.addToken(accessToken, ws, { ...install, ...(expiresAt ? { expiresAt } : {}) });
    const out: Record<string, unknown> = {
      ok: true,
      access_token: accessToken,
      token_type: 'bot',
      scope: scopes.join(','),
      bot_user_id: ws.botUserId,
      app_id: ws.appId,
      team: install.isEnterpriseInstall ? null : { id: ws.teamId, name: ws.teamName },
      enterprise: ws.enterpriseId ? { id: ws.enterpriseId, name: ws.enterpriseName ?? ws.enterpriseId } : null,
      is_enterprise_install: install.isEnterpriseInstall,
    };
    if (installerUserId) out.authed_user = { id: installerUserId };
    if (rotation) {
      const refreshToken = `xoxe-1-${randomBytes(16).toString('hex')}`;
      this.refreshTokens.set(refreshToken, { clientId: client.clientId, install, scopes });
      out.refresh_token = refreshToken;
      out.expires_in = SLACK_ROTATING_TOKEN_TTL_S;
    }
    return out;
  }
}

function fail(error: string): Record<string, unknown> {
  return { ok: false, error };
}
