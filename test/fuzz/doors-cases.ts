/**
 * The door fuzz (test/fuzz/doors.test.ts, doors-quiet.test.ts): every door of the local stack, fuzzed (issue 12 §5): for each route in shared/app/topology.ts, a
 * seeded mix of valid (signed or tokened) requests, their replays, and bad input — malformed and
 * truncated JSON, wrong content types, bodies over the limit, deep nesting, invalid UTF-8, missing
 * fields, ids longer than any real one, wrong auth, random byte mutations of valid requests (signed
 * again or not) — once with `debug: true` and once without.
 *
 * The cases go through gatewayRequest (local/http-gateway.ts), the in-process path `npm start`
 * serves every request by: the Lambda bundles with their middleware (the door guard, request
 * logging), on dynalite and fauxqs. No socket per case; one real-socket sample per route checks
 * the server around it (its body limit included).
 *
 * Asserted: never a 5xx, never a 429 (both say "retry"; none of this input ever becomes
 * processable), never a thrown error; every 4xx answers one line of JSON with a reason; valid
 * requests get a 2xx; every Brevo event the door answered as queued (valid ones, their replays, and
 * mutated bodies that still parse to a routed event) is in the Slack lane exactly once.
 */
import { appendFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { gatewayRequest } from '../../local/http-gateway';
import { signWebhookBody } from '../../sandbox/notion/webhooks';
import {
  SANDBOX_SLACK_APP_SIGNING_SECRET,
  SANDBOX_SLACK_CHANNEL,
  SANDBOX_SLACK_SIGNING_SECRET,
  sandboxConfigYaml,
} from '../../sandbox/sandbox';
import { shopifyHmac } from '../../sandbox/shopify';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';
import { type RouteSpec, topology } from '../../shared/app/topology';
import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import { signSlackRequest } from '../../shared/connectors/slack/signature';
import { BODY_LIMIT_BYTES } from '../../shared/core/http/request-guard';
import { listAddition } from '../notifications/fixtures';
import { connectShopifyOnStack } from '../support/platform-connections';
import { type Prng, prng } from '../support/prng';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

/** Cases per stack (debug on: doors.test.ts, debug off: doors-quiet.test.ts): 2 × 5,000 = 10,000. */
const CASES = Number(process.env.TAJO_FUZZ_CASES ?? 5_000);
const SEED = Number(process.env.TAJO_FUZZ_SEED ?? 12);
const CONCURRENCY = 16;
const TENANT = 'default';
/**
 * Distinct valid Brevo events (each sent many times: replays, duplicate deliveries). Few, so that
 * the Slack lane posts them all (1 message/s per channel) while the test waits.
 */
const BREVO_EVENTS = 10;
/** The fuzz tenant's Shopify app secret (its platform webhooks' signing key). */
const SHOPIFY_APP_SECRET = 'shpss_fuzz_platform_webhooks';

interface Req {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

type Signer = (req: Req) => Req;

interface Door {
  route: RouteSpec;
  /** A valid request (signed, tokened), or a harmless base to mutate for routes that change state. */
  base: (r: Prng) => Req;
  /** Whether base() is valid as sent: then it must get a 2xx. */
  valid: boolean;
  /** base() acts on another tenant with this tenant's key: it must be refused (4xx), whatever else changes. */
  crossTenant?: boolean;
  /** Signs a (mutated) request again, so mutations reach past the auth check. */
  sign: Signer;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function pathOf(route: RouteSpec, params: Record<string, string> = {}): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, n: string) =>
    encodeURIComponent(params[n] ?? (n === 'tenantId' ? TENANT : n === 'connector' ? 'notion' : 'x')),
  );
}

function slackSigner(secret: string): Signer {
  return (req) => {
    const ts = Math.floor(Date.now() / 1000);
    return {
      ...req,
      headers: {
        ...req.headers,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(req.body, secret, ts),
      },
    };
  };
}

export interface Ctx {
  stack: SandboxStack['stack'];
  notionToken: string;
  /** Brevo events the door answered as queued (their ids): each must be in the Slack lane once. */
  brevoEvents: Set<string>;
  tag: string;
}

