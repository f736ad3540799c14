/**
 * One DynamoDB table for connections, cursors, fingerprints and run records. Every key begins
 * with the tenant (`T#<tenant>`), so no query can cross tenants. One exception, by necessity: the
 * Slack team claim (`SLACKTEAM#<team>`), the only way from a Slack team to its tenant with a
 * conditional write that makes the team unique (a GSI cannot refuse a second tenant). Runs on DynamoDB in AWS and on
 * dynalite (the same wire protocol) locally and in tests.
 */
import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SlackTeamClaimedError } from '../../core/errors';
import type {
  CallBudgetStore,
  ConnectionRecord,
  ConnectionStore,
  ConnectorName,
  CursorStore,
  Fingerprint,
  MarkerStore,
  NotionPageWrite,
  NotionPageWriteStore,
  NotionWebhookRecord,
  NotionWebhookStore,
  OAuthStateRecord,
  OAuthStateStore,
  OAuthStateTake,
  OrderLedger,
  PendingNotionPage,
  RuleRunRecord,
  RunRecord,
  RunStore,
  SlackDelivery,
  SlackDeliveryStore,
  SlackDeliverySummary,
  SlackPendingStore,
  SyncCursor,
  TenantRecord,
  TenantRegistry,
  ThreadStore,
} from '../../core/ports';
import {
  SLACK_RECENT_DELIVERIES,
  type SlackTeamRecord,
  type SlackTeamRef,
  type SlackTeamStore,
  slackTeamKey,
} from '../../core/ports';
import type { ImportedDocument } from '../../core/ports/documents';
import type { PagePublishState, PublishStateStore } from '../../core/ports/publications';
import { TABLE_SCHEMA } from './table-schema';

const tenantKey = (tenantId: string) => `T#${tenantId}`;

/** How long a finished run's record (counts, per-row errors) stays readable. */
export const RUN_RETENTION_DAYS = 90;

const SLACK_TEAM_CLAIM_SK = 'SLACKTEAM';
const slackTeamClaimKey = (ref: SlackTeamRef) => ({ pk: `SLACKTEAM#${slackTeamKey(ref)}`, sk: SLACK_TEAM_CLAIM_SK });
const slackTeamTenantKey = (tenantId: string, ref: SlackTeamRef) => ({
  pk: tenantKey(tenantId),
  sk: `SLACKTEAM#${slackTeamKey(ref)}`,
});

