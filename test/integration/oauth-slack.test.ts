/**
 * Slack OAuth v2 installs of the distributed app on the simulator: a workspace install, an org-wide
 * (Enterprise Grid) install, a workspace another tenant holds, a redirect URL Slack refuses, and
 * token rotation (a 12-hour token refreshed ahead of expiry, once across concurrent callers and
 * Lambdas, the rotated refresh token stored). DynamoDB on dynalite, Secrets Manager through the AWS
 * adapter against the protocol fake.
 */

import { BrevoSimulator } from '../../sandbox/brevo';
import { SLACK_ROTATING_TOKEN_TTL_S, SlackSimulator } from '../../sandbox/slack';
import { providerRefresh } from '../../shared/app/oauth-refresh';
import { SlackClient } from '../../shared/connectors/slack/client';
import { refreshSlackToken } from '../../shared/connectors/slack/oauth';
import { newStats } from '../../shared/core/http/paced-fetch';
import { systemClock } from '../../shared/core/ports';
import { decodeGrant, OAuthTokens, readAccessToken } from '../../shared/core/tenancy/oauth-tokens';
import { followConsent, type OAuthWorld, oauthWorld, SLACK_CALLBACK, START_ROUTE } from './oauth-support';

const APP = { signing_secret: 'app-signing-secret', client_id: '9999.1111', client_secret: 'slack-client-secret' };
const BREVO_KEY = 'xkeysib-slack-oauth-key';
const CONFIG = {
  brevo: { api_key: BREVO_KEY, api_key_name: 'tajo' },
  connectors: {
    slack: { channels: { marketing: 'C0MKT' }, notifications: { new_subscriber: { channel: 'marketing' } } },
  },
};

const workspace = (teamId: string, extra: Record<string, unknown> = {}) => ({
  teamId,
  teamName: `Team ${teamId}`,
  botToken: `xoxb-seed-${teamId}`,
  botUserId: `U${teamId}BOT`,
  botId: `B${teamId}`,
  appId: 'A0DISTRIB',
  scopes: ['chat:write', 'users:read', 'users:read.email'],
  ...extra,
});

let slack: SlackSimulator;
/** The config's Brevo key is checked against the account before it is stored. */
let brevo: BrevoSimulator;
let world: OAuthWorld;
const keys: Record<string, string> = {};

async function setup(tokenRotation: boolean) {
  slack = new SlackSimulator({
    workspaces: [
      workspace('T0AAA'),
      workspace('T0BBB'),
      workspace('T0GRID1', { enterpriseId: 'E0ORG', enterpriseName: 'Grid Org' }),
    ],
    oauthClients: [
      {
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        redirectUris: [SLACK_CALLBACK, 'https://other.example.test/cb'],
        tokenRotation,
      },
    ],
  });
  await slack.start();
  brevo = new BrevoSimulator({ apiKeys: [BREVO_KEY], limits: false, importProcessingMs: 0 });
  await brevo.start();
  world = await oauthWorld({ slack: APP });
  keys.acme = await world.tenantKey('acme');
  keys.rival = await world.tenantKey('rival');
}

afterEach(async () => {
  await world?.stop();
  await slack?.stop();
  await brevo?.stop();
});

const endpoints = () => ({
  slackApiUrl: slack.apiUrl,
  brevoBaseUrl: brevo.baseUrl,
  slackAuthorizeUrl: `${slack.baseUrl}/__sandbox/oauth/v2/authorize`,
});

async function startInstall(tenantId: string, body: unknown = { config: CONFIG }): Promise<URL> {
  const res = await world.request(
    {
      routeKey: START_ROUTE,
      pathParameters: { tenantId, connector: 'slack' },
      headers: { authorization: `Bearer ${keys[tenantId]}` },
      body: JSON.stringify(body),
    },
    endpoints(),
  );
  expect(res.status).toBe(201);
  return new URL(JSON.parse(res.body).authorizeUrl);
}

/** Start, consent (in `team`, or org-wide in `enterprise`), follow the redirect to the callback. */
async function install(tenantId: string, where: { team?: string; enterprise?: string }) {
  const url = await startInstall(tenantId);
  if (where.team) url.searchParams.set('team', where.team);
  if (where.enterprise) url.searchParams.set('enterprise', where.enterprise);
  const { query } = await followConsent(url.toString());
  return world.request({ routeKey: 'GET /oauth/slack/callback', query }, endpoints());
}

const authTest = (token: string) =>
  new SlackClient({ token, apiUrl: slack.apiUrl, clock: systemClock, stats: newStats() }).authTest();

