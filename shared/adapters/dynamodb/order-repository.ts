/**
 * Orders seen per contact (abandoned-cart checks): `ORDER#<email>` under the tenant, the latest kept;
 * carts seen: `CARTSEEN#<cart>` (its latest update) and `CARTDONE#<cart>` (its completion).
 */
import type { CartLedger, OrderLedger } from '../../core/ports';
import { type DynamoTable, tenantKey, ttlFromNow } from './table';
import { TABLE_SCHEMA } from './table-schema';

const orderKey = (tenantId: string, email: string) => ({ pk: tenantKey(tenantId), sk: `ORDER#${email.toLowerCase()}` });
const cartSeenKey = (tenantId: string, cartId: string) => ({ pk: tenantKey(tenantId), sk: `CARTSEEN#${cartId}` });
const cartDoneKey = (tenantId: string, cartId: string) => ({ pk: tenantKey(tenantId), sk: `CARTDONE#${cartId}` });
/** Longer than any cart delay (at most 7 days). */
const LEDGER_TTL_S = 30 * 86_400;

export class OrderRepository implements OrderLedger, CartLedger {
  constructor(private readonly table: DynamoTable) {}

  async recordOrder(tenantId: string, email: string, at: string): Promise<void> {
    await this._keepLatest(orderKey(tenantId, email), at);
  }

  async lastOrderAt(tenantId: string, email: string): Promise<string | undefined> {
    const item = await this.table.getItem(orderKey(tenantId, email), { consistent: true });
    return item?.at as string | undefined;
  }

  async recordCart(tenantId: string, cartId: string, at: string, completedAt?: string): Promise<void> {
    await Promise.all([
      this._keepLatest(cartSeenKey(tenantId, cartId), at),
      completedAt === undefined ? undefined : this._keepLatest(cartDoneKey(tenantId, cartId), completedAt),
    ]);
  }

  async cartState(tenantId: string, cartId: string): Promise<{ lastSeenAt?: string; completedAt?: string }> {
    const [seen, done] = await Promise.all([
      this.table.getItem(cartSeenKey(tenantId, cartId), { consistent: true }),
      this.table.getItem(cartDoneKey(tenantId, cartId), { consistent: true }),
    ]);
    return {
      ...(typeof seen?.at === 'string' ? { lastSeenAt: seen.at } : {}),
      ...(typeof done?.at === 'string' ? { completedAt: done.at } : {}),
    };
  }

  /** Writes `at` unless a later one is recorded: a delivery that arrives late must not hide a newer one. */
  private async _keepLatest(key: { pk: string; sk: string }, at: string): Promise<void> {
    await this.table.putIf({
      Item: { ...key, at, [TABLE_SCHEMA.ttlAttribute]: ttlFromNow(LEDGER_TTL_S) },
      ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at },
    });
  }
}
