/**
 * Databases synced outside connectors.notion.databases (the SDK's scoped sync with targetList): kept
 * by id in the cursor store beside the databases' own records, so the status's `databasesSynced`
 * and `pagesTracked` count what such a run wrote, as the docs' example reads them right after it.
 */
import type { CursorStore } from '../../../core/ports';

const KEY = 'unconfigured-databases';

/** Records that `databaseId` was synced with the default mapping (idempotent). */
export async function rememberUnconfigured(
  deps: { cursors: CursorStore; tenantId: string; now: string },
  databaseId: string,
): Promise<void> {
  const known = await unconfiguredDatabases(deps.cursors, deps.tenantId);
  if (known.includes(databaseId)) return;
  await deps.cursors.putCursor(deps.tenantId, 'notion', {
    sourceId: KEY,
    meta: { ids: [...known, databaseId] },
    updatedAt: deps.now,
  });
}

/** The ids of the databases synced outside the config, as the runs were given them. */
export async function unconfiguredDatabases(cursors: CursorStore, tenantId: string): Promise<string[]> {
  const cursor = await cursors.getCursor(tenantId, 'notion', KEY);
  const ids = (cursor?.meta as { ids?: unknown } | undefined)?.ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}