describe('installs', () => {
  beforeEach(() => setup(false));

  test('a workspace install: the authorize URL, the exchange, the claim, metadata; tokens only in Secrets Manager', async () => {
    const url = await startInstall('acme');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: APP.client_id,
      // The product docs' scope list is the default: the five checks pass with it.
      scope: 'chat:write,channels:read,channels:history,users:read,users:read.email,reactions:write,files:write',
      redirect_uri: SLACK_CALLBACK,
    });
    url.searchParams.set('team', 'T0AAA');
    const { query } = await followConsent(url.toString());
    const page = await world.request({ routeKey: 'GET /oauth/slack/callback', query }, endpoints());
    expect(page.status).toBe(200);
    expect(page.body).toContain('workspace Team T0AAA is now connected to tenant acme');
    expect(slack.oauth.requests).toEqual([{ grantType: 'authorization_code', ok: true }]);

    const conn = await world.store.getConnection('acme', 'slack');
    expect(conn).toMatchObject({
      settings: { enabled: true, teamId: 'T0AAA', channels: { marketing: 'C0MKT' }, ownApiKeyNames: ['tajo'] },
      oauth: {
        appId: 'A0DISTRIB',
        botUserId: 'UT0AAABOT',
        botId: 'BT0AAA',
        scopes: [
          'chat:write',
          'channels:read',
          'channels:history',
          'users:read',
          'users:read.email',
          'reactions:write',
          'files:write',
        ],
        teamName: 'Team T0AAA',
        installerUserId: 'U0INSTALLER',
        tokenRotation: false,
      },
    });
    expect(conn?.signingSecretRef).toBeUndefined();
    expect(conn?.settings.enterpriseInstall).toBeUndefined();
    expect(await world.store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0AAA' })).toMatchObject({
      tenantId: 'acme',
    });
    expect(world.schedules.ensured).toEqual([
      { schedule: 'slackDaily', name: 'slack-acme', input: { tenantId: 'acme' } },
    ]);
    const grant = decodeGrant(await world.secrets.get(conn!.tokenRef));
    expect(grant).toMatchObject({ version: 1, refresh_token: null });
    expect(grant.expires_at).toBeUndefined();
    expect(grant.access_token).toMatch(/^xoxb-/);
    await expect(authTest(grant.access_token)).resolves.toMatchObject({ team_id: 'T0AAA' });

    const dump = await world.scanTable();
    for (const s of [grant.access_token, query.code as string, query.state as string, BREVO_KEY, APP.client_secret]) {
      expect(dump).not.toContain(s);
    }
  });

  test('an org-wide install: team null in the answer, the org is claimed', async () => {
    const page = await install('acme', { enterprise: 'E0ORG' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('organisation Grid Org is now connected to tenant acme');
    const conn = await world.store.getConnection('acme', 'slack');
    expect(conn?.settings).toMatchObject({ teamId: 'E0ORG', enterpriseId: 'E0ORG', enterpriseInstall: true });
    expect(conn?.oauth).toMatchObject({ enterpriseName: 'Grid Org', botId: 'BT0GRID1' });
    expect(conn?.workspace).toMatchObject({ id: 'E0ORG', name: 'Grid Org', botId: 'BT0GRID1' });
    expect(conn?.oauth?.teamName).toBeUndefined();
    expect(await world.store.findSlackTeam({ isEnterpriseInstall: true, enterpriseId: 'E0ORG' })).toMatchObject({
      tenantId: 'acme',
    });
    // Not the workspace: the org-wide install is what the app's requests from any workspace find.
    expect(await world.store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0GRID1' })).toBeUndefined();
  });

  test('a workspace another tenant holds is refused before anything is stored', async () => {
    expect((await install('rival', { team: 'T0AAA' })).status).toBe(200);
    const secretsBefore = world.sm.operations().filter((o) => o !== 'GetSecretValue').length;
    const page = await install('acme', { team: 'T0AAA' });
    expect(page.status).toBe(409);
    expect(page.body).toMatch(/workspace T0AAA is already connected to another tenant/);
    expect(page.body).not.toContain('rival');
    expect(await world.store.getConnection('acme', 'slack')).toBeUndefined();
    expect(world.sm.secret('tajo/test/acme/slack-oauth-grant')).toBeUndefined();
    expect(await world.store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0AAA' })).toMatchObject({
      tenantId: 'rival',
    });
    // Only acme's Brevo key (stored when its install was started) was written meanwhile.
    expect(world.sm.operations().filter((o) => o !== 'GetSecretValue').length - secretsBefore).toBe(2);
  });

  test('installing into another workspace moves the tenant: the old workspace is released', async () => {
    expect((await install('acme', { team: 'T0AAA' })).status).toBe(200);
    expect((await install('acme', { team: 'T0BBB' })).status).toBe(200);
    expect((await world.store.listSlackTeams('acme')).map((t) => (t.isEnterpriseInstall ? '' : t.teamId))).toEqual([
      'T0BBB',
    ]);
    // The grant's version continues, so a refresher waiting on the old one takes this one.
    const conn = await world.store.getConnection('acme', 'slack');
    expect(decodeGrant(await world.secrets.get(conn!.tokenRef, { fresh: true })).version).toBe(2);
  });

  test('bad_redirect_uri: the code was issued for another redirect URL', async () => {
    const url = await startInstall('acme');
    const code = slack.oauth.authorize({
      clientId: APP.client_id,
      redirectUri: 'https://other.example.test/cb',
      teamId: 'T0AAA',
    });
    const page = await world.request(
      { routeKey: 'GET /oauth/slack/callback', query: { code, state: url.searchParams.get('state') as string } },
      endpoints(),
    );
    expect(page.status).toBe(502);
    expect(page.body).toMatch(/Slack refused the exchange \(bad_redirect_uri\)/);
    expect(slack.oauth.requests).toEqual([{ grantType: 'authorization_code', ok: false, error: 'bad_redirect_uri' }]);
    expect(await world.store.getConnection('acme', 'slack')).toBeUndefined();
    expect(await world.store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0AAA' })).toBeUndefined();
  });

  test('a code used twice (outside this service): invalid_code asks to start again', async () => {
    const url = await startInstall('acme');
    url.searchParams.set('team', 'T0AAA');
    const { query } = await followConsent(url.toString());
    const res = await fetch(`${slack.apiUrl}oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: APP.client_id,
        client_secret: APP.client_secret,
        code: query.code as string,
        redirect_uri: SLACK_CALLBACK,
      }),
    });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const page = await world.request({ routeKey: 'GET /oauth/slack/callback', query }, endpoints());
    expect(page.status).toBe(400);
    expect(page.body).toMatch(/invalid_code.*Start the install again/);
  });
});

describe('token rotation', () => {
  beforeEach(() => setup(true));

  function lambda() {
    return new OAuthTokens({
      secrets: world.secretsFor(),
      markers: world.store,
      clock: world.clock,
      refresh: providerRefresh({ apps: world.apps, endpoints: { slackApiUrl: slack.apiUrl } }),
      waitStepMs: 20,
    });
  }

  test('refreshed once within 2 hours of expiry, across callers and Lambdas; the rotated refresh token is stored', async () => {
    // The simulator's clock is the service's clock, so expiry means the same thing on both sides.
    slack.clock.set(world.clock.now());
    expect((await install('acme', { team: 'T0AAA' })).status).toBe(200);
    const conn = (await world.store.getConnection('acme', 'slack'))!;
    expect(conn.oauth?.tokenRotation).toBe(true);
    const first = decodeGrant(await world.secrets.get(conn.tokenRef));
    expect(first.access_token).toMatch(/^xoxe\.xoxb-/);
    expect(first.refresh_token).toMatch(/^xoxe-1-/);
    expect(first.expires_at).toBe(world.clock.now() + SLACK_ROTATING_TOKEN_TTL_S * 1000);

    const a = lambda();
    const b = lambda();
    // 9 hours in: 3 hours left, no refresh.
    world.clock.t += 9 * 3600_000;
    slack.clock.set(world.clock.now());
    expect(await a.accessToken(conn)).toBe(first.access_token);
    expect(await b.accessToken(conn)).toBe(first.access_token);
    expect(slack.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toEqual([]);

    // 10.5 hours in: within 2 hours of expiry. Two callers in Lambda A, one in Lambda B.
    world.clock.t += 1.5 * 3600_000;
    slack.clock.set(world.clock.now());
    const tokens = await Promise.all([a.accessToken(conn), a.accessToken(conn), b.accessToken(conn)]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first.access_token);
    expect(slack.oauth.requests.filter((r) => r.grantType === 'refresh_token')).toEqual([
      { grantType: 'refresh_token', ok: true },
    ]);
    const second = decodeGrant(await world.secrets.get(conn.tokenRef, { fresh: true }));
    expect(second).toMatchObject({ version: 2, access_token: tokens[0] });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.expires_at).toBe(world.clock.now() + SLACK_ROTATING_TOKEN_TTL_S * 1000);
    await expect(authTest(tokens[0] as string)).resolves.toMatchObject({ team_id: 'T0AAA' });
    // The old refresh token was revoked by its use.
    await expect(
      refreshSlackToken({
        apiUrl: slack.apiUrl,
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        refreshToken: first.refresh_token as string,
      }),
    ).rejects.toMatchObject({ error: 'invalid_refresh_token' });
    // The services' token reader takes the same path (with the keeper), or reads the stored token.
    expect(await readAccessToken({ secrets: world.secrets, oauthTokens: a }, conn)).toBe(tokens[0]);
    expect(await readAccessToken({ secrets: world.secretsFor() }, conn)).toBe(tokens[0]);
    // Past the first token's 12 hours, Slack refuses it; the rotated one works.
    world.clock.t += 2 * 3600_000;
    slack.clock.set(world.clock.now());
    await expect(authTest(first.access_token)).rejects.toMatchObject({ error: 'token_expired' });
    await expect(authTest(tokens[0] as string)).resolves.toMatchObject({ team_id: 'T0AAA' });
    const dump = await world.scanTable();
    for (const s of [first.access_token, first.refresh_token, second.access_token, second.refresh_token]) {
      expect(dump).not.toContain(s as string);
    }
  });
});
