/** The refusals a newcomer meets first say what to do next. */
import { queueableConnection } from '../../shared/core/tenancy/connections';

test('a sync of a connector never connected says how to connect it (the CLI and the API)', async () => {
  const connections = { getConnection: async () => undefined } as never;
  expect(await queueableConnection(connections, 'default', { name: 'stripe', label: 'Stripe' })).toEqual({
    reason:
      'tenant default has no Stripe connection: connect it first ' +
      '(tajo connectors connect stripe …, or PUT /tenants/default/connections/stripe)',
  });
});
