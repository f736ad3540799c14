/**
 * What every repository of the one DynamoDB table shares: the document client and table name, the
 * tenant key, the TTL arithmetic, conditional writes and paging. Every key begins with the tenant
 * (`T#<tenant>`), so no query can cross tenants; the one exception, by necessity, is the workspace
 * claim (a Slack team's: workspace-claim-repository.ts). Runs on DynamoDB in AWS and on dynalite (the
 * same wire protocol) locally and in tests.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type ItemKey = Record<string, string>;
type Item = Record<string, unknown>;

export const tenantKey = (tenantId: string) => `T#${tenantId}`;

/** How long a finished run's record (counts, per-row errors) stays readable. */
export const RUN_RETENTION_DAYS = 90;

/** A TTL attribute's value (epoch seconds) `seconds` from now. */
export const ttlFromNow = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

/** A TTL attribute's value: RUN_RETENTION_DAYS after the instant `iso`. */
export const retainedAfter = (iso: string) => Math.floor(Date.parse(iso) / 1000) + RUN_RETENTION_DAYS * 86_400;

export const isConditionFailure = (err: unknown) =>
  (err as { name?: string }).name === 'ConditionalCheckFailedException';

/** An item without the table's keys and TTL: the record as the port knows it. */
export function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest;
}

/** Whether a conditional write went through: false when its condition did not hold, other errors thrown. */
async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** The item as stored (keys and TTL included). */
  async getItem(Key: ItemKey, options: { consistent?: boolean } = {}): Promise<Item | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.name, Key, ...(options.consistent ? { ConsistentRead: true } : {}) }),
    );
    return res.Item;
  }

  /** The record at `Key` (keys and TTL stripped), if any. */
  async get<T>(Key: ItemKey, options: { consistent?: boolean } = {}): Promise<T | undefined> {
    const item = await this.getItem(Key, options);
    return item ? (strip(item) as unknown as T) : undefined;
  }

  async put(Item: Item): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.name, Item }));
  }

  /** A conditional put: false, and nothing written, when the condition does not hold. */
  async putIf(input: Omit<PutCommandInput, 'TableName'>): Promise<boolean> {
    return conditionHeld(this.doc.send(new PutCommand({ TableName: this.name, ...input })));
  }

  async delete(Key: ItemKey): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.name, Key }));
  }

  /** A conditional delete: false, and nothing deleted, when the condition does not hold. */
  async deleteIf(input: Omit<DeleteCommandInput, 'TableName'>): Promise<boolean> {
    return conditionHeld(this.doc.send(new DeleteCommand({ TableName: this.name, ...input })));
  }

  /** One page of the tenant's items whose sort key starts with `prefix`, as stored. */
  async queryPage(
    tenantId: string,
    prefix: string,
    options: { consistent?: boolean; limit?: number; newestFirst?: boolean } = {},
  ): Promise<Item[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.name,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': prefix },
        ...(options.consistent ? { ConsistentRead: true } : {}),
        ...(options.newestFirst ? { ScanIndexForward: false } : {}),
        ...(options.limit !== undefined ? { Limit: options.limit } : {}),
      }),
    );
    return res.Items ?? [];
  }

  /** A query's items, page after page, until there are no more or `enough` says so. */
  async queryItems(
    input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'TableName'>,
    enough: (count: number) => boolean = () => false,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: start }));
      items.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start && !enough(items.length));
    return items;
  }

  /** Every item of the tenant whose sort key starts with `prefix` (all pages), keys stripped. */
  async queryAll<T>(tenantId: string, prefix: string, opts: { consistent?: boolean } = {}): Promise<T[]> {
    const items = await this.queryItems({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': prefix },
      ConsistentRead: opts.consistent === true,
    });
    return items.map(strip) as unknown as T[];
  }
}
