/**
 * The plumbing between a delivery and events.handle(): Node's http request (raw body, headers),
 * an API Gateway / Function URL event (base64 bodies, any header case), and the answer each wants.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** A delivery's outcome: 200 after the handlers ran, 400 for a bad signature, 500 when a handler threw. */
export interface DeliveryAnswer {
  status: number;
  body: { received: true; duplicate?: boolean } | { error: string };
}

/** API Gateway (REST or HTTP API) and Lambda Function URL events: only what a delivery needs. */
export interface LambdaHttpEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
}

export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function headerOf(headers: HeaderBag | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v.join(',') : v;
  }
  return undefined;
}

/**
 * The request's raw bytes: what a body parser already kept raw (express.raw()), else the stream.
 * A parsed JSON body cannot be verified (its bytes are gone): mount the middleware before any parser.
 */
export async function rawBodyOf(req: IncomingMessage & { body?: unknown }): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body !== undefined && req.body !== null) {
    throw new Error(
      'the request body was parsed already: mount events.middleware() before any JSON body parser (the signature is over the raw bytes)',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export function lambdaBodyOf(event: LambdaHttpEvent): Buffer {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function sendAnswer(res: ServerResponse, answer: DeliveryAnswer): void {
  res.statusCode = answer.status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(answer.body));
}

export function lambdaResult(answer: DeliveryAnswer): LambdaHttpResult {
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
}

/** Remembers the last `capacity` ids that were handled (a retried delivery runs its handlers once per process). */
export class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}
