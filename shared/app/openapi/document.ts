/**
 * The OpenAPI 3.1 document of the management API, generated from the routes' own specs
 * (core/http/route-spec.ts): the schemas that check the bodies and describe the answers, turned
 * into JSON Schema draft 2020-12 by zod's `z.toJSONSchema`. Every body and answer is a component
 * (a shape given an id with `.meta({id})` keeps it, shared by the routes that use it; the others
 * are named after their operation), refusals are the `ApiError` component, the tenant's API key is the
 * bearer scheme. Never written by hand: `npm run openapi` commits it as docs/openapi.json.
 */
import { z } from 'zod';
import { type ApiRoute, apiErrorSchema } from '../../core/http/route-spec';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
const REFUSALS: Record<number, string> = {
  400: 'The request is wrong: the body, a parameter (each wrong field named)',
  401: 'No API key (Authorization: Bearer <key>)',
  404: 'No such tenant for this key, route, connector or record',
  409: 'Refused in this state (a run already going, a read-only connection, a key in use)',
  502: 'A provider refused or did not answer',
  503: 'Rate limited: try again after Retry-After seconds',
};

const RETRY_AFTER = { description: 'Seconds to wait before trying again', schema: { type: 'integer' } };

/** The document for these routes (the api function's), built once per process. */
export function openApiDocument(routes: ApiRoute[]): JsonSchema {
  const cached = built.get(routes);
  if (cached) return cached;
  const doc = buildDocument(routes);
  built.set(routes, doc);
  return doc;
}
const built = new WeakMap<ApiRoute[], JsonSchema>();

function buildDocument(routes: ApiRoute[]): JsonSchema {
  const bodies = new Map<string, z.ZodType>();
  const answers = new Map<string, z.ZodType>([['ApiError', apiErrorSchema]]);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = operationOf(route, bodies, answers);
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = op;
    paths[route.path] = item;
  }
  const schemas = { ...componentsOf(bodies, 'input'), ...componentsOf(answers, 'output') };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tajo connectors management API',
      version: '1',
      description:
        "Connect platforms to a tenant's Brevo account, sync them, and read what happened. Every route but " +
        "/health and /openapi.json takes the tenant's API key: `Authorization: Bearer tajo_...`. See docs/api.md.",
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start (TAJO_API_URL is the deployed one)' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths: sortedKeys(paths),
    components: {
      schemas: sortedKeys(schemas),
      securitySchemes: {
        tenantApiKey: { type: 'http', scheme: 'bearer', description: "The tenant's management API key (tajo_...)" },
      },
    },
  };
}

function operationOf(route: ApiRoute, bodies: Map<string, z.ZodType>, answers: Map<string, z.ZodType>) {
  const name = pascal(route.operationId);
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const responses: Record<string, unknown> = {};
  const statuses = Object.keys(route.answers).map(Number);
  for (const status of statuses) {
    const schema = route.answers[status] as z.ZodType;
    const id = idOf(schema) ?? `${name}Answer${statuses.length > 1 ? status : ''}`;
    answers.set(id, schema);
    responses[String(status)] = { description: 'OK', content: json(id) };
  }
  const refusals = route.auth === 'none' ? [] : Object.keys(REFUSALS).map(Number);
  for (const status of refusals) {
    if (responses[status]) continue;
    const retry = status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {};
    responses[String(status)] = { description: REFUSALS[status], ...retry, content: json('ApiError') };
  }
  const body = route.body ? (route.body.documented ?? route.body.schema) : undefined;
  let requestBody: unknown;
  if (route.body && body) {
    const id = idOf(body) ?? `${name}Body`;
    bodies.set(id, body);
    requestBody = { required: route.body.required === true, content: json(id) };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.auth === 'none' ? [] : [{ tenantApiKey: [] }],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/**
 * The schemas with an id (`.meta({id})`) that the named ones reach, found by walking their
 * definitions: the instances this code holds. zod keeps ids in one registry per process, and under
 * npm start every function's bundle (local/functions.ts) evaluates its own copy of each schema module
 * into that one registry: its `_idmap` holds another bundle's instance of `NotionStatus`, and reading
 * components from it would describe a schema the routes do not use (zod refuses, or inlines it).
 */
function reachableIds(named: Iterable<z.ZodType>): Map<string, z.core.$ZodType> {
  const found = new Map<string, z.core.$ZodType>();
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if ('_zod' in value) {
      const schema = value as z.core.$ZodType;
      const id = z.globalRegistry.get(schema)?.id;
      if (typeof id === 'string' && !found.has(id)) found.set(id, schema);
      const def = schema._zod.def as unknown as Record<string, unknown>;
      // A lazy schema's inner one comes from its getter.
      if (def.type === 'lazy' && typeof def.getter === 'function') walk((def.getter as () => unknown)());
      for (const v of Object.values(def)) walk(v);
      return;
    }
    // A plain object inside a definition: an object schema's shape, an enum's entries.
    if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) walk(v);
  };
  for (const schema of named) walk(schema);
  return found;
}

/** JSON Schemas of the named shapes and every shape with an id they reach, `$ref`s to components. */
function componentsOf(named: Map<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of named) registry.add(schema, { ...z.globalRegistry.get(schema), id });
  for (const [id, schema] of reachableIds(named.values())) {
    if (!registry.has(schema) && !named.has(id)) registry.add(schema, { ...z.globalRegistry.get(schema), id });
  }
  const all = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => `${COMPONENTS}${id}`,
  }).schemas as Record<string, JsonSchema>;
  const reached: Record<string, JsonSchema> = {};
  const visit = (id: string) => {
    const schema = all[id];
    if (reached[id] || !schema) return;
    const { $schema: _s, $id: _i, ...rest } = schema;
    reached[id] = rest;
    for (const m of JSON.stringify(rest).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) visit(m[1] as string);
  };
  for (const id of named.keys()) visit(id);
  return reached;
}

const idOf = (schema: z.ZodType): string | undefined => z.globalRegistry.get(schema)?.id;
const json = (id: string) => ({ 'application/json': { schema: { $ref: `${COMPONENTS}${id}` } } });
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
