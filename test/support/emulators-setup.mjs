// Starts the emulators once for the whole jest run: dynalite (DynamoDB wire protocol) and fauxqs
// (SQS), both bound to 127.0.0.1. fauxqs's own startFauxqs() binds 0.0.0.0, so we listen ourselves.
import { createRequire } from 'node:module';
import { buildApp } from 'fauxqs';

const require = createRequire(import.meta.url);

export default async function setup() {
  const dynalite = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  const sqs = buildApp({ logger: false });
  await sqs.listen({ port: 0, host: '127.0.0.1' });
  process.env.TEST_DYNAMODB_ENDPOINT = `http://127.0.0.1:${dynalite.address().port}`;
  process.env.TEST_SQS_ENDPOINT = `http://127.0.0.1:${sqs.server.address().port}`;
  globalThis.__TAJO_EMULATORS__ = { dynalite, sqs };
}
