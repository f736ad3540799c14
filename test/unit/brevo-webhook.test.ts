import { acceptBrevoWebhook } from '../../shared/services/slack-notifications';

test('a store failure on the webhook path answers 429 (Brevo retries 429, and drops events on 5xx)', async () => {
  const logged: string[] = [];
  const res = await acceptBrevoWebhook(
    {
      tenants: {
        getTenant: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
        putTenant: async () => undefined,
      },
      connections: {
        getConnection: async () => undefined,
        putConnection: async () => undefined,
        deleteConnection: async () => undefined,
        listConnections: async () => [],
      },
      lane: { send: async () => undefined },
      log: (m) => logged.push(m),
    },
    { tenantId: 'acme', headers: { authorization: 'Bearer whk_x' }, body: '{}' },
  );
  expect(res.status).toBe(429);
  expect(logged[0]).toMatch(/answering 429/);
});
