/** OAuth installs in progress: `OAUTHSTATE#<stateHash>` under the tenant, used once. */

import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OAuthStateRecord, OAuthStateStore, OAuthStateTake } from '../../core/ports';
import { type DynamoTable, isConditionFailure, strip, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

export class OAuthStateRepository implements OAuthStateStore {
  constructor(private readonly table: DynamoTable) {}

  async putOAuthState(record: OAuthStateRecord): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `OAUTHSTATE#${record.stateHash}`,
          ...record,
          // Cleanup only: the expiry that counts is expiresAt, checked when the state is used.
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(record.expiresAt) / 1000) + 86_400,
        },
        // A hash collision would hand one admin's install to another: never overwrite.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async takeOAuthState(tenantId: string, stateHash: string, usedAt: string): Promise<OAuthStateTake> {
    const Key = { pk: tenantKey(tenantId), sk: `OAUTHSTATE#${stateHash}` };
    // One conditional write: of two redirects carrying the same state, exactly one gets the record.
    // The used item stays until its TTL, so a replay is told apart from a state never issued.
    try {
      const res = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key,
          UpdateExpression: 'SET usedAt = :u',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
          ExpressionAttributeValues: { ':u': usedAt },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { outcome: 'taken', record: strip(res.Attributes ?? {}) as unknown as OAuthStateRecord };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const item = await this.table.getItem(Key, { consistent: true });
    return item ? { outcome: 'used', usedAt: String(item.usedAt) } : { outcome: 'unknown' };
  }
}
