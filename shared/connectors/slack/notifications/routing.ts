/**
 * `connectors.slack.notifications`: which event type goes to which channel, with which template,
 * and under which condition (high-value orders, carts still abandoned after N minutes). Validation
 * names the wrong key in full (connectors.slack.notifications.order_placed.template.fields.Total).
 */
import { z } from 'zod';
import { fromZodIssues, joinPath, type NotificationIssue } from '../../../core/config/issues';
import { formatPath } from '../../../core/config/path';
import {
  eventTypeOfRoute,
  isRouteKey,
  type NotificationEvent,
  ROUTE_KEYS,
  type RouteKey,
  routeKeysOf,
} from '../../../core/events/events';
import { resolveTemplate } from './render-notification';
import { validateTemplate } from './template-validation';
import type { Template, TemplateObject } from './templates';

/** Slack channel ids: C… (public/private channels) or G… (legacy private groups). */
export const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
export const DEFAULT_CART_DELAY_MINUTES = 30;
/**
 * high_value_order without a `threshold`: orders whose total reaches this, in the order's own
 * currency (the docs' example order is $1,250.00; 500 keeps everyday orders out of #sales).
 */
export const DEFAULT_HIGH_VALUE_THRESHOLD = 500;
const MAX_DELAY_MINUTES = 7 * 24 * 60;

/** Numbers from YAML, or from a ${VAR} (a string of digits). */
const numberish = (what: string) =>
  z
    .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/)], { error: `expected ${what}` })
    .transform((v) => Number(v));

export const notificationRuleSchema = z.strictObject({
  channel: z
    .string({ error: 'expected a channel name from connectors.slack.channels or a channel id (C…/G…)' })
    .trim()
    .min(1, 'expected a channel name from connectors.slack.channels or a channel id (C…/G…)'),
  /** A built-in name or a template object: checked by validateTemplate (for messages with paths). */
  template: z.unknown().optional(),
  /**
   * order_placed / high_value_order: notify only orders whose total is at least this, in the order's
   * currency (high_value_order: default DEFAULT_HIGH_VALUE_THRESHOLD).
   */
  threshold: numberish('a number (the order total from which to notify)').pipe(z.number().nonnegative()).optional(),
  /** cart_abandoned: notify only if the cart is still abandoned this many minutes later (default 30). */
  delay_minutes: numberish('a number of minutes')
    .pipe(z.number().int('expected whole minutes').min(0).max(MAX_DELAY_MINUTES))
    .optional(),
  /** Related notifications (same contact, same campaign) go into one thread; default true. */
  thread: z.boolean().optional(),
});

export interface NotificationRule {
  channel: string;
  template?: Template;
  threshold?: number;
  delay_minutes?: number;
  thread?: boolean;
}

export interface SlackNotificationsConfig {
  /** Channel name → id. */
  channels: Record<string, string>;
  /** Routing key (an event type, or high_value_order / support_ticket) → its rule. */
  notifications: Partial<Record<RouteKey, NotificationRule>>;
}