function doors(ctx: Ctx): Door[] {
  const apiKey = ctx.stack.apiKey;
  const bearer = { authorization: `Bearer ${apiKey}` };
  const same: Signer = (req) => req;
  const make = (route: RouteSpec): Door => {
    const key = `${route.method} ${route.path}`;
    const req = (body: Buffer, headers: Record<string, string>, params?: Record<string, string>, query = '') => ({
      method: route.method,
      url: pathOf(route, params) + query,
      headers,
      body,
    });
    const jsonHeaders = { 'content-type': 'application/json', ...bearer };
    switch (key) {
      case 'GET /health':
        return { route, valid: true, sign: same, base: () => req(Buffer.alloc(0), {}) };
      case 'POST /webhooks/brevo/{tenantId}':
        return {
          route,
          valid: true,
          sign: same,
          base: (r) => {
            const n = r.int(0, BREVO_EVENTS - 1);
            const payload = listAddition({
              email: `fuzz-${ctx.tag}-${n}@example.com`,
              id: 3_000_000 + n,
              ts: 1_780_000_000 + n,
            });
            // Not counted here: most cases send this body broken or not at all (countQueuedBrevo counts what was queued).
            return req(json(payload), {
              'content-type': 'application/json',
              authorization: `Bearer ${ctx.stack.webhookToken}`,
            });
          },
        };
      case 'POST /webhooks/notion/{tenantId}': {
        const sign: Signer = (q) => ({
          ...q,
          headers: { ...q.headers, 'x-notion-signature': signWebhookBody(q.body, ctx.notionToken) },
        });
        return {
          route,
          valid: true,
          sign,
          base: (r) =>
            sign(
              req(
                json({
                  id: `0000${r.hex(4)}-0000-4000-8000-${r.hex(12)}`,
                  timestamp: new Date().toISOString(),
                  type: 'page.properties_updated',
                  entity: { id: `1f0c5e3a-9b2d-4c6e-8f7a-${r.hex(12)}`, type: 'page' },
                  data: { updated_properties: ['title'] },
                  authors: [{ id: 'u-1', type: 'person' }],
                  attempt_number: 1,
                  api_version: '2025-09-03',
                }),
                { 'content-type': 'application/json' },
              ),
            ),
        };
      }
      case 'POST /webhooks/{tenantId}/{connector}/{path+}': {
        // Signed as Shopify signs (base64 HMAC of the raw body); a mutated body signed again reaches the mapping.
        const sign: Signer = (q) => ({
          ...q,
          headers: { ...q.headers, 'x-shopify-hmac-sha256': shopifyHmac(SHOPIFY_APP_SECRET, q.body) },
        });
        return {
          route,
          valid: true,
          sign,
          base: (r) =>
            sign(
              req(
                json({ id: r.int(1, 1_000_000), email: `fuzz-${ctx.tag}-${r.hex(4)}@example.com`, first_name: 'Fuzz' }),
                {
                  'content-type': 'application/json',
                  'x-shopify-topic': 'customers/create',
                  'x-shopify-webhook-id': `fuzz-${r.hex(12)}`,
                },
                { connector: 'shopify', 'path+': 'webhooks' },
              ),
            ),
        };
      }
      case 'POST /slack/{tenantId}/events':
      case 'POST /slack/events': {
        const sign = slackSigner(
          route.path.includes('{tenantId}') ? SANDBOX_SLACK_SIGNING_SECRET : SANDBOX_SLACK_APP_SIGNING_SECRET,
        );
        return {
          route,
          valid: true,
          sign,
          base: (r) =>
            sign(
              req(json({ type: 'url_verification', token: 'x', challenge: r.hex(16) }), {
                'content-type': 'application/json',
              }),
            ),
        };
      }
      case 'POST /slack/{tenantId}/interactions':
      case 'POST /slack/interactions': {
        const tenantApp = route.path.includes('{tenantId}');
        const sign = slackSigner(tenantApp ? SANDBOX_SLACK_SIGNING_SECRET : SANDBOX_SLACK_APP_SIGNING_SECRET);
        return {
          route,
          // The distributed app's base names a team no tenant claimed: refused, but signed.
          valid: tenantApp,
          sign,
          base: (r) =>
            sign(
              req(
                Buffer.from(
                  `payload=${encodeURIComponent(
                    JSON.stringify({
                      type: 'block_actions',
                      team: { id: tenantApp ? 'T0SANDBOX' : 'T0NOBODY' },
                      user: { id: 'U0CLICKER' },
                      trigger_id: `trg-${r.hex(6)}`,
                      actions: [{ action_id: 'fuzz_unknown_action', value: 'x', action_ts: '1795380000.000001' }],
                      channel: { id: SANDBOX_SLACK_CHANNEL },
                    }),
                  )}`,
                ),
                { 'content-type': 'application/x-www-form-urlencoded' },
              ),
            ),
        };
      }
      case 'GET /oauth/notion/callback':
      case 'GET /oauth/slack/callback':
      case 'GET /oauth/{connector}/callback':
        // No install was started: a state nobody issued is refused.
        return {
          route,
          valid: false,
          sign: same,
          base: (r) => req(Buffer.alloc(0), {}, {}, `?code=${r.hex(8)}&state=${r.hex(16)}`),
        };
      case 'POST /tenants/{tenantId}/connections/{connector}/sync':
        // Harmless: a run already queued or running is not started twice.
        return { route, valid: false, sign: same, base: () => req(json({ job: 'nope' }), jsonHeaders) };
      case 'PUT /tenants/{tenantId}/brevo':
      case 'PUT /tenants/{tenantId}/connections/{connector}':
        // A body that fails validation: never reaches a provider or changes the connection.
        return { route, valid: false, sign: same, base: () => req(json({ unexpected: true }), jsonHeaders) };
      case 'DELETE /tenants/{tenantId}/brevo':
      case 'DELETE /tenants/{tenantId}/connections/{connector}':
        // Another tenant's id with this tenant's key: refused, nothing removed.
        return {
          route,
          valid: false,
          sign: same,
          base: () => req(Buffer.alloc(0), bearer, { tenantId: 'someone-else' }),
        };
      case 'PUT /tenants/{tenantId}/skills/{skill}':
        // A setting out of range: refused with its reason, the skill unchanged.
        return {
          route,
          valid: false,
          sign: same,
          base: () => req(json({ minutes: -1 }), jsonHeaders, { skill: 'abandoned-cart' }),
        };
      case 'PUT /tenants/{tenantId}/definitions/{name}':
        // A definition that fails validation: never stored.
        return {
          route,
          valid: false,
          sign: same,
          base: () => req(json({ unexpected: true }), jsonHeaders, { name: 'fuzzshop' }),
        };
      case 'GET /tenants/{tenantId}/definitions/{name}':
        // No definition registered under this name: 404 with what to do.
        return { route, valid: false, sign: same, base: () => req(Buffer.alloc(0), bearer, { name: 'fuzzshop' }) };
      case 'DELETE /tenants/{tenantId}/skills/{skill}':
      case 'DELETE /tenants/{tenantId}/definitions/{name}':
        // Another tenant's id with this tenant's key: refused, nothing changed.
        return {
          route,
          valid: false,
          sign: same,
          base: () =>
            req(Buffer.alloc(0), bearer, { tenantId: 'someone-else', skill: 'customer-sync', name: 'fuzzshop' }),
        };
      case 'POST /tenants/{tenantId}/connections/{connector}/test':
        return { route, valid: false, sign: same, base: () => req(json({}), jsonHeaders, { connector: 'nope' }) };
      case 'POST /tenants/{tenantId}/connections/{connector}/oauth':
        return { route, valid: false, sign: same, base: () => req(json({}), jsonHeaders, { connector: 'nope' }) };
      case 'POST /tenants/{tenantId}/connections/notion/imports':
        return { route, valid: false, sign: same, base: () => req(json({ page: 'not a page' }), jsonHeaders) };
      case 'POST /tenants/{tenantId}/connections/notion/documents/resync':
        return {
          route,
          valid: false,
          crossTenant: true,
          sign: same,
          base: () => req(json({}), bearer, { tenantId: 'someone-else' }),
        };
      case 'GET /tenants/{tenantId}/connections/notion/imports/{importId}':
        return { route, valid: false, sign: same, base: (r) => req(Buffer.alloc(0), bearer, { importId: r.hex(12) }) };
      case 'GET /tenants/{tenantId}/connections/notion/documents/{pageId}':
        return { route, valid: false, sign: same, base: (r) => req(Buffer.alloc(0), bearer, { pageId: r.hex(32) }) };
      case 'GET /tenants/{tenantId}/connections/{connector}/runs/{runId}':
        // No such run of this tenant: 404 with its reason.
        return { route, valid: false, sign: same, base: (r) => req(Buffer.alloc(0), bearer, { runId: r.hex(12) }) };
      case 'POST /tenants/{tenantId}/event-endpoints':
        // A URL the service will not deliver to (plain http to a public host): refused, nothing stored.
        return {
          route,
          valid: false,
          sign: same,
          base: (r) => req(json({ url: `http://hooks-${r.hex(4)}.example.com/x` }), jsonHeaders),
        };
      case 'DELETE /tenants/{tenantId}/event-endpoints/{endpointId}':
        // Another tenant's id with this tenant's key: refused, nothing removed.
        return {
          route,
          valid: false,
          sign: same,
          base: (r) => req(Buffer.alloc(0), bearer, { tenantId: 'someone-else', endpointId: `ep_${r.hex(12)}` }),
        };
      case 'POST /tenants/{tenantId}/connections/notion/query':
      case 'POST /tenants/{tenantId}/connections/notion/pages':
      case 'POST /tenants/{tenantId}/slack/notify':
        // A body that fails validation: never reaches Notion or Slack.
        return { route, valid: false, sign: same, base: () => req(json({ unexpected: true }), jsonHeaders) };
      default:
        if (route.method === 'GET') return { route, valid: true, sign: same, base: () => req(Buffer.alloc(0), bearer) };
        throw new Error(`the fuzz has no base request for ${key}: add one`);
    }
  };
  return topology.routes.map(make);
}

