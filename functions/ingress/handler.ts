import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { rawBodyOf } from '../../shared/connectors/slack/signature';
import { acceptNotionWebhook } from '../../shared/services/notion-webhooks';
import { acceptSlackRequest } from '../../shared/services/slack-interactions';
import { acceptBrevoWebhook } from '../../shared/services/slack-notifications';
import { deps } from '../commons/deps';
import { logger } from '../commons/powertools';

/** Webhook ingress: check the caller, queue the work, answer at once (the tenant is the path's). */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const d = deps();
  const route = event.routeKey;
  if (route.startsWith('POST /slack/')) {
    const res = await acceptSlackRequest(
      {
        connections: d.store,
        secrets: d.secrets,
        lane: d.lane,
        clock: d.clock,
        log: (msg, data) => logger.info(msg, data),
      },
      {
        tenantId: event.pathParameters?.tenantId ?? '',
        kind: route.endsWith('/events') ? 'events' : 'interactions',
        headers: event.headers ?? {},
        rawBody: rawBodyOf(event),
      },
    );
    if (res.status >= 400) logger.warn('Slack request refused', { status: res.status, route });
    return { statusCode: res.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(res.body) };
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
  return { statusCode: res.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(res.body) };
}).use(injectLambdaContext(logger));
