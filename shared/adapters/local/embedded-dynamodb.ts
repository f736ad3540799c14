/**
 * Embedded DynamoDB for the local runtime and the CLI: dynalite (the DynamoDB wire protocol) on
 * 127.0.0.1, persisted under TAJO_STATE_DIR so consecutive CLI runs are incremental.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readEnv } from '../../core/env';
import { TajoError } from '../../core/errors';
import { type DynamoRepositories, dynamoRepositories, ensureTable } from '../dynamodb';
import { runningStack, stackHoldsStateLine } from './running-stack';

export const LOCAL_TABLE = 'tajo-local';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface EmbeddedDynamo {
  endpoint: string;
  client: DynamoDBClient;
  store: DynamoRepositories;
  close(): Promise<void>;
}

/** `dir` undefined: in memory. */
export async function startEmbeddedDynamo(dir?: string): Promise<EmbeddedDynamo> {
  if (dir) {
    // The database is the state's `dynamodb` folder; a running `npm start` holds it (one process
    // only: a second opener fails later with "Database is closed"), so say where to go instead.
    const state = dirname(dir);
    const stack = runningStack(state);
    if (stack && stack.pid !== process.pid) throw new TajoError(stackHoldsStateLine(state, stack), 'local_state');
    await mkdir(dir, { recursive: true });
    await refuseIfLocked(dir, state);
  }
  // biome-ignore lint/suspicious/noExplicitAny: dynalite ships no types
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => any;
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dir ? { path: dir } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    throw new TajoError(`cannot open the local state in ${dir}: ${(err as Error).message}`, 'local_state');
  }
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS });
  try {
    await ensureTable(client, LOCAL_TABLE);
  } catch (err) {
    server.close();
    const msg = (err as Error).message;
    throw new TajoError(
      /lock/i.test(msg)
        ? `the local state in ${dir} is in use by another process (is \`npm start\` running? then talk to it: --api http://127.0.0.1:3000)`
        : `cannot open the local state in ${dir}: ${msg}`,
      'local_state',
    );
  }
  return {
    endpoint,
    client,
    store: dynamoRepositories(client, LOCAL_TABLE),
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * LevelDB (dynalite's store) locks its folder; dynalite opened on a locked one throws "Database is
 * closed" from a callback, out of reach of any catch. Opening it ourselves first turns that into
 * one line.
 */
async function refuseIfLocked(dir: string, state: string): Promise<void> {
  // dynalite's own copy of level (not a dependency of ours), whatever the install layout.
  const levelPath = require.resolve('level', { paths: [dirname(require.resolve('dynalite'))] });
  // biome-ignore lint/suspicious/noExplicitAny: level is dynalite's dependency, used untyped here
  const { Level } = require(levelPath) as { Level: new (dir: string) => any };
  const db = new Level(dir);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED')
      throw new TajoError(
        `the local state in ${state} is in use by another process (another tajo command, or an npm start ` +
          'still stopping: it takes a few seconds): wait for it to finish and try again, or talk to a running ' +
          'npm start with --api URL (the URL it printed)',
        'local_state',
      );
    throw new TajoError(`cannot open the local state in ${state}: ${(err as Error).message}`, 'local_state');
  } finally {
    await db.close().catch(() => undefined);
  }
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return readEnv(env).stateDir || join(process.cwd(), '.tajo');
}