// ------------------------------------------------------------------------------------ mutations

const OVERSIZE = Buffer.alloc(BODY_LIMIT_BYTES + 1024, 'a');
const DEEP = Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
const DEEP_OBJECT = Buffer.from(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`);

function replacePathParam(door: Door, req: Req, value: string): Req {
  const names = [...door.route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  if (names.length === 0) return req;
  const params: Record<string, string> = {};
  for (const n of names) params[n] = n === 'tenantId' ? TENANT : n === 'connector' ? 'notion' : 'x';
  params[names[0] as string] = value;
  const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  return { ...req, url: pathOf(door.route, params) + query };
}

function dropRandomKey(r: Prng, body: Buffer): Buffer {
  try {
    const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const keys = Object.keys(v);
    if (keys.length > 0) delete v[r.pick(keys)];
    return json(v);
  } catch {
    return body;
  }
}

function byteMutation(r: Prng, body: Buffer): Buffer {
  const b = Buffer.from(body);
  const n = r.int(1, 4);
  let out = b;
  for (let i = 0; i < n; i++) {
    const at = r.int(0, Math.max(0, out.length - 1));
    switch (r.int(0, 2)) {
      case 0:
        if (out.length > 0) out[at] = r.int(0, 255);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), r.bytes(r.int(1, 8)), out.subarray(at)]);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + r.int(1, 8))]);
    }
  }
  return out;
}

type Kind =
  | 'valid'
  | 'replay'
  | 'truncated'
  | 'malformed'
  | 'contentType'
  | 'oversize'
  | 'deep'
  | 'utf8'
  | 'missingField'
  | 'longId'
  | 'badId'
  | 'noAuth'
  | 'wrongAuth'
  | 'mutated'
  | 'mutatedSigned'
  | 'proto';

const KINDS: Kind[] = [
  'valid',
  'replay',
  'truncated',
  'malformed',
  'contentType',
  'oversize',
  'deep',
  'utf8',
  'missingField',
  'longId',
  'badId',
  'noAuth',
  'wrongAuth',
  'mutated',
  'mutatedSigned',
  'mutatedSigned',
  'proto',
];

function mutate(r: Prng, door: Door, kind: Kind): Req[] {
  const base = door.base(r);
  const withBody = (body: Buffer, resign = true) => {
    const q = { ...base, body };
    return resign ? door.sign(q) : q;
  };
  switch (kind) {
    case 'valid':
      return [base];
    case 'replay':
      return [base, base];
    case 'truncated':
      return [withBody(base.body.subarray(0, r.int(0, Math.max(0, base.body.length - 1))))];
    case 'malformed':
      return [
        withBody(
          Buffer.from(r.pick(['{', '}', '{"a":', '[1,2', 'null', 'true', '"x"', '{"a":1}}', '\u0000', "{'a':1}"])),
        ),
      ];
    case 'contentType':
      return [
        door.sign({
          ...base,
          headers: {
            ...base.headers,
            'content-type': r.pick([
              'text/plain',
              'application/xml',
              'multipart/form-data; boundary=x',
              'application/octet-stream',
              '',
              'application/json; charset=latin1',
            ]),
          },
        }),
      ];
    case 'oversize':
      return [withBody(OVERSIZE)];
    case 'deep':
      return [withBody(r.next() < 0.5 ? DEEP : DEEP_OBJECT)];
    case 'utf8': {
      const at = r.int(0, base.body.length);
      return [
        withBody(
          Buffer.concat([
            base.body.subarray(0, at),
            Buffer.from([r.pick([0xff, 0xc3, 0xed, 0xf8]), 0x28]),
            base.body.subarray(at),
          ]),
        ),
      ];
    }
    case 'missingField':
      return [withBody(dropRandomKey(r, base.body))];
    case 'longId':
      return [replacePathParam(door, base, 'a'.repeat(r.pick([65, 300, 1_100, 5_000])))];
    case 'badId':
      return [replacePathParam(door, base, r.pick(['UPPER', '..', '%00', ' x', 'a b', '-', 'ü', '__proto__']))];
    case 'noAuth': {
      const headers = { ...base.headers };
      for (const h of ['authorization', 'x-slack-signature', 'x-slack-request-timestamp', 'x-notion-signature'])
        delete headers[h];
      return [{ ...base, headers }];
    }
    case 'wrongAuth':
      return [
        {
          ...base,
          headers: {
            ...base.headers,
            ...(base.headers.authorization
              ? { authorization: r.pick(['Bearer x', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'t'.repeat(5000)}`]) }
              : {}),
            ...(base.headers['x-slack-signature'] ? { 'x-slack-signature': `v0=${r.hex(64)}` } : {}),
            ...(base.headers['x-notion-signature'] ? { 'x-notion-signature': `sha256=${r.hex(64)}` } : {}),
          },
        },
      ];
    case 'mutated':
      return [withBody(byteMutation(r, base.body), false)];
    case 'mutatedSigned':
      return [withBody(byteMutation(r, base.body))];
    case 'proto':
      return [withBody(Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'))];
  }
}

