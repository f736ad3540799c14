/**
 * A stand-in of the management API that enforces the lead's contract (issue 15) for the routes
 * this branch does not serve yet (GET /me, runs, Notion query/pages, Slack notify, event
 * endpoints): bearer key required, bodies parsed strictly with the contract's fields, answers in
 * the contract's shapes. On 127.0.0.1; every request is logged for the tests to count.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { UNKNOWN_KEY_REASON, UNKNOWN_KEY_REASON_ME } from '../../shared/app/api';
import { formatPath } from '../../shared/core/config/path';

export const KEY = 'tajo_contract_key';
export const TENANT = 'acme';

const syncBody = z.strictObject({
  type: z.enum(['full', 'incremental']).optional(),
  resources: z.array(z.string()).optional(),
  databaseId: z.string().optional(),
  targetList: z.number().int().positive().optional(),
  full: z.boolean().optional(),
  restart: z.boolean().optional(),
  job: z.literal('users').optional(),
});
const queryBody = z.strictObject({
  databaseId: z.string().min(1),
  filter: z.record(z.string(), z.unknown()).optional(),
  sorts: z.array(z.record(z.string(), z.unknown())).optional(),
  startCursor: z.string().optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
});
const pageBody = z.strictObject({ databaseId: z.string().min(1), properties: z.record(z.string(), z.unknown()) });
const block = z.looseObject({ type: z.string() });
const notifyBody = z.strictObject({
  channel: z.string().min(1),
  event: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
  template: z.strictObject({ blocks: z.array(block), text: z.string().optional() }).optional(),
  text: z.string().optional(),
  thread: z.string().optional(),
});
const endpointBody = z.strictObject({ url: z.url(), types: z.array(z.string()).optional() });
const brevoBody = z.strictObject({ apiKey: z.string().min(1), keyName: z.string().optional() });

export interface Logged {
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
  idempotencyKey?: string;
}

export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ContractServer {
  url: string;
  log: Logged[];
  /** Answers given, in order, before the routes are consulted (429s, 503s...). */
  script: Scripted[];
  /** Run id → the statuses its polls answer in turn (the last one repeats); `queued`: no record yet (404). */
  runs: Map<string, ('queued' | 'running' | 'succeeded' | 'failed')[]>;
  brevoConnected: boolean;
  /** Rows the Notion query pages through. */
  rows: number;
  endpoints: Map<string, { id: string; url: string; types: string[]; createdAt: string; secret: string }>;
  calls(method: string, pathPrefix: string): Logged[];
  close(): Promise<void>;
}