/** The parts of `connectors.slack` this module reads; other keys (bot_token...) pass through. */
export const slackNotificationsConfigSchema = z.looseObject({
  channels: z.record(z.string(), z.string()).default({}),
  notifications: z.record(z.string(), notificationRuleSchema).default({}),
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `alerts`, `#alerts` (names in `channels`) or a channel id → the id; undefined when neither. */
export function resolveChannel(ref: string, channels: Record<string, string>): string | undefined {
  const trimmed = ref.trim();
  const name = trimmed.replace(/^#/, '');
  const mapped = Object.hasOwn(channels, name)
    ? channels[name]
    : Object.hasOwn(channels, trimmed)
      ? channels[trimmed]
      : undefined;
  if (mapped !== undefined) return mapped.trim();
  return CHANNEL_ID.test(trimmed) ? trimmed : undefined;
}

export interface ValidateConfigOptions {
  /** Where the slack section sits in the whole config (default `connectors.slack`). */
  path?: string;
}

/**
 * Every problem in `connectors.slack`'s channels and notifications, each with its full path: unknown
 * event types, channel names missing from `channels`, options on the wrong event type, and broken
 * templates (validateTemplate). Empty when the section is sound or absent.
 */
export function validateNotificationsConfig(
  slackConfig: unknown,
  options: ValidateConfigOptions = {},
): NotificationIssue[] {
  const base = options.path ?? 'connectors.slack';
  if (slackConfig === undefined || slackConfig === null) return [];
  if (!isRecord(slackConfig)) return [{ path: base, message: 'expected an object' }];
  const issues: NotificationIssue[] = [];

  const channels: Record<string, string> = {};
  const channelsPath = joinPath(base, 'channels');
  if (slackConfig.channels !== undefined) {
    if (!isRecord(slackConfig.channels))
      issues.push({ path: channelsPath, message: 'expected a map of name → channel id' });
    else {
      for (const [name, id] of Object.entries(slackConfig.channels)) {
        if (typeof id !== 'string' || !CHANNEL_ID.test(id.trim())) {
          issues.push({
            path: joinPath(channelsPath, formatPath([name])),
            message: `expected a Slack channel id (C… or G…), got ${JSON.stringify(id)}`,
          });
        } else channels[name] = id.trim();
      }
    }
  }

  const notificationsPath = joinPath(base, 'notifications');
  const notifications = slackConfig.notifications;
  if (notifications === undefined) return issues;
  if (!isRecord(notifications)) {
    issues.push({ path: notificationsPath, message: 'expected a map of event type → {channel, template}' });
    return issues;
  }
  const known = Object.keys(channels);
  for (const [eventType, rule] of Object.entries(notifications)) {
    const rulePath = joinPath(notificationsPath, formatPath([eventType]));
    if (!isRouteKey(eventType)) {
      issues.push({
        path: rulePath,
        message: `unknown event type "${eventType}" (expected one of ${ROUTE_KEYS.join(', ')})`,
      });
      continue;
    }
    const type = eventTypeOfRoute(eventType);
    if (!isRecord(rule)) {
      issues.push({ path: rulePath, message: 'expected {channel, template?, threshold?, delay_minutes?, thread?}' });
      continue;
    }
    const parsed = notificationRuleSchema.safeParse(rule);
    if (!parsed.success) issues.push(...fromZodIssues(parsed.error.issues, rulePath));

    if (typeof rule.channel === 'string' && rule.channel.trim()) {
      if (resolveChannel(rule.channel, channels) === undefined) {
        issues.push({
          path: joinPath(rulePath, 'channel'),
          message: `channel "${rule.channel}" is not in ${channelsPath} (${known.length ? `known: ${known.join(', ')}` : 'none defined'}) and is not a channel id (C…/G…)`,
        });
      }
    }
    if (rule.threshold !== undefined && type !== 'order_placed') {
      issues.push({
        path: joinPath(rulePath, 'threshold'),
        message: 'threshold applies to order_placed and high_value_order only',
      });
    }
    if (rule.delay_minutes !== undefined && type !== 'cart_abandoned') {
      issues.push({
        path: joinPath(rulePath, 'delay_minutes'),
        message: 'delay_minutes applies to cart_abandoned only',
      });
    }
    if (rule.template !== undefined) {
      const templatePath = joinPath(rulePath, 'template');
      for (const issue of validateTemplate(rule.template, { eventType: type, routeKey: eventType })) {
        issues.push({ path: joinPath(templatePath, issue.path), message: issue.message });
      }
    }
  }
  return issues;
}

export type ParseNotificationsResult =
  | { ok: true; config: SlackNotificationsConfig }
  | { ok: false; issues: NotificationIssue[] };

/** Validates, then returns the typed config (channel names kept as written; routeEvent resolves them). */
export function parseNotificationsConfig(
  slackConfig: unknown,
  options: ValidateConfigOptions = {},
): ParseNotificationsResult {
  const issues = validateNotificationsConfig(slackConfig, options);
  if (issues.length) return { ok: false, issues };
  const parsed = slackNotificationsConfigSchema.safeParse(slackConfig ?? {});
  if (!parsed.success)
    return { ok: false, issues: fromZodIssues(parsed.error.issues, options.path ?? 'connectors.slack') };
  const channels: Record<string, string> = {};
  for (const [name, id] of Object.entries(parsed.data.channels)) channels[name] = id.trim();
  const notifications: Partial<Record<RouteKey, NotificationRule>> = {};
  for (const [type, rule] of Object.entries(parsed.data.notifications)) {
    if (!isRouteKey(type)) continue;
    const r: NotificationRule = { channel: rule.channel };
    if (rule.template !== undefined) r.template = rule.template as Template;
    if (rule.threshold !== undefined) r.threshold = rule.threshold;
    if (rule.delay_minutes !== undefined) r.delay_minutes = rule.delay_minutes;
    if (rule.thread !== undefined) r.thread = rule.thread;
    notifications[type] = r;
  }
  return { ok: true, config: { channels, notifications } };
}

export interface RouteTarget {
  channelId: string;
  template: TemplateObject;
  /** Post as a reply in this thread (the caller maps the key to the parent's ts). Absent with `thread: false`. */
  threadKey?: string;
  /**
   * cart_abandoned: post no earlier than this (abandonedAt + delay_minutes), and only if the cart is
   * still abandoned then: the caller schedules the check, this module has no clock and no store.
   */
  notBefore?: string;
  delayMinutes?: number;
}
export type RouteDecision = RouteTarget | { skip: string };

export function isSkip(d: RouteDecision): d is { skip: string } {
  return 'skip' in d;
}

/**
 * Where (and whether) an event is posted under one routing key (its own type by default): the rule's
 * channel and template, its threshold or delay. A key whose events are of another type is a skip.
 */
export function routeEvent(
  event: NotificationEvent,
  config: SlackNotificationsConfig,
  key: RouteKey = event.type,
): RouteDecision {
  if (eventTypeOfRoute(key) !== event.type) return { skip: `${key} does not receive ${event.type} events` };
  const rule = config.notifications[key];
  if (!rule) return { skip: `no notification configured for ${key}` };
  if (event.ownWrite && event.type === 'contact_updated') {
    return { skip: 'contact_updated made with our own API key (echo of our write)' };
  }
  const channelId = resolveChannel(rule.channel, config.channels);
  if (!channelId) return { skip: `channel "${rule.channel}" is neither in channels nor a channel id` };

  const target: RouteTarget = { channelId, template: resolveTemplate(rule.template, event.type) };
  if (event.type === 'order_placed') {
    if (!event.order) return { skip: 'order_placed without an order' };
    const threshold = rule.threshold ?? (key === 'high_value_order' ? DEFAULT_HIGH_VALUE_THRESHOLD : undefined);
    if (threshold !== undefined && event.order.total < threshold) {
      return {
        skip: `order total ${event.order.total} is below the ${key === event.type ? '' : `${key} `}threshold ${threshold}`,
      };
    }
  }
  if (event.type === 'cart_abandoned') {
    if (!event.cart) return { skip: 'cart_abandoned without a cart' };
    const delay = rule.delay_minutes ?? DEFAULT_CART_DELAY_MINUTES;
    const at = new Date(event.cart.abandonedAt).getTime();
    if (Number.isNaN(at)) return { skip: 'cart_abandoned with an invalid abandonedAt' };
    target.delayMinutes = delay;
    target.notBefore = new Date(at + delay * 60_000).toISOString();
  }
  if (rule.thread !== false && event.threadKey) target.threadKey = event.threadKey;
  return target;
}

export interface RoutedEvent {
  /** One per channel: where the event is posted, and under which key. */
  targets: (RouteTarget & { key: RouteKey })[];
  /** Why each configured key that could have taken the event did not (or why none is configured). */
  skips: string[];
}

/**
 * Every route an event takes. An event matching several keys (an order over the threshold matches
 * order_placed and high_value_order; a ticket matches ticket_created and support_ticket) is posted
 * once per route, and at most once per channel: when two routes name the same channel, the more
 * specific one (the alias: high_value_order, support_ticket) is posted, with its template.
 */
export function routeEvents(event: NotificationEvent, config: SlackNotificationsConfig): RoutedEvent {
  const keys = routeKeysOf(event.type).reverse();
  const targets: RoutedEvent['targets'] = [];
  const skips: string[] = [];
  let configured = 0;
  for (const key of keys) {
    if (!config.notifications[key]) continue;
    configured += 1;
    const d = routeEvent(event, config, key);
    if (isSkip(d)) skips.push(d.skip);
    else if (targets.some((t) => t.channelId === d.channelId)) continue;
    else targets.push({ ...d, key });
  }
  if (configured === 0) skips.push(`no notification configured for ${event.type}`);
  return { targets, skips };
}
