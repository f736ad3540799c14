/**
 * shared/connectors/slack/notifications/routing.ts: the connectors.slack.notifications config (validation with full
 * paths) and routing an event to a channel (threshold, delay, threads, own-write echoes).
 */

import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import {
  isSkip,
  parseNotificationsConfig,
  type RouteTarget,
  routeEvent,
  routeEvents,
  type SlackNotificationsConfig,
  validateNotificationsConfig,
} from '../../shared/connectors/slack/notifications/routing';
import { BUILTIN_TEMPLATES } from '../../shared/connectors/slack/notifications/templates';
import { parsePlatformEvent } from '../../shared/core/events/platform-events';
import { cartAbandoned, contactUpdated, event, listAddition, orderPlaced } from './fixtures';

/** The seed's notifications, as a tenant writes them in tajo.yaml (after YAML parsing). */
function seedSlack(): Record<string, unknown> {
  return {
    bot_token: 'xoxb-test',
    signing_secret: 'secret',
    channels: { marketing: 'C0MARKETING1', sales: 'C0SALES00001', support: 'G0SUPPORT001' },
    notifications: {
      new_subscriber: { channel: 'marketing', template: 'default' },
      campaign_sent: { channel: '#marketing', template: 'campaign_sent' },
      order_placed: {
        channel: 'sales',
        threshold: 500,
        template: {
          text: 'High-value order {{order.id}}: {{order.total}} {{order.currency}}',
          header: '💰 High-value order',
          fields: { Total: '{{order.total}} {{order.currency}}', Customer: '{{contact.email}}' },
          button: { text: 'View in Brevo', url: '{{brevo_url}}' },
        },
      },
      cart_abandoned: { channel: 'sales', delay_minutes: 30 },
      ticket_created: { channel: 'support' },
      unsubscribed: { channel: 'C0MARKETING1', thread: false },
      contact_updated: { channel: 'marketing' },
    },
  };
}

