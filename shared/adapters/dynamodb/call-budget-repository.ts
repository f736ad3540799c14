/**
 * Call budgets (Brevo's hourly endpoints): one item per tenant and bucket, `BUDGET#<bucket>`: the
 * current window's id and count, and a block set by a 429. Taking calls is one conditional update:
 * in the same window, add if the sum stays within the limit; in a newer window, start the count
 * again. Concurrent takers never overspend.
 *
 * Call schedules (Notion's 3 req/s per integration): one item per tenant and bucket,
 * `PACE#<bucket>`, holding `nextSlot`, the earliest start of the next call. Taking a slot is one
 * conditional update in the usual case: a schedule ahead of now moves on by one interval (the
 * taker waits for its slot), an idle one restarts at now. Concurrent takers get distinct slots.
 */
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
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
        const added = await this.updateIf({
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
        });
        if (added) return { granted: true, used: Number(added.used ?? args.n) };
        // Window ids sort by time (ISO starts): only a newer window resets the count.
        const started = await this.updateIf({
          Key,
          UpdateExpression: 'SET #win = :w, #used = :n, #ttl = :ttl',
          ConditionExpression: `(attribute_not_exists(#win) OR #win < :w) AND ${notBlocked}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':n': args.n, ':w': args.window, ':now': args.now, ':ttl': ttl },
        });
        if (started) return { granted: true, used: args.n };
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
    await this.raiseTo({ pk: tenantKey(tenantId), sk: `BUDGET#${bucket}` }, 'blockedUntil', until, ttlSeconds);
  }

  async takeSlot(
    tenantId: string,
    bucket: string,
    args: { now: number; intervalMs: number; maxAheadMs: number; ttlSeconds: number },
  ): Promise<{ granted: true; at: number } | { granted: false; nextSlotAt: number }> {
    const Key = { pk: tenantKey(tenantId), sk: `PACE#${bucket}` };
    const names = { '#next': 'nextSlot', '#ttl': TABLE_SCHEMA.ttlAttribute };
    const ttl = Math.floor(args.now / 1000) + args.ttlSeconds;
    // Racing takers each fail a condition the other changed; a few rounds settle it.
    for (let round = 0; round < 5; round++) {
      // The schedule is ahead of now (and not too far): this call's slot is its next one.
      const moved = await this.updateIf({
        Key,
        UpdateExpression: 'SET #next = #next + :i, #ttl = :ttl',
        ConditionExpression: '#next >= :now AND #next <= :latest',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':i': args.intervalMs,
          ':now': args.now,
          ':latest': args.now + args.maxAheadMs,
          ':ttl': ttl,
        },
        ReturnValues: 'UPDATED_NEW',
      });
      if (moved) return { granted: true, at: Number(moved.nextSlot) - args.intervalMs };
      // The schedule is idle (its next slot has passed, or it never ran): this call starts now.
      const restarted = await this.updateIf({
        Key,
        UpdateExpression: 'SET #next = :after, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#next) OR #next < :now',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':after': args.now + args.intervalMs, ':now': args.now, ':ttl': ttl },
      });
      if (restarted) return { granted: true, at: args.now };
      const item = await this.table.getItem(Key, { consistent: true });
      const next = Number(item?.nextSlot ?? 0);
      if (next > args.now + args.maxAheadMs) return { granted: false, nextSlotAt: next };
    }
    // Still racing after five rounds: the schedule is busy; one interval on, it will have moved.
    return { granted: false, nextSlotAt: args.now + args.intervalMs };
  }

  async holdSlots(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void> {
    await this.raiseTo({ pk: tenantKey(tenantId), sk: `PACE#${bucket}` }, 'nextSlot', until, ttlSeconds);
  }

  /**
   * Sets a time attribute to `until` unless it is later already: after a 429, the later block or
   * slot wins (an earlier, shorter 429 must not shorten a longer one, nor pull a schedule back).
   */
  private async raiseTo(Key: ItemKey, attribute: string, until: number, ttlSeconds: number): Promise<void> {
    await this.updateIf({
      Key,
      UpdateExpression: 'SET #at = :u, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#at) OR #at < :u',
      ExpressionAttributeNames: { '#at': attribute, '#ttl': TABLE_SCHEMA.ttlAttribute },
      ExpressionAttributeValues: { ':u': until, ':ttl': Math.floor(until / 1000) + ttlSeconds },
    });
  }

  /**
   * One conditional update: the attributes it returns (an empty object when it asks for none), or
   * undefined when its condition did not hold. Any other failure is thrown.
   */
  private async updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await this.table.doc.send(new UpdateCommand({ TableName: this.table.name, ...input }));
      return res.Attributes ?? {};
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
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
