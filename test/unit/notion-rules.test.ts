/**
 * Brevo → Notion rules, the pure parts: config validation with paths, matching webhook events,
 * rendering values, fitting them to Notion property types, the conflict rule and own-write
 * recognition.
 */

import { parseConfig } from '../../shared/app/config';
import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import type { NotionPage } from '../../shared/connectors/notion/client';
import type { NotionRuleConfig } from '../../shared/connectors/notion/config-schema';
import { isOwnPageWrite, resolveConflicts } from '../../shared/connectors/notion/rules/brevo-to-notion';
import {
  canonicalValue,
  storedPropertiesHash,
  toNotionDate,
  toNotionValue,
} from '../../shared/connectors/notion/rules/notion-values';
import { matchRules, renderProperties } from '../../shared/connectors/notion/rules/rules';
import { ConfigError } from '../../shared/core/errors';
import { parsePlatformEvent } from '../../shared/core/events/platform-events';
import type { PageWrite } from '../../shared/core/ports';
import { contactUpdated, listAddition, TS } from '../notifications/fixtures';

const LEADS = '2a1d6f4b0c3e4d5f9a8b7c6d5e4f3a21';

function config(rules: string): string {
  return `brevo:
  api_key: xkeysib-test
connectors:
  notion:
    token: secret_test
    rules:
${rules}`;
}

const GOOD_RULE = `      - name: converted
        when: { event: contact_updated, attribute: LIFECYCLE_STAGE, becomes: customer }
        database: "${LEADS}"
        match_by: Email
        properties:
          Name: "{{contact.FIRSTNAME}} {{contact.LASTNAME}}"
          Email: "{{email}}"
          Converted Date: "{{event.date}}"
          Seats: { from: contact.SEATS }
          Status: Converted
`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('the config was accepted');
}

function rule(overrides: Partial<NotionRuleConfig> = {}): NotionRuleConfig {
  const parsed = parseConfig(config(GOOD_RULE), {}).connectors.notion?.rules?.[0];
  return { ...(parsed as NotionRuleConfig), ...overrides };
}

