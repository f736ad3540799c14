/**
 * The docs' `my-platform` under npm start: the sandbox OAuth platform with one registered app (the
 * client id and secret a person would create at the platform), and the definition file pointed at
 * the platform's address, so docs/connectors.md's "Install by OAuth" steps run as printed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The definition's name: the docs' platform. */
export const SANDBOX_OAUTH_PLATFORM = 'my-platform';

/** The app the person "created at the platform" (step 1 of the docs); its redirect URL is added once the stack's port is known. */
export const SANDBOX_OAUTH_PLATFORM_APP = {
  clientId: 'my-platform-sandbox-client',
  clientSecret: 'my-platform-sandbox-client-secret',
} as const;

/** Where the docs' definition names the platform; npm start's copy names the sandbox's address instead. */
const DOCS_HOST = 'https://api.myplatform.com';

const TEMPLATE = join(__dirname, 'my-platform.yaml');

/** Writes `<dir>/my-platform.yaml` (the definition, pointed at `baseUrl`) and returns its path. */
export function writeSandboxPlatformDefinition(dir: string, baseUrl: string): string {
  const file = join(dir, `${SANDBOX_OAUTH_PLATFORM}.yaml`);
  writeFileSync(file, readFileSync(TEMPLATE, 'utf8').replaceAll(DOCS_HOST, baseUrl));
  return file;
}
