/**
 * Notion, as the rest of the product sees it: its routes, lane, schedule, secrets, health probe,
 * token refresh and CLI verbs. Listed by the registry (shared/connectors/index.ts).
 */

import { type ConnectorDescriptor, type ConnectorRoute, refreshedToken, routeKey } from '../../core/connector';
import { TajoError } from '../../core/errors';
import type { ConnectionRecord, ConnectionSettings, WebhookSubscriptionStore } from '../../core/ports';
import { NOTION_DEFAULT_BASE_URL } from './client';
import { notionSectionIssues } from './config-checks';
import { type NotionConnectorConfig, notionConnectorSchema, notionRequiredHints } from './config-schema';
import { notionConnect, notionTest } from './connection';
import { notionSyncNow } from './lane/enqueue';
import { refreshNotionToken } from './oauth';
import { notionPollSchedule } from './schedule';
import { notionSdkRoutes } from './sdk-api';
import { type NotionStatus, notionStatus } from './status';
import { printNotionStatus } from './status-lines';

type NotionApps = { notion: () => Promise<{ client_id: string; client_secret: string } | undefined> };

/** The routes Notion serves (the topology's HTTP API is built from the descriptors). */
const notionRoutes: ConnectorRoute[] = [
  {
    method: 'POST',
    path: '/webhooks/notion/{tenantId}',
    function: 'ingress',
    auth: 'notionSignature',
    description: "Notion integration webhooks (verification handshake, page events) → the tenant's Notion lane",
  },
  {
    method: 'GET',
    path: '/oauth/notion/callback',
    function: 'connection',
    auth: 'oauthState',
    description: "Notion's redirect after consent: exchanges the code, stores the grant, makes the connection",
  },
  {
    method: 'POST',
    path: '/tenants/{tenantId}/connections/notion/imports',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'Import a Notion page into the document library (body: {"page": id or URL}); queued in the lane',
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/connections/notion/imports/{importId}',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'How an import or a documents re-sync went',
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/connections/notion/documents',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'The imported documents: metadata, when imported and re-synced, their files',
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/connections/notion/documents/{pageId}',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'One imported document: metadata and Markdown',
  },
  {
    method: 'POST',
    path: '/tenants/{tenantId}/connections/notion/documents/resync',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'Re-sync the imported documents now (edited pages are imported again); queued in the lane',
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/connections/notion/webhook',
    function: 'api',
    auth: 'tenantApiKey',
    description: "The Notion webhook subscription's state and its pending verification token",
  },
  // The SDK's query and create (sdk-api.ts).
  ...notionSdkRoutes,
];

export const notionDescriptor: ConnectorDescriptor = {
  name: 'notion',
  label: 'Notion',
  role: 'platform',
  providers: ['notion', 'brevo'],
  config: {
    section: notionConnectorSchema,
    requiredHints: notionRequiredHints,
    validate: (section, base) => notionSectionIssues(section as NotionConnectorConfig, base),
  },
  health: {
    endpointKey: 'notionBaseUrl',
    probe: (baseUrl) => ({
      url: `${(baseUrl ?? NOTION_DEFAULT_BASE_URL).replace(/\/+$/, '')}/v1/users/me`,
      method: 'GET',
    }),
  },
  inboundRoutePrefix: 'POST /webhooks/notion/',
  http: notionRoutes,
  routes: notionRoutes.map(routeKey),
  lanes: {
    notionLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 900,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Notion lane: one message group per integration (connection token)',
    },
  },
  schedule: notionPollSchedule,
  secrets: { token: (tenantId) => `${tenantId}/notion-token` },
  oauth: {
    async refresh(deps, refreshToken) {
      const app = await (deps.apps as NotionApps).notion();
      if (!app) throw new TajoError('the Notion OAuth app is not configured: cannot refresh the token', 'oauth_app');
      return refreshedToken(
        await refreshNotionToken({
          baseUrl: deps.endpoints.notionBaseUrl,
          clientId: app.client_id,
          clientSecret: app.client_secret,
          refreshToken,
        }),
      );
    },
  },
  async disconnect(deps, tenantId, deleteSecret) {
    const kept: string[] = [];
    let notionWebhook = false;
    const hook = await deps.webhooks.getNotionWebhook(tenantId);
    if (hook) {
      await deleteSecret(hook.pendingRef, 'Notion webhook verification token (pending)');
      await deleteSecret(hook.confirmedRef, 'Notion webhook verification token');
      await deps.webhooks.deleteNotionWebhook(tenantId);
      notionWebhook = true;
      kept.push(
        "the webhook subscription in Notion's integration settings: delete it there, or re-create it after reconnecting (its verification token is gone)",
      );
    }
    const pendingPages = await dropPendingPages(deps.webhooks, tenantId);
    kept.push(
      'imported documents (the document library) and the record of pages published as campaigns, so a reconnect never mails a page version twice',
    );
    return { removed: { notionWebhook, pendingPages }, kept };
  },
  cli: {
    commands: [
      {
        verb: 'test',
        summary:
          'Check the Notion connection: token, each database and its mapped properties, users, search, page creation.',
        options: ['create-page'],
        example: 'tajo connectors test notion --config tajo.yaml',
        notes: ['Exit 1 when a check fails.'],
      },
      {
        verb: 'status',
        summary: 'Show the Notion connector: databases, last runs and their counts, last errors, warnings.',
        options: [],
        example: 'tajo connectors status notion',
      },
      {
        verb: 'install',
        summary: 'Connect Notion with an internal integration token (the same as connect notion).',
        options: ['token', 'brevo-key'],
        example: 'tajo connectors install notion --token $NOTION_TOKEN --config tajo.yaml',
      },
      {
        verb: 'connect',
        summary:
          "Connect Notion with an internal integration token; the config's connectors.notion gives its settings.",
        options: ['token', 'brevo-key'],
        example: 'tajo connectors connect notion --token $NOTION_TOKEN --brevo-key $BREVO_API_KEY',
      },
      {
        verb: 'disconnect',
        summary: 'Disconnect Notion: its token, schedule and state are removed; says what was kept.',
        options: [],
        example: 'tajo connectors disconnect notion',
      },
    ],
  },
  consumes: ['brevo-webhook'],
  connection: {
    connect: notionConnect,
    test: notionTest,
    status: {
      read: (deps, tenantId, settings, record) =>
        notionStatus(
          deps,
          tenantId,
          settings as ConnectionSettings['notion'] | undefined,
          record as ConnectionRecord<'notion'> | undefined,
        ),
      print: (out, status) => printNotionStatus(out, status as NotionStatus),
    },
    sync: ({ connections, lane, clock }, args) => notionSyncNow({ connections, lane, clock }, args),
  },
};

/** Empties the tenant's Notion webhook page inbox; returns how many pages were dropped. */
async function dropPendingPages(webhooks: WebhookSubscriptionStore, tenantId: string): Promise<number> {
  let dropped = 0;
  // Bounded: an inbox that keeps refilling (events still arriving) does not hold the request.
  for (let round = 0; round < 50; round++) {
    const pages = await webhooks.listPendingPages(tenantId, 100);
    if (pages.length === 0) break;
    await webhooks.removePendingPages(tenantId, pages);
    dropped += pages.length;
  }
  return dropped;
}
