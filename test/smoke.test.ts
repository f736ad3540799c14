import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';

test('runs on Node 24 with emulators on loopback', async () => {
  expect(process.version.startsWith('v24')).toBe(true);
  const creds = { accessKeyId: 'x', secretAccessKey: 'x' };
  const ddb = new DynamoDBClient({ endpoint: process.env.TEST_DYNAMODB_ENDPOINT, region: 'local', credentials: creds });
  await ddb.send(
    new CreateTableCommand({
      TableName: 'smoke',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('smoke');
  const sqs = new SQSClient({ endpoint: process.env.TEST_SQS_ENDPOINT, region: 'us-east-1', credentials: creds });
  const q = await sqs.send(new CreateQueueCommand({ QueueName: 'smoke.fifo', Attributes: { FifoQueue: 'true' } }));
  expect(q.QueueUrl).toContain('smoke.fifo');
});
