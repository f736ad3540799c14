/** Which tenant a Slack installation (team or org) belongs to. */

/**
 * Which Slack installation a request comes from: a workspace (`teamId`), or an Enterprise Grid org
 * when the app is installed org-wide (`isEnterpriseInstall`, `enterpriseId`), where one install
 * covers every workspace of the org.
 */
export type SlackTeamRef =
  | { isEnterpriseInstall: false; teamId: string; enterpriseId?: string }
  | { isEnterpriseInstall: true; enterpriseId: string; teamId?: string };

/** The key an installation is known by: the org for org-wide installs, else the workspace. */
export function slackTeamKey(ref: SlackTeamRef): string {
  return ref.isEnterpriseInstall ? `E:${ref.enterpriseId}` : `W:${ref.teamId}`;
}

/** A Slack installation (team or org) and the one tenant it belongs to. */
export type SlackTeamRecord = SlackTeamRef & { tenantId: string; createdAt: string };

/**
 * Team → tenant, for the deployment's distributed Slack app: its requests carry no tenant, only the
 * Slack team, so the team is mapped to the tenant that connected it. A team belongs to exactly one
 * tenant.
 */
export interface SlackTeamStore {
  /**
   * Records that the team belongs to the tenant (again, for the same tenant, is a no-op). Throws
   * SlackTeamClaimedError when another tenant holds it.
   */
  claimSlackTeam(record: SlackTeamRecord): Promise<void>;
  /** The tenant a team's requests belong to (strongly consistent: a fresh connection works at once). */
  findSlackTeam(ref: SlackTeamRef): Promise<SlackTeamRecord | undefined>;
  /** Forgets the team, only if this tenant holds it (disconnect); another tenant's claim is kept. */
  releaseSlackTeam(tenantId: string, ref: SlackTeamRef): Promise<void>;
  /** The teams a tenant holds (disconnect finds them here). */
  listSlackTeams(tenantId: string): Promise<SlackTeamRecord[]>;
}
