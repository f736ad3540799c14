/**
 * The management API's skill and definition routes (tenant API key; the tenant is the path's):
 * GET /tenants/{t}/skills, PUT|DELETE /tenants/{t}/skills/{skill} (body: the skill's settings),
 * GET /tenants/{t}/definitions[/{name}], PUT|DELETE /tenants/{t}/definitions/{name} (body: the
 * definition as JSON, validated by the engine's schema). Their topology entries are skills-routes.ts.
 */
import { z } from 'zod';
import { RequestRefusedError } from '../core/errors';
import type { ApiDeps, ApiRequest, ApiResponse } from '../core/http/api-types';
import { readJsonBody } from '../core/http/request-body';
import {
  deleteDefinition,
  getDefinition,
  listDefinitions,
  platformDefinitionsOf,
  registerDefinition,
} from './definitions';
import { disableSkill, enableSkill, listSkills, type SkillDeps } from './skills';

type TenantOperation = (deps: ApiDeps, req: ApiRequest, tenantId: string) => Promise<ApiResponse>;

/** A skill's settings: an object (its keys are checked by the skill's own schema). */
const settingsBody = z.record(z.string(), z.unknown(), { error: 'expected an object of settings' });

function skillDeps(deps: ApiDeps): SkillDeps {
  return { ...deps, platformDefinitions: platformDefinitionsOf(deps) };
}

export const skillOperations: Record<string, TenantOperation> = {
  'GET /tenants/{tenantId}/skills': async (deps, _req, tenantId) => ok(await listSkills(skillDeps(deps), tenantId)),

  'PUT /tenants/{tenantId}/skills/{skill}': async (deps, req, tenantId) =>
    ok(await enableSkill(skillDeps(deps), tenantId, req.pathParameters.skill, readJsonBody(req.body, settingsBody))),

  'DELETE /tenants/{tenantId}/skills/{skill}': async (deps, req, tenantId) =>
    ok(await disableSkill(deps, tenantId, req.pathParameters.skill)),

  'GET /tenants/{tenantId}/definitions': async (deps, _req, tenantId) => ok(await listDefinitions(deps, tenantId)),

  'GET /tenants/{tenantId}/definitions/{name}': async (deps, req, tenantId) =>
    ok(await getDefinition(deps, tenantId, nameOf(req))),

  'PUT /tenants/{tenantId}/definitions/{name}': async (deps, req, tenantId) => {
    const registered = await registerDefinition(
      deps,
      tenantId,
      nameOf(req),
      readJsonBody(req.body, z.unknown(), { required: true }),
    );
    return { status: registered.changed ? 201 : 200, body: registered };
  },

  'DELETE /tenants/{tenantId}/definitions/{name}': async (deps, req, tenantId) =>
    ok(await deleteDefinition(deps, tenantId, nameOf(req))),
};

function nameOf(req: ApiRequest): string {
  const name = req.pathParameters.name ?? '';
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
    throw new RequestRefusedError(
      404,
      `no definition ${JSON.stringify(name)}: a definition's name is lower-case letters, digits and -`,
      'not_found',
    );
  return name;
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}
