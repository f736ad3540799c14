/**
 * Template validation: `validateTemplate` refuses what would break at send time (unknown
 * placeholders, literals over Slack's limits, > 10 fields, no fallback text, a button url that is
 * not a URL).
 */
import type { NotificationIssue } from '../../../core/config/issues';
import { formatPath } from '../../../core/config/path';
import type { NotificationEventType } from '../../../core/events/events';
import { PATH_SYNTAX, PLACEHOLDER } from '../../../core/events/placeholders';
import {
  literalOf,
  namedTemplate,
  placeholdersOf,
  SLACK_LIMITS,
  templateNamesFor,
  templatePaths,
  URL_PATHS,
} from './templates';

export interface ValidateTemplateOptions {
  eventType: NotificationEventType;
  /** The routing key the template sits under when it is an alias (high_value_order): its name is accepted too. */
  routeKey?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TEMPLATE_KEYS = new Set(['text', 'header', 'fields', 'body', 'button']);

/**
 * Issues (relative paths: `header`, `fields.Total`, `button.url`) for a template used with
 * `eventType`; empty when it is sound. Prefix the paths with where the template sits in the config.
 */
export function validateTemplate(t: unknown, { eventType, routeKey }: ValidateTemplateOptions): NotificationIssue[] {
  if (typeof t === 'string') {
    const name = t.trim();
    const allowed = templateNamesFor(eventType, routeKey);
    if (allowed.includes(name)) return [];
    const what = routeKey && routeKey !== eventType ? `${routeKey} (${eventType} events)` : eventType;
    const expected = `expected ${allowed.map((n) => `"${n}"`).join(', ')} or a template object`;
    const named = namedTemplate(name);
    if (named) {
      return [
        {
          path: '',
          message: `built-in template "${name}" is for ${named.fits} events, not ${what} (${expected})`,
        },
      ];
    }
    return [{ path: '', message: `unknown built-in template "${t}" for ${what} (${expected})` }];
  }
  if (!isRecord(t)) {
    return [
      { path: '', message: 'expected a built-in template name or an object with text, header, fields, body, button' },
    ];
  }
  const issues: NotificationIssue[] = [];
  const paths = templatePaths(eventType);
  const check = (path: string, value: unknown, limit: number, what: string): void => {
    if (typeof value !== 'string') {
      issues.push({ path, message: 'expected a string' });
      return;
    }
    issues.push(...checkString(path, value, limit, what, paths, eventType));
  };

  for (const key of Object.keys(t)) {
    if (!TEMPLATE_KEYS.has(key)) {
      issues.push({ path: formatPath([key]), message: 'unknown key (expected text, header, fields, body, button)' });
    }
  }

  if (t.text === undefined) {
    issues.push({
      path: 'text',
      message: 'fallback text is required (Slack shows it in notifications; screen readers read it)',
    });
  } else if (typeof t.text === 'string' && !t.text.trim()) {
    issues.push({ path: 'text', message: 'fallback text is empty' });
  } else check('text', t.text, SLACK_LIMITS.fallbackText, 'fallback text');

  if (t.header !== undefined) check('header', t.header, SLACK_LIMITS.headerText, 'header');
  if (t.body !== undefined) check('body', t.body, SLACK_LIMITS.sectionText, 'body section');

  if (t.fields !== undefined) {
    if (!isRecord(t.fields)) issues.push({ path: 'fields', message: 'expected a map of label → value template' });
    else {
      const entries = Object.entries(t.fields);
      if (entries.length > SLACK_LIMITS.sectionFields) {
        issues.push({
          path: 'fields',
          message: `${entries.length} fields; Slack allows at most ${SLACK_LIMITS.sectionFields} in a section`,
        });
      }
      for (const [label, value] of entries) {
        const path = formatPath(['fields', label]);
        if (!label.trim()) issues.push({ path, message: 'a field needs a label' });
        // A field renders as "*label*\nvalue": the label counts against the field's 2000.
        check(path, value, SLACK_LIMITS.fieldText - label.length - 3, `field "${label}"`);
      }
    }
  }

  if (t.button !== undefined && t.button !== false) {
    if (!isRecord(t.button)) {
      issues.push({ path: 'button', message: 'expected {text, url} or false' });
    } else {
      for (const key of Object.keys(t.button)) {
        if (key !== 'text' && key !== 'url') {
          issues.push({ path: formatPath(['button', key]), message: 'unknown key (expected text, url)' });
        }
      }
      if (t.button.text === undefined || (typeof t.button.text === 'string' && !t.button.text.trim())) {
        issues.push({ path: 'button.text', message: 'a button needs text' });
      } else check('button.text', t.button.text, SLACK_LIMITS.buttonText, 'button text');
      if (t.button.url === undefined) issues.push({ path: 'button.url', message: 'a button needs a url' });
      else if (typeof t.button.url !== 'string') issues.push({ path: 'button.url', message: 'expected a string' });
      else {
        const before = issues.length;
        check('button.url', t.button.url, SLACK_LIMITS.buttonUrl, 'button url');
        if (issues.length === before) issues.push(...checkUrlTemplate('button.url', t.button.url));
      }
    }
  }
  return issues;
}

function checkString(
  path: string,
  s: string,
  limit: number,
  what: string,
  paths: ReadonlySet<string>,
  eventType: NotificationEventType,
): NotificationIssue[] {
  const issues: NotificationIssue[] = [];
  const literal = literalOf(s);
  if (literal.includes('{{') || literal.includes('}}')) {
    issues.push({ path, message: 'unbalanced "{{" / "}}": write placeholders as {{contact.email}}' });
  }
  for (const { path: p } of placeholdersOf(s)) {
    if (!PATH_SYNTAX.test(p)) {
      issues.push({ path, message: `malformed placeholder {{${p}}}: expected a dotted path like contact.email` });
    } else if (!paths.has(p)) {
      issues.push({
        path,
        message: `unknown placeholder {{${p}}} for ${eventType} events (known: ${[...paths].join(', ')})`,
      });
    }
  }
  if (literal.length > limit) {
    issues.push({
      path,
      message: `${what} is ${literal.length} characters before its placeholders are filled; the limit is ${limit}`,
    });
  }
  return issues;
}

function checkUrlTemplate(path: string, url: string): NotificationIssue[] {
  const trimmed = url.trim();
  const lead = /^\{\{\s*([^{}]*?)\s*\}\}/.exec(trimmed);
  let sample: string;
  if (lead) {
    const p = lead[1] ?? '';
    if (!URL_PATHS.has(p)) {
      return [
        {
          path,
          message: `a button url must start with https:// or a URL placeholder (${[...URL_PATHS].map((u) => `{{${u}}}`).join(', ')}), not {{${p}}}`,
        },
      ];
    }
    sample = `https://example.com/x${trimmed.slice(lead[0].length)}`;
  } else if (/^https?:\/\//i.test(trimmed)) sample = trimmed;
  else return [{ path, message: 'a button url must start with https:// (or http://) or {{brevo_url}}' }];
  try {
    const u = new URL(sample.replace(PLACEHOLDER, 'x'));
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    if (/\s/.test(trimmed.replace(PLACEHOLDER, ''))) throw new Error('space');
  } catch {
    return [{ path, message: 'not a valid URL once its placeholders are filled' }];
  }
  return [];
}