export async function startContractServer(): Promise<ContractServer> {
  const state: Omit<ContractServer, 'url' | 'close' | 'calls'> = {
    log: [],
    script: [],
    runs: new Map(),
    brevoConnected: false,
    rows: 5,
    endpoints: new Map(),
  };
  let runSeq = 0;
  const polls = new Map<string, number>();
  const route = (req: IncomingMessage, path: string, body: unknown): Scripted => {
    const auth = req.headers.authorization;
    if (!auth) return { status: 401, body: { error: 'missing API key (Authorization: Bearer <key>)' } };
    if (auth !== `Bearer ${KEY}`) {
      return {
        status: 404,
        body: { error: path === '/me' ? UNKNOWN_KEY_REASON_ME : UNKNOWN_KEY_REASON, code: 'not_found' },
      };
    }
    const m = req.method;
    if (m === 'GET' && path === '/me') return { status: 200, body: { tenantId: TENANT } };
    const t = `/tenants/${TENANT}`;
    if (!path.startsWith(`${t}/`)) return { status: 404, body: { error: UNKNOWN_KEY_REASON, code: 'not_found' } };
    const rest = path.slice(t.length);
    if (m === 'PUT' && rest === '/brevo') {
      return parsed(brevoBody, body, () => {
        state.brevoConnected = true;
        return { status: 200, body: { tenantId: TENANT, connector: 'brevo', connected: true, account: {} } };
      });
    }
    if (m === 'GET' && rest === '/connections') {
      return {
        status: 200,
        body: {
          tenantId: TENANT,
          brevo: { tenantId: TENANT, connector: 'brevo', connected: state.brevoConnected, account: {} },
          connections: [],
        },
      };
    }
    if (m === 'POST' && rest === '/slack/notify') {
      return parsed(notifyBody, body, (b) => ({
        status: 202,
        body: { queued: true, notificationId: 'ntf_1', channel: b.channel === 'sales' ? 'C01234568' : b.channel },
      }));
    }
    if (rest === '/event-endpoints' && m === 'POST') {
      return parsed(endpointBody, body, (b) => {
        const id = `ep_${state.endpoints.size + 1}`;
        const e = {
          id,
          url: b.url,
          types: b.types ?? ['*'],
          createdAt: new Date().toISOString(),
          secret: `whsec_${id}_secret`,
        };
        state.endpoints.set(id, e);
        return { status: 201, body: e };
      });
    }
    if (rest === '/event-endpoints' && m === 'GET') {
      return { status: 200, body: { endpoints: [...state.endpoints.values()].map(({ secret: _s, ...e }) => e) } };
    }
    const ep = /^\/event-endpoints\/([^/]+)$/.exec(rest);
    if (ep && m === 'DELETE') {
      return state.endpoints.delete(ep[1] as string)
        ? { status: 200, body: { deleted: true } }
        : { status: 404, body: { error: `no event endpoint ${ep[1]}`, code: 'not_found' } };
    }
    const c = /^\/connections\/([^/]+)(\/.*)?$/.exec(rest);
    if (!c) return { status: 404, body: { error: 'no such route' } };
    const [connector, sub = ''] = [c[1] as string, c[2]];
    if (!['notion', 'slack', 'shopify'].includes(connector)) {
      return {
        status: 404,
        body: { error: `unknown connector ${connector} (notion, slack, shopify)`, code: 'not_found' },
      };
    }
    if (m === 'PUT' && sub === '') return { status: 200, body: { connector, connected: true } };
    if (m === 'DELETE' && sub === '') return { status: 200, body: { connector, disconnected: true } };
    if (m === 'POST' && sub === '/test') return { status: 200, body: { connector, ok: true, checks: [] } };
    if (m === 'POST' && sub === '/sync') {
      return parsed(syncBody, body, (b) => {
        const runId = `run_${++runSeq}`;
        if (!state.runs.has(runId)) state.runs.set(runId, ['running', 'succeeded']);
        return { status: 202, body: { queued: true, mode: b.type ?? (b.full ? 'full' : 'incremental'), runId } };
      });
    }
    const run = /^\/runs\/([^/]+)$/.exec(sub);
    if (m === 'GET' && run) {
      const id = run[1] as string;
      const statuses = state.runs.get(id);
      if (!statuses) return { status: 404, body: { error: `no run ${id}`, code: 'not_found' } };
      const n = polls.get(id) ?? 0;
      polls.set(id, n + 1);
      const status = statuses[Math.min(n, statuses.length - 1)];
      if (status === 'queued') return { status: 404, body: { error: `no run ${id} of Notion`, code: 'not_found' } };
      return {
        status: 200,
        body: {
          runId: id,
          connector,
          mode: 'full',
          status,
          startedAt: '2026-12-05T00:00:00.000Z',
          ...(status === 'running' ? {} : { finishedAt: '2026-12-05T00:00:02.000Z' }),
          trigger: 'api',
          summary: { pagesRead: 3, upserted: 3 },
          ...(status === 'failed' ? { error: 'Notion refused the token (401): regenerate it' } : {}),
        },
      };
    }
    if (m === 'GET' && sub === '/status') {
      return {
        status: 200,
        body: {
          connector,
          connected: true,
          lastSync: '2026-12-05T00:00:02.000Z',
          databasesSynced: 2,
          pagesTracked: 1450,
          usersCount: 32,
        },
      };
    }
    if (m === 'POST' && sub === '/query' && connector === 'notion') {
      return parsed(queryBody, body, (b) => {
        const size = b.pageSize ?? 100;
        const from = b.startCursor ? Number(b.startCursor) : 0;
        const to = Math.min(state.rows, from + size);
        const results = Array.from({ length: to - from }, (_, i) => ({ id: `page_${from + i}`, properties: {} }));
        const more = to < state.rows;
        return { status: 200, body: { results, nextCursor: more ? String(to) : null, hasMore: more } };
      });
    }
    if (m === 'POST' && sub === '/pages' && connector === 'notion') {
      return parsed(pageBody, body, (b) =>
        b.databaseId === 'readonly-db'
          ? {
              status: 409,
              body: { error: 'the Notion connection is read-only (connectors.notion.read_only)', code: 'read_only' },
            }
          : { status: 201, body: { id: 'page_new', url: 'https://www.notion.so/page_new' } },
      );
    }
    return { status: 404, body: { error: 'no such route' } };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = Symbol('invalid');
      }
      const path = (req.url ?? '').split('?')[0] as string;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      state.log.push({
        method: req.method as string,
        path,
        body,
        authorization: req.headers.authorization,
        idempotencyKey,
      });
      const answer = state.script.shift() ?? route(req, path, body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    calls: (method: string, prefix: string) =>
      state.log.filter((l) => l.method === method && l.path.startsWith(prefix)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, then: (b: T) => Scripted): Scripted {
  const r = schema.safeParse(body);
  if (r.success) return then(r.data);
  // As the API refuses a body: each field by its path, written as the API writes paths.
  const issues = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const first = issues[0] as { path: string; message: string };
  return { status: 400, body: { error: `${first.path || 'body'}: ${first.message}`, code: 'invalid_request', issues } };
}
