/**
 * The skill and definition routes through the real router (app/api.ts) on dynalite: enable with
 * settings (kept, defaulted, refused with their path), disable, list with what each needs; register
 * a definition (validated by the engine's schema, 400 with paths, 409 on a built-in name), read it
 * back, delete it; every route scoped to the key's tenant.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { handleApiRequest, UNKNOWN_KEY_REASON } from '../../shared/app/api';
import { tenantDefinition } from '../../shared/app/definitions';
import type { ApiDeps, ApiRequest } from '../../shared/core/http/api-types';
import type { ConnectionRecord } from '../../shared/core/ports';
import { customerSyncAllows, skillEnabled } from '../../shared/core/skills';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { MemorySecrets } from '../support/memory-secrets';
import { apiDepsOver, freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

const ACMESHOP = parse(readFileSync(join(__dirname, '../fixtures/definitions/acmeshop.yaml'), 'utf8')) as Record<
  string,
  unknown
>;

let store: DynamoRepositories;
const clock = new VirtualClock();

beforeAll(async () => {
  ({ store } = await freshStore());
});

function deps(): ApiDeps {
  const none = async () => undefined;
  return apiDepsOver(store, {
    secrets: new MemorySecrets(),
    schedules: { ensure: none, remove: none },
    lane: { send: none },
    clock,
    endpoints: {},
    documents: {} as ApiDeps['documents'],
  });
}

async function tenant() {
  const tenantId = `t-${randomUUID().slice(0, 8)}`;
  const key = newApiKey();
  await store.putTenant({ tenantId, apiKeyHash: hashApiKey(key), createdAt: new Date(clock.now()).toISOString() });
  const call = (method: string, path: string, params: Record<string, string> = {}, body?: unknown) => {
    const req: ApiRequest = {
      routeKey: `${method} ${path}`,
      pathParameters: { tenantId, ...params },
      headers: { authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    };
    // biome-ignore lint/suspicious/noExplicitAny: answers are asserted structurally
    return handleApiRequest(deps(), req) as Promise<{ status: number; body: any }>;
  };
  return { tenantId, key, call };
}

const SKILLS = '/tenants/{tenantId}/skills';
const SKILL = '/tenants/{tenantId}/skills/{skill}';
const DEFINITIONS = '/tenants/{tenantId}/definitions';
const DEFINITION = '/tenants/{tenantId}/definitions/{name}';

function platformConnection(tenantId: string, connector: string): ConnectionRecord<string> {
  return {
    tenantId,
    connector,
    settings: { enabled: true } as never,
    tokenRef: 'r',
    brevoApiKeyRef: 'b',
    integrationKey: `k-${connector}`,
    createdAt: 'x',
    updatedAt: 'x',
  };
}

describe('skills', () => {
  test('listed off at first, each with its settings and what it needs; ready once a platform offering it is connected', async () => {
    const t = await tenant();
    const first = await t.call('GET', SKILLS);
    expect(first.status).toBe(200);
    expect(first.body.skills).toEqual([
      expect.objectContaining({
        name: 'customer-sync',
        enabled: false,
        settings: {},
        needs: 'a connected platform with customers',
        platforms: expect.arrayContaining(['shopify', 'stripe']),
        connected: [],
        ready: false,
      }),
      expect.objectContaining({
        name: 'abandoned-cart',
        enabled: false,
        settings: { minutes: 30 },
        needs: 'a connected platform with carts',
        platforms: ['shopify'],
        ready: false,
      }),
    ]);
    await store.putConnection(platformConnection(t.tenantId, 'shopify'));
    const after = await t.call('GET', SKILLS);
    expect(after.body.skills.map((s: { connected: string[]; ready: boolean }) => [s.connected, s.ready])).toEqual([
      [['shopify'], true],
      [['shopify'], true],
    ]);
  });

  test('enable with settings; settings not given keep their stored value; disable keeps them', async () => {
    const t = await tenant();
    const on = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { minutes: 30 });
    expect(on).toMatchObject({
      status: 200,
      body: { name: 'abandoned-cart', enabled: true, settings: { minutes: 30 } },
    });
    expect(await skillEnabled(store, t.tenantId, 'abandoned-cart')).toBe(true);
    expect(await skillEnabled(store, t.tenantId, 'customer-sync')).toBe(false);

    const again = await t.call('PUT', SKILL, { skill: 'abandoned-cart' });
    expect(again.body.settings).toEqual({ minutes: 30 });

    const off = await t.call('DELETE', SKILL, { skill: 'abandoned-cart' });
    expect(off).toEqual({ status: 200, body: { name: 'abandoned-cart', enabled: false, wasEnabled: true } });
    expect(await skillEnabled(store, t.tenantId, 'abandoned-cart')).toBe(false);
    const listed = (await t.call('GET', SKILLS)).body.skills[1];
    expect(listed).toMatchObject({ enabled: false, settings: { minutes: 30 } });
    expect((await t.call('DELETE', SKILL, { skill: 'abandoned-cart' })).body.wasEnabled).toBe(false);
  });

  test('refusals: a bad setting (400 with its path), an unknown setting, an unknown skill (404 listing them), a body that is not an object', async () => {
    const t = await tenant();
    const zero = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { minutes: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.issues).toEqual([{ path: 'skills.abandoned-cart.minutes', message: 'at least 1 minute' }]);
    const text = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { minutes: 'soon' });
    expect(text.body.issues).toEqual([
      { path: 'skills.abandoned-cart.minutes', message: 'expected a number of minutes' },
    ]);
    const unknown = await t.call('PUT', SKILL, { skill: 'customer-sync' }, { minutes: 5 });
    expect(unknown.body.issues).toEqual([{ path: 'skills.customer-sync', message: 'unknown setting (minutes)' }]);
    const skill = await t.call('PUT', SKILL, { skill: 'upsell' }, {});
    expect(skill).toEqual({
      status: 404,
      body: { error: 'unknown skill "upsell": the skills are customer-sync, abandoned-cart', code: 'not_found' },
    });
    expect((await t.call('DELETE', SKILL, { skill: 'upsell' })).status).toBe(404);
    expect((await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, '[1]')).status).toBe(400);
    expect((await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, '{nope')).status).toBe(400);
    // Nothing was stored by the refusals.
    expect(await store.listSkills(t.tenantId)).toEqual([]);
  });

  test("a channel is checked against the tenant's Slack connection; without one it waits for it", async () => {
    const t = await tenant();
    const waiting = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { channel: 'sales' });
    expect(waiting.status).toBe(200);
    expect(waiting.body.warnings).toEqual([
      'no Slack connection yet: the sales notification starts once Slack is connected',
    ]);
    const slack: ConnectionRecord<'slack'> = {
      tenantId: t.tenantId,
      connector: 'slack',
      tokenRef: 'r',
      brevoApiKeyRef: 'b',
      integrationKey: 'k-slack',
      createdAt: 'x',
      updatedAt: 'x',
      settings: { enabled: true, channels: { sales: 'C0SALES' }, notifications: {}, interactions: {}, teamId: 'T1' },
    };
    await store.putConnection(slack);
    const bad = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { channel: 'ops' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]).toMatchObject({ path: 'skills.abandoned-cart.channel' });
    expect(bad.body.error).toContain('channel "ops" is not in connectors.slack.channels (sales)');
    const ok = await t.call('PUT', SKILL, { skill: 'abandoned-cart' }, { channel: 'sales', minutes: 45 });
    expect(ok.body).toMatchObject({ settings: { channel: 'sales', minutes: 45 }, warnings: [] });
  });

  test('customer-sync: by hand always; on its own only with the skill on and in the mode', async () => {
    const t = await tenant();
    const allows = (trigger: 'schedule' | 'webhook' | 'cli', mode: 'realtime' | 'batch' | 'hybrid') =>
      customerSyncAllows(store, { tenantId: t.tenantId, trigger, mode }).then((r) => r.allowed);
    expect(await allows('cli', 'batch')).toBe(true);
    expect(await allows('schedule', 'batch')).toBe(false);
    expect(await allows('webhook', 'realtime')).toBe(false);
    await t.call('PUT', SKILL, { skill: 'customer-sync' }, {});
    expect(await allows('schedule', 'batch')).toBe(true);
    expect(await allows('schedule', 'hybrid')).toBe(true);
    expect(await allows('schedule', 'realtime')).toBe(false);
    expect(await allows('webhook', 'realtime')).toBe(true);
    expect(await allows('webhook', 'hybrid')).toBe(true);
    expect(await allows('webhook', 'batch')).toBe(false);
  });

  test("a tenant's key reaches only its own skills", async () => {
    const a = await tenant();
    const b = await tenant();
    await a.call('PUT', SKILL, { skill: 'customer-sync' }, {});
    expect((await b.call('GET', SKILLS)).body.skills[0].enabled).toBe(false);
    const cross = await handleApiRequest(deps(), {
      routeKey: `GET ${SKILLS}`,
      pathParameters: { tenantId: a.tenantId },
      headers: { authorization: `Bearer ${b.key}` },
    });
    const refusal = {
      status: 404,
      body: { error: UNKNOWN_KEY_REASON, code: 'not_found' },
    };
    expect(cross).toEqual(refusal);
    expect(refusal.body.error).toBe(
      'not found: no such tenant for this API key (check the key and the tenant in the path)',
    );
    // A tenant that does not exist is refused in the same words: nothing tells the two apart.
    const ghost = `ghost-${a.tenantId}`;
    const unknown = await handleApiRequest(deps(), {
      routeKey: `GET ${SKILLS}`,
      pathParameters: { tenantId: ghost },
      headers: { authorization: `Bearer ${b.key}` },
    });
    expect(unknown).toEqual({ status: 404, body: { error: UNKNOWN_KEY_REASON, code: 'not_found' } });
    const noKey = await handleApiRequest(deps(), {
      routeKey: `PUT ${SKILL}`,
      pathParameters: { tenantId: a.tenantId, skill: 'abandoned-cart' },
      headers: {},
      body: '{}',
    });
    expect(noKey.status).toBe(401);
    expect(await skillEnabled(store, a.tenantId, 'abandoned-cart')).toBe(false);
  });
});

describe('definitions', () => {
  test("a registered definition is its tenant's connector only: status serves it there, another tenant gets 404", async () => {
    const a = await tenant();
    const b = await tenant();
    expect((await a.call('PUT', DEFINITION, { name: 'acmeshop' }, ACMESHOP)).status).toBe(201);
    const STATUS = '/tenants/{tenantId}/connections/{connector}/status';
    const CONNECTION = '/tenants/{tenantId}/connections/{connector}';
    const mine = await a.call('GET', STATUS, { connector: 'acmeshop' });
    expect(mine).toMatchObject({ status: 200, body: { connector: 'acmeshop', connected: false } });
    const theirs = await b.call('GET', STATUS, { connector: 'acmeshop' });
    expect(theirs.status).toBe(404);
    expect(JSON.stringify(theirs.body)).toMatch(/unknown connector acmeshop/);
    // Nor can the other tenant connect it.
    const connect = await b.call('PUT', CONNECTION, { connector: 'acmeshop' }, { api_key: 'k', webhook_secret: 's' });
    expect(connect.status).toBe(404);
  });

  test('registered as data, read back, listed, unchanged on a repeat, deleted', async () => {
    const t = await tenant();
    const put = await t.call('PUT', DEFINITION, { name: 'acmeshop' }, ACMESHOP);
    expect(put).toMatchObject({
      status: 201,
      body: {
        name: 'acmeshop',
        version: '1.0.0',
        label: 'Acme Shop',
        resources: ['customers', 'purchases'],
        changed: true,
      },
    });
    expect((await t.call('PUT', DEFINITION, { name: 'acmeshop' }, ACMESHOP)).status).toBe(200);
    const one = await t.call('GET', DEFINITION, { name: 'acmeshop' });
    expect(one.body.definition).toEqual(ACMESHOP);
    expect((await t.call('GET', DEFINITIONS)).body.definitions.map((d: { name: string }) => d.name)).toEqual([
      'acmeshop',
    ]);

    // The resolution seam: the validated definition (defaults filled), or nothing.
    const resolved = await tenantDefinition({ definitions: store }, t.tenantId, 'acmeshop');
    expect(resolved?.resources.customers?.pagination).toEqual({
      type: 'cursor',
      param: 'cursor',
      next: 'meta.next_cursor',
    });
    expect(await tenantDefinition({ definitions: store }, t.tenantId, 'other')).toBeUndefined();
    // A registered platform with customers is one customer-sync can act on.
    const listed = (await t.call('GET', SKILLS)).body.skills[0];
    expect(listed.platforms).toContain('acmeshop');

    expect(await t.call('DELETE', DEFINITION, { name: 'acmeshop' })).toEqual({
      status: 200,
      body: { name: 'acmeshop', deleted: true },
    });
    expect((await t.call('GET', DEFINITION, { name: 'acmeshop' })).status).toBe(404);
    expect((await t.call('DELETE', DEFINITION, { name: 'acmeshop' })).status).toBe(404);
  });

  test("refused with each bad key's path; a name not the path's; a built-in connector's name; nothing stored", async () => {
    const t = await tenant();
    const broken = {
      ...ACMESHOP,
      resources: { customers: { endpoint: 'api/customers', pagination: { type: 'scroll' }, mapping: {} } },
    };
    const bad = await t.call('PUT', DEFINITION, { name: 'acmeshop' }, broken);
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual([
      'definitions/acmeshop: resources.customers.endpoint',
      'definitions/acmeshop: resources.customers.pagination.type',
    ]);
    expect(bad.body.error).toMatch(
      /^definitions\/acmeshop: resources\.customers\.endpoint: expected a path starting with \//,
    );
    const renamed = await t.call('PUT', DEFINITION, { name: 'other' }, ACMESHOP);
    expect(renamed).toEqual({
      status: 400,
      body: {
        error: "the definition's name is acmeshop, the path's other: PUT it to /definitions/acmeshop",
        code: 'bad_request',
      },
    });
    const shopify = await t.call('PUT', DEFINITION, { name: 'shopify' }, { ...ACMESHOP, name: 'shopify' });
    expect(shopify).toEqual({
      status: 409,
      body: { error: 'shopify is a built-in connector (Shopify): name your definition otherwise', code: 'conflict' },
    });
    const notion = await t.call('PUT', DEFINITION, { name: 'notion' }, { ...ACMESHOP, name: 'notion' });
    expect(notion.status).toBe(409);
    expect((await t.call('PUT', DEFINITION, { name: 'acmeshop' }, 'name: acmeshop')).status).toBe(400);
    expect((await t.call('PUT', DEFINITION, { name: 'acmeshop' })).status).toBe(400);
    expect((await t.call('GET', DEFINITION, { name: 'Bad_Name' })).status).toBe(404);
    expect(await store.listDefinitions(t.tenantId)).toEqual([]);
  });

  test("a tenant's definitions are its own", async () => {
    const a = await tenant();
    const b = await tenant();
    await a.call('PUT', DEFINITION, { name: 'acmeshop' }, ACMESHOP);
    expect((await b.call('GET', DEFINITIONS)).body).toEqual({ definitions: [] });
    expect((await b.call('GET', DEFINITION, { name: 'acmeshop' })).status).toBe(404);
    expect(await tenantDefinition({ definitions: store }, b.tenantId, 'acmeshop')).toBeUndefined();
  });
});
