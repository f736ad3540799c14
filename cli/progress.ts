/**
 * Progress of long work, on stderr (stdout keeps the summary and `--json`): rows read and written,
 * the rate, and an ETA when the total is knowable.
 *
 * On a terminal one line is rewritten in place (\r, erase to the end of the line), at most every
 * `redrawMs`; a line of its own (a new database, a write to Brevo) is printed above it. Elsewhere
 * (a pipe, a log file, CI) a plain line is printed at most every `plainEveryMs`, plus the lines of
 * their own: a log never fills with carriage returns.
 *
 * Three feeds use it: the in-process syncs (their ProgressEvents: syncProgress), an `--api` sync
 * following its run record, and `npm start`'s first sync (runProgress: the run record as polled).
 */

import type { ProgressEvent } from '../shared/core/brevo/contact-writer';
import type { RunRecord } from '../shared/core/ports';
import type { Io } from './io';

/** Where progress goes: stderr in the CLI, a buffer in tests. */
export interface ProgressSink {
  isTTY: boolean;
  /** Writes text as it is (no newline added). */
  write(text: string): void;
  /** The terminal's width: the live line is cut to it so it never wraps (a wrapped line cannot be rewritten). */
  columns?: number;
}

export interface ProgressOptions {
  now?: () => number;
  /** Not a terminal: a plain line at most this often (ms). */
  plainEveryMs?: number;
  /** A terminal: the live line is redrawn at most this often (ms). */
  redrawMs?: number;
}

export interface ProgressState {
  /** What is being read ("Customers", "run 2026…"). */
  label: string;
  read: number;
  written: number;
  /** Found unchanged (nothing to write): shown when some are. */
  unchanged?: number;
  /** When these counts were true (epoch ms), if not now: a polled record's time, for a true rate. */
  at?: number;
  /** Records to read in all, when known: gives the ETA. */
  total?: number;
  /** The noun of the records ("rows", "users"). */
  noun?: string;
}

/** The stderr of this process as a sink. */
export function stderrSink(): ProgressSink {
  return {
    isTTY: Boolean(process.stderr.isTTY),
    write: (t) => {
      process.stderr.write(t);
    },
    columns: process.stderr.columns,
  };
}

export class Progress {
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private readonly redrawMs: number;
  private readonly startedAt: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  /** The live line is on screen (TTY): a line of our own must clear it first. */
  private live = false;
  /**
   * Rate baseline: the first update, so time spent before reading started does not count. Counts
   * dated by a record (`at`, another machine's clock) are measured against each other only.
   */
  private first?: { at: number; read: number; dated: boolean };

  constructor(
    private readonly sink: ProgressSink,
    o: ProgressOptions = {},
  ) {
    this.now = o.now ?? Date.now;
    this.plainEveryMs = o.plainEveryMs ?? 5_000;
    this.redrawMs = o.redrawMs ?? 100;
    this.startedAt = this.now();
  }

