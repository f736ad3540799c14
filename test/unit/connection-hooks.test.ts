/**
 * A connector made at runtime (as the definition engine will make them) gets connect, test,
 * status, list and disconnect through its descriptor's hooks alone: the management API names no
 * connector. The fake "acme" connector below is all its provider-specific code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { handleApiRequest } from '../../shared/app/api';
import { connectFromConfig } from '../../shared/app/connections';
import { startOAuthInstall } from '../../shared/app/oauth-install';
import type { OAuthInstallDeps } from '../../shared/app/oauth-install-steps';
import { registerConnector, resolvablePlatformConnectors, resolveConnector } from '../../shared/connectors';
import type { TajoConfig } from '../../shared/core/config/schema';
import type { ConnectorDescriptor } from '../../shared/core/connector';
import { type Provider, RequestRefusedError, UnreachableError } from '../../shared/core/errors';
import type { ApiDeps } from '../../shared/core/http/api-types';
import type { ScheduleManager } from '../../shared/core/ports';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const GOOD_KEY = 'acme-key-good';

const acmeSection = z.strictObject({
  enabled: z.boolean().default(true),
  api_key: z.string().min(1),
  lists: z.array(z.string()).default([]),
});
type AcmeSettings = Omit<z.infer<typeof acmeSection>, 'api_key'>;

/** What the provider was asked, so the test sees the hooks were called with the right arguments. */
const calls: string[] = [];

const acme: ConnectorDescriptor = {
  name: 'acme',
  label: 'Acme Shop',
  role: 'platform',
  providers: ['acme', 'brevo'],
  config: { section: acmeSection },
  health: { endpointKey: 'acmeBaseUrl', probe: () => ({ url: 'http://127.0.0.1:9/health', method: 'GET' }) },
  http: [],
  routes: [],
  lanes: {},
  secrets: { token: (tenantId) => `${tenantId}/acme-api-key` },
  cli: { commands: [] },
  connection: {
    connect: {
      split(section) {
        const { api_key, ...settings } = section as z.infer<typeof acmeSection>;
        return { credentials: { token: api_key }, settings };
      },
      async check(credentials, _settings, ports) {
        calls.push(`check at ${ports.endpoints.acmeBaseUrl}`);
        if (credentials.token !== GOOD_KEY) {
          throw new RequestRefusedError(400, 'Acme refused the API key: copy it from Settings → API', 'acme_refused');
        }
        return { workspace: { name: 'Acme store' } };
      },
      counts: (settings) => ({ lists: (settings as AcmeSettings).lists.length }),
      body: (options, section) => {
        const key = options['api-key'] ?? section?.api_key;
        return typeof key === 'string' ? { body: { ...section, api_key: key } } : { usage: '--api-key is required' };
      },
    },
    test: {
      run: async ({ credentials, settings, auth }) => [
        { name: 'API key', ok: credentials.token === GOOD_KEY, detail: `${auth} connection` },
        { name: 'Lists', ok: true, detail: `${(settings as AcmeSettings).lists.length} lists` },
      ],
    },
    status: {
      read: async (_deps, tenantId, settings, record) => ({
        tenantId,
        connector: 'acme',
        connected: record !== undefined,
        lists: (settings as AcmeSettings | undefined)?.lists ?? [],
      }),
      print: (out, status) => out(`Acme: ${JSON.stringify(status)}`),
    },
  },
};

const clock = new VirtualClock();
let dir: string;
let deps: ApiDeps;
let tenant: { tenantId: string; apiKey: string };

const noSchedules: ScheduleManager = { ensure: async () => undefined, remove: async () => undefined };

