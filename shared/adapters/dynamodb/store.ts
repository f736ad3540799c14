/**
 * One DynamoDB table for connections, cursors, fingerprints and run records. Every key begins
 * with the tenant (`T#<tenant>`), so no query can cross tenants. Runs on DynamoDB in AWS and on
 * dynalite (the same wire protocol) locally and in tests.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ConnectionRecord,
  ConnectionStore,
  ConnectorName,
  CursorStore,
  Fingerprint,
  RunRecord,
  RunStore,
  SyncCursor,
  TenantRecord,
  TenantStore,
} from '../../ports';
import { TABLE_SCHEMA } from './table-schema';

const tenantKey = (tenantId: string) => `T#${tenantId}`;

/** How long a finished run's record (counts, per-row errors) stays readable. */
export const RUN_RETENTION_DAYS = 90;

export class DynamoStore implements TenantStore, ConnectionStore, CursorStore, RunStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  // ------------------------------------------------------------ tenants

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: 'TENANT' } }),
    );
    return res.Item ? (strip(res.Item) as unknown as TenantRecord) : undefined;
  }

  async putTenant(record: TenantRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk: tenantKey(record.tenantId), sk: 'TENANT', ...record } }),
    );
  }

  // ------------------------------------------------------------ connections

  async getConnection(tenantId: string, connector: ConnectorName): Promise<ConnectionRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `CONN#${connector}` } }),
    );
    return res.Item ? (strip(res.Item) as unknown as ConnectionRecord) : undefined;
  }

  async putConnection(record: ConnectionRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `CONN#${record.connector}`,
          gsi1pk: `CONN#${record.connector}`,
          gsi1sk: tenantKey(record.tenantId),
          ...record,
        },
      }),
    );
  }

  async deleteConnection(tenantId: string, connector: ConnectorName): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `CONN#${connector}` } }),
    );
  }

  async listConnections(connector: ConnectorName): Promise<ConnectionRecord[]> {
    const out: ConnectionRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_SCHEMA.gsi1.name,
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': `CONN#${connector}` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) out.push(strip(item) as unknown as ConnectionRecord);
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  // ------------------------------------------------------------ cursors

  async getCursor(tenantId: string, connector: ConnectorName, sourceId: string): Promise<SyncCursor | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `CURSOR#${connector}#${sourceId}` },
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as SyncCursor) : undefined;
  }

  async putCursor(tenantId: string, connector: ConnectorName, cursor: SyncCursor): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: tenantKey(tenantId), sk: `CURSOR#${connector}#${cursor.sourceId}`, ...cursor },
      }),
    );
  }

  // ------------------------------------------------------------ fingerprints

  private fpKey(tenantId: string, connector: ConnectorName, sourceId: string) {
    return `${tenantKey(tenantId)}#FP#${connector}#${sourceId}`;
  }

  async loadFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
  ): Promise<Map<string, Fingerprint>> {
    const out = new Map<string, Fingerprint>();
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': this.fpKey(tenantId, connector, sourceId) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        out.set(item.sk as string, {
          rowId: item.sk as string,
          fp: item.f as string,
          identifier: item.i as string,
          identifierType: item.it as Fingerprint['identifierType'],
          listId: item.l as number | undefined,
          seenRun: item.s as string | undefined,
        });
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async putFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
    rows: Fingerprint[],
  ): Promise<void> {
    const pk = this.fpKey(tenantId, connector, sourceId);
    await this.batchWrite(
      rows.map((r) => ({
        PutRequest: {
          Item: { pk, sk: r.rowId, f: r.fp, i: r.identifier, it: r.identifierType, l: r.listId, s: r.seenRun },
        },
      })),
    );
  }

  async deleteFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
    rowIds: string[],
  ): Promise<void> {
    const pk = this.fpKey(tenantId, connector, sourceId);
    await this.batchWrite(rowIds.map((sk) => ({ DeleteRequest: { Key: { pk, sk } } })));
  }

  /** BatchWrite in chunks of 25, a few chunks in flight, unprocessed items retried with backoff. */
  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
    const inFlight = 8;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        let pending = chunks[next++] as Record<string, unknown>[];
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed`);
          if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }));
          pending = (res.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, worker));
  }

  // ------------------------------------------------------------ runs

  async putRun(record: RunRecord): Promise<void> {
    // Finished runs expire after RUN_RETENTION_DAYS (DynamoDB TTL); running ones are kept.
    const ttl = record.finishedAt
      ? Math.floor(Date.parse(record.finishedAt) / 1000) + RUN_RETENTION_DAYS * 86_400
      : undefined;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `RUN#${record.connector}#${record.runId}`,
          ...record,
          [TABLE_SCHEMA.ttlAttribute]: ttl,
        },
      }),
    );
  }

  async getRun(tenantId: string, connector: ConnectorName, runId: string): Promise<RunRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `RUN#${connector}#${runId}` } }),
    );
    return res.Item ? (strip(res.Item) as unknown as RunRecord) : undefined;
  }

  async listRuns(tenantId: string, connector: ConnectorName, limit: number): Promise<RunRecord[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': `RUN#${connector}#` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((i) => strip(i) as unknown as RunRecord);
  }
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest;
}

/** Creates the table when it does not exist (local runtime and tests; infra/ creates it in AWS). */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  const { partitionKey, sortKey, gsi1 } = TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: gsi1.partitionKey, AttributeType: 'S' },
        { AttributeName: gsi1.sortKey, AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1.name,
          KeySchema: [
            { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}
