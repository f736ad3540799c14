/**
 * Progress on stderr: one line rewritten on a terminal, plain lines elsewhere, nothing for --json
 * off a terminal; per-database counts; rate, and an ETA only when a total is known.
 */
import { Progress, type ProgressSink, runProgress, syncProgress } from '../../cli/progress';

function sink(isTTY: boolean): ProgressSink & { text: string } {
  const s = {
    isTTY,
    text: '',
    write: (t: string) => {
      s.text += t;
    },
  };
  return s;
}

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

test('a terminal gets one line rewritten in place, per database, with the rate; notes above it; done clears it', () => {
  const out = sink(true);
  const c = clock();
  const p = syncProgress({ isTTY: true }, false, out, { now: c.now, redrawMs: 100 });
  p({ type: 'source', title: 'Customers', sourceId: 's1' });
  p({ type: 'rows', title: 'Customers', pagesRead: 100, sourceRows: 100, written: 0 });
  c.advance(50);
  p({ type: 'rows', title: 'Customers', pagesRead: 150, sourceRows: 150, written: 0 }); // within redrawMs: not drawn
  c.advance(2_000);
  p({ type: 'rows', title: 'Customers', pagesRead: 250, sourceRows: 250, written: 0 });
  p({ type: 'flush', title: 'Customers', rows: 250, via: 'import' });
  // The next database starts at the run's totals: its line counts its own rows, read and written.
  p({ type: 'source', title: 'Newsletters', sourceId: 's2', written: 250, unchanged: 0 });
  c.advance(1_000);
  p({ type: 'rows', title: 'Newsletters', pagesRead: 252, sourceRows: 2, written: 250 });
  p.done();
  expect(out.text.split(/(?<=\n)|(?=\r)/)).toEqual([
    '→ Customers\n',
    '\r  Customers: 100 rows read, 0 written · 0 s so far\x1b[K',
    '\r  Customers: 250 rows read, 0 written · 73 rows/s · 2 s so far\x1b[K',
    '\r\x1b[K  Customers: writing 250 contacts to Brevo (an import)\n',
    '→ Newsletters\n',
    // The 2 rows of this database and none written for it, not the run's 252 and 250.
    '\r  Newsletters: 2 rows read, 0 written · 3 s so far\x1b[K',
    '\r\x1b[K',
  ]);
});

test('with a known total the line gives an ETA; it never wraps the terminal', () => {
  const c = clock();
  const p = new Progress(sink(true), { now: c.now });
  p.update({ label: 'Customers', read: 0, written: 0, total: 5000 });
  c.advance(10_000);
  expect(p.line({ label: 'Customers', read: 1000, written: 800, total: 5000 }, c.now())).toBe(
    '  Customers: 1000 of 5000 rows read, 800 written · 100 rows/s · about 40 s left · 10 s so far',
  );
  const narrow = sink(true);
  narrow.columns = 30;
  new Progress(narrow, { now: c.now }).update({ label: 'Customers', read: 1, written: 0 });
  expect(narrow.text).toBe('\r  Customers: 1 rows read, 0 w\x1b[K'); // 29 columns: one less than the terminal
});

test('not a terminal: a plain line at most every few seconds, notes always, no carriage returns', () => {
  const out = sink(false);
  const c = clock();
  const p = syncProgress({ isTTY: false }, false, out, { now: c.now, plainEveryMs: 5_000 });
  p({ type: 'source', title: 'Customers', sourceId: 's1' });
  for (let i = 1; i <= 50; i += 1) {
    p({ type: 'rows', title: 'Customers', pagesRead: i * 100, sourceRows: i * 100, written: 0 });
    c.advance(200); // 10 s in all
  }
  p.done();
  expect(out.text).not.toContain('\r');
  expect(out.text.trim().split('\n')).toEqual([
    '→ Customers',
    '  Customers: 100 rows read, 0 written · 0 s so far',
    '  Customers: 2600 rows read, 0 written · 500 rows/s · 5 s so far',
  ]);
});

test('--json off a terminal prints no progress (stdout is the JSON, stderr stays quiet)', () => {
  const out = sink(false);
  const p = syncProgress({ isTTY: false }, true, out);
  p({ type: 'source', title: 'Customers', sourceId: 's1' });
  p({ type: 'rows', title: 'Customers', pagesRead: 100 });
  p.done();
  expect(out.text).toBe('');
});

test('a run followed by polling shows its recorded progress, then its summary counts', () => {
  const out = sink(false);
  const c = clock();
  const follow = runProgress(out, { now: c.now, plainEveryMs: 1_000 });
  const summary = { pagesRead: 0, upserted: 0 } as never;
  follow({ runId: 'r1', status: 'running', summary });
  c.advance(2_000);
  follow({
    runId: 'r1',
    status: 'running',
    summary,
    progress: { pagesRead: 3000, written: 2000, source: 'Customers', at: '' },
  });
  c.advance(2_000);
  follow({
    runId: 'r1',
    status: 'running',
    summary,
    progress: { pagesRead: 3600, written: 2000, unchanged: 100, source: 'Customers', at: '2026-01-01T00:00:02Z' },
  });
  c.advance(2_000);
  // The rate is measured between the record's own times (the server's clock), not the poller's.
  follow({
    runId: 'r1',
    status: 'running',
    summary,
    progress: { pagesRead: 4600, written: 2000, unchanged: 100, source: 'Customers', at: '2026-01-01T00:00:12Z' },
  });
  follow({ runId: 'r1', status: 'succeeded', summary });
  expect(out.text.trimEnd().split('\n')).toEqual([
    '  run r1: 0 rows read, 0 written · 0 s so far',
    '  sync, now reading Customers: 3000 rows read, 2000 written · 1500 rows/s · 2 s so far',
    '  sync, now reading Customers: 3600 rows read, 2000 written, 100 unchanged · 4 s so far',
    '  sync, now reading Customers: 4600 rows read, 2000 written, 100 unchanged · 100 rows/s · 6 s so far',
  ]);
});
