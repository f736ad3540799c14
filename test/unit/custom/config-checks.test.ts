/**
 * A `connectors.<name>` section against its definition: credentials, parameters, sync keys,
 * field_mapping, the mode and the webhook secret, each refused at its path in one line.
 */
import { join } from 'node:path';
import {
  effectiveMode,
  enabledResources,
  sectionIssues,
  sectionWarnings,
} from '../../../shared/connectors/custom/config-checks';
import { loadDefinitionFile } from '../../../shared/connectors/custom/definition/load';
import { type Definition, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';

let acme: Definition;
beforeAll(async () => {
  acme = await loadDefinitionFile(join(__dirname, '../../fixtures/definitions/acmeshop.yaml'));
});

describe('a connectors.<name> section', () => {
  it('is clean when complete, and defaults to hybrid with every resource', () => {
    expect(sectionIssues(acme, { settings: { api_key: 'k', webhook_secret: 's' } })).toEqual([]);
    expect(effectiveMode(acme)).toBe('hybrid');
    expect(enabledResources(acme, { purchases: false })).toEqual(['customers']);
  });

  it('refuses what is missing or unknown, at its path', () => {
    const issues = sectionIssues(acme, {
      settings: {},
      sync: { customers: true, products: true },
      field_mapping: { email: 'email', totalOrders: 'ORDER_COUNT' },
    });
    expect(issues).toEqual([
      { path: 'connectors.acmeshop.api_key', message: 'required by auth api_key (header X-Api-Key)' },
      {
        path: 'connectors.acmeshop.sync.products',
        message: 'not a resource of acmeshop (its resources: customers, purchases)',
      },
      {
        path: 'connectors.acmeshop.field_mapping.totalOrders',
        message: 'the definition offers no field "totalOrders" (it offers: email, first_name, total_spent)',
      },
      {
        path: 'connectors.acmeshop.webhook_secret',
        message: "required to verify webhook deliveries (signature X-Acme-Signature): the platform's signing secret",
      },
    ]);
  });

  it('checks connection parameters and modes the definition cannot run', () => {
    const shop = normalizeDefinition({
      name: 'shop',
      version: '1',
      base_url: 'https://{shop_url}/admin',
      connection: {
        shop_url: {
          required: true,
          description: 'your-store.myshopify.com',
          pattern: '^[a-z0-9-]+\\.myshopify\\.com$',
        },
      },
      auth: { type: 'api_key', header: 'X-Token' },
      resources: { customers: { endpoint: '/customers.json', mapping: { email: 'email' } } },
    });
    expect(sectionIssues(shop, { settings: { api_key: 'k', shop_url: 'evil.example' }, mode: 'realtime' })).toEqual([
      {
        path: 'connectors.shop.shop_url',
        message: '"evil.example" does not look right: expected your-store.myshopify.com',
      },
      { path: 'connectors.shop.mode', message: "realtime needs webhooks and shop's definition has none: use batch" },
    ]);
    expect(sectionIssues(shop, { settings: { api_key: 'k' } })).toEqual([
      { path: 'connectors.shop.shop_url', message: 'required by shop (your-store.myshopify.com)' },
    ]);
  });

  it("warns, without refusing, that the docs' unsigned webhooks cannot be accepted", () => {
    const docs = normalizeDefinition({
      name: 'my-platform',
      version: '1.0.0',
      auth: { type: 'oauth2', tokenUrl: 'https://api.myplatform.com/oauth/token' },
      resources: { customers: { endpoint: '/api/customers', mapping: { email: 'contact.email' } } },
      webhooks: { customer_created: '/webhooks/customer' },
    });
    expect(sectionWarnings(docs, {})).toEqual([
      "my-platform's definition declares no signature scheme: add a signature block (its webhook deliveries are refused until then)",
    ]);
    expect(sectionWarnings(docs, { mode: 'batch' })).toEqual([]);
    expect(sectionIssues(docs, { settings: { access_token: 't', base_url: 'https://api.myplatform.com' } })).toEqual(
      [],
    );
  });
});
