import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleApiRequest } from '../../shared/app/api';
import { providerHealth } from '../../shared/app/health';
import { storePorts } from '../commons/deps';
import { httpRequestOf, jsonResponse, lambda } from '../commons/lambda';

// Skills, registered connector definitions, event endpoints: the routes under /tenants/{tenantId}/skills,
// /definitions and /event-endpoints.
const STORES = ['tenants', 'connections', 'runs', 'cursors', 'teams', 'webhooks', 'imported', 'deliveries'] as const;
// The SDK's Notion calls and connection tests take their slots from the integration's schedule there.
const CALL_STORES = ['budgets'] as const;
const TENANT_STORES = ['skills', 'definitions', 'eventEndpoints'] as const;

/** HTTP API (payload 2.0): the route key and path parameters come from API Gateway. */
export const handler = lambda(
  async (event: APIGatewayProxyEventV2, d) => {
    const res = await handleApiRequest(
      {
        ...storePorts(d, ...STORES, ...TENANT_STORES, ...CALL_STORES),
        lane: d.lane,
        secrets: d.secrets,
        schedules: d.schedules,
        clock: d.clock,
        endpoints: d.endpoints,
        health: () => providerHealth(d.endpoints, d.clock),
        documents: d.documents,
      },
      httpRequestOf(event),
    );
    // Response bodies are never logged, not even at debug (one carries the Notion webhook's
    // verification token), nor cached.
    return jsonResponse(res, { 'cache-control': 'no-store' });
  },
  { door: true },
);
