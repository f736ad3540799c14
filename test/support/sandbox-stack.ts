/**
 * The local stack as the e2e tests start it: on the run's dynalite and fauxqs, against the sandbox
 * simulators (no tokens from the environment), its state in a temp dir that `stop` removes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
  /** Added to the environment the stack reads (e.g. POWERTOOLS_LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}): Promise<SandboxStack> {
  const dir = await mkdtemp(join(tmpdir(), 'tajo-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.NOTION_TOKEN;
  delete env.BREVO_API_KEY;
  const stack = await startLocalStack({
    port: 0,
    stateDir: dir,
    configPath: join(dir, 'no-such-config.yaml'),
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
}
