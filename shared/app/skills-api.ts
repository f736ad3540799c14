/**
 * The management API's skill and definition routes (tenant API key; the tenant is the path's):
 * GET /tenants/{t}/skills, PUT|DELETE /tenants/{t}/skills/{skill} (body: the skill's settings),
 * GET /tenants/{t}/definitions[/{name}], PUT|DELETE /tenants/{t}/definitions/{name} (body: the
 * definition as JSON, validated by the engine's schema). Their topology entries are skills-routes.ts.
 */
import { z } from 'zod';
import { RequestRefusedError } from '../core/errors';
import type { ApiDeps, ApiRequest, ApiResponse } from '../core/http/api-types';
import { type ApiRoute, apiRoute } from '../core/http/route-spec';
import { SKILL_NAMES } from '../core/skills';
import {
  deleteDefinition,
  getDefinition,
  listDefinitions,
  platformDefinitionsOf,
  registerDefinition,
} from './definitions';
import type { SameShape } from './openapi/schemas';
import { disableSkill, enableSkill, listSkills, type SkillDeps, type SkillListing } from './skills';

/** A skill's settings: an object (its keys are checked by the skill's own schema). */
const settingsBody = z
  .record(z.string(), z.unknown(), { error: 'expected an object of settings' })
  .meta({ id: 'SkillSettings', description: "A skill's settings (minutes, channel...): checked by the skill" });

const skillSchema = z
  .strictObject({
    name: z.enum(SKILL_NAMES),
    enabled: z.boolean(),
    summary: z.string(),
    settings: z.record(z.string(), z.unknown()),
    needs: z.string(),
    platforms: z.array(z.string()),
    connected: z.array(z.string()),
    ready: z.boolean(),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'Skill' });

const definitionSummary = {
  name: z.string(),
  version: z.string(),
  label: z.string(),
  resources: z.array(z.string()),
  webhooks: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  changed: z.boolean().optional(),
};
const registeredDefinitionSchema = z.strictObject(definitionSummary).meta({ id: 'RegisteredDefinition' });

function skillDeps(deps: ApiDeps): SkillDeps {
  return { ...deps, platformDefinitions: platformDefinitionsOf(deps) };
}

const SKILLS = 'Skills';
const DEFINITIONS = 'Definitions';

export const skillApiRoutes: ApiRoute[] = [
  apiRoute({
    method: 'GET',
    path: '/tenants/{tenantId}/skills',
    operationId: 'listSkills',
    summary: 'Every skill, enabled or not, its settings and what it needs',
    tag: SKILLS,
    auth: 'tenantApiKey',
    answers: { 200: z.strictObject({ skills: z.array(skillSchema) }) },
    handler: async (deps, _req, tenantId) => ok(await listSkills(skillDeps(deps), tenantId)),
  }),
  apiRoute({
    method: 'PUT',
    path: '/tenants/{tenantId}/skills/{skill}',
    operationId: 'enableSkill',
    summary: 'Enable a skill (customer-sync, abandoned-cart) with its settings',
    tag: SKILLS,
    auth: 'tenantApiKey',
    body: { schema: settingsBody },
    answers: { 200: skillSchema.extend({ warnings: z.array(z.string()) }) },
    handler: async (deps, req, tenantId, body) =>
      ok(await enableSkill(skillDeps(deps), tenantId, req.pathParameters.skill, body)),
  }),
  apiRoute({
    method: 'DELETE',
    path: '/tenants/{tenantId}/skills/{skill}',
    operationId: 'disableSkill',
    summary: 'Disable a skill (its settings are kept)',
    tag: SKILLS,
    auth: 'tenantApiKey',
    answers: { 200: z.strictObject({ name: z.enum(SKILL_NAMES), enabled: z.literal(false), wasEnabled: z.boolean() }) },
    handler: async (deps, req, tenantId) => ok(await disableSkill(deps, tenantId, req.pathParameters.skill)),
  }),
  apiRoute({
    method: 'GET',
    path: '/tenants/{tenantId}/definitions',
    operationId: 'listDefinitions',
    summary: 'The connector definitions the tenant registered (one the schema now refuses says why)',
    tag: DEFINITIONS,
    auth: 'tenantApiKey',
    answers: {
      200: z.strictObject({
        definitions: z.array(
          z.union([registeredDefinitionSchema, z.strictObject({ name: z.string(), error: z.string() })]),
        ),
      }),
    },
    handler: async (deps, _req, tenantId) => ok(await listDefinitions(deps, tenantId)),
  }),
  apiRoute({
    method: 'GET',
    path: '/tenants/{tenantId}/definitions/{name}',
    operationId: 'getDefinition',
    summary: 'One registered connector definition, as stored',
    tag: DEFINITIONS,
    auth: 'tenantApiKey',
    answers: { 200: z.strictObject({ ...definitionSummary, definition: z.unknown() }) },
    handler: async (deps, req, tenantId) => ok(await getDefinition(deps, tenantId, nameOf(req))),
  }),
  apiRoute({
    method: 'PUT',
    path: '/tenants/{tenantId}/definitions/{name}',
    operationId: 'registerDefinition',
    summary: "Register a connector definition (the definition as JSON; refused with each bad key's path)",
    tag: DEFINITIONS,
    auth: 'tenantApiKey',
    // The engine's schema checks it (a 400 with each issue's path): docs/connectors.md is its reference.
    body: {
      schema: z.unknown(),
      required: true,
      documented: z
        .record(z.string(), z.unknown())
        .meta({ id: 'DefinitionBody', description: 'A connector definition' }),
    },
    answers: { 200: registeredDefinitionSchema, 201: registeredDefinitionSchema },
    handler: async (deps, req, tenantId, body) => {
      const registered = await registerDefinition(deps, tenantId, nameOf(req), body);
      return { status: registered.changed ? 201 : 200, body: registered };
    },
  }),
  apiRoute({
    method: 'DELETE',
    path: '/tenants/{tenantId}/definitions/{name}',
    operationId: 'deleteDefinition',
    summary: 'Remove a registered connector definition',
    tag: DEFINITIONS,
    auth: 'tenantApiKey',
    answers: { 200: z.strictObject({ name: z.string(), deleted: z.literal(true) }) },
    handler: async (deps, req, tenantId) => ok(await deleteDefinition(deps, tenantId, nameOf(req))),
  }),
];

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

const _checks: [SameShape<z.output<typeof skillSchema>, SkillListing>] = [true];
void _checks;
