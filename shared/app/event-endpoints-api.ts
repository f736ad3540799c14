/**
 * The event endpoint routes (tenant API key; the tenant is the path's), with the zod schemas of
 * their bodies and answers (the OpenAPI document and the SDK's types are generated from them):
 * POST|GET /tenants/{t}/event-endpoints, DELETE /tenants/{t}/event-endpoints/{endpointId}.
 */
import { z } from 'zod';
import { RequestRefusedError } from '../core/errors';
import type { ApiDeps, Operation } from '../core/http/api-types';
import { readJsonBody } from '../core/http/request-body';
import {
  createEventEndpoint,
  deleteEventEndpoint,
  type EventEndpointDeps,
  listEventEndpoints,
} from './event-endpoints';

/** `*`, an event type (`contact.attribute_updated`), or a prefix (`brevo.*`). */
const eventTypePattern = z.string().regex(/^(\*|[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*(\.\*)?)$/, {
  error: 'an event type (contact.attribute_updated), a prefix (brevo.*) or *',
});

export const createEventEndpointBody = z.strictObject({
  url: z.string().min(1).max(2048),
  types: z.array(eventTypePattern).min(1).max(50).optional(),
});

export const eventEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.string()),
  createdAt: z.string(),
});

export const createdEventEndpointSchema = eventEndpointSchema.extend({
  /** `whsec_...`: shown once; deliveries are signed with it (tajo-signature). */
  secret: z.string(),
});

export const eventEndpointListSchema = z.object({ endpoints: z.array(eventEndpointSchema) });
export const deletedEventEndpointSchema = z.object({ deleted: z.literal(true) });

function endpointDeps(deps: ApiDeps): EventEndpointDeps {
  return { eventEndpoints: deps.eventEndpoints, secrets: deps.secrets, clock: deps.clock };
}

export const eventEndpointOperations: Record<string, Operation> = {
  'POST /tenants/{tenantId}/event-endpoints': async (deps, req, tenantId) => ({
    status: 201,
    body: await createEventEndpoint(
      endpointDeps(deps),
      tenantId,
      readJsonBody(req.body, createEventEndpointBody, { required: true }),
    ),
  }),

  'GET /tenants/{tenantId}/event-endpoints': async (deps, _req, tenantId) => ({
    status: 200,
    body: await listEventEndpoints(endpointDeps(deps), tenantId),
  }),

  'DELETE /tenants/{tenantId}/event-endpoints/{endpointId}': async (deps, req, tenantId) => {
    const id = req.pathParameters.endpointId ?? '';
    if (!/^ep_[0-9a-f]{24}$/.test(id))
      throw new RequestRefusedError(
        404,
        `no event endpoint ${JSON.stringify(id.slice(0, 40))}: ids look like ep_…`,
        'not_found',
      );
    return { status: 200, body: await deleteEventEndpoint(endpointDeps(deps), tenantId, id) };
  },
};

/** The routes' topology entries (topology.ts spreads them). */
export const eventEndpointRoutes = [
  {
    method: 'POST',
    path: '/tenants/{tenantId}/event-endpoints',
    function: 'api',
    auth: 'tenantApiKey',
    description:
      'Register an endpoint for the tenant\'s events (body: {"url", "types"?}); answers its signing secret once',
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/event-endpoints',
    function: 'api',
    auth: 'tenantApiKey',
    description: "The tenant's event endpoints (url, types, since when; never the secrets)",
  },
  {
    method: 'DELETE',
    path: '/tenants/{tenantId}/event-endpoints/{endpointId}',
    function: 'api',
    auth: 'tenantApiKey',
    description: 'Delete an event endpoint and its secret: nothing more is delivered to it',
  },
] as const;
