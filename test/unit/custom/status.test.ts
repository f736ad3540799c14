/**
 * A definition connector's status reads as Notion's: `lastSync` is when the last sync finished (ISO,
 * or null), found behind a run still going; the newest run is `lastSyncRun`; `asOf` is ISO.
 */
import { definitionStatus } from '../../../shared/connectors/custom/status';
import type { RunRecord, RunStore } from '../../../shared/core/ports';
import { emptySummary } from '../../../shared/core/runs/summary';
import { catalogueDefinition } from '../../support/platform-connections';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');

function run(runId: string, status: RunRecord['status'], finishedAt?: string): RunRecord {
  return {
    tenantId: 'acme',
    connector: 'shopify',
    runId,
    mode: 'incremental',
    status,
    startedAt: '2026-12-05T10:00:00.000Z',
    ...(finishedAt ? { finishedAt } : {}),
    trigger: 'schedule',
    summary: emptySummary('incremental'),
  };
}

/** The runs, newest first (as the store lists them). */
async function statusWith(runs: RunRecord[]) {
  const store = { listRuns: async (_t: string, _c: string, limit: number) => runs.slice(0, limit) };
  const deps = {
    runs: store as unknown as RunStore,
    cursors: {} as never,
    clock: { now: () => NOW, sleep: async () => undefined },
  };
  return definitionStatus(deps, await catalogueDefinition('shopify'), 'acme', undefined, undefined);
}

test('lastSync is the last finished run’s time, behind a run still going; lastSyncRun is the newest run', async () => {
  const s = await statusWith([
    run('r3', 'running'),
    run('r2', 'failed', '2026-12-05T11:00:00.000Z'),
    run('r1', 'succeeded', '2026-12-05T10:30:00.000Z'),
  ]);
  expect(s.lastSync).toBe('2026-12-05T11:00:00.000Z');
  expect(s.lastSyncRun).toMatchObject({ runId: 'r3', status: 'running', finishedAt: null });
  expect(s.asOf).toBe('2026-12-05T12:00:00.000Z');
});

test('before any sync finished: lastSync null; before any ran: lastSyncRun null too', async () => {
  expect(await statusWith([run('r1', 'running')])).toMatchObject({ lastSync: null, lastSyncRun: { runId: 'r1' } });
  expect(await statusWith([])).toMatchObject({ lastSync: null, lastSyncRun: null, lastSummary: null });
});
