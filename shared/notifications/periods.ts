/**
 * Local calendar arithmetic for the scheduled summaries, in an IANA time zone, with only Intl (no
 * date library): which local day an instant falls on, the instant a local wall-clock time names
 * (DST gaps and overlaps resolved as Temporal's "compatible" does), and the periods a run is due
 * to summarise. Local days are 23, 24 or 25 hours long; weeks are 7 local days, not 168 hours.
 */
import type { SlackSummariesConfig, Weekday } from '../config/schema';

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

function parseDate(date: LocalDate): { y: number; mo: number; d: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]) };
}

/** Calendar arithmetic on days (no time zone involved: a day is a day). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const { y, mo, d } = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}

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

export type SummaryKind = 'daily' | 'weekly';

export interface SummaryPeriod {
  kind: SummaryKind;
  /** The first and last local days covered (the same day for a daily summary). */
  firstDay: LocalDate;
  lastDay: LocalDate;
  /** [start, end): local midnight of firstDay to local midnight after lastDay. */
  start: Date;
  end: Date;
  /** Idempotency key per period (with the channel): `summary:daily:2026-11-21`. */
  id: string;
  /** "Saturday, 21 November 2026", or "16 – 22 November 2026" for a week. */
  label: string;
}

const dayLabel = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const dayMonthYear = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const dayMonth = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long' });
const dayOnly = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric' });

function utcNoon(date: LocalDate): Date {
  const { y, mo, d } = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d, 12));
}

function rangeLabel(first: LocalDate, last: LocalDate): string {
  const a = utcNoon(first);
  const b = utcNoon(last);
  const end = dayMonthYear.format(b);
  if (first.slice(0, 7) === last.slice(0, 7)) return `${dayOnly.format(a)} – ${end}`;
  if (first.slice(0, 4) === last.slice(0, 4)) return `${dayMonth.format(a)} – ${end}`;
  return `${dayMonthYear.format(a)} – ${end}`;
}

/** The period of `kind` that ends at the local midnight that starts `today`. */
export function periodEndingOn(kind: SummaryKind, today: LocalDate, tz: string): SummaryPeriod {
  const firstDay = addDays(today, kind === 'daily' ? -1 : -7);
  const lastDay = addDays(today, -1);
  return {
    kind,
    firstDay,
    lastDay,
    start: new Date(startOfLocalDay(firstDay, tz)),
    end: new Date(startOfLocalDay(today, tz)),
    id: `summary:${kind}:${firstDay}`,
    label: kind === 'daily' ? dayLabel.format(utcNoon(firstDay)) : rangeLabel(firstDay, lastDay),
  };
}

export interface DueSummary {
  period: SummaryPeriod;
  /** As configured: a name from connectors.slack.channels or a channel id. */
  channel: string;
  /** When to post it: the configured local time of the run's local day (epoch ms). */
  postAt: number;
}

/**
 * What a run at `now` is due to post: the daily summary of the previous local day, and on the
 * configured weekday the weekly summary of the previous 7 local days. The run is meant to fire
 * shortly after local midnight; "today" is the local day of `now`, whatever hour it is.
 */
export function dueSummaries(config: SlackSummariesConfig, now: number): DueSummary[] {
  const tz = config.timezone;
  const today = localDateOf(now, tz);
  const due: DueSummary[] = [];
  if (config.daily) {
    due.push({
      period: periodEndingOn('daily', today, tz),
      channel: config.daily.channel,
      postAt: zonedTimeToUtc(today, config.daily.at, tz),
    });
  }
  if (config.weekly && weekdayOf(today) === config.weekly.day) {
    due.push({
      period: periodEndingOn('weekly', today, tz),
      channel: config.weekly.channel,
      postAt: zonedTimeToUtc(today, config.weekly.at, tz),
    });
  }
  return due;
}