  /** A line of its own (a new database, a write): kept on screen above the live line. */
  note(line: string): void {
    this.clearLive();
    this.sink.write(`${line}\n`);
    // The next update draws at once: the note may have moved the counts on.
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  update(state: ProgressState): void {
    const t = this.now();
    if (!this.first || (state.at !== undefined && !this.first.dated)) {
      this.first = { at: state.at ?? t, read: state.read, dated: state.at !== undefined };
    }
    if (this.sink.isTTY) {
      if (t - this.lastDraw < this.redrawMs) return;
      this.lastDraw = t;
      const line = this.line(state, t);
      const width = this.sink.columns && this.sink.columns > 10 ? this.sink.columns - 1 : undefined;
      this.sink.write(`\r${width ? line.slice(0, width) : line}\x1b[K`);
      this.live = true;
      return;
    }
    if (t - this.lastDraw < this.plainEveryMs) return;
    this.lastDraw = t;
    this.sink.write(`${this.line(state, t)}\n`);
  }

  /** The work is over: the live line goes (the summary follows), a plain run gets nothing more. */
  done(): void {
    this.clearLive();
  }

  /** "  Customers: 1200 rows read, 1000 written · 240 rows/s · about 16 s left". */
  line(s: ProgressState, t = this.now()): string {
    const noun = s.noun ?? 'rows';
    const of = s.total === undefined ? '' : ` of ${s.total}`;
    let out = `  ${s.label}: ${s.read}${of} ${noun} read, ${s.written} written`;
    if (s.unchanged) out += `, ${s.unchanged} unchanged`;
    const base = this.first ?? { at: this.startedAt, read: 0, dated: false };
    const seconds = ((s.at ?? t) - base.at) / 1000;
    const rate = seconds >= 1 ? (s.read - base.read) / seconds : undefined;
    if (rate !== undefined && rate > 0) {
      out += ` · ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} ${noun}/s`;
      if (s.total !== undefined && s.total > s.read) out += ` · about ${duration((s.total - s.read) / rate)} left`;
    }
    out += ` · ${duration((t - this.startedAt) / 1000)} so far`;
    return out;
  }

  private clearLive(): void {
    if (!this.live) return;
    this.sink.write('\r\x1b[K');
    this.live = false;
  }
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * An in-process sync's ProgressEvents (Notion databases, Notion or Slack users) as progress lines.
 * `--json` on a non-terminal prints nothing (a script reads stdout; stderr stays quiet as before).
 */
export function syncProgress(
  io: Pick<Io, 'isTTY'>,
  json: boolean,
  sink: ProgressSink = stderrSink(),
  o: ProgressOptions = {},
): ((e: ProgressEvent) => void) & { done: () => void } {
  const quiet = json && !io.isTTY;
  const p = new Progress(sink, o);
  let label = '';
  let read = 0;
  let written = 0;
  let unchanged = 0;
  // The run's totals when this database began: its line shows its own rows read, written, unchanged.
  let base = { written: 0, unchanged: 0 };
  const handler = (e: ProgressEvent) => {
    if (quiet) return;
    switch (e.type) {
      case 'source':
        label = e.title;
        read = 0;
        written = e.written ?? written;
        unchanged = e.unchanged ?? unchanged;
        base = { written, unchanged };
        p.note(`→ ${e.title}`);
        break;
      case 'rows':
        // Per database: the rows of this source, not the run's running total.
        read = e.sourceRows ?? e.pagesRead;
        written = e.written ?? written;
        unchanged = e.unchanged ?? unchanged;
        p.update({
          label: e.title || label,
          read,
          written: written - base.written,
          unchanged: unchanged - base.unchanged,
          total: e.total,
        });
        break;
      case 'flush':
        p.note(`  ${e.title}: writing ${e.rows} contacts to Brevo (${e.via === 'import' ? 'an import' : 'upserts'})`);
        break;
      case 'removed':
        p.note(`  ${e.title}: ${e.count} contact${e.count === 1 ? '' : 's'} left the list`);
        break;
    }
  };
  return Object.assign(handler, { done: () => p.done() });
}

/**
 * A run followed by polling its record (`--api`, `npm start`): the counts as they move. The record's
 * `progress` is refreshed every few seconds while it runs; its summary moves at checkpoints only.
 */
export function runProgress(
  sink: ProgressSink = stderrSink(),
  o: ProgressOptions = {},
): ((run: Pick<RunRecord, 'runId' | 'status' | 'summary' | 'progress'>) => void) & { done: () => void } {
  const p = new Progress(sink, o);
  const handler = (run: Pick<RunRecord, 'runId' | 'status' | 'summary' | 'progress'>) => {
    if (run.status !== 'running') return;
    const now = run.progress;
    p.update({
      // The counts are the run's (all databases): the label says which one it is reading now.
      label: now?.source ? `sync, now reading ${now.source}` : `run ${run.runId}`,
      read: now?.pagesRead ?? run.summary.pagesRead,
      written: now?.written ?? run.summary.upserted,
      unchanged: now?.unchanged ?? run.summary.unchanged,
      ...(now?.at ? { at: Date.parse(now.at) } : {}),
    });
  };
  return Object.assign(handler, { done: () => p.done() });
}
