/**
 * Notion OAuth end to end on the simulators: the management route hands out an authorize URL, the
 * sandbox consent redirects back, the callback exchanges the code (Basic auth) and makes the
 * connection; state mismatch, expiry, replay, an expired code, a wrong client secret and a refusal
 * at the consent page are each refused with a page and leave nothing behind. Then the refresh on
 * 401: two concurrent callers in one process and a second "Lambda" (its own secret cache and
 * in-process state), one refresh reaching Notion, everybody retrying with the rolled token.
 * DynamoDB on dynalite, Secrets Manager through the AWS adapter against the protocol fake.
 */

import { BrevoSimulator } from '../../sandbox/brevo';
import { INSTALLER_ID, NOTION_CODE_TTL_MS, NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, seedSandbox } from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';
import { testStoredConnection } from '../../shared/app/connection-test';
import { connectNotion } from '../../shared/app/connections';
import { hashOAuthState, OAUTH_STATE_TTL_MS } from '../../shared/app/oauth-install';
import { providerRefresh } from '../../shared/app/oauth-refresh';
import { NotionGateway } from '../../shared/connectors/notion/client';
import { enqueueNotionSync, handleNotionLaneMessage, type NotionLaneDeps } from '../../shared/connectors/notion/lane';
import { ProviderError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { integrationKey } from '../../shared/core/integration-key';
import { type LaneMessage, type LaneQueue, type RunRecord, systemClock } from '../../shared/core/ports';
import { Pacer } from '../../shared/core/ratelimit/pacer';
import { decodeGrant, OAuthTokens } from '../../shared/core/tenancy/oauth-tokens';
import { followConsent, NOTION_CALLBACK, type OAuthWorld, oauthWorld, START_ROUTE } from './oauth-support';

const CLIENT = { clientId: 'notion-client-1', clientSecret: 'notion-client-secret-1' };
const APP = { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret };
const BREVO_KEY = 'xkeysib-oauth-test-key';
const CONFIG = {
  brevo: { api_key: BREVO_KEY },
  connectors: {
    notion: { databases: [{ id: SANDBOX_DATABASE_ID, name: 'Customers', sync_to_list: 'Notion customers' }] },
  },
};

let notion: NotionSimulator;
/** The config's Brevo key is checked against the account before it is stored. */
let brevo: BrevoSimulator;
let world: OAuthWorld;
let key: string;
const endpoints = () => ({
  notionBaseUrl: notion.baseUrl,
  brevoBaseUrl: brevo.baseUrl,
  notionAuthorizeUrl: `${notion.baseUrl}/__sandbox/oauth/authorize`,
});

beforeEach(async () => {
  notion = new NotionSimulator({
    tokens: ['secret_internal'],
    rateLimit: false,
    oauthClients: [{ ...CLIENT, redirectUris: [NOTION_CALLBACK] }],
    // Access tokens live one hour here, so a test can make Notion answer 401.
    oauthAccessTokenTtlMs: 3_600_000,
  });
  await notion.start();
  brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false, importProcessingMs: 0 });
  await brevo.start();
  world = await oauthWorld({ notion: APP });
  key = await world.tenantKey('acme');
});

afterEach(async () => {
  await world.stop();
  await notion.stop();
  await brevo.stop();
});

