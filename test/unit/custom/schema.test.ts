/**
 * The definition format: the issue's block and the docs' exact Connector SDK object are accepted
 * (with their defaults filled), and mistakes are refused in one line naming the source and the
 * path of the bad key.
 */
import {
  DefinitionError,
  normalizeDefinition,
  unsignedWebhooksWarning,
} from '../../../shared/connectors/custom/definition/schema';
import { ConfigError } from '../../../shared/core/errors';
import docsConnector from '../../fixtures/definitions/docs-connector';

/** product-docs §3, as printed (the fixture is the docs' code, type-checked). */
const DOCS_OBJECT = docsConnector.definition;

/** The issue's contract block. */
const ISSUE_BLOCK = {
  name: 'acmeshop',
  version: '1.0.0',
  base_url: 'https://api.acmeshop.example',
  auth: { type: 'api_key', header: 'X-Api-Key' },
  rate_limit: { requests_per_second: 4 },
  resources: {
    customers: {
      endpoint: '/api/customers',
      items: 'data',
      pagination: { type: 'cursor', param: 'cursor', next: 'meta.next_cursor' },
      updated_since: { param: 'updated_after', field: 'updated_at' },
      to: 'contacts',
      mapping: { email: 'contact.email', first_name: 'contact.first_name', total_spent: 'stats.total_spent' },
    },
  },
  webhooks: {
    customer_created: '/webhooks/customer',
    order_placed: {
      path: '/webhooks/order',
      to: 'event',
      mapping: { email: 'customer.email', amount: 'total', order_id: 'id' },
    },
  },
  signature: {
    header: 'X-Acme-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
    timestamp_header: 'X-Acme-Timestamp',
    tolerance_s: 300,
  },
};

