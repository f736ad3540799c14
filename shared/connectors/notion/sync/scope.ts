/**
 * A narrower sync now (the SDK's `connectors.sync('notion', {resources, databaseId, targetList})`,
 * SyncScope in core/connector.ts): which job it is, which database of the connection it reads and
 * the Brevo list its contacts join. Checked when it is queued (a refusal says what to change); the
 * run's lane messages carry it, so every step of the run reads the same narrowed settings.
 */
import { z } from 'zod';
import type { SyncScope } from '../../../core/connector';
import { RequestRefusedError } from '../../../core/errors';
import { type NotionConnectorConfig, notionDatabaseId } from '../config-schema';

/** What a database run's lane messages carry of the scope (absent: the connection's whole sync). */
export const runScopeSchema = z.strictObject({
  /** Only this database of the connection's config (its id as configured). */
  databaseId: z.string().min(1).optional(),
  /** The Brevo list the run's contacts join (on top of their configured list). */
  targetList: z.number().int().positive().optional(),
  /**
   * The database is not in connectors.notion.databases: it is read with the default mapping (from
   * its own schema: mapping/default-mapping.ts), its contacts into targetList (then required).
   */
  unconfigured: z.literal(true).optional(),
});
export type RunScope = z.infer<typeof runScopeSchema>;

/** The resources a Notion sync can be narrowed to. */
export const NOTION_RESOURCES = ['databases', 'users'] as const;

type Settings = Omit<NotionConnectorConfig, 'token'>;

/**
 * The job a sync now runs and the scope its run carries: `users` (the workspace users job) or the
 * databases sync narrowed by `scope` (present: a databases-only run, no users sync after it).
 */
export function planNotionSync(
  settings: Settings,
  job: string | undefined,
  scope: SyncScope | undefined,
): { job: 'users' } | { job: 'databases'; scope?: RunScope } {
  const resource = resourceOf(scope?.resources);
  if (job !== undefined && job !== 'users') {
    throw new RequestRefusedError(400, `Notion has no job "${job}": leave it out, or ask for "users"`);
  }
  if (job === 'users' && resource === 'databases') {
    throw new RequestRefusedError(400, 'job "users" and resources ["databases"] ask for two different syncs: give one');
  }
  if (job === 'users' || resource === 'users') {
    if (scope?.databaseId !== undefined || scope?.targetList !== undefined) {
      throw new RequestRefusedError(
        400,
        'databaseId and targetList narrow the databases sync: leave them out with resources ["users"]',
      );
    }
    return { job: 'users' };
  }
  if (scope === undefined) return { job: 'databases' };
  const configured = scope.databaseId === undefined ? undefined : configuredDatabase(settings, scope.databaseId);
  if (scope.databaseId !== undefined && configured === undefined) {
    if (!notionDatabaseId.safeParse(scope.databaseId).success) {
      throw new RequestRefusedError(
        400,
        `databaseId "${scope.databaseId}" is not a Notion database id (32 hex characters, dashes optional): copy it from the database's link`,
      );
    }
    if (scope.targetList === undefined) {
      throw new RequestRefusedError(
        400,
        `database ${scope.databaseId} is not in connectors.notion.databases: give targetList (the id of the Brevo list its contacts join) to sync it with a default mapping read from its schema, or add it to connectors.notion.databases with its sync_to_list and connect again`,
      );
    }
    return {
      job: 'databases',
      scope: { databaseId: scope.databaseId.trim(), targetList: scope.targetList, unconfigured: true },
    };
  }
  return {
    job: 'databases',
    scope: {
      ...(configured !== undefined ? { databaseId: configured.id } : {}),
      ...(scope.targetList !== undefined ? { targetList: scope.targetList } : {}),
    },
  };
}

/**
 * The settings one run of `scope` reads: only its database (the config's entry, as configured). A
 * database outside the config is read as an entry of its own: its contacts go to the target list,
 * mapped by default (no connector field_mapping: that one is written for the configured databases).
 */
export function narrowSettings(settings: Settings, scope: RunScope | undefined): Settings {
  if (scope?.databaseId === undefined) return settings;
  if (scope.unconfigured) {
    return {
      ...settings,
      field_mapping: undefined,
      // Asked for by name: read even when the connection's own sync of databases is off.
      sync: { ...settings.sync, databases: true },
      databases: [{ id: scope.databaseId, sync_to_list: scope.targetList, on_remove: 'remove_from_list' }],
    };
  }
  return { ...settings, databases: settings.databases.filter((d) => sameId(d.id, scope.databaseId as string)) };
}

function resourceOf(resources: string[] | undefined): 'databases' | 'users' | undefined {
  if (resources === undefined) return undefined;
  const [only] = resources;
  if (resources.length === 1 && (only === 'databases' || only === 'users')) return only;
  throw new RequestRefusedError(
    400,
    `resources ${JSON.stringify(resources)}: Notion syncs ["databases"] (the databases) or ["users"] (the workspace users); leave it out for the whole sync`,
  );
}

function configuredDatabase(settings: Settings, databaseId: string): Settings['databases'][number] | undefined {
  return settings.databases.find((d) => sameId(d.id, databaseId));
}

/** Notion ids with or without dashes, in any case. */
function sameId(a: string, b: string): boolean {
  const plain = (s: string) => s.trim().replace(/-/g, '').toLowerCase();
  return plain(a) === plain(b);
}