// ------------------------------------------------------------------------------------ checks

async function send(stack: SandboxStack['stack'], req: Req): Promise<Answer> {
  const out = await gatewayRequest(stack.functions, req);
  return { status: out.status, headers: out.headers, text: out.body.toString('utf8') };
}

function problem(door: Door, kind: Kind, req: Req, a: Answer): string | undefined {
  const what = `${door.route.method} ${door.route.path} [${kind}] ${req.url.slice(0, 80)} → ${a.status} ${a.text.slice(0, 200)}`;
  if (a.status >= 500) return `5xx: ${what}`;
  if (a.status === 429) return `429 for input that never becomes processable: ${what}`;
  if (a.status >= 400 && door.route.auth === 'oauthState' && a.headers['content-type']?.startsWith('text/html')) {
    // The providers' redirects land in the admin's browser: a page that says what went wrong.
    if (!/<title>[^<\n]+<\/title>/.test(a.text)) return `OAuth callback refusal without a titled page: ${what}`;
  } else if (a.status >= 400) {
    if (a.text.includes('\n')) return `multi-line refusal: ${what}`;
    let body: unknown;
    try {
      body = JSON.parse(a.text);
    } catch {
      return `refusal is not JSON: ${what}`;
    }
    const reason = (body as { error?: unknown; message?: unknown }).error ?? (body as { message?: unknown }).message;
    if (typeof reason !== 'string' || reason.trim() === '') return `refusal without a reason: ${what}`;
  }
  if (door.crossTenant && req.url.includes('/someone-else/') && (a.status < 400 || a.status > 499))
    return `another tenant's resource answered: ${what}`;
  if ((kind === 'valid' || kind === 'replay') && door.valid && (a.status < 200 || a.status > 299))
    return `valid request not accepted: ${what}`;
  return undefined;
}

