/**
 * The `tajo` CLI as a person runs it: bin/tajo.cjs in a child process, with only the environment
 * a test gives it (and PATH), so nothing of the test runner's environment leaks into the run.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TAJO_BIN = resolve(__dirname, '../../bin/tajo.cjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tajo ...args`; a non-zero exit is a result (its code and output), not a throw. */
export async function runTajo(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TAJO_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI pointed at the Notion and Brevo simulators, with its state in `dir`/state. */
export function simulatorEnv(notion: { baseUrl: string }, brevo: { baseUrl: string }, dir: string) {
  return { NOTION_BASE_URL: notion.baseUrl, BREVO_BASE_URL: brevo.baseUrl, TAJO_STATE_DIR: join(dir, 'state') };
}

/** The `--json` object: the last line of stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}