describe('config', () => {
  test('a rule parses with its defaults (action upsert)', () => {
    const r = rule();
    expect(r).toMatchObject({ name: 'converted', action: 'upsert', match_by: 'Email', database: LEADS });
    expect(r.properties['Converted Date']).toBe('{{event.date}}');
    expect(r.properties.Seats).toEqual({ from: 'contact.SEATS' });
  });

  test('event-dependent options, match_by and names are refused with their paths', () => {
    const issues = issuesOf(
      config(`      - name: a
        when: { event: list_addition, attribute: LIFECYCLE_STAGE, becomes: customer }
        database: "${LEADS}"
        properties: { Email: "{{email}}" }
      - name: A
        when: { event: contact_updated, becomes: x, list_id: 3 }
        database: "${LEADS}"
        match_by: Mail
        properties: { Email: "{{email}}" }
      - name: c
        when: { event: order_placed }
        action: create
        match_by: Email
        database: "${LEADS}"
        properties: { Email: "{{email}}" }
`),
    );
    expect(issues).toEqual([
      { path: 'connectors.notion.rules[0].when.attribute', message: 'attribute applies to contact_updated only' },
      {
        path: 'connectors.notion.rules[0].match_by',
        message: 'an upsert needs match_by: the property whose value finds the page to update (e.g. Email)',
      },
      { path: 'connectors.notion.rules[1].name', message: 'the same name as rules[0]' },
      { path: 'connectors.notion.rules[1].when.becomes', message: 'becomes needs the attribute it applies to' },
      { path: 'connectors.notion.rules[1].when.list_id', message: 'list_id applies to list_addition only' },
      {
        path: 'connectors.notion.rules[1].match_by',
        message: '"Mail" is not among the properties (Email): its value is what is searched',
      },
      { path: 'connectors.notion.rules[2].match_by', message: 'match_by applies to action upsert only' },
    ]);
  });

  test('templates and paths are checked against the event', () => {
    const issues = issuesOf(
      config(`      - name: orders
        when: { event: order_placed }
        database: "${LEADS}"
        match_by: Email
        properties:
          Email: "{{email}}"
          Name: "{{contact.firstname}}"
          Total: "{{order.totl}} {{order.currency}}"
          Cart: { from: cart.id }
          Broken: "{{email}"
          Lists: "{{event.list_ids}}"
`),
    );
    const at = (p: string) => issues.filter((i) => i.path === `connectors.notion.rules[0].properties.${p}`);
    expect(at('Name')[0]?.message).toMatch(/upper case \(contact\.FIRSTNAME\)/);
    expect(at('Total')).toHaveLength(1);
    expect(at('Total')[0]?.message).toMatch(/unknown path "order\.totl" for order_placed events/);
    expect(issues.find((i) => i.path === 'connectors.notion.rules[0].properties.Cart.from')?.message).toMatch(
      /unknown path "cart\.id"/,
    );
    expect(at('Broken')[0]?.message).toMatch(/unbalanced/);
    expect(at('Lists')[0]?.message).toMatch(/unknown path "event\.list_ids"/);
  });

  test('the schema refuses unknown events, keys, bad ids and attribute names, with paths', () => {
    const issues = issuesOf(
      config(`      - name: x
        when: { event: contact_created, attribute: stage }
        database: "not-an-id"
        propertes: {}
        properties: {}
`),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'connectors.notion.rules[0].when.event',
        'connectors.notion.rules[0].when.attribute',
        'connectors.notion.rules[0].database',
        'connectors.notion.rules[0].propertes',
        'connectors.notion.rules[0].properties',
      ]),
    );
    expect(issues.find((i) => i.path.endsWith('when.event'))?.message).toMatch(/contact_updated, list_addition/);
  });
});

describe('matching webhook events', () => {
  const rules = [
    rule(),
    rule({ name: 'subscribers', when: { event: 'list_addition', list_id: [7] }, match_by: 'Email' }),
    rule({ name: 'orders', when: { event: 'order_placed' } }),
  ];

  test('contact_updated matches when the attribute becomes the value (case ignored), with its values', () => {
    const { events } = parseBrevoWebhook([
      contactUpdated({ content: [{ LIFECYCLE_STAGE: 'Customer', FIRSTNAME: 'Ann' }], api_key_name: '' }),
      contactUpdated({ email: 'bob@example.com', content: [{ LIFECYCLE_STAGE: 'lead' }], api_key_name: '' }),
      contactUpdated({ email: 'cy@example.com', content: [{ FIRSTNAME: 'Cy' }], api_key_name: '' }),
    ]);
    const { items } = matchRules(rules, events);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      rule: 'converted',
      email: 'ann.lee@example.com',
      event: 'contact_updated',
      attributes: { LIFECYCLE_STAGE: 'Customer', FIRSTNAME: 'Ann' },
      changed: ['LIFECYCLE_STAGE', 'FIRSTNAME'],
      occurredAt: new Date(TS * 1000).toISOString(),
    });
    expect(items[0]?.verify).toBeUndefined();
  });

  test('content that names the attribute without its value is left for the worker to verify', () => {
    const { events } = parseBrevoWebhook(contactUpdated({ content: ['LIFECYCLE_STAGE'], api_key_name: '' }));
    expect(matchRules(rules, events).items[0]).toMatchObject({ rule: 'converted', verify: true });
  });

  test("our own key's changes match nothing and are counted", () => {
    const { events } = parseBrevoWebhook(contactUpdated({ content: [{ LIFECYCLE_STAGE: 'customer' }] }), {
      ownApiKeyNames: ['tajo-sync'],
    });
    expect(matchRules(rules, events)).toEqual({ items: [], ownWrites: 1 });
  });

  test('an unsubscribe carries its campaign for the templates', () => {
    const unsub = rule({
      name: 'unsub',
      when: { event: 'unsubscribed' },
      properties: { Email: '{{email}}', Why: '{{campaign.name}}' },
    });
    const { events } = parseBrevoWebhook({
      id: 2001,
      camp_id: 42,
      email: 'bob@example.org',
      'campaign name': 'November Newsletter',
      ts_event: TS,
      event: 'unsubscribed',
    });
    const [item] = matchRules([unsub], events).items;
    expect(item?.parts).toEqual({ campaign: { id: 42, name: 'November Newsletter' } });
    expect(renderProperties(unsub, item!, {})).toEqual({ Email: 'bob@example.org', Why: 'November Newsletter' });
  });

  test('list_addition matches its lists only; platform events carry their parts', () => {
    const { events } = parseBrevoWebhook([
      listAddition({ list_id: [3, 7] }),
      listAddition({ list_id: [4], ts: TS + 1 }),
    ]);
    const lists = matchRules(rules, events).items;
    expect(lists.map((i) => [i.rule, i.listIds])).toEqual([['subscribers', [3, 7]]]);

    const order = parsePlatformEvent({
      event: 'order_placed',
      id: 'o-1',
      occurred_at: '2026-11-03T09:15:02Z',
      contact: { email: 'Zoe@Example.com', first_name: 'Zoe' },
      order: { id: 'o-1', total: 129.9, currency: 'eur' },
    });
    if (!order.ok) throw new Error('order did not parse');
    const [item] = matchRules(rules, [order.event]).items;
    expect(item).toMatchObject({
      rule: 'orders',
      email: 'zoe@example.com',
      attributes: { FIRSTNAME: 'Zoe' },
      parts: { order: { id: 'o-1', total: 129.9, currency: 'EUR' } },
    });
  });
});

