import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { rawBodyOf } from '../../shared/connectors/slack/signature';
import type { ApiResponse } from '../../shared/services/api';
import { acceptNotionWebhook } from '../../shared/services/notion-webhooks';
import { type SlackAppCredentialsSource, slackAppCredentials } from '../../shared/services/slack-app';
import { acceptSlackRequest } from '../../shared/services/slack-interactions';
import { acceptBrevoWebhook } from '../../shared/services/slack-notifications';
import { ENV } from '../../shared/topology';
import { deps } from '../commons/deps';
import { lambdaLogging, logger } from '../commons/powertools';
import { requestGuard } from '../commons/request-guard';

// Per container: the distributed app's credentials are read once every few minutes, not per request.
let appCredentials: SlackAppCredentialsSource | undefined;

/**
 * Webhook ingress: check the caller, queue the work, answer at once. The tenant is the path's, or,
 * for the distributed Slack app's routes (`/slack/events`, `/slack/interactions`), the one the
 * signed request's Slack team belongs to.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const d = deps();
  const route = event.routeKey;
  if (route.startsWith('POST /slack/')) {
    appCredentials ??= slackAppCredentials(
      { secrets: d.secrets, clock: d.clock, log: (msg, data) => logger.error(msg, data) },
      process.env[ENV.slackAppSecret],
    );
    const tenantRoute = route.startsWith('POST /slack/{tenantId}/');
    const res = await acceptSlackRequest(
      {
        connections: d.store,
        secrets: d.secrets,
        lane: d.lane,
        clock: d.clock,
        app: { credentials: appCredentials, teams: d.store },
        log: (msg, data) => logger.info(msg, data),
      },
      {
        via: tenantRoute ? { app: 'tenant', tenantId: event.pathParameters?.tenantId ?? '' } : { app: 'distributed' },
        kind: route.endsWith('/events') ? 'events' : 'interactions',
        headers: event.headers ?? {},
        rawBody: rawBodyOf(event),
      },
    );
    if (res.status >= 400) logger.warn('Slack request refused', { status: res.status, route });
    return toHttp(res);
  }
  if (route === 'POST /webhooks/notion/{tenantId}') {
    const res = await acceptNotionWebhook(
      {
        connections: d.store,
        webhooks: d.store,
        markers: d.store,
        secrets: d.secrets,
        lane: d.lane,
        clock: d.clock,
        log: (msg, data) => logger.info(msg, data),
      },
      { tenantId: event.pathParameters?.tenantId ?? '', headers: event.headers ?? {}, rawBody: rawBodyOf(event) },
    );
    if (res.status >= 400) logger.warn('Notion webhook refused', { status: res.status, route });
    return { statusCode: res.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(res.body) };
  }
  const res = await acceptBrevoWebhook(
    {
      tenants: d.store,
      connections: d.store,
      lane: d.lane,
      orders: d.store,
      clock: d.clock,
      log: (msg, data) => logger.error(msg, data),
    },
    {
      tenantId: event.pathParameters?.tenantId ?? '',
      headers: event.headers ?? {},
      body: rawBodyOf(event).toString('utf8'),
    },
  );
  if (res.status >= 400)
    logger.warn('webhook refused', { status: res.status, tenantId: event.pathParameters?.tenantId });
  return toHttp(res);
})
  .use(requestGuard())
  .use(lambdaLogging());

/** An undefined body is an empty one (what Slack wants for an event it should simply not retry). */
function toHttp(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  if (res.body === undefined) return { statusCode: res.status, body: '' };
  return { statusCode: res.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(res.body) };
}
