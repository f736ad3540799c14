/**
 * The OAuth install of an `auth: oauth2` definition (test/fixtures/definitions/oauth-crm.yaml) with
 * the tenant's own OAuth app, end to end against the sandbox's OAuth platform
 * (sandbox/oauth-platform/: strict authorize and token endpoints, rotating refresh tokens, PKCE,
 * HTTP Basic client auth): connect with the client id and secret → authorize URL → consent →
 * callback → sync into Brevo; the refresh before expiry and after a 401 (once, shared by
 * concurrent callers); a refused refresh marking the connection; a refused state; a wrong client
 * secret; status, test and disconnect. DynamoDB on dynalite, Secrets Manager through the AWS
 * adapter against its protocol fake.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BrevoSimulator } from '../../sandbox/brevo';
import { OAuthPlatformSimulator } from '../../sandbox/oauth-platform';
import { connectWithToken } from '../../shared/app/connect-token';
import { testStoredConnection } from '../../shared/app/connection-test';
import { disconnectConnector } from '../../shared/app/disconnect';
import { resolveConnector, useConfigDefinition } from '../../shared/connectors';
import { secretsOf, settingsOf } from '../../shared/connectors/custom/connection';
import { normalizeDefinition } from '../../shared/connectors/custom/definition/schema';
import { storedOAuthHooks } from '../../shared/connectors/custom/oauth-connection';
import { platformClient } from '../../shared/connectors/custom/reader';
import { type DefinitionStatus, definitionStatus } from '../../shared/connectors/custom/status';
import { syncStoredConnection } from '../../shared/connectors/custom/sync/connection-sync';
import { onPlatformSyncTick } from '../../shared/connectors/custom/sync/schedule';
import type { LaneMessage } from '../../shared/core/ports';
import { connectBrevo } from '../../shared/core/tenancy/tenants';
import { followConsent, type OAuthWorld, oauthWorld, PUBLIC_HOST, START_ROUTE } from './oauth-support';

const NAME = 'oauth-crm';
const CALLBACK = `https://${PUBLIC_HOST}/oauth/${NAME}/callback`;
const CALLBACK_ROUTE = 'GET /oauth/{connector}/callback';
const APP = { clientId: 'crm-client-1', clientSecret: 'crm-client-secret-1f9a' };
const BREVO_KEY = 'xkeysib-oauth-definition-test';

let crm: OAuthPlatformSimulator;
let brevo: BrevoSimulator;
let world: OAuthWorld;
let key: string;
const endpoints = () => ({ brevoBaseUrl: brevo.baseUrl });

beforeEach(async () => {
  world = await oauthWorld({});
  crm = new OAuthPlatformSimulator({
    clients: [{ ...APP, redirectUris: [CALLBACK], clientAuth: 'basic' }],
    contacts: 25,
    accessTokenTtlS: 3600,
    now: () => world.clock.now(),
  });
  await crm.start();
  brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false, importProcessingMs: 0 });
  await brevo.start();
  // The fixture names its platform's public address: pointed at the simulator here.
  const raw = (await readFile(join(__dirname, '../fixtures/definitions/oauth-crm.yaml'), 'utf8')).replaceAll(
    'https://api.oauth-crm.example',
    crm.baseUrl,
  );
  useConfigDefinition(normalizeDefinition(parseYaml(raw), 'oauth-crm.yaml'));
  key = await world.tenantKey('acme');
  await connectBrevo({ ...deps(), brevoBaseUrl: brevo.baseUrl }, 'acme', { apiKey: BREVO_KEY });
});

afterEach(async () => {
  await world.stop();
  await crm.stop();
  await brevo.stop();
});

function deps() {
  const s = world.store;
  return {
    tenants: s,
    connections: s,
    teams: s,
    webhooks: s,
    runs: s,
    cursors: s,
    budgets: s,
    secrets: world.secrets,
    schedules: world.schedules,
    clock: world.clock,
    endpoints: endpoints(),
  };
}

const connect = (app: { clientId: string; clientSecret: string } = APP) =>
  connectWithToken(deps(), 'acme', NAME, { client_id: app.clientId, client_secret: app.clientSecret });

const start = () =>
  world.request(
    {
      routeKey: START_ROUTE,
      pathParameters: { tenantId: 'acme', connector: NAME },
      headers: { authorization: `Bearer ${key}` },
    },
    endpoints(),
  );

const callback = (query: Record<string, string>) =>
  world.request({ routeKey: CALLBACK_ROUTE, pathParameters: { connector: NAME }, query }, endpoints());

async function authorizeUrl(): Promise<string> {
  const res = await start();
  expect(res.status).toBe(201);
  return (JSON.parse(res.body) as { authorizeUrl: string }).authorizeUrl;
}

async function install(): Promise<void> {
  await connect();
  const page = await callback((await followConsent(await authorizeUrl())).query);
  expect(page.body).toContain('OAuth CRM connected');
  expect(page.status).toBe(200);
}

const sync = (full = true) => syncStoredConnection(deps(), { tenantId: 'acme', connector: NAME, full, trigger: 'cli' });

/** The schedule's tick: what it queued (nothing while the connection waits for an install). */
async function tick() {
  const sent: LaneMessage[] = [];
  const lane = { send: async (_queue: string, messages: LaneMessage[]) => void sent.push(...messages) };
  const answer = await onPlatformSyncTick({ ...deps(), lane }, { tenantId: 'acme', connector: NAME });
  return { ...answer, sent: sent.length };
}

