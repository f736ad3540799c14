/**
 * Workspace claims (workspace → tenant; Slack's teams, hence the keys' `SLACKTEAM`). Two items per
 * workspace: the claim, keyed by the workspace (the lookup, and the conditional write that makes a
 * workspace belong to one tenant), and the tenant's own record, keyed by the tenant (what a disconnect
 * lists and deletes). The claim (`SLACKTEAM#<workspace>`) is the one item outside every tenant, by
 * necessity: the only way from a workspace to its tenant with a conditional write that makes the
 * workspace unique (a GSI cannot refuse a second tenant). dynalite has
 * no transactions, so they are written in an order that is safe to repeat: the claim first (a
 * refusal leaves nothing behind), then the record; on release the record first, then the claim.
 */
import { WorkspaceClaimedError } from '../../core/errors';
import { type WorkspaceClaim, type WorkspaceClaimStore, type WorkspaceRef, workspaceKey } from '../../core/ports';
import { type DynamoTable, strip, tenantKey } from './table';

const CLAIM_SK = 'SLACKTEAM';
const claimKey = (ref: WorkspaceRef) => ({ pk: `SLACKTEAM#${workspaceKey(ref)}`, sk: CLAIM_SK });
const tenantClaimKey = (tenantId: string, ref: WorkspaceRef) => ({
  pk: tenantKey(tenantId),
  sk: `SLACKTEAM#${workspaceKey(ref)}`,
});

export class WorkspaceClaimRepository implements WorkspaceClaimStore {
  constructor(private readonly table: DynamoTable) {}

  async claimSlackTeam(record: WorkspaceClaim): Promise<void> {
    const claimed = await this.table.putIf({
      Item: { ...claimKey(record), ...record },
      ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
      ExpressionAttributeValues: { ':t': record.tenantId },
    });
    if (!claimed) throw new WorkspaceClaimedError(workspaceKey(record));
    await this.table.put({ ...tenantClaimKey(record.tenantId, record), ...record });
  }

  async findSlackTeam(ref: WorkspaceRef): Promise<WorkspaceClaim | undefined> {
    return this.table.get<WorkspaceClaim>(claimKey(ref), { consistent: true });
  }

  async releaseSlackTeam(tenantId: string, ref: WorkspaceRef): Promise<void> {
    await this.table.delete(tenantClaimKey(tenantId, ref));
    await this.table.deleteIf({
      Key: claimKey(ref),
      // Never another tenant's claim: a disconnect only undoes what this tenant made.
      ConditionExpression: 'tenantId = :t',
      ExpressionAttributeValues: { ':t': tenantId },
    });
  }

  async listSlackTeams(tenantId: string): Promise<WorkspaceClaim[]> {
    const items = await this.table.queryPage(tenantId, 'SLACKTEAM#');
    return items.map((i) => strip(i) as unknown as WorkspaceClaim);
  }
}
