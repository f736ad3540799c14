/**
 * tajo.events: register handlers (`on`), have the service deliver the tenant's events to an HTTPS
 * endpoint (`subscribe`), and receive them: `verify` a delivery by hand, or let `middleware()`
 * (Node's http), `lambdaHandler()` (API Gateway, Function URL) or `listen()` (a local server that
 * subscribes itself) verify and dispatch. A delivery retried by the service runs the handlers once
 * per process (deduped by its tajo-event-id); a handler that throws answers 500, so it is retried.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientContext } from './context';
import { TajoSignatureError } from './errors';
import { seg } from './http';
import {
  type DeliveryAnswer,
  type HeaderBag,
  headerOf,
  type LambdaHttpEvent,
  type LambdaHttpResult,
  lambdaBodyOf,
  lambdaResult,
  rawBodyOf,
  SeenIds,
  sendAnswer,
} from './receiver';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type {
  CreatedEventEndpoint,
  EventEndpoint,
  EventEndpointDeleted,
  EventEndpointList,
  EventEndpointRequest,
  TajoEventBase,
  TajoEventFields,
} from './types';

/** The event a handler of `T` receives: the documented fields of known types, any field otherwise. */
export type TajoEvent<T extends string = string> = TajoEventBase & { type: T } & (T extends keyof TajoEventFields
    ? TajoEventFields[T]
    : Record<string, unknown>);

export type EventHandler<T extends string = string> = (event: TajoEvent<T>) => unknown;

export interface ListenOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default /tajo/events. */
  path?: string;
  /** The URL the service delivers to when it is not this server's own (a tunnel, a proxy). */
  publicUrl?: string;
  /** The types to subscribe to; default those registered with on() ('*' when none or '*'). */
  types?: string[];
}

export interface Listener {
  url: string;
  port: number;
  endpoint: EventEndpoint;
  /** Unsubscribes the endpoint, then stops the server. */
  close(): Promise<void>;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => Promise<void>;

export class Events {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly secrets: string[] = [];
  private readonly seen = new SeenIds();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ClientContext,
    webhookSecret: string | undefined,
  ) {
    if (webhookSecret) this.secrets.push(webhookSecret);
  }

