import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { oauthEndpointsFromEnv } from '../../shared/app/oauth-install-steps';
import { handleConnectionRequest } from '../../shared/app/oauth-routes';
import { storePorts } from '../commons/deps';
import { httpRequestOf, lambda } from '../commons/lambda';
import { logger } from '../commons/powertools';

/** OAuth installs (payload 2.0): the management route that starts one, and the providers' redirects. */
export const handler = lambda(
  async (event: APIGatewayProxyEventV2, d): Promise<APIGatewayProxyStructuredResultV2> => {
    const res = await handleConnectionRequest(
      {
        ...storePorts(d, 'tenants', 'states', 'connections', 'teams'),
        secrets: d.secrets,
        schedules: d.schedules,
        clock: d.clock,
        apps: d.apps,
        endpoints: oauthEndpointsFromEnv(),
        // Never the query: it holds the authorization code.
        log: (message, data) => logger.info(message, data),
      },
      httpRequestOf(event),
    );
    return { statusCode: res.status, headers: res.headers, body: res.body };
  },
  // The Lambda context on each line, no request lines: the redirects' query holds the code.
  { door: true, logging: 'context' },
);
