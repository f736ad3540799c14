import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleApiRequest } from '../../shared/app/api';
import { providerHealth } from '../../shared/app/health';
import { deps } from '../commons/deps';
import { lambdaLogging } from '../commons/powertools';
import { requestGuard } from '../commons/request-guard';

/** HTTP API (payload 2.0): the route key and path parameters come from API Gateway. */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const d = deps();
  const endpoints = { ...d.endpoints, slackApiUrl: process.env.SLACK_API_URL || undefined };
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const res = await handleApiRequest(
    {
      tenants: d.store,
      connections: d.store,
      runs: d.store,
      cursors: d.store,
      teams: d.store,
      webhooks: d.store,
      lane: d.lane,
      secrets: d.secrets,
      schedules: d.schedules,
      clock: d.clock,
      endpoints,
      health: () => providerHealth(endpoints, d.clock),
      documents: d.documents,
      imported: d.store,
      deliveries: d.store,
    },
    { routeKey: event.routeKey, pathParameters: event.pathParameters ?? {}, headers: event.headers ?? {}, body },
  );
  // Response bodies are never logged, not even at debug (one carries the Notion webhook's
  // verification token), nor cached.
  return {
    statusCode: res.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(res.body),
  };
})
  .use(requestGuard())
  .use(lambdaLogging());
