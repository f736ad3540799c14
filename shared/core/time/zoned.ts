/**
 * Wall-clock arithmetic in an IANA time zone with only Intl (no date library): which local day an
 * instant falls on, the instant a local wall-clock time names (DST gaps and overlaps resolved as
 * Temporal's "compatible" does), and the next time a daily local hour comes round. The Slack
 * summaries' periods and the local scheduler's daily cadence both stand on it.
 */

/** An IANA time zone name ("Europe/Paris", "UTC"), as the runtime's Intl knows it. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A local calendar day, `YYYY-MM-DD`. */
export type LocalDate = string;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function wallClock(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    y: parts.year ?? 0,
    mo: parts.month ?? 1,
    d: parts.day ?? 1,
    h: parts.hour ?? 0,
    mi: parts.minute ?? 0,
    s: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris: +3,600,000 in winter). */
export function offsetMs(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const whole = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - whole;
}

/** The local calendar day of an instant. */
export function localDateOf(ms: number, tz: string): LocalDate {
  const w = wallClock(ms, tz);
  return `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

export function parseDate(date: LocalDate): { y: number; mo: number; d: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]) };
}

/** Calendar arithmetic on days (no time zone involved: a day is a day). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const { y, mo, d } = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const WEEKDAY_BY_UTC_DAY: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
export function weekdayOf(date: LocalDate): Weekday {
  const { y, mo, d } = parseDate(date);
  return WEEKDAY_BY_UTC_DAY[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()] as Weekday;
}

/**
 * The instant at which the local wall clock of `tz` shows `date` `time` ("HH:MM"). A time skipped
 * by a DST jump forward (02:30 on a spring-forward night in Paris) is read with the offset before
 * the jump, so it lands after it (03:30); a time that occurs twice (fall back) is its first
 * occurrence. Assumes the zone's transitions are more than two days apart, as they are.
 */
export function zonedTimeToUtc(date: LocalDate, time: string, tz: string): number {
  const { y, mo, d } = parseDate(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!t) throw new Error(`not an HH:MM time: ${time}`);
  const local = Date.UTC(y, mo - 1, d, Number(t[1]), Number(t[2]));
  const day = 86_400_000;
  const before = offsetMs(local - day, tz);
  const after = offsetMs(local + day, tz);
  const valid = [...new Set([before, after])]
    .map((o) => local - o)
    .filter((candidate) => candidate + offsetMs(candidate, tz) === local)
    .sort((a, b) => a - b);
  return valid[0] ?? local - before;
}

/** The first instant of a local day. */
export function startOfLocalDay(date: LocalDate, tz: string): number {
  return zonedTimeToUtc(date, '00:00', tz);
}

/** The next instant strictly after `afterMs` at which the zone's clock shows hour:minute. */
export function nextDailyAt(afterMs: number, at: { hour: number; minute: number }, tz: string): number {
  const today = localDateOf(afterMs, tz);
  const hhmm = `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`;
  // Today's, else tomorrow's (the day after covers a 25-hour day's edge).
  for (let d = 0; d < 3; d++) {
    const t = zonedTimeToUtc(addDays(today, d), hhmm, tz);
    if (t > afterMs) return t;
  }
  throw new Error(`no ${hhmm} in ${tz} within two days`);
}
