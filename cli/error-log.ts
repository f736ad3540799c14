/**
 * Where the CLI keeps the details of an internal failure (the stack, a validation error's issues):
 * one JSON line per failure in $TAJO_STATE_DIR/logs/errors.log, redacted like every other log. The
 * person sees one line naming the run id and this file; whoever debugs greps the file for the id.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stateDir } from '../shared/adapters/local/embedded-dynamodb';
import { readEnv } from '../shared/core/env';
import { redactText, redactValue } from '../shared/core/logging/redact';

/**
 * $TAJO_STATE_DIR/logs, or ./.tajo/logs when that state exists; a command run where there is no
 * state (against an API, or AWS) writes to ~/.tajo/logs instead of leaving a .tajo/ folder behind.
 */
export function errorLogDir(env: NodeJS.ProcessEnv): string {
  const state = stateDir(env);
  if (readEnv(env).stateDir || existsSync(state)) return join(state, 'logs');
  return join(readEnv(env).home || homedir(), '.tajo', 'logs');
}

export function errorLogPath(env: NodeJS.ProcessEnv): string {
  return join(errorLogDir(env), 'errors.log');
}

/** Appends the failure's details; returns the file, or undefined when it cannot be written. */
export async function logFailureDetails(
  env: NodeJS.ProcessEnv,
  entry: { runId: string; command: string; err: unknown; at: Date },
): Promise<string | undefined> {
  const file = errorLogPath(env);
  const { err } = entry;
  const e = err instanceof Error ? err : undefined;
  const issues = (err as { issues?: unknown } | undefined)?.issues;
  const line = {
    at: entry.at.toISOString(),
    runId: entry.runId,
    command: entry.command,
    name: e?.name ?? typeof err,
    message: redactText(e ? e.message : String(err)),
    ...(Array.isArray(issues) ? { issues: redactValue(issues) } : {}),
    ...(e?.stack ? { stack: redactText(e.stack) } : {}),
  };
  try {
    await mkdir(errorLogDir(env), { recursive: true, mode: 0o700 });
    await appendFile(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    return file;
  } catch {
    return undefined;
  }
}
