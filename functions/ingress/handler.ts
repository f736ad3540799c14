import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambda } from '../commons/lambda';
import { acceptBrevoDoor, acceptNotionDoor, acceptSlackDoor } from '../commons/webhook-doors';

/**
 * Webhook ingress: check the caller, queue the work, answer at once. The tenant is the path's, or,
 * for the distributed Slack app's routes (`/slack/events`, `/slack/interactions`), the one the
 * signed request's Slack team belongs to.
 */
export const handler = lambda(
  async (event: APIGatewayProxyEventV2, d) => {
    if (event.routeKey.startsWith('POST /slack/')) return acceptSlackDoor(d, event);
    if (event.routeKey === 'POST /webhooks/notion/{tenantId}') return acceptNotionDoor(d, event);
    return acceptBrevoDoor(d, event);
  },
  { door: true },
);
