/**
 * A tenant's connections (GET /tenants/{id}/connections, `tajo connectors list`): its Brevo key,
 * the connections it has, and every platform connector the registry resolves with its state, so a
 * person sees what can be connected too.
 */
import { resolvablePlatformConnectors } from '../connectors';
import type { ConnectionRecord, ConnectionStore, ConnectionWorkspace, ConnectorName, TenantStore } from '../core/ports';
import { type BrevoConnection, brevoConnectionOf } from '../core/tenancy/tenants';

export interface ConnectionListing {
  tenantId: string;
  brevo: BrevoConnection | null;
  /** The tenant's connections. */
  connections: {
    connector: ConnectorName;
    enabled: boolean;
    workspace: ConnectionWorkspace | null;
    connectedAt: string;
    updatedAt: string;
  }[];
  /** Every platform connector, connected or not (absent from older servers). */
  connectors?: ConnectorState[];
}

export interface ConnectorState {
  name: string;
  label: string;
  connected: boolean;
  /** Its connection's switch (null: not connected). */
  enabled: boolean | null;
  /** Whether its providers answered when last checked (null: not connected). */
  health: 'ok' | 'degraded' | null;
}

export async function listConnections(
  deps: { tenants: TenantStore; connections: ConnectionStore },
  tenantId: string,
): Promise<ConnectionListing> {
  const tenant = await deps.tenants.getTenant(tenantId);
  // One query for the tenant's connections, then every connector's state from it.
  const stored = new Map((await deps.connections.listTenantConnections(tenantId)).map((c) => [c.connector, c]));
  const records: ConnectionRecord<string>[] = [];
  const connectors: ConnectorState[] = [];
  for (const { name, label } of resolvablePlatformConnectors()) {
    const conn = stored.get(name);
    if (conn) records.push(conn);
    connectors.push({
      name,
      label,
      connected: conn !== undefined,
      enabled: conn ? conn.settings.enabled : null,
      health: conn ? (conn.health?.state ?? 'ok') : null,
    });
  }
  return {
    tenantId,
    brevo: brevoConnectionOf(tenant, tenantId, records),
    connections: records.map((conn) => ({
      connector: conn.connector,
      enabled: conn.settings.enabled,
      workspace: conn.workspace ?? null,
      connectedAt: conn.createdAt,
      updatedAt: conn.updatedAt,
    })),
    connectors,
  };
}
