import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambda } from '../commons/lambda';
import { acceptAtDoor } from '../commons/webhook-doors';

/**
 * Webhook ingress: check the caller, queue the work, answer at once. The tenant is the path's, or,
 * for the distributed Slack app's routes (`/slack/events`, `/slack/interactions`), the one the
 * signed request's Slack team belongs to. Each connector's door is found by its route (the registry).
 */
export const handler = lambda(async (event: APIGatewayProxyEventV2, d) => acceptAtDoor(d, event), { door: true });
