/**
 * Interrupted work resumes, never restarts (issue 12 §2): `tajo connectors sync notion` in a child
 * process against the simulators, killed with SIGKILL at seeded points (the Nth request the
 * simulators receive, before or just after its answer), run again until it exits 0. Across full
 * runs, incremental rounds after edits and a --full after a killed --full:
 * - Brevo ends exactly as one uninterrupted sync leaves it (compared with a reference run);
 * - each row's change is written once; the only repeat allowed is the write in flight when the
 *   process died (its answer lost, or taken but not yet recorded), with identical values, counted;
 * - the cursor never skips (every edit made between rounds arrives);
 * - the counts of the resumed run add up to what the round did.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import type { RequestLog } from '../../sandbox/http-kit';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  sandboxRow,
  seedBrevoAttributes,
  seedSandbox,
} from '../../sandbox/sandbox';
import { startEmbeddedDynamo } from '../../shared/adapters/local/embedded-dynamodb';
import type { RunRecord, SyncSummary } from '../../shared/core/ports';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';
import { expectCountsAddUp } from '../support/counts';
import { type KilledResult, type KillPoint, killAtRequest, spawnTajo } from '../support/kill-child';
import { prng } from '../support/prng';

jest.setTimeout(110_000);

/** Rows per Brevo write and checkpoint: a Notion page of 100 rows is one import, one checkpoint. */
const FLUSH_ROWS = '20';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;
let config: string;

beforeEach(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN], rateLimit: false });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], importProcessingMs: 20 });
  await Promise.all([notion.start(), brevo.start()]);
  dir = await mkdtemp(join(tmpdir(), 'tajo-kill-'));
  config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml());
});

afterEach(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ ...simulatorEnv(notion, brevo, dir), TAJO_SYNC_FLUSH_ROWS: FLUSH_ROWS });

/** One contact write as Brevo received it (an import row or an upsert), by position in its log. */
interface Write {
  index: number;
  email: string;
  values: string;
}

const WRITE_ROUTES = new Set(['POST /v3/contacts/import', 'POST /v3/contacts']);

/** The contact writes Brevo answered 2xx among its log's records [from, to). */
function writesIn(log: RequestLog, from: number, to = log.records.length): Write[] {
  const out: Write[] = [];
  for (let index = from; index < to; index++) {
    const r = log.records[index];
    if (!r || !WRITE_ROUTES.has(r.route) || r.status >= 300) continue;
    const body = r.body as {
      jsonBody?: { email?: string; attributes?: unknown }[];
      email?: string;
      attributes?: unknown;
    };
    const rows = r.route === 'POST /v3/contacts/import' ? (body.jsonBody ?? []) : [body];
    for (const row of rows) {
      if (row.email) out.push({ index, email: row.email.toLowerCase(), values: JSON.stringify(row.attributes ?? {}) });
    }
  }
  return out;
}

interface Round {
  /** The summary of the run that finished the round (its --json, or its record when a kill came after it finished). */
  summary: SyncSummary & Record<string, unknown>;
  /** The last attempt's output (undefined when a kill landed after the run had finished). */
  final?: KilledResult;
  kills: number;
  /** Brevo's log positions where the round began and ended. */
  from: number;
  to: number;
  /** The last contact write of each killed attempt: the one write a kill may leave unrecorded. */
  inFlight: Set<number>;
}

/**
 * Runs the sync until it exits 0, killing up to `kills` attempts at a seeded request; attempts
 * after that run to the end. A non-zero exit that is not a kill fails the test (no fault injected).
 */
async function syncWithKills(
  args: string[],
  rng: ReturnType<typeof prng>,
  kills: number,
  maxRequest: number,
): Promise<Round> {
  const from = brevo.log.records.length;
  const inFlight = new Set<number>();
  const before = new Set((await runs()).map((r) => r.runId).filter((id) => id !== undefined));
  let killed = 0;
  for (let attempt = 0; attempt < kills + 10; attempt++) {
    const start = brevo.log.records.length;
    const { child, done } = spawnTajo(['connectors', 'sync', 'notion', '--config', config, '--json', ...args], env());
    const disarm =
      killed < kills
        ? killAtRequest([notion.log, brevo.log], rng.int(1, maxRequest), child, {
            beforeAnswer: rng.next() < 0.5,
            delayMs: rng.int(0, 30),
          })
        : () => undefined as KillPoint | undefined;
    const result = await done;
    const point = disarm();
    if (result.signal === 'SIGKILL') {
      killed += 1;
      const last = writesIn(brevo.log, start).at(-1);
      if (last) inFlight.add(last.index);
      // A kill just after the run finished (before the process printed and exited) ends the round;
      // one before an answer cannot come after the run's end.
      const run = point?.beforeAnswer ? undefined : await lastRun();
      if (run?.status === 'succeeded' && !before.has(run.runId)) {
        const summary = { ...run.summary, runId: run.runId, status: run.status };
        return { summary, kills: killed, from, to: brevo.log.records.length, inFlight };
      }
      continue;
    }
    if (result.code !== 0) throw new Error(`tajo exited ${result.code}: ${result.stderr}`);
    const summary = lastJson(result.stdout) as SyncSummary & Record<string, unknown>;
    return { summary, final: result, kills: killed, from, to: brevo.log.records.length, inFlight };
  }
  throw new Error('the sync never finished');
}

