#!/usr/bin/env node
// The `tajo` CLI entry: registers tsx so the TypeScript sources run as they are (no build step).
// Run it through npx (or npm run tajo) so the project's Node 24 is the one on PATH.

// `npx --prefix DIR tajo` from another folder, or `node bin/tajo.cjs` with an older Node first on
// PATH: the project pins Node 24 as a dependency (package.json "node"); run under it instead.
const NEEDED_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < NEEDED_MAJOR) {
  const { existsSync } = require('node:fs');
  const { join } = require('node:path');
  const pinned = join(__dirname, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `tajo: needs Node ${NEEDED_MAJOR} (this is ${process.version}): run npm ci in the project, then npx tajo there\n`,
    );
    process.exit(1);
  }
  const r = require('node:child_process').spawnSync(pinned, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

// A reader that goes away (`tajo connectors status notion | head`) closes the pipe: what is left to
// print has no reader, so the command ends quietly instead of with Node's EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    // Any other write error: nothing more can be shown on this stream; fail without a stack.
    process.exit(err && err.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
  });
}

// Last resort for a throw outside any command's await (a library's callback, such as dynalite's on
// a state another process holds): never Node's stack. The command may still answer with its own
// line (it is given a moment); if it does not, one line is written and the process ends, since
// the work the throw interrupted will never finish.
let settled = false;
let stray;
process.on('uncaughtException', (err) => {
  if (stray !== undefined) return;
  stray = err;
  process.exitCode = 1;
  setTimeout(() => {
    if (!settled) process.stderr.write(`tajo: internal error: ${String(err?.message ?? err).split('\n')[0]}\n`);
    process.exit(1);
  }, 500);
});

/** The CLI's main, or undefined when the front door already answered (--help, --version, a usage mistake). */
async function load(argv) {
  try {
    require('tsx/cjs');
    // `tajo connectors VERB NAME` of a connector the config defines (`definition: FILE`): its rows
    // and options join the table first (only then is the config looked at).
    const words = argv.filter((a) => !a.startsWith('-'));
    if (words[0] === 'connectors' && words.length >= 3) {
      await require('../cli/commands/config-connectors.ts').registerConfigConnector(argv, process.env);
    }
    // --help, --version and usage mistakes are answered from the command table alone (fast, and
    // nothing else is loaded); a command to run loads the CLI.
    const { frontDoor } = require('../cli/front.ts');
    const { defaultIo } = require('../cli/io.ts');
    const front = frontDoor(argv, defaultIo);
    if (front.exit !== undefined) {
      process.exitCode = front.exit;
      return undefined;
    }
    return require('../cli/main.ts').main;
  } catch (err) {
    // The sources did not load (a broken install, a Node without tsx): one line saying what to do.
    process.stderr.write(
      `tajo: cannot start: ${String(err?.message ?? err).split('\n')[0]} (run npm ci in the project, with Node 24)\n`,
    );
    process.exitCode = 1;
    return undefined;
  }
}

const argv = process.argv.slice(2);
load(argv).then((main) => {
  if (!main) return;
  main(argv).then(
    (code) => {
      settled = true;
      process.exitCode = stray === undefined ? code : Math.max(code, 1);
    },
    (err) => {
      settled = true;
      // main answers every command's failure itself; this is for a failure of main (or of loading it).
      // One line, never a stack: a person cannot act on one, and it may carry what a provider sent.
      let line;
      try {
        const { failureReason } = require('../shared/core/errors.ts');
        const { redactText } = require('../shared/core/logging/redact.ts');
        line = redactText(failureReason(err));
      } catch {
        line = `internal error: ${String(err?.message ?? err).split('\n')[0]}`;
      }
      process.stderr.write(`tajo: ${line}\n`);
      process.exitCode = 1;
    },
  );
});
