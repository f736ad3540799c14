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
    process.stderr.write(`tajo: ${err?.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
