/**
 * After the whole run: stop the emulators, then scan every log line the run printed for secrets
 * (secret-scan.ts). A finding fails the run; its logs are kept for a look, otherwise removed.
 */
import { rmSync } from 'node:fs';
import { LOG_DIR_ENV } from '../../sandbox/secrets-registry';
import { formatFindings, scanRunLogs } from './secret-scan';

interface Emulators {
  dynalite: { close(cb: () => void): void };
  sqs: { close(): Promise<void> };
}

export default async function teardown(): Promise<void> {
  const emulators = (globalThis as { __TAJO_EMULATORS__?: Emulators }).__TAJO_EMULATORS__;
  if (emulators) {
    await emulators.sqs.close();
    await new Promise<void>((resolve) => emulators.dynalite.close(resolve));
  }
  const runDir = process.env[LOG_DIR_ENV];
  if (!runDir) return;
  const findings = scanRunLogs(runDir);
  if (findings.length > 0) {
    throw new Error(`${formatFindings(findings)}\nThe run's logs are kept in ${runDir}.`);
  }
  rmSync(runDir, { recursive: true, force: true });
}