const isConditionFailure = (err: unknown) => (err as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoStore
  implements
    TenantRegistry,
    ConnectionStore,
    CursorStore,
    RunStore,
    ThreadStore,
    SlackDeliveryStore,
    SlackPendingStore,
    OrderLedger,
    NotionWebhookStore,
    MarkerStore,
    SlackTeamStore,
    NotionPageWriteStore,
    OAuthStateStore,
    PublishStateStore,
    CallBudgetStore
{
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  // ------------------------------------------------------------ tenants

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: 'TENANT' } }),
    );
    return res.Item ? (strip(res.Item) as unknown as TenantRecord) : undefined;
  }

  async putTenant(record: TenantRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk: tenantKey(record.tenantId), sk: 'TENANT', ...record } }),
    );
  }

  async createTenant(record: TenantRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: tenantKey(record.tenantId), sk: 'TENANT', ...record },
          // An existing tenant keeps its key: creating it again must not lock its owner out.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ------------------------------------------------------------ connections

  async getConnection<C extends ConnectorName>(
    tenantId: string,
    connector: C,
  ): Promise<ConnectionRecord<C> | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `CONN#${connector}` } }),
    );
    return res.Item ? (strip(res.Item) as unknown as ConnectionRecord<C>) : undefined;
  }

  async putConnection<C extends ConnectorName>(record: ConnectionRecord<C>): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `CONN#${record.connector}`,
          gsi1pk: `CONN#${record.connector}`,
          gsi1sk: tenantKey(record.tenantId),
          ...record,
        },
      }),
    );
  }

  async deleteConnection(tenantId: string, connector: ConnectorName): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `CONN#${connector}` } }),
    );
  }

  async listConnections<C extends ConnectorName>(connector: C): Promise<ConnectionRecord<C>[]> {
    const out: ConnectionRecord<C>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_SCHEMA.gsi1.name,
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': `CONN#${connector}` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) out.push(strip(item) as unknown as ConnectionRecord<C>);
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  // ------------------------------------------------------------ Slack teams (team → tenant)
  //
  // Two items per team: the claim, keyed by the team (the lookup, and the conditional write that
  // makes a team belong to one tenant), and the tenant's own record, keyed by the tenant (what a
  // disconnect lists and deletes). dynalite has no transactions, so they are written in an order
  // that is safe to repeat: the claim first (a refusal leaves nothing behind), then the record; on
  // release the record first, then the claim.

  async claimSlackTeam(record: SlackTeamRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...slackTeamClaimKey(record), ...record },
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
          ExpressionAttributeValues: { ':t': record.tenantId },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new SlackTeamClaimedError(slackTeamKey(record));
      throw err;
    }
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...slackTeamTenantKey(record.tenantId, record), ...record } }),
    );
  }

  async findSlackTeam(ref: SlackTeamRef): Promise<SlackTeamRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: slackTeamClaimKey(ref), ConsistentRead: true }),
    );
    return res.Item ? (strip(res.Item) as unknown as SlackTeamRecord) : undefined;
  }

  async releaseSlackTeam(tenantId: string, ref: SlackTeamRef): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: slackTeamTenantKey(tenantId, ref) }));
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: slackTeamClaimKey(ref),
          // Never another tenant's claim: a disconnect only undoes what this tenant made.
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': tenantId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async listSlackTeams(tenantId: string): Promise<SlackTeamRecord[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': 'SLACKTEAM#' },
      }),
    );
    return (res.Items ?? []).map((i) => strip(i) as unknown as SlackTeamRecord);
  }

  // ------------------------------------------------------------ Slack threads

  async getThread(tenantId: string, channelId: string, threadKey: string): Promise<string | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `THREAD#${channelId}#${threadKey}` },
      }),
    );
    return res.Item?.ts as string | undefined;
  }

  async putThread(tenantId: string, channelId: string, threadKey: string, ts: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(tenantId),
          sk: `THREAD#${channelId}#${threadKey}`,
          ts,
          // A thread gathers a contact's or campaign's notifications for a month, then starts anew.
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.now() / 1000) + 30 * 86_400,
        },
      }),
    );
  }

  async wasPosted(tenantId: string, channelId: string, eventId: string): Promise<boolean> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `POSTED#${channelId}#${eventId}` } }),
    );
    return res.Item !== undefined;
  }

  async markPosted(tenantId: string, channelId: string, eventId: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(tenantId),
          sk: `POSTED#${channelId}#${eventId}`,
          // Longer than any redelivery (SQS keeps messages 14 days at most; the DLQ replay included).
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.now() / 1000) + 15 * 86_400,
        },
      }),
    );
  }

  // ------------------------------------------------------------ Slack posts waiting for their channel

  async addPendingPost(
    tenantId: string,
    channelId: string,
    eventId: string,
    event: string,
    ttlSeconds: number,
  ): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(tenantId),
          sk: `SPEND#${channelId}#${eventId}`,
          eventId,
          event,
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.now() / 1000) + ttlSeconds,
        },
      }),
    );
  }

  async listPendingPosts(
    tenantId: string,
    channelId: string,
    limit: number,
  ): Promise<{ eventId: string; event: string }[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': `SPEND#${channelId}#` },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((item) => ({ eventId: String(item.eventId), event: String(item.event) }));
  }

  async removePendingPosts(tenantId: string, channelId: string, eventIds: string[]): Promise<void> {
    for (const id of eventIds) {
      await this.doc.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `SPEND#${channelId}#${id}` } }),
      );
    }
  }

  // ------------------------------------------------------------ Slack deliveries

  async getSlackDeliveries(tenantId: string): Promise<SlackDeliverySummary | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: 'SLACKDELIVERIES' } }),
    );
    if (!res.Item) return undefined;
    const { version: _v, ...summary } = strip(res.Item) as unknown as SlackDeliverySummary & { version: number };
    return summary;
  }

  /**
   * Read, add, write back under a version condition: two channels' workers may record at once, and
   * a lost update would undercount. A few tries, then the caller logs it (the post itself stands).
   */
  async recordSlackDelivery(tenantId: string, delivery: SlackDelivery): Promise<void> {
    const key = { pk: tenantKey(tenantId), sk: 'SLACKDELIVERIES' };
    for (let attempt = 0; ; attempt++) {
      const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
      const old = res.Item ? (strip(res.Item) as unknown as SlackDeliverySummary & { version: number }) : undefined;
      const posted = delivery.status === 'posted';
      const item = {
        ...key,
        posted: (old?.posted ?? 0) + (posted ? 1 : 0),
        failed: (old?.failed ?? 0) + (posted ? 0 : 1),
        since: old?.since ?? delivery.at,
        lastPosted: posted ? delivery : (old?.lastPosted ?? null),
        recent: [delivery, ...(old?.recent ?? [])].slice(0, SLACK_RECENT_DELIVERIES),
        version: (old?.version ?? 0) + 1,
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: old ? '#v = :v' : 'attribute_not_exists(pk)',
            ...(old
              ? { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': old.version } }
              : {}),
          }),
        );
        return;
      } catch (err) {
        if (!isConditionFailure(err) || attempt >= 4) throw err;
      }
    }
  }

  // ------------------------------------------------------------ Notion webhooks

  async getNotionWebhook(tenantId: string): Promise<NotionWebhookRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: 'NWEBHOOK' }, ConsistentRead: true }),
    );
    return res.Item ? (strip(res.Item) as unknown as NotionWebhookRecord) : undefined;
  }

  async putNotionWebhook(record: NotionWebhookRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk: tenantKey(record.tenantId), sk: 'NWEBHOOK', ...record } }),
    );
  }

  async deleteNotionWebhook(tenantId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: 'NWEBHOOK' } }));
  }

  async addPendingPage(tenantId: string, entry: Omit<PendingNotionPage, 'version'>, ttlSeconds: number): Promise<void> {
    // One item per page: many events for one page merge (sets), so the worker fetches it once.
    const adds: string[] = ['#v :one'];
    const values: Record<string, unknown> = { ':one': 1, ':ttl': Math.floor(Date.now() / 1000) + ttlSeconds };
    const names: Record<string, string> = { '#v': 'version', '#ttl': TABLE_SCHEMA.ttlAttribute };
    for (const [attr, list] of [
      ['types', entry.types],
      ['propertyIds', entry.propertyIds],
      ['authors', entry.authors],
    ] as const) {
      if (list.length === 0) continue;
      adds.push(`#${attr} :${attr}`);
      names[`#${attr}`] = attr;
      values[`:${attr}`] = new Set(list);
    }
    const sets = ['#ttl = :ttl'];
    if (entry.parentId) {
      sets.push('parentId = :parent');
      values[':parent'] = entry.parentId;
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `NPAGE#${entry.pageId}` },
        UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async listPendingPages(tenantId: string, limit: number): Promise<PendingNotionPage[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': 'NPAGE#' },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((item) => ({
      pageId: String(item.sk).slice('NPAGE#'.length),
      types: [...((item.types as Set<string> | undefined) ?? [])].sort(),
      propertyIds: [...((item.propertyIds as Set<string> | undefined) ?? [])].sort(),
      authors: [...((item.authors as Set<string> | undefined) ?? [])].sort(),
      parentId: item.parentId as string | undefined,
      version: Number(item.version ?? 0),
    }));
  }

  async removePendingPages(tenantId: string, entries: Pick<PendingNotionPage, 'pageId' | 'version'>[]): Promise<void> {
    for (const e of entries) {
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: tenantKey(tenantId), sk: `NPAGE#${e.pageId}` },
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': e.version },
          }),
        );
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
  }

  // ------------------------------------------------------------ once-only markers

  async claimMarker(tenantId: string, key: string, ttlSeconds: number): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: tenantKey(tenantId), sk: `MARK#${key}`, [TABLE_SCHEMA.ttlAttribute]: now + ttlSeconds },
          // DynamoDB deletes expired items lazily (up to days later): an expired marker is free again.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async hasMarker(tenantId: string, key: string): Promise<boolean> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `MARK#${key}` },
        ConsistentRead: true,
      }),
    );
    const ttl = res.Item?.[TABLE_SCHEMA.ttlAttribute] as number | undefined;
    return res.Item !== undefined && (ttl === undefined || ttl >= Math.floor(Date.now() / 1000));
  }

  async releaseMarker(tenantId: string, key: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `MARK#${key}` } }),
    );
  }

  // ------------------------------------------------------------ OAuth installs in progress

  async putOAuthState(record: OAuthStateRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `OAUTHSTATE#${record.stateHash}`,
          ...record,
          // Cleanup only: the expiry that counts is expiresAt, checked when the state is used.
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(record.expiresAt) / 1000) + 86_400,
        },
        // A hash collision would hand one admin's install to another: never overwrite.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async takeOAuthState(tenantId: string, stateHash: string, usedAt: string): Promise<OAuthStateTake> {
    const Key = { pk: tenantKey(tenantId), sk: `OAUTHSTATE#${stateHash}` };
    // One conditional write: of two redirects carrying the same state, exactly one gets the record.
    // The used item stays until its TTL, so a replay is told apart from a state never issued.
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'SET usedAt = :u',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
          ExpressionAttributeValues: { ':u': usedAt },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { outcome: 'taken', record: strip(res.Attributes ?? {}) as unknown as OAuthStateRecord };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
    return res.Item ? { outcome: 'used', usedAt: String(res.Item.usedAt) } : { outcome: 'unknown' };
  }

  // ------------------------------------------------------------ orders (abandoned-cart checks)

  async recordOrder(tenantId: string, email: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: tenantKey(tenantId),
            sk: `ORDER#${email.toLowerCase()}`,
            at,
            // Longer than any cart delay (at most 7 days).
            [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.now() / 1000) + 30 * 86_400,
          },
          // Keep the latest: an older order delivered late must not hide a newer one.
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async lastOrderAt(tenantId: string, email: string): Promise<string | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `ORDER#${email.toLowerCase()}` },
        ConsistentRead: true,
      }),
    );
    return res.Item?.at as string | undefined;
  }

  // ------------------------------------------------------------ cursors

  async getCursor(tenantId: string, connector: ConnectorName, sourceId: string): Promise<SyncCursor | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `CURSOR#${connector}#${sourceId}` },
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as SyncCursor) : undefined;
  }

  async putCursor(tenantId: string, connector: ConnectorName, cursor: SyncCursor): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: tenantKey(tenantId), sk: `CURSOR#${connector}#${cursor.sourceId}`, ...cursor },
      }),
    );
  }

  // ------------------------------------------------------------ fingerprints
  //
  // Fingerprints are kept in FP_BUCKETS items per source (a row's bucket is a hash of its id), each
  // a map of row id → fingerprint. A 10,000-row sync then writes a few hundred small items instead
  // of 10,000, and loading a source is one short query. Read-modify-write of a bucket is safe: one
  // source is only ever written by the steps of its lane, one at a time.

  private fpKey(tenantId: string, connector: ConnectorName, sourceId: string) {
    return `${tenantKey(tenantId)}#FP#${connector}#${sourceId}`;
  }

  async loadFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
  ): Promise<Map<string, Fingerprint>> {
    const out = new Map<string, Fingerprint>();
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': this.fpKey(tenantId, connector, sourceId) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        for (const [rowId, packed] of Object.entries((item.r as Record<string, string>) ?? {})) {
          out.set(rowId, unpackFingerprint(rowId, packed));
        }
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async putFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
    rows: Fingerprint[],
  ): Promise<void> {
    const byBucket = new Map<string, Fingerprint[]>();
    for (const r of rows) {
      const sk = bucketOf(r.rowId);
      byBucket.set(sk, [...(byBucket.get(sk) ?? []), r]);
    }
    await this.updateBuckets(this.fpKey(tenantId, connector, sourceId), [...byBucket.keys()], (bucket, sk) => {
      for (const r of byBucket.get(sk) ?? []) bucket.set(r.rowId, packFingerprint(r));
    });
  }

  async deleteFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
    rowIds: string[],
  ): Promise<void> {
    await this.updateBuckets(
      this.fpKey(tenantId, connector, sourceId),
      [...new Set(rowIds.map(bucketOf))],
      (bucket) => {
        for (const id of rowIds) bucket.delete(id);
      },
    );
  }

  /** Reads the given buckets, applies `apply` to each, writes them back (empty ones deleted). */
  private async updateBuckets(
    pk: string,
    touched: string[],
    apply: (bucket: Map<string, string>, sk: string) => void,
  ): Promise<void> {
    const current = new Map<string, Map<string, string>>();
    for (let i = 0; i < touched.length; i += 100) {
      let keys: Record<string, unknown>[] = touched.slice(i, i + 100).map((sk) => ({ pk, sk }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`DynamoDB kept ${keys.length} reads unprocessed`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        for (const item of res.Responses?.[this.table] ?? []) {
          current.set(item.sk as string, new Map(Object.entries((item.r as Record<string, string>) ?? {})));
        }
        keys = (res.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    const writes = touched.map((sk) => {
      const bucket = current.get(sk) ?? new Map<string, string>();
      apply(bucket, sk);
      return bucket.size === 0
        ? { DeleteRequest: { Key: { pk, sk } } }
        : { PutRequest: { Item: { pk, sk, r: Object.fromEntries(bucket) } } };
    });
    await this.batchWrite(writes);
  }

  /** BatchWrite in chunks of 25, a few chunks in flight, unprocessed items retried with backoff. */
  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
    const inFlight = 8;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        let pending = chunks[next++] as Record<string, unknown>[];
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed`);
          if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }));
          pending = (res.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, worker));
  }

  // ------------------------------------------------------------ runs

  async putRun(record: RunRecord): Promise<void> {
    // Finished runs expire after RUN_RETENTION_DAYS (DynamoDB TTL); running ones are kept.
    const ttl = record.finishedAt
      ? Math.floor(Date.parse(record.finishedAt) / 1000) + RUN_RETENTION_DAYS * 86_400
      : undefined;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `RUN#${record.connector}#${record.runId}`,
          ...record,
          [TABLE_SCHEMA.ttlAttribute]: ttl,
        },
      }),
    );
  }

  async claimRun(record: RunRecord, expected: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: tenantKey(record.tenantId),
            sk: `RUN#${record.connector}#${record.runId}`,
            ...record,
            [TABLE_SCHEMA.ttlAttribute]: record.finishedAt
              ? Math.floor(Date.parse(record.finishedAt) / 1000) + RUN_RETENTION_DAYS * 86_400
              : undefined,
          },
          ConditionExpression: expected === undefined ? 'attribute_not_exists(#owner)' : '#owner.#hb = :hb',
          ExpressionAttributeNames: { '#owner': 'owner', ...(expected === undefined ? {} : { '#hb': 'heartbeatAt' }) },
          ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':hb': expected } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async getRun(tenantId: string, connector: ConnectorName, runId: string): Promise<RunRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `RUN#${connector}#${runId}` } }),
    );
    return res.Item ? (strip(res.Item) as unknown as RunRecord) : undefined;
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
    const items = await this.queryItems(
      {
        TableName: this.table,
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

  /** A query's items, page after page, until there are no more or `enough` says so. */
  private async queryItems(
    input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
    enough: (count: number) => boolean = () => false,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start && !enough(items.length));
    return items;
  }

  // ------------------------------------------------------------ Brevo → Notion rules
  // Rule runs (`RULERUN#<runId>`, ids sort by time) live beside the sync runs, not among them: a
  // webhook burst must not push the syncs' runs out of the status listing. Page writes
  // (`NWRITE#<database>#<page>`) are grouped per database so the sync loads one database's in one query.

  async putRuleRun(record: RuleRunRecord): Promise<void> {
    const ttl = Math.floor(Date.parse(record.finishedAt ?? record.startedAt) / 1000) + RUN_RETENTION_DAYS * 86_400;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `RULERUN#${record.runId}`,
          ...record,
          [TABLE_SCHEMA.ttlAttribute]: ttl,
        },
      }),
    );
  }

  async getRuleRun(tenantId: string, runId: string): Promise<RuleRunRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `RULERUN#${runId}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as RuleRunRecord) : undefined;
  }

  async listRuleRuns(tenantId: string, limit: number): Promise<RuleRunRecord[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': 'RULERUN#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((i) => strip(i) as unknown as RuleRunRecord);
  }

  async getPageWrite(tenantId: string, databaseId: string, pageId: string): Promise<NotionPageWrite | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `NWRITE#${databaseId}#${pageId}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as NotionPageWrite) : undefined;
  }

  async putPageWrite(record: NotionPageWrite): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantKey(record.tenantId),
          sk: `NWRITE#${record.databaseId}#${record.pageId}`,
          ...record,
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(record.writtenAt) / 1000) + RUN_RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  async listPageWrites(tenantId: string, databaseId: string): Promise<NotionPageWrite[]> {
    return (await this.queryAll(tenantId, `NWRITE#${databaseId}#`)) as unknown as NotionPageWrite[];
  }

  /** Every item of a tenant whose sort key starts with `prefix`, all pages of the query, stripped. */
  /** Every item of the tenant whose sort key starts with `prefix` (all pages), keys stripped. */
  private async queryAll(
    tenantId: string,
    prefix: string,
    opts: { consistent?: boolean } = {},
  ): Promise<Record<string, unknown>[]> {
    const items = await this.queryItems({
      TableName: this.table,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': tenantKey(tenantId), ':s': prefix },
      ConsistentRead: opts.consistent === true,
    });
    return items.map(strip);
  }

  // ------------------------------------------------------------ publishing (page → Brevo campaign)
  // One item per page of a publishing database, `PUB#<databaseId>#<pageId>` under the tenant; every
  // write is conditional on the item's revision (see shared/core/ports/publications.ts).

  async listPublishStates(tenantId: string, databaseId: string): Promise<PagePublishState[]> {
    // Consistent: a page's entry into the state is decided on what this read returns.
    return (await this.queryAll(tenantId, `PUB#${databaseId}#`, { consistent: true })) as unknown as PagePublishState[];
  }

  async getPublishState(tenantId: string, databaseId: string, pageId: string): Promise<PagePublishState | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantKey(tenantId), sk: `PUB#${databaseId}#${pageId}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as PagePublishState) : undefined;
  }

  async putPublishState(state: PagePublishState, expectedRev: number | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: tenantKey(state.tenantId), sk: `PUB#${state.databaseId}#${state.pageId}`, ...state },
          ...(expectedRev === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#rev = :rev',
                ExpressionAttributeNames: { '#rev': 'rev' },
                ExpressionAttributeValues: { ':rev': expectedRev },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ------------------------------------------------------------ call budgets (Brevo's hourly endpoints)
  // One item per tenant and bucket, `BUDGET#<bucket>`: the current window's id and count, and a block
  // set by a 429. Taking calls is one conditional update: in the same window, add if the sum stays
  // within the limit; in a newer window, start the count again. Concurrent takers never overspend.

  async takeCalls(
    tenantId: string,
    bucket: string,
    args: { window: string; n: number; limit: number; now: number; ttlSeconds: number },
  ): Promise<{ granted: boolean; used: number; blockedUntil?: number }> {
    const Key = { pk: tenantKey(tenantId), sk: `BUDGET#${bucket}` };
    const ttl = Math.floor(args.now / 1000) + args.ttlSeconds;
    const names = { '#win': 'win', '#used': 'used', '#blocked': 'blockedUntil', '#ttl': TABLE_SCHEMA.ttlAttribute };
    const notBlocked = '(attribute_not_exists(#blocked) OR #blocked <= :now)';
    if (args.n <= args.limit) {
      // Two racing writers may each see the other's window change: a few rounds settle it.
      for (let round = 0; round < 3; round++) {
        try {
          const res = await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key,
              UpdateExpression: 'SET #used = #used + :n, #ttl = :ttl',
              ConditionExpression: `#win = :w AND #used <= :max AND ${notBlocked}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: {
                ':n': args.n,
                ':w': args.window,
                ':max': args.limit - args.n,
                ':now': args.now,
                ':ttl': ttl,
              },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return { granted: true, used: Number(res.Attributes?.used ?? args.n) };
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
        try {
          // Window ids sort by time (ISO starts): only a newer window resets the count.
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key,
              UpdateExpression: 'SET #win = :w, #used = :n, #ttl = :ttl',
              ConditionExpression: `(attribute_not_exists(#win) OR #win < :w) AND ${notBlocked}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':n': args.n, ':w': args.window, ':now': args.now, ':ttl': ttl },
            }),
          );
          return { granted: true, used: args.n };
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
        const current = await this.readBudget(Key);
        const blocked = current.blockedUntil !== undefined && current.blockedUntil > args.now;
        if (blocked || (current.win === args.window && current.used + args.n > args.limit)) {
          return {
            granted: false,
            used: current.win === args.window ? current.used : 0,
            ...this.block(current, args.now),
          };
        }
      }
    }
    const current = await this.readBudget(Key);
    return { granted: false, used: current.win === args.window ? current.used : 0, ...this.block(current, args.now) };
  }

  async blockCalls(tenantId: string, bucket: string, until: number, ttlSeconds: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tenantKey(tenantId), sk: `BUDGET#${bucket}` },
          UpdateExpression: 'SET #blocked = :u, #ttl = :ttl',
          // The later block wins: an earlier, shorter 429 must not shorten a longer one.
          ConditionExpression: 'attribute_not_exists(#blocked) OR #blocked < :u',
          ExpressionAttributeNames: { '#blocked': 'blockedUntil', '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: { ':u': until, ':ttl': Math.floor(until / 1000) + ttlSeconds },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  private async readBudget(
    Key: Record<string, string>,
  ): Promise<{ win?: string; used: number; blockedUntil?: number }> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
    return {
      win: res.Item?.win as string | undefined,
      used: Number(res.Item?.used ?? 0),
      blockedUntil: res.Item?.blockedUntil as number | undefined,
    };
  }

  private block(current: { blockedUntil?: number }, now: number): { blockedUntil?: number } {
    return current.blockedUntil !== undefined && current.blockedUntil > now
      ? { blockedUntil: current.blockedUntil }
      : {};
  }

  // ------------------------------------------------------------ imported documents (page import)
  // One item per imported page, `DOC#notion#<pageId>` under the tenant: re-sync lists them with one
  // query and compares each page's last_edited_time with the one recorded here.

  async getImportedDocument(tenantId: string, pageId: string): Promise<ImportedDocument | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantKey(tenantId), sk: `DOC#notion#${pageId}` } }),
    );
    return res.Item ? (strip(res.Item) as unknown as ImportedDocument) : undefined;
  }

  async putImportedDocument(doc: ImportedDocument): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: tenantKey(doc.tenantId), sk: `DOC#notion#${doc.pageId}`, ...doc },
      }),
    );
  }

  async listImportedDocuments(tenantId: string): Promise<ImportedDocument[]> {
    return (await this.queryAll(tenantId, 'DOC#notion#')) as unknown as ImportedDocument[];
  }
}

