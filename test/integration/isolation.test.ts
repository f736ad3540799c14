/**
 * Tenant isolation (DESIGN §7: every route derives the tenant from the path and the credential,
 * never the body; one tenant can never read or trigger another's data; every key begins with the
 * tenant). Run against the local stack: the Lambda bundles behind the local API Gateway, DynamoDB on
 * dynalite, lanes on fauxqs (their runners stopped, so what a request queues stays to be looked at).
 *
 * Tenant A is the stack's default tenant (sandbox Notion, Brevo and Slack); tenant B has its own
 * API key, webhook token, Slack app and workspace, Notion token and Notion webhook token. Then:
 * - every route of the topology is tried with A's credential against B's resources, and must refuse
 *   with nothing of B's read, changed, queued or sent; the same credential on A's own path must be
 *   accepted (so the refusal is about the tenant, not a broken credential). A route without a case
 *   fails the suite by name: routes added later must say how they keep tenants apart;
 * - every lane message type (Notion, Slack, Brevo lanes and the timer queue, enumerated from their
 *   schemas) naming B but delivered in A's message group must not touch B's data, B's credentials
 *   or B's providers;
 * - in the end every item of the table begins with a tenant (or is a documented global item), and
 *   no credential of the run is in any item.
 */

import { createHmac, randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '../../local/functions';
import type { LocalStack } from '../../local/stack';
import { OAuthPlatformSimulator } from '../../sandbox/oauth-platform';
import { SANDBOX_SLACK_CHANNEL, SANDBOX_SLACK_SIGNING_SECRET, sandboxConfigYaml } from '../../sandbox/sandbox';
import { registeredTestSecrets, registerTestSecrets } from '../../sandbox/secrets-registry';
import { ShopifySimulator } from '../../sandbox/shopify';
import { SlackSimulator } from '../../sandbox/slack';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';
import { UNKNOWN_KEY_REASON } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import { connectNotion, connectSlack } from '../../shared/app/connections';
import { type FunctionName, type QueueName, type RouteSpec, topology } from '../../shared/app/topology';
import { connectors, platformConnectors } from '../../shared/connectors';
import { deliveryMessageSchema } from '../../shared/connectors/custom/ingress/messages';
import { notionLaneMessageSchema } from '../../shared/connectors/notion/lane/messages';
import { brevoActionMessageSchema } from '../../shared/connectors/slack/interactions';
import { slackLaneMessageSchema } from '../../shared/connectors/slack/notifications/lane-messages';
import { signSlackRequest } from '../../shared/connectors/slack/signature';
import { WorkspaceClaimedError } from '../../shared/core/errors';
import { sha256Hex } from '../../shared/core/hash';
import { timerMessageSchema } from '../../shared/core/lanes/timers';
import { redactText } from '../../shared/core/logging/redact';
import type { ConnectionRecord, RunRecord } from '../../shared/core/ports';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { listAddition } from '../notifications/fixtures';
import { catalogueDefinition, putDefinitionConnection } from '../support/platform-connections';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

const A = 'default';
const B = 'tenant-b';
const A_TEAM = 'T0SANDBOX';
const B_TEAM = 'T0TENANTB';

const secret = (prefix: string) => `${prefix}${randomBytes(20).toString('hex')}`;
const b = {
  apiKey: newApiKey(),
  webhookToken: newApiKey().replace(/^tajo_/, 'whk_'),
  notionToken: secret('secret_'),
  brevoKey: secret('xkeysib-'),
  slackToken: secret('xoxb-'),
  signingSecret: randomBytes(16).toString('hex'),
  notionWebhookToken: secret('secret_'),
  runId: `run-b-${randomBytes(4).toString('hex')}`,
};
const aNotionWebhookToken = secret('secret_');
/** Each tenant's Shopify app secret (its platform webhooks' signing key). */
const shopifySecrets = { [A]: secret('shpss_'), [B]: secret('shpss_') };
registerTestSecrets(...Object.values(shopifySecrets));
const { runId: _notASecret, ...credentialsOfB } = b;
registerTestSecrets(...Object.values(credentialsOfB), aNotionWebhookToken);

let stack: LocalStack;
let running: SandboxStack | undefined;
let bSlack: SlackSimulator;
let sqs: SQSClient;
let doc: DynamoDBDocumentClient;
let aNotion: ConnectionRecord<'notion'>;
let bNotion: ConnectionRecord<'notion'>;

beforeAll(async () => {
  running = await startSandboxStack({ sandboxRows: 3 });
  stack = running.stack;
  // What the routes queue stays in the queues, to be read by the assertions.
  await Promise.all(Object.values(stack.runners).map((r) => r.stop()));
  sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: 'local', credentials: LOCAL_CREDENTIALS }),
  );

  // Tenant B: its own credentials everywhere, and its own Slack workspace.
  bSlack = new SlackSimulator({
    workspaces: [
      {
        teamId: B_TEAM,
        teamName: 'Tenant B',
        botToken: b.slackToken,
        botUserId: 'U0BBOT',
        botId: 'B0BBOT',
        scopes: ['chat:write', 'users:read', 'users:read.email'],
      },
    ],
  });
  await bSlack.start();
  const store = stack.dynamo.store;
  await store.putTenant({
    tenantId: B,
    apiKeyHash: hashApiKey(b.apiKey),
    webhookTokenHash: sha256Hex(b.webhookToken),
    createdAt: new Date().toISOString(),
  });
  const config = parseConfig(sandboxConfigYaml(), {
    NOTION_TOKEN: b.notionToken,
    BREVO_API_KEY: b.brevoKey,
    SLACK_BOT_TOKEN: b.slackToken,
    SLACK_SIGNING_SECRET: b.signingSecret,
  });
  const deps = { connections: store, secrets: stack.secrets, schedules: stack.scheduler, clock: systemClock() };
  bNotion = await connectNotion(deps, { tenantId: B, config });
  await connectSlack({ ...deps, teams: store, slackApiUrl: bSlack.apiUrl }, { tenantId: B, config });
  aNotion = (await store.getConnection(A, 'notion')) as ConnectionRecord<'notion'>;
  // Both tenants' Notion webhook subscriptions are active (confirmed tokens).
  for (const [tenantId, token] of [
    [A, aNotionWebhookToken],
    [B, b.notionWebhookToken],
  ] as const) {
    await store.putNotionWebhook({
      tenantId,
      confirmedRef: await stack.secrets.put(`${tenantId}/notion-webhook-token`, token),
      confirmedAt: new Date().toISOString(),
      confirmedHint: 'secret_…',
    });
  }
  // Both tenants connect Shopify (a definition-backed connector), each with its own app secret.
  const shopify = await catalogueDefinition('shopify');
  for (const [tenantId, record] of [
    [A, aNotion],
    [B, bNotion],
  ] as const)
    await putDefinitionConnection(
      { connections: store, secrets: stack.secrets },
      { tenantId, definition: shopify, webhookSecret: shopifySecrets[tenantId], brevoApiKeyRef: record.brevoApiKeyRef },
    );
  // B's data that A must never see or change.
  const run: RunRecord = {
    tenantId: B,
    connector: 'notion',
    runId: b.runId,
    mode: 'full',
    status: 'succeeded',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    trigger: 'api',
    summary: {
      mode: 'full',
      pagesRead: 7,
      upserted: 7,
      unchanged: 0,
      removed: 0,
      failed: 0,
      errors: [],
      errorsTruncated: 0,
      notionRequests: 3,
      brevoRequests: 2,
      rateLimited: 0,
      durationMs: 1234,
      warnings: [],
    },
  };
  await store.putRun(run);
  await store.recordOrder(B, 'b.buyer@example.com', new Date().toISOString());
  await store.putThread(B, SANDBOX_SLACK_CHANNEL, 'contact:b.buyer@example.com', '1795000000.000100');
  await drainQueues();
}, 90_000);

