/**
 * Disconnecting Notion or Slack: everything the connection made is removed — its schedule, its
 * secrets, its Slack team claims, its Notion webhook state and pending pages, and last its record —
 * and its running syncs are stopped. Work already queued for it cannot be taken out of SQS: the
 * workers drop it when it comes (no connection, or another token's lane). What is kept, and why, is
 * said in the report.
 */
import { connectorOf, resolveConnector } from '../connectors';
import { RequestRefusedError } from '../core/errors';
import type {
  Clock,
  ConnectionStore,
  ConnectorName,
  RunStore,
  ScheduleManager,
  SecretStore,
  TenantStore,
  WebhookSubscriptionStore,
  WorkspaceClaimStore,
} from '../core/ports';
import { brevoApiKeySecretName } from '../core/tenancy/connections';
import { oauthGrantSecretName } from '../core/tenancy/oauth-tokens';

export interface DisconnectDeps {
  tenants: TenantStore;
  connections: ConnectionStore;
  secrets: SecretStore;
  schedules: ScheduleManager;
  teams: WorkspaceClaimStore;
  webhooks: WebhookSubscriptionStore;
  runs: RunStore;
  clock: Clock;
}

export interface DisconnectReport {
  tenantId: string;
  connector: ConnectorName;
  disconnected: true;
  removed: {
    /** The secrets deleted, by name (Secrets Manager keeps them 7 days for recovery, then deletes them). */
    secrets: string[];
    schedules: string[];
    /** Slack installations that no longer lead to this tenant (W:team, E:org). */
    slackTeams: string[];
    /** The Notion webhook subscription state (its verification token included). */
    notionWebhook: boolean;
    /** Notion pages a webhook reported and no worker had fetched yet. */
    pendingPages: number;
    /** Syncs that were running, now failed with a reason that says so. */
    runsStopped: string[];
    record: true;
  };
  /** What stays, and why (a person reads this). */
  kept: string[];
}

/** Why a run stopped when its connection went away (the run record keeps it). */
export const DISCONNECTED_REASON = 'stopped: the connection was disconnected';

export async function disconnectConnector(
  deps: DisconnectDeps,
  tenantId: string,
  connector: ConnectorName,
): Promise<DisconnectReport> {
  const conn = await deps.connections.getConnection(tenantId, connector);
  const descriptor = connectorOf(connector);
  if (!conn) throw new RequestRefusedError(404, `no ${descriptor.label} connection to disconnect`, 'not_connected');
  const removed: DisconnectReport['removed'] = {
    secrets: [],
    schedules: [],
    slackTeams: [],
    notionWebhook: false,
    pendingPages: 0,
    runsStopped: [],
    record: true,
  };
  const kept: string[] = [];

  // The order makes a disconnect safe to repeat after a partial failure: no new work is scheduled
  // first, and the record, which says what there is to remove, goes last.
  const schedule = descriptor.schedule;
  if (schedule) {
    const name = schedule.instanceName(tenantId);
    await deps.schedules.remove(schedule.schedule as Parameters<ScheduleManager['remove']>[0], name);
    removed.schedules.push(`${schedule.schedule}/${name}`);
  }

  const deleteSecret = async (ref: string | undefined, name: string) => {
    if (!ref) return;
    await deps.secrets.delete(ref);
    removed.secrets.push(name);
  };
  // An OAuth connection's token secret is its grant (access and refresh token), named apart.
  const tokenName = conn.oauth ? oauthGrantSecretName(tenantId, connector) : descriptor.secrets.token(tenantId);
  await deleteSecret(conn.tokenRef, tokenName);
  if (descriptor.secrets.signingSecret) {
    await deleteSecret(conn.signingSecretRef, descriptor.secrets.signingSecret(tenantId));
  }
  // The Brevo key is the tenant's: it stays while the tenant holds it or another connection uses it.
  const tenant = await deps.tenants.getTenant(tenantId);
  // Every other connection of the tenant (one query), whatever its connector: a registered
  // definition's too, which this request may not resolve by name.
  const others = (await deps.connections.listTenantConnections(tenantId)).filter((o) => o.connector !== connector);
  const other = others.find((o) => o?.brevoApiKeyRef === conn.brevoApiKeyRef) ?? others.find((o) => o !== undefined);
  if (tenant?.brevoApiKeyRef === conn.brevoApiKeyRef || other?.brevoApiKeyRef === conn.brevoApiKeyRef) {
    kept.push(
      `the tenant's Brevo API key (${other ? `the ${resolveConnector(other.connector)?.label ?? other.connector} connection uses it; ` : ''}DELETE /tenants/${tenantId}/brevo or tajo connectors disconnect brevo removes it)`,
    );
  } else {
    await deleteSecret(conn.brevoApiKeyRef, brevoApiKeySecretName(tenantId));
  }

  const own = await descriptor.disconnect?.(deps, tenantId, deleteSecret);
  if (own) {
    Object.assign(removed, own.removed);
    kept.push(...own.kept);
  }

  await deps.connections.deleteConnection(tenantId, connector);

  // A run in progress would otherwise show as running for ever: its next step finds no connection.
  // Each kind of job is read apart: many imports or publishing passes must not hide a running sync.
  const jobs = [null, 'users', 'documents', 'publish'] as const;
  const recent = await Promise.all(jobs.map((job) => deps.runs.listRuns(tenantId, connector, 5, { job })));
  for (const run of recent.flat()) {
    if (run.status !== 'running') continue;
    const finishedAt = new Date(deps.clock.now()).toISOString();
    // Without its checkpoint a replayed message cannot resume it against a later connection.
    const { checkpoint: _checkpoint, ...rest } = run;
    await deps.runs.putRun({
      ...rest,
      status: 'failed',
      error: DISCONNECTED_REASON,
      finishedAt,
      summary: { ...run.summary, durationMs: Date.parse(finishedAt) - Date.parse(run.startedAt) },
    });
    removed.runsStopped.push(run.runId);
  }
  kept.push(
    'run history, cursors and fingerprints (a reconnect to the same workspace resumes incrementally; --full re-reads everything)',
    'contacts and lists already written to Brevo',
    'work already queued for this connection: the workers drop it when it comes',
  );
  return { tenantId, connector, disconnected: true, removed, kept };
}
