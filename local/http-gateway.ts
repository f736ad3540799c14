/**
 * Plays API Gateway (HTTP API, payload 2.0) on 127.0.0.1: matches the topology's routes, builds
 * the event (form and other non-text bodies base64-encoded, as API Gateway does), invokes the
 * route's function and writes its result. Unknown routes get API Gateway's own 404.
 */

import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FunctionName, topology } from '../shared/app/topology';
import { TajoError } from '../shared/core/errors';
import { BODY_LIMIT_BYTES, checkDeclaredLength } from '../shared/core/http/request-guard';
import { redactText } from '../shared/core/logging/redact';
import { type LambdaHandler, lambdaContext } from './functions';
import { describeRequest } from './request-log';

/**
 * The routes as patterns: `{name}` one segment, `{name+}` (greedy, API Gateway's proxy syntax) the
 * rest of the path. As API Gateway prefers the most specific route, greedy ones are tried last.
 */
const compiled = topology.routes
  .map((r) => {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${r.path.replace(/\{([^}]+?)(\+?)\}/g, (_m, n: string, greedy: string) => {
        names.push(n);
        return greedy ? '(.+)' : '([^/]+)';
      })}$`,
    );
    return { route: r, pattern, names, greedy: /\+\}/.test(r.path) };
  })
  .sort((a, b) => Number(a.greedy) - Number(b.greedy));

export function matchRoute(method: string, path: string) {
  for (const c of compiled) {
    if (c.route.method !== method) continue;
    const m = c.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route: c.route, params };
  }
  return undefined;
}

const TEXT_TYPES = /^(application\/json|text\/|application\/(.+\+)?json)/i;

/**
 * Fails fast, before the stack starts anything, when the port is taken (the gateway binds it only
 * once everything else is up). Port 0 (any free port) is always free.
 */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    probe.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE')
    return new TajoError(`port ${port} is in use (another npm start?): stop it or set PORT=${port + 1}`, 'port_in_use');
  if (err.code === 'EACCES')
    return new TajoError(`port ${port} cannot be opened by this user: set PORT to a number above 1024`, 'port_denied');
  return err;
}

/** One HTTP request as the gateway received it (the body already read, within the limit). */
export interface GatewayRequest {
  method: string;
  /** Path and query, as in the request line. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const json = (status: number, value: unknown): GatewayResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(value)),
});

/**
 * One request through the gateway without a socket: route match, the payload 2.0 event, the
 * route's function, its result. The server below and the door fuzz (test/fuzz/doors.test.ts) both
 * go through here, so what the fuzz asserts is what `npm start` answers.
 */
export async function gatewayRequest(
  functions: Record<FunctionName, LambdaHandler>,
  req: GatewayRequest,
  /** One line per handled webhook or sync request (npm start's terminal). */
  log?: (line: string) => void,
): Promise<GatewayResponse> {
  const raw = req.body;
  let url: URL;
  try {
    url = new URL(req.url || '/', 'http://local');
  } catch {
    return json(400, { message: 'Bad Request' });
  }
  const method = req.method.toUpperCase();
  let match: ReturnType<typeof matchRoute>;
  try {
    match = matchRoute(method, url.pathname);
  } catch {
    return json(400, { message: 'Bad Request' });
  }
  if (!match) return json(404, { message: 'Not Found' });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  // As API Gateway does: the handlers learn the scheme their own URLs are reached by.
  headers['x-forwarded-proto'] = 'http';
  // Text bodies go as text, except bytes that are not UTF-8: they go base64 so that the handler
  // sees them as sent (and refuses them) instead of a string with replacement characters.
  const binary = raw.length > 0 && (!TEXT_TYPES.test(headers['content-type'] ?? '') || !isUtf8(raw));
  const routeKey = `${match.route.method} ${match.route.path}`;
  let queryStringParameters: Record<string, string> | undefined;
  try {
    queryStringParameters = url.search ? Object.fromEntries(url.searchParams) : undefined;
  } catch {
    return json(400, { message: 'Bad Request' });
  }
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters,
    pathParameters: match.params,
    body: raw.length === 0 ? undefined : binary ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
  try {
    const fn = functions[match.route.function];
    const spec = topology.functions[match.route.function];
    const result = (await fn(
      event,
      lambdaContext(match.route.function, spec.timeoutSeconds),
    )) as APIGatewayProxyStructuredResultV2;
    const body = result.body && result.isBase64Encoded ? Buffer.from(result.body, 'base64') : (result.body ?? '');
    const line =
      log &&
      describeRequest(
        method,
        match.route.path,
        match.params,
        result.statusCode ?? 200,
        result.isBase64Encoded ? '' : (result.body ?? ''),
      );
    if (line) log?.(redactText(line));
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    };
  } catch (err) {
    process.stderr.write(`local gateway: ${redactText(String((err as Error).stack))}\n`);
    return json(500, { message: 'Internal Server Error' });
  }
}

/**
 * The body, read until it is over the limit: then undefined (the caller answers 413) and nothing
 * more is kept. A declared Content-Length over the limit is refused before reading anything.
 */
function readLimited(req: IncomingMessage): Promise<Buffer | undefined> {
  if (checkDeclaredLength(req.headers['content-length'])) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT_BYTES) {
        chunks.push(c);
        return;
      }
      // Over the limit: keep nothing more (the stream is left open so the 413 can be written).
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

/** After a 413, what the client still sends is read and dropped, up to API Gateway's 10 MB; then the connection goes. */
const DRAIN_LIMIT_BYTES = 10 * 1024 * 1024;

function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  const declared = req.headers['content-length'];
  const refusal = checkDeclaredLength(declared) ?? {
    status: 413,
    error: `the body is over the limit of ${BODY_LIMIT_BYTES} bytes (1 MiB)`,
  };
  res
    .writeHead(413, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify({ error: refusal.error, code: 'payload_too_large' }));
  let drained = 0;
  req.on('data', (c: Buffer) => {
    drained += c.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.resume();
}

export async function startHttpGateway(
  functions: Record<FunctionName, LambdaHandler>,
  port: number,
  /** One line per handled webhook or sync request (npm start's terminal). */
  log?: (line: string) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    let raw: Buffer | undefined;
    try {
      raw = await readLimited(req);
    } catch {
      // The client went away mid-body: nobody to answer.
      res.destroy();
      return;
    }
    if (raw === undefined) {
      refuseTooLarge(req, res);
      return;
    }
    const out = await gatewayRequest(
      functions,
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: raw },
      log,
    );
    res.writeHead(out.status, out.headers).end(out.body);
  });
  // Loopback only.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
