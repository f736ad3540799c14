/** The sum every summary keeps, the line that shows it, and where `list` says the Brevo key comes from. */

import { addSkip, countsGap, countsLine } from '../../shared/core/runs/counts';
import { emptySummary } from '../../shared/core/runs/summary';
import { brevoConnectionOf, describeBrevoKey } from '../../shared/core/tenancy/tenants';
import { expectCountsAddUp } from '../support/counts';

test('the line adds up and names each skip; removals not read are said apart', () => {
  const s = { ...emptySummary('full'), pagesRead: 252, upserted: 250 };
  expect(countsGap(s)).toBe(2);
  addSkip(s, 'publish-only database "Newsletters"', 2);
  expect(countsGap(s)).toBe(0);
  expectCountsAddUp(s);
  expect(countsLine(s)).toBe(
    '252 rows read, 250 written, 0 unchanged, 0 removed, 0 failed, 2 skipped (publish-only database "Newsletters": 2)',
  );
  // A full run removes 3 rows: 1 found in the trash (read), 2 no longer returned (not read).
  const f = { ...emptySummary('full'), pagesRead: 10, upserted: 9, removed: 3, vanished: 2 };
  expectCountsAddUp(f);
  expect(countsLine(f, 'users')).toBe(
    '10 users read, 9 written, 0 unchanged, 3 removed (2 no longer found, not read), 0 failed, 0 skipped',
  );
});

test('a summary that does not add up fails the assertion', () => {
  const s = { ...emptySummary('incremental'), pagesRead: 4, unchanged: 2 };
  expect(() => expectCountsAddUp(s)).toThrow(/gap/);
  addSkip(s, 'bots', 1);
  addSkip(s, 'bots', 1);
  expect(s.skips).toEqual([{ reason: 'bots', count: 2 }]);
  expectCountsAddUp(s);
});

test('connectors list says where the Brevo key comes from', () => {
  const fromConfig = brevoConnectionOf(undefined, 'default', [
    { connector: 'notion', brevoApiKeyRef: 'tajo/default/brevo' },
    { connector: 'slack', brevoApiKeyRef: 'tajo/default/brevo' },
  ]);
  expect(fromConfig).toMatchObject({ connected: false, keyFrom: 'connections', usedBy: ['notion', 'slack'] });
  expect(describeBrevoKey(fromConfig)).toBe(
    "key given with the notion and slack connections (the config's brevo.api_key); no tenant-level key stored",
  );
  const none = brevoConnectionOf(undefined, 'default', []);
  expect(describeBrevoKey(none)).toBe('no API key: tajo connectors connect brevo --key <Brevo API key>');
  const own = brevoConnectionOf(
    {
      tenantId: 'acme',
      brevoApiKeyRef: 'ref',
      brevoAccount: { email: 'o@example.com', checkedAt: '2026-01-01T00:00:00Z' },
    } as Parameters<typeof brevoConnectionOf>[0],
    'acme',
  );
  expect(describeBrevoKey(own)).toBe("connected (o@example.com), the tenant's key");
});
