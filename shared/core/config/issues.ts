/**
 * Issues found while validating notification input or config: a path (`order.total`,
 * `connectors.slack.notifications.order_placed.template.fields.Total`) and what was expected.
 */
import type { z } from 'zod';
import { formatPath } from './path';

export interface NotificationIssue {
  /** Dotted path of the wrong key; `""` for the value itself. */
  path: string;
  message: string;
}

/** Joins a prefix and a relative path produced by {@link formatPath}. */
export function joinPath(prefix: string, rest: string): string {
  if (!prefix) return rest;
  if (!rest) return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** Zod issues → path + message; an unknown key gets its own path (`order.colour: unknown key`). */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): NotificationIssue[] {
  const out: NotificationIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: joinPath(prefix, formatPath([...issue.path, key])), message: 'unknown key' });
      }
      continue;
    }
    out.push({ path: joinPath(prefix, formatPath(issue.path)), message: issue.message });
  }
  return out;
}