function config(slack: Record<string, unknown> = seedSlack()): SlackNotificationsConfig {
  const r = parseNotificationsConfig(slack);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

function target(d: ReturnType<typeof routeEvent>): RouteTarget {
  if (isSkip(d)) throw new Error(`skipped: ${d.skip}`);
  return d;
}

function platform(body: Record<string, unknown>) {
  const r = parsePlatformEvent(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

describe('validateNotificationsConfig', () => {
  it('accepts the seed config', () => {
    expect(validateNotificationsConfig(seedSlack())).toEqual([]);
    expect(validateNotificationsConfig(undefined)).toEqual([]);
  });

  it('refuses a channel name that is not in channels, with its path', () => {
    const slack = seedSlack();
    (slack.notifications as Record<string, Record<string, unknown>>).order_placed!.channel = 'sales-team';
    const issues = validateNotificationsConfig(slack);
    expect(issues.map((i) => i.path)).toEqual(['connectors.slack.notifications.order_placed.channel']);
    expect(issues[0]!.message).toMatch(
      /"sales-team" is not in connectors\.slack\.channels \(known: marketing, sales, support\)/,
    );
  });

  it('refuses a broken template with the path down to the field', () => {
    const slack = seedSlack();
    const rule = (slack.notifications as Record<string, Record<string, unknown>>).order_placed!;
    rule.template = { text: 'Order', fields: { Total: '{{order.amount}}' } };
    const issues = validateNotificationsConfig(slack);
    expect(issues.map((i) => i.path)).toEqual(['connectors.slack.notifications.order_placed.template.fields.Total']);
    expect(issues[0]!.message).toMatch(/unknown placeholder \{\{order\.amount\}\}/);
  });

  it('refuses unknown event types, misplaced options, unknown keys and bad channel ids', () => {
    const issues = validateNotificationsConfig(
      {
        channels: { alerts: 'C0ALERTS001', broken: 'general' },
        notifications: {
          order_shipped: { channel: 'alerts' },
          new_subscriber: { channel: 'alerts', threshold: 10, colour: 'red' },
          order_placed: { channel: 'alerts', threshold: 'lots' },
          cart_abandoned: { channel: 'alerts', delay_minutes: 2.5 },
          spam: { template: 'nope' },
        },
      },
      { path: 'tenant.connectors.slack' },
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'tenant.connectors.slack.channels.broken',
        'tenant.connectors.slack.notifications.order_shipped',
        'tenant.connectors.slack.notifications.new_subscriber.threshold',
        'tenant.connectors.slack.notifications.new_subscriber.colour',
        'tenant.connectors.slack.notifications.order_placed.threshold',
        'tenant.connectors.slack.notifications.cart_abandoned.delay_minutes',
        'tenant.connectors.slack.notifications.spam.channel',
        'tenant.connectors.slack.notifications.spam.template',
      ].sort(),
    );
    expect(issues.find((i) => i.path.endsWith('order_shipped'))!.message).toMatch(/unknown event type "order_shipped"/);
  });

  it('parseNotificationsConfig returns the issues instead of a config', () => {
    const r = parseNotificationsConfig({ notifications: { spam: { channel: 'nowhere' } } });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['connectors.slack.notifications.spam.channel']);
  });
});

describe('routeEvent', () => {
  it('routes orders at or over the threshold and skips the others', () => {
    const c = config();
    const big = target(routeEvent(platform(orderPlaced()), c));
    expect(big.channelId).toBe('C0SALES00001');
    expect(big.template.header).toBe('💰 High-value order');
    expect(big.threadKey).toBe('contact:dana@example.com');
    const exact = routeEvent(platform(orderPlaced({ order: { id: 'O-2', total: 500, currency: 'EUR' } })), c);
    expect(isSkip(exact)).toBe(false);
    const small = routeEvent(platform(orderPlaced({ order: { id: 'O-3', total: 499.99, currency: 'EUR' } })), c);
    expect(small).toEqual({ skip: 'order total 499.99 is below the threshold 500' });
  });

  it('accepts a threshold written as a string (from an environment variable)', () => {
    const slack = seedSlack();
    (slack.notifications as Record<string, Record<string, unknown>>).order_placed!.threshold = '2000';
    expect(isSkip(routeEvent(platform(orderPlaced()), config(slack)))).toBe(true);
  });

  it('delays abandoned carts by delay_minutes (30 by default)', () => {
    const cart = platform(cartAbandoned());
    const routed = target(routeEvent(cart, config()));
    expect(routed).toMatchObject({
      channelId: 'C0SALES00001',
      delayMinutes: 30,
      notBefore: '2026-11-03T09:00:00.000Z',
    });
    const slack = seedSlack();
    delete (slack.notifications as Record<string, Record<string, unknown>>).cart_abandoned!.delay_minutes;
    expect(target(routeEvent(cart, config(slack))).notBefore).toBe('2026-11-03T09:00:00.000Z');
    (slack.notifications as Record<string, Record<string, unknown>>).cart_abandoned!.delay_minutes = 90;
    expect(target(routeEvent(cart, config(slack))).notBefore).toBe('2026-11-03T10:00:00.000Z');
  });

  it('resolves channel names (with or without #) and ids, and uses the built-in template by default', () => {
    const c = config();
    const sub = target(routeEvent(parseBrevoWebhook(listAddition()).events[0]!, c));
    expect(sub.channelId).toBe('C0MARKETING1');
    expect(sub.template).toBe(BUILTIN_TEMPLATES.new_subscriber);
    const camp = target(
      routeEvent(event({ type: 'campaign_sent', campaign: { id: 42, name: 'N' }, threadKey: 'campaign:42' }), c),
    );
    expect(camp).toMatchObject({ channelId: 'C0MARKETING1', threadKey: 'campaign:42' });
    const ticket = target(routeEvent(event({ type: 'ticket_created', ticket: { id: 'T', subject: 'S' } }), c));
    expect(ticket.channelId).toBe('G0SUPPORT001');
  });

  it('leaves out the thread when thread: false', () => {
    const unsub = event({ type: 'unsubscribed', contact: { email: 'a@b.co' }, threadKey: 'contact:a@b.co' });
    const routed = target(routeEvent(unsub, config()));
    expect(routed.channelId).toBe('C0MARKETING1');
    expect(routed.threadKey).toBeUndefined();
  });

  it('drops contact_updated echoes of our own writes, keeps the others', () => {
    const c = config();
    const [own] = parseBrevoWebhook(contactUpdated(), { ownApiKeyNames: ['tajo-sync'] }).events;
    const [theirs] = parseBrevoWebhook(contactUpdated({ api_key_name: '' }), { ownApiKeyNames: ['tajo-sync'] }).events;
    expect(isSkip(routeEvent(own!, c))).toBe(true);
    expect(target(routeEvent(theirs!, c)).threadKey).toBe('contact:ann.lee@example.com');
  });

  it('skips event types without a rule', () => {
    expect(routeEvent(event({ type: 'hard_bounce', contact: { email: 'a@b.co' } }), config())).toEqual({
      skip: 'no notification configured for hard_bounce',
    });
  });
});

describe('routeEvents (the docs names: high_value_order, support_ticket)', () => {
  const slackWith = (notifications: Record<string, unknown>) =>
    config({ channels: { sales: 'C0SALES00001', support: 'G0SUPPORT001', ops: 'C0OPS0000001' }, notifications });

  it('a ticket goes to ticket_created and support_ticket routes, once per channel', () => {
    const ticket = platform({
      event: 'ticket_created',
      id: 'tk-1',
      occurred_at: '2026-11-03T09:40:00Z',
      ticket: { id: 'T-1', subject: 'Refund' },
    });
    const two = routeEvents(
      ticket,
      slackWith({ ticket_created: { channel: 'ops' }, support_ticket: { channel: 'support' } }),
    );
    expect(two.targets.map((t) => [t.key, t.channelId])).toEqual([
      ['support_ticket', 'G0SUPPORT001'],
      ['ticket_created', 'C0OPS0000001'],
    ]);
    const one = routeEvents(
      ticket,
      slackWith({
        ticket_created: { channel: 'support' },
        support_ticket: { channel: 'support', template: 'ticket_alert' },
      }),
    );
    expect(one.targets.map((t) => [t.key, t.template.header])).toEqual([
      ['support_ticket', '🎫 Ticket: {{ticket.subject}}'],
    ]);
  });

  it('high_value_order takes orders at or over its threshold (default 500), order_placed all of them', () => {
    const order = (total: number) =>
      platform(orderPlaced({ id: `o-${total}`, order: { id: `O-${total}`, total, currency: 'EUR' } }));
    const c = slackWith({ order_placed: { channel: 'ops' }, high_value_order: { channel: 'sales' } });
    expect(routeEvents(order(500), c).targets.map((t) => t.key)).toEqual(['high_value_order', 'order_placed']);
    const small = routeEvents(order(499.99), c);
    expect(small.targets.map((t) => t.key)).toEqual(['order_placed']);
    expect(small.skips).toEqual(['order total 499.99 is below the high_value_order threshold 500']);
    expect(
      routeEvents(order(10), slackWith({ high_value_order: { channel: 'sales', threshold: 5 } })).targets,
    ).toHaveLength(1);
    expect(routeEvents(order(10), slackWith({ ticket_created: { channel: 'ops' } }))).toEqual({
      targets: [],
      skips: ['no notification configured for order_placed'],
    });
  });
});
