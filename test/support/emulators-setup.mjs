// Starts the emulators once for the whole jest run: dynalite (DynamoDB wire protocol) and fauxqs
// (SQS), both bound to 127.0.0.1. fauxqs's own startFauxqs() binds 0.0.0.0, so we listen ourselves.
// Also makes the run's log directory: test processes tee their output and register their secrets
// there (log-capture.ts, secrets-registry.ts), and the teardown scans it.
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from 'fauxqs';

const require = createRequire(import.meta.url);

export default async function setup() {
  const dynalite = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  const sqs = buildApp({ logger: false });
  await sqs.listen({ port: 0, host: '127.0.0.1' });
  process.env.TEST_DYNAMODB_ENDPOINT = `http://127.0.0.1:${dynalite.address().port}`;
  process.env.TEST_SQS_ENDPOINT = `http://127.0.0.1:${sqs.server.address().port}`;
  process.env.TAJO_TEST_LOG_DIR = mkdtempSync(join(tmpdir(), 'tajo-test-run-'));
  globalThis.__TAJO_EMULATORS__ = { dynalite, sqs };
}