describe('normalizeDefinition', () => {
  it("accepts the docs' exact ConnectorSDK object, filling the canonical form", () => {
    const d = normalizeDefinition(DOCS_OBJECT);
    expect(d.auth).toEqual({
      type: 'oauth2',
      authorization_url: 'https://api.myplatform.com/oauth/authorize',
      token_url: 'https://api.myplatform.com/oauth/token',
      scopes: [],
      pkce: false,
      client_auth: 'post',
    });
    expect(d.base_url).toBeUndefined();
    expect(d.resources.customers).toEqual({
      endpoint: '/api/customers',
      params: {},
      items: '',
      id: 'id',
      to: 'contacts',
      mapping: { email: 'contact.email', name: 'contact.full_name' },
    });
    expect(d.webhooks).toEqual({
      customer_created: { path: '/webhooks/customer', to: 'event' },
      order_placed: { path: '/webhooks/order', to: 'event' },
    });
    expect(d.label).toBe('my-platform');
    expect(d.rate_limit).toEqual({ requests_per_second: 2, burst: 2 });
    // Valid, but its deliveries are refused until it says how they are signed.
    expect(unsignedWebhooksWarning(d)).toBe(
      "my-platform's definition declares no signature scheme: add a signature block (its webhook deliveries are refused until then)",
    );
  });

  it("accepts the issue's block with its defaults", () => {
    const d = normalizeDefinition(ISSUE_BLOCK);
    expect(d.rate_limit).toEqual({ requests_per_second: 4, burst: 4 });
    expect(d.resources.customers?.updated_since).toEqual({
      param: 'updated_after',
      field: 'updated_at',
      format: 'iso',
      overlap_s: 300,
    });
    expect(d.signature).toMatchObject({ secret: 'webhook_secret', tolerance_s: 300, prefix: 'sha256=' });
    expect(unsignedWebhooksWarning(d)).toBeUndefined();
  });

  it('accepts snake_case oauth2 URLs, query api keys, basic auth with a renamed password and a version number', () => {
    const d = normalizeDefinition({
      ...DOCS_OBJECT,
      version: 2,
      auth: { type: 'oauth2', authorization_url: 'https://a.example/auth', token_url: 'https://a.example/token' },
    });
    expect(d.version).toBe('2');
    expect(d.auth).toMatchObject({ token_url: 'https://a.example/token' });
    expect(normalizeDefinition({ ...ISSUE_BLOCK, auth: { type: 'api_key', query: 'key' } }).auth).toEqual({
      type: 'api_key',
      query: 'key',
    });
    expect(
      normalizeDefinition({ ...ISSUE_BLOCK, auth: { type: 'basic', password_credential: 'secret_key' } }).auth,
    ).toEqual({ type: 'basic', password_credential: 'secret_key' });
  });

  const customers = ISSUE_BLOCK.resources.customers;
  const MISTAKES: [string, Record<string, unknown>, string][] = [
    [
      'an unknown pagination type',
      { resources: { customers: { ...customers, pagination: { type: 'cursr', param: 'c' } } } },
      'acme.yaml: resources.customers.pagination.type: expected one of cursor, page, offset, link',
    ],
    [
      'a misspelt key',
      { resources: { customers: { ...customers, pagnation: customers.pagination } } },
      'acme.yaml: resources.customers.pagnation: unknown key (check its spelling and indentation)',
    ],
    [
      'an unknown auth type',
      { auth: { type: 'oauth' } },
      'acme.yaml: auth.type: expected one of api_key, bearer, basic, oauth2, none',
    ],
    [
      'an api key with neither header nor query',
      { auth: { type: 'api_key' } },
      'acme.yaml: auth: api_key auth takes header: <name> or query: <param> (one of them)',
    ],
    [
      'oauth2 without a token URL',
      { auth: { type: 'oauth2' } },
      'acme.yaml: auth.tokenUrl: oauth2 auth needs tokenUrl',
    ],
    ['a name with capitals', { name: 'AcmeShop' }, 'acme.yaml: name: lower-case letters, digits and -'],
    ['a base URL that is not http(s)', { base_url: 'ftp://x' }, 'acme.yaml: base_url: expected an http(s) URL'],
    [
      'a base URL placeholder without a connection setting',
      { base_url: 'https://{shop}.example' },
      'acme.yaml: base_url: {shop} is not a connection setting: declare connection.shop',
    ],
    [
      'a contacts resource without email',
      { resources: { customers: { ...customers, mapping: { first_name: 'x' } } } },
      'acme.yaml: resources.customers.mapping: a contact needs an email field',
    ],
    [
      'a malformed mapping path',
      { resources: { customers: { ...customers, mapping: { email: 'contact..email' } } } },
      'acme.yaml: resources.customers.mapping.email: expected a path like a.b.c',
    ],
    [
      'a wrong to:',
      { resources: { customers: { ...customers, to: 'contact' } } },
      'acme.yaml: resources.customers.to: expected one of contacts, events',
    ],
    [
      'page pagination without a page size',
      { resources: { customers: { ...customers, pagination: { type: 'page', param: 'page' } } } },
      'acme.yaml: resources.customers.page_size: page pagination needs page_size',
    ],
    [
      'cursor pagination without next or last_item',
      { resources: { customers: { ...customers, pagination: { type: 'cursor', param: 'c' } } } },
      'acme.yaml: resources.customers.pagination.next: cursor pagination takes next:',
    ],
    [
      'an unknown signature algorithm',
      { signature: { header: 'X-Sig', algorithm: 'md5' } },
      'acme.yaml: signature.algorithm: expected one of sha256, sha1, sha512',
    ],
    [
      'a webhook path without a slash',
      { webhooks: { order_placed: 'webhooks/order' } },
      'acme.yaml: webhooks.order_placed: expected a path (/webhooks/x) or {path, to, mapping}',
    ],
    [
      'two webhooks on one path without match',
      { webhooks: { a: '/hooks', b: { path: '/hooks', to: 'event' } } },
      "acme.yaml: webhooks.b: /hooks is also a's path: add match",
    ],
    [
      'a negative rate',
      { rate_limit: { requests_per_second: -1 } },
      'acme.yaml: rate_limit.requests_per_second: must be > 0',
    ],
    [
      'nothing to read or receive',
      { resources: {}, webhooks: {} },
      'acme.yaml: resources: a connector needs resources to read or webhooks to receive',
    ],
    ['a missing auth', { auth: undefined }, 'acme.yaml: auth: '],
  ];

  it.each(MISTAKES)('refuses %s at its path', (_what, change, message) => {
    const raw = { ...ISSUE_BLOCK, ...change };
    let caught: unknown;
    try {
      normalizeDefinition(raw, 'acme.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DefinitionError);
    const text = (caught as Error).message;
    expect(text.startsWith(message)).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('says how many more mistakes there are, by path', () => {
    expect(() =>
      normalizeDefinition({ ...ISSUE_BLOCK, name: 'X', version: '', rate_limit: { requests_per_second: 0 } }, 'a.json'),
    ).toThrow(/^a\.json: name: .* \(and 2 more: version, rate_limit\.requests_per_second\)$/);
  });

  it('is a ConfigError whose issues are named by the file and the path (the CLI prints them, exit 2)', () => {
    let caught: unknown;
    try {
      normalizeDefinition({ ...ISSUE_BLOCK, name: 'X', auth: { type: 'api_key' } }, 'acme.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toEqual([
      { path: 'acme.yaml: name', message: 'lower-case letters, digits and -, starting with a letter (my-platform)' },
      { path: 'acme.yaml: auth', message: 'api_key auth takes header: <name> or query: <param> (one of them)' },
    ]);
  });

  it('refuses what is not an object', () => {
    expect(() => normalizeDefinition('name: x', 'x.yaml')).toThrow(/^x\.yaml: /);
    expect(() => normalizeDefinition([], 'x.yaml')).toThrow(/^x\.yaml: /);
  });
});
