/**
 * The simulators' OAuth servers enforce what the references document: Notion's token endpoint
 * (Basic client auth, single-use codes valid 10 minutes, redirect_uri rules, rolled refresh
 * tokens) and Slack's oauth.v2.access (client errors, invalid_code, bad_redirect_uri, rotation with
 * revoked refresh tokens and 12-hour tokens, org-wide installs).
 */
import { NOTION_CODE_TTL_MS, NotionSimulator } from '../../sandbox/notion';
import { SLACK_CODE_TTL_MS, SLACK_ROTATING_TOKEN_TTL_S, SlackSimulator } from '../../sandbox/slack';

describe('Notion: POST /v1/oauth/token', () => {
  const ONE = 'https://app.example.test/one';
  const TWO = 'https://app.example.test/two';
  let notion: NotionSimulator;

  beforeEach(async () => {
    notion = new NotionSimulator({
      rateLimit: false,
      oauthClients: [
        { clientId: 'single', clientSecret: 's1', redirectUris: [ONE] },
        { clientId: 'multi', clientSecret: 's2', redirectUris: [ONE, TWO] },
      ],
    });
    await notion.start();
  });
  afterEach(() => notion.stop());

  const token = (body: Record<string, unknown>, client = 'single:s1') =>
    fetch(`${notion.baseUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(client).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const me = (accessToken: string) =>
    fetch(`${notion.baseUrl}/v1/users/me`, {
      headers: { authorization: `Bearer ${accessToken}`, 'notion-version': '2025-09-03' },
    }).then((r) => r.status);

  test('an exchange answers the documented fields, and its token works', async () => {
    const code = notion.oauth.authorize({ clientId: 'single', redirectUri: ONE });
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: ONE });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      bot_id: notion.botUser.id,
      workspace_id: notion.workspaceId,
      workspace_name: 'Sandbox',
      workspace_icon: null,
      owner: { type: 'user', user: { object: 'user', type: 'person' } },
      duplicated_template_id: null,
    });
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(await me(res.body.access_token as string)).toBe(200);
  });

  test('client authentication: no Basic header or a wrong secret is 401 invalid_client', async () => {
    const code = notion.oauth.authorize({ clientId: 'single', redirectUri: ONE });
    const body = { grant_type: 'authorization_code', code, redirect_uri: ONE };
    expect(await token(body, 'single:wrong')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(body, 'nobody:s1')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const bare = await fetch(`${notion.baseUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(bare.status).toBe(401);
    // The code survived the failed attempts.
    expect((await token(body)).status).toBe(200);
  });

  test('codes: single use, 10 minutes, bound to their client', async () => {
    const code = notion.oauth.authorize({ clientId: 'single', redirectUri: ONE });
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: ONE }, 'multi:s2')).body.error).toBe(
      'invalid_grant',
    );
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: ONE })).status).toBe(200);
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: ONE })).body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Code has already been used.',
    });
    const late = notion.oauth.authorize({ clientId: 'single', redirectUri: ONE });
    notion.clock.advance(NOTION_CODE_TTL_MS);
    expect((await token({ grant_type: 'authorization_code', code: late, redirect_uri: ONE })).body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Code has expired.',
    });
    expect((await token({ grant_type: 'authorization_code', code: 'nope' })).status).toBe(400);
  });

  test('redirect_uri: identical when authorize had one; required with several URIs; refused with one URI otherwise', async () => {
    const withUri = () => notion.oauth.authorize({ clientId: 'multi', redirectUri: ONE });
    const bodyOf = (code: string, redirect?: string) => ({
      grant_type: 'authorization_code',
      code,
      ...(redirect ? { redirect_uri: redirect } : {}),
    });
    expect((await token(bodyOf(withUri(), TWO), 'multi:s2')).body.error).toBe('invalid_grant');
    expect((await token(bodyOf(withUri()), 'multi:s2')).body.error).toBe('invalid_grant');
    expect((await token(bodyOf(notion.oauth.authorize({ clientId: 'multi' })), 'multi:s2')).body.error).toBe(
      'invalid_grant',
    );
    expect((await token(bodyOf(notion.oauth.authorize({ clientId: 'single' }), ONE))).body.error).toBe('invalid_grant');
    expect((await token(bodyOf(notion.oauth.authorize({ clientId: 'single' })))).status).toBe(200);
    expect(() => notion.oauth.authorize({ clientId: 'single', redirectUri: TWO })).toThrow(/not registered/);
  });

  test('refresh tokens roll: a new pair, the old refresh token and access token dead', async () => {
    const code = notion.oauth.authorize({ clientId: 'single', redirectUri: ONE });
    const first = (await token({ grant_type: 'authorization_code', code, redirect_uri: ONE })).body;
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(await me(first.access_token as string)).toBe(401);
    expect(await me(second.body.access_token as string)).toBe(200);
    expect(await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await token({ grant_type: 'client_credentials' })).body.error).toBe('unsupported_grant_type');
    expect(notion.oauth.requests.map((r) => `${r.grantType}:${r.status}`)).toEqual([
      'authorization_code:200',
      'refresh_token:200',
      'refresh_token:400',
      'client_credentials:400',
    ]);
  });

  test('the sandbox consent: a redirect with the code and state, or access_denied; never to an unknown URI', async () => {
    const consent = (query: Record<string, string>) =>
      fetch(`${notion.baseUrl}/__sandbox/oauth/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });
    const ok = await consent({ client_id: 'single', redirect_uri: ONE, response_type: 'code', state: 's-1' });
    expect(ok.status).toBe(302);
    const to = new URL(ok.headers.get('location') as string);
    expect(`${to.origin}${to.pathname}`).toBe(ONE);
    expect(to.searchParams.get('state')).toBe('s-1');
    expect(to.searchParams.get('code')).toMatch(/^ncode_/);
    const deny = await consent({
      client_id: 'single',
      redirect_uri: ONE,
      response_type: 'code',
      state: 's-2',
      decision: 'deny',
    });
    expect(Object.fromEntries(new URL(deny.headers.get('location') as string).searchParams)).toEqual({
      error: 'access_denied',
      state: 's-2',
    });
    expect((await consent({ client_id: 'single', redirect_uri: TWO, response_type: 'code' })).status).toBe(400);
    expect((await consent({ client_id: 'single', redirect_uri: ONE })).status).toBe(400);
  });
});

describe('Notion: access tokens with a lifetime', () => {
  test('an expired OAuth access token answers 401; the internal token is unaffected', async () => {
    const notion = new NotionSimulator({
      rateLimit: false,
      oauthAccessTokenTtlMs: 60_000,
      oauthClients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['https://x.test/cb'] }],
    });
    await notion.start();
    try {
      const code = notion.oauth.authorize({ clientId: 'c', redirectUri: 'https://x.test/cb' });
      const res = await fetch(`${notion.baseUrl}/v1/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('c:s').toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: 'https://x.test/cb' }),
      });
      const body = (await res.json()) as { access_token: string; expires_in?: number };
      // Notion documents no expires_in: the client learns the expiry from the 401.
      expect(body.expires_in).toBeUndefined();
      const me = (t: string) =>
        fetch(`${notion.baseUrl}/v1/users/me`, {
          headers: { authorization: `Bearer ${t}`, 'notion-version': '2025-09-03' },
        });
      expect((await me(body.access_token)).status).toBe(200);
      notion.clock.advance(60_000);
      expect((await me(body.access_token)).status).toBe(401);
      expect((await me('secret_sandbox')).status).toBe(200);
    } finally {
      await notion.stop();
    }
  });
});

