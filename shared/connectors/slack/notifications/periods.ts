/**
 * Local calendar arithmetic for the scheduled summaries, in an IANA time zone, with only Intl (no
 * date library): which local day an instant falls on, the instant a local wall-clock time names
 * (DST gaps and overlaps resolved as Temporal's "compatible" does), and the periods a run is due
 * to summarise. Local days are 23, 24 or 25 hours long; weeks are 7 local days, not 168 hours.
 */

import {
  addDays,
  type LocalDate,
  localDateOf,
  parseDate,
  startOfLocalDay,
  weekdayOf,
  zonedTimeToUtc,
} from '../../../core/time/zoned';
import type { SlackSummariesConfig } from '../config-schema';

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
