/**
 * The `tajo` CLI for tenants and connections, as a user runs it (a child process): against the local
 * stack with --api (a profile, or TAJO_API_KEY), and in process against its own local state. The
 * stack serves the same handlers as in AWS, with the sandbox Notion, Brevo and Slack simulators.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { SANDBOX_BREVO_KEY, SANDBOX_NOTION_TOKEN, sandboxConfigYaml } from '../../sandbox/sandbox';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/tajo.cjs');

let stack: LocalStack;
let dir: string;
let config: string;
let profiles: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-cli-tenants-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  stack = await startLocalStack({
    port: 0,
    stateDir: join(dir, 'stack'),
    configPath: join(dir, 'no-such-config.yaml'),
    env,
    dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    sqsEndpoint: process.env.TEST_SQS_ENDPOINT,
    sandboxRows: 40,
    log: () => undefined,
  });
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml());
  profiles = join(dir, 'home', '.tajo', 'config');
  // The commands run where there is no ./tajo.yaml: only --config brings one in.
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
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(dir, 'home'),
        TAJO_STATE_DIR: join(dir, 'cli-state'),
        ...env,
      },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

describe('against the local stack with --api', () => {
  /** What ops use to reach the stack's table: the AWS SDK's own environment (here: its dynalite). */
  const opsEnv = () => ({
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    TAJO_API_URL: stack.url,
  });

  test('ops create a tenant in the table; its owner connects, tests, syncs, reads status and disconnects', async () => {
    const created = await tajo(
      ['tenants', 'create', 'acme', '--table', stack.table, '--save-profile', 'acme', '--json'],
      opsEnv(),
    );
    expect(created.code).toBe(0);
    const tenant = lastJson(created.stdout);
    expect(tenant).toMatchObject({ tenantId: 'acme', apiKey: expect.stringMatching(/^tajo_/), profile: 'acme' });
    expect((await stat(profiles)).mode & 0o777).toBe(0o600);
    // Created once: again is refused, and the first key keeps working.
    const again = await tajo(['tenants', 'create', 'acme', '--table', stack.table], opsEnv());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const p = ['--profile', 'acme'];
    const wrongKey = await tajo(['connectors', 'connect', 'brevo', '--key', 'xkeysib-wrong', ...p]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/Brevo rejected the API key/);

    const installed = await tajo([
      'connectors',
      'install',
      'notion',
      '--token',
      SANDBOX_NOTION_TOKEN,
      '--brevo-key',
      SANDBOX_BREVO_KEY,
      '--config',
      config,
      ...p,
    ]);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toMatch(/Brevo API key stored for tenant acme/);
    expect(installed.stdout).toMatch(
      /Notion connected for tenant acme: workspace Sandbox; 1 database; runs every 4 hours/,
    );
    // The next command as it can be run: with the profile the command was given, not a placeholder.
    expect(installed.stdout).toContain('Next: tajo connectors test notion --profile acme');
    // The stack armed the new connection's schedule.
    expect(stack.scheduler.ensured.get('notionPoll/notion-acme')).toMatchObject({ input: { tenantId: 'acme' } });

    const checks = await tajo(['connectors', 'test', 'notion', ...p]);
    expect(checks.code).toBe(0);
    expect(checks.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^✓ API authentication successful: integration "Tajo Sandbox" in workspace Sandbox/),
      expect.stringMatching(/^✓ Database access verified: 1 database readable/),
      expect.stringMatching(/^✓ User list accessible: /),
      expect.stringMatching(/^✓ Search operational: /),
      expect.stringMatching(/^– Page creation available: not checked/),
    ]);

    const synced = await tajo(['connectors', 'sync', 'notion', '--full', '--json', ...p]);
    expect(synced.code).toBe(0);
    expect(lastJson(synced.stdout)).toMatchObject({ status: 'succeeded', mode: 'full', pagesRead: 40, failed: 0 });

    const status = lastJson((await tajo(['connectors', 'status', 'notion', '--json', ...p])).stdout);
    expect(status).toMatchObject({
      tenantId: 'acme',
      connected: true,
      databasesSynced: 1,
      pagesTracked: 40,
      lastSync: expect.any(String),
      lastSyncRun: { status: 'succeeded', mode: 'full', trigger: 'api' },
      // The local scheduler knows when it fires: not an estimate.
      nextRun: { estimated: false, windowMinutes: 30 },
    });
    const readable = await tajo(['connectors', 'status', 'notion', ...p]);
    expect(readable.stdout).toMatch(/connected \(workspace Sandbox\)/);
    expect(readable.stdout).toMatch(/1 of 1 database synced, 40 pages tracked/);

    // acme's key on the default tenant: the same 404 as an unknown tenant.
    const other = await tajo(['connectors', 'status', 'notion', '--tenant', 'default', ...p]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/not found \(404\)/);

    const gone = await tajo(['connectors', 'disconnect', 'notion', ...p]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/Notion disconnected from tenant acme/);
    expect(gone.stdout).toMatch(/secret acme\/notion-token/);
    expect(gone.stdout).toMatch(/schedule notionPoll\/notion-acme/);
    expect(stack.scheduler.ensured.has('notionPoll/notion-acme')).toBe(false);
    const after = lastJson((await tajo(['connectors', 'status', 'notion', '--json', ...p])).stdout);
    expect(after).toMatchObject({ connected: false, nextRun: null });
    // The default tenant is untouched.
    expect(await stack.dynamo.store.getConnection('default', 'notion')).toBeDefined();
  }, 240_000);

  test('--api with TAJO_API_KEY; a profile key is never sent to another API; a readable profile file is refused', async () => {
    const listed = await tajo(['connectors', 'list', '--api', stack.url, '--json'], { TAJO_API_KEY: stack.apiKey });
    expect(listed.code).toBe(0);
    expect(lastJson(listed.stdout)).toMatchObject({
      tenantId: 'default',
      connections: expect.arrayContaining([expect.objectContaining({ connector: 'notion' })]),
    });

    // The Slack connection's checks run in the stack with its stored tokens; the events URL is the
    // stack's own route for the tenant, answered with the stored signing secret.
    const slackChecks = await tajo(['connectors', 'test', 'slack', '--api', stack.url], { TAJO_API_KEY: stack.apiKey });
    expect(slackChecks.stdout).toMatch(/✓ Bot token valid/);
    expect(slackChecks.stdout).toMatch(
      /✓ Event subscriptions active: http:\/\/127\.0\.0\.1:\d+\/slack\/default\/events answers/,
    );
    const slackStatus = lastJson(
      (await tajo(['connectors', 'status', 'slack', '--api', stack.url, '--json'], { TAJO_API_KEY: stack.apiKey }))
        .stdout,
    );
    expect(slackStatus).toMatchObject({
      connector: 'slack',
      connected: true,
      workspace: { id: 'T0SANDBOX' },
      channels: 1,
      nextRun: { estimated: false },
    });

    await mkdir(join(dir, 'home', '.tajo'), { recursive: true });
    await writeFile(profiles, `[default]\napi = ${stack.url}\ntenant = default\napi_key = ${stack.apiKey}\n`, {
      mode: 0o600,
    });
    const elsewhere = await tajo(['connectors', 'list', '--api', 'http://127.0.0.1:9']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/no API key for http:\/\/127\.0\.0\.1:9/);

    await chmod(profiles, 0o644);
    const exposed = await tajo(['connectors', 'list', '--api', stack.url]);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toMatch(/chmod 600/);
    await chmod(profiles, 0o600);
  }, 60_000);
});

