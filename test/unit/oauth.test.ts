/**
 * OAuth pieces without providers: the connection function's routes against the topology, the state
 * format, the stored grant, when a rotating token is refreshed, and the callback's page.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { hashOAuthState, newOAuthState, tenantOfOAuthState } from '../../shared/app/oauth-install';
import {
  type ConnectionRouteDeps,
  connectionRouteKeys,
  handleConnectionRequest,
  servedConnectionRouteKeys,
} from '../../shared/app/oauth-routes';
import { topology } from '../../shared/app/topology';
import type { ConnectionRecord, MarkerStore } from '../../shared/core/ports';
import {
  decodeGrant,
  encodeGrant,
  newGrant,
  OAuthTokens,
  REFRESH_AHEAD_MS,
  readAccessToken,
} from '../../shared/core/tenancy/oauth-tokens';

test('every topology route of the connection function is served, and nothing else', () => {
  const expected = topology.routes.filter((r) => r.function === 'connection').map((r) => `${r.method} ${r.path}`);
  expect(expected).toHaveLength(4);
  expect(connectionRouteKeys()).toEqual(expected);
  expect([...servedConnectionRouteKeys()].sort()).toEqual([...expected].sort());
});

describe('state', () => {
  test('names its tenant, carries 256 random bits, and is stored only as a hash', () => {
    const a = newOAuthState('acme-1');
    const b = newOAuthState('acme-1');
    expect(a).toMatch(/^acme-1\.[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(tenantOfOAuthState(a)).toBe('acme-1');
    expect(hashOAuthState(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOAuthState(a)).not.toContain(a.split('.')[1]);
  });

  test.each([
    ['no dot', 'acme'],
    ['short random part', 'acme.abc'],
    ['a tenant id the service never makes', `ACME.${'a'.repeat(43)}`],
    ['two dots', `acme.x.${'a'.repeat(41)}`],
    ['characters outside base64url', `acme.${'a'.repeat(42)}=`],
  ])('refuses %s', (_why, state) => {
    expect(tenantOfOAuthState(state)).toBeUndefined();
  });
});

describe('grant', () => {
  test('round-trips; an unreadable one fails without echoing the value', () => {
    const g = newGrant({ accessToken: 'at', refreshToken: 'rt', expiresInSeconds: 60 }, 1000, 3);
    expect(g).toEqual({
      kind: 'oauth-grant',
      access_token: 'at',
      refresh_token: 'rt',
      expires_at: 61_000,
      obtained_at: 1000,
      version: 3,
    });
    expect(decodeGrant(encodeGrant(g))).toEqual(g);
    expect(() => decodeGrant('xoxb-plain-token')).toThrow('the stored OAuth grant is unreadable: connect again');
    let message = '';
    try {
      decodeGrant('{"access_token":"secret-value"}');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/unreadable/);
    expect(message).not.toContain('secret-value');
  });

  test('a token connection reads its token as stored; an OAuth connection its access token', async () => {
    const secrets = secretStore();
    const plain = await secrets.put('acme/slack-bot-token', 'xoxb-plain');
    const grant = await secrets.put(
      'acme/slack-oauth-grant',
      encodeGrant(newGrant({ accessToken: 'xoxe.xoxb-a', refreshToken: 'r' }, 0, 1)),
    );
    const base = { tenantId: 'acme', connector: 'slack' as const };
    expect(await readAccessToken({ secrets }, { ...base, tokenRef: plain })).toBe('xoxb-plain');
    expect(await readAccessToken({ secrets }, { ...base, tokenRef: grant, oauth: {} as never })).toBe('xoxe.xoxb-a');
  });
});

describe('refresh ahead of expiry', () => {
  async function keeper(now: { t: number }, lifetimeS: number) {
    const secrets = secretStore();
    let n = 0;
    const tokens = new OAuthTokens({
      secrets,
      markers: new MemoryMarkers(),
      clock: { now: () => now.t, sleep: async () => undefined },
      refresh: async () => {
        n += 1;
        return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresInSeconds: lifetimeS };
      },
    });
    const tokenRef = await secrets.put(
      'acme/slack-oauth-grant',
      encodeGrant(newGrant({ accessToken: 'at-0', refreshToken: 'rt-0', expiresInSeconds: lifetimeS }, now.t, 1)),
    );
    const conn = { tenantId: 'acme', connector: 'slack', tokenRef, oauth: {} } as unknown as ConnectionRecord<'slack'>;
    return { tokens, conn, refreshes: () => n };
  }

  test('a 12-hour token: used as is until 2 hours before expiry, then refreshed once', async () => {
    const now = { t: 1_000_000 };
    const { tokens, conn, refreshes } = await keeper(now, 43_200);
    now.t += 43_200_000 - REFRESH_AHEAD_MS - 1;
    expect(await tokens.accessToken(conn)).toBe('at-0');
    now.t += 2;
    expect(await tokens.accessToken(conn)).toBe('at-1');
    expect(await tokens.accessToken(conn)).toBe('at-1');
    expect(refreshes()).toBe(1);
  });

  test('a token shorter-lived than the window is refreshed in the second half of its life, not on every use', async () => {
    const now = { t: 1_000_000 };
    const { tokens, conn, refreshes } = await keeper(now, 3600);
    for (let i = 0; i < 5; i++) expect(await tokens.accessToken(conn)).toBe('at-0');
    now.t += 1_800_001;
    expect(await tokens.accessToken(conn)).toBe('at-1');
    for (let i = 0; i < 5; i++) await tokens.accessToken(conn);
    expect(refreshes()).toBe(1);
  });
});

describe('callback page', () => {
  test('what the provider sends is escaped, and the page is neither cached nor referred', async () => {
    const deps = {
      states: { takeOAuthState: async () => ({ outcome: 'unknown' }) },
    } as unknown as ConnectionRouteDeps;
    const page = await handleConnectionRequest(deps, {
      routeKey: 'GET /oauth/slack/callback',
      pathParameters: {},
      headers: {},
      query: { error: '<script>alert(1)</script>' },
    });
    expect(page.status).toBe(400);
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('&lt;script&gt;');
    expect(page.headers).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
  });

  test('unknown routes are 404', async () => {
    const res = await handleConnectionRequest({} as ConnectionRouteDeps, {
      routeKey: 'GET /oauth/github/callback',
      pathParameters: {},
      headers: {},
      query: {},
    });
    expect(res.status).toBe(404);
  });
});

function secretStore(): FileSecretStore {
  return new FileSecretStore(mkdtempSync(join(tmpdir(), 'tajo-oauth-unit-')));
}

/** Once-only markers in memory (the DynamoDB ones are exercised by the integration tests). */
class MemoryMarkers implements MarkerStore {
  private readonly held = new Set<string>();
  async claimMarker(tenantId: string, key: string): Promise<boolean> {
    if (this.held.has(`${tenantId}/${key}`)) return false;
    this.held.add(`${tenantId}/${key}`);
    return true;
  }
  async hasMarker(tenantId: string, key: string): Promise<boolean> {
    return this.held.has(`${tenantId}/${key}`);
  }
  async releaseMarker(tenantId: string, key: string): Promise<void> {
    this.held.delete(`${tenantId}/${key}`);
  }
}
