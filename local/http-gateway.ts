/**
 * Plays API Gateway (HTTP API, payload 2.0) on 127.0.0.1: matches the topology's routes, builds
 * the event (form and other non-text bodies base64-encoded, as API Gateway does), invokes the
 * route's function and writes its result. Unknown routes get API Gateway's own 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { TajoError } from '../shared/errors';
import { redactText } from '../shared/logging/redact';
import { type FunctionName, topology } from '../shared/topology';
import { type LambdaHandler, lambdaContext } from './functions';
import { describeRequest } from './request-log';

const compiled = topology.routes.map((r) => {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${r.path.replace(/\{([^}]+)\}/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
  );
  return { route: r, pattern, names };
});

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

export async function startHttpGateway(
  functions: Record<FunctionName, LambdaHandler>,
  port: number,
  /** One line per handled webhook or sync request (npm start's terminal). */
  log?: (line: string) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    let match: ReturnType<typeof matchRoute>;
    try {
      match = matchRoute(method, url.pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"Bad Request"}');
      return;
    }
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    // As API Gateway does: the handlers learn the scheme their own URLs are reached by.
    headers['x-forwarded-proto'] = 'http';
    const binary = raw.length > 0 && !TEXT_TYPES.test(headers['content-type'] ?? '');
    const routeKey = `${match.route.method} ${match.route.path}`;
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
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
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(body);
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
    } catch (err) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'Internal Server Error' }));
      process.stderr.write(`local gateway: ${redactText(String((err as Error).stack))}\n`);
    }
  });
  // Loopback only.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
