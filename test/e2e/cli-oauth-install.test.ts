/**
 * docs/connectors.md's OAuth steps as a person types them, against the local stack (npm start's
 * handlers, on dynalite and fauxqs) and the sandbox's OAuth platform: `tajo connectors register
 * ./oauth-crm.yaml`, `tajo connectors connect oauth-crm --client-id … --client-secret …` prints
 * the authorize URL, the browser's consent lands on the stack's `/oauth/oauth-crm/callback`, then
 * `status` says installed and `sync` reads the platform into Brevo; `install` asks for a new URL.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack';
import { OAuthPlatformSimulator } from '../../sandbox/oauth-platform';
import { runTajo } from '../support/cli-process';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

jest.setTimeout(180_000);

const APP = { clientId: 'crm-cli-client', clientSecret: 'crm-cli-secret-77d1' };
let sandbox: SandboxStack;
let stack: LocalStack;
let crm: OAuthPlatformSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandboxStack({ sandboxRows: 2 });
  stack = sandbox.stack;
  crm = new OAuthPlatformSimulator({
    clients: [{ ...APP, redirectUris: [`${stack.url}/oauth/oauth-crm/callback`], clientAuth: 'basic' }],
    contacts: 12,
  });
  await crm.start();
  const yaml = (await readFile(join(__dirname, '../fixtures/definitions/oauth-crm.yaml'), 'utf8')).replaceAll(
    'https://api.oauth-crm.example',
    crm.baseUrl,
  );
  await writeFile(join(sandbox.dir, 'oauth-crm.yaml'), yaml);
  env = {
    HOME: sandbox.dir,
    TAJO_API_URL: stack.url,
    TAJO_API_KEY: stack.apiKey,
    OAUTH_CRM_CLIENT_ID: APP.clientId,
    OAUTH_CRM_CLIENT_SECRET: APP.clientSecret,
  };
}, 180_000);

afterAll(async () => {
  await crm?.stop();
  await sandbox?.stop();
});

const tajo = (line: string) =>
  runTajo(
    line.split(' ').map((w) => (w.startsWith('$') ? (env[w.slice(1)] as string) : w)),
    env,
    120_000,
  );

test('register, connect with the app (prints the authorize URL), consent, status, sync; install asks again', async () => {
  const register = await tajo(`connectors register ${join(sandbox.dir, 'oauth-crm.yaml')}`);
  expect(register.code).toBe(0);
  // The definition's label as written; TAJO_API_URL carries over, so the next command needs no --api.
  expect(register.stdout).toBe(
    'OAuth CRM (oauth-crm) 1.0.0 registered for default (1 resource, 0 webhooks)\nNext: tajo connectors connect oauth-crm ...\n',
  );

  const connect = await tajo(
    'connectors connect oauth-crm --client-id $OAUTH_CRM_CLIENT_ID --client-secret $OAUTH_CRM_CLIENT_SECRET',
  );
  expect(connect.stderr).toBe('');
  expect(connect.code).toBe(0);
  const lines = connect.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^OAuth CRM connected for tenant default/);
  expect(lines[1]).toMatch(/^Open this URL to install OAuth CRM \(once, until .+\):$/);
  const authorizeUrl = (lines[2] as string).trim();
  expect(authorizeUrl.startsWith(`${crm.baseUrl}/oauth/authorize?`)).toBe(true);
  expect(lines[3]).toBe(`Your OAuth app must list the redirect URL ${stack.url}/oauth/oauth-crm/callback`);

  const before = await tajo('connectors status oauth-crm');
  expect(before.stdout).toContain('oauth: not installed: tajo connectors install oauth-crm');
  // Connected without its tokens is not "connected": it waits for the install.
  expect(before.stdout.split('\n')[0]).toMatch(
    /^OAuth CRM: waiting for its OAuth install: open the URL connect printed, or tajo connectors install oauth-crm for a new one \(mode \w+\)$/,
  );

  // The browser: the platform's consent redirects to the stack's callback, which answers a page.
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('OAuth CRM connected');

  const status = await tajo('connectors status oauth-crm');
  expect(status.code).toBe(0);
  expect(status.stdout.split('\n')[0]).toMatch(/^OAuth CRM: connected, mode \w+$/);
  expect(status.stdout).toMatch(
    /oauth: installed .*; token expires .* \(refreshed before it does\); scopes contacts\.read offline_access/,
  );

  const sync = await tajo('connectors sync oauth-crm --full --json');
  expect(sync.stderr).toBe('');
  expect(sync.code).toBe(0);
  expect(JSON.parse(sync.stdout.trim().split('\n').at(-1) as string)).toMatchObject({ upserted: 12, failed: 0 });
  expect(stack.sandbox?.brevo.contacts().filter((c) => c.email?.endsWith('@crm.example'))).toHaveLength(12);

  const again = await tajo('connectors install oauth-crm');
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^Open this URL to install OAuth CRM/);
  expect(crm.oauth.counts.exchanges).toBe(1);
});
