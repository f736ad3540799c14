/** The table's creation from TABLE_SCHEMA, for the local runtime and tests (infra/ creates it in AWS). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema';

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
  // A table is usable once ACTIVE: before that every read and write is a ResourceNotFoundException
  // (dynalite too, for a moment, when the machine is busy).
  for (let waited = 0; ; waited += 20) {
    const res = await client.send(new DescribeTableCommand({ TableName: table }));
    if (res.Table?.TableStatus === 'ACTIVE') return;
    if (waited > 60_000) throw new Error(`table ${table} is still ${res.Table?.TableStatus} after a minute`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
