/**
 * shared/connectors/slack/notifications/: templates.ts and template-validation.ts (what config
 * validation refuses), render-notification.ts (rendering to Block Kit within Slack's limits,
 * reference/slack.md §7, escaped, with fallback text).
 */

import {
  blocksTextLength,
  renderNotification,
  type SlackBlock,
  type SlackMessage,
  truncate,
} from '../../shared/connectors/slack/notifications/render-notification';
import { validateTemplate } from '../../shared/connectors/slack/notifications/template-validation';
import {
  BUILTIN_TEMPLATES,
  NAMED_TEMPLATES,
  SLACK_LIMITS,
} from '../../shared/connectors/slack/notifications/templates';
import { NOTIFICATION_EVENT_TYPES, type NotificationEvent } from '../../shared/core/events/events';
import { event } from './fixtures';

function blockOf<T extends SlackBlock['type']>(m: SlackMessage, type: T): Extract<SlackBlock, { type: T }>[] {
  return m.blocks.filter((b): b is Extract<SlackBlock, { type: T }> => b.type === type);
}

/** Every Slack limit the brief names, checked on a rendered message. */
function expectWithinLimits(m: SlackMessage): void {
  expect(m.text.trim().length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  expect(blocksTextLength(m.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.blocksTotalText);
  for (const b of m.blocks) {
    if (b.type === 'header') {
      expect(b.text.type).toBe('plain_text');
      expect(b.text.text.length).toBeGreaterThan(0);
      expect(b.text.text.length).toBeLessThanOrEqual(150);
    }
    if (b.type === 'section') {
      expect(b.text !== undefined || (b.fields?.length ?? 0) > 0).toBe(true);
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (b.type === 'actions') {
      expect(b.elements.length).toBeLessThanOrEqual(25);
      for (const el of b.elements) {
        expect(el.text.text.length).toBeLessThanOrEqual(75);
        expect(el.url.length).toBeLessThanOrEqual(3000);
      }
    }
  }
}

const ORDER = event({
  type: 'order_placed',
  source: 'platform',
  contact: { email: 'dana@example.com', firstName: 'Dana' },
  order: { id: 'ORD-1001', total: 1299, currency: 'EUR', items: [{ name: 'Espresso machine', quantity: 1 }] },
  threadKey: 'contact:dana@example.com',
});

describe('validateTemplate', () => {
  it('accepts every built-in template for its own event type, and the built-in names', () => {
    for (const type of NOTIFICATION_EVENT_TYPES) {
      expect({ type, issues: validateTemplate(BUILTIN_TEMPLATES[type], { eventType: type }) }).toEqual({
        type,
        issues: [],
      });
      expect(validateTemplate('default', { eventType: type })).toEqual([]);
      expect(validateTemplate(type, { eventType: type })).toEqual([]);
    }
  });

  it('refuses an unknown built-in name', () => {
    const issues = validateTemplate('campaign_sent', { eventType: 'order_placed' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('');
    expect(issues[0]!.message).toMatch(/unknown built-in template "campaign_sent"/);
  });

  it('refuses an unknown placeholder, naming the field', () => {
    const issues = validateTemplate(
      { text: 'Order {{order.id}}', fields: { Total: '{{order.totl}} {{order.currency}}' } },
      { eventType: 'order_placed' },
    );
    expect(issues.map((i) => i.path)).toEqual(['fields.Total']);
    expect(issues[0]!.message).toMatch(/unknown placeholder \{\{order\.totl\}\} for order_placed/);
  });

  it('refuses a placeholder that exists only on another event type', () => {
    const issues = validateTemplate({ text: 'Welcome {{order.total}}' }, { eventType: 'new_subscriber' });
    expect(issues.map((i) => i.path)).toEqual(['text']);
    expect(
      validateTemplate({ text: 'Welcome {{contact.email}} to {{listIds}}' }, { eventType: 'new_subscriber' }),
    ).toEqual([]);
  });

  it('refuses 11 fields and accepts 10', () => {
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`F${i}`, '{{order.id}}']));
    const eleven = validateTemplate({ text: 'x', fields: fields(11) }, { eventType: 'order_placed' });
    expect(eleven).toEqual([{ path: 'fields', message: '11 fields; Slack allows at most 10 in a section' }]);
    expect(validateTemplate({ text: 'x', fields: fields(10) }, { eventType: 'order_placed' })).toEqual([]);
  });

  it('refuses a 151-character header literal; placeholders do not count against it', () => {
    const issues = validateTemplate({ text: 'x', header: 'H'.repeat(151) }, { eventType: 'order_placed' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('header');
    expect(issues[0]!.message).toMatch(/151 characters.*limit is 150/);
    expect(
      validateTemplate({ text: 'x', header: `${'H'.repeat(150)}{{order.id}}` }, { eventType: 'order_placed' }),
    ).toEqual([]);
  });

  it('requires fallback text, and non-empty', () => {
    const missing = validateTemplate(
      { header: 'New order', fields: { Id: '{{order.id}}' } },
      { eventType: 'order_placed' },
    );
    expect(missing.map((i) => i.path)).toEqual(['text']);
    expect(missing[0]!.message).toMatch(/fallback text is required/);
    expect(validateTemplate({ text: '   ' }, { eventType: 'order_placed' })).toEqual([
      { path: 'text', message: 'fallback text is empty' },
    ]);
  });

  it('checks the button url template', () => {
    const check = (url: string) =>
      validateTemplate({ text: 'x', button: { text: 'Open', url } }, { eventType: 'cart_abandoned' }).map(
        (i) => i.path,
      );
    expect(check('{{brevo_url}}')).toEqual([]);
    expect(check('{{cart.url}}')).toEqual([]);
    expect(check('https://shop.example.com/carts/{{cart.id}}?email={{contact.email}}')).toEqual([]);
    expect(check('www.example.com/{{cart.id}}')).toEqual(['button.url']);
    expect(check('{{contact.email}}/x')).toEqual(['button.url']);
    expect(check('javascript:alert(1)')).toEqual(['button.url']);
    expect(check('https://exa mple.com/')).toEqual(['button.url']);
    expect(check('https://shop.example.com/{{cart.nope}}')).toEqual(['button.url']);
    expect(
      validateTemplate(
        { text: 'x', button: { text: 'B'.repeat(76), url: '{{brevo_url}}' } },
        { eventType: 'spam' },
      ).map((i) => i.path),
    ).toEqual(['button.text']);
    expect(validateTemplate({ text: 'x', button: false }, { eventType: 'spam' })).toEqual([]);
  });

  it('reports unknown keys, unbalanced braces and labels with their paths', () => {
    const issues = validateTemplate(
      { text: 'Hi {{contact.email}', colour: 'red', fields: { 'Order total': '{{ order.total }}', '': 'x' } },
      { eventType: 'order_placed' },
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['colour', 'fields[""]', 'text'].sort());
    expect(
      validateTemplate({ text: 'x', fields: { 'Order total': '{{order.totl}}' } }, { eventType: 'order_placed' })[0]!
        .path,
    ).toBe('fields["Order total"]');
    expect(validateTemplate(42, { eventType: 'spam' })).toHaveLength(1);
  });
});

describe('renderNotification', () => {
  it('renders header, fields, context and a "View in Brevo" button, with fallback text', () => {
    const m = renderNotification(ORDER, 'default');
    expect(m.text).toBe('New order ORD-1001 from dana@example.com: 1,299.00 EUR');
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    expect(blockOf(m, 'header')[0]!.text.text).toBe('🛒 New order: 1,299.00 EUR');
    expect(blockOf(m, 'section')[0]!.fields!.map((f) => f.text)).toEqual([
      '*Order*\nORD-1001',
      '*Total*\n1,299.00 EUR',
      '*Customer*\ndana@example.com',
      '*Items*\n1× Espresso machine',
    ]);
    expect(blockOf(m, 'context')[0]!.elements[0]!.text).toMatch(
      /^<!date\^1793697302\^.*\|2026-11-03 09:15 UTC> · platform$/,
    );
    const button = blockOf(m, 'actions')[0]!.elements[0]!;
    expect(button.text.text).toBe('View in Brevo');
    expect(button.url).toBe('https://app.brevo.com/contact/index/dana%40example.com');
    expect(button.action_id).toBe('view_in_brevo');
    expectWithinLimits(m);
  });

  it('points the button at the contact id when known, and at the campaign report for campaign_sent', () => {
    const withId = renderNotification(event({ type: 'hard_bounce', contact: { email: 'a@b.co', id: 1734 } }));
    expect(blockOf(withId, 'actions')[0]!.elements[0]!.url).toBe('https://app.brevo.com/contact/index/1734');
    const campaign = renderNotification(
      event({ type: 'campaign_sent', campaign: { id: 42, name: 'November' } }),
      undefined,
      {
        brevoBaseUrl: 'https://app.brevo.example/',
      },
    );
    expect(blockOf(campaign, 'actions')[0]!.elements[0]!.url).toBe('https://app.brevo.example/camp/report/42');
    expect(campaign.text).toBe('Campaign "November" (#42) was sent');
  });

  it('fills a custom button url, encoding values; drops the button when it cannot be a URL', () => {
    const cart = event({
      type: 'cart_abandoned',
      contact: { email: 'eve+shop@example.com' },
      cart: { id: 'c 77', abandonedAt: '2026-11-03T08:30:00.000Z' },
    });
    const m = renderNotification(cart, {
      text: 'Cart {{cart.id}}',
      button: { text: 'Open cart', url: 'https://shop.example.com/carts/{{cart.id}}?u={{contact.email}}' },
    });
    expect(blockOf(m, 'actions')[0]!.elements[0]).toMatchObject({
      text: { text: 'Open cart' },
      url: 'https://shop.example.com/carts/c%2077?u=eve%2Bshop%40example.com',
    });
    // {{cart.url}} is absent on this cart: no button rather than an invalid one.
    const noUrl = renderNotification(cart, { text: 'Cart', button: { text: 'Open', url: '{{cart.url}}' } });
    expect(blockOf(noUrl, 'actions')).toEqual([]);
    const none = renderNotification(cart, { text: 'Cart', button: false });
    expect(blockOf(none, 'actions')).toEqual([]);
    // A ticket with no contact has nothing in Brevo to point at.
    const ticket = renderNotification(event({ type: 'ticket_created', ticket: { id: 'T-5', subject: 'Refund' } }));
    expect(blockOf(ticket, 'actions')).toEqual([]);
    expect(ticket.text).toBe('New ticket T-5: Refund');
  });

  it('escapes &, < and > in values (fields, body, fallback) but not in plain_text header', () => {
    const hostile = event({
      type: 'ticket_created',
      contact: { email: 'x@example.com', firstName: '<!channel>' },
      ticket: { id: 'T-9', subject: 'R&D <b>urgent</b>', priority: '<@U123>' },
    });
    const m = renderNotification(hostile, {
      text: '{{ticket.subject}} for {{contact.name}}',
      header: 'Ticket: {{ticket.subject}}',
      fields: { Priority: '{{ticket.priority}}' },
      body: 'From {{contact.name}}',
    });
    expect(m.text).toBe('R&amp;D &lt;b&gt;urgent&lt;/b&gt; for &lt;!channel&gt;');
    expect(blockOf(m, 'header')[0]!.text.text).toBe('Ticket: R&D <b>urgent</b>');
    const sections = blockOf(m, 'section');
    expect(sections[0]!.fields![0]!.text).toBe('*Priority*\n&lt;@U123&gt;');
    expect(sections[1]!.text!.text).toBe('From &lt;!channel&gt;');
    const mrkdwn = JSON.stringify(sections) + m.text;
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<@U123>');
  });

  it('keeps every limit on huge values', () => {
    const huge = 'x'.repeat(50_000);
    const e = event({
      type: 'custom',
      source: 'platform',
      contact: { email: `${'a'.repeat(5000)}@example.com`, firstName: huge },
      custom: { name: huge, title: huge, message: `<${huge}&`, url: `https://example.com/${huge}` },
    });
    const fields = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`Field ${i}`, '{{custom.title}} {{custom.message}}']),
    );
    const m = renderNotification(e, {
      text: '{{custom.title}}',
      header: '{{custom.name}}',
      fields,
      body: '{{custom.message}}',
      button: { text: '{{custom.name}}', url: '{{custom.url}}' },
    });
    expectWithinLimits(m);
    expect(blockOf(m, 'header')[0]!.text.text).toHaveLength(150);
    expect(blockOf(m, 'header')[0]!.text.text.endsWith('…')).toBe(true);
    expect(m.text.endsWith('…')).toBe(true);
    expect(blockOf(m, 'section')[0]!.fields).toHaveLength(10);
    // The url would be over 3000 characters: no button rather than a refused message.
    expect(blockOf(m, 'actions')).toEqual([]);
    // The built-in template on the same event stays within limits too.
    expectWithinLimits(renderNotification(e));
  });

  it("renders the docs' named templates (subscriber_alert, order_alert, ticket_alert) within every limit", () => {
    const huge = 'y'.repeat(30_000);
    const contact = { email: `${'b'.repeat(3000)}@example.com`, firstName: huge, lastName: huge };
    const events: Record<keyof typeof NAMED_TEMPLATES, NotificationEvent> = {
      subscriber_alert: event({ type: 'new_subscriber', contact, listIds: Array.from({ length: 900 }, (_, i) => i) }),
      order_alert: event({
        type: 'order_placed',
        source: 'platform',
        contact,
        order: {
          id: huge,
          total: 1e12,
          currency: 'EUR',
          items: Array.from({ length: 500 }, (_, i) => ({ name: `${huge}${i}`, quantity: 3 })),
        },
      }),
      ticket_alert: event({
        type: 'ticket_created',
        source: 'platform',
        contact,
        ticket: { id: huge, subject: huge, priority: huge, url: `https://help.example.com/${huge}` },
      }),
    };
    for (const [name, { fits, template }] of Object.entries(NAMED_TEMPLATES)) {
      expect({ name, issues: validateTemplate(name, { eventType: fits }) }).toEqual({ name, issues: [] });
      expect({ name, issues: validateTemplate(template, { eventType: fits }) }).toEqual({ name, issues: [] });
      const e = events[name as keyof typeof NAMED_TEMPLATES];
      const byName = renderNotification(e, name);
      expectWithinLimits(byName);
      expect(byName).toEqual(renderNotification(e, template));
      expect(blockOf(byName, 'header')[0]!.text.text.length).toBeLessThanOrEqual(150);
    }
  });

  it('a named template on an event type it does not fit is refused, naming what it fits', () => {
    expect(validateTemplate('ticket_alert', { eventType: 'order_placed', routeKey: 'high_value_order' })).toEqual([
      {
        path: '',
        message:
          'built-in template "ticket_alert" is for ticket_created events, not high_value_order (order_placed events) (expected "default", "order_placed", "high_value_order", "order_alert" or a template object)',
      },
    ]);
    expect(validateTemplate('order_alert', { eventType: 'order_placed', routeKey: 'high_value_order' })).toEqual([]);
    expect(validateTemplate('high_value_order', { eventType: 'order_placed', routeKey: 'high_value_order' })).toEqual(
      [],
    );
  });

  it('shares the size budget so short fields stay whole while long ones are cut', () => {
    const e = event({ type: 'ticket_created', ticket: { id: 'T-1', subject: 's'.repeat(20_000) } });
    const m = renderNotification(e, {
      text: 'x',
      fields: Object.fromEntries([
        ['Id', '{{ticket.id}}'],
        ...Array.from({ length: 9 }, (_, i) => [`S${i}`, '{{ticket.subject}}']),
      ]),
      body: '{{ticket.subject}}',
    });
    expectWithinLimits(m);
    const fields = blockOf(m, 'section')[0]!.fields!;
    expect(fields[0]!.text).toBe('*Id*\nT-1');
    expect(fields[1]!.text.endsWith('…')).toBe(true);
  });

  it('drops fields whose values are empty and never emits an empty header', () => {
    const m = renderNotification(event({ type: 'new_subscriber', contact: { email: 'ann@example.com' } }));
    expect(blockOf(m, 'section')[0]!.fields!.map((f) => f.text)).toEqual(['*Email*\nann@example.com']);
    const noHeader = renderNotification(event({ type: 'spam', contact: { email: 'a@b.co' } }), {
      text: 'spam',
      header: '{{campaign.name}}',
    });
    expect(blockOf(noHeader, 'header')).toEqual([]);
  });

  it('always has fallback text, even when the template renders to nothing', () => {
    const bare: NotificationEvent = event({ type: 'spam', contact: { email: 'a@b.co' } });
    const m = renderNotification(bare, { text: '{{campaign.name}}' });
    expect(m.text).toBe('Spam complaint from a@b.co');
    for (const type of NOTIFICATION_EVENT_TYPES) {
      const r = renderNotification(event({ type }));
      expect(r.text.trim()).not.toBe('');
      expectWithinLimits(r);
    }
  });
});

describe('truncate', () => {
  it('ends with … within the limit and never splits an entity or a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('a&amp;b', 4)).toBe('a…');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });
});
