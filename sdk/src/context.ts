/** What the resources (connectors, slack, events) use of the client: requests, the tenant, the Brevo key. */
import type { RequestOptions } from './http';

export interface ClientContext {
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** The tenant the API key belongs to (tenantId option, TAJO_TENANT, else GET /me once). */
  tenantId(): Promise<string>;
  /** Stores the client's brevoApiKey with the tenant once, unless the tenant has a Brevo key already. */
  ensureBrevo(): Promise<void>;
}