afterAll(async () => {
  await oauthPlatform?.stop();
  await bSlack?.stop();
  await running?.stop();
  sqs?.destroy();
});

function systemClock() {
  return { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
}

// ------------------------------------------------------------------------------------ observation

interface Queued {
  queue: QueueName;
  body: string;
  groupId: string | undefined;
}

/** Everything in the lanes now (read and deleted). */
async function drainQueues(): Promise<Queued[]> {
  const out: Queued[] = [];
  for (const queue of Object.keys(topology.queues) as QueueName[]) {
    const url = stack.queueUrls[queue];
    if (!url) throw new Error(`the local stack has no queue ${queue}`);
    for (let empty = 0; empty < 2; ) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) {
        empty += 1;
        continue;
      }
      for (const m of messages) {
        out.push({ queue, body: m.Body ?? '', groupId: m.Attributes?.MessageGroupId });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  }
  return out;
}

async function tableItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await doc.send(new ScanCommand({ TableName: stack.table, ExclusiveStartKey: start }));
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

const ofTenant = (tenantId: string, pk: unknown) =>
  typeof pk === 'string' && (pk === `T#${tenantId}` || pk.startsWith(`T#${tenantId}#`));

/** B's items by key, as JSON: compared before and after each attempt. */
async function bItems(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const item of await tableItems()) {
    if (ofTenant(B, item.pk)) out.set(`${item.pk} ${item.sk}`, JSON.stringify(item));
  }
  return out;
}

/** Requests each provider simulator has served (the sandbox's for A, B's own Slack workspace). */
function providerCalls(): Record<string, number> {
  const s = stack.sandbox;
  if (!s?.slack) throw new Error('the isolation suite needs the sandbox with Slack');
  return {
    notion: s.notion.log.records.length,
    brevo: s.brevo.log.records.length,
    slackA: s.slack.log.records.length,
    slackB: bSlack.log.records.length,
  };
}

function namesB(q: Queued): boolean {
  return (
    q.body.includes(`"tenantId":"${B}"`) ||
    (q.groupId !== undefined &&
      (q.groupId === B ||
        q.groupId.startsWith(`${B}:`) ||
        q.groupId.startsWith(`${B}#`) ||
        q.groupId === bNotion.integrationKey))
  );
}

// ------------------------------------------------------------------------------------ requests

const ts = () => Math.floor(Date.now() / 1000);

function request(
  method: string,
  path: string,
  init: { bearer?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
      ...(init.body !== undefined && !init.headers?.['content-type'] ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body,
  });
}

function slackSigned(path: string, kind: 'events' | 'interactions', body: string, signingSecret: string) {
  const t = ts();
  return request('POST', path, {
    headers: {
      'content-type': kind === 'events' ? 'application/json' : 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(t),
      'x-slack-signature': signSlackRequest(body, signingSecret, t),
    },
    body,
  });
}

const click = (teamId: string, email: string) =>
  `payload=${encodeURIComponent(
    JSON.stringify({
      type: 'block_actions',
      team: { id: teamId },
      user: { id: 'U0CLICKER', team_id: teamId },
      // A body may name anything: the tenant never comes from it.
      tenantId: B,
      trigger_id: `trg-${randomBytes(4).toString('hex')}`,
      actions: [{ action_id: 'add_to_newsletter', value: email, action_ts: `${ts()}.000001` }],
    }),
  )}`;
const slackEvent = (teamId: string) =>
  JSON.stringify({
    type: 'event_callback',
    team_id: teamId,
    tenantId: B,
    event_id: `Ev${randomBytes(4).toString('hex')}`,
    event: { type: 'app_mention', text: 'hi' },
  });

