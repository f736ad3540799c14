import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { oauthEndpointsFromEnv } from '../../shared/app/oauth-install-steps';
import { handleConnectionRequest } from '../../shared/app/oauth-routes';
import { deps } from '../commons/deps';
import { logger } from '../commons/powertools';
import { requestGuard } from '../commons/request-guard';

/** OAuth installs (payload 2.0): the management route that starts one, and the providers' redirects. */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const d = deps();
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const res = await handleConnectionRequest(
    {
      tenants: d.store,
      states: d.store,
      connections: d.store,
      teams: d.store,
      secrets: d.secrets,
      schedules: d.schedules,
      clock: d.clock,
      apps: d.apps,
      endpoints: oauthEndpointsFromEnv(),
      // Never the query: it holds the authorization code.
      log: (message, data) => logger.info(message, data),
    },
    {
      routeKey: event.routeKey,
      pathParameters: event.pathParameters ?? {},
      headers: event.headers ?? {},
      query: event.queryStringParameters ?? {},
      body,
    },
  );
  return { statusCode: res.status, headers: res.headers, body: res.body };
})
  .use(requestGuard())
  .use(injectLambdaContext(logger));
