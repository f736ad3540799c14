/**
 * `tajo connectors list` shows every platform connector of the registry with its connection
 * state, connected or not (in process, on a fresh local state: nothing connected yet).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/tajo.cjs');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-cli-list-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tajo(args: string[]) {
  return run(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, TAJO_STATE_DIR: join(dir, 'state') },
    timeout: 60_000,
  });
}

test('every connector is listed with its state, in text and in --json', async () => {
  const text = await tajo(['connectors', 'list']);
  expect(text.stdout.split('\n')).toEqual([
    'Tenant default:',
    '  brevo   no API key: tajo connectors connect brevo --key <Brevo API key>',
    '  notion  not connected: tajo connectors connect notion',
    '  slack   not connected: tajo connectors connect slack',
    '  shopify not connected: tajo connectors connect shopify',
    '  stripe  not connected: tajo connectors connect stripe',
    '',
  ]);
  const json = JSON.parse((await tajo(['connectors', 'list', '--json'])).stdout);
  expect(json).toMatchObject({
    tenantId: 'default',
    connections: [],
    connectors: [
      { name: 'notion', label: 'Notion', connected: false, enabled: null, health: null },
      { name: 'slack', label: 'Slack', connected: false, enabled: null, health: null },
      { name: 'shopify', label: 'Shopify', connected: false, enabled: null, health: null },
      { name: 'stripe', label: 'Stripe', connected: false, enabled: null, health: null },
    ],
  });
}, 90_000);
