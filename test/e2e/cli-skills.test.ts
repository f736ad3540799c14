/**
 * `tajo skills` and `tajo connectors register` as a user runs them (a child process): against the
 * local stack with a profile (the management API's /skills and /definitions routes), and in process
 * against the CLI's own local state. A TypeScript definition is run on this machine and sent as data.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/tajo.cjs');
const FIXTURES = resolve(__dirname, '../fixtures/definitions');

let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-cli-skills-'));
  stack = await startLocalStack({
    port: 0,
    stateDir: join(dir, 'stack'),
    configPath: join(dir, 'no-such-config.yaml'),
    env: { ...process.env },
    dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    sqsEndpoint: process.env.TEST_SQS_ENDPOINT,
    sandboxRows: 5,
    log: () => undefined,
  });
  await mkdir(join(dir, 'cwd'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function tajo(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: join(dir, 'cwd'),
      env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), TAJO_STATE_DIR: join(dir, 'cli-state'), ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);

test('against the local stack: list, enable with settings, refusals, disable; register YAML and TypeScript definitions', async () => {
  const created = await tajo(['tenants', 'create', 'shop', '--table', stack.table, '--save-profile', 'shop'], {
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    TAJO_API_URL: stack.url,
  });
  expect(created.code).toBe(0);
  const p = ['--profile', 'shop'];

  const listed = await tajo(['skills', 'list', ...p]);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout.split('\n').filter(Boolean)).toEqual([
    'Tenant shop:',
    expect.stringMatching(/^ {2}customer-sync {3}disabled needs a connected platform with customers: .*shopify/),
    '  abandoned-cart  disabled minutes 30; needs a connected platform with carts: shopify',
    '  none enabled: tajo skills enable abandoned-cart',
  ]);

  const on = await tajo(['skills', 'enable', 'abandoned-cart', '--minutes', '30', ...p]);
  expect(on).toMatchObject({ code: 0, stderr: '' });
  expect(on.stdout).toContain(
    'abandoned-cart enabled for shop: minutes 30; needs a connected platform with carts: shopify',
  );
  const json = lastJson((await tajo(['skills', 'list', '--json', ...p])).stdout);
  expect(json.skills[1]).toMatchObject({ name: 'abandoned-cart', enabled: true, settings: { minutes: 30 } });

  // Refusals: an unknown skill (one line, the list), a bad setting (exit 2 with its key), a setting of another skill.
  const unknown = await tajo(['skills', 'enable', 'upsell', ...p]);
  expect(unknown).toMatchObject({
    code: 2,
    stdout: '',
    stderr: 'tajo: unknown skill "upsell": the skills are customer-sync, abandoned-cart\n',
  });
  const zero = await tajo(['skills', 'enable', 'abandoned-cart', '--minutes', '0', ...p]);
  expect(zero.code).toBe(2);
  expect(zero.stderr).toBe('tajo: skills.abandoned-cart.minutes: at least 1 minute\n');
  const words = await tajo(['skills', 'enable', 'abandoned-cart', '--minutes', 'soon', ...p]);
  expect(words.code).toBe(2);
  expect(words.stderr.split('\n')[0]).toBe('tajo: --minutes takes a whole number of minutes, got "soon"');

  const off = await tajo(['skills', 'disable', 'abandoned-cart', ...p]);
  expect(off).toMatchObject({ code: 0, stdout: 'abandoned-cart disabled for shop\n' });

  const yaml = await tajo(['connectors', 'register', join(FIXTURES, 'acmeshop.yaml'), ...p]);
  expect(yaml).toMatchObject({ code: 0, stderr: '' });
  expect(yaml.stdout).toContain('Acme Shop (acmeshop) 1.0.0 registered for shop (2 resources, 4 webhooks)');
  expect((await tajo(['connectors', 'register', join(FIXTURES, 'acmeshop.yaml'), ...p])).stdout).toContain(
    'Acme Shop (acmeshop) 1.0.0 already registered (unchanged) for shop',
  );
  // A TypeScript definition runs here; the stack stores its result.
  const ts = await tajo(['connectors', 'register', join(FIXTURES, 'defined-connector.ts'), '--json', ...p]);
  expect(ts.code).toBe(0);
  expect(lastJson(ts.stdout)).toMatchObject({ name: 'typed-shop', version: '1.2.0', changed: true });
  // Registered platforms are offered to the skills.
  const after = lastJson((await tajo(['skills', 'list', '--json', ...p])).stdout);
  expect(after.skills[0].platforms).toEqual(expect.arrayContaining(['acmeshop']));

  const broken = join(dir, 'broken.yaml');
  await writeFile(
    broken,
    'name: broken\nversion: 1\nauth: { type: bearer }\nresources:\n  x: { endpoint: x, mapping: { email: e } }\n',
  );
  const bad = await tajo(['connectors', 'register', broken, ...p]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('tajo: broken.yaml: resources.x.endpoint: expected a path starting with /\n');
  const builtIn = join(dir, 'shopify.json');
  await writeFile(
    builtIn,
    JSON.stringify({ name: 'shopify', version: '1', auth: { type: 'bearer' }, webhooks: { a: '/a' } }),
  );
  const taken = await tajo(['connectors', 'register', builtIn, ...p]);
  expect(taken.code).toBe(1);
  expect(taken.stderr).toBe('tajo: shopify is a built-in connector (Shopify): name your definition otherwise (409)\n');
}, 120_000);

test('in process against the local state, without --api', async () => {
  const on = await tajo(['skills', 'enable', 'customer-sync', '--json']);
  expect(on.code).toBe(0);
  expect(lastJson(on.stdout)).toMatchObject({ name: 'customer-sync', enabled: true, settings: {} });
  const listed = await tajo(['skills', 'list']);
  expect(listed.stdout).toContain('customer-sync   enabled  needs a connected platform with customers');
  const reg = await tajo(['connectors', 'register', join(FIXTURES, 'minimal.json')]);
  expect(reg.stdout).toContain('minimal 0.1.0 registered for default in the local state (1 resource, 0 webhooks)');
  const off = await tajo(['skills', 'disable', 'customer-sync', '--json']);
  expect(lastJson(off.stdout)).toEqual({ name: 'customer-sync', enabled: false, wasEnabled: true });
}, 60_000);