function notionEvent(pageId: string): string {
  return JSON.stringify({
    id: `evt-${randomBytes(6).toString('hex')}`,
    timestamp: new Date().toISOString(),
    type: 'page.properties_updated',
    entity: { id: pageId, type: 'page' },
    data: { updated_properties: ['title'] },
    tenantId: B,
  });
}
const notionSigned = (tenantId: string, body: string, token: string) =>
  request('POST', `/webhooks/notion/${tenantId}`, {
    headers: { 'x-notion-signature': `sha256=${createHmac('sha256', token).update(body).digest('hex')}` },
    body,
  });

/** A Shopify customers/create delivery signed with `appSecret`, posted to `tenantId`'s platform route. */
function shopifyDelivery(tenantId: string, appSecret: string) {
  const delivery = new ShopifySimulator({ clientSecret: appSecret }).delivery('customers/create', {
    id: 1,
    email: 'platform.buyer@example.com',
    tenantId: B,
  });
  return request('POST', `/webhooks/${tenantId}/shopify/webhooks`, { headers: delivery.headers, body: delivery.body });
}

// ------------------------------------------------------------------------------------ route cases

interface Attempt {
  label: string;
  send: () => Promise<Response>;
  /** Accepted answers. */
  status: number[];
  /** Sort keys of B's items this attempt may change by design (documented at the attempt). */
  mayChangeOfB?: (key: string) => boolean;
  /** More to check once the attempt is done. */
  afterwards?: () => Promise<void>;
  /** An answer refused even with an accepted status: the key's refusal, where a 404 may also mean "no such thing". */
  refusedBody?: string;
}

interface RouteCase {
  /** A's credential against B's resources (and variants): refused, nothing of B touched. */
  crossings: Attempt[];
  /** The same credential on A's own resources: accepted, so the refusals are about the tenant. */
  own: Attempt;
}

const key = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

/**
 * An OAuth callback: the state is the only credential, bound to the tenant that asked for the
 * install. A's real state with B's name put in its place is refused (400) and touches nothing of
 * B; A's own consent, followed back, connects A.
 */
function oauthCallbackCase(connector: string, prepare?: () => Promise<void>): RouteCase {
  let consented: Promise<string> | undefined;
  /** A's admin asks for the URL and opens it (the sandbox consents): the callback URL to follow. */
  const callbackOfA = () =>
    (consented ??= (async () => {
      await prepare?.();
      const started = await request('POST', `/tenants/${A}/connections/${connector}/oauth`, {
        bearer: stack.apiKey,
        body: '{}',
      });
      expect(started.status).toBe(201);
      const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
      const consent = await fetch(authorizeUrl, { redirect: 'manual' });
      return consent.headers.get('location') as string;
    })());
  const path = (url: string) => url.slice(stack.url.length);
  return {
    crossings: [
      {
        label: "A's state with B's tenant in it",
        send: async () => {
          const url = new URL(await callbackOfA());
          const state = url.searchParams.get('state') as string;
          url.searchParams.set('state', `${B}${state.slice(state.indexOf('.'))}`);
          return request('GET', path(url.toString()));
        },
        status: [400],
      },
      {
        label: 'a state made up for B',
        send: () =>
          request(
            'GET',
            `/oauth/${connector}/callback?code=made-up&state=${B}.${randomBytes(32).toString('base64url')}`,
          ),
        status: [400],
      },
    ],
    own: {
      label: "A's consent followed back",
      send: async () => request('GET', path(await callbackOfA())),
      status: [200],
    },
  };
}

/** The definitions' callback: A's own `auth: oauth2` definition, connected with A's app, on the sandbox's OAuth platform. */
let oauthPlatform: OAuthPlatformSimulator | undefined;
const ISO_APP = { clientId: 'iso-crm-client', clientSecret: secret('iso-crm-secret-') };
registerTestSecrets(ISO_APP.clientSecret);
async function connectOAuthDefinitionOfA(): Promise<void> {
  oauthPlatform = new OAuthPlatformSimulator({
    clients: [{ ...ISO_APP, redirectUris: [`${stack.url}/oauth/iso-crm/callback`] }],
    contacts: 1,
  });
  await oauthPlatform.start();
  const base = oauthPlatform.baseUrl;
  const definition = {
    name: 'iso-crm',
    version: '1',
    base_url: base,
    auth: { type: 'oauth2', authorizationUrl: `${base}/oauth/authorize`, tokenUrl: `${base}/oauth/token` },
    resources: { contacts: { endpoint: '/api/contacts', items: 'data', mapping: { email: 'email' } } },
  };
  const bearer = stack.apiKey;
  const registered = await request('PUT', `/tenants/${A}/definitions/iso-crm`, {
    bearer,
    body: JSON.stringify(definition),
  });
  expect(registered.status).toBeLessThan(300);
  const connected = await request('PUT', `/tenants/${A}/connections/iso-crm`, {
    bearer,
    body: JSON.stringify({ client_id: ISO_APP.clientId, client_secret: ISO_APP.clientSecret }),
  });
  expect(connected.status).toBeLessThan(300);
}

