/** Connector definitions a tenant registered: `DEFINITION#<name>` under the tenant. */
import type { DefinitionRecord, DefinitionStore } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

const definitionKey = (tenantId: string, name: string) => ({ pk: tenantKey(tenantId), sk: `DEFINITION#${name}` });

export class DefinitionRepository implements DefinitionStore {
  constructor(private readonly table: DynamoTable) {}

  async getDefinition(tenantId: string, name: string): Promise<DefinitionRecord | undefined> {
    return this.table.get<DefinitionRecord>(definitionKey(tenantId, name), { consistent: true });
  }

  async listDefinitions(tenantId: string): Promise<DefinitionRecord[]> {
    return this.table.queryAll<DefinitionRecord>(tenantId, 'DEFINITION#', { consistent: true });
  }

  async putDefinition(record: DefinitionRecord): Promise<void> {
    await this.table.put({ ...definitionKey(record.tenantId, record.name), ...record });
  }

  async deleteDefinition(tenantId: string, name: string): Promise<boolean> {
    return this.table.deleteIf({ Key: definitionKey(tenantId, name), ConditionExpression: 'attribute_exists(pk)' });
  }
}
