/**
 * The sandbox OAuth platform across an npm start restart: a snapshot of its tokens, restored in a
 * new simulator, keeps a live access token live and a spent (rotated) refresh token dead; a damaged
 * snapshot is one line. Through the simulator's HTTP API, as the engine calls it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OAuthPlatformSimulator } from '../../../sandbox/oauth-platform';
import {
  SANDBOX_OAUTH_PLATFORM_APP,
  writeSandboxPlatformDefinition,
} from '../../../sandbox/oauth-platform/sandbox-app';
import { normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';

const REDIRECT = 'http://127.0.0.1:3000/oauth/my-platform/callback';
const app = { ...SANDBOX_OAUTH_PLATFORM_APP, redirectUris: [REDIRECT] };
const sims: OAuthPlatformSimulator[] = [];

async function started(): Promise<OAuthPlatformSimulator> {
  const sim = new OAuthPlatformSimulator({ clients: [app] });
  sims.push(sim);
  await sim.start();
  return sim;
}

afterAll(() => Promise.all(sims.map((s) => s.stop())));

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, ...body }).toString(),
});

async function install(sim: OAuthPlatformSimulator) {
  const consent = await fetch(
    `${sim.baseUrl}/oauth/authorize?response_type=code&client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    { redirect: 'manual' },
  );
  const code = new URL(consent.headers.get('location') as string).searchParams.get('code') as string;
  const res = await fetch(
    `${sim.baseUrl}/oauth/token`,
    form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
  );
  return (await res.json()) as { access_token: string; refresh_token: string };
}

const contacts = (sim: OAuthPlatformSimulator, token: string) =>
  fetch(`${sim.baseUrl}/api/contacts`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
const refresh = (sim: OAuthPlatformSimulator, token: string) =>
  fetch(`${sim.baseUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: token })).then(
    (r) => r.status,
  );

test('a restored platform knows the tokens it issued: live ones work, a rotated refresh token stays dead', async () => {
  const first = await started();
  const issued = await install(first);
  const spent = await install(first);
  expect(await refresh(first, spent.refresh_token)).toBe(200);

  const second = await started();
  expect(await contacts(second, issued.access_token)).toBe(401);
  second.restore(JSON.parse(JSON.stringify(first.snapshot())));
  expect(await contacts(second, issued.access_token)).toBe(200);
  expect(await refresh(second, spent.refresh_token)).toBe(400);
  expect(await refresh(second, issued.refresh_token)).toBe(200);
});

test('a damaged snapshot is refused in one line', async () => {
  const sim = await started();
  expect(() => sim.restore({ oauth: { access: 'x' } })).toThrow(
    'the saved OAuth platform state is damaged (not a snapshot of its tokens)',
  );
});

test("npm start's definition file names the platform's address and the docs' name", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tajo-my-platform-'));
  try {
    const file = writeSandboxPlatformDefinition(dir, 'http://127.0.0.1:4321');
    const definition = normalizeDefinition(parse(await readFile(file, 'utf8')), file);
    expect(definition.name).toBe('my-platform');
    expect(definition.base_url).toBe('http://127.0.0.1:4321');
    expect(definition.auth).toMatchObject({
      type: 'oauth2',
      authorization_url: 'http://127.0.0.1:4321/oauth/authorize',
      token_url: 'http://127.0.0.1:4321/oauth/token',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