describe('rendering and fitting values', () => {
  test('templates fill and trim; {from} keeps the raw value; empty values are left out', () => {
    const item = {
      eventId: 'e1',
      rule: 'converted',
      event: 'contact_updated' as const,
      email: 'ann@example.com',
      occurredAt: '2026-11-03T09:15:02.000Z',
      attributes: { FIRSTNAME: 'Ann', SEATS: 12 },
    };
    expect(renderProperties(rule(), item, item.attributes)).toEqual({
      Name: 'Ann',
      Email: 'ann@example.com',
      'Converted Date': '2026-11-03',
      Seats: 12,
      Status: 'Converted',
    });
    expect(renderProperties(rule(), item, {})).not.toHaveProperty('Name');
  });

  test('each writable type takes its value, or gives the reason it does not fit', () => {
    const p = (type: string, options?: string[]) => ({ id: 'x', type, ...(options ? { options } : {}) });
    expect(toNotionValue('Name', p('title'), 'Ann Lee')).toEqual({
      ok: true,
      value: { title: [{ type: 'text', text: { content: 'Ann Lee' } }] },
    });
    const long = toNotionValue('Notes', p('rich_text'), 'x'.repeat(4500));
    expect(long.ok && (long.value.rich_text as unknown[]).length).toBe(3);
    expect(toNotionValue('Email', p('email'), ' Ann@Example.COM ')).toEqual({
      ok: true,
      value: { email: 'ann@example.com' },
    });
    expect(toNotionValue('Email', p('email'), 'not-an-email')).toEqual({
      ok: false,
      reason: '"not-an-email" is not an email address',
    });
    expect(toNotionValue('Seats', p('number'), '12.5')).toEqual({ ok: true, value: { number: 12.5 } });
    expect(toNotionValue('Seats', p('number'), 'lots')).toEqual({ ok: false, reason: '"lots" is not a number' });
    expect(toNotionValue('VIP', p('checkbox'), 'yes')).toEqual({ ok: true, value: { checkbox: true } });
    expect(toNotionValue('VIP', p('checkbox'), 'maybe').ok).toBe(false);
    expect(toNotionValue('Plan', p('select'), 'Pro')).toEqual({ ok: true, value: { select: { name: 'Pro' } } });
    expect(toNotionValue('Plan', p('select'), 'a,b')).toMatchObject({ ok: false, reason: /comma/ });
    expect(toNotionValue('Status', p('status', ['New', 'Converted']), 'converted')).toEqual({
      ok: true,
      value: { status: { name: 'Converted' } },
    });
    expect(toNotionValue('Status', p('status', ['New']), 'Gone')).toEqual({
      ok: false,
      reason: '"Gone" is not a status of Status (it has: New)',
    });
    expect(toNotionValue('Tags', p('multi_select'), ['a', 'b', 'a'])).toEqual({
      ok: true,
      value: { multi_select: [{ name: 'a' }, { name: 'b' }] },
    });
    expect(toNotionValue('Tags', p('multi_select'), 'x, y')).toEqual({
      ok: true,
      value: { multi_select: [{ name: 'x' }, { name: 'y' }] },
    });
    expect(toNotionValue('When', p('date'), 'soon')).toMatchObject({ ok: false, reason: /is not a date/ });
    expect(toNotionValue('Owner', p('people'), 'ann')).toEqual({
      ok: false,
      reason: 'Owner is a people property: a rule cannot write it',
    });
    expect(toNotionValue('Total', p('formula'), 3).ok).toBe(false);
  });

  test("dates: a day stays a day; Brevo's zone-less and epoch forms become UTC instants", () => {
    expect(toNotionDate('2026-11-03')).toBe('2026-11-03');
    expect(toNotionDate('2026-02-30')).toBeUndefined();
    expect(toNotionDate('2026-11-03 10:15:02')).toBe('2026-11-03T10:15:02.000Z');
    expect(toNotionDate('2026-11-03T10:15:02+01:00')).toBe('2026-11-03T09:15:02.000Z');
    expect(toNotionDate(TS)).toBe(new Date(TS * 1000).toISOString());
    expect(toNotionDate('03/11/2026')).toBeUndefined();
  });

  test('canonical values compare what we send with what Notion returns', () => {
    const sent = { id: 'x', type: 'date', date: { start: '2026-11-03T09:15:02.000Z' } };
    const returned = { id: 'x', type: 'date', date: { start: '2026-11-03T09:15:02.000+00:00', end: null } };
    expect(canonicalValue(sent)).toBe(canonicalValue(returned));
    const title = { id: 't', type: 'title', title: [{ type: 'text', text: { content: 'Ann' } }] };
    expect(canonicalValue(title)).toBe(canonicalValue({ id: 't', type: 'title', title: [{ plain_text: 'Ann' }] }));
  });
});

