/**
 * A sync of a stored definition connection (the CLI's `tajo connectors sync <name>` on the local
 * state, the lane's job): its record gives the definition and settings, the secret store its
 * credentials and the tenant's Brevo key, then runPlatformSync runs it.
 */
import { brevoClientFor } from '../../../core/brevo/client';
import type { ProviderEndpoints } from '../../../core/connector';
import { TajoError } from '../../../core/errors';
import { newStats } from '../../../core/http/paced-fetch';
import type { Clock, ConnectionStore, CursorStore, RunRecord, RunStore, SecretStore } from '../../../core/ports';
import { secretsOf, settingsOf } from '../connection';
import { notInstalledReason, storedOAuthHooks } from '../oauth-connection';
import { type PlatformCheckpoint, type PlatformSyncArgs, type PlatformSyncSummary, runPlatformSync } from './run';

export interface StoredSyncDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  cursors: CursorStore;
  runs: RunStore;
  clock: Clock;
  endpoints: ProviderEndpoints;
}

export async function syncStoredConnection(
  deps: StoredSyncDeps,
  args: {
    tenantId: string;
    connector: string;
    full: boolean;
    trigger: RunRecord['trigger'];
    runId?: string;
    /** Stop at the end of a page after this (epoch ms) and answer the checkpoint. */
    deadline?: number;
    /** The run stopped at its deadline, continued. */
    resume?: RunRecord;
  },
): Promise<{ run: RunRecord; summary: PlatformSyncSummary; checkpoint?: PlatformCheckpoint }> {
  const record = await deps.connections.getConnection(args.tenantId, args.connector);
  if (!record)
    throw new TajoError(
      `tenant ${args.tenantId} has no ${args.connector} connection: tajo connectors connect ${args.connector} first`,
      'not_connected',
    );
  const settings = settingsOf(record);
  if (!settings.enabled)
    throw new TajoError(
      `the ${args.connector} connection is disabled: connect it again with enabled: true`,
      'disabled',
    );
  const credentials = secretsOf(await deps.secrets.get(record.tokenRef), args.connector);
  const notInstalled = notInstalledReason(settings.definition, credentials);
  if (notInstalled) throw new TajoError(notInstalled, 'oauth_not_installed');
  return syncWithBrevoKey(deps, await deps.secrets.get(record.brevoApiKeyRef), {
    tenantId: args.tenantId,
    connector: args.connector,
    definition: settings.definition,
    settings,
    credentials,
    full: args.full,
    trigger: args.trigger,
    ...(args.runId !== undefined ? { runId: args.runId } : {}),
    ...(args.deadline !== undefined ? { deadline: args.deadline } : {}),
    ...(args.resume !== undefined ? { resume: args.resume } : {}),
    oauth: storedOAuthHooks(deps, record, settings.definition),
  });
}

/** A sync with this Brevo key: the stored connection's tenant key, or a config's `brevo.api_key` (the CLI). */
export async function syncWithBrevoKey(
  deps: Pick<StoredSyncDeps, 'cursors' | 'runs' | 'clock' | 'endpoints'>,
  brevoApiKey: string,
  args: PlatformSyncArgs,
): Promise<{ run: RunRecord; summary: PlatformSyncSummary; checkpoint?: PlatformCheckpoint }> {
  const brevoStats = newStats();
  const brevo = brevoClientFor({
    apiKey: brevoApiKey,
    ...(deps.endpoints.brevoBaseUrl ? { baseUrl: deps.endpoints.brevoBaseUrl } : {}),
    clock: deps.clock,
    stats: brevoStats,
  });
  return runPlatformSync(
    { brevo, brevoStats, cursors: deps.cursors, runs: deps.runs, clock: deps.clock, endpoints: deps.endpoints },
    args,
  );
}
