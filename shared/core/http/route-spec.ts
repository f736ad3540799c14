/**
 * A management route declared once: method, path, what the OpenAPI document calls it, who may call
 * it, its body's zod schema and its answers' schemas per status, and the handler. The router
 * (app/api.ts) validates the body with that schema (readJsonBody's 400 naming each path), the
 * document (app/openapi/) is generated from it, and under tests every answer is checked against
 * the schema of its status, so a route cannot answer what its document does not say.
 */
import { z } from 'zod';
import type { ApiDeps, ApiRequest, ApiResponse, Operation } from './api-types';
import { readJsonBody } from './request-body';

/** `tenantApiKey`: the path's tenant, whose key the bearer is; `apiKey`: any tenant's key (no tenant in the path). */
export type ApiRouteAuth = 'none' | 'tenantApiKey' | 'apiKey';
export type ApiMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ApiRoute<B = unknown> {
  method: ApiMethod;
  path: string;
  /** The OpenAPI operationId and the SDK's name for it: a verb and its object (`syncConnector`). */
  operationId: string;
  summary: string;
  tag: string;
  auth: ApiRouteAuth;
  /**
   * The JSON body; absent: the route reads none. `required`: an empty body is refused (else `{}`).
   * `documented`: what the document shows when the service checks the fields itself (its own
   * refusal, with `issues`), so the router's schema only requires JSON.
   */
  body?: { schema: z.ZodType<B>; required?: boolean; documented?: z.ZodType };
  /** The answers that are not refusals, per status (refusals are apiErrorSchema unless listed). */
  answers: Record<number, z.ZodType>;
  handler: (deps: ApiDeps, req: ApiRequest, tenantId: string, body: B) => Promise<ApiResponse>;
}

/** One route; the helper only types the handler's body from the schema. */
export function apiRoute<S extends z.ZodType = z.ZodUndefined>(
  route: Omit<ApiRoute<z.output<S>>, 'body'> & { body?: { schema: S; required?: boolean; documented?: z.ZodType } },
): ApiRoute {
  return route as unknown as ApiRoute;
}

/** What the route's handler reads: the parsed body (undefined for a route without one). */
export function bodyOf(route: ApiRoute, req: ApiRequest): unknown {
  return route.body ? readJsonBody(req.body, route.body.schema, { required: route.body.required }) : undefined;
}

/** What the OpenAPI document needs of an operation written as `Record<string, Operation>`. */
export type OperationSpec = Omit<ApiRoute, 'method' | 'path' | 'handler'>;

/**
 * Routes from a `Record<"METHOD /path", Operation>` and each one's spec: the operation keeps
 * reading its own body (the router checks it first with the same schema, so its refusal is the same).
 */
export function routesOf(operations: Record<string, Operation>, specs: Record<string, OperationSpec>): ApiRoute[] {
  return Object.entries(operations).map(([key, operation]) => {
    const spec = specs[key];
    if (!spec) throw new Error(`${key}: give its spec (operationId, summary, body and answer schemas) to routesOf`);
    const [method, path] = key.split(' ') as [ApiMethod, string];
    return { ...spec, method, path, handler: (deps, req, tenantId) => operation(deps, req, tenantId) };
  });
}

/**
 * One line per operation for routesOf: a tenant route (the tenant's key) with its body schema
 * (undefined: none) and its answers per status, e.g.
 * `'POST /tenants/{tenantId}/slack/notify': tenantOperation('notifySlack', 'Slack', 'Post a notification', notifyBody, { 202: notifyAnswer })`.
 */
export function tenantOperation(
  operationId: string,
  tag: string,
  summary: string,
  body: z.ZodType | undefined,
  answers: Record<number, z.ZodType>,
): OperationSpec {
  return { operationId, tag, summary, auth: 'tenantApiKey', ...(body ? { body: { schema: body } } : {}), answers };
}

export const routeKeyOf = (r: Pick<ApiRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** A refusal: one line, its machine code (api.ts gives every refusal one), each wrong field's path. */
export const apiErrorSchema = z
  .strictObject({
    error: z.string(),
    code: z.string(),
    issues: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .meta({
        description:
          'With code invalid_request: each refused field, its path as the API writes paths (template.blocks[2].elements[0].text)',
      }),
    /** 429 and 503: when to try again (also the Retry-After header). */
    retryAfterSeconds: z.number().int().optional(),
  })
  .meta({ id: 'ApiError', description: 'A refusal: what is wrong and what to do, in one line' });

/**
 * Under tests (NODE_ENV=test) every answer is checked against its status's schema: an answer the
 * document does not describe fails the test that made it. Returns the problem, or undefined.
 */
export function answerMismatch(route: ApiRoute, res: ApiResponse): string | undefined {
  const schema = route.answers[res.status] ?? (res.status >= 400 ? apiErrorSchema : undefined);
  if (!schema) return `${routeKeyOf(route)} answered ${res.status}, which its spec does not list`;
  const parsed = schema.safeParse(res.body);
  if (parsed.success) return undefined;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  return `${routeKeyOf(route)} answered ${res.status} with a body its schema does not describe: ${issues}`;
}