/** The CLI's runs in its local state (read while no tajo process holds it). */
async function runs(): Promise<RunRecord[]> {
  const state = await startEmbeddedDynamo(join(dir, 'state', 'dynamodb'));
  try {
    return (await state.store.listRuns('default', 'notion', 50, { job: null })).filter((r) => r.status === 'succeeded');
  } finally {
    await state.close();
  }
}

async function lastRun(): Promise<RunRecord | undefined> {
  const state = await startEmbeddedDynamo(join(dir, 'state', 'dynamodb'));
  try {
    return (await state.store.listRuns('default', 'notion', 1, { job: null }))[0];
  } finally {
    await state.close();
  }
}

/**
 * Each email written at most once in the round, except a repeat of the write in flight when a
 * process died, with the same values. Returns the emails written and how many repeats there were.
 */
function expectWrittenOnce(round: Round): { emails: Set<string>; repeats: number } {
  const last = new Map<string, Write>();
  let repeats = 0;
  const unexplained: string[] = [];
  for (const w of writesIn(brevo.log, round.from, round.to)) {
    const prev = last.get(w.email);
    if (prev) {
      if (round.inFlight.has(prev.index) && prev.values === w.values) repeats += 1;
      else unexplained.push(`${w.email}: written at ${prev.index} and again at ${w.index}`);
    }
    last.set(w.email, w);
  }
  expect(unexplained).toEqual([]);
  return { emails: new Set(last.keys()), repeats };
}

const listId = (sim: BrevoSimulator) => sim.lists().find((l) => l.name === SANDBOX_LIST)?.id as number;

/** Brevo as one uninterrupted full sync of the same Notion leaves it: list members and their values. */
async function expectMatchesReference(): Promise<void> {
  const ref = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], importProcessingMs: 20 });
  await ref.start();
  try {
    seedBrevoAttributes(ref);
    const refDir = await mkdtemp(join(tmpdir(), 'tajo-kill-ref-'));
    const done = await runTajo(
      ['connectors', 'sync', 'notion', '--config', config, '--full', '--json'],
      simulatorEnv(notion, ref, refDir),
    );
    await rm(refDir, { recursive: true, force: true });
    expect(done.code).toBe(0);
    const members = brevo.listMembers(listId(brevo)).sort();
    expect(members).toEqual(ref.listMembers(listId(ref)).sort());
    for (const email of members) {
      expect({ email, ...brevo.getContact(email)?.attributes }).toEqual({
        email,
        ...ref.getContact(email)?.attributes,
      });
    }
  } finally {
    await ref.stop();
  }
}

/** Edits `n` random rows (Company), trashes `trash`, adds `add`: returns the emails that must be written. */
function editRows(
  rng: ReturnType<typeof prng>,
  pages: { id: string; i: number }[],
  dataSourceId: string,
  round: number,
  n: { edit: number; trash: number; add: number },
): { changed: Set<string>; trashed: number } {
  const changed = new Set<string>();
  const live = () => pages.filter((p) => !p.id.startsWith('gone:'));
  for (let k = 0; k < n.edit; k++) {
    const p = rng.pick(live());
    notion.updatePage(p.id, { Company: `Round ${round} Ltd ${k}` });
    changed.add((sandboxRow(p.i).Email as string).toLowerCase());
  }
  let trashed = 0;
  for (let k = 0; k < n.trash; k++) {
    const p = rng.pick(live());
    notion.trashPage(p.id);
    changed.delete((sandboxRow(p.i).Email as string).toLowerCase());
    p.id = `gone:${p.id}`;
    trashed += 1;
  }
  for (let k = 0; k < n.add; k++) {
    const i = 1000 + round * 100 + k;
    pages.push({ id: notion.addPage(dataSourceId, { properties: sandboxRow(i) }).id, i });
    changed.add((sandboxRow(i).Email as string).toLowerCase());
  }
  return { changed, trashed };
}

test('a first full sync killed again and again: resumed each time, every contact written once, state exact', async () => {
  const rng = prng(1201);
  seedSandbox(notion, brevo, { rows: 500 });
  const round = await syncWithKills(['--full'], rng, 20, 5);
  const summary = round.summary;
  const { emails, repeats } = expectWrittenOnce(round);
  // Every row was written once over the resumed run, and the run's counts say so.
  expect(emails.size).toBe(500);
  expect(summary).toMatchObject({ status: 'succeeded', mode: 'full', pagesRead: 500, upserted: 500, failed: 0 });
  expectCountsAddUp(summary);
  if (round.final) {
    expect(summary.resumedFrom).toMatchObject({ mode: 'full', was: 'running' });
    expect(round.final.stderr).toMatch(/^resuming run \S+ \(full, started \S+, .*\): [\d,]+ rows done$/m);
  }
  await expectMatchesReference();
  console.info(`kill-resume full: ${round.kills} kills, ${repeats} rows re-sent in flight at a kill`);
  // With the two tests below: at least 50 kills across the suite.
  expect(round.kills).toBeGreaterThanOrEqual(10);
});

