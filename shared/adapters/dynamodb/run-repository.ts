/**
 * Run records: the sync runs (`RUN#<connector>#<runId>`) and, kept apart so a webhook burst never
 * pushes the syncs' runs out of the status listing, the Brevo → Notion rule runs
 * (`RULERUN#<runId>`; run ids sort by time). Finished runs expire after RUN_RETENTION_DAYS.
 */
import type { ConnectorName, RuleRunRecord, RunRecord, RunStore } from '../../core/ports';
import { type DynamoTable, retainedAfter, strip, tenantKey } from './table';
import { TABLE_SCHEMA } from './table-schema';

/** The stored item of a run: finished runs expire (DynamoDB TTL), running ones are kept. */
const runItem = (record: RunRecord) => ({
  pk: tenantKey(record.tenantId),
  sk: `RUN#${record.connector}#${record.runId}`,
  ...record,
  [TABLE_SCHEMA.ttlAttribute]: record.finishedAt ? retainedAfter(record.finishedAt) : undefined,
});

export class RunRepository implements Required<RunStore> {
  constructor(private readonly table: DynamoTable) {}

  async putRun(record: RunRecord): Promise<void> {
    await this.table.put(runItem(record));
  }

  async claimRun(record: RunRecord, expected: string | undefined): Promise<boolean> {
    return this.table.putIf({
      Item: runItem(record),
      ConditionExpression: expected === undefined ? 'attribute_not_exists(#owner)' : '#owner.#hb = :hb',
      ExpressionAttributeNames: { '#owner': 'owner', ...(expected === undefined ? {} : { '#hb': 'heartbeatAt' }) },
      ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':hb': expected } }),
    });
  }

  async getRun(tenantId: string, connector: ConnectorName, runId: string): Promise<RunRecord | undefined> {
    return this.table.get<RunRecord>({ pk: tenantKey(tenantId), sk: `RUN#${connector}#${runId}` });
  }

  async listRuns(
    tenantId: string,
    connector: ConnectorName,
    limit: number,
    options: { job?: RunRecord['job'] | null } = {},
  ): Promise<RunRecord[]> {
    const values: Record<string, unknown> = { ':p': tenantKey(tenantId), ':s': `RUN#${connector}#` };
    let filter: string | undefined;
    if (options.job === null) filter = 'attribute_not_exists(#job)';
    else if (options.job !== undefined) {
      filter = '#job = :job';
      values[':job'] = options.job;
    }
    // DynamoDB applies Limit before the filter: page on until enough runs of the kind are found.
    const items = await this.table.queryItems(
      {
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ...(filter ? { FilterExpression: filter, ExpressionAttributeNames: { '#job': 'job' } } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: filter ? Math.max(limit, 50) : limit,
      },
      (n) => n >= limit,
    );
    return items.slice(0, limit).map((i) => strip(i) as unknown as RunRecord);
  }

  async putRuleRun(record: RuleRunRecord): Promise<void> {
    await this.table.put({
      pk: tenantKey(record.tenantId),
      sk: `RULERUN#${record.runId}`,
      ...record,
      [TABLE_SCHEMA.ttlAttribute]: retainedAfter(record.finishedAt ?? record.startedAt),
    });
  }

  async getRuleRun(tenantId: string, runId: string): Promise<RuleRunRecord | undefined> {
    return this.table.get<RuleRunRecord>({ pk: tenantKey(tenantId), sk: `RULERUN#${runId}` }, { consistent: true });
  }

  /** Newest first. */
  async listRuleRuns(tenantId: string, limit: number): Promise<RuleRunRecord[]> {
    const items = await this.table.queryPage(tenantId, 'RULERUN#', { newestFirst: true, limit });
    return items.map((i) => strip(i) as unknown as RuleRunRecord);
  }
}
