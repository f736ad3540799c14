import { instantOf, isTimeZone, localParts, nextDailyAt, offsetMs } from '../../shared/time/zoned';

const iso = (ms: number) => new Date(ms).toISOString();

describe('zoned time', () => {
  test('local parts and offsets in Paris, winter and summer', () => {
    const winter = Date.parse('2026-01-15T12:00:00Z');
    expect(localParts(winter, 'Europe/Paris')).toMatchObject({ year: 2026, month: 1, day: 15, hour: 13, weekday: 4 });
    expect(offsetMs(winter, 'Europe/Paris')).toBe(3_600_000);
    expect(offsetMs(Date.parse('2026-07-15T12:00:00Z'), 'Europe/Paris')).toBe(7_200_000);
    expect(offsetMs(winter, 'UTC')).toBe(0);
  });

  test('instantOf inverts localParts, including across the DST changes', () => {
    expect(iso(instantOf({ year: 2026, month: 3, day: 29, hour: 0, minute: 15 }, 'Europe/Paris'))).toBe(
      '2026-03-28T23:15:00.000Z',
    );
    // 02:30 does not exist on 29 March 2026 in Paris: moved forward by the gap, to 03:30 CEST.
    expect(iso(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Paris'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // 02:30 happens twice on 25 October 2026: the first one (CEST).
    expect(iso(instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Paris'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(iso(instantOf({ year: 2026, month: 11, day: 22, hour: 9, minute: 0 }, 'America/New_York'))).toBe(
      '2026-11-22T14:00:00.000Z',
    );
  });

  test('nextDailyAt is strictly after, and rolls to tomorrow once the time has passed', () => {
    const at = { hour: 0, minute: 15 };
    expect(iso(nextDailyAt(Date.parse('2026-11-21T22:00:00Z'), at, 'Europe/Paris'))).toBe('2026-11-21T23:15:00.000Z');
    expect(iso(nextDailyAt(Date.parse('2026-11-21T23:15:00Z'), at, 'Europe/Paris'))).toBe('2026-11-22T23:15:00.000Z');
    expect(iso(nextDailyAt(Date.parse('2026-11-22T10:00:00Z'), at, 'UTC'))).toBe('2026-11-23T00:15:00.000Z');
  });

  test('isTimeZone', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