const BREVO_PATH = '/webhooks/brevo/{tenantId}';

/**
 * The Brevo events of a request the door answered as queued: every one must reach the Slack lane once.
 * Counted from what was sent and acknowledged, never from the base a case started from: a case that
 * only sends a truncated or unauthenticated copy of an event's base queued nothing, and expecting that
 * event made the fuzz fail whenever the seed left an event with no accepted copy (more routes, fewer
 * Brevo cases each). A mutated body that still parses to an event (a dropped `key`, a changed `ts`) is
 * counted too: under its own id if the mutation changed one, else as a replay of the valid event.
 * Only when every parsed event was queued (`queued` counts lane messages, one per single event here):
 * an answer that skipped some does not say which.
 */
function countQueuedBrevo(ctx: Ctx, door: Door, kind: Kind, req: Req, a: Answer): string | undefined {
  if (door.route.path !== BREVO_PATH || a.status < 200 || a.status > 299) return undefined;
  const events = parseBrevoWebhook(req.body.toString('utf8')).events;
  let queued: unknown;
  try {
    queued = (JSON.parse(a.text) as { queued?: unknown }).queued;
  } catch {
    return `Brevo acknowledgement is not JSON: ${req.url} [${kind}] → ${a.status} ${a.text.slice(0, 200)}`;
  }
  if (events.length > 0 && queued === events.length) for (const e of events) ctx.brevoEvents.add(e.id);
  else if (kind === 'valid' || kind === 'replay')
    return `valid Brevo event not queued: ${req.url} [${kind}] → ${a.status} ${a.text.slice(0, 200)}`;
  return undefined;
}