test('incremental rounds after edits, each killed: every edit arrives once, trashed rows leave, counts add up', async () => {
  const rng = prng(1202);
  const { pageIds, dataSourceId } = seedSandbox(notion, brevo, { rows: 120 });
  const pages = pageIds.map((id, i) => ({ id, i }));
  const first = await runTajo(['connectors', 'sync', 'notion', '--config', config, '--json'], env());
  expect(first.code).toBe(0);
  let kills = 0;
  let repeats = 0;
  // Some rounds go through an import (more than 20 rows), some through single upserts.
  const shapes = [
    { edit: 45, trash: 2, add: 3 },
    { edit: 6, trash: 1, add: 2 },
    { edit: 30, trash: 0, add: 25 },
    { edit: 4, trash: 2, add: 0 },
    { edit: 60, trash: 1, add: 1 },
  ];
  // Rounds until 22 processes were killed (a round ends when an attempt finishes before its trigger).
  let rounds = 0;
  for (let r = 0; kills < 22 && r < 12; r++, rounds++) {
    const shape = shapes[r % shapes.length] as (typeof shapes)[number];
    const { changed, trashed } = editRows(rng, pages, dataSourceId, r, shape);
    const round = await syncWithKills([], rng, 4, 5);
    kills += round.kills;
    const once = expectWrittenOnce(round);
    repeats += once.repeats;
    // The cursor never skips: exactly the rows changed in the round were written.
    expect([...once.emails].sort()).toEqual([...changed].sort());
    const summary = round.summary;
    expect(summary).toMatchObject({ status: 'succeeded', upserted: changed.size, removed: trashed, failed: 0 });
    expectCountsAddUp(summary);
  }
  await expectMatchesReference();
  console.info(`kill-resume incremental: ${kills} kills over ${rounds} rounds, ${repeats} rows re-sent in flight`);
  expect(kills).toBeGreaterThanOrEqual(22);
});

test('--full after a killed --full resumes it (not over); --restart starts over; a later --full after edits too', async () => {
  const rng = prng(1203);
  const { pageIds, dataSourceId } = seedSandbox(notion, brevo, { rows: 150 });
  const pages = pageIds.map((id, i) => ({ id, i }));
  // A full run killed once mid-way, then --restart: a new run, the old one abandoned.
  const { child, done } = spawnTajo(['connectors', 'sync', 'notion', '--config', config, '--full', '--json'], env());
  const disarm = killAtRequest([notion.log, brevo.log], 9, child, { beforeAnswer: false, delayMs: 5 });
  expect((await done).signal).toBe('SIGKILL');
  expect(disarm()).toBeDefined();
  const restarted = await runTajo(
    ['connectors', 'sync', 'notion', '--config', config, '--full', '--restart', '--json'],
    env(),
  );
  expect(restarted.code).toBe(0);
  expect(restarted.stderr).toMatch(/^abandoned unfinished run \S+: started over \(--restart\)$/m);
  const r0 = lastJson(restarted.stdout);
  expect(r0.resumedFrom).toBeUndefined();
  expect(r0).toMatchObject({ status: 'succeeded', pagesRead: 150, abandoned: { why: 'started over (--restart)' } });
  const status = await runTajo(['connectors', 'status', 'notion', '--config', config, '--json'], env());
  expect(status.code).toBe(0);

  let kills = 0;
  let repeats = 0;
  for (let r = 0; kills < 18 && r < 10; r++) {
    const { changed, trashed } = editRows(rng, pages, dataSourceId, 10 + r, { edit: 35, trash: 2, add: 4 });
    const round = await syncWithKills(['--full'], rng, 5, 6);
    kills += round.kills;
    const once = expectWrittenOnce(round);
    repeats += once.repeats;
    expect([...once.emails].sort()).toEqual([...changed].sort());
    const summary = round.summary;
    const live = pages.filter((p) => !p.id.startsWith('gone:')).length;
    // A full run re-reads every row once across its resumed attempts: the counts are the round's.
    expect(summary).toMatchObject({ status: 'succeeded', pagesRead: live, upserted: changed.size, removed: trashed });
    expectCountsAddUp(summary);
    if (round.kills > 0 && round.final) {
      expect(summary.resumedFrom).toMatchObject({ mode: 'full', was: 'running' });
    }
  }
  await expectMatchesReference();
  console.info(`kill-resume --full after edits: ${kills} kills, ${repeats} rows re-sent in flight`);
  expect(kills).toBeGreaterThanOrEqual(18);
});
