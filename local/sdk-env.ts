/**
 * The SDK's environment under `npm start`: what `new TajoClient()` and the docs' examples read
 * (TAJO_API_URL, TAJO_API_KEY, TAJO_TENANT, and the tokens they connect with), written to
 * `<state>/sdk.env` so `set -a; . .tajo/sdk.env; set +a` sets them all. Only the sandbox's own tokens
 * go there (fixed, public values the simulators accept): a person's real tokens stay where they put them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_SIGNING_SECRET,
  SANDBOX_SLACK_TOKEN,
} from '../sandbox/sandbox';
import type { TajoConfig } from '../shared/core/config/schema';

export const SDK_ENV_FILE = 'sdk.env';

/** The variables, in the order the docs' examples read them; the sandbox's tokens only where the config uses them. */
export function sdkEnv(
  stack: { url: string; apiKey: string; tenantId: string },
  config: Pick<TajoConfig, 'brevo' | 'connectors'>,
): Record<string, string> {
  const slack = config.connectors.slack;
  const sandboxSlack = slack?.bot_token === SANDBOX_SLACK_TOKEN;
  return {
    TAJO_API_URL: stack.url,
    TAJO_API_KEY: stack.apiKey,
    TAJO_TENANT: stack.tenantId,
    ...(config.connectors.notion?.token === SANDBOX_NOTION_TOKEN ? { NOTION_TOKEN: SANDBOX_NOTION_TOKEN } : {}),
    ...(sandboxSlack ? { SLACK_BOT_TOKEN: SANDBOX_SLACK_TOKEN } : {}),
    ...(sandboxSlack && slack?.signing_secret === SANDBOX_SLACK_SIGNING_SECRET
      ? { SLACK_SIGNING_SECRET: SANDBOX_SLACK_SIGNING_SECRET }
      : {}),
    ...(config.brevo.api_key === SANDBOX_BREVO_KEY ? { BREVO_API_KEY: SANDBOX_BREVO_KEY } : {}),
  };
}

/** Writes `<stateDir>/sdk.env` (private: it holds the API key) and answers the lines npm start prints. */
export function writeSdkEnv(stateDir: string, vars: Record<string, string>, apiKeyFile: string): string[] {
  const file = join(stateDir, SDK_ENV_FILE);
  const text = Object.entries(vars)
    .map(([name, value]) => `${name}=${shellQuoted(value)}`)
    .join('\n');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  const tokens = Object.keys(vars).filter((name) => !name.startsWith('TAJO_'));
  return [
    `  the SDK against this stack (another shell): set -a; . ${file}; set +a`,
    `    it sets TAJO_API_URL=${vars.TAJO_API_URL}, TAJO_API_KEY (from ${apiKeyFile}), TAJO_TENANT=${vars.TAJO_TENANT}` +
      (tokens.length > 0 ? ` and the sandbox's ${tokens.join(', ')}` : ''),
    '    then: const tajo = new TajoClient({ apiKey: process.env.TAJO_API_KEY, brevoApiKey: process.env.BREVO_API_KEY })',
  ];
}

/** A value as a POSIX shell reads it back unchanged (`. sdk.env`). */
function shellQuoted(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