const routeCases: Record<string, RouteCase> = {
  // Derived, A's own call would disconnect A for the rest of the suite: its control names a connector
  // that does not exist, answered (404, its own reason) only once the key is accepted.
  'DELETE /tenants/{tenantId}/connections/{connector}': {
    crossings: [
      {
        label: "A's API key on B's path",
        send: () => request('DELETE', `/tenants/${B}/connections/notion`, { bearer: stack.apiKey }),
        status: [404],
      },
    ],
    own: {
      label: "A's API key on A's path, a connector that does not exist",
      send: () => request('DELETE', `/tenants/${A}/connections/nosuch`, { bearer: stack.apiKey }),
      status: [404],
      refusedBody: JSON.stringify({ error: UNKNOWN_KEY_REASON, code: 'not_found' }),
    },
  },
  // One case per connector of the registry that installs by OAuth.
  ...Object.fromEntries(
    platformConnectors.filter((c) => c.oauth).map((c) => [`GET /oauth/${c.name}/callback`, oauthCallbackCase(c.name)]),
  ),
  'GET /oauth/{connector}/callback': oauthCallbackCase('iso-crm', connectOAuthDefinitionOfA),
  'POST /webhooks/{tenantId}/{connector}/{path+}': {
    crossings: [
      {
        label: "A's Shopify delivery (signed with A's app secret) on B's path",
        send: () => shopifyDelivery(B, shopifySecrets[A]),
        status: [401],
      },
      {
        label: "a delivery on B's path signed with a made-up secret",
        send: () => shopifyDelivery(B, secret('shpss_')),
        status: [401],
      },
    ],
    own: {
      label: "A's Shopify delivery on A's path",
      send: () => shopifyDelivery(A, shopifySecrets[A]),
      status: [200],
    },
  },
  // A key's own tenant, never another's; a key of nobody is refused like a wrong key elsewhere.
  'GET /me': {
    crossings: [
      {
        label: "a key that is no tenant's",
        send: () => request('GET', '/me', { bearer: `tajo_${'x'.repeat(32)}` }),
        status: [404],
      },
      {
        label: "A's API key answers A, never B",
        send: async () => {
          const res = await request('GET', '/me', { bearer: stack.apiKey });
          const body = (await res.clone().json()) as { tenantId?: string };
          if (body.tenantId !== A) throw new Error(`GET /me with A's key answered ${JSON.stringify(body)}`);
          return res;
        },
        status: [200],
      },
    ],
    own: { label: "A's API key", send: () => request('GET', '/me', { bearer: stack.apiKey }), status: [200] },
  },
  // The document describes the API: the same for everyone, naming no tenant.
  'GET /openapi.json': {
    crossings: [
      {
        // (A is `default`, a JSON Schema keyword: B's id and A's key are what must not appear.)
        label: "with A's API key: names no tenant, holds no key",
        send: async () => {
          const res = await request('GET', '/openapi.json', { bearer: stack.apiKey });
          const text = await res.clone().text();
          if (text.includes(B) || text.includes(stack.apiKey)) throw new Error('the OpenAPI document names a tenant');
          return res;
        },
        status: [200],
      },
    ],
    own: { label: 'anonymous', send: () => request('GET', '/openapi.json'), status: [200] },
  },
  'GET /health': {
    crossings: [
      { label: "with A's API key", send: () => request('GET', '/health', { bearer: stack.apiKey }), status: [200] },
    ],
    own: { label: 'anonymous', send: () => request('GET', '/health'), status: [200] },
  },
  'POST /tenants/{tenantId}/connections/{connector}/sync': {
    crossings: [
      {
        label: "A's API key on B's path",
        send: () => request('POST', `/tenants/${B}/connections/notion/sync`, { bearer: stack.apiKey, body: '{}' }),
        status: [404],
      },
      {
        label: "A's API key on B's path, the body naming A",
        send: () =>
          request('POST', `/tenants/${B}/connections/notion/sync`, {
            bearer: stack.apiKey,
            body: `{"tenantId":"${A}"}`,
          }),
        status: [404],
      },
      {
        label: "A's API key on A's path, the body naming B (refused, nothing queued)",
        send: () =>
          request('POST', `/tenants/${A}/connections/notion/sync`, {
            bearer: stack.apiKey,
            body: `{"tenantId":"${B}"}`,
          }),
        status: [400],
      },
    ],
    own: {
      label: "A's API key on A's path",
      send: () => request('POST', `/tenants/${A}/connections/notion/sync`, { bearer: stack.apiKey, body: '{}' }),
      status: [202],
    },
  },
  'GET /tenants/{tenantId}/connections/{connector}/status': {
    crossings: [
      {
        label: "A's API key on B's path",
        send: () => request('GET', `/tenants/${B}/connections/notion/status`, { bearer: stack.apiKey }),
        status: [404],
      },
      {
        label: "A's API key on B's path, the tenant in a query string too",
        send: () => request('GET', `/tenants/${B}/connections/notion/status?tenantId=${A}`, { bearer: stack.apiKey }),
        status: [404],
      },
    ],
    own: {
      label: "A's API key on A's path",
      send: () => request('GET', `/tenants/${A}/connections/notion/status`, { bearer: stack.apiKey }),
      status: [200],
    },
  },
  'POST /webhooks/brevo/{tenantId}': {
    crossings: [
      {
        label: "A's webhook token on B's path",
        send: () =>
          request('POST', `/webhooks/brevo/${B}`, {
            bearer: stack.webhookToken,
            body: JSON.stringify(listAddition({ email: 'cross@example.com' })),
          }),
        status: [401],
      },
      {
        label: "A's management API key as B's webhook token",
        send: () =>
          request('POST', `/webhooks/brevo/${B}`, { bearer: stack.apiKey, body: JSON.stringify(listAddition()) }),
        status: [401],
      },
    ],
    own: {
      label: "A's webhook token on A's path",
      send: () =>
        request('POST', `/webhooks/brevo/${A}`, {
          bearer: stack.webhookToken,
          body: JSON.stringify(listAddition({ email: 'own@example.com' })),
        }),
      status: [200],
    },
  },
  'POST /webhooks/notion/{tenantId}': {
    crossings: [
      {
        label: "an event signed with A's verification token on B's path",
        send: () => notionSigned(B, notionEvent(stack.sandbox?.pageIds[0] as string), aNotionWebhookToken),
        status: [401],
      },
      {
        // Notion's handshake is unsigned by design: it may only set B's *pending* token (which
        // trusts nothing until an event signed with it arrives), never B's confirmed one.
        label: "an unsigned handshake on B's path (A's token offered as B's)",
        send: () =>
          request('POST', `/webhooks/notion/${B}`, {
            body: JSON.stringify({ verification_token: aNotionWebhookToken }),
          }),
        status: [200],
        mayChangeOfB: (k) => k === `T#${B} NWEBHOOK`,
        afterwards: async () => {
          const rec = await stack.dynamo.store.getNotionWebhook(B);
          expect(await stack.secrets.get(rec?.confirmedRef as string)).toBe(b.notionWebhookToken);
          const real = await notionSigned(B, notionEvent('0f0e0d0c-0b0a-4909-8807-060504030201'), b.notionWebhookToken);
          expect(real.status).toBe(200);
          await drainQueues(); // B's own event, queued for B by B's own credential
        },
      },
    ],
    own: {
      label: "an event signed with A's verification token on A's path",
      send: () => notionSigned(A, notionEvent(stack.sandbox?.pageIds[0] as string), aNotionWebhookToken),
      status: [200],
    },
  },
  'POST /slack/{tenantId}/interactions': {
    crossings: [
      {
        label: "a click from A's workspace signed with A's app secret on B's path",
        send: () =>
          slackSigned(
            `/slack/${B}/interactions`,
            'interactions',
            click(A_TEAM, 'cross@example.com'),
            SANDBOX_SLACK_SIGNING_SECRET,
          ),
        status: [401],
      },
      {
        label: "a click naming B's workspace signed with A's app secret on B's path",
        send: () =>
          slackSigned(
            `/slack/${B}/interactions`,
            'interactions',
            click(B_TEAM, 'cross@example.com'),
            SANDBOX_SLACK_SIGNING_SECRET,
          ),
        status: [401],
      },
      {
        label: "a click naming B's workspace signed with A's app secret on A's path",
        send: () =>
          slackSigned(
            `/slack/${A}/interactions`,
            'interactions',
            click(B_TEAM, 'cross@example.com'),
            SANDBOX_SLACK_SIGNING_SECRET,
          ),
        status: [403],
      },
    ],
    own: {
      label: "a click from A's workspace signed with A's app secret on A's path",
      send: () =>
        slackSigned(
          `/slack/${A}/interactions`,
          'interactions',
          click(A_TEAM, 'own@example.com'),
          SANDBOX_SLACK_SIGNING_SECRET,
        ),
      status: [200],
    },
  },
  'POST /slack/{tenantId}/events': {
    crossings: [
      {
        label: "an event from A's workspace signed with A's app secret on B's path",
        send: () => slackSigned(`/slack/${B}/events`, 'events', slackEvent(A_TEAM), SANDBOX_SLACK_SIGNING_SECRET),
        status: [401],
      },
    ],
    own: {
      label: "an event from A's workspace signed with A's app secret on A's path",
      send: () => slackSigned(`/slack/${A}/events`, 'events', slackEvent(A_TEAM), SANDBOX_SLACK_SIGNING_SECRET),
      status: [200],
    },
  },
  'POST /slack/interactions': {
    crossings: [
      {
        // The distributed app: the team decides the tenant. A's workspace (whatever its body says)
        // reaches A only; the namesB check below proves nothing went to B.
        label: "a click from A's workspace naming B in its body",
        send: () =>
          slackSigned(
            '/slack/interactions',
            'interactions',
            click(A_TEAM, 'cross@example.com'),
            stack.slackAppSigningSecret,
          ),
        status: [200],
      },
      {
        label: "a click from B's workspace signed with A's own app secret",
        send: () =>
          slackSigned(
            '/slack/interactions',
            'interactions',
            click(B_TEAM, 'cross@example.com'),
            SANDBOX_SLACK_SIGNING_SECRET,
          ),
        status: [401],
      },
    ],
    own: {
      label: "a click from A's workspace",
      send: () =>
        slackSigned(
          '/slack/interactions',
          'interactions',
          click(A_TEAM, 'own@example.com'),
          stack.slackAppSigningSecret,
        ),
      status: [200],
    },
  },
  'POST /slack/events': {
    crossings: [
      {
        label: "an event from B's workspace signed with A's own app secret",
        send: () => slackSigned('/slack/events', 'events', slackEvent(B_TEAM), SANDBOX_SLACK_SIGNING_SECRET),
        status: [401],
      },
    ],
    own: {
      label: "an event from A's workspace",
      send: () => slackSigned('/slack/events', 'events', slackEvent(A_TEAM), stack.slackAppSigningSecret),
      status: [200],
    },
  },
};

