/**
 * Tenants and their Brevo account. A tenant is made by ops (`tajo tenants create`, with direct
 * access to the table: never through the public API) and gets two credentials, each shown once and
 * kept only as a sha256: the management API key and the bearer token Brevo's webhooks carry. Its
 * Brevo API key is checked against the account before it is stored, and is shared by the tenant's
 * connections (one Brevo account per tenant).
 */

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { brevoClientFor } from '../brevo/client';
import { tenantIdSchema } from '../config/schema';
import { ConfigError, ProviderError, RequestRefusedError, UnreachableError } from '../errors';
import { sha256Hex } from '../hash';
import type {
  BrevoAccountInfo,
  Clock,
  ConnectionStore,
  ConnectorName,
  SecretStore,
  TenantRecord,
  TenantRegistry,
  TenantStore,
} from '../ports';
import { brevoApiKeySecretName, storeBrevoApiKey } from './connections';

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** A new management API key: shown once to whoever creates the tenant, stored only as a hash. */
export function newApiKey(): string {
  return `tajo_${randomBytes(24).toString('base64url')}`;
}

/** A new Brevo webhook bearer token (Brevo's webhook `auth: {type: bearer, token}`). */
export function newWebhookToken(): string {
  return `whk_${randomBytes(24).toString('base64url')}`;
}

/** A tenant's two credentials in clear (to show once) and the record that keeps only their hashes. */
export function issueTenantCredentials(
  tenantId: string,
  createdAt: string,
): { apiKey: string; webhookToken: string; record: TenantRecord } {
  const apiKey = newApiKey();
  const webhookToken = newWebhookToken();
  return {
    apiKey,
    webhookToken,
    record: { tenantId, apiKeyHash: hashApiKey(apiKey), webhookTokenHash: hashApiKey(webhookToken), createdAt },
  };
}

export interface CreatedTenant {
  tenantId: string;
  apiKey: string;
  webhookToken: string;
  createdAt: string;
}

/** Creates a tenant; an id already taken is refused (409) and keeps its credentials. */
export async function createTenant(
  deps: { tenants: TenantRegistry; clock: Clock },
  tenantId: string,
): Promise<CreatedTenant> {
  const id = tenantIdSchema.safeParse(tenantId);
  if (!id.success) throw new ConfigError([{ path: 'tenantId', message: id.error.issues[0]?.message ?? 'invalid' }]);
  const createdAt = new Date(deps.clock.now()).toISOString();
  const { apiKey, webhookToken, record } = issueTenantCredentials(id.data, createdAt);
  if (!(await deps.tenants.createTenant(record))) {
    throw new RequestRefusedError(409, `tenant ${id.data} already exists`, 'tenant_exists');
  }
  return { tenantId: id.data, apiKey, webhookToken, createdAt };
}

export const brevoKeyBodySchema = z.strictObject({
  apiKey: z.string().min(1, 'the Brevo API key is empty (xkeysib-...)'),
  /** The key's name in Brevo (SMTP & API → API keys): contact changes it makes are not notified to Slack. */
  keyName: z.string().min(1).optional(),
});

export interface BrevoConnection {
  tenantId: string;
  connector: 'brevo';
  /** A tenant-level key is stored (tajo connectors connect brevo). */
  connected: boolean;
  account: Omit<BrevoAccountInfo, 'checkedAt'> & { checkedAt?: string };
  /**
   * Where the key the connections write with comes from: the tenant's own key, the key each
   * connection was made with (the config's `brevo.api_key`), or none. Absent from older servers.
   */
  keyFrom?: 'tenant' | 'connections' | 'none';
  /** The connections that write to Brevo with a key. */
  usedBy?: ConnectorName[];
}

/**
 * Stores the tenant's Brevo API key after GET /v3/account accepted it; a key Brevo refuses is
 * refused here (400) and nothing is stored. Connections keep referring to the same secret, so a new
 * key takes effect for all of them.
 */
