/**
 * OAuth 2.0 of an `auth: oauth2` definition (RFC 6749 §4.1, the authorization-code grant, with the
 * tenant's own OAuth app): the authorize URL the install sends the admin to (PKCE S256 when the
 * definition says `pkce: true`, RFC 7636), the token endpoint (the code exchange and the refresh,
 * form-encoded, the client's credentials in the form or as HTTP Basic by `client_auth`), a lenient
 * reading of its answer, and the session that signs requests with the access token: refreshed
 * before it expires and once on a 401, one refresh per grant at a time in this process.
 *
 * The tokens live with the connection's other secrets (the secret store's JSON at its tokenRef):
 * `access_token`, `refresh_token`, and when they were obtained and expire (`oauth_obtained_at`,
 * `oauth_expires_at`, epoch ms as text). The record keeps only what status shows (`settings.oauth`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ProviderError } from '../../core/errors';
import { newStats, pacedFetch, parseRetryAfter } from '../../core/http/paced-fetch';
import { type Clock, systemClock } from '../../core/ports';
import type { Definition } from './definition/schema';
import { assertPlatformUrlAllowed } from './outbound';

export type OAuth2Auth = Extract<Definition['auth'], { type: 'oauth2' }>;

/** The secret keys of a grant beyond the config's (`access_token`, `refresh_token`). */
export const EXPIRES_AT_KEY = 'oauth_expires_at';
export const OBTAINED_AT_KEY = 'oauth_obtained_at';

/** A token endpoint's answer as the engine keeps it. */
export interface OAuthTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/** What a record shows of its install (no secret): status reads it. */
export const oauthInstallSchema = z.object({
  /** `install`: obtained by the OAuth install; `token`: an access token given at connect. */
  source: z.enum(['install', 'token']).default('install'),
  installedAt: z.string().optional(),
  /** When the access token expires (ISO), when the platform said. */
  expiresAt: z.string().optional(),
  refreshedAt: z.string().optional(),
  /** The scopes granted (the answer's `scope`, else the definition's). */
  scopes: z.array(z.string()).default([]),
  /** Set when the platform refused the refresh: the one line saying what to do. */
  reinstall: z.string().optional(),
});
export type OAuthInstallInfo = z.infer<typeof oauthInstallSchema>;

export function oauth2Of(definition: Definition): OAuth2Auth | undefined {
  return definition.auth.type === 'oauth2' ? definition.auth : undefined;
}

