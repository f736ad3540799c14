/**
 * Loads the functions of the topology the way Lambda runs them: each entry bundled by esbuild
 * (CommonJS, node24, @aws-sdk external as in the stack) and required from the bundle. Bundles go to
 * node_modules/.cache so their externals resolve from the project's node_modules.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { type FunctionName, topology } from '../shared/app/topology';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

const ROOT = resolve(__dirname, '..');

export async function loadFunctions(): Promise<Record<FunctionName, LambdaHandler>> {
  const outDir = join(ROOT, 'node_modules', '.cache', 'tajo-local');
  await mkdir(outDir, { recursive: true });
  const out: Partial<Record<FunctionName, LambdaHandler>> = {};
  await Promise.all(
    (Object.entries(topology.functions) as [FunctionName, (typeof topology.functions)[FunctionName]][]).map(
      async ([name, spec]) => {
        const outfile = join(outDir, `${name}.cjs`);
        await build({
          entryPoints: [join(ROOT, spec.entry)],
          outfile,
          bundle: true,
          platform: 'node',
          target: 'node24',
          format: 'cjs',
          sourcemap: 'inline',
          external: ['@aws-sdk/*'],
          logLevel: 'error',
        });
        delete require.cache[outfile];
        out[name] = (require(outfile) as { handler: LambdaHandler }).handler;
      },
    ),
  );
  return out as Record<FunctionName, LambdaHandler>;
}

/** The parts of a Lambda context the handlers use. */
export function lambdaContext(functionName: string, timeoutSeconds: number) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
