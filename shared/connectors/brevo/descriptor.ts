/**
 * Brevo, the hub: the tenant's account every connection writes to. Its client and contact writer
 * are in the core (shared/core/brevo/); this is its face to the rest of the product: its config
 * section (`brevo`), its webhook route, its key's secret and its health probe.
 */
import { BREVO_DEFAULT_BASE_URL } from '../../core/brevo/transport';
import { type ConnectorDescriptor, type ConnectorRoute, routeKey } from '../../core/connector';
import { brevoApiKeySecretName } from '../../core/tenancy/connections';

/** The routes Brevo serves (the topology's HTTP API is built from the descriptors). */
const brevoRoutes: ConnectorRoute[] = [
  {
    method: 'POST',
    path: '/webhooks/brevo/{tenantId}',
    function: 'ingress',
    auth: 'brevoWebhookToken',
    description: "Brevo's marketing/transactional webhooks and platform events → Slack notifications",
  },
  {
    method: 'PUT',
    path: '/tenants/{tenantId}/brevo',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'Store the tenant\'s Brevo API key, checked against the account first (body: {"apiKey", "keyName"?})',
  },
  {
    method: 'DELETE',
    path: '/tenants/{tenantId}/brevo',
    function: 'api',
    auth: 'tenantApiKey',
    description: "Remove the tenant's Brevo API key (refused while a connection uses it)",
  },
];

export const brevoDescriptor: ConnectorDescriptor = {
  name: 'brevo',
  label: 'Brevo',
  role: 'hub',
  providers: ['brevo'],
  health: {
    endpointKey: 'brevoBaseUrl',
    probe: (baseUrl) => ({
      url: `${(baseUrl ?? BREVO_DEFAULT_BASE_URL).replace(/\/+$/, '')}/v3/account`,
      method: 'GET',
    }),
  },
  http: brevoRoutes,
  routes: brevoRoutes.map(routeKey),
  lanes: {
    brevoLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 30,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Brevo lane: one message group per tenant (its Brevo account rate)',
    },
  },
  inboundRoutePrefix: 'POST /webhooks/brevo/',
  // Every event Brevo (or a platform) posts describes a contact.
  inboundBodies: 'all',
  secrets: { token: brevoApiKeySecretName },
  cli: {
    commands: [
      {
        verb: 'connect',
        summary: "Store the tenant's Brevo API key (checked against the account first).",
        options: ['key', 'key-name'],
        example: 'tajo connectors connect brevo --key $BREVO_API_KEY',
      },
      {
        verb: 'disconnect',
        summary: "Remove the tenant's Brevo API key (refused while a connection uses it).",
        options: [],
        example: 'tajo connectors disconnect brevo',
      },
    ],
  },
};