/** RFC 7636: a 43-character verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The consent page's URL: the definition's authorizationUrl with the request's parameters. */
export function authorizeUrlOf(
  definition: Definition,
  args: { clientId: string; redirectUri: string; state: string; codeChallenge?: string },
): string {
  const auth = oauth2Of(definition);
  if (auth?.authorization_url === undefined)
    throw new Error(`${definition.name}'s definition has no authorizationUrl: add it to auth to install by OAuth`);
  const url = new URL(auth.authorization_url);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', args.clientId);
  url.searchParams.set('redirect_uri', args.redirectUri);
  if (auth.scopes.length > 0) url.searchParams.set('scope', auth.scopes.join(' '));
  url.searchParams.set('state', args.state);
  if (args.codeChallenge !== undefined) {
    url.searchParams.set('code_challenge', args.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/** Lenient (RFC 6749 §5.1): access_token required; the others optional, expires_in also as text. */
const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .nullish()
    .catch(undefined),
  refresh_token: z.string().min(1).nullish(),
  scope: z.string().nullish().catch(undefined),
});
const errorAnswer = z.looseObject({ error: z.string().optional(), error_description: z.string().optional() });

/** The tenant's OAuth app ('' for a public client's missing half: nothing is sent for it). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

interface TokenCallOptions {
  clock?: Clock;
}

type Grant = { grant_type: 'authorization_code' | 'refresh_token' } & Record<string, string>;

/** One request to the definition's token endpoint; a refusal is a ProviderError with the platform's `error`. */
async function tokenRequest(
  definition: Definition,
  form: Grant,
  client: OAuthClient,
  opts: TokenCallOptions,
): Promise<OAuthTokens> {
  const auth = oauth2Of(definition) as OAuth2Auth;
  const clock = opts.clock ?? systemClock;
  const body = new URLSearchParams(form);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (auth.client_auth === 'basic' && client.clientId !== '') {
    // RFC 6749 §2.3.1: each part form-encoded before the Basic pair.
    const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  } else if (client.clientId !== '') {
    body.set('client_id', client.clientId);
    if (client.clientSecret !== '') body.set('client_secret', client.clientSecret);
  }
  const url = new URL(auth.token_url);
  assertPlatformUrlAllowed(url, definition.label);
  const send = pacedFetch({
    provider: 'platform',
    clock,
    stats: newStats(),
    pacerFor: () => undefined,
    retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? 1000,
    // A refresh token stays valid until the answer is read; a code is single-use: never sent twice.
    isRetryable: () => form.grant_type === 'refresh_token',
  });
  const res = await send(url, { method: 'POST', headers, body: body.toString() });
  const text = await res.text();
  const data = parseAnswer(text, res.headers.get('content-type'));
  const what = form.grant_type === 'authorization_code' ? 'the authorization code' : 'the refresh token';
  if (!res.ok) {
    const err = errorAnswer.safeParse(data);
    const code = (err.success ? err.data.error : undefined) ?? `http_${res.status}`;
    const said = err.success && err.data.error_description ? `: ${err.data.error_description}` : '';
    throw new ProviderError(
      'platform',
      res.status,
      code,
      `${definition.label} refused ${what} (${res.status} ${code}${said}): ${advice(definition, code, form.grant_type)}`,
    );
  }
  const parsed = tokenAnswer.safeParse(data);
  if (!parsed.success)
    throw new ProviderError(
      'platform',
      502,
      'unexpected_answer',
      `${definition.label}'s token endpoint answered without an access_token: check the definition's tokenUrl`,
    );
  const t = parsed.data;
  return {
    access_token: t.access_token,
    ...(t.refresh_token ? { refresh_token: t.refresh_token } : {}),
    ...(t.expires_in ? { expires_in: t.expires_in } : {}),
    ...(t.scope ? { scope: t.scope } : {}),
  };
}

/** Providers answer JSON (RFC 6749) and a few form-encoded (GitHub without Accept): both read. */
function parseAnswer(text: string, contentType: string | null): unknown {
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function advice(definition: Definition, code: string, grant: Grant['grant_type']): string {
  if (code === 'invalid_client' || code === 'unauthorized_client')
    return `check the OAuth app's client_id and client_secret (tajo connectors connect ${definition.name} --client-id ... --client-secret ...)`;
  if (grant === 'refresh_token') return reinstallLine(definition);
  if (code === 'invalid_grant') return 'the code expired or was used already: start the install again';
  return "check the OAuth app's settings at the platform (redirect URI, scopes)";
}

/** What a connection whose refresh was refused needs. */
export function reinstallLine(definition: Definition): string {
  return `install it again: tajo connectors install ${definition.name} (POST /tenants/{tenant}/connections/${definition.name}/oauth)`;
}

export function exchangeCode(
  definition: Definition,
  args: OAuthClient & { code: string; redirectUri: string; codeVerifier?: string },
  opts: TokenCallOptions = {},
): Promise<OAuthTokens> {
  return tokenRequest(
    definition,
    {
      grant_type: 'authorization_code',
      code: args.code,
      redirect_uri: args.redirectUri,
      ...(args.codeVerifier !== undefined ? { code_verifier: args.codeVerifier } : {}),
    },
    args,
    opts,
  );
}

export function refreshTokens(
  definition: Definition,
  args: OAuthClient & { refreshToken: string },
  opts: TokenCallOptions = {},
): Promise<OAuthTokens> {
  return tokenRequest(definition, { grant_type: 'refresh_token', refresh_token: args.refreshToken }, args, opts);
}

/** The secrets a token answer sets (a refresh without a new refresh token keeps the old one). */
export function tokenSecrets(tokens: OAuthTokens, now: number): Record<string, string> {
  return {
    access_token: tokens.access_token,
    ...(tokens.refresh_token !== undefined ? { refresh_token: tokens.refresh_token } : {}),
    [OBTAINED_AT_KEY]: String(now),
    ...(tokens.expires_in !== undefined ? { [EXPIRES_AT_KEY]: String(now + tokens.expires_in * 1000) } : {}),
  };
}

/** When the access token expires (epoch ms), from the secrets; undefined when the platform gave no lifetime. */
export function expiresAtOf(secrets: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = secrets[EXPIRES_AT_KEY];
  const ms = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A token expiring within this (or in the second half of a shorter life) is refreshed before use. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

export function expiresSoon(secrets: Readonly<Record<string, string | undefined>>, now: number): boolean {
  const expiresAt = expiresAtOf(secrets);
  if (expiresAt === undefined || !secrets.refresh_token) return false;
  const obtained = Number(secrets[OBTAINED_AT_KEY]);
  const lifetime = Number.isFinite(obtained) ? expiresAt - obtained : Number.POSITIVE_INFINITY;
  return expiresAt - now < Math.min(REFRESH_AHEAD_MS, lifetime / 2);
}

/**
 * Refreshes in this process, by the refresh token they spend: two sessions of one connection (two
 * callers after the same 401, a sync and a webhook's read) share one refresh, and a session that
 * comes with a refresh token spent a moment ago takes what it was traded for instead of sending a
 * dead token (a rotating platform refuses it: the connection would look revoked).
 */
const inFlight = new Map<string, Promise<OAuthTokens>>();
const traded = new Map<string, { tokens: OAuthTokens; at: number }>();
/** How long a spent refresh token's trade is remembered (a session lives a sync's 15 minutes at most). */
const TRADE_MEMORY_MS = 20 * 60_000;

export function singleFlightRefresh(
  key: string,
  now: number,
  refresh: () => Promise<OAuthTokens>,
): Promise<OAuthTokens> {
  const done = traded.get(key);
  if (done && now - done.at < TRADE_MEMORY_MS) return Promise.resolve(done.tokens);
  let flight = inFlight.get(key);
  if (!flight) {
    flight = refresh()
      .then((tokens) => {
        for (const [k, v] of traded) if (now - v.at >= TRADE_MEMORY_MS) traded.delete(k);
        traded.set(key, { tokens, at: now });
        return tokens;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, flight);
  }
  return flight;
}
