/**
 * Where an incremental sync resumes (`CURSOR#<connector>#<source>` under the tenant) and what was
 * last written for each row (fingerprints).
 *
 * Fingerprints are kept in FP_BUCKETS items per source (a row's bucket is a hash of its id), each
 * a map of row id → fingerprint, under their own partition `T#<tenant>#FP#<connector>#<source>`. A
 * 10,000-row sync then writes a few hundred small items instead of 10,000, and loading a source is
 * one short query. Read-modify-write of a bucket is safe: one source is only ever written by the
 * steps of its lane, one at a time.
 */
import { createHash } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectorName, CursorStore, Fingerprint, SyncCursor } from '../../core/ports';
import { type DynamoTable, tenantKey } from './table';

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

const fpKey = (tenantId: string, connector: ConnectorName, sourceId: string) =>
  `${tenantKey(tenantId)}#FP#${connector}#${sourceId}`;

const cursorKey = (tenantId: string, connector: ConnectorName, sourceId: string) => ({
  pk: tenantKey(tenantId),
  sk: `CURSOR#${connector}#${sourceId}`,
});

export class CursorRepository implements CursorStore {
  constructor(private readonly table: DynamoTable) {}

  async getCursor(tenantId: string, connector: ConnectorName, sourceId: string): Promise<SyncCursor | undefined> {
    return this.table.get<SyncCursor>(cursorKey(tenantId, connector, sourceId));
  }

  async putCursor(tenantId: string, connector: ConnectorName, cursor: SyncCursor): Promise<void> {
    await this.table.put({ ...cursorKey(tenantId, connector, cursor.sourceId), ...cursor });
  }

  async loadFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
  ): Promise<Map<string, Fingerprint>> {
    const out = new Map<string, Fingerprint>();
    const items = await this.table.queryItems({
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': fpKey(tenantId, connector, sourceId) },
    });
    for (const item of items) {
      for (const [rowId, packed] of Object.entries((item.r as Record<string, string>) ?? {})) {
        out.set(rowId, unpackFingerprint(rowId, packed));
      }
    }
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
    await this.updateBuckets(fpKey(tenantId, connector, sourceId), [...byBucket.keys()], (bucket, sk) => {
      for (const r of byBucket.get(sk) ?? []) bucket.set(r.rowId, packFingerprint(r));
    });
  }

  async deleteFingerprints(
    tenantId: string,
    connector: ConnectorName,
    sourceId: string,
    rowIds: string[],
  ): Promise<void> {
    await this.updateBuckets(fpKey(tenantId, connector, sourceId), [...new Set(rowIds.map(bucketOf))], (bucket) => {
      for (const id of rowIds) bucket.delete(id);
    });
  }

  /** Reads the given buckets, applies `apply` to each, writes them back (empty ones deleted). */
  private async updateBuckets(
    pk: string,
    touched: string[],
    apply: (bucket: Map<string, string>, sk: string) => void,
  ): Promise<void> {
    const table = this.table.name;
    const current = new Map<string, Map<string, string>>();
    for (let i = 0; i < touched.length; i += 100) {
      let keys: Record<string, unknown>[] = touched.slice(i, i + 100).map((sk) => ({ pk, sk }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`DynamoDB kept ${keys.length} reads unprocessed`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const res = await this.table.doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
        for (const item of res.Responses?.[table] ?? []) {
          current.set(item.sk as string, new Map(Object.entries((item.r as Record<string, string>) ?? {})));
        }
        keys = (res.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
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
    const table = this.table.name;
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
          const res = await this.table.doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
          pending = (res.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, worker));
  }
}
