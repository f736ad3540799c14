/**
 * The local stack as the tests run it: on the run's dynalite and fauxqs, in a fresh state dir,
 * against the sandbox simulators (no tokens from the environment), quiet.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/stack';

export interface SandboxStack {
  stack: LocalStack;
  /** The state dir (TAJO_STATE_DIR of the stack). */
  dir: string;
  stop(): Promise<void>;
}

export async function startSandboxStack(opts: {
  sandboxRows: number;
  /** Added to the environment the stack reads (its config's ${VAR}s, TAJO_* settings). */
  env?: NodeJS.ProcessEnv;
  /** The default tenant's tajo.yaml; the sandbox config without one. */
  configYaml?: string;
  log?: (line: string) => void;
}): Promise<SandboxStack> {
  const dir = await mkdtemp(join(tmpdir(), 'tajo-stack-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  const configPath = join(dir, 'tajo.yaml');
  if (opts.configYaml !== undefined) await writeFile(configPath, opts.configYaml);
  try {
    const stack = await startLocalStack({
      port: 0,
      stateDir: dir,
      configPath,
      env,
      dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
      sqsEndpoint: process.env.TEST_SQS_ENDPOINT,
      sandboxRows: opts.sandboxRows,
      log: opts.log ?? (() => undefined),
    });
    return {
      stack,
      dir,
      stop: async () => {
        await stack.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