/** Spreads a source's rows over this many items (≈ 2,000 rows a bucket at 500,000 rows). */
export const FP_BUCKETS = 256;

function bucketOf(rowId: string): string {
  return `B#${createHash('sha1').update(rowId).digest().readUInt16BE(0) % FP_BUCKETS}`;
}

function packFingerprint(f: Fingerprint): string {
  return JSON.stringify([f.fp, f.identifier, f.identifierType, f.listId ?? null, f.seenRun ?? null]);
}

function unpackFingerprint(rowId: string, packed: string): Fingerprint {
  const [fp, identifier, identifierType, listId, seenRun] = JSON.parse(packed) as [
    string,
    string,
    Fingerprint['identifierType'],
    number | null,
    string | null,
  ];
  return { rowId, fp, identifier, identifierType, listId: listId ?? undefined, seenRun: seenRun ?? undefined };
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest;
}

/** Creates the table when it does not exist (local runtime and tests; infra/ creates it in AWS). */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  const { partitionKey, sortKey, gsi1 } = TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: gsi1.partitionKey, AttributeType: 'S' },
        { AttributeName: gsi1.sortKey, AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1.name,
          KeySchema: [
            { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  // A table is usable once ACTIVE: before that every read and write is a ResourceNotFoundException
  // (dynalite too, for a moment, when the machine is busy).
  for (let waited = 0; ; waited += 20) {
    const res = await client.send(new DescribeTableCommand({ TableName: table }));
    if (res.Table?.TableStatus === 'ACTIVE') return;
    if (waited > 60_000) throw new Error(`table ${table} is still ${res.Table?.TableStatus} after a minute`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
