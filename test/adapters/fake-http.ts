/**
 * The loopback HTTP server the AWS fakes share: binds 127.0.0.1 on a free port, reads each request
 * body whole and hands method, path, query, headers and raw body to the fake's handler.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RawHandler = (req: RawRequest) => RawResponse;

export class LoopbackServer {
  private server: Server | undefined;

  constructor(private readonly handler: RawHandler) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let out: RawResponse;
        try {
          out = this.handler({
            method: req.method ?? 'GET',
            rawPath: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            rawBody: Buffer.concat(chunks).toString('utf8'),
          });
        } catch (err) {
          out = { status: 500, headers: { 'content-type': 'text/plain' }, body: String(err) };
        }
        res.writeHead(out.status, { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) });
        res.end(out.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The SigV4 credential scope the SDK signed with, e.g. `us-east-1/secretsmanager`; undefined when unsigned. */
export function signedScope(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const m =
    typeof auth === 'string'
      ? /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request,/.exec(auth)
      : null;
  return m ? `${m[1]}/${m[2]}` : undefined;
}
