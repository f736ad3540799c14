import { isTimeZone, nextDailyAt, offsetMs } from '../../shared/core/time/zoned';

const iso = (ms: number) => new Date(ms).toISOString();

// zonedTimeToUtc, localDateOf and the DST days are covered with the summaries (test/notifications).
describe('zoned time', () => {
  test('offsets in Paris, winter and summer', () => {
    expect(offsetMs(Date.parse('2026-01-15T12:00:00Z'), 'Europe/Paris')).toBe(3_600_000);
    expect(offsetMs(Date.parse('2026-07-15T12:00:00Z'), 'Europe/Paris')).toBe(7_200_000);
    expect(offsetMs(Date.parse('2026-01-15T12:00:00Z'), 'UTC')).toBe(0);
  });

  test('nextDailyAt is strictly after, and rolls to tomorrow once the time has passed', () => {
    const at = { hour: 0, minute: 15 };
    expect(iso(nextDailyAt(Date.parse('2026-11-21T22:00:00Z'), at, 'Europe/Paris'))).toBe('2026-11-21T23:15:00.000Z');
    expect(iso(nextDailyAt(Date.parse('2026-11-21T23:15:00Z'), at, 'Europe/Paris'))).toBe('2026-11-22T23:15:00.000Z');
    expect(iso(nextDailyAt(Date.parse('2026-11-22T10:00:00Z'), at, 'UTC'))).toBe('2026-11-23T00:15:00.000Z');
    // Across the spring-forward night: 02:30 does not exist on 29 March 2026 in Paris (03:30 CEST).
    expect(iso(nextDailyAt(Date.parse('2026-03-28T12:00:00Z'), { hour: 2, minute: 30 }, 'Europe/Paris'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  test('isTimeZone', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
