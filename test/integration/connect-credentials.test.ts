/**
 * Connecting a definition connector again with only its credentials (the SDK's connect('shopify',
 * {api_key, api_secret})): its section would not parse without the shop's URL, but the connection
 * has it: the settings are kept and the secrets replaced, checked against the Shopify simulator.
 */
import { BrevoSimulator } from '../../sandbox/brevo';
import { SHOPIFY_SANDBOX_CLIENT_SECRET, SHOPIFY_SANDBOX_TOKEN, ShopifySimulator } from '../../sandbox/shopify';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { connectWithToken, type TokenConnectDeps } from '../../shared/app/connect-token';
import { ConfigError } from '../../shared/core/errors';
import { systemClock } from '../../shared/core/ports';
import { MemorySecrets } from '../support/memory-secrets';
import { freshStore } from '../support/stores';

let shopify: ShopifySimulator;
let brevo: BrevoSimulator;
let store: DynamoRepositories;
let deps: TokenConnectDeps;
const secrets = new MemorySecrets();

beforeAll(async () => {
  shopify = new ShopifySimulator({ customers: 2, orders: 0, checkouts: 0 });
  brevo = new BrevoSimulator({ apiKeys: ['xkeysib-t'], limits: false });
  await Promise.all([shopify.start(), brevo.start()]);
  ({ store } = await freshStore());
  deps = {
    tenants: store,
    connections: store,
    teams: store,
    secrets,
    schedules: { ensure: async () => undefined, remove: async () => undefined },
    clock: systemClock,
    endpoints: { brevoBaseUrl: brevo.baseUrl },
  };
  await store.putTenant({
    tenantId: 'acme',
    apiKeyHash: 'x',
    createdAt: new Date().toISOString(),
    brevoApiKeyRef: await secrets.put('acme/brevo', 'xkeysib-t'),
  });
});

afterAll(async () => {
  await Promise.all([shopify.stop(), brevo.stop()]);
});

test('the credentials alone over a Shopify connection keep its shop, resources and mapping', async () => {
  const section = {
    shop_url: 'your-store.myshopify.com',
    base_url: `${shopify.baseUrl}/admin/api/2025-07`,
    api_key: SHOPIFY_SANDBOX_TOKEN,
    api_secret: SHOPIFY_SANDBOX_CLIENT_SECRET,
    sync_to_list: 'Shop customers',
    sync: { customers: true, orders: false },
    field_mapping: { email: 'email', first_name: 'FIRSTNAME' },
  };
  const first = await connectWithToken(deps, 'acme', 'shopify', section);
  expect(first).not.toHaveProperty('kept');
  const before = await store.getConnection('acme', 'shopify');

  const again = await connectWithToken(deps, 'acme', 'shopify', {
    api_key: SHOPIFY_SANDBOX_TOKEN,
    api_secret: 'rotated-app-secret',
  });
  expect(again).toMatchObject({ connected: true, kept: 'settings' });
  const after = await store.getConnection('acme', 'shopify');
  expect(after?.settings).toEqual(before?.settings);
  expect(JSON.parse((await secrets.get(after?.tokenRef as string)) ?? '{}')).toEqual({
    api_key: SHOPIFY_SANDBOX_TOKEN,
    api_secret: 'rotated-app-secret',
  });
  // Without a connection to keep, the same body is a section, refused for what it lacks.
  await expect(
    connectWithToken(deps, 'other', 'shopify', { api_key: SHOPIFY_SANDBOX_TOKEN, api_secret: 's' }),
  ).rejects.toThrow(ConfigError);
});