const start = (
  body: unknown = { config: CONFIG },
  opts: { tenantId?: string; key?: string; connector?: string } = {},
) =>
  world.request(
    {
      routeKey: START_ROUTE,
      pathParameters: { tenantId: opts.tenantId ?? 'acme', connector: opts.connector ?? 'notion' },
      headers: { authorization: `Bearer ${opts.key ?? key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    endpoints(),
  );

const callback = (query: Record<string, string>) =>
  world.request({ routeKey: 'GET /oauth/notion/callback', query }, endpoints());

async function authorizeUrl(): Promise<string> {
  const res = await start();
  expect(res.status).toBe(201);
  return (JSON.parse(res.body) as { authorizeUrl: string }).authorizeUrl;
}

async function install(): Promise<void> {
  const { query } = await followConsent(await authorizeUrl());
  const page = await callback(query);
  expect(page.status).toBe(200);
}

describe('install', () => {
  test('authorize URL → consent → callback: the connection is made, tokens only in Secrets Manager', async () => {
    const res = await start();
    expect(res.status).toBe(201);
    const body = JSON.parse(res.body) as { authorizeUrl: string; redirectUri: string; expiresAt: string };
    const url = new URL(body.authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${notion.baseUrl}/__sandbox/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT.clientId,
      response_type: 'code',
      owner: 'user',
      redirect_uri: NOTION_CALLBACK,
    });
    expect(body.redirectUri).toBe(NOTION_CALLBACK);
    expect(Date.parse(body.expiresAt) - world.clock.now()).toBe(OAUTH_STATE_TTL_MS);
    const state = url.searchParams.get('state') as string;
    expect(state).toMatch(/^acme\.[A-Za-z0-9_-]{43}$/);

    const { location, query } = await followConsent(body.authorizeUrl);
    expect(location.origin + location.pathname).toBe(NOTION_CALLBACK);
    expect(query.state).toBe(state);
    const page = await callback(query);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
    });
    expect(page.body).toContain('connected to tenant acme');

    // One exchange, with the app's Basic credentials and the same redirect_uri.
    expect(notion.oauth.requests).toEqual([{ grantType: 'authorization_code', status: 200 }]);
    const exchange = notion.log.records.find((r) => r.route === 'POST /v1/oauth/token');
    expect(exchange?.body).toEqual({
      grant_type: 'authorization_code',
      code: query.code,
      redirect_uri: NOTION_CALLBACK,
    });

    const conn = await world.store.getConnection('acme', 'notion');
    expect(conn).toMatchObject({
      tenantId: 'acme',
      connector: 'notion',
      settings: { enabled: true, api_version: '2025-09-03', databases: [{ name: 'Customers' }] },
      integrationKey: integrationKey('notion', notion.botUser.id),
      oauth: {
        workspaceId: notion.workspaceId,
        workspaceName: 'Sandbox',
        botId: notion.botUser.id,
        owner: { type: 'user', userId: INSTALLER_ID, name: 'Sandbox Admin' },
      },
    });
    expect(conn?.tokenRef).toMatch(/^arn:aws:secretsmanager:.*:secret:tajo\/test\/acme\/notion-oauth-grant-/);
    expect(world.schedules.ensured).toEqual([
      { schedule: 'notionPoll', name: 'notion-acme', input: { tenantId: 'acme' } },
    ]);

    // The grant is in Secrets Manager, under the KMS key, tagged with the tenant; its token works.
    const grant = decodeGrant(await world.secrets.get(conn!.tokenRef));
    expect(grant).toMatchObject({ kind: 'oauth-grant', version: 1, refresh_token: expect.stringMatching(/^nrt_/) });
    const secret = world.sm.secret('tajo/test/acme/notion-oauth-grant');
    expect(secret?.kmsKeyId).toBe('arn:aws:kms:us-east-1:000000000000:key/test');
    expect(secret?.tags).toEqual([
      { Key: 'tenant', Value: 'acme' },
      { Key: 'connector', Value: 'notion' },
    ]);
    expect(world.sm.currentValue('tajo/test/acme/brevo-api-key')).toBe(BREVO_KEY);
    await expect(gateway(grant.access_token).me()).resolves.toMatchObject({ id: notion.botUser.id });

    // Neither tokens, nor the code, nor the state, nor the Brevo key are anywhere in the table.
    const dump = await world.scanTable();
    for (const s of [
      grant.access_token,
      grant.refresh_token as string,
      query.code as string,
      state,
      BREVO_KEY,
      CLIENT.clientSecret,
    ]) {
      expect(dump).not.toContain(s);
    }
    expect(dump).toContain(hashOAuthState(state));
  });

  test('re-authorizing a token connection keeps its settings and Brevo key and retires the old token', async () => {
    const config = parseConfig(
      JSON.stringify({ ...CONFIG, connectors: { notion: { ...CONFIG.connectors.notion, token: 'secret_internal' } } }),
      {},
    );
    await connectNotion(
      { connections: world.store, secrets: world.secrets, schedules: world.schedules, clock: world.clock },
      { tenantId: 'acme', config },
    );
    const before = await world.store.getConnection('acme', 'notion');
    const res = await start({});
    expect(res.status).toBe(201);
    const { query } = await followConsent(JSON.parse(res.body).authorizeUrl);
    expect((await callback(query)).status).toBe(200);
    const after = await world.store.getConnection('acme', 'notion');
    expect(after?.settings).toEqual(before?.settings);
    expect(after?.brevoApiKeyRef).toBe(before?.brevoApiKeyRef);
    expect(after?.createdAt).toBe(before?.createdAt);
    expect(after?.tokenRef).not.toBe(before?.tokenRef);
    expect(after?.oauth?.botId).toBe(notion.botUser.id);
    // Status and the connection list show who the grant belongs to, as for a token connection.
    expect(after?.workspace).toMatchObject({ id: expect.any(String), botId: notion.botUser.id });
    // The internal token's secret is scheduled for deletion.
    expect(world.sm.secret('tajo/test/acme/notion-token')?.deletionDate).toBeGreaterThan(Date.now());
  });

  test('connecting by token after an OAuth install retires the grant (its live refresh token with it)', async () => {
    const res = await start();
    const { query } = await followConsent(JSON.parse(res.body).authorizeUrl);
    expect((await callback(query)).status).toBe(200);
    expect(world.sm.currentValue('tajo/test/acme/notion-oauth-grant')).toBeDefined();
    const config = parseConfig(
      JSON.stringify({ ...CONFIG, connectors: { notion: { ...CONFIG.connectors.notion, token: 'secret_internal' } } }),
      {},
    );
    await connectNotion(
      { connections: world.store, secrets: world.secrets, schedules: world.schedules, clock: world.clock },
      { tenantId: 'acme', config },
    );
    expect((await world.store.getConnection('acme', 'notion'))?.oauth).toBeUndefined();
    expect(world.sm.secret('tajo/test/acme/notion-oauth-grant')?.deletionDate).toBeGreaterThan(Date.now());
  });

  test('the start route: API key, connector, body and app checks', async () => {
    expect((await start(undefined, { key: 'tajo_wrong' })).status).toBe(404);
    expect((await start(undefined, { tenantId: 'other' })).status).toBe(404);
    expect((await start({ config: CONFIG }, { connector: 'github' })).status).toBe(404);
    const noConnection = await start({});
    expect(noConnection.status).toBe(409);
    expect(JSON.parse(noConnection.body).error).toMatch(/no notion connection to authorize: give "config"/);
    const withToken = await start({ config: { ...CONFIG, connectors: { notion: { token: 'ntn_x' } } } });
    expect(withToken.status).toBe(400);
    expect(JSON.parse(withToken.body).error).toMatch(/connectors\.notion\.token: leave it out/);
    // A tenant's ${VAR} never reads this server's environment.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} in a plain string is the config syntax under test
    const envRef = await start({ config: { ...CONFIG, brevo: { api_key: '${HOME}' } } });
    expect(envRef.status).toBe(400);
    expect(JSON.parse(envRef.body).error).toMatch(/config\.brevo\.api_key: environment variable HOME is not set/);
    const badDb = await start({ config: { ...CONFIG, connectors: { notion: { databases: [{ id: 'nope' }] } } } });
    expect(JSON.parse(badDb.body).error).toMatch(/config\.connectors\.notion\.databases\[0\]\.id/);
    expect((await start({ extra: 1 })).status).toBe(400);
    // Nothing was stored for any of them.
    expect(await world.scanTable()).not.toContain('OAUTHSTATE');
    await world.setApp('notion-app', { replace_with: 'placeholder' });
    expect((await start()).status).toBe(503);
  });
});

describe("the tenant's Brevo key", () => {
  const KEY_SECRET = 'tajo/test/acme/brevo-api-key';

  test('a config key Brevo refuses is a 400 before consent, and nothing is stored', async () => {
    const res = await start({ config: { ...CONFIG, brevo: { api_key: 'xkeysib-not-a-key' } } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatch(/Brevo rejected the API key/);
    expect(world.sm.currentValue(KEY_SECRET)).toBeUndefined();
  });

  test("the tenant's checked key serves the install: a config's other key never replaces it", async () => {
    expect((await start()).status).toBe(201);
    expect(world.sm.currentValue(KEY_SECRET)).toBe(BREVO_KEY);
    expect((await start({ config: { ...CONFIG, brevo: { api_key: 'xkeysib-another-key' } } })).status).toBe(201);
    expect(world.sm.currentValue(KEY_SECRET)).toBe(BREVO_KEY);
  });
});

describe('refused callbacks leave nothing behind', () => {
  async function expectRefused(query: Record<string, string>, status: number, message: RegExp) {
    const page = await callback(query);
    expect(page.status).toBe(status);
    expect(page.body).toMatch(message);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await world.store.getConnection('acme', 'notion')).toBeUndefined();
    expect(world.schedules.ensured).toEqual([]);
  }

  test('state mismatch: forged, foreign, garbled or missing states', async () => {
    const { query } = await followConsent(await authorizeUrl());
    const forged = `acme.${'A'.repeat(43)}`;
    await expectRefused({ ...query, state: forged }, 400, /state mismatch/);
    await expectRefused({ ...query, state: `other.${query.state?.split('.')[1]}` }, 400, /state mismatch/);
    await expectRefused({ ...query, state: 'not-a-state' }, 400, /state mismatch/);
    await expectRefused({ code: query.code as string }, 400, /no state/);
    expect(notion.oauth.requests).toEqual([]);
  });

  test('an expired state (older than 10 minutes)', async () => {
    const { query } = await followConsent(await authorizeUrl());
    world.clock.t += OAUTH_STATE_TTL_MS + 1;
    await expectRefused(query, 400, /expired/);
    expect(notion.oauth.requests).toEqual([]);
  });

  test('a replayed state: the second redirect is refused, the code is exchanged once', async () => {
    const { query } = await followConsent(await authorizeUrl());
    const [first, second] = await Promise.all([callback(query), callback(query)]);
    expect([first.status, second.status].sort()).toEqual([200, 400]);
    expect([first, second].find((p) => p.status === 400)?.body).toMatch(/used already/);
    expect(notion.oauth.requests).toHaveLength(1);
    expect((await callback(query)).body).toMatch(/used already/);
  });

  test('an expired code: Notion answers invalid_grant', async () => {
    const { query } = await followConsent(await authorizeUrl());
    notion.clock.advance(NOTION_CODE_TTL_MS + 1);
    await expectRefused(query, 400, /invalid_grant.*start the install again/);
    expect(notion.oauth.requests).toEqual([{ grantType: 'authorization_code', status: 400, error: 'invalid_grant' }]);
  });

  test("a wrong client secret: Notion refuses the app's Basic credentials", async () => {
    const { query } = await followConsent(await authorizeUrl());
    await world.setApp('notion-app', { client_id: CLIENT.clientId, client_secret: 'wrong' });
    await expectRefused(query, 502, /refused the app&#39;s credentials \(invalid_client\)/);
    expect(notion.oauth.requests).toEqual([{ grantType: 'authorization_code', status: 401, error: 'invalid_client' }]);
  });

  test('access_denied at the consent page: a clear page, and the link is used up', async () => {
    const url = new URL(await authorizeUrl());
    url.searchParams.set('decision', 'deny');
    const { query } = await followConsent(url.toString());
    expect(query.error).toBe('access_denied');
    await expectRefused(query, 400, /cancelled at Notion: the access was not granted/);
    await expectRefused({ ...query, error: '', code: 'x' } as never, 400, /used already/);
  });
});

/** A gateway as a Lambda builds one: paced, with the connection's 401 refresh when given. */
function gateway(token: string, onUnauthorized?: (rejected: string) => Promise<string | undefined>) {
  return new NotionGateway({
    token,
    apiVersion: '2025-09-03',
    baseUrl: notion.baseUrl,
    clock: systemClock,
    pacer: new Pacer(0, systemClock),
    stats: newStats(),
    onUnauthorized,
  });
}

describe('refresh on 401', () => {
  /**
   * One Lambda: its own secret store (cache) and its own token keeper (in-process single flight).
   * `gate` holds its token request until the test opens it.
   */
  function lambda(opts: { gate?: Promise<void>; leaseSeconds?: number } = {}) {
    const secrets = world.secretsFor();
    const refresh = providerRefresh({ apps: world.apps, endpoints: { notionBaseUrl: notion.baseUrl } });
    const tokens = new OAuthTokens({
      secrets,
      markers: world.store,
      clock: world.clock,
      refresh: async (connector, refreshToken) => {
        await opts.gate;
        return refresh(connector, refreshToken);
      },
      waitStepMs: 20,
      leaseSeconds: opts.leaseSeconds,
    });
    return { secrets, tokens };
  }

  test('across Lambdas the lease decides: the second one waits for the first and takes its token', async () => {
    await install();
    const conn = (await world.store.getConnection('acme', 'notion'))!;
    let open: () => void = () => undefined;
    const a = lambda({ gate: new Promise<void>((r) => (open = r)) });
    const b = lambda();
    const stale = await a.tokens.accessToken(conn);
    notion.clock.advance(3_600_000);

    const first = a.tokens.afterRejection(conn, stale);
    while (!(await world.store.hasMarker('acme', 'oauth-refresh#notion#v1')))
      await new Promise((r) => setTimeout(r, 5));
    let secondDone = false;
    const second = b.tokens.afterRejection(conn, stale).finally(() => {
      secondDone = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    // B found A's lease: it waits, and sends nothing to Notion meanwhile.
    expect(secondDone).toBe(false);
    expect(notion.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toEqual([]);
    open();
    const [tokenA, tokenB] = await Promise.all([first, second]);
    expect(tokenA).toBe(tokenB);
    expect(tokenA).not.toBe(stale);
    expect(notion.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
    expect([a.tokens.refreshes, b.tokens.refreshes]).toEqual([1, 0]);
    await expect(gateway(tokenB as string).me()).resolves.toMatchObject({ id: notion.botUser.id });
  });

  test('a Lambda that dies holding the lease: after the lease expires another one refreshes', async () => {
    await install();
    const conn = (await world.store.getConnection('acme', 'notion'))!;
    const stale = decodeGrant(await world.secrets.get(conn.tokenRef)).access_token;
    notion.clock.advance(3_600_000);
    // The dead Lambda: it took the lease (1 s here) and never came back.
    expect(await world.store.claimMarker('acme', 'oauth-refresh#notion#v1', 1)).toBe(true);
    const b = lambda({ leaseSeconds: 1 });
    const token = await b.tokens.afterRejection(conn, stale);
    expect(token).not.toBe(stale);
    expect(b.tokens.refreshes).toBe(1);
    expect(notion.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
  });

  test('a race of two callers and a second Lambda: one refresh reaches Notion, all succeed on the rolled token', async () => {
    await install();
    const conn = (await world.store.getConnection('acme', 'notion'))!;
    const a = lambda();
    const b = lambda();
    // Both Lambdas hold the grant in their caches, then the access token expires at Notion.
    const stale = await a.tokens.accessToken(conn);
    expect(await b.tokens.accessToken(conn)).toBe(stale);
    notion.clock.advance(3_600_000);
    await expect(gateway(stale).me()).rejects.toMatchObject({ status: 401 });

    const gwA = gateway(stale, (rejected) => a.tokens.afterRejection(conn, rejected));
    const gwB = gateway(stale, (rejected) => b.tokens.afterRejection(conn, rejected));
    const results = await Promise.all([gwA.me(), gwA.search({ pageSize: 5 }), gwB.me()]);
    expect(results[0].id).toBe(notion.botUser.id);
    expect(results[2].id).toBe(notion.botUser.id);

    expect(notion.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toEqual([
      { grantType: 'refresh_token', status: 200 },
    ]);
    expect(a.tokens.refreshes + b.tokens.refreshes).toBe(1);
    const grant = decodeGrant(await world.secrets.get(conn.tokenRef, { fresh: true }));
    expect(grant.version).toBe(2);
    expect(grant.access_token).not.toBe(stale);
    // The lease is gone; the old refresh token is dead (rolled).
    expect(await world.store.hasMarker('acme', 'oauth-refresh#notion#v1')).toBe(false);
    // Each gateway keeps the token it retried with: later calls use it at once, no 401 any more.
    const unauthorized = notion.log.count({ status: 401 });
    await gwA.me();
    await gwB.me();
    expect(notion.log.count({ status: 401 })).toBe(unauthorized);
    // No token, old or new, ever reached the table.
    const dump = await world.scanTable();
    expect(dump).not.toContain(stale);
    expect(dump).not.toContain(grant.access_token);
    expect(dump).not.toContain(grant.refresh_token as string);
  });

  test('a refresh token Notion refuses: the call fails with the reason, the lease is released', async () => {
    await install();
    const conn = (await world.store.getConnection('acme', 'notion'))!;
    const { tokens } = lambda();
    const stored = decodeGrant(await world.secrets.get(conn.tokenRef));
    // Someone outside this service used the refresh token: it is dead now.
    await fetch(`${notion.baseUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: stored.refresh_token }),
    });
    const err = await gateway(stored.access_token, (r) => tokens.afterRejection(conn, r))
      .me()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(
      /refused the refresh token \(invalid_grant\): the connection must be authorized again/,
    );
    expect(await world.store.hasMarker('acme', 'oauth-refresh#notion#v1')).toBe(false);
    expect(decodeGrant(await world.secrets.get(conn.tokenRef, { fresh: true })).version).toBe(1);
  });

  test("the connection test of an OAuth connection whose token Notion refuses gives OAuth's advice", async () => {
    await install();
    notion.clock.advance(3_600_000); // the installed access token is dead at Notion now
    const res = await testStoredConnection(
      {
        connections: world.store,
        secrets: world.secretsFor(),
        budgets: world.store,
        clock: world.clock,
        endpoints: { notionBaseUrl: notion.baseUrl },
      },
      'acme',
      'notion',
    );
    expect(res.checks[0]).toMatchObject({ name: 'API authentication successful', ok: false });
    expect(res.checks[0]?.detail).toMatch(/OAuth access token .* install again/);
    expect(res.checks[0]?.detail).not.toMatch(/ntn_/);
  });

  test('the Notion lane worker: a sync on an expired OAuth token refreshes once and completes', async () => {
    const brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false, importProcessingMs: 0 });
    await brevo.start();
    try {
      seedSandbox(notion, brevo, { rows: 30 });
      await install();
      notion.clock.advance(3_600_000); // the installed access token is dead at Notion now
      const lane = new RecordingLane();
      const deps: NotionLaneDeps = {
        connections: world.store,
        cursors: world.store,
        runs: world.store,
        secrets: world.secretsFor(),
        lane,
        clock: world.clock,
        endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
        syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
        oauthTokens: lambda().tokens,
      };
      const queued = await enqueueNotionSync(deps, { tenantId: 'acme', mode: 'full', trigger: 'api' });
      let run: RunRecord | undefined;
      for (let i = 0; i < 50 && lane.sent.length > 0; i++) {
        const next = lane.sent.shift() as LaneMessage;
        run = await handleNotionLaneMessage(deps, next.body, { deadline: Date.now() + 60_000, lastAttempt: false });
      }
      expect(run).toMatchObject({ runId: queued.runId, status: 'succeeded', summary: { upserted: 30, failed: 0 } });
      expect(notion.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
      // The lane keeps the connection's group (its bot), whatever token it runs on.
      const conn = await world.store.getConnection('acme', 'notion');
      expect(conn?.integrationKey).toBe(integrationKey('notion', notion.botUser.id));
    } finally {
      await brevo.stop();
    }
  });

  test('a token connection has nothing to refresh: its 401 stands', async () => {
    const { tokens } = lambda();
    const conn = { tenantId: 'acme', connector: 'notion' as const, tokenRef: 'unused' };
    await expect(tokens.afterRejection(conn, 'secret_x')).resolves.toBeUndefined();
    await expect(gateway('secret_x', (r) => tokens.afterRejection(conn, r)).me()).rejects.toMatchObject({
      status: 401,
    });
    expect(notion.oauth.requests).toEqual([]);
  });
});

test('the public host of the callback comes from the request when the app names none', async () => {
  const res = await world.request(
    {
      routeKey: START_ROUTE,
      pathParameters: { tenantId: 'acme', connector: 'notion' },
      headers: { authorization: `Bearer ${key}`, host: 'api.example.test' },
      body: JSON.stringify({ config: CONFIG }),
    },
    endpoints(),
  );
  expect(JSON.parse(res.body).redirectUri).toBe('https://api.example.test/oauth/notion/callback');
  // An app that names its redirect URI wins over the request's host.
  await world.setApp('notion-app', { ...APP, redirect_uri: 'https://fixed.example.test/cb' });
  const fixed = await start();
  expect(JSON.parse(fixed.body).redirectUri).toBe('https://fixed.example.test/cb');
});

class RecordingLane implements LaneQueue {
  readonly sent: LaneMessage[] = [];
  async send(_queue: string, messages: LaneMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}