/**
 * Routes under the tenant API key need no case of their own: for them the rule is the same
 * everywhere (another tenant's key on a tenant's path is a 404, as an unknown tenant is).
 */
function derivedCase(route: RouteSpec): RouteCase | undefined {
  if (route.auth !== 'tenantApiKey' || !route.path.includes('{tenantId}')) return undefined;
  const path = (tenantId: string) =>
    route.path
      .replace('{tenantId}', tenantId)
      .replace('{connector}', 'notion')
      .replace(/\{[^}]+\}/g, 'x');
  const body = route.method === 'GET' ? undefined : '{}';
  return {
    crossings: [
      {
        label: "A's API key on B's path",
        send: () => request(route.method, path(B), { bearer: stack.apiKey, body }),
        status: [404],
      },
    ],
    own: {
      label: "A's API key on A's path (any answer but a refused key)",
      send: () => request(route.method, path(A), { bearer: stack.apiKey, body }),
      // A route naming a thing (an import id, a stored key) may find none of A's: a 404 with its own reason.
      status: [200, 201, 202, 204, 400, 404, 409, 422],
      refusedBody: JSON.stringify({ error: UNKNOWN_KEY_REASON, code: 'not_found' }),
    },
  };
}

async function attempt(a: Attempt, crossing: boolean): Promise<void> {
  const itemsBefore = await bItems();
  const callsBefore = providerCalls();
  const res = await a.send();
  const text = await res.text();
  if (!a.status.includes(res.status) || text === a.refusedBody) {
    throw new Error(
      `${a.label}: answered ${res.status} (${redactText(text).slice(0, 200)}), expected ${a.status.join(' or ')}`,
    );
  }
  // Work queued by the request would run after the answer: give the lanes nothing to hide.
  const queued = await drainQueues();
  if (!crossing) return;
  // Nothing of B in the answer...
  for (const secretOfB of [b.runId, B_TEAM, b.webhookToken, b.apiKey, b.signingSecret]) {
    expect({ attempt: a.label, leaks: text.includes(secretOfB) }).toEqual({ attempt: a.label, leaks: false });
  }
  // ...nothing queued for B...
  expect({ attempt: a.label, queuedForB: queued.filter(namesB) }).toEqual({ attempt: a.label, queuedForB: [] });
  // ...no call to B's providers...
  expect({ attempt: a.label, slackB: providerCalls().slackB }).toEqual({
    attempt: a.label,
    slackB: callsBefore.slackB,
  });
  // ...and B's items as they were.
  const itemsAfter = await bItems();
  const changed = [...new Set([...itemsBefore.keys(), ...itemsAfter.keys()])].filter(
    (k) => itemsBefore.get(k) !== itemsAfter.get(k) && !a.mayChangeOfB?.(k),
  );
  expect({ attempt: a.label, changedItemsOfB: changed }).toEqual({ attempt: a.label, changedItemsOfB: [] });
  await a.afterwards?.();
}

