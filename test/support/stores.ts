import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoRepositories, dynamoRepositories, ensureTable } from '../../shared/adapters/dynamodb';
import type { ApiDeps } from '../../shared/core/http/api-types';

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

/** The management API's store ports: every one is the one DynamoDB store, as the API function wires them. */
const API_STORE_PORTS = [
  'tenants',
  'connections',
  'runs',
  'cursors',
  'teams',
  'webhooks',
  'imported',
  'skills',
  'definitions',
  'eventEndpoints',
  'budgets',
] as const;

/** ApiDeps over one store: the test gives what is not a store (secrets, lane, clock, endpoints...). */
export function apiDepsOver(store: DynamoRepositories, rest: Omit<ApiDeps, (typeof API_STORE_PORTS)[number]>): ApiDeps {
  const ports = Object.fromEntries(API_STORE_PORTS.map((port) => [port, store]));
  return { ...(ports as Record<(typeof API_STORE_PORTS)[number], DynamoRepositories>), ...rest };
}
