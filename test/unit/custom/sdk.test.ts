/**
 * @tajo/connector-sdk: identity at run time, a definition's types at compile time (tsc checks this
 * file: each @ts-expect-error must meet an error), and its types agree with the engine's schema.
 */
import { type ConnectorDefinition, ConnectorSDK, defineConnector } from '@tajo/connector-sdk';
import { type DefinitionInput, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';

const acme = defineConnector({
  name: 'acme',
  version: '1.0.0',
  base_url: 'https://api.acme.example',
  auth: { type: 'api_key', header: 'X-Api-Key' },
  resources: {
    customers: {
      endpoint: '/customers',
      pagination: { type: 'cursor', param: 'starting_after', last_item: 'id', has_more: 'has_more' },
      mapping: { email: 'email' },
    },
  },
  signature: { header: 'Stripe-Signature', parts: { timestamp: 't', signature: 'v1' } },
});

/** Every SDK-typed definition is input the engine's schema is written for. */
const asInput: DefinitionInput = acme satisfies ConnectorDefinition;

describe('@tajo/connector-sdk', () => {
  it('defineConnector is the identity; ConnectorSDK holds the definition', () => {
    const d: ConnectorDefinition = { name: 'x', version: '1', auth: { type: 'none' }, webhooks: { a: '/a' } };
    expect(defineConnector(d)).toBe(d);
    expect(new ConnectorSDK(d).definition).toBe(d);
    expect(normalizeDefinition(asInput).name).toBe('acme');
  });

  it('refuses a ConnectorSDK without an object', () => {
    // @ts-expect-error: the definition is an object
    expect(() => new ConnectorSDK('acme')).toThrow('new ConnectorSDK(definition): the definition must be an object');
  });

  it('types catch mistakes at compile time', () => {
    const wrongPagination = () =>
      defineConnector({
        name: 'x',
        version: '1',
        auth: { type: 'bearer' },
        // @ts-expect-error: not a pagination type
        resources: { c: { endpoint: '/c', pagination: { type: 'cursr', param: 'p' }, mapping: { email: 'e' } } },
      });
    // @ts-expect-error: an api_key auth takes header or query, not both
    const both = (): ConnectorDefinition['auth'] => ({ type: 'api_key', header: 'X', query: 'k' });
    // @ts-expect-error: a resource needs its mapping
    const noMapping = (): ConnectorDefinition['resources'] => ({ c: { endpoint: '/c' } });
    // What the types refuse, the schema refuses too (for JavaScript and YAML authors).
    expect(() => normalizeDefinition(wrongPagination())).toThrow('resources.c.pagination.type: expected one of');
    expect(() => normalizeDefinition({ ...acme, auth: both() })).toThrow('auth: api_key auth takes header');
    expect(() => normalizeDefinition({ ...acme, resources: noMapping() })).toThrow('resources.c.mapping: required');
  });
});
