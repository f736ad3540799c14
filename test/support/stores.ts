import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoRepositories, dynamoRepositories, ensureTable } from '../../shared/adapters/dynamodb';

/** A new table on the run's dynalite (started once by the jest global setup). */
export async function freshStore(): Promise<{ store: DynamoRepositories; client: DynamoDBClient; table: string }> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run the tests through jest (npm test)');
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const table = `t-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, table);
  return { store: dynamoRepositories(client, table), client, table };
}
