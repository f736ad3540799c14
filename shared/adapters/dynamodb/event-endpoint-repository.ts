/** The event endpoints a tenant registered: `EVENTENDPOINT#<id>` under the tenant (the secret is a reference). */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEndpointRecord, EventEndpointStore } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

const endpointKey = (tenantId: string, id: string) => ({ pk: tenantKey(tenantId), sk: `EVENTENDPOINT#${id}` });

export class EventEndpointRepository implements EventEndpointStore {
  constructor(private readonly table: DynamoTable) {}

  async putEventEndpoint(record: EventEndpointRecord): Promise<void> {
    await this.table.put({ ...endpointKey(record.tenantId, record.id), ...record });
  }

  async getEventEndpoint(tenantId: string, id: string): Promise<EventEndpointRecord | undefined> {
    return this.table.get<EventEndpointRecord>(endpointKey(tenantId, id), { consistent: true });
  }

  async listEventEndpoints(tenantId: string): Promise<EventEndpointRecord[]> {
    return this.table.queryAll<EventEndpointRecord>(tenantId, 'EVENTENDPOINT#', { consistent: true });
  }

  async deleteEventEndpoint(tenantId: string, id: string): Promise<EventEndpointRecord | undefined> {
    const res = await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: endpointKey(tenantId, id), ReturnValues: 'ALL_OLD' }),
    );
    if (!res.Attributes) return undefined;
    const { pk: _pk, sk: _sk, ...record } = res.Attributes;
    return record as EventEndpointRecord;
  }
}