async function storedSecrets(): Promise<Record<string, string | undefined>> {
  const record = await world.store.getConnection('acme', NAME);
  return secretsOf(await world.secrets.get(record?.tokenRef as string, { fresh: true }), NAME);
}

async function status(): Promise<DefinitionStatus> {
  const record = await world.store.getConnection('acme', NAME);
  return definitionStatus(deps(), settingsOf(record as never).definition, 'acme', settingsOf(record as never), record);
}

function statusLines(s: DefinitionStatus): string[] {
  const lines: string[] = [];
  definitionStatus.print((l) => void lines.push(l), s);
  return lines;
}

describe('install', () => {
  test('connect with the app → authorize URL → consent → callback → sync; secrets never in the table', async () => {
    const connected = await connect();
    expect(connected).toMatchObject({ connected: true, connector: NAME });
    // Connected with the app only: nothing read yet, status and test say to install.
    expect((await status()).connected).toBe(false);
    expect(statusLines(await status())).toContain(
      `  oauth: not installed: tajo connectors install ${NAME} (opens the consent page)`,
    );
    const before = await testStoredConnection(deps(), 'acme', NAME);
    expect(before.checks[0]).toMatchObject({ name: 'oauth', ok: false });
    expect(before.checks[0]?.detail).toContain(
      `not installed yet (no access token): install it: tajo connectors install ${NAME}`,
    );
    await expect(sync()).rejects.toThrow('OAuth CRM is connected but not installed yet');
    expect(await tick()).toEqual({
      queued: false,
      reason: `OAuth CRM is not installed yet: install it: tajo connectors install ${NAME} (POST /tenants/{tenant}/connections/${NAME}/oauth)`,
      sent: 0,
    });

    const res = await start();
    expect(res.status).toBe(201);
    const body = JSON.parse(res.body) as { authorizeUrl: string; redirectUri: string };
    expect(body.redirectUri).toBe(CALLBACK);
    const url = new URL(body.authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${crm.baseUrl}/oauth/authorize`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: APP.clientId,
      redirect_uri: CALLBACK,
      scope: 'contacts.read offline_access',
      code_challenge_method: 'S256',
    });
    expect(params.state).toMatch(/^acme\.[A-Za-z0-9_-]{43}$/);
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { query } = await followConsent(body.authorizeUrl);
    const page = await callback(query);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('OAuth CRM connected');
    expect(page.body).toContain('connected to tenant acme');
    expect(crm.oauth.counts.exchanges).toBe(1);

    const secrets = await storedSecrets();
    expect(secrets).toMatchObject({ client_id: APP.clientId, client_secret: APP.clientSecret });
    expect(secrets.access_token).toMatch(/^at_/);
    expect(secrets.refresh_token).toMatch(/^rt_/);
    // The PKCE verifier is gone with its use; the table holds no secret of the install.
    const table = await world.scanTable();
    for (const secret of [APP.clientSecret, secrets.access_token, secrets.refresh_token] as string[])
      expect(table).not.toContain(secret);
    expect(world.sm.secret(`tajo/test/acme/${NAME}-oauth-pkce`)?.deletionDate).toBeDefined();

    const s = await status();
    expect(s.connected).toBe(true);
    expect(s.oauth).toMatchObject({ installed: true, source: 'install', scopes: ['contacts.read', 'offline_access'] });
    expect(Date.parse(s.oauth?.expiresAt as string) - world.clock.now()).toBe(3_600_000);
    expect(statusLines(s).find((l) => l.startsWith('  oauth:'))).toMatch(
      /^ {2}oauth: installed .*; token expires .* \(refreshed before it does\); scopes contacts\.read offline_access$/,
    );
    const tested = await testStoredConnection(deps(), 'acme', NAME);
    expect(tested.checks.map((c) => [c.name, c.ok])).toEqual([
      ['oauth', true],
      ['connection', true],
      ['contacts', true],
      ['webhooks', true],
    ]);

    const { run, summary } = await sync();
    expect(run.status).toBe('succeeded');
    expect(summary.upserted).toBe(25);
    expect(await tick()).toMatchObject({ queued: true, sent: 1 });
    expect(brevo.contacts().length).toBe(25);
    expect(crm.unauthorized).toBe(0);
  });

  test('a refused state, a replayed one and an expired one each answer one page; nothing is installed', async () => {
    await connect();
    const { query } = await followConsent(await authorizeUrl());
    const forged = await callback({ ...query, state: `acme.${'A'.repeat(43)}` });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('state mismatch');

    expect((await callback(query)).status).toBe(200);
    const replay = await callback(query);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('This install link was used already');

    const late = await followConsent(await authorizeUrl());
    world.clock.t += 10 * 60_000 + 1;
    const expired = await callback(late.query);
    expect(expired.status).toBe(400);
    expect(expired.body).toContain('This install link expired (it is valid 10 minutes)');
    expect(crm.oauth.counts.exchanges).toBe(1);
  });

  test('a wrong client secret: the platform refuses the exchange, the page says what to check, nothing is stored', async () => {
    await connect({ clientId: APP.clientId, clientSecret: 'not-the-secret' });
    const page = await callback((await followConsent(await authorizeUrl())).query);
    expect(page.status).toBe(502);
    expect(page.body).toContain('OAuth CRM refused the authorization code (401 invalid_client');
    expect(page.body).toContain('check the OAuth app&#39;s client_id and client_secret');
    expect((await storedSecrets()).access_token).toBeUndefined();
    expect((await status()).oauth?.installed).toBe(false);
  });
});

describe('refresh', () => {
  test('before expiry, then once after a 401 shared by concurrent callers; the rolled tokens are stored', async () => {
    await install();
    const first = await storedSecrets();
    // Four minutes before it expires: the sync refreshes first, no request is refused.
    world.clock.t += 3600_000 - 4 * 60_000;
    const { run } = await sync(false);
    expect(run.status).toBe('succeeded');
    expect(crm.oauth.counts.refreshes).toBe(1);
    expect(crm.unauthorized).toBe(0);
    const second = await storedSecrets();
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await status()).oauth?.refreshedAt).toBe(new Date(world.clock.now()).toISOString());

    // The platform revokes the access token: two callers get a 401, one refresh serves both.
    crm.oauth.revokeAccessTokens();
    const record = await world.store.getConnection('acme', NAME);
    const { definition, params } = settingsOf(record as never);
    const client = () =>
      platformClient({
        definition,
        settings: { ...params, ...second },
        clock: world.clock,
        ...storedOAuthHooks(deps(), record as never, definition),
      });
    const [a, b] = [client(), client()];
    const url = new URL(`${a.baseUrl}/api/contacts?limit=1`);
    const answers = await Promise.all([a.get(url), b.get(url)]);
    expect(answers.map((x) => (x.body as { data: unknown[] }).data.length)).toEqual([1, 1]);
    expect(crm.unauthorized).toBe(2);
    expect(crm.oauth.counts.refreshes).toBe(2);
    const third = await storedSecrets();
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect((await sync(false)).run.status).toBe('succeeded');

    // One after the other, neither reading the store: the later session, holding the refresh token
    // the earlier one spent, takes what it was traded for instead of sending a dead token.
    crm.oauth.revokeAccessTokens();
    const held = await storedSecrets();
    const { onTokens } = storedOAuthHooks(deps(), record as never, definition);
    const session = () =>
      platformClient({
        definition,
        settings: { ...params, ...held },
        clock: world.clock,
        ...(onTokens ? { onTokens } : {}),
      });
    const [early, late] = [session(), session()];
    await early.get(url);
    await late.get(url);
    expect(crm.unauthorized).toBe(4);
    expect(crm.oauth.counts.refreshes).toBe(3);
    expect(crm.oauth.counts.refused).toBe(0);
  });

  test('a refused refresh fails the run with what to do and marks the connection for a new install', async () => {
    await install();
    crm.oauth.revokeRefreshTokens();
    crm.oauth.revokeAccessTokens();
    const { run } = await sync();
    expect(run.status).toBe('failed');
    const line = `OAuth CRM refused the refresh token (invalid_grant): install it again: tajo connectors install ${NAME} (POST /tenants/{tenant}/connections/${NAME}/oauth)`;
    expect(run.error).toContain(line);
    const s = await status();
    expect(s.oauth?.reinstall).toBe(line);
    expect(statusLines(s)).toContain(`  oauth: needs installing again: ${line}`);
    expect((await testStoredConnection(deps(), 'acme', NAME)).checks[0]).toMatchObject({ name: 'oauth', ok: false });
    // Its schedule queues nothing until it is installed again (each run could only fail).
    expect(await tick()).toEqual({ queued: false, reason: line, sent: 0 });

    // Installing again clears it and the sync goes on.
    const page = await callback((await followConsent(await authorizeUrl())).query);
    expect(page.status).toBe(200);
    expect((await status()).oauth?.reinstall).toBeNull();
    expect((await sync()).run.status).toBe('succeeded');
  });
});

test('starting an install is refused, in one line, for a connection without an app or with a config', async () => {
  const refused = async (body?: unknown) => {
    const res = await world.request(
      {
        routeKey: START_ROUTE,
        pathParameters: { tenantId: 'acme', connector: NAME },
        headers: { authorization: `Bearer ${key}` },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      endpoints(),
    );
    return { status: res.status, error: (JSON.parse(res.body) as { error: string }).error };
  };
  expect(await refused()).toEqual({
    status: 409,
    error: `tenant acme has no ${NAME} connection: connect it first with your OAuth app (PUT /tenants/acme/connections/${NAME} {"client_id", "client_secret"}; tajo connectors connect ${NAME} --client-id ... --client-secret ...), then start its install`,
  });
  // A token obtained elsewhere: usable at once (its read checked at connect), no app to install with.
  const { query } = await followConsent(
    `${crm.baseUrl}/oauth/authorize?response_type=code&client_id=${APP.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s`,
  );
  const res = await fetch(`${crm.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${APP.clientId}:${APP.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: query.code as string, redirect_uri: CALLBACK }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  await connectWithToken(deps(), 'acme', NAME, { access_token });
  expect((await status()).oauth).toMatchObject({ installed: true, source: 'token' });
  expect(await refused()).toEqual({
    status: 409,
    error: `the ${NAME} connection has no OAuth app: connect it with your app's client_id and client_secret first (tajo connectors connect ${NAME} --client-id ... --client-secret ...)`,
  });
  await connect();
  expect(await refused({ config: { connectors: { [NAME]: {} } } })).toEqual({
    status: 400,
    error: `${NAME} installs its existing connection: leave "config" out (change its settings with PUT /tenants/acme/connections/${NAME})`,
  });
});

test('disconnect deletes the tokens with the app credentials', async () => {
  await install();
  const record = await world.store.getConnection('acme', NAME);
  expect(resolveConnector(NAME)?.label).toBe('OAuth CRM');
  await disconnectConnector(deps(), 'acme', NAME);
  await expect(world.secrets.get(record?.tokenRef as string, { fresh: true })).rejects.toThrow();
  expect(await world.store.getConnection('acme', NAME)).toBeUndefined();
});
