/**
 * Workspace claims: which tenant a platform workspace belongs to, for a connector whose one app serves
 * every tenant (its requests name the workspace, not the tenant). One connector's today (Slack's
 * distributed app): the ref's shape is its workspace or Enterprise Grid org (ARCHITECTURE.md).
 */

/**
 * Which installation a request comes from: a workspace (`teamId`), or an org (Slack's Enterprise Grid)
 * when the app is installed org-wide (`isEnterpriseInstall`, `enterpriseId`), where one install
 * covers every workspace of the org.
 */
export type WorkspaceRef =
  | { isEnterpriseInstall: false; teamId: string; enterpriseId?: string }
  | { isEnterpriseInstall: true; enterpriseId: string; teamId?: string };

/** The key an installation is known by: the org for org-wide installs, else the workspace. */
export function workspaceKey(ref: WorkspaceRef): string {
  return ref.isEnterpriseInstall ? `E:${ref.enterpriseId}` : `W:${ref.teamId}`;
}

/** An installation (workspace or org) and the one tenant it belongs to. */
export type WorkspaceClaim = WorkspaceRef & { tenantId: string; createdAt: string };

/**
 * Workspace → tenant, for a deployment's distributed app (Slack's): its requests carry no tenant, only
 * the workspace, so the workspace is mapped to the tenant that connected it. A workspace belongs to
 * exactly one tenant. The methods keep their Slack names for now: the DynamoDB layout test calls them.
 */
export interface WorkspaceClaimStore {
  /**
   * Records that the team belongs to the tenant (again, for the same tenant, is a no-op). Throws
   * WorkspaceClaimedError when another tenant holds it.
   */
  claimSlackTeam(record: WorkspaceClaim): Promise<void>;
  /** The tenant a team's requests belong to (strongly consistent: a fresh connection works at once). */
  findSlackTeam(ref: WorkspaceRef): Promise<WorkspaceClaim | undefined>;
  /** Forgets the team, only if this tenant holds it (disconnect); another tenant's claim is kept. */
  releaseSlackTeam(tenantId: string, ref: WorkspaceRef): Promise<void>;
  /** The teams a tenant holds (disconnect finds them here). */
  listSlackTeams(tenantId: string): Promise<WorkspaceClaim[]>;
}
