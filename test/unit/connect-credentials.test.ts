/**
 * Which connect bodies hold only credentials (connect-token.ts): told by each connector's own split,
 * so every connector of the registry is covered without a list of its keys. Such a body over an
 * existing connection keeps its settings (test/integration/tenants-connections.test.ts connects).
 */
import { credentialsOnly } from '../../shared/app/connect-token';
import { resolvablePlatformConnectors, resolveConnection } from '../../shared/connectors';

const bodies: Record<string, { credentials: Record<string, string>; setting: Record<string, unknown> }> = {
  notion: { credentials: { token: 'ntn_1' }, setting: { databases: [] } },
  slack: {
    credentials: { bot_token: 'xoxb-1', signing_secret: 's' },
    setting: { channels: { sales: 'C0SALES' } },
  },
  shopify: { credentials: { api_key: 'shpat_1', api_secret: 's' }, setting: { shop_url: 'x.myshopify.com' } },
  stripe: { credentials: { api_key: 'sk_test_1', webhook_secret: 'whsec_1' }, setting: { mode: 'batch' } },
};

test.each(resolvablePlatformConnectors().map((c) => [c.name]))(
  '%s: its credentials alone are credentials; with a setting, a section',
  (name) => {
    const body = bodies[name];
    if (!body) throw new Error(`give ${name}'s credentials and a setting in this test`);
    const { connect } = resolveConnection(name);
    expect(credentialsOnly(connect, body.credentials)).toBe(true);
    // Any one credential alone too (a token rotated without its signing secret).
    const [first] = Object.entries(body.credentials);
    expect(credentialsOnly(connect, Object.fromEntries([first as [string, string]]))).toBe(true);
    expect(credentialsOnly(connect, { ...body.credentials, ...body.setting })).toBe(false);
    expect(credentialsOnly(connect, {})).toBe(false);
    expect(credentialsOnly(connect, [])).toBe(false);
  },
);
