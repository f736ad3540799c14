/**
 * Databases synced outside connectors.notion.databases (the SDK's scoped sync with targetList): kept
 * by id, with the Brevo list their last run wrote to, in the cursor store beside the databases' own
 * records, so the status lists them and its `databasesSynced` and `pagesTracked` count what such a
 * run wrote, as the docs' example reads them right after it.
 */
import type { CursorStore } from '../../../core/ports';

const KEY = 'unconfigured-databases';

export interface UnconfiguredDatabase {
  id: string;
  /** The targetList of the last run that read it (absent in records kept before lists were). */
  list?: number;
}

/** Records that `databaseId` was synced with the default mapping into `list` (idempotent). */
export async function rememberUnconfigured(
  deps: { cursors: CursorStore; tenantId: string; now: string },
  databaseId: string,
  list: number | undefined,
): Promise<void> {
  const known = await unconfiguredDatabases(deps.cursors, deps.tenantId);
  const before = known.find((d) => d.id === databaseId);
  if (before && before.list === list) return;
  const entry: UnconfiguredDatabase = { id: databaseId, ...(list !== undefined ? { list } : {}) };
  const databases = before ? known.map((d) => (d.id === databaseId ? entry : d)) : [...known, entry];
  await deps.cursors.putCursor(deps.tenantId, 'notion', {
    sourceId: KEY,
    meta: { ids: databases.map((d) => d.id), lists: Object.fromEntries(databases.map((d) => [d.id, d.list])) },
    updatedAt: deps.now,
  });
}

/** The databases synced outside the config, by id as the runs were given them. */
export async function unconfiguredDatabases(cursors: CursorStore, tenantId: string): Promise<UnconfiguredDatabase[]> {
  const cursor = await cursors.getCursor(tenantId, 'notion', KEY);
  const meta = cursor?.meta as { ids?: unknown; lists?: Record<string, unknown> } | undefined;
  const ids = Array.isArray(meta?.ids) ? meta.ids.filter((id): id is string => typeof id === 'string') : [];
  return ids.map((id) => {
    const list = meta?.lists?.[id];
    return typeof list === 'number' ? { id, list } : { id };
  });
}