describe('every route of the topology keeps tenants apart', () => {
  test.each(topology.routes.map((r) => [key(r), r] as const))('%s', async (routeKey, route) => {
    const c = routeCases[routeKey] ?? derivedCase(route);
    if (!c) {
      throw new Error(
        `route ${routeKey} (auth ${route.auth}) has no isolation case: add one to routeCases in ` +
          'test/integration/isolation.test.ts saying how another tenant is refused on it',
      );
    }
    for (const crossing of c.crossings) await attempt(crossing, true);
    await attempt(c.own, false);
  });

  test("every connector's routes in the registry are routes of the topology (so each has its case above)", () => {
    const routeKeys = new Set(topology.routes.map(key));
    expect(connectors.flatMap((c) => c.routes).filter((r) => !routeKeys.has(r))).toEqual([]);
  });

  test('no case is left for a route the topology no longer has', () => {
    const routeKeys = new Set(topology.routes.map(key));
    expect(Object.keys(routeCases).filter((k) => !routeKeys.has(k))).toEqual([]);
  });

  test("a Slack workspace connected to A cannot be connected to B (the distributed app's team → tenant)", async () => {
    const before = await bItems();
    const config = parseConfig(sandboxConfigYaml(), {
      NOTION_TOKEN: b.notionToken,
      BREVO_API_KEY: b.brevoKey,
      // The sandbox workspace's token: A's workspace.
      SLACK_BOT_TOKEN: 'xoxb-sandbox',
      SLACK_SIGNING_SECRET: b.signingSecret,
    });
    await expect(
      connectSlack(
        {
          connections: stack.dynamo.store,
          secrets: stack.secrets,
          schedules: stack.scheduler,
          teams: stack.dynamo.store,
          clock: systemClock(),
          slackApiUrl: stack.sandbox?.slack?.apiUrl,
        },
        { tenantId: B, config },
      ),
    ).rejects.toBeInstanceOf(WorkspaceClaimedError);
    expect(await bItems()).toEqual(before);
    expect(await stack.dynamo.store.findSlackTeam({ isEnterpriseInstall: false, teamId: A_TEAM })).toMatchObject({
      tenantId: A,
    });
  });
});

// ------------------------------------------------------------------------------------ lane messages

const event = (email: string) => ({
  id: `iso-${randomBytes(4).toString('hex')}`,
  type: 'new_subscriber',
  occurredAt: new Date().toISOString(),
  contact: { email },
  source: 'brevo',
  raw: null,
});

