/**
 * Slack teams (team → tenant). Two items per team: the claim, keyed by the team (the lookup, and
 * the conditional write that makes a team belong to one tenant), and the tenant's own record, keyed
 * by the tenant (what a disconnect lists and deletes). The claim (`SLACKTEAM#<team>`) is the one
 * item outside every tenant, by necessity: the only way from a Slack team to its tenant with a
 * conditional write that makes the team unique (a GSI cannot refuse a second tenant). dynalite has
 * no transactions, so they are written in an order that is safe to repeat: the claim first (a
 * refusal leaves nothing behind), then the record; on release the record first, then the claim.
 */
import { SlackTeamClaimedError } from '../../core/errors';
import { type SlackTeamRecord, type SlackTeamRef, type SlackTeamStore, slackTeamKey } from '../../core/ports';
import { type DynamoTable, strip, tenantKey } from './table';

const SLACK_TEAM_CLAIM_SK = 'SLACKTEAM';
const slackTeamClaimKey = (ref: SlackTeamRef) => ({ pk: `SLACKTEAM#${slackTeamKey(ref)}`, sk: SLACK_TEAM_CLAIM_SK });
const slackTeamTenantKey = (tenantId: string, ref: SlackTeamRef) => ({
  pk: tenantKey(tenantId),
  sk: `SLACKTEAM#${slackTeamKey(ref)}`,
});

export class SlackTeamRepository implements SlackTeamStore {
  constructor(private readonly table: DynamoTable) {}

  async claimSlackTeam(record: SlackTeamRecord): Promise<void> {
    const claimed = await this.table.putIf({
      Item: { ...slackTeamClaimKey(record), ...record },
      ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
      ExpressionAttributeValues: { ':t': record.tenantId },
    });
    if (!claimed) throw new SlackTeamClaimedError(slackTeamKey(record));
    await this.table.put({ ...slackTeamTenantKey(record.tenantId, record), ...record });
  }

  async findSlackTeam(ref: SlackTeamRef): Promise<SlackTeamRecord | undefined> {
    return this.table.get<SlackTeamRecord>(slackTeamClaimKey(ref), { consistent: true });
  }

  async releaseSlackTeam(tenantId: string, ref: SlackTeamRef): Promise<void> {
    await this.table.delete(slackTeamTenantKey(tenantId, ref));
    await this.table.deleteIf({
      Key: slackTeamClaimKey(ref),
      // Never another tenant's claim: a disconnect only undoes what this tenant made.
      ConditionExpression: 'tenantId = :t',
      ExpressionAttributeValues: { ':t': tenantId },
    });
  }

  async listSlackTeams(tenantId: string): Promise<SlackTeamRecord[]> {
    const items = await this.table.queryPage(tenantId, 'SLACKTEAM#');
    return items.map((i) => strip(i) as unknown as SlackTeamRecord);
  }
}
