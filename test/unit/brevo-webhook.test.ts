import { acceptBrevoWebhook } from '../../shared/app/hub-webhook';
import { sha256Hex } from '../../shared/core/hash';
import { systemClock } from '../../shared/core/ports';
import { contactUpdated } from '../notifications/fixtures';

test('a store failure on the webhook path answers 429 (Brevo retries 429, and drops events on 5xx)', async () => {
  const logged: string[] = [];
  const res = await acceptBrevoWebhook(
    {
      tenants: {
        getTenant: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
        putTenant: async () => undefined,
        findTenantByApiKeyHash: async () => undefined,
        indexApiKey: async () => undefined,
      },
      connections: {
        getConnection: async () => undefined,
        putConnection: async () => undefined,
        deleteConnection: async () => undefined,
        listConnections: async () => [],
        listTenantConnections: async () => [],
      },
      lane: { send: async () => undefined },
      orders: { recordOrder: async () => undefined, lastOrderAt: async () => undefined },
      clock: systemClock,
      log: (m) => logged.push(m),
    },
    { tenantId: 'acme', headers: { authorization: 'Bearer whk_x' }, body: '{}' },
  );
  expect(res.status).toBe(429);
  expect(logged[0]).toMatch(/answering 429/);
});

test("contact_updated caused by our own Brevo API key is not notified; a change made in Brevo's UI is", async () => {
  const sent: string[] = [];
  const deps = {
    tenants: {
      getTenant: async () => ({
        tenantId: 'acme',
        apiKeyHash: 'x',
        webhookTokenHash: sha256Hex('whk_t'),
        createdAt: '',
      }),
      putTenant: async () => undefined,
    },
    connections: {
      getConnection: async () =>
        ({
          tenantId: 'acme',
          connector: 'slack',
          settings: {
            enabled: true,
            channels: { ops: 'C0OPS' },
            notifications: { contact_updated: { channel: 'ops' } },
            interactions: {},
            teamId: 'T1',
            ownApiKeyNames: ['tajo-sync'],
          },
          tokenRef: 'r',
          brevoApiKeyRef: 'r',
          integrationKey: 'k',
          createdAt: '',
          updatedAt: '',
        }) as never,
      putConnection: async () => undefined,
      deleteConnection: async () => undefined,
      listConnections: async () => [],
    },
    lane: { send: async (_q: string, m: { body: string }[]) => void sent.push(...m.map((x) => x.body)) },
    orders: { recordOrder: async () => undefined, lastOrderAt: async () => undefined },
    clock: systemClock,
  };
  const post = (body: unknown) =>
    acceptBrevoWebhook(deps as never, {
      tenantId: 'acme',
      headers: { authorization: 'Bearer whk_t' },
      body: JSON.stringify(body),
    });
  const echo = await post(contactUpdated({ api_key_name: 'tajo-sync', email: 'echo@example.com' }));
  expect(echo.body).toMatchObject({ accepted: 0, skipped: 1 });
  const human = await post(contactUpdated({ api_key_name: '', email: 'human@example.com' }));
  expect(human.body).toMatchObject({ accepted: 1 });
  expect(sent).toHaveLength(1);
  expect(sent[0]).toContain('human@example.com');
});
