/**
 * Notion-hosted files: signed, expiring download URLs (notion.md §6: `type:"file"` carries
 * `{url, expiry_time}`, a signed S3 URL valid for one hour; re-fetch the block to get a fresh one).
 *
 * The URLs point at a second loopback listener of the simulator rather than at its API port: real
 * file URLs live on S3, outside the API's auth, Notion-Version and rate limit, and downloads are
 * not API requests (they are not counted in the simulator's request log).
 * Expiry is judged with the simulator's clock, so a test can move it past the hour.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, type SimClock } from '../http-kit';
import type { FileRec } from './types';

export const FILE_URL_TTL_SECONDS = 3600;

/** `20261122T100000Z`, the X-Amz-Date form. */
function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}

function s3Error(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${fields}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId><HostId>simulated</HostId></Error>`;
}

export class FileHost {
  readonly files = new Map<string, FileRec>();
  /** Downloads served (any status), for assertions. */
  downloads = 0;
  baseUrl = '';
  private server: Server | undefined;
  private readonly secret = randomBytes(32);

  constructor(
    private readonly clock: SimClock,
    private readonly workspaceId: string,
  ) {}

  add(file: FileRec): void {
    this.files.set(file.key, file);
  }

  /** A fresh signed URL for a hosted file, valid FILE_URL_TTL_SECONDS from now (simulator clock). */
  sign(key: string): { url: string; expiry_time: string } {
    const file = this.files.get(key);
    const name = file?.name ?? 'file';
    // Whole seconds, like X-Amz-Date: the expiry_time shown and the one enforced are the same instant.
    const at = Math.floor(this.clock.now() / 1000) * 1000;
    const path = `/${this.workspaceId}/${key}/${encodeURIComponent(name)}`;
    const date = amzDate(at);
    const params = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Amz-Credential': `ASIASIMULATOR/${date.slice(0, 8)}/us-west-2/s3/aws4_request`,
      'X-Amz-Date': date,
      'X-Amz-Expires': String(FILE_URL_TTL_SECONDS),
      'X-Amz-Signature': this.signature(path, date, String(FILE_URL_TTL_SECONDS)),
      'X-Amz-SignedHeaders': 'host',
      'x-id': 'GetObject',
    });
    return {
      url: `${this.baseUrl}${path}?${params.toString()}`,
      expiry_time: new Date(at + FILE_URL_TTL_SECONDS * 1000).toISOString(),
    };
  }

  private signature(path: string, date: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${date}\n${expires}`).digest('hex');
  }

  /** What a GET of a file URL answers (used by the listener; exposed for unit checks). */
  serve(rawUrl: string): { status: number; contentType: string; body: Buffer } {
    const xml = (status: number, body: string) => ({
      status,
      contentType: 'application/xml',
      body: Buffer.from(body, 'utf8'),
    });
    const url = new URL(rawUrl, 'http://files');
    const q = url.searchParams;
    const date = q.get('X-Amz-Date') ?? '';
    const expires = q.get('X-Amz-Expires') ?? '';
    const given = Buffer.from(q.get('X-Amz-Signature') ?? '', 'utf8');
    const wanted = Buffer.from(this.signature(url.pathname, date, expires), 'utf8');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return xml(
        403,
        s3Error(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        ),
      );
    }
    const expiresAt = parseAmzDate(date) + Number(expires) * 1000;
    const now = this.clock.now();
    if (!(now < expiresAt)) {
      return xml(
        403,
        s3Error('AccessDenied', 'Request has expired', {
          'X-Amz-Expires': expires,
          Expires: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
      );
    }
    const key = url.pathname.split('/')[2] ?? '';
    const file = this.files.get(key);
    if (!file) return xml(404, s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key }));
    return { status: 200, contentType: file.contentType, body: file.bytes };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.downloads++;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.statusCode = 405;
        res.end();
        return;
      }
      const out = this.serve(req.url ?? '/');
      res.statusCode = out.status;
      res.setHeader('content-type', out.contentType);
      res.setHeader('content-length', String(out.body.length));
      res.end(req.method === 'HEAD' ? undefined : out.body);
    });
    // Loopback only, like every simulator listener.
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }
}
