/**
 * npm start's SDK environment (local/sdk-env.ts): `.tajo/sdk.env` read back by a shell gives the
 * docs' examples what they read; only the sandbox's own tokens are written, never a person's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdkEnv, writeSdkEnv } from '../../local/sdk-env';
import { sandboxConfigYaml } from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';

const stack = { url: 'http://127.0.0.1:3000', apiKey: "tajo_a'b c", tenantId: 'default' };

test("the sandbox config: the API's three and the sandbox's four tokens, read back by a shell as written", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tajo-sdk-env-'));
  try {
    const vars = sdkEnv(stack, parseConfig(sandboxConfigYaml(), {}));
    expect(Object.keys(vars)).toEqual([
      'TAJO_API_URL',
      'TAJO_API_KEY',
      'TAJO_TENANT',
      'NOTION_TOKEN',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'BREVO_API_KEY',
    ]);
    const lines = writeSdkEnv(dir, vars, join(dir, 'default.api-key'));
    const file = join(dir, 'sdk.env');
    expect(lines[0]).toBe(`  the SDK against this stack (another shell): set -a; . ${file}; set +a`);
    expect(lines.join('\n')).not.toContain(stack.apiKey);
    expect(statSync(file).mode & 0o077).toBe(0);
    const script = `set -a; . '${file}'; set +a; ${Object.keys(vars)
      .map((k) => `printf '%s\\n' "$${k}"`)
      .join('; ')}`;
    const read = execFileSync('sh', ['-c', script], { env: {}, encoding: 'utf8' }).split('\n').slice(0, -1);
    expect(read).toEqual(Object.values(vars));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a person's own tokens are not written: only the API's variables", () => {
  const config = parseConfig(sandboxConfigYaml(), {
    NOTION_TOKEN: 'ntn_real',
    BREVO_API_KEY: 'xkeysib-real',
    SLACK_BOT_TOKEN: 'xoxb-real',
    SLACK_SIGNING_SECRET: 'real-secret',
  });
  expect(Object.keys(sdkEnv(stack, config))).toEqual(['TAJO_API_URL', 'TAJO_API_KEY', 'TAJO_TENANT']);
});
