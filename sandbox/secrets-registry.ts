/**
 * Every credential a test run hands out (simulator tokens and API keys, sandbox secrets, signing
 * secrets a test makes) is registered here, so that the run's final scan (secret-scan.ts, from the
 * jest global teardown) can prove none of them reached a log line. Registration lands in the run's
 * log directory (TAJO_TEST_LOG_DIR, made by the global setup), one file per process, because test
 * files run in several worker processes and the scan runs in the parent.
 *
 * Outside a jest run (`npm start` uses the sandbox simulators too) it does nothing.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_DIR_ENV = 'TAJO_TEST_LOG_DIR';

/** Shorter values (a channel id, "x") would match ordinary text; no real credential is that short. */
export const MIN_SECRET_LENGTH = 8;

const registered = new Set<string>();

export function secretsDir(runDir: string): string {
  return join(runDir, 'secrets');
}

/** Records credentials the run uses; safe to call with the same value again. */
export function registerTestSecrets(...values: (string | undefined)[]): void {
  const runDir = process.env[LOG_DIR_ENV];
  const fresh = values.filter(
    (v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH && !registered.has(v),
  );
  if (fresh.length === 0) return;
  for (const v of fresh) registered.add(v);
  if (!runDir) return;
  const dir = secretsDir(runDir);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), fresh.map((v) => `${JSON.stringify(v)}\n`).join(''), {
    mode: 0o600,
  });
}

/** Every secret registered so far in the run (all processes). */
export function registeredTestSecrets(runDir = process.env[LOG_DIR_ENV]): string[] {
  const all = new Set(registered);
  if (runDir && existsSync(secretsDir(runDir))) {
    for (const file of readdirSync(secretsDir(runDir))) {
      for (const line of readFileSync(join(secretsDir(runDir), file), 'utf8').split('\n')) {
        if (line.trim()) all.add(JSON.parse(line) as string);
      }
    }
  }
  return [...all];
}