/** One message of each type, naming `tenantId`. */
const laneMessages: Record<QueueName, Record<string, (tenantId: string) => unknown>> = {
  notionLane: {
    'notion.sync.start': (tenantId) => ({
      type: 'notion.sync.start',
      tenantId,
      runId: `iso-${tenantId}`,
      mode: 'full',
      trigger: 'api',
    }),
    'notion.sync.continue': (tenantId) => ({ type: 'notion.sync.continue', tenantId, runId: b.runId, step: 1 }),
    'notion.users.sync': (tenantId) => ({
      type: 'notion.users.sync',
      tenantId,
      runId: `iso-u-${tenantId}`,
      mode: 'full',
      trigger: 'api',
    }),
    'notion.pages.fetch': (tenantId) => ({ type: 'notion.pages.fetch', tenantId }),
    'notion.rules.apply': (tenantId) => ({
      type: 'notion.rules.apply',
      tenantId,
      runId: `iso-r-${tenantId}`,
      items: [
        {
          eventId: `iso-evt-${tenantId}`,
          rule: 'converted-leads',
          event: 'contact_updated',
          email: 'lane.rule@example.com',
          occurredAt: new Date().toISOString(),
          attributes: { LIFECYCLE_STAGE: 'customer' },
          changed: ['LIFECYCLE_STAGE'],
        },
      ],
    }),
    'notion.documents.import': (tenantId) => ({
      type: 'notion.documents.import',
      tenantId,
      runId: `iso-d-${tenantId}`,
      pageId: '00000000-0000-4000-8000-000000000001',
      trigger: 'api',
    }),
    'notion.publish': (tenantId) => ({ type: 'notion.publish', tenantId, runId: `iso-p-${tenantId}`, trigger: 'api' }),
    'notion.documents.resync': (tenantId) => ({
      type: 'notion.documents.resync',
      tenantId,
      runId: `iso-ds-${tenantId}`,
      trigger: 'api',
    }),
  },
  slackLane: {
    'slack.notify': (tenantId) => ({
      type: 'slack.notify',
      tenantId,
      channelId: SANDBOX_SLACK_CHANNEL,
      threadKey: 'contact:lane@example.com',
      template: 'default',
      event: event('lane@example.com'),
    }),
    'slack.digest': (tenantId) => ({
      type: 'slack.digest',
      tenantId,
      channelId: SANDBOX_SLACK_CHANNEL,
      events: [event('d1@example.com'), event('d2@example.com')],
    }),
    'slack.post': (tenantId) => ({
      type: 'slack.post',
      tenantId,
      channelId: SANDBOX_SLACK_CHANNEL,
      notificationId: `ntf_isolation_${tenantId}`,
      event: 'isolation',
      threadKey: 'isolation',
      text: 'isolation',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'isolation' } }],
    }),
  },
  brevoLane: {
    upsert_contact: (tenantId) => ({
      op: 'upsert_contact',
      tenantId,
      email: 'lane.upsert@example.com',
      attributes: {},
      list: 'Newsletter',
      source: 'isolation',
    }),
    add_slack_user_to_list: (tenantId) => ({
      op: 'add_slack_user_to_list',
      tenantId,
      slackUserId: 'U0AUTHOR',
      list: 'Slack authors',
      source: 'isolation',
    }),
  },
  platformLane: {
    delivery: (tenantId) => ({
      type: 'delivery',
      tenantId,
      connector: 'shopify',
      webhook: 'customers_create',
      deliveryId: `iso-${tenantId}`,
      body: JSON.stringify({ id: 2, email: 'lane.platform@example.com' }),
      receivedAt: new Date().toISOString(),
    }),
  },
  timerQueue: {
    timer: (tenantId) => ({
      type: 'timer',
      tenantId,
      dueAt: new Date(Date.now() - 1000).toISOString(),
      deliver: {
        queue: 'slackLane',
        body: JSON.stringify(laneMessages.slackLane['slack.notify']?.(tenantId)),
        groupId: `${tenantId}:${SANDBOX_SLACK_CHANNEL}`,
        deduplicationId: `iso-${tenantId}`,
      },
    }),
  },
  // A tenant event names its tenant: its endpoints (none here) are read under that tenant only.
  eventDelivery: {
    event: (tenantId) => ({
      'detail-type': 'contact.created',
      source: 'tajo.connectors',
      detail: {
        tenantId,
        type: 'contact.created',
        id: `iso-${tenantId}`,
        createdAt: new Date().toISOString(),
        fields: {},
      },
    }),
    delivery: (tenantId) => ({
      deliver: { endpointId: 'ep_000000000000000000000000' },
      event: {
        tenantId,
        type: 'contact.created',
        id: `iso-${tenantId}`,
        createdAt: new Date().toISOString(),
        fields: {},
      },
    }),
  },
};

/** The message types each lane's schema accepts: a new type without a case above fails the suite. */
function schemaTypes(): Record<QueueName, string[]> {
  const discriminator = (options: readonly { shape: Record<string, unknown> }[], field: string) =>
    options.map((o) => (o.shape[field] as { value: string }).value);
  return {
    notionLane: discriminator(notionLaneMessageSchema.options, 'type'),
    slackLane: discriminator(slackLaneMessageSchema.options, 'type'),
    brevoLane: discriminator(brevoActionMessageSchema.options, 'op'),
    platformLane: [(deliveryMessageSchema.shape.type as { value: string }).value],
    timerQueue: [(timerMessageSchema.shape.type as { value: string }).value],
    // EventBridge's envelope (an event) and the fan-out's per-endpoint message (a delivery).
    eventDelivery: ['event', 'delivery'],
  };
}

const consumerOf = (queue: QueueName): FunctionName => {
  const found = (
    Object.entries(topology.functions) as [FunctionName, (typeof topology.functions)[FunctionName]][]
  ).find(([, spec]) => spec.consumes?.queue === queue);
  if (!found) throw new Error(`no function consumes ${queue}`);
  return found[0];
};

