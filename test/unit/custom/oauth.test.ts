/**
 * The engine's OAuth 2.0 pieces on their own: the authorize URL (the definition's query kept,
 * scopes space-joined, PKCE S256), the code exchange with the client's credentials in the form
 * (the default) against the sandbox's strict authorization server, and the lenient reading of
 * token answers (expires_in as text, a form-encoded answer, no refresh token) with a refusal for
 * an answer without an access_token.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthPlatformSimulator } from '../../../sandbox/oauth-platform';
import { normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';
import {
  authorizeUrlOf,
  exchangeCode,
  expiresSoon,
  pkcePair,
  refreshTokens,
  tokenSecrets,
} from '../../../shared/connectors/custom/oauth';

const REDIRECT = 'https://tajo.example.test/oauth/crm/callback';
const APP = { clientId: 'post-client', clientSecret: 'post-secret' };

const definitionAt = (base: string, auth: Record<string, unknown> = {}) =>
  normalizeDefinition({
    name: 'crm',
    version: '1',
    base_url: base,
    auth: {
      type: 'oauth2',
      authorizationUrl: `${base}/oauth/authorize?audience=api`,
      tokenUrl: `${base}/oauth/token`,
      scopes: ['read', 'write'],
      ...auth,
    },
    resources: { contacts: { endpoint: '/api/contacts', items: 'data', mapping: { email: 'email' } } },
  });

test('the authorize URL keeps the definition query and carries the request, PKCE when asked', () => {
  const pkce = pkcePair();
  expect(createHash('sha256').update(pkce.verifier).digest('base64url')).toBe(pkce.challenge);
  const url = new URL(
    authorizeUrlOf(definitionAt('https://crm.example'), {
      clientId: 'c1',
      redirectUri: REDIRECT,
      state: 's1',
      codeChallenge: pkce.challenge,
    }),
  );
  expect(Object.fromEntries(url.searchParams)).toEqual({
    audience: 'api',
    response_type: 'code',
    client_id: 'c1',
    redirect_uri: REDIRECT,
    scope: 'read write',
    state: 's1',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  });
  const bare = normalizeDefinition({
    name: 'bare',
    version: '1',
    auth: { type: 'oauth2', tokenUrl: 'https://crm.example/token' },
    resources: { contacts: { endpoint: '/c', mapping: { email: 'email' } } },
  });
  expect(() => authorizeUrlOf(bare, { clientId: 'c', redirectUri: REDIRECT, state: 's' })).toThrow(
    "bare's definition has no authorizationUrl: add it to auth to install by OAuth",
  );
});

describe('against the sandbox authorization server (client_secret_post)', () => {
  let crm: OAuthPlatformSimulator;
  beforeEach(async () => {
    crm = new OAuthPlatformSimulator({ clients: [{ ...APP, redirectUris: [REDIRECT], clientAuth: 'post' }] });
    await crm.start();
  });
  afterEach(() => crm.stop());

  async function codeFor(definition: ReturnType<typeof definitionAt>): Promise<string> {
    const res = await fetch(authorizeUrlOf(definition, { clientId: APP.clientId, redirectUri: REDIRECT, state: 'x' }), {
      redirect: 'manual',
    });
    return new URL(res.headers.get('location') as string).searchParams.get('code') as string;
  }

  test('the code is exchanged once with the form credentials; a basic-auth definition is refused by a post client', async () => {
    const definition = definitionAt(crm.baseUrl);
    const code = await codeFor(definition);
    const tokens = await exchangeCode(definition, { ...APP, code, redirectUri: REDIRECT });
    expect(tokens).toMatchObject({ expires_in: 3600, scope: 'read write' });
    expect(tokens.access_token).toMatch(/^at_/);
    await expect(exchangeCode(definition, { ...APP, code, redirectUri: REDIRECT })).rejects.toThrow(
      'crm refused the authorization code (400 invalid_grant: the code was used already): the code expired or was used already: start the install again',
    );
    const refreshed = await refreshTokens(definition, { ...APP, refreshToken: tokens.refresh_token as string });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const basic = definitionAt(crm.baseUrl, { client_auth: 'basic' });
    await expect(exchangeCode(basic, { ...APP, code: await codeFor(basic), redirectUri: REDIRECT })).rejects.toThrow(
      "crm refused the authorization code (401 invalid_client: this client authenticates with client_secret_post): check the OAuth app's client_id and client_secret",
    );
  });

  test('a redirect_uri other than the authorize request’s is refused', async () => {
    const definition = definitionAt(crm.baseUrl);
    const code = await codeFor(definition);
    await expect(exchangeCode(definition, { ...APP, code, redirectUri: `${REDIRECT}x` })).rejects.toThrow(
      'redirect_uri does not match the authorize request',
    );
  });
});

describe('token answers, read leniently', () => {
  let server: Server;
  let answer: { type: string; body: string; status?: number };
  let base: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status ?? 200, { 'content-type': answer.type });
      res.end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const exchange = () => exchangeCode(definitionAt(base), { ...APP, code: 'c', redirectUri: REDIRECT });

  test('expires_in as text, extra fields and a null scope; a form-encoded answer; no refresh token', async () => {
    answer = {
      type: 'application/json',
      body: JSON.stringify({ access_token: 'a1', token_type: 'bearer', expires_in: '120', scope: null, extra: 1 }),
    };
    expect(await exchange()).toEqual({ access_token: 'a1', expires_in: 120 });
    answer = { type: 'application/x-www-form-urlencoded', body: 'access_token=a2&refresh_token=r2&scope=read' };
    expect(await exchange()).toEqual({ access_token: 'a2', refresh_token: 'r2', scope: 'read' });
  });

  test('an answer without an access_token, and a refusal without a body, are one line each', async () => {
    answer = { type: 'application/json', body: JSON.stringify({ token_type: 'bearer' }) };
    await expect(exchange()).rejects.toThrow(
      "crm's token endpoint answered without an access_token: check the definition's tokenUrl",
    );
    answer = { type: 'text/html', body: '<h1>oops</h1>', status: 403 };
    await expect(exchange()).rejects.toThrow(
      "crm refused the authorization code (403 http_403): check the OAuth app's settings at the platform (redirect URI, scopes)",
    );
  });
});

test('a token is refreshed ahead of its expiry: five minutes, or its second half when shorter-lived', () => {
  const now = 1_000_000_000;
  const hour = tokenSecrets({ access_token: 'a', refresh_token: 'r', expires_in: 3600 }, now);
  expect(expiresSoon(hour, now + 3600_000 - 5 * 60_000 - 1)).toBe(false);
  expect(expiresSoon(hour, now + 3600_000 - 5 * 60_000 + 1)).toBe(true);
  const short = tokenSecrets({ access_token: 'a', refresh_token: 'r', expires_in: 60 }, now);
  expect(expiresSoon(short, now + 29_000)).toBe(false);
  expect(expiresSoon(short, now + 31_000)).toBe(true);
  // Without a refresh token there is nothing to do ahead of time.
  expect(expiresSoon(tokenSecrets({ access_token: 'a', expires_in: 60 }, now), now + 59_000)).toBe(false);
});