describe('conflicts: latest edit wins, the loser is recorded', () => {
  const schema = { Name: { id: 'title', type: 'title' }, Email: { id: 'e', type: 'email' } };
  const nameValue = (s: string) => ({ title: [{ type: 'text', text: { content: s } }] });
  function page(name: string, lastEdited: string, editor = 'person-1'): NotionPage {
    return {
      object: 'page',
      id: 'page-1',
      created_time: '2026-11-01T00:00:00.000Z',
      last_edited_time: lastEdited,
      last_edited_by: { object: 'user', id: editor },
      properties: {
        Name: { id: 'title', type: 'title', title: name ? [{ plain_text: name }] : [] },
        Email: { id: 'e', type: 'email', email: 'ann@example.com' },
      },
    } as NotionPage;
  }
  /** The record our write of `p` left (by bot-1, at p's last_edited_time). */
  const ownWrite = (p: NotionPage, values: PageWrite['values']): PageWrite => ({
    tenantId: 't',
    databaseId: LEADS,
    pageId: p.id,
    lastEditedTime: p.last_edited_time,
    propertiesHash: storedPropertiesHash(p.properties as never),
    botId: 'bot-1',
    values,
    rule: 'converted',
    writtenAt: '2026-11-03T10:00:31.000Z',
  });
  const resolve = (p: NotionPage, name: string, brevoAt: string, own?: PageWrite) =>
    resolveConflicts({
      page: p,
      values: { Name: nameValue(name), Email: { email: 'ann@example.com' } },
      schema,
      own,
      brevoAt,
      rule: 'converted',
      email: 'ann@example.com',
      now: '2026-11-03T12:00:00.000Z',
    });

  test('a Brevo change a minute or more after the Notion edit wins; the Notion value is recorded', () => {
    const r = resolve(page('Annie', '2026-11-03T10:00:00.000Z'), 'Anna', '2026-11-03T10:01:00.000Z');
    expect(r.write).toEqual({ Name: nameValue('Anna') });
    expect(r.conflicts).toEqual([
      expect.objectContaining({ property: 'Name', winner: 'brevo', kept: 'Anna', lost: 'Annie' }),
    ]);
  });

  test("within the Notion edit's minute (rounded down) the Notion edit wins; the Brevo value is recorded", () => {
    const r = resolve(page('Annie', '2026-11-03T10:00:00.000Z'), 'Anna', '2026-11-03T10:00:59.000Z');
    expect(r.write).toEqual({});
    expect(r.conflicts).toEqual([
      expect.objectContaining({
        winner: 'notion',
        kept: 'Annie',
        lost: 'Anna',
        notionEditedAt: '2026-11-03T10:00:00.000Z',
        brevoAt: '2026-11-03T10:00:59.000Z',
      }),
    ]);
  });

  test('an empty Notion value is filled and an equal one left alone, without conflicts', () => {
    expect(resolve(page('', '2026-11-03T10:00:00.000Z'), 'Anna', '2026-11-03T09:00:00.000Z')).toMatchObject({
      write: { Name: nameValue('Anna') },
      conflicts: [],
    });
    expect(resolve(page('Anna', '2026-11-03T10:00:00.000Z'), 'Anna', '2026-11-03T09:00:00.000Z')).toMatchObject({
      write: {},
      conflicts: [],
    });
  });

  test('our own value is replaced by a newer change at once, and wins over an older one', () => {
    const ours = page('Anna', '2026-11-03T10:00:00.000Z', 'bot-1');
    const own = ownWrite(ours, { Name: { value: 'Anna', at: '2026-11-03T10:00:30.000Z' } });
    // A newer change in the same minute as our write: not a person's edit, no conflict.
    expect(resolve(ours, 'Ann', '2026-11-03T10:00:40.000Z', own)).toMatchObject({
      write: { Name: nameValue('Ann') },
      conflicts: [],
    });
    // A late delivery of an older change loses to the newer one already written.
    const stale = resolve(ours, 'Old name', '2026-11-03T09:59:00.000Z', own);
    expect(stale.write).toEqual({});
    expect(stale.conflicts).toEqual([expect.objectContaining({ winner: 'brevo', kept: 'Anna', lost: 'Old name' })]);
  });

  test("own writes are recognised by time and stored values; a person's edit in the same minute is not", () => {
    const ours = page('Anna', '2026-11-03T10:00:00.000Z', 'bot-1');
    const own = ownWrite(ours, {});
    expect(isOwnPageWrite(own, ours)).toBe(true);
    expect(isOwnPageWrite(own, page('Annie', '2026-11-03T10:00:00.000Z', 'bot-1'))).toBe(false);
    expect(isOwnPageWrite(own, page('Anna', '2026-11-03T10:00:00.000Z', 'person-1'))).toBe(false);
    expect(isOwnPageWrite(own, page('Anna', '2026-11-03T10:05:00.000Z', 'bot-1'))).toBe(false);
    expect(isOwnPageWrite(undefined, ours)).toBe(false);
  });
});