let recordSeq = 0;
async function deliver(queue: QueueName, records: { body: string; groupId?: string }[]) {
  const fn = consumerOf(queue);
  const spec = topology.functions[fn];
  const event = {
    Records: records.map((r) => {
      recordSeq += 1;
      return {
        messageId: `iso-${recordSeq}`,
        receiptHandle: `iso-rh-${recordSeq}`,
        body: r.body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'isolation',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          ...(r.groupId ? { MessageGroupId: r.groupId, MessageDeduplicationId: `iso-${recordSeq}` } : {}),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${queue}`,
        awsRegion: 'us-east-1',
      };
    }),
  };
  return (await stack.functions[fn](event, lambdaContext(fn, spec.timeoutSeconds))) as {
    batchItemFailures: { itemIdentifier: string }[];
  };
}

/** A's message group of a lane, for a message of this type. */
const groupOfA = (queue: QueueName): string | undefined =>
  queue === 'notionLane'
    ? aNotion.integrationKey
    : queue === 'slackLane'
      ? `${A}:${SANDBOX_SLACK_CHANNEL}`
      : queue === 'brevoLane'
        ? A
        : queue === 'platformLane'
          ? `${A}#shopify`
          : undefined;

describe('every lane message type naming B, delivered in A’s group, leaves B alone', () => {
  const cases = (Object.entries(schemaTypes()) as [QueueName, string[]][]).flatMap(([queue, types]) =>
    types.map((type) => [queue, type] as const),
  );

  test.each(cases)('%s %s', async (queue, type) => {
    const make = laneMessages[queue][type];
    if (!make) throw new Error(`lane message ${queue} ${type} has no isolation case: add one to laneMessages`);
    const itemsBefore = await bItems();
    const callsBefore = providerCalls();
    // The timer queue has no groups: its crossing is a timer of A that would deliver B's message.
    const body = queue === 'timerQueue' ? JSON.stringify(crossTimer()) : JSON.stringify(make(B));
    const res = await deliver(queue, [{ body, groupId: groupOfA(queue) }]);
    expect(res.batchItemFailures).toEqual([]);
    expect(providerCalls()).toEqual(callsBefore);
    expect(await bItems()).toEqual(itemsBefore);
    const queued = await drainQueues();
    if (queue === 'notionLane') {
      // Not run in A's group: handed, unchanged, to B's own integration group (nothing lost).
      expect(queued).toEqual([{ queue, body, groupId: bNotion.integrationKey }]);
    } else {
      expect(queued).toEqual([]);
    }
  });

  /** A's timer whose delivery is B's message in B's group. */
  function crossTimer() {
    const timer = laneMessages.timerQueue.timer?.(A) as { deliver: Record<string, string> };
    return {
      ...timer,
      deliver: {
        ...timer.deliver,
        body: JSON.stringify(laneMessages.slackLane['slack.notify']?.(B)),
        groupId: `${B}:${SANDBOX_SLACK_CHANNEL}`,
      },
    };
  }

  test("a Slack lane batch with B's message in A's channel group posts A's only, with A's token", async () => {
    const slackA = stack.sandbox?.slack;
    const before = { a: slackA?.messages(SANDBOX_SLACK_CHANNEL).length ?? 0, b: bSlack.log.records.length };
    const itemsBefore = await bItems();
    const own = laneMessages.slackLane['slack.notify']?.(A) as { event: { contact: { email: string } } };
    own.event.contact.email = 'mixed.a@example.com';
    const theirs = laneMessages.slackLane['slack.notify']?.(B) as { event: { contact: { email: string } } };
    theirs.event.contact.email = 'mixed.b@example.com';
    const group = groupOfA('slackLane');
    const res = await deliver('slackLane', [
      { body: JSON.stringify(own), groupId: group },
      { body: JSON.stringify(theirs), groupId: group },
    ]);
    expect(res.batchItemFailures).toEqual([]);
    const posted = slackA?.messages(SANDBOX_SLACK_CHANNEL).slice(before.a) ?? [];
    expect(posted.map((m) => m.text)).toEqual([expect.stringContaining('mixed.a@example.com')]);
    expect(JSON.stringify(posted)).not.toContain('mixed.b@example.com');
    expect(bSlack.log.records.length).toBe(before.b);
    expect(await bItems()).toEqual(itemsBefore);
  });

  test('in its own group, each lane acts (the checks above are not vacuous)', async () => {
    const calls = () => providerCalls();
    const slackBefore = calls().slackA;
    await deliver('slackLane', [
      { body: JSON.stringify(laneMessages.slackLane['slack.notify']?.(A)), groupId: groupOfA('slackLane') },
    ]);
    expect(calls().slackA).toBeGreaterThan(slackBefore);
    // Its post is counted for A's status, in A's partition (the table check below covers the key).
    expect((await stack.dynamo.store.getSlackDeliveries(A))?.posted).toBeGreaterThan(0);

    const brevoBefore = calls().brevo;
    await deliver('brevoLane', [{ body: JSON.stringify(laneMessages.brevoLane.upsert_contact?.(A)), groupId: A }]);
    expect(calls().brevo).toBeGreaterThan(brevoBefore);

    const notionBefore = calls().notion;
    // A's group now (the OAuth callback's control made A's connection again, under its bot's key).
    const aGroup = (await stack.dynamo.store.getConnection(A, 'notion'))?.integrationKey;
    await deliver('notionLane', [
      { body: JSON.stringify(laneMessages.notionLane['notion.sync.start']?.(A)), groupId: aGroup },
    ]);
    expect(calls().notion).toBeGreaterThan(notionBefore);

    await deliver('timerQueue', [{ body: JSON.stringify(laneMessages.timerQueue.timer?.(A)) }]);
    const queued = await drainQueues();
    expect(queued.filter((q) => q.queue === 'slackLane')).toEqual([
      { queue: 'slackLane', body: expect.stringContaining(`"tenantId":"${A}"`), groupId: groupOfA('slackLane') },
    ]);
  });
});

// ------------------------------------------------------------------------------------ the table

describe('the table after all of the above', () => {
  /**
   * Items outside every tenant, by necessity (shared/adapters/dynamodb/workspace-claim-repository.ts): the
   * workspace (Slack team) claim, the only way from a team to its tenant with a write that keeps the team unique;
   * the API key index (tenant-repository.ts: a key's hash → its tenant, for GET /me; the hash, never the key).
   */
  const GLOBAL_PREFIXES = ['SLACKTEAM#', 'APIKEY#'];

  test('every partition key begins with a tenant, or is a documented global item', async () => {
    const items = await tableItems();
    expect(items.length).toBeGreaterThan(10);
    const tenants = new Set([A, B]);
    const stray = items
      .map((i) => String(i.pk))
      .filter((pk) => {
        if (GLOBAL_PREFIXES.some((p) => pk.startsWith(p))) return false;
        const m = /^T#([a-z0-9-]+)(#|$)/.exec(pk);
        return !(m?.[1] && tenants.has(m[1]));
      });
    expect([...new Set(stray)]).toEqual([]);
    // The global items name their tenant in a field of their own, and it is one of ours.
    for (const item of items.filter((i) => GLOBAL_PREFIXES.some((p) => String(i.pk).startsWith(p)))) {
      expect(tenants.has(String(item.tenantId))).toBe(true);
    }
  });

  test('no credential of the run is stored in clear in any item', async () => {
    const text = JSON.stringify(await tableItems());
    const found = registeredTestSecrets().filter((s) => text.includes(s));
    expect(found.map((s) => `${s.slice(0, 5)}… (${s.length} chars)`)).toEqual([]);
  });
});
