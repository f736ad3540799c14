/**
 * Slack, as the rest of the product sees it: its routes, lanes, schedule, secrets, health probe,
 * token rotation and CLI verbs. Listed by the registry (shared/connectors/index.ts).
 */

import { type ConnectorDescriptor, type ConnectorRoute, refreshedToken, routeKey } from '../../core/connector';
import { TajoError } from '../../core/errors';
import { workspaceKey } from '../../core/ports';
import { SLACK_DEFAULT_API_URL } from './client';
import { slackSectionIssues } from './config-checks';
import { type SlackConnectorConfig, slackConnectorSchema, slackRequiredHints } from './config-schema';
import { slackConnect, slackTest } from './connection';
import { refreshSlackToken } from './oauth';
import { slackDailySchedule } from './schedule';
import { slackStatusHooks } from './status';

type SlackApps = { slack: () => Promise<{ client_id?: string; client_secret?: string } | undefined> };

/** Where a tenant's own Slack app's signing secret lives in the secret store. */
export function slackSigningSecretName(tenantId: string): string {
  return `${tenantId}/slack-signing-secret`;
}

/** The routes Slack serves (the topology's HTTP API is built from the descriptors). */
const slackRoutes: ConnectorRoute[] = [
  {
    method: 'POST',
    path: '/slack/{tenantId}/interactions',
    function: 'ingress',
    auth: 'slackSignature',
    description: "Slack buttons, modals and shortcuts of the tenant's app → Brevo",
  },
  {
    method: 'POST',
    path: '/slack/{tenantId}/events',
    function: 'ingress',
    auth: 'slackSignature',
    description: "Slack Events API of the tenant's app (url_verification)",
  },
  {
    method: 'POST',
    path: '/slack/interactions',
    function: 'ingress',
    auth: 'slackAppSignature',
    description: "Slack buttons, modals and shortcuts of the deployment's distributed app (team → tenant) → Brevo",
  },
  {
    method: 'POST',
    path: '/slack/events',
    function: 'ingress',
    auth: 'slackAppSignature',
    description: "Slack Events API of the deployment's distributed app (team → tenant)",
  },
  {
    method: 'POST',
    path: '/tenants/{tenantId}/slack/notify',
    function: 'api',
    auth: 'tenantApiKey',
    description:
      'Post a notification through the Slack lane (body: {channel, event, data?, template?: {blocks}, thread?}); answered 202 with its notificationId',
  },
  {
    method: 'GET',
    path: '/oauth/slack/callback',
    function: 'connection',
    auth: 'oauthState',
    description: "Slack's redirect after the install: exchanges the code, claims the workspace, makes the connection",
  },
];

export const slackDescriptor: ConnectorDescriptor = {
  name: 'slack',
  label: 'Slack',
  role: 'platform',
  providers: ['slack', 'brevo'],
  config: {
    section: slackConnectorSchema,
    requiredHints: slackRequiredHints,
    validate: (section, base) => slackSectionIssues(section as SlackConnectorConfig, base),
  },
  health: {
    endpointKey: 'slackApiUrl',
    probe: (apiUrl) => ({ url: `${(apiUrl ?? SLACK_DEFAULT_API_URL).replace(/\/?$/, '/')}auth.test`, method: 'POST' }),
  },
  http: slackRoutes,
  routes: slackRoutes.map(routeKey),
  lanes: {
    slackLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 60,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Slack lane: one message group per tenant and channel (1 message/s per channel)',
      tenantGroups: true,
    },
  },
  eventsPath: '/slack/{tenantId}/events',
  inboundRoutePrefix: 'POST /slack/',
  schedule: slackDailySchedule,
  secrets: {
    token: (tenantId) => `${tenantId}/slack-bot-token`,
    signingSecret: slackSigningSecretName,
  },
  oauth: {
    async refresh(deps, refreshToken) {
      const app = await (deps.apps as SlackApps).slack();
      if (!app?.client_id || !app.client_secret) {
        throw new TajoError('the Slack app has no client id and secret: cannot rotate the token', 'oauth_app');
      }
      return refreshedToken(
        await refreshSlackToken({
          apiUrl: deps.endpoints.slackApiUrl,
          clientId: app.client_id,
          clientSecret: app.client_secret,
          refreshToken,
        }),
      );
    },
  },
  async disconnect(deps, tenantId) {
    const slackTeams: string[] = [];
    for (const team of await deps.teams.listSlackTeams(tenantId)) {
      await deps.teams.releaseSlackTeam(tenantId, team);
      slackTeams.push(workspaceKey(team));
    }
    return { removed: { slackTeams }, kept: [] };
  },
  cli: {
    commands: [
      {
        verb: 'test',
        summary:
          'Check the Slack connection: token, workspace, channels, posting and (with --events-url) the events route.',
        options: ['events-url'],
        example: 'tajo connectors test slack --config tajo.yaml',
        notes: ['Exit 1 when a check fails.'],
      },
      {
        verb: 'status',
        summary: 'Show the Slack connector: channels, routes, last deliveries and errors.',
        options: [],
        example: 'tajo connectors status slack --json',
      },
      {
        verb: 'connect',
        summary: "Connect Slack with a bot token; the config's connectors.slack gives its channels and routes.",
        options: ['bot-token', 'signing-secret', 'brevo-key'],
        example: 'tajo connectors connect slack --bot-token $SLACK_BOT_TOKEN --signing-secret $SLACK_SIGNING_SECRET',
      },
      {
        verb: 'disconnect',
        summary: 'Disconnect Slack: its token and state are removed; says what was kept.',
        options: [],
        example: 'tajo connectors disconnect slack',
      },
    ],
  },
  inboundBodies: 'all',
  consumes: ['brevo-webhook'],
  connection: {
    connect: slackConnect,
    test: slackTest,
    status: slackStatusHooks,
    syncRefusal:
      "the Slack member sync runs in the connection's daily job; to run it now, run it in process: tajo connectors sync slack-users --config FILE",
  },
};