export async function connectBrevo(
  deps: {
    tenants: TenantStore;
    connections: ConnectionStore;
    secrets: SecretStore;
    clock: Clock;
    brevoBaseUrl?: string;
  },
  tenantId: string,
  body: unknown,
): Promise<BrevoConnection> {
  const parsed = brevoKeyBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const tenant = await deps.tenants.getTenant(tenantId);
  if (!tenant) throw new RequestRefusedError(404, `no tenant ${tenantId}`, 'not_found');
  const { apiKey, keyName } = parsed.data;
  const brevo = brevoClientFor({
    apiKey,
    baseUrl: deps.brevoBaseUrl,
    clock: deps.clock,
  });
  let account: { email?: string; companyName?: string };
  try {
    account = await brevo.getAccount();
  } catch (err) {
    if (err instanceof ProviderError && err.status === 401) {
      throw new RequestRefusedError(
        400,
        'Brevo rejected the API key (401 unauthorized): copy a key from Brevo → SMTP & API → API keys; nothing was stored',
        'brevo_key_refused',
      );
    }
    if (err instanceof UnreachableError) throw new RequestRefusedError(502, err.message, 'unreachable');
    throw err;
  }
  const ref = await storeBrevoApiKey(deps.secrets, tenantId, apiKey);
  const info: BrevoAccountInfo = {
    ...(account.email ? { email: account.email } : {}),
    ...(account.companyName ? { companyName: account.companyName } : {}),
    ...(keyName ? { keyName } : {}),
    checkedAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.tenants.putTenant({ ...tenant, brevoApiKeyRef: ref, brevoAccount: info });
  // Connections made before (from a config) point at the same secret name; a store that names
  // secrets differently (a new ARN after a deletion) is followed here.
  for (const conn of await deps.connections.listTenantConnections(tenantId)) {
    if (conn.brevoApiKeyRef !== ref) await deps.connections.putConnection({ ...conn, brevoApiKeyRef: ref });
  }
  return { tenantId, connector: 'brevo', connected: true, account: info };
}

/**
 * The tenant's Brevo account as the connection list shows it, and where the key its connections
 * use comes from: a connection made with the config's `brevo.api_key` writes to Brevo although no
 * tenant-level key is stored, and the list must not say there is no key.
 */
export function brevoConnectionOf(
  tenant: TenantRecord | undefined,
  tenantId: string,
  connections: { connector: ConnectorName; brevoApiKeyRef?: string }[] = [],
): BrevoConnection {
  const { checkedAt, ...account } = tenant?.brevoAccount ?? { checkedAt: undefined };
  const usedBy = connections.filter((c) => c.brevoApiKeyRef).map((c) => c.connector);
  const connected = tenant?.brevoApiKeyRef !== undefined;
  return {
    tenantId,
    connector: 'brevo',
    connected,
    account: { ...account, ...(checkedAt ? { checkedAt } : {}) },
    keyFrom: connected ? 'tenant' : usedBy.length > 0 ? 'connections' : 'none',
    usedBy,
  };
}

/** The Brevo line of `tajo connectors list`: whether a key is there, and where it comes from. */
export function describeBrevoKey(b: BrevoConnection | null): string {
  if (b?.connected) {
    const who = b.account.email
      ? ` (${b.account.email}${b.account.companyName ? `, ${b.account.companyName}` : ''})`
      : '';
    return `connected${who}, the tenant's key`;
  }
  if (b?.keyFrom === 'connections' && b.usedBy?.length) {
    return (
      `key given with the ${b.usedBy.join(' and ')} connection${b.usedBy.length === 1 ? '' : 's'} ` +
      "(the config's brevo.api_key); no tenant-level key stored"
    );
  }
  return 'no API key: tajo connectors connect brevo --key <Brevo API key>';
}

/**
 * Removes the tenant's Brevo key. Refused (409) while a connection still writes with it: disconnect
 * those first, so no connection is left pointing at a deleted secret.
 */
export async function disconnectBrevo(
  deps: { tenants: TenantStore; connections: ConnectionStore; secrets: SecretStore },
  tenantId: string,
): Promise<{ tenantId: string; connector: 'brevo'; removed: string[] }> {
  const tenant = await deps.tenants.getTenant(tenantId);
  if (!tenant?.brevoApiKeyRef) throw new RequestRefusedError(404, 'no Brevo API key is stored', 'not_found');
  const using: ConnectorName[] = (await deps.connections.listTenantConnections(tenantId)).map((c) => c.connector);
  if (using.length > 0) {
    throw new RequestRefusedError(
      409,
      `the ${using.join(' and ')} connection${using.length > 1 ? 's' : ''} still write${using.length > 1 ? '' : 's'} to Brevo with this key: disconnect ${using.length > 1 ? 'them' : 'it'} first`,
      'in_use',
    );
  }
  await deps.secrets.delete(tenant.brevoApiKeyRef);
  const { brevoApiKeyRef: _ref, brevoAccount: _account, ...rest } = tenant;
  await deps.tenants.putTenant(rest);
  return { tenantId, connector: 'brevo', removed: [`secret ${brevoApiKeySecretName(tenantId)}`] };
}
