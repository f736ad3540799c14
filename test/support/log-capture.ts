/**
 * jest setupFilesAfterEnv: while a test file runs, everything it prints is also appended to the
 * run's log directory (TAJO_TEST_LOG_DIR/logs/<pid>.log), where the global teardown scans it for
 * secrets (secret-scan.ts). Teed, never swallowed:
 * - writes to this process's stdout and stderr (the functions' Powertools lines, the local stack);
 * - console calls, from jest's buffer of them at the end of the file;
 * - the stderr of CLI child processes started with execFile (their log and error lines; stdout is
 *   the command's answer, which may rightly hand its user a credential, as `tenants create` does).
 *
 * The tees are put in once per process and stay: a test's own spy on process.stdout.write puts
 * back what it found, whenever jest restores it. They record only while a test file runs (between
 * this file's start and its afterAll), so jest's report of the file is not read as a log.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOG_DIR_ENV } from '../../sandbox/secrets-registry';
import { logsDir } from './secret-scan';

// The module object itself (a namespace import would be a copy): CLI tests read execFile from it.
import childProcess = require('node:child_process');

type Recorder = (source: string, text: unknown) => void;

/** Shared by every test file of this process (the streams and modules are the process's). */
interface CaptureState {
  record?: Recorder;
}

const STATE = Symbol.for('tajo.test.logCapture');

function captureState(): CaptureState {
  const holder = process.stdout as unknown as Record<symbol, CaptureState | undefined>;
  let state = holder[STATE];
  if (!state) {
    state = {};
    holder[STATE] = state;
    installTees(state);
  }
  return state;
}

function installTees(state: CaptureState): void {
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    const original = stream.write;
    stream.write = function teed(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      state.record?.(name, chunk);
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  }

  // execFile(file, args?, options?, callback?) and its promisified form (what the CLI tests use).
  type ExecFileCallback = (err: Error | null, stdout: string | Buffer, stderr: string | Buffer) => void;
  const cp = childProcess as { execFile: typeof childProcess.execFile };
  const originalExecFile = cp.execFile;
  const custom = (originalExecFile as unknown as Record<symbol, (...a: unknown[]) => Promise<unknown>>)[
    promisify.custom
  ];
  const teedExecFile = function (this: unknown, ...args: unknown[]) {
    const i = args.findIndex((a) => typeof a === 'function');
    if (i >= 0) {
      const callback = args[i] as ExecFileCallback;
      args[i] = (err: Error | null, stdout: string | Buffer, stderr: string | Buffer) => {
        state.record?.('child.stderr', stderr);
        callback(err, stdout, stderr);
      };
    }
    return (originalExecFile as (...a: unknown[]) => unknown).apply(this, args);
  } as unknown as typeof childProcess.execFile;
  if (custom) {
    Object.defineProperty(teedExecFile, promisify.custom, {
      value: (...args: unknown[]) => {
        const started = custom(...args) as Promise<{ stderr: unknown }> & { child?: unknown };
        const teed = started.then(
          (r) => {
            state.record?.('child.stderr', r.stderr);
            return r;
          },
          (err: { stderr?: unknown }) => {
            state.record?.('child.stderr', err.stderr);
            throw err;
          },
        ) as Promise<unknown> & { child?: unknown };
        teed.child = started.child;
        return teed;
      },
    });
  }
  cp.execFile = teedExecFile;
}

const runDir = process.env[LOG_DIR_ENV];

if (runDir) {
  mkdirSync(logsDir(runDir), { recursive: true });
  const fd = openSync(join(logsDir(runDir), `${process.pid}.log`), 'a', 0o600);
  const state = captureState();
  const record: Recorder = (source, text) => {
    const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : String(text ?? '');
    if (s) writeSync(fd, `[${source}] ${s}${s.endsWith('\n') ? '' : '\n'}`);
  };
  state.record = record;

  afterAll(() => {
    // Console calls: jest buffers them and prints them from the parent process after the file.
    // Read from its buffer rather than wrapped, so that jest still shows where each was called.
    for (const entry of consoleBuffer()) record(`console.${entry.type}`, entry.message);
    if (state.record === record) state.record = undefined;
    closeSync(fd);
  });
}

/** The test file's console calls so far; empty under --silent (nothing is printed) or --verbose (printed at once). */
export function consoleBuffer(): { type: string; message: string }[] {
  return (console as { getBuffer?: () => { type: string; message: string }[] | undefined }).getBuffer?.() ?? [];
}
