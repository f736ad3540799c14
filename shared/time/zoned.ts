/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl: what local date and time an
 * instant is, and which instant a local time is. DST is resolved as Temporal's "compatible" mode
 * does: a time skipped by a gap moves forward by the gap's length, a repeated time is its first.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formats = new Map<string, Intl.DateTimeFormat>();

/** Whether Intl knows the zone (config validation uses this). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formats.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(epochMs))) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS.indexOf(p.weekday ?? ''),
  };
}

/** The zone's offset from UTC at an instant, in ms (Paris in winter: +3,600,000). */
export function offsetMs(epochMs: number, timeZone: string): number {
  const l = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The first instant whose local time in the zone is at or after the given local date and time. */
export function instantOf(
  local: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): number {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // The offsets a day before and a day after bracket any DST change near this local time.
  const before = naive - offsetMs(naive - 86_400_000, timeZone);
  const after = naive - offsetMs(naive + 86_400_000, timeZone);
  const exact = [before, after].filter((c) => c + offsetMs(c, timeZone) === naive).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0]!;
  // In a gap (spring forward): the wall time pushed forward by the gap (02:30 → 03:30).
  return before;
}

/** The next instant strictly after `afterMs` at which the zone's clock shows hour:minute. */
export function nextDailyAt(afterMs: number, at: { hour: number; minute: number }, timeZone: string): number {
  const today = localParts(afterMs, timeZone);
  for (let addDays = 0; addDays < 3; addDays++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + addDays));
    const t = instantOf(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: at.hour, minute: at.minute },
      timeZone,
    );
    if (t > afterMs) return t;
  }
  throw new Error(`no ${at.hour}:${at.minute} in ${timeZone} within two days`);
}
