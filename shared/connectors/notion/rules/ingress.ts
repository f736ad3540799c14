/**
 * The ingress side of Brevo → Notion rules: a webhook delivery's parsed events, matched against the
 * tenant's rules, become Notion lane messages. Kept apart from the worker so the ingress bundle
 * stays small (it answers Brevo within milliseconds).
 */
import { createHash } from 'node:crypto';
import type { NotificationEvent } from '../../../core/events/events';
import type { ConnectionRecord, LaneMessage } from '../../../core/ports';
import type { NotionLaneMessage } from '../lane/messages';
import { matchRules, RULE_ITEMS_PER_MESSAGE } from './rules';

/** A Notion database id as keys and comparisons use it: no dashes, lower case. */
export function normaliseDatabaseId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

export interface RuleMessages {
  messages: LaneMessage[];
  /** (event, rule) matches queued. */
  matched: number;
  /** Contact changes made with our own API key: matched no rule (loop prevention). */
  ownWrites: number;
  /** The events that matched a rule (the webhook's reply counts them as accepted). */
  eventIds: Set<string>;
}

/** Lane messages for the events that match the tenant's rules (none without an enabled Notion connection). */
export function notionRuleMessages(args: {
  tenantId: string;
  conn: ConnectionRecord<'notion'> | undefined;
  events: readonly NotificationEvent[];
  now: number;
}): RuleMessages {
  const rules = args.conn?.settings.enabled ? (args.conn.settings.rules ?? []) : [];
  if (!args.conn || rules.length === 0) return { messages: [], matched: 0, ownWrites: 0, eventIds: new Set() };
  const { items, ownWrites } = matchRules(rules, args.events);
  const messages: LaneMessage[] = [];
  const stamp = new Date(args.now).toISOString().replace(/[-:.]/g, '');
  for (let i = 0; i < items.length; i += RULE_ITEMS_PER_MESSAGE) {
    const chunk = items.slice(i, i + RULE_ITEMS_PER_MESSAGE);
    // The same events in a redelivery give the same id: SQS drops the copy within its 5-minute
    // window, and the worker's once-only markers catch later ones.
    const hash = createHash('sha256')
      .update(`${args.tenantId}:rules:${chunk.map((c) => `${c.rule}#${c.eventId}`).join(',')}`)
      .digest('hex');
    const message: NotionLaneMessage = {
      type: 'notion.rules.apply',
      tenantId: args.tenantId,
      runId: `${stamp}-${hash.slice(0, 8)}`,
      items: chunk,
    };
    messages.push({ body: JSON.stringify(message), groupId: args.conn.integrationKey, deduplicationId: hash });
  }
  return { messages, matched: items.length, ownWrites, eventIds: new Set(items.map((i) => i.eventId)) };
}
