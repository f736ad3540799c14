/**
 * The publish rule of a database (`databases[].publish`), as pure functions: is a page in the
 * publish state, does the rule fit the database's schema, and what the campaign of a page is called,
 * titled and scheduled. No I/O: the sync engine and the publishing service both stand on this.
 */
import { formatPath } from '../../../core/config/path';
import { zonedTimeToUtc } from '../../../core/time/zoned';
import { type NotionPage, pageTitle, type SchemaProperty } from '../client';
import type { NotionDatabaseConfig, PublishConfig } from '../config-schema';
import { extractNotionValue, type NotionPropertyValue } from '../mapping/values';

/** Property types a rule's `when` may name, and what `equals` must then be. */
const STATE_TYPES: Record<string, 'option' | 'boolean'> = { status: 'option', select: 'option', checkbox: 'boolean' };
/** Property types whose text can be a subject. */
const SUBJECT_TYPES = ['title', 'rich_text', 'select', 'status', 'formula'];
/** Property types that can hold the send date. */
const SCHEDULE_TYPES = ['date', 'formula'];
/** A scheduled time closer than this is sent at once (Brevo needs a time in the future). */
export const SCHEDULE_MIN_LEAD_MS = 5 * 60_000;
/** Brevo's campaign name has no documented limit; names are kept readable and bounded. */
const MAX_NAME_TITLE = 120;

// Publish-only databases are defined with the mapping rules (which mapping a database uses).

/** The properties a publish rule reads (the sync refreshes a cached schema that lacks one). */
export function publishProperties(db: NotionDatabaseConfig): string[] {
  const p = db.publish;
  if (!p) return [];
  const out = [p.when.property];
  if (p.subject_property) out.push(p.subject_property);
  if (typeof p.schedule === 'object') out.push(p.schedule.property);
  return out;
}

/** Identifies the state a rule watches: a different property or value is a new rule. */
export function ruleKey(p: PublishConfig): string {
  return JSON.stringify([p.when.property, p.when.equals]);
}

/**
 * What does not fit between the rule and the data source's schema, each with its config path. An
 * option name is checked when the schema lists the options (status and select do).
 */
export function publishRuleIssues(
  dbIndex: number,
  publish: PublishConfig,
  schema: Record<string, SchemaProperty>,
  title: string,
): { path: string; reason: string }[] {
  const base = ['connectors', 'notion', 'databases', dbIndex, 'publish'];
  const issues: { path: string; reason: string }[] = [];
  const known = Object.keys(schema).sort().join(', ');
  const missing = (name: string) => `database "${title}" has no property "${name}" (it has: ${known})`;

  const { property, equals } = publish.when;
  const state = schema[property];
  const stateKind = state ? STATE_TYPES[state.type] : undefined;
  if (!state) issues.push({ path: formatPath([...base, 'when', 'property']), reason: missing(property) });
  else if (!stateKind) {
    issues.push({
      path: formatPath([...base, 'when', 'property']),
      reason: `"${property}" is a ${state.type} property; the publish state needs a status, select or checkbox property`,
    });
  } else if (stateKind === 'boolean' && typeof equals !== 'boolean') {
    issues.push({
      path: formatPath([...base, 'when', 'equals']),
      reason: `"${property}" is a checkbox: expected true or false, not ${JSON.stringify(equals)}`,
    });
  } else if (stateKind === 'option' && typeof equals !== 'string') {
    issues.push({
      path: formatPath([...base, 'when', 'equals']),
      reason: `"${property}" is a ${state.type} property: expected one of its options, not ${equals}`,
    });
  } else if (stateKind === 'option' && state.options && !state.options.includes(equals as string)) {
    issues.push({
      path: formatPath([...base, 'when', 'equals']),
      reason: `"${property}" has no option ${JSON.stringify(equals)} (its options: ${state.options.join(', ')})`,
    });
  }

  const subject = publish.subject_property;
  if (subject !== undefined) {
    const prop = schema[subject];
    if (!prop) issues.push({ path: formatPath([...base, 'subject_property']), reason: missing(subject) });
    else if (!SUBJECT_TYPES.includes(prop.type)) {
      issues.push({
        path: formatPath([...base, 'subject_property']),
        reason: `"${subject}" is a ${prop.type} property; a subject comes from a ${SUBJECT_TYPES.join(', ')} property`,
      });
    }
  }

  if (typeof publish.schedule === 'object') {
    const name = publish.schedule.property;
    const prop = schema[name];
    if (!prop) issues.push({ path: formatPath([...base, 'schedule', 'property']), reason: missing(name) });
    else if (!SCHEDULE_TYPES.includes(prop.type)) {
      issues.push({
        path: formatPath([...base, 'schedule', 'property']),
        reason: `"${name}" is a ${prop.type} property; the send time comes from a date property`,
      });
    }
  }
  return issues;
}

function value(page: NotionPage, property: string) {
  const v = page.properties[property] as NotionPropertyValue | undefined;
  return v ? extractNotionValue(v) : { kind: 'empty' as const };
}

/** Whether the page is in the rule's state. A trashed page never is. */
export function isInState(page: NotionPage, publish: PublishConfig): boolean {
  if (page.in_trash === true || page.archived === true) return false;
  const v = value(page, publish.when.property);
  if (v.kind === 'boolean') return v.value === publish.when.equals;
  if (v.kind === 'text') return v.value === publish.when.equals;
  return false;
}

export function titleOf(page: NotionPage): string {
  return pageTitle(page.properties).trim();
}

/** The subject: the subject property's text when it has one, else the page title. */
export function subjectOf(page: NotionPage, publish: PublishConfig): string {
  if (publish.subject_property) {
    const v = value(page, publish.subject_property);
    const text = v.kind === 'text' ? v.value.trim() : '';
    if (text !== '') return text;
  }
  return titleOf(page) || 'Untitled';
}

/**
 * When Brevo should send the campaign (ISO), or undefined for at once: no schedule, an empty date,
 * or a time less than SCHEDULE_MIN_LEAD_MS away (past included). A date without a time is sent at
 * the schedule's `time` in its `timezone`.
 */
export function scheduledAtOf(page: NotionPage, publish: PublishConfig, now: number): string | undefined {
  const schedule = publish.schedule;
  let at: number | undefined;
  if (typeof schedule === 'object') {
    const v = value(page, schedule.property);
    if (v.kind === 'date') {
      at = /^\d{4}-\d{2}-\d{2}$/.test(v.start)
        ? zonedTimeToUtc(v.start, schedule.time, schedule.timezone)
        : Date.parse(v.start);
    }
  } else if (schedule !== 'now') at = Date.parse(schedule);
  if (at === undefined || Number.isNaN(at) || at < now + SCHEDULE_MIN_LEAD_MS) return undefined;
  return new Date(at).toISOString();
}

/**
 * The campaign's name in Brevo: readable, and unique per page version, so a campaign whose
 * creation answer was lost can be found again by it.
 */
export function campaignName(title: string, pageId: string, version: string): string {
  const short = title.length > MAX_NAME_TITLE ? `${title.slice(0, MAX_NAME_TITLE - 1)}…` : title;
  return `${short || 'Untitled'} ${campaignMarker(pageId, version)}`;
}

/** What names one page version's campaign whatever the page's title was then: the end of its name. */
export function campaignMarker(pageId: string, version: string): string {
  return `[notion ${pageId.replace(/-/g, '')} ${version}]`;
}
