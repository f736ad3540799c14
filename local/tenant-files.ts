/**
 * The local state's default tenant: its management API key and Brevo webhook token are made once,
 * kept (0600) beside the state in TAJO_STATE_DIR so `npm start` can print them and the CLI can use
 * them, and stored in the table only as hashes. Other tenants are created with `tajo tenants create`.
 */

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../shared/core/hash';
import type { TenantStore } from '../shared/core/ports';
import { hashApiKey, issueTenantCredentials } from '../shared/core/tenancy/tenants';

export const DEFAULT_TENANT = 'default';

export async function ensureLocalTenant(
  store: TenantStore,
  stateDir: string,
  tenantId: string,
): Promise<{ apiKey: string; webhookToken: string }> {
  const read = async (name: string) => {
    try {
      return (await readFile(join(stateDir, name), 'utf8')).trim();
    } catch {
      return undefined;
    }
  };
  const write = async (name: string, value: string) => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, name), value, { mode: 0o600 });
    await chmod(join(stateDir, name), 0o600);
  };
  let apiKey = await read(`${tenantId}.api-key`);
  let webhookToken = await read(`${tenantId}.webhook-token`);
  const tenant = await store.getTenant(tenantId);
  const valid =
    apiKey !== undefined &&
    webhookToken !== undefined &&
    tenant?.apiKeyHash === hashApiKey(apiKey) &&
    tenant.webhookTokenHash === sha256Hex(webhookToken);
  if (!valid || apiKey === undefined || webhookToken === undefined) {
    const issued = issueTenantCredentials(tenantId, tenant?.createdAt ?? new Date().toISOString());
    apiKey = issued.apiKey;
    webhookToken = issued.webhookToken;
    await write(`${tenantId}.api-key`, apiKey);
    await write(`${tenantId}.webhook-token`, webhookToken);
    // The tenant's other fields (its Brevo key's reference) stay: only the credentials are new.
    await store.putTenant({ ...tenant, ...issued.record });
  }
  return { apiKey, webhookToken };
}
