/**
 * Connections: one item per tenant and connector, `CONN#<connector>`, also indexed by connector
 * (gsi1: `CONN#<connector>` / tenant) for the poller's sweep across tenants.
 */
import type { ConnectionRecord, ConnectionStore, ConnectorName } from '../../core/ports';
import { type DynamoTable, strip, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

const connectionKey = (tenantId: string, connector: ConnectorName) => ({
  pk: tenantKey(tenantId),
  sk: `CONN#${connector}`,
});

export class ConnectionRepository implements ConnectionStore {
  constructor(private readonly table: DynamoTable) {}

  async getConnection<C extends ConnectorName>(
    tenantId: string,
    connector: C,
  ): Promise<ConnectionRecord<C> | undefined> {
    return this.table.get<ConnectionRecord<C>>(connectionKey(tenantId, connector));
  }

  async putConnection<C extends ConnectorName>(record: ConnectionRecord<C>): Promise<void> {
    await this.table.put({
      ...connectionKey(record.tenantId, record.connector),
      gsi1pk: `CONN#${record.connector}`,
      gsi1sk: tenantKey(record.tenantId),
      ...record,
    });
  }

  async deleteConnection(tenantId: string, connector: ConnectorName): Promise<void> {
    await this.table.delete(connectionKey(tenantId, connector));
  }

  async listConnections<C extends ConnectorName>(connector: C): Promise<ConnectionRecord<C>[]> {
    const items = await this.table.queryItems({
      IndexName: TABLE_SCHEMA.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': `CONN#${connector}` },
    });
    return items.map((item) => strip(item) as unknown as ConnectionRecord<C>);
  }

  async listTenantConnections(tenantId: string): Promise<ConnectionRecord<ConnectorName>[]> {
    return this.table.queryAll<ConnectionRecord<ConnectorName>>(tenantId, 'CONN#', { consistent: true });
  }
}
