/**
 * The `npm start` serving a state directory: it writes `<state>/stack.json` (its URL, pid and where
 * the default tenant's API key is) once it serves and removes it at a clean stop. The state's
 * embedded DynamoDB can be open in one process only, so a CLI command beside a running stack reads
 * this to talk to it (`--api`) instead of failing on the locked database. A file whose pid is dead
 * (the stack was killed) is ignored.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const STACK_FILE = 'stack.json';

const stackSchema = z.object({
  url: z.string(),
  pid: z.number().int().positive(),
  tenantId: z.string(),
  apiKeyFile: z.string(),
  startedAt: z.string(),
  /** Its SQS endpoint (fauxqs) and each lane's queue and dead-letter queue: `tajo lanes` reads them. */
  sqsEndpoint: z.string().optional(),
  lanes: z.record(z.string(), z.object({ url: z.string(), dlqUrl: z.string() })).optional(),
});
export type RunningStack = z.infer<typeof stackSchema>;

export function stackFilePath(stateDir: string): string {
  return join(stateDir, STACK_FILE);
}

/** The live stack serving `stateDir`, or undefined (none, a stale file, or an unreadable one). */
export function runningStack(stateDir: string): RunningStack | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(stackFilePath(stateDir), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = stackSchema.safeParse(json);
  if (!parsed.success || !pidAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

export function writeStackFile(stateDir: string, stack: RunningStack): void {
  writeFileSync(stackFilePath(stateDir), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is this process's (a second stack's stop must not remove the first's). */
export function removeStackFile(stateDir: string, pid = process.pid): void {
  const file = stackFilePath(stateDir);
  try {
    const current = stackSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (current.success && current.data.pid !== pid) return;
    rmSync(file, { force: true });
  } catch {
    // Nothing to remove.
  }
}

/** The one line a command that needs the state prints when a stack holds it. */
export function stackHoldsStateLine(stateDir: string, stack: RunningStack): string {
  return (
    `npm start (pid ${stack.pid}) is using the local state in ${stateDir}: talk to it with ` +
    `--api ${stack.url} (and TAJO_API_KEY=$(cat ${stack.apiKeyFile})), or stop it first`
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
