/**
 * Publishing (page → Brevo campaign): one item per page of a publishing database,
 * `PUB#<databaseId>#<pageId>` under the tenant; every write is conditional on the item's revision
 * (see shared/core/ports/publications.ts).
 */
import type { PagePublishState, PublishStateStore } from '../../core/ports/publications';
import { type DynamoTable, tenantKey } from './table';

const publishKey = (tenantId: string, databaseId: string, pageId: string) => ({
  pk: tenantKey(tenantId),
  sk: `PUB#${databaseId}#${pageId}`,
});

export class PublicationRepository implements PublishStateStore {
  constructor(private readonly table: DynamoTable) {}

  async listPublishStates(tenantId: string, databaseId: string): Promise<PagePublishState[]> {
    // Consistent: a page's entry into the state is decided on what this read returns.
    return this.table.queryAll<PagePublishState>(tenantId, `PUB#${databaseId}#`, { consistent: true });
  }

  async getPublishState(tenantId: string, databaseId: string, pageId: string): Promise<PagePublishState | undefined> {
    return this.table.get<PagePublishState>(publishKey(tenantId, databaseId, pageId), { consistent: true });
  }

  async putPublishState(state: PagePublishState, expectedRev: number | undefined): Promise<boolean> {
    return this.table.putIf({
      Item: { ...publishKey(state.tenantId, state.databaseId, state.pageId), ...state },
      ...(expectedRev === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#rev = :rev',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': expectedRev },
          }),
    });
  }
}
