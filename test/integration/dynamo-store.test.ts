/**
 * The DynamoDB adapter on dynalite: fingerprints live in at most FP_BUCKETS items per source, keep
 * every field through a round trip, and stay tenant-scoped.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { FP_BUCKETS } from '../../shared/adapters/dynamodb';
import { retryBackoffMs } from '../../shared/core/lanes/lane-retry';
import type { Fingerprint } from '../../shared/core/ports';
import { freshStore } from '../support/stores';

const rows = (n: number, run = 'run-1'): Fingerprint[] =>
  Array.from({ length: n }, (_, i) => ({
    rowId: `page-${i}`,
    fp: `fp-${i}`,
    identifier: i % 2 ? `user${i}@example.com` : `+3361000${String(i).padStart(4, '0')}`,
    identifierType: i % 2 ? 'email_id' : 'phone_id',
    listId: i % 3 ? 7 : undefined,
    seenRun: i % 5 ? run : undefined,
  }));

test('fingerprints round-trip through hash buckets, bounded in item count', async () => {
  const { store, client, table } = await freshStore();
  const written = rows(3000);
  await store.putFingerprints('acme', 'notion', 'ds-1', written);
  const loaded = await store.loadFingerprints('acme', 'notion', 'ds-1');
  expect(loaded.size).toBe(3000);
  for (const r of written) expect(loaded.get(r.rowId)).toEqual(r);

  const items = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'T#acme#FP#notion#ds-1' } },
      Select: 'COUNT',
    }),
  );
  expect(items.Count).toBeGreaterThan(FP_BUCKETS / 2);
  expect(items.Count).toBeLessThanOrEqual(FP_BUCKETS);

  // Updates merge into their buckets; deletes take rows out; other sources and tenants are untouched.
  await store.putFingerprints('acme', 'notion', 'ds-1', [{ ...written[10]!, fp: 'changed' }]);
  await store.deleteFingerprints('acme', 'notion', 'ds-1', ['page-1', 'page-2', 'no-such-row']);
  await store.putFingerprints('other', 'notion', 'ds-1', rows(5));
  const after = await store.loadFingerprints('acme', 'notion', 'ds-1');
  expect(after.size).toBe(2998);
  expect(after.get('page-10')?.fp).toBe('changed');
  expect(after.has('page-1')).toBe(false);
  expect((await store.loadFingerprints('other', 'notion', 'ds-1')).size).toBe(5);
  expect((await store.loadFingerprints('acme', 'notion', 'ds-2')).size).toBe(0);
});

test('a failed lane step backs off 30 s, 1 min, 2 min... up to 15 min', () => {
  expect([1, 2, 3, 4, 5, 6, 9].map(retryBackoffMs)).toEqual([
    30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000,
  ]);
});
