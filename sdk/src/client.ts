/**
 * new TajoClient({ apiKey, brevoApiKey, baseUrl }): the management API of a Tajo deployment (or of
 * `npm start`). What is not given comes from the environment as the CLI reads it: TAJO_API_KEY,
 * TAJO_API_URL, TAJO_TENANT (else GET /me tells the key's tenant, once), TAJO_WEBHOOK_SECRET.
 * A missing key or URL is a TajoError at the first call, naming the variable to set (a receiver
 * that only verifies deliveries needs neither).
 */
import { Connectors } from './connectors';
import type { ClientContext } from './context';
import { TajoAuthError, TajoError } from './errors';
import { Events } from './events';
import { type FetchLike, type RequestOptions, seg, Transport } from './http';
import { Slack } from './slack';
import type { BrevoConnection, ConnectionList, MeAnswer } from './types';

export interface TajoClientOptions {
  /** The tenant's management API key (tajo_...); default TAJO_API_KEY. */
  apiKey?: string;
  /** A Brevo API key (xkeysib-...) stored with the tenant before the first connect or sync, unless it has one. */
  brevoApiKey?: string;
  /** The API's URL; default TAJO_API_URL (what `npm start` prints, or the deployed stack's). */
  baseUrl?: string;
  /** Default TAJO_TENANT, else asked once (GET /me). */
  tenantId?: string;
  /** Verifies deliveries; default TAJO_WEBHOOK_SECRET, plus the secret subscribe() returns. */
  webhookSecret?: string;
  /** Default globalThis.fetch. */
  fetch?: FetchLike;
  /** Retries of a failed request (429, 502, 503, 504, network); default 2. */
  maxRetries?: number;
  /** Per attempt; default 30 000 ms. */
  timeoutMs?: number;
}

const env = (name: string): string | undefined => {
  const v = globalThis.process?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
};

export class TajoClient {
  readonly connectors: Connectors;
  readonly slack: Slack;
  readonly events: Events;
  /** The tenant's Brevo key: connect(key) stores (or replaces) it now. */
  readonly brevo: { connect(apiKey?: string, options?: { keyName?: string }): Promise<BrevoConnection> };

  private readonly transport: Transport;
  private tenant?: Promise<string>;
  private brevoDone?: Promise<void>;

  constructor(private readonly options: TajoClientOptions = {}) {
    // An empty value is no value (an unset variable exported as ''), as the CLI reads them.
    const apiKey = options.apiKey || env('TAJO_API_KEY') || undefined;
    const baseUrl = options.baseUrl || env('TAJO_API_URL') || undefined;
    this.transport = new Transport({
      apiKey: () =>
        apiKey ?? missing('no API key: pass apiKey to TajoClient or set TAJO_API_KEY (tajo_...)', 'missing_api_key'),
      baseUrl: () =>
        baseUrl ??
        missing(
          'no API URL: pass baseUrl to TajoClient or set TAJO_API_URL (the URL npm start prints, or your stack)',
          'missing_base_url',
        ),
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      maxRetries: options.maxRetries ?? 2,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    const ctx: ClientContext = {
      request: (method, path, o?: RequestOptions) => this.transport.request(method, path, o),
      tenantId: () => this.tenantId(),
      ensureBrevo: () => this.ensureBrevo(),
    };
    this.connectors = new Connectors(ctx);
    this.slack = new Slack(ctx);
    this.events = new Events(ctx, options.webhookSecret ?? env('TAJO_WEBHOOK_SECRET'));
    this.brevo = { connect: (apiKey, o) => this.putBrevo(apiKey, o?.keyName) };
  }

  /** The tenant this client acts for (asked once, then cached). */
  tenantId(): Promise<string> {
    const given = this.options.tenantId ?? env('TAJO_TENANT');
    if (given) return Promise.resolve(given);
    this.tenant ??= this.transport.request<MeAnswer>('GET', '/me').then(
      (me) => me.tenantId,
      (err: unknown) => {
        this.tenant = undefined;
        if (err instanceof TajoError && (err.status === 401 || err.status === 404)) {
          throw new TajoAuthError(
            {
              ...err,
              message: `no tenant has this API key: check TAJO_API_KEY (GET /me answered ${err.status}: ${err.message})`,
            },
            { cause: err },
          );
        }
        throw err;
      },
    );
    return this.tenant;
  }

  /**
   * brevoApiKey goes to the tenant once per client, before the first call that writes to Brevo,
   * and not at all when the tenant has a Brevo key already (GET connections): to replace a stored
   * key, call brevo.connect(key).
   */
  private ensureBrevo(): Promise<void> {
    const key = this.options.brevoApiKey;
    if (!key) return Promise.resolve();
    this.brevoDone ??= (async () => {
      const t = seg(await this.tenantId());
      const listing = await this.transport.request<ConnectionList>('GET', `/tenants/${t}/connections`);
      if (listing.brevo?.connected) return;
      await this.putBrevo(key);
    })().catch((err: unknown) => {
      this.brevoDone = undefined;
      throw err;
    });
    return this.brevoDone;
  }

  private async putBrevo(apiKey = this.options.brevoApiKey, keyName?: string): Promise<BrevoConnection> {
    if (!apiKey) missing('no Brevo key: pass brevoApiKey to TajoClient or to brevo.connect(key)', 'missing_brevo_key');
    const path = `/tenants/${seg(await this.tenantId())}/brevo`;
    return this.transport.request('PUT', path, { body: { apiKey, ...(keyName ? { keyName } : {}) } });
  }
}

function missing(message: string, code: string): never {
  throw new TajoError({ status: 0, code, message });
}
