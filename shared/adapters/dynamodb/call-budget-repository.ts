/**
 * Call budgets (Brevo's hourly endpoints): one item per tenant and bucket, `BUDGET#<bucket>`: the
 * current window's id and count, and a block set by a 429. Taking calls is one conditional update:
 * in the same window, add if the sum stays within the limit; in a newer window, start the count
 * again. Concurrent takers never overspend.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CallBudgetStore } from '../../core/ports';
import { type DynamoTable, type ItemKey, isConditionFailure, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

export class CallBudgetRepository implements CallBudgetStore {
  constructor(private readonly table: DynamoTable) {}

  async takeCalls(
    tenantId: string,
    bucket: string,
    args: { window: string; n: number; limit: number; now: number; ttlSeconds: number },
  ): Promise<{ granted: boolean; used: number; blockedUntil?: number }> {
    const Key = { pk: tenantKey(tenantId), sk: `BUDGET#${bucket}` };
    const ttl = Math.floor(args.now / 1000) + args.ttlSeconds;
    const names = { '#win': 'win', '#used': 'used', '#blocked': 'blockedUntil', '#ttl': TABLE_SCHEMA.ttlAttribute };
    const notBlocked = '(attribute_not_exists(#blocked) OR #blocked <= :now)';
    if (args.n <= args.limit) {
      // Two racing writers may each see the other's window change: a few rounds settle it.
      for (let round = 0; round < 3; round++) {
        try {
          const res = await this.table.doc.send(
            new UpdateCommand({
              TableName: this.table.name,
              Key,
              UpdateExpression: 'SET #used = #used + :n, #ttl = :ttl',
              ConditionExpression: `#win = :w AND #used <= :max AND ${notBlocked}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: {
                ':n': args.n,
                ':w': args.window,
                ':max': args.limit - args.n,
                ':now': args.now,
                ':ttl': ttl,
              },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return { granted: true, used: Number(res.Attributes?.used ?? args.n) };
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
        try {
          // Window ids sort by time (ISO starts): only a newer window resets the count.
          await this.table.doc.send(
            new UpdateCommand({
              TableName: this.table.name,
              Key,
              UpdateExpression: 'SET #win = :w, #used = :n, #ttl = :ttl',
              ConditionExpression: `(attribute_not_exists(#win) OR #win < :w) AND ${notBlocked}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':n': args.n, ':w': args.window, ':now': args.now, ':ttl': ttl },
            }),
          );
          return { granted: true, used: args.n };
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
        const current = await this.readBudget(Key);
        const blocked = current.blockedUntil !== undefined && current.blockedUntil > args.now;
        if (blocked || (current.win === args.window && current.used + args.n > args.limit)) {
          return {
            granted: false,
            used: current.win === args.window ? current.used : 0,
            ...this.block(current, args.now),
          };
        }
      }
    }
    const current = await this.readBudget(Key);
    return { granted: false, used: current.win === args.window ? current.used : 0, ...this.block(current, args.now) };
  }

  async blockCalls(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: tenantKey(tenantId), sk: `BUDGET#${bucket}` },
          UpdateExpression: 'SET #blocked = :u, #ttl = :ttl',
          // The later block wins: an earlier, shorter 429 must not shorten a longer one.
          ConditionExpression: 'attribute_not_exists(#blocked) OR #blocked < :u',
          ExpressionAttributeNames: { '#blocked': 'blockedUntil', '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: { ':u': until, ':ttl': Math.floor(until / 1000) + ttlSeconds },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  private async readBudget(Key: ItemKey): Promise<{ win?: string; used: number; blockedUntil?: number }> {
    const item = await this.table.getItem(Key, { consistent: true });
    return {
      win: item?.win as string | undefined,
      used: Number(item?.used ?? 0),
      blockedUntil: item?.blockedUntil as number | undefined,
    };
  }

  private block(current: { blockedUntil?: number }, now: number): { blockedUntil?: number } {
    return current.blockedUntil !== undefined && current.blockedUntil > now
      ? { blockedUntil: current.blockedUntil }
      : {};
  }
}
