/**
 * The check at the end of every jest run: no secret in any log line the run produced. It reads
 * what log-capture.ts teed (each test process's stdout and stderr, console calls, the Powertools
 * lines of the functions under test, the stderr of the CLI child processes) and looks for every
 * registered test secret (secrets-registry.ts) and every token shape the redaction knows.
 *
 * A finding never prints the secret itself: the report would be one more log that leaks it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredTestSecrets } from '../../sandbox/secrets-registry';
import { findTokenShapes } from '../../shared/core/logging/redact';

export interface SecretFinding {
  file: string;
  line: number;
  /** What was found, described without the secret: `registered secret "xoxb-…" (22 chars)`. */
  what: string;
  /** The line with every secret in it replaced by [SECRET], cut to 300 characters. */
  excerpt: string;
}

export function logsDir(runDir: string): string {
  return join(runDir, 'logs');
}

/** `xoxb-…` (22 chars): enough to tell which secret, not enough to use it. */
export function describeSecret(secret: string): string {
  return `"${secret.slice(0, Math.min(5, Math.floor(secret.length / 3)))}…" (${secret.length} chars)`;
}

/** The secrets of one text: registered values first, then anything token-shaped. */
export function findSecrets(text: string, known: readonly string[]): { secret: string; what: string }[] {
  const found: { secret: string; what: string }[] = [];
  for (const secret of known) {
    if (text.includes(secret)) found.push({ secret, what: `registered secret ${describeSecret(secret)}` });
  }
  for (const token of findTokenShapes(text)) {
    if (!found.some((f) => f.secret.includes(token) || token.includes(f.secret))) {
      found.push({ secret: token, what: `token-shaped text ${describeSecret(token)}` });
    }
  }
  return found;
}

export function scanText(file: string, text: string, known: readonly string[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  text.split('\n').forEach((line, i) => {
    const found = findSecrets(line, known);
    if (found.length === 0) return;
    let excerpt = line;
    for (const f of found) excerpt = excerpt.split(f.secret).join('[SECRET]');
    for (const f of found) findings.push({ file, line: i + 1, what: f.what, excerpt: excerpt.slice(0, 300) });
  });
  return findings;
}

/** Scans every captured log file of a run. */
export function scanRunLogs(runDir: string, known = registeredTestSecrets(runDir)): SecretFinding[] {
  const dir = logsDir(runDir);
  if (!existsSync(dir)) return [];
  const findings: SecretFinding[] = [];
  for (const file of readdirSync(dir).sort()) {
    findings.push(...scanText(join(dir, file), readFileSync(join(dir, file), 'utf8'), known));
  }
  return findings;
}

export function formatFindings(findings: readonly SecretFinding[]): string {
  const shown = findings.slice(0, 20).map((f) => `  ${f.file}:${f.line}: ${f.what}\n    ${f.excerpt}`);
  const more = findings.length > 20 ? `\n  ... and ${findings.length - 20} more` : '';
  return `secrets in the test run's log lines (${findings.length}):\n${shown.join('\n')}${more}`;
}
