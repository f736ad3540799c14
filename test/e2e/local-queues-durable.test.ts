/**
 * The local stack's queues outlive its process (local/durable-queues.ts), each turn a process of
 * its own: what was sent and not deleted is there at the next start on the same directory, a
 * message a SIGKILLed process had in flight is visible again at once (not after its 90-minute
 * visibility timeout) and first in its FIFO group, deleted ones stay deleted, and a deduplication
 * id sent before the restart still deduplicates.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-queues-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function turn(phase: string): { status: number | null; signal: NodeJS.Signals | null; seen: Record<string, unknown> } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/queue-process.ts', dir, phase], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (!r.stdout.trim()) throw new Error(`phase ${phase} printed nothing: ${r.stderr}`);
  return { status: r.status, signal: r.signal, seen: JSON.parse(r.stdout.trim().split('\n').pop() as string) };
}

test('sent and not deleted survives a kill; in flight comes back first; deleted stays deleted; dedupe ids hold', () => {
  const one = turn('1');
  expect(one.signal).toBe('SIGKILL');
  expect(one.seen).toMatchObject({ restored: [], received: 'a' });
  const sent = one.seen.sent as string[];

  const two = turn('2');
  expect(two.status).toBe(0);
  expect(two.seen).toMatchObject({ restored: ['a', 'b', 'c'], received: 'a', receiveCount: '2' });
  // "a" sent again with its deduplication id within 5 minutes (after a restart): not queued again.
  expect(two.seen.resent).toBe(sent[0]);

  const three = turn('3');
  expect(three.seen).toMatchObject({ restored: ['b', 'c'], bodies: ['b', 'c'] });

  // A dead letter is kept, counted apart and never delivered as queued work (npm start says so).
  turn('dlq');
  const four = turn('4');
  expect(four.seen).toMatchObject({ restored: [], deadLetters: 1, bodies: [] });
});