describe('Slack: oauth.v2.access', () => {
  const CB = 'https://app.example.test/slack';
  const OTHER = 'https://app.example.test/slack-2';
  let slack: SlackSimulator;

  async function start(tokenRotation: boolean) {
    slack = new SlackSimulator({
      workspaces: [
        {
          teamId: 'T1',
          teamName: 'One',
          botToken: 'xoxb-seed-1',
          botUserId: 'U1BOT',
          botId: 'B1',
          scopes: ['chat:write'],
        },
        {
          teamId: 'T2',
          teamName: 'Two',
          botToken: 'xoxb-seed-2',
          botUserId: 'U2BOT',
          botId: 'B2',
          scopes: ['chat:write'],
          enterpriseId: 'E1',
          enterpriseName: 'Org',
        },
      ],
      oauthClients: [{ clientId: '1.2', clientSecret: 'sec', redirectUris: [CB, OTHER], tokenRotation }],
    });
    await slack.start();
  }
  afterEach(() => slack.stop());

  const access = (args: Record<string, string>, basic?: string) =>
    fetch(`${slack.apiUrl}oauth.v2.access`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(args),
    }).then(async (r) => (await r.json()) as Record<string, unknown>);
  const call = (method: string, token: string) =>
    fetch(`${slack.apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
      async (r) => (await r.json()) as Record<string, unknown>,
    );

  test('a workspace install: the documented answer; client errors; codes single-use for 10 minutes', async () => {
    await start(false);
    const code = slack.oauth.authorize({ clientId: '1.2', redirectUri: CB, teamId: 'T1', scopes: ['chat:write'] });
    expect(await access({ client_id: '9.9', client_secret: 'sec', code, redirect_uri: CB })).toEqual({
      ok: false,
      error: 'invalid_client_id',
    });
    expect((await access({ client_id: '1.2', client_secret: 'bad', code, redirect_uri: CB })).error).toBe(
      'bad_client_secret',
    );
    expect((await access({ code, redirect_uri: OTHER }, '1.2:sec')).error).toBe('bad_redirect_uri');
    const ok = await access({ code, redirect_uri: CB }, '1.2:sec');
    expect(ok).toMatchObject({
      ok: true,
      token_type: 'bot',
      scope: 'chat:write',
      bot_user_id: 'U1BOT',
      app_id: 'A0SANDBOX',
      team: { id: 'T1', name: 'One' },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: 'U0INSTALLER' },
    });
    expect(ok.refresh_token).toBeUndefined();
    expect(await call('auth.test', ok.access_token as string)).toMatchObject({ ok: true, team_id: 'T1', bot_id: 'B1' });
    expect((await access({ code, redirect_uri: CB }, '1.2:sec')).error).toBe('invalid_code');
    const late = slack.oauth.authorize({ clientId: '1.2', redirectUri: CB, teamId: 'T1' });
    slack.clock.advance(SLACK_CODE_TTL_MS);
    expect((await access({ code: late, redirect_uri: CB }, '1.2:sec')).error).toBe('invalid_code');
    // No redirect_uri at the authorize step, several configured: the exchange must name one.
    const bare = slack.oauth.authorize({ clientId: '1.2', teamId: 'T1' });
    expect((await access({ code: bare }, '1.2:sec')).error).toBe('bad_redirect_uri');
    expect((await access({ code: bare, grant_type: 'password' }, '1.2:sec')).error).toBe('invalid_grant_type');
  });

  test('an org-wide install: team null, the enterprise, is_enterprise_install', async () => {
    await start(false);
    const code = slack.oauth.authorize({ clientId: '1.2', redirectUri: CB, enterpriseId: 'E1' });
    const ok = await access({ code, redirect_uri: CB }, '1.2:sec');
    expect(ok).toMatchObject({
      ok: true,
      team: null,
      enterprise: { id: 'E1', name: 'Org' },
      is_enterprise_install: true,
    });
    expect(await call('auth.test', ok.access_token as string)).toMatchObject({
      enterprise_id: 'E1',
      is_enterprise_install: true,
    });
  });

  test('rotation: 12-hour xoxe tokens, refresh returns a new pair and revokes the refresh token sent', async () => {
    await start(true);
    const code = slack.oauth.authorize({ clientId: '1.2', redirectUri: CB, teamId: 'T1' });
    const first = await access({ code, redirect_uri: CB }, '1.2:sec');
    expect(first).toMatchObject({ ok: true, expires_in: SLACK_ROTATING_TOKEN_TTL_S });
    expect(first.access_token).toMatch(/^xoxe\.xoxb-/);
    expect(first.refresh_token).toMatch(/^xoxe-1-/);
    slack.clock.advance(3600_000);
    const refreshed = await access({
      client_id: '1.2',
      client_secret: 'sec',
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token as string,
    });
    expect(refreshed).toMatchObject({ ok: true, expires_in: SLACK_ROTATING_TOKEN_TTL_S, team: { id: 'T1' } });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    const again = await access({
      client_id: '1.2',
      client_secret: 'sec',
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token as string,
    });
    expect(again.error).toBe('invalid_refresh_token');
    // The old access token lives out its own 12 hours; then every method answers token_expired.
    expect((await call('auth.test', first.access_token as string)).ok).toBe(true);
    slack.clock.advance(SLACK_ROTATING_TOKEN_TTL_S * 1000 - 3600_000);
    expect(await call('auth.test', first.access_token as string)).toEqual({ ok: false, error: 'token_expired' });
    expect((await call('auth.test', refreshed.access_token as string)).ok).toBe(true);
    expect(slack.oauth.requests.map((r) => `${r.grantType}:${r.ok ? 'ok' : r.error}`)).toEqual([
      'authorization_code:ok',
      'refresh_token:ok',
      'refresh_token:invalid_refresh_token',
    ]);
  });
});
