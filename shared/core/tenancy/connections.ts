/**
 * What every connection of a tenant shares, whatever its connector: the tenant's Brevo key (one
 * per tenant, in the secret store) and whether work can be queued for a connection.
 */
import type { ConnectionRecord, ConnectionStore, ConnectorName, SecretStore } from '../ports';

/** Where the tenant's Brevo API key lives in the secret store (Secrets Manager adds the stage's prefix). */
export function brevoApiKeySecretName(tenantId: string): string {
  return `${tenantId}/brevo-api-key`;
}

/** The tenant's Brevo API key (one per tenant, shared by its connections) into the secret store. */
export function storeBrevoApiKey(secrets: SecretStore, tenantId: string, apiKey: string): Promise<string> {
  return secrets.put(brevoApiKeySecretName(tenantId), apiKey, { tenant: tenantId, connector: 'brevo' });
}

/**
 * The Brevo key a connection writes with: the tenant's stored key (its reference), or a key from a
 * config, stored only once the connection is sure to be made.
 */
export type BrevoKeySource = { ref: string } | { apiKey: string };

export function brevoKeyRef(secrets: SecretStore, tenantId: string, source: BrevoKeySource): Promise<string> {
  return 'ref' in source ? Promise.resolve(source.ref) : storeBrevoApiKey(secrets, tenantId, source.apiKey);
}

/** The tenant's connection of `connector` (read as `label`), when work can be queued for it; otherwise why not. */
export async function queueableConnection<C extends ConnectorName>(
  connections: ConnectionStore,
  tenantId: string,
  connector: { name: C; label: string },
): Promise<{ conn: ConnectionRecord<C> } | { reason: string }> {
  const conn = await connections.getConnection(tenantId, connector.name);
  if (!conn)
    return {
      reason:
        `tenant ${tenantId} has no ${connector.label} connection: connect it first ` +
        `(tajo connectors connect ${connector.name} …, or PUT /tenants/${tenantId}/connections/${connector.name})`,
    };
  if (!conn.settings.enabled) return { reason: `the ${connector.label} connector is disabled in the config` };
  return { conn };
}