async function fuzz(
  ctx: Ctx,
  seed: number,
): Promise<{ problems: string[]; cases: number; byStatus: Record<number, number> }> {
  const r = prng(seed);
  const all = doors(ctx);
  const problems: string[] = [];
  const byStatus: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < CASES) {
      next++;
      const door = r.pick(all);
      const kind = r.pick(KINDS);
      for (const req of mutate(r, door, kind)) {
        let a: Answer;
        try {
          a = await send(ctx.stack, req);
        } catch (err) {
          problems.push(`thrown: ${door.route.method} ${door.route.path} [${kind}]: ${(err as Error).message}`);
          continue;
        }
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        for (const p of [problem(door, kind, req, a), countQueuedBrevo(ctx, door, kind, req, a)])
          if (p && problems.length < 50) problems.push(p);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { problems, cases: CASES, byStatus };
}

/** One real request per route through the server (status class only: the fuzz checks the rest). */
function overSocket(url: string, req: Req): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url, url);
    const r = httpRequest(
      u,
      { method: req.method, headers: { ...req.headers, 'content-length': String(req.body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export async function setUp(debug: boolean, tag: string): Promise<{ running: SandboxStack; ctx: Ctx }> {
  const running = await startSandboxStack({
    sandboxRows: 3,
    configYaml: `${debug ? 'debug: true\n' : ''}${sandboxConfigYaml()}`,
  });
  const { stack } = running;
  // The Notion webhook's handshake, then the admin reveals the token (it becomes the signing key).
  const token = `secret_fuzz${tag}${'0'.repeat(24)}`;
  const hs = await send(stack, {
    method: 'POST',
    url: `/webhooks/notion/${TENANT}`,
    headers: { 'content-type': 'application/json' },
    body: json({ verification_token: token }),
  });
  expect(hs.status).toBe(200);
  const reveal = await send(stack, {
    method: 'GET',
    url: `/tenants/${TENANT}/connections/notion/webhook`,
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: Buffer.alloc(0),
  });
  expect(reveal.status).toBe(200);
  // A Shopify connection (a definition-backed connector) whose deliveries the platform route takes.
  await connectShopifyOnStack(stack, SHOPIFY_APP_SECRET);
  // What the ingress queues stays in the Slack lane for expectQueuedOnce to count.
  await stack.runners.slackWorker?.stop();
  return { running, ctx: { stack, notionToken: token, brevoEvents: new Set(), tag } };
}

/**
 * Every valid Brevo event, sent many times (replays, duplicate deliveries, concurrent copies), is in
 * exactly one Slack lane message: the lane's worker was stopped before the fuzz, so the queue holds
 * what the ingress queued (FIFO deduplication included), read and deleted here.
 */
export async function expectQueuedOnce(ctx: Ctx): Promise<void> {
  const sqs = new SQSClient({ endpoint: ctx.stack.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const seen = new Map<string, number>();
  try {
    for (let empty = 0; empty < 2; ) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: ctx.stack.queueUrls.slackLane,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      for (const m of messages) {
        const body = JSON.parse(m.Body ?? '{}') as { event?: { id?: string }; events?: { id?: string }[] };
        for (const e of [body.event, ...(body.events ?? [])]) if (e?.id) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: ctx.stack.queueUrls.slackLane, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
  } finally {
    sqs.destroy();
  }
  const counts = Object.fromEntries([...ctx.brevoEvents].map((id) => [id, seen.get(id) ?? 0]));
  expect(Object.values(counts).filter((n) => n !== 1)).toEqual([]);
  expect(Object.keys(counts).length).toBeGreaterThan(0);
}

/**
 * The functions' log lines (thousands at debug) are dropped, not kept: this file checks answers; the
 * debug-mode e2e test checks what the lines say. Jest's own reporting is not written through these.
 */
export function quiet(): () => void {
  if (process.env.TAJO_FUZZ_VERBOSE) return () => undefined;
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation(() => true),
  );
  return () => {
    for (const s of spies) s.mockRestore();
  };
}

/**
 * The door fuzz on one local stack. One stack per test file: the stack requires its Lambda bundles,
 * and a second stack in the same jest module registry would reuse the first one's modules.
 */
export function describeDoors(debug: boolean): void {
  const tag = debug ? 'on' : 'off';
  describe(`every door with debug ${tag}`, () => {
    let running: SandboxStack;
    let ctx: Ctx;
    let restore: () => void;

    beforeAll(async () => {
      restore = quiet();
      ({ running, ctx } = await setUp(debug, tag));
    });
    afterAll(async () => {
      await running?.stop();
      restore();
    });

    test(`${CASES} seeded cases: a defined answer each, never 5xx/429, valid ones accepted`, async () => {
      const t0 = Date.now();
      const res = await fuzz(ctx, SEED + (debug ? 1 : 0));
      if (process.env.TAJO_FUZZ_TIMES)
        appendFileSync(
          process.env.TAJO_FUZZ_TIMES,
          `fuzz ${tag} ${Date.now() - t0} ms ${JSON.stringify(res.byStatus)}\n`,
        );
      expect(res.problems).toEqual([]);
      // The mix reached past the door: refusals and acceptances both.
      expect(Object.keys(res.byStatus).some((s) => Number(s) < 300)).toBe(true);
      // Valid Brevo cases were among them (else the lane check below would count nothing).
      expect(ctx.brevoEvents.size).toBeGreaterThan(0);
      expect(res.byStatus[413]).toBeGreaterThan(0);
      expect(res.byStatus[400]).toBeGreaterThan(0);
      const t1 = Date.now();
      await expectQueuedOnce(ctx);
      if (process.env.TAJO_FUZZ_TIMES)
        appendFileSync(process.env.TAJO_FUZZ_TIMES, `queued ${tag} ${Date.now() - t1} ms\n`);
    }, 120_000);

    test('over a real socket: each route answers, and a body over the limit gets 413 without being read whole', async () => {
      const r = prng(SEED);
      for (const door of doors(ctx)) {
        const status = await overSocket(ctx.stack.url, door.base(r));
        expect(status).toBeLessThan(500);
        if (door.valid) expect(status).toBeLessThan(300);
      }
      const brevo = doors(ctx).find((d) => d.route.path === '/webhooks/brevo/{tenantId}') as Door;
      expect(await overSocket(ctx.stack.url, { ...brevo.base(r), body: Buffer.alloc(6 * 1024 * 1024, 'a') })).toBe(413);
    });
  });
}