beforeAll(async () => {
  registerConnector(acme);
  const { store } = await freshStore();
  dir = mkdtempSync(join(tmpdir(), 'tajo-hooks-'));
  const secrets = new FileSecretStore(join(dir, 'secrets'));
  deps = {
    tenants: store,
    connections: store,
    runs: store,
    cursors: store,
    teams: store,
    webhooks: store,
    imported: store,
    definitions: store,
    secrets,
    schedules: noSchedules,
    clock,
    endpoints: { acmeBaseUrl: 'http://127.0.0.1:9' },
  } as unknown as ApiDeps;
  tenant = await createTenant({ tenants: store, clock }, 'hooks');
  // The tenant's Brevo key, as PUT /brevo would have stored it (no Brevo is called here).
  const record = await store.getTenant('hooks');
  const ref = await secrets.put('hooks/brevo', 'xkeysib-test');
  if (record) await store.putTenant({ ...record, brevoApiKeyRef: ref });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function call(method: string, path: string, body?: unknown, connector = 'acme') {
  return handleApiRequest(deps, {
    routeKey: `${method} ${path}`,
    pathParameters: { tenantId: tenant.tenantId, connector },
    headers: { authorization: `Bearer ${tenant.apiKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const CONNECTION = '/tenants/{tenantId}/connections/{connector}';

test('a name resolves once: a runtime connector never shadows one', () => {
  expect(resolveConnector('acme')).toBe(acme);
  expect(resolvablePlatformConnectors().map((c) => c.name)).toEqual(['notion', 'slack', 'shopify', 'stripe', 'acme']);
  expect(() => registerConnector({ ...acme })).toThrow(/already exists/);
  expect(() => registerConnector({ ...acme, name: 'notion' })).toThrow(/connector named notion already exists/);
  expect(() => registerConnector({ ...acme, name: 'bare', connection: undefined })).toThrow(/no connection hooks/);
  expect(resolveConnector('bare')).toBeUndefined();
});

test('list, connect, test, status and disconnect serve a connector through its hooks', async () => {
  const before = await call('GET', '/tenants/{tenantId}/connections');
  expect(before.body).toMatchObject({
    connections: [],
    connectors: [
      { name: 'notion', connected: false },
      { name: 'slack', connected: false },
      // The catalogue's connectors, from their definition files.
      { name: 'shopify', label: 'Shopify', connected: false },
      { name: 'stripe', label: 'Stripe', connected: false },
      { name: 'acme', label: 'Acme Shop', connected: false, enabled: null, health: null },
    ],
  });

  // The section's schema refuses a body without its credential, with the key's path.
  const invalid = await call('PUT', CONNECTION, { lists: ['vip'] });
  expect(invalid.status).toBe(400);
  expect(JSON.stringify(invalid.body)).toMatch(/api_key/);

  // The provider refuses the key: nothing is stored.
  const refused = await call('PUT', CONNECTION, { api_key: 'wrong', lists: ['vip'] });
  expect(refused).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^Acme refused the API key/) } });
  expect(await deps.connections.getConnection('hooks', 'acme')).toBeUndefined();

  const connected = await call('PUT', CONNECTION, { api_key: GOOD_KEY, lists: ['vip', 'all'] });
  expect(connected).toMatchObject({
    status: 200,
    body: {
      tenantId: 'hooks',
      connector: 'acme',
      connected: true,
      enabled: true,
      workspace: { name: 'Acme store' },
      schedule: null,
      lists: 2,
    },
  });
  expect(calls).toEqual(['check at http://127.0.0.1:9', 'check at http://127.0.0.1:9']);
  const record = await deps.connections.getConnection('hooks', 'acme');
  expect(record?.settings).toEqual({ enabled: true, lists: ['vip', 'all'], ownApiKeyNames: [] });
  expect(JSON.stringify(record)).not.toContain(GOOD_KEY);
  expect(await deps.secrets.get(record?.tokenRef as string)).toBe(GOOD_KEY);

  const tested = await call('POST', `${CONNECTION}/test`, {});
  expect(tested.body).toEqual({
    tenantId: 'hooks',
    connector: 'acme',
    ok: true,
    checks: [
      { name: 'API key', ok: true, detail: 'token connection' },
      { name: 'Lists', ok: true, detail: '2 lists' },
    ],
  });

  // No sync hook: sync now is refused in one line, nothing queued (never another connector's lane).
  const sync = await call('POST', `${CONNECTION}/sync`, {});
  expect(sync).toEqual({
    status: 409,
    body: { error: 'Acme Shop has no sync to queue from the API', code: 'not_queueable' },
  });

  const status = await call('GET', `${CONNECTION}/status`);
  expect(status.body).toEqual({ tenantId: 'hooks', connector: 'acme', connected: true, lists: ['vip', 'all'] });

  const listed = await call('GET', '/tenants/{tenantId}/connections');
  expect(listed.body).toMatchObject({
    connections: [{ connector: 'acme', enabled: true, workspace: { name: 'Acme store' } }],
    connectors: [
      { name: 'notion' },
      { name: 'slack' },
      { name: 'shopify' },
      { name: 'stripe' },
      { name: 'acme', connected: true, enabled: true, health: 'ok' },
    ],
  });

  const gone = await call('DELETE', CONNECTION);
  expect(gone.body).toMatchObject({
    connector: 'acme',
    disconnected: true,
    removed: { secrets: ['hooks/acme-api-key'], record: true },
  });
  expect(await deps.connections.getConnection('hooks', 'acme')).toBeUndefined();
});

test('an OAuth install of a connector that has none is refused in one line, not a crash', async () => {
  const res = await startOAuthInstall(deps as unknown as OAuthInstallDeps, {
    tenantId: 'hooks',
    connector: 'acme',
    body: '{}',
    publicBaseUrl: 'https://api.example.test',
  });
  expect(res).toEqual({
    status: 404,
    body: {
      error: 'acme has no OAuth install: connect it with its credentials (PUT /tenants/hooks/connections/acme)',
    },
  });
});

test('connected from a config: stored unchecked without fromConfig; degraded when its provider is down', async () => {
  const config = (section: Record<string, unknown>) =>
    ({ brevo: { api_key: 'xkeysib-test' }, connectors: { acme: section } }) as unknown as TajoConfig;
  // The config was parsed (its defaults applied) before: the section is connected as it is.
  const checksBefore = calls.length;
  const plain = await connectFromConfig(deps, acme, {
    tenantId: 'cfg',
    config: config({ enabled: true, api_key: 'any', lists: ['vip'] }),
  });
  expect(plain).toMatchObject({ connector: 'acme', settings: { enabled: true, lists: ['vip'], ownApiKeyNames: [] } });
  expect(plain.health).toBeUndefined();
  // Without fromConfig the credentials are not checked (as Notion's token at npm start).
  expect(calls.length).toBe(checksBefore);
  // Connected from the config again with the token a check already saw (npm start after a
  // connect through the API): unchecked still, the workspace that check found is kept.
  expect((await call('PUT', CONNECTION, { api_key: GOOD_KEY, lists: ['vip'] })).status).toBe(200);
  const checked = calls.length;
  const again = await connectFromConfig(deps, acme, {
    tenantId: 'hooks',
    config: config({ enabled: true, api_key: GOOD_KEY, lists: ['vip'] }),
  });
  expect(again.workspace).toEqual({ name: 'Acme store' });
  expect(calls.length).toBe(checked);
  await expect(connectFromConfig(deps, acme, { tenantId: 'cfg', config: config(undefined as never) })).rejects.toThrow(
    /connectors.acme: is required to connect Acme Shop/,
  );

  const down: ConnectorDescriptor = {
    ...acme,
    name: 'acme-down',
    secrets: { token: (t) => `${t}/acme-down-key` },
    connection: {
      ...(acme.connection as NonNullable<ConnectorDescriptor['connection']>),
      connect: {
        ...(acme.connection?.connect as NonNullable<ConnectorDescriptor['connection']>['connect']),
        check: async () => {
          throw new UnreachableError('acme-down' as Provider, 'http://127.0.0.1:9', 'connection refused');
        },
        fromConfig: { unchecked: (settings) => ({ settings: { ...(settings as object), team: 'unknown' } }) },
      },
    },
  };
  registerConnector(down);
  const downConfig = { brevo: { api_key: 'xkeysib-test' }, connectors: { 'acme-down': { api_key: 'k' } } };
  const args = { tenantId: 'cfg', config: downConfig as unknown as TajoConfig };
  await expect(connectFromConfig(deps, down, args)).rejects.toThrow(/cannot reach acme-down/);
  const degraded = await connectFromConfig(deps, down, args, { whenUnreachable: 'degrade' });
  expect(degraded).toMatchObject({
    settings: { team: 'unknown' },
    health: { state: 'degraded', providers: ['acme-down'], reason: expect.stringMatching(/^cannot reach acme-down/) },
  });
});

test('a name no connector has is 404 with the names there are (the runtime ones too)', async () => {
  const res = await call('GET', `${CONNECTION}/status`, undefined, 'hubspot');
  expect(res).toMatchObject({
    status: 404,
    body: { error: 'unknown connector hubspot (notion, slack, shopify, stripe, acme, acme-down)' },
  });
});
