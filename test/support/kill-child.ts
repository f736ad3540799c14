/**
 * Killing `tajo` mid-run at a chosen point: the CLI in a child process (as runTajo runs it), and a
 * trigger that counts the requests the simulators receive and sends SIGKILL when the Nth arrives,
 * either before the simulator answers it (the child never learns the answer: a write Brevo applied
 * whose answer was lost) or a few milliseconds after (the child may have acted on it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { RequestLog } from '../../sandbox/http-kit';
import { type CliResult, TAJO_BIN } from './cli-process';

export interface KilledResult extends CliResult {
  /** The signal that ended the child (SIGKILL when the trigger fired), null on a normal exit. */
  signal: NodeJS.Signals | null;
}

/** Runs `tajo ...args` in a child process; `child` is there to kill it. */
export function spawnTajo(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<KilledResult> } {
  const child = spawn(process.execPath, [TAJO_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const done = new Promise<KilledResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Where a kill landed: the request that triggered it, by simulator log and index. */
export interface KillPoint {
  log: RequestLog;
  index: number;
  /** True when the child was killed before the simulator answered that request. */
  beforeAnswer: boolean;
}

/**
 * Counts the requests the simulators log (every request, answered or refused) and kills `child`
 * when the `n`th one arrives. Returns a function that disarms the trigger and tells where it
 * fired (undefined when the child finished first).
 */
export function killAtRequest(
  logs: RequestLog[],
  n: number,
  child: ChildProcess,
  opts: { beforeAnswer: boolean; delayMs: number },
): () => KillPoint | undefined {
  let seen = 0;
  let fired: KillPoint | undefined;
  const originals = logs.map((log) => log.add);
  logs.forEach((log, i) => {
    const original = originals[i] as RequestLog['add'];
    log.add = (rec) => {
      original.call(log, rec);
      seen += 1;
      if (seen !== n || fired) return;
      fired = { log, index: log.records.length - 1, beforeAnswer: opts.beforeAnswer };
      // log.add runs before the simulator writes its answer: a kill here loses the answer.
      if (opts.beforeAnswer) child.kill('SIGKILL');
      else setTimeout(() => child.kill('SIGKILL'), opts.delayMs);
    };
  });
  return () => {
    logs.forEach((log, i) => {
      log.add = originals[i] as RequestLog['add'];
    });
    return fired;
  };
}