describe('in process, against the local state', () => {
  test("the seed's `install notion --token` on a fresh state: the default tenant, the config's Brevo key, connected", async () => {
    const env = {
      NOTION_BASE_URL: stack.sandbox!.notion.baseUrl,
      BREVO_BASE_URL: stack.sandbox!.brevo.baseUrl,
      TAJO_STATE_DIR: join(dir, 'fresh-state'),
    };
    const res = await tajo(
      ['connectors', 'install', 'notion', '--token', SANDBOX_NOTION_TOKEN, '--config', config],
      env,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Brevo API key stored for tenant default \(account owner@sandbox.example/);
    expect(res.stdout).toMatch(
      /Notion connected for tenant default: workspace Sandbox; 1 database; runs every 4 hours/,
    );
    // The default tenant was made as `npm start` makes it: its key beside the state, private.
    expect((await stat(join(dir, 'fresh-state', 'default.api-key'))).mode & 0o777).toBe(0o600);
  }, 60_000);

  test('create a tenant, store its Brevo key, install Notion by token, test, status, disconnect', async () => {
    const env = {
      NOTION_BASE_URL: stack.sandbox!.notion.baseUrl,
      BREVO_BASE_URL: stack.sandbox!.brevo.baseUrl,
    };
    const created = await tajo(['tenants', 'create', 'loc'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Tenant loc created in the local state/);
    expect(created.stdout).toMatch(/management API key: {2}tajo_/);

    const t = ['--tenant', 'loc'];
    expect(
      (await tajo(['connectors', 'install', 'notion', '--token', SANDBOX_NOTION_TOKEN, ...t], env)).stderr,
    ).toMatch(/no Brevo API key yet/);
    expect((await tajo(['connectors', 'connect', 'brevo', '--key', SANDBOX_BREVO_KEY, ...t], env)).code).toBe(0);
    const installed = await tajo(['connectors', 'install', 'notion', '--token', SANDBOX_NOTION_TOKEN, ...t], env);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toMatch(/Notion connected for tenant loc: workspace Sandbox; 0 databases/);

    const listed = lastJson((await tajo(['connectors', 'list', '--json', ...t], env)).stdout);
    expect(listed).toMatchObject({ brevo: { connected: true }, connections: [{ connector: 'notion' }] });

    // No config here: the stored connection is tested with its stored token.
    const checks = await tajo(['connectors', 'test', 'notion', '--json', ...t], env);
    expect(checks.code).toBe(0);
    expect(lastJson(checks.stdout)).toMatchObject({ ok: true, checks: expect.any(Array) });

    const status = lastJson((await tajo(['connectors', 'status', 'notion', '--json', ...t], env)).stdout);
    expect(status).toMatchObject({ connected: true, workspace: { name: 'Sandbox' } });

    const gone = lastJson((await tajo(['connectors', 'disconnect', 'notion', '--json', ...t], env)).stdout);
    expect(gone).toMatchObject({ disconnected: true, removed: { secrets: ['loc/notion-token'], record: true } });
    const again = await tajo(['connectors', 'disconnect', 'notion', ...t], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no Notion connection/);
  }, 120_000);
});
