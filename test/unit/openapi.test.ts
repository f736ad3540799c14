/**
 * The OpenAPI document and the SDK's types are generated from the routes' specs: the committed
 * files are the generated ones (`npm run openapi`), every api route of the topology has a spec and
 * every spec a route, and an answer its schema does not describe is caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { z } from 'zod';
import { apiRoutes, handleApiRequest } from '../../shared/app/api';
import { openApiDocument } from '../../shared/app/openapi/document';
import { generatedApiFiles } from '../../shared/app/openapi/files';
import { typeOf } from '../../shared/app/openapi/typescript';
import { topology } from '../../shared/app/topology';
import type { ApiDeps } from '../../shared/core/http/api-types';
import { answerMismatch, apiRoute, routeKeyOf, routesOf, tenantOperation } from '../../shared/core/http/route-spec';

const root = join(__dirname, '..', '..');

test.each(Object.entries(generatedApiFiles()))('%s is the generated one (npm run openapi)', (path, text) => {
  expect(readFileSync(join(root, path), 'utf8')).toBe(text);
});

test('every api route of the topology has a spec, every spec a route, with the same auth', () => {
  const topo = topology.routes.filter((r) => r.function === 'api');
  expect(apiRoutes.map(routeKeyOf).sort()).toEqual(topo.map((r) => `${r.method} ${r.path}`).sort());
  for (const route of apiRoutes) {
    const t = topo.find((r) => r.method === route.method && r.path === route.path);
    expect([route.operationId, t?.auth === 'none']).toEqual([route.operationId, route.auth === 'none']);
  }
  const ids = apiRoutes.map((r) => r.operationId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('GET /openapi.json answers the document without a key; operations read well', async () => {
  const res = await handleApiRequest({} as ApiDeps, { routeKey: 'GET /openapi.json', pathParameters: {}, headers: {} });
  expect(res.status).toBe(200);
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
  expect(doc.openapi).toBe('3.1.0');
  const sync = doc.paths['/tenants/{tenantId}/connections/{connector}/sync']?.post;
  expect(sync?.operationId).toBe('syncConnector');
  expect(doc.paths['/tenants/{tenantId}/connections/{connector}']?.put?.operationId).toBe('connectConnector');
});

test('an answer with a field, a status or a type its spec does not describe is a mismatch', () => {
  const route = apiRoute({
    method: 'GET',
    path: '/x',
    operationId: 'getX',
    summary: 'x',
    tag: 'T',
    auth: 'none',
    answers: { 200: z.strictObject({ a: z.number() }) },
    handler: async () => ({ status: 200, body: {} }),
  });
  expect(answerMismatch(route, { status: 200, body: { a: 1 } })).toBeUndefined();
  expect(answerMismatch(route, { status: 200, body: { a: 1, b: 2 } })).toMatch(/Unrecognized key: "b"/);
  expect(answerMismatch(route, { status: 200, body: { a: '1' } })).toMatch(/a: Invalid input/);
  expect(answerMismatch(route, { status: 201, body: { a: 1 } })).toMatch(/answered 201, which its spec does not list/);
  expect(answerMismatch(route, { status: 404, body: { error: 'no', extra: 1 } })).toMatch(/Unrecognized key/);
  expect(answerMismatch(route, { status: 404, body: { error: 'no x', code: 'not_found' } })).toBeUndefined();
});

test('the TS emitter: objects, optional keys, arrays, enums, unions, nullable, records, extra keys', () => {
  const schema = z.toJSONSchema(
    z
      .strictObject({
        s: z.string(),
        n: z.number().optional(),
        e: z.enum(['a', 'b']),
        l: z.array(z.union([z.literal(1), z.boolean()])),
        m: z.string().nullable(),
        r: z.record(z.string(), z.number()),
        o: z.object({ k: z.string() }).catchall(z.unknown()),
      })
      .meta({ description: 'doc' }),
    { target: 'draft-2020-12' },
  );
  expect(typeOf(schema as Record<string, unknown>, 0)).toBe(
    [
      '{',
      '  s: string;',
      '  n?: number;',
      "  e: 'a' | 'b';",
      '  l: (1 | boolean)[];',
      '  m: string | null;',
      '  r: Record<string, number>;',
      '  o: {',
      '    k: string;',
      '    [key: string]: unknown;',
      '  };',
      '}',
    ].join('\n'),
  );
});

test("routesOf: another part's Record<string, Operation> becomes routes with its spec; one without a spec is named", async () => {
  const queryBody = z.strictObject({ databaseId: z.string() });
  const operations = {
    'POST /tenants/{tenantId}/things': async (_d: ApiDeps, req: { body?: string }, tenantId: string) => ({
      status: 200,
      body: { tenantId, got: req.body },
    }),
  };
  const spec = tenantOperation('makeThing', 'T', 'a thing', queryBody, {
    200: z.strictObject({ tenantId: z.string(), got: z.string() }),
  });
  const [route] = routesOf(operations, { 'POST /tenants/{tenantId}/things': spec });
  expect([route?.method, route?.path, route?.operationId, route?.auth, route?.body?.schema]).toEqual([
    'POST',
    '/tenants/{tenantId}/things',
    'makeThing',
    'tenantApiKey',
    queryBody,
  ]);
  const req = { routeKey: '', pathParameters: {}, headers: {}, body: '{"databaseId":"d"}' };
  expect(await route?.handler({} as ApiDeps, req, 'acme', undefined)).toEqual({
    status: 200,
    body: { tenantId: 'acme', got: '{"databaseId":"d"}' },
  });
  expect(() => routesOf(operations, {})).toThrow(/POST \/tenants\/\{tenantId\}\/things: give its spec/);
});

test('the document is JSON Schema 2020-12 whose every $ref resolves: each body and answer compiles and checks', () => {
  const doc = JSON.parse(readFileSync(join(root, 'docs/openapi.json'), 'utf8'));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const base = 'https://tajo.invalid/openapi.json';
  ajv.addSchema({ $id: base, components: doc.components });
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"(#[^"]+)"/g)].map((m) => m[1] as string);
  expect(refs.length).toBeGreaterThan(50);
  for (const ref of new Set(refs))
    expect([ref, typeof ajv.compile({ $ref: `${base}${ref}` })]).toEqual([ref, 'function']);
  const queued = ajv.compile({ $ref: `${base}#/components/schemas/QueuedSync` });
  expect(queued({ queued: true, mode: 'full', runId: 'r' })).toBe(true);
  expect(queued({ queued: true, mode: 'fast' })).toBe(false);
});

test('a module evaluated twice (a second schema under an id, e.g. RowError) still gives a document: the second is inlined', () => {
  // What a second evaluation of core/http/run-schemas.ts registers: the same shape, another schema.
  z.strictObject({ pageId: z.string(), reason: z.string() }).meta({ id: 'RowError' });
  // A new list: the document is built again (it is cached per list of routes).
  const doc = openApiDocument([...apiRoutes]) as { components: { schemas: Record<string, unknown> } };
  expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(10);
});
