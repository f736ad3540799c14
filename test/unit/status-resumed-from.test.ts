/**
 * The Notion status names the run its last run resumed (lastRunResumedFrom), read back from the
 * closed record as the in-process sync reports it: a sync followed through the API (`--api`) prints
 * the same "resuming run …" line and resumedFrom as one run in process.
 */

import { notionStatus } from '../../shared/app/status';
import type { RunRecord, RunStore } from '../../shared/core/ports';
import { emptySummary } from '../../shared/core/runs/summary';

const closed = (error: string): RunRecord => ({
  tenantId: 'acme',
  connector: 'notion',
  runId: 'dead',
  mode: 'full',
  status: 'failed',
  startedAt: '2026-12-05T00:00:00.000Z',
  finishedAt: '2026-12-05T00:00:05.000Z',
  trigger: 'api',
  summary: { ...emptySummary('full'), pagesRead: 2500 },
  error,
});

const resumer: RunRecord = {
  tenantId: 'acme',
  connector: 'notion',
  runId: 'new',
  mode: 'full',
  status: 'running',
  startedAt: '2026-12-05T00:01:00.000Z',
  trigger: 'api',
  summary: { ...emptySummary('full'), pagesRead: 2500 },
  resumedFrom: 'dead',
};

async function statusWith(runs: RunRecord[]) {
  const store = {
    listRuns: async (_t: string, _c: string, _n: number, o?: { job?: string | null }) => (o?.job === null ? runs : []),
    listRuleRuns: async () => [],
  } as unknown as RunStore & { listRuleRuns: () => Promise<[]> };
  return notionStatus(
    {
      runs: store,
      cursors: { getCursor: async () => undefined } as never,
      clock: { now: () => Date.parse('2026-12-05T00:02:00Z'), sleep: async () => undefined },
    },
    'acme',
    undefined,
  );
}

test('a failed run resumed: its reason without the "resumed as run" tail, and its rows done', async () => {
  const s = await statusWith([resumer, closed('cannot reach Brevo (not sent); resumed as run new')]);
  expect(s.lastRunResumedFrom).toEqual({
    runId: 'dead',
    mode: 'full',
    startedAt: '2026-12-05T00:00:00.000Z',
    rowsDone: 2500,
    was: 'failed',
    reason: 'cannot reach Brevo (not sent)',
  });
});

test('a run whose process died: was running, no reason; a run that resumed nothing: null', async () => {
  const s = await statusWith([resumer, closed('resumed as run new')]);
  expect(s.lastRunResumedFrom).toMatchObject({ runId: 'dead', was: 'running', rowsDone: 2500 });
  expect(s.lastRunResumedFrom).not.toHaveProperty('reason');
  const plain = await statusWith([{ ...resumer, resumedFrom: undefined }]);
  expect(plain.lastRunResumedFrom).toBeNull();
});
