#!/usr/bin/env node
// The `tajo` CLI entry: registers tsx so the TypeScript sources run as they are (no build step).
// Run it through npx (or npm run tajo) so the project's Node 24 is the one on PATH.
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main answers every command's failure itself; this is for a failure of main (or of loading it).
    // One line, never a stack: a person cannot act on one, and it may carry what a provider sent.
    let line;
    try {
      const { failureReason } = require('../shared/errors.ts');
      const { redactText } = require('../shared/logging/redact.ts');
      line = redactText(failureReason(err));
    } catch {
      line = `internal error: ${String(err?.message ?? err).split('\n')[0]}`;
    }
    process.stderr.write(`tajo: ${line}\n`);
    process.exitCode = 1;
  },
);