  on<T extends string>(type: T | '*', handler: EventHandler<T>): this {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as EventHandler);
    this.handlers.set(type, set);
    return this;
  }

  /** Removes `handler` from `type`, or every handler of `type` without one. */
  off<T extends string>(type: T | '*', handler?: EventHandler<T>): this {
    if (handler) this.handlers.get(type)?.delete(handler as EventHandler);
    else this.handlers.delete(type);
    return this;
  }

  /** Registers an endpoint; its signing secret is in the answer this once, and kept by this client to verify. */
  async subscribe(request: EventEndpointRequest): Promise<CreatedEventEndpoint> {
    const created = await this.ctx.request<CreatedEventEndpoint>('POST', await this.endpointsPath(), {
      body: request,
      idempotent: false,
    });
    this.secrets.push(created.secret);
    return created;
  }

  async unsubscribe(endpointId: string): Promise<EventEndpointDeleted> {
    return this.ctx.request('DELETE', `${await this.endpointsPath()}/${seg(endpointId)}`);
  }

  async list(): Promise<EventEndpoint[]> {
    return (await this.ctx.request<EventEndpointList>('GET', await this.endpointsPath())).endpoints;
  }

  /**
   * The event of a delivery whose signature checks out (raw bytes, as received; headers of any
   * kind). Throws TajoSignatureError otherwise. `secret` defaults to the client's.
   */
  verify(rawBody: string | Uint8Array, headers: HeaderBag, secret?: string): TajoEvent {
    verifySignature(rawBody, headerOf(headers, SIGNATURE_HEADER), secret ? [secret] : this.secrets);
    const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw new TajoSignatureError('the delivery is signed but its body is not JSON: report it to Tajo');
    }
    const e = event as Partial<TajoEventBase> | null;
    if (typeof e?.id !== 'string' || typeof e.type !== 'string') {
      throw new TajoSignatureError('the delivery is signed but has no id or type: report it to Tajo');
    }
    return event as TajoEvent;
  }

  /**
   * Runs the handlers of the event's type, then the '*' ones, in order. An id already handled by
   * this process is skipped (`duplicate: true`); while one runs, a second delivery of it waits for it.
   */
  async dispatch(event: TajoEvent): Promise<{ duplicate: boolean }> {
    if (this.seen.has(event.id)) return { duplicate: true };
    const running = this.inFlight.get(event.id);
    if (running) return running.then(() => ({ duplicate: true }));
    const run = this.runHandlers(event);
    this.inFlight.set(event.id, run);
    try {
      await run;
      this.seen.add(event.id);
      return { duplicate: false };
    } finally {
      this.inFlight.delete(event.id);
    }
  }

  /** verify + dispatch, as the status code and body a delivery is answered with. */
  async handle(rawBody: string | Uint8Array, headers: HeaderBag): Promise<DeliveryAnswer> {
    let event: TajoEvent;
    try {
      event = this.verify(rawBody, headers);
    } catch (err) {
      if (err instanceof TajoSignatureError) return { status: 400, body: { error: err.message } };
      throw err;
    }
    try {
      const { duplicate } = await this.dispatch(event);
      return { status: 200, body: duplicate ? { received: true, duplicate } : { received: true } };
    } catch (err) {
      // The service retries a 5xx: the handler runs again with the same event.
      return { status: 500, body: { error: `a handler of ${event.type} failed: ${oneLine(err)}` } };
    }
  }

  /** `(req, res) => …` for Node's http (and Express/Connect: mount it before any JSON parser). */
  middleware(): NodeHandler {
    return async (req, res) => {
      let raw: Buffer;
      try {
        raw = await rawBodyOf(req);
      } catch (err) {
        return sendAnswer(res, { status: 400, body: { error: oneLine(err) } });
      }
      sendAnswer(res, await this.handle(raw, req.headers));
    };
  }

  /** A Lambda handler for API Gateway (REST or HTTP API) and Function URL events. */
  lambdaHandler(): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
    return async (event) => lambdaResult(await this.handle(lambdaBodyOf(event), event.headers ?? {}));
  }

  /** A local server for the registered handlers, subscribed at its own URL (or publicUrl) until close(). */
  async listen(options: ListenOptions = {}): Promise<Listener> {
    const host = options.host ?? '127.0.0.1';
    const path = options.path ?? '/tajo/events';
    const handler = this.middleware();
    const server = createServer((req, res) => {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
        return sendAnswer(res, { status: 404, body: { error: `deliveries go to POST ${path}` } });
      }
      handler(req, res).catch((err) => sendAnswer(res, { status: 500, body: { error: oneLine(err) } }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const port = (server.address() as AddressInfo).port;
    const url = options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    let endpoint: CreatedEventEndpoint;
    try {
      endpoint = await this.subscribe({ url, types: options.types ?? this.subscribedTypes() });
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      url,
      port,
      endpoint: { id: endpoint.id, url: endpoint.url, types: endpoint.types, createdAt: endpoint.createdAt },
      close: async () => {
        try {
          await this.unsubscribe(endpoint.id);
        } finally {
          server.closeAllConnections();
          await stop();
        }
      },
    };
  }

  private subscribedTypes(): string[] {
    const types = [...this.handlers.keys()].filter((t) => (this.handlers.get(t)?.size ?? 0) > 0);
    return types.length === 0 || types.includes('*') ? ['*'] : types;
  }

  private async runHandlers(event: TajoEvent): Promise<void> {
    for (const type of [event.type, '*']) {
      for (const handler of [...(this.handlers.get(type) ?? [])]) await handler(event);
    }
  }

  private async endpointsPath(): Promise<string> {
    return `/tenants/${seg(await this.ctx.tenantId())}/event-endpoints`;
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? '';
}
