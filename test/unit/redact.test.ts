/**
 * shared/core/logging/redact.ts: what every log path does to tokens and personal data, and what it must
 * leave alone (ids, times, counts) for a log to stay useful.
 */

import { brevoDescriptor } from '../../shared/connectors/brevo/descriptor';
import { SLACK_BODIES } from '../../shared/connectors/slack/client';
import { slackDescriptor } from '../../shared/connectors/slack/descriptor';
import { renderNotification } from '../../shared/connectors/slack/notifications/render-notification';
import type { NotificationEvent } from '../../shared/core/events/events';
import { DEFAULT_PERSONAL_BODIES } from '../../shared/core/http/paced-fetch';
import {
  isSensitiveKey,
  REDACTED,
  redactBody,
  redactQuery,
  redactText,
  redactUrlPart,
  redactValue,
} from '../../shared/core/logging/redact';
import { prng } from '../support/prng';
import { leakedValues, type RandomPerson, randomPerson } from '../support/random-people';

describe('redactText', () => {
  test.each([
    ['a Notion integration token', 'ntn_4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f', 'ntn_'],
    ['an older Notion token', 'secret_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv1', 'secret_'],
    ['a Notion webhook verification token', 'secret_tJ8_k2-Qz9x_Lm4nB7vC1dF6gH3jK0pR5sT', 'secret_'],
    ['a Slack bot token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-'],
    ['a Slack user token', 'xoxp-1234567890-0987654321-1111-abcdef0123456789', 'xoxp-'],
    ['a rotating Slack token', 'xoxe.xoxb-1-MS0yLTEyMzQ1Njc4OTAtMDk4NzY1NDMyMQ', 'xoxe.xoxb-'],
    ['a Slack refresh token', 'xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MC1hYmNkZWY', 'xoxe-'],
    ['a Slack app-level token', 'xapp-1-A0123456789-1234567890123-abcdef0123456789', 'xapp-'],
    [
      'a Brevo API key',
      'xkeysib-0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f-AbCdEfGhIjKlMnOp',
      'xkeysib-',
    ],
    ['a management API key', 'tajo_q8aVw2H1kz0Yv5mX3bN7cR9tL4pS6dF0', 'tajo_'],
    ['a Brevo webhook token', 'whk_q8aVw2H1kz0Yv5mX3bN7cR9tL4pS6dF0', 'whk_'],
  ])('%s loses its secret part, keeps its prefix', (_kind, text, prefix) => {
    const out = redactText(`before ${text} after`);
    expect(out).toBe(`before ${prefix}${REDACTED} after`);
  });

  test('whatever follows Bearer or Basic goes', () => {
    expect(redactText('Authorization: Bearer abc.DEF-123_~+/=')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('authorization: basic dXNlcjpwYXNzd29yZA==')).toBe(`authorization: basic ${REDACTED}`);
    expect(redactText('missing bearer token (set auth: {type: bearer} on the Brevo webhook)')).toBe(
      'missing bearer token (set auth: {type: bearer} on the Brevo webhook)',
    );
  });

  test('emails (also URL-encoded) and international phone numbers go', () => {
    expect(redactText('contact ada.lovelace+news@example.co.uk not found')).toBe('contact [email] not found');
    expect(redactText('/v3/contacts/ada%40example.com')).toBe('/v3/contacts/[email]');
    expect(redactText('SMS +33 6 12 34 56 78 and +1 (415) 555-0100.')).toBe('SMS [phone] and [phone].');
  });

  test('ids, times, counts and ordinary words stay', () => {
    const kept = [
      'database 1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60 has 250 rows',
      'page 1f0c5e3a-9b2d-4c6e-8f7a-1b2c3d4e5f60 edited 2026-11-22T10:00:00.000+01:00',
      'tokenRef local:default/notion-token, signingSecretRef, secret_ref, client_secret',
      'Slack chat.postMessage failed: channel_not_found (C0MARKETING, team T0SANDBOX)',
      'import 42 took 1840 ms; retry after 120 s',
      'integration notion-3f2a9c0d1e4b5a6f7c8d',
    ];
    for (const text of kept) expect(redactText(text)).toBe(text);
  });
});

describe('redactValue', () => {
  test('secret and personal keys lose their values whatever their shape; other strings are redacted as text', () => {
    const out = redactValue({
      headers: { Authorization: 'whatever', 'api-key': 'k', 'content-type': 'application/json' },
      signing_secret: 'abc',
      bot_token: 'anything',
      webhook_secret: 'whsec_x',
      api_secret: 'shpss_x',
      code_verifier: 'pkce-verifier',
      contact: {
        email: 'not-even-an-email',
        SMS: '0612345678',
        attributes: { FIRSTNAME: 'Ada', COMPANY: 'Analytical' },
      },
      user: { real_name: 'Ada Lovelace', profile: { display_name: 'ada' }, id: 'U0123' },
      reason: 'Brevo error on contact grace@example.com (400 invalid_parameter)',
      counts: { upserted: 3, failed: 0 },
      list: [1, 'x', null],
    });
    expect(out).toEqual({
      headers: { Authorization: REDACTED, 'api-key': REDACTED, 'content-type': 'application/json' },
      signing_secret: REDACTED,
      bot_token: REDACTED,
      webhook_secret: REDACTED,
      api_secret: REDACTED,
      code_verifier: REDACTED,
      // A contact and its attributes are personal whatever their names (COMPANY was kept before).
      contact: { email: REDACTED, SMS: REDACTED, attributes: { FIRSTNAME: REDACTED, COMPANY: REDACTED } },
      user: { real_name: REDACTED, profile: { display_name: REDACTED }, id: 'U0123' },
      reason: 'Brevo error on contact [email] (400 invalid_parameter)',
      counts: { upserted: 3, failed: 0 },
      list: [1, 'x', null],
    });
  });

  test("a Notion row's title and rich text lose their text; ids and types stay", () => {
    const title = [{ type: 'text', text: { content: 'Ada Lovelace', link: null }, plain_text: 'Ada Lovelace' }];
    const row = { id: 'p1', properties: { Contact: { id: 'title', type: 'title', title }, Email: { type: 'email' } } };
    expect(redactValue(row)).toEqual({
      id: 'p1',
      properties: {
        // A property named like a personal field loses its whole value.
        Email: REDACTED,
        Contact: {
          id: 'title',
          type: 'title',
          title: [{ type: 'text', text: { content: REDACTED, link: null }, plain_text: REDACTED }],
        },
      },
    });
  });

  test('an empty or absent value is not marked redacted (a log may say a field was empty)', () => {
    expect(redactValue({ email: '', token: undefined, phone: null })).toEqual({
      email: '',
      token: undefined,
      phone: null,
    });
  });

  test('errors are left to the logger formatter; the input is not changed', () => {
    const err = new Error('x');
    const input = { email: 'a@b.co', error: err };
    const out = redactValue(input) as Record<string, unknown>;
    expect(out.error).toBe(err);
    expect(input.email).toBe('a@b.co');
  });

  test('key names are compared without case, dashes and underscores', () => {
    for (const k of ['X-Api-Key', 'api_key', 'apiKey', 'ACCESS_TOKEN', 'refreshToken', 'email_id', 'FirstName']) {
      expect(isSensitiveKey(k)).toBe(true);
    }
    for (const k of ['tokenRef', 'tenantId', 'status', 'channelId', 'listIds']) expect(isSensitiveKey(k)).toBe(false);
  });
});

describe('redactBody', () => {
  test('a JSON body is redacted by key and by text', () => {
    const body = JSON.stringify({
      jsonBody: [{ email: 'ada@example.com', attributes: { LASTNAME: 'Lovelace', PLAN: 'pro' } }],
      note: 'call +33612345678',
    });
    expect(JSON.parse(redactBody(body, 'application/json'))).toEqual({
      // Every attribute value is a contact's data (PLAN was kept before).
      jsonBody: [{ email: REDACTED, attributes: { LASTNAME: REDACTED, PLAN: REDACTED } }],
      note: 'call [phone]',
    });
  });

  test("a form body (Slack's Web API) becomes redacted JSON, its JSON fields too", () => {
    const form = new URLSearchParams({
      token: 'xoxb-1-2-3-abcdefabcdef',
      channel: 'C0123',
      text: 'New subscriber grace@example.com',
      blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 'by ada@example.com' } }]),
    }).toString();
    expect(JSON.parse(redactBody(form, 'application/x-www-form-urlencoded'))).toEqual({
      token: REDACTED,
      channel: 'C0123',
      text: 'New subscriber [email]',
      // Message blocks are built from contact data: their text goes, their structure stays.
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: REDACTED } }],
    });
  });

  test('a long body is cut, after redaction', () => {
    const out = redactBody(JSON.stringify({ rows: 'x'.repeat(5000), email: 'a@b.co' }), 'application/json', {
      max: 100,
    });
    expect(out.length).toBeLessThan(130);
    expect(out).toContain('… (');
    expect(out).not.toContain('a@b.co');
  });

  test('text that is not JSON is redacted as text', () => {
    expect(redactBody('{not json xkeysib-abcdef123456', 'application/json')).toBe(`{not json xkeysib-${REDACTED}`);
  });
});

describe('URLs', () => {
  test('paths keep their ids; OAuth codes, states and tokens in a query lose their values', () => {
    expect(redactUrlPart('/v1/data_sources/1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60/query')).toBe(
      '/v1/data_sources/1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60/query',
    );
    expect(redactUrlPart('/oauth/slack/callback?code=123.456.abc&state=s3cr3t&team=T0123')).toBe(
      `/oauth/slack/callback?code=${REDACTED}&state=${REDACTED}&team=T0123`,
    );
    expect(redactQuery('email=ada%40example.com&limit=50&api_key=x')).toBe(
      `email=${REDACTED}&limit=50&api_key=${REDACTED}`,
    );
  });
});

describe('personal bodies', () => {
  const order = {
    event: 'order_placed',
    id: 'evt_ord_1001',
    occurred_at: '2026-11-03T09:20:00Z',
    contact: { email: 'dana@example.com', first_name: 'Dana', last_name: 'Moss' },
    order: { id: 'ORD-1001', total: '1299.00', currency: 'eur', items: [{ name: 'Espresso machine', quantity: 1 }] },
  };

  test('a Slack chat.postMessage body keeps its structure (channel, block types, action ids), not its text', () => {
    const form = new URLSearchParams({
      channel: 'C0SALES',
      text: 'Order ORD-1001 from Dana Moss: 1,299.00 EUR',
      blocks: JSON.stringify([
        { type: 'header', text: { type: 'plain_text', text: '💰 Order: 1,299.00 EUR', emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Name*\nDana' },
            { type: 'mrkdwn', text: '*Items*\n1× Espresso' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Tue 3 Nov 09:20 UTC' }] },
        {
          type: 'actions',
          block_id: 'b1',
          elements: [
            {
              type: 'button',
              action_id: 'view_in_brevo',
              text: { type: 'plain_text', text: 'View in Brevo' },
              url: 'https://app.brevo.com/contact/index/dana',
              value: 'Dana Moss',
            },
          ],
        },
      ]),
      thread_ts: '1793697302.000100',
      unfurl_links: 'false',
    }).toString();
    const out = redactBody(form, 'application/x-www-form-urlencoded', { personal: SLACK_BODIES });
    expect(JSON.parse(out)).toEqual({
      channel: 'C0SALES',
      text: REDACTED,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: REDACTED, emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: REDACTED },
            { type: 'mrkdwn', text: REDACTED },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: REDACTED }] },
        {
          type: 'actions',
          block_id: 'b1',
          elements: [
            {
              type: 'button',
              action_id: 'view_in_brevo',
              text: { type: 'plain_text', text: REDACTED },
              url: REDACTED,
              value: REDACTED,
            },
          ],
        },
      ],
      thread_ts: '1793697302.000100',
      unfurl_links: 'false',
    });
  });

  test("Slack's answer echoing the message keeps ok, channel, ts and ids; an error keeps its code", () => {
    const answer = JSON.stringify({
      ok: true,
      channel: 'C0SALES',
      ts: '1793697302.000200',
      message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', text: 'Order from Dana Moss', blocks: [] },
    });
    expect(JSON.parse(redactBody(answer, 'application/json', { personal: SLACK_BODIES }))).toEqual({
      ok: true,
      channel: 'C0SALES',
      ts: '1793697302.000200',
      message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', text: REDACTED, blocks: [] },
    });
    const refused = JSON.stringify({ ok: false, error: 'invalid_blocks', errors: ['must be more than 0 characters'] });
    expect(redactBody(refused, 'application/json', { personal: 'all' })).toBe(refused);
  });

  test('an inbound order or Brevo event keeps its event, id and times, not the contact or the order', () => {
    expect(
      JSON.parse(redactBody(JSON.stringify(order), 'application/json', { personal: brevoDescriptor.inboundBodies })),
    ).toEqual({
      event: 'order_placed',
      id: 'evt_ord_1001',
      occurred_at: '2026-11-03T09:20:00Z',
      contact: { email: REDACTED, first_name: REDACTED, last_name: REDACTED },
      order: { id: 'ORD-1001', total: REDACTED, currency: 'eur', items: [{ name: REDACTED, quantity: REDACTED }] },
    });
    // Without saying so, an order's contact and items are still personal containers.
    const byKeys = JSON.parse(redactBody(JSON.stringify(order), 'application/json'));
    expect(byKeys.contact).toEqual({ email: REDACTED, first_name: REDACTED, last_name: REDACTED });
    expect(byKeys.order.items).toEqual([{ name: REDACTED, quantity: REDACTED }]);
    // On its lane, a custom event's text and the original payload are personal too.
    const lane = { type: 'custom', id: 'e1', custom: { name: 'vip', message: 'Dana Moss is back' }, raw: order };
    expect(redactValue(lane)).toEqual({
      type: 'custom',
      id: 'e1',
      custom: { name: REDACTED, message: REDACTED },
      raw: expect.objectContaining({ event: 'order_placed', id: 'evt_ord_1001', contact: expect.any(Object) }),
    });
    expect(JSON.stringify(redactValue(lane))).not.toMatch(/Dana|Moss|Espresso|1299/);
    // Notion's and Brevo's API bodies are personal where their keys say, not as a whole.
    // (their clients keep pacedFetch's default), and Slack's inbound events are personal as a whole.
    expect(DEFAULT_PERSONAL_BODIES).toBe('keys');
    expect(slackDescriptor.inboundBodies).toBe('all');
  });

  test('an attribute or a property named like structure (STATUS, DATE, Type) is still a value', () => {
    const brevo = { email: 'x@y.co', attributes: { STATUS: 'vip', DATE: '1990-05-01', TYPE: 'b2b', SEATS: 12 } };
    expect(redactValue(brevo)).toEqual({
      email: REDACTED,
      attributes: { STATUS: REDACTED, DATE: REDACTED, TYPE: REDACTED, SEATS: REDACTED },
    });
    const page = {
      object: 'page',
      id: 'p1',
      properties: {
        Status: { id: 'a%3Ab', type: 'status', status: { id: 's1', name: 'Customer', color: 'green' } },
        Date: { id: 'd', type: 'date', date: { start: '1990-05-01', end: null } },
        Seats: { id: 'n', type: 'number', number: 12 },
        Website: { id: 'u', type: 'url', url: 'https://dana.example' },
        Phone: { id: 'ph', type: 'phone_number', phone_number: '06 12 34 56 78' },
      },
    };
    expect(redactValue(page)).toEqual({
      object: 'page',
      id: 'p1',
      properties: {
        Status: { id: 'a%3Ab', type: 'status', status: { id: 's1', name: REDACTED, color: 'green' } },
        Date: { id: 'd', type: 'date', date: { start: REDACTED, end: null } },
        Seats: { id: 'n', type: 'number', number: REDACTED },
        Website: { id: 'u', type: 'url', url: REDACTED },
        // A property named like a personal field loses its whole value.
        Phone: REDACTED,
      },
    });
  });

  test("a Notion page URL loses the title it carries, keeps the page's id", () => {
    const id = '1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60';
    expect(redactText(`see https://www.notion.so/Dana-Moss-${id} now`)).toBe(`see https://www.notion.so/${id} now`);
    expect(redactText(`https://www.notion.so/acme/Dana-Moss-${id}?pvs=4`)).toBe(
      `https://www.notion.so/acme/${id}?pvs=4`,
    );
    expect(redactText(`https://acme.notion.site/${id}`)).toBe(`https://acme.notion.site/${id}`);
  });
});

describe('generated contact data never reaches a body log', () => {
  const R = prng(0x7ed_ac7);
  const people = Array.from({ length: 150 }, () => randomPerson(R));

  /** What the notification pipeline posts for an order: the real template, encoded as the Slack client does. */
  function postedOrder(p: RandomPerson, i: number): string {
    const event: NotificationEvent = {
      id: `evt-${i}`,
      type: 'order_placed',
      occurredAt: '2026-11-03T09:20:00.000Z',
      source: 'platform',
      contact: { email: p.email, firstName: p.firstName, lastName: p.lastName },
      order: { id: `ORD-${i}`, total: 100 + i, currency: 'EUR', items: p.items.map((name) => ({ name, quantity: 1 })) },
      ticket: { id: `T-${i}`, subject: p.subject },
      raw: {},
    };
    const template = R.pick(['order_alert', 'default', { text: '{{contact.name}} {{contact.email}}' }] as const);
    const message = renderNotification(event, template);
    const form = new URLSearchParams({
      channel: 'C0SALES',
      text: message.text,
      blocks: JSON.stringify(message.blocks),
    });
    return form.toString();
  }

  test('Slack posts, inbound events, Brevo contact writes and Notion pages, as logged at debug', () => {
    people.forEach((p, i) => {
      const slack = postedOrder(p, i);
      // The values did go into the body: the check below can fail.
      expect(decodeURIComponent(slack.replace(/\+/g, ' '))).toContain(p.email);
      const inbound = {
        event: R.pick(['order_placed', 'contact_updated']),
        id: `evt-${i}`,
        email: p.email,
        contact: { email: p.email, first_name: p.firstName, last_name: p.lastName },
        content: [{ FIRSTNAME: p.firstName, LASTNAME: p.lastName, SMS: p.phone, COMPANY: p.company }],
        order: { id: `ORD-${i}`, total: 120, currency: 'EUR', items: p.items.map((name) => ({ name })) },
        ticket: { id: `T-${i}`, subject: p.subject },
      };
      const brevoWrite = {
        email: p.email,
        attributes: {
          FIRSTNAME: p.firstName,
          LASTNAME: p.lastName,
          SMS: p.phone.replace(/\D/g, ''),
          [R.pick(['COMPANY', 'ORGANISATION', 'STATUS', 'NOTE'])]: p.company,
          [R.pick(['LAST_ORDER', 'PRODUCTS'])]: p.items.join(', '),
        },
        listIds: [2],
        updateEnabled: true,
      };
      const notionPage = {
        parent: { type: 'data_source_id', data_source_id: 'ds1' },
        properties: {
          Name: { title: [{ type: 'text', text: { content: `${p.firstName} ${p.lastName}` } }] },
          [R.pick(['Email', 'Contact email', 'Mail'])]: { email: p.email },
          [R.pick(['Phone', 'Mobile', 'Tel'])]: { phone_number: p.phone },
          [R.pick(['Company', 'Organisation', 'Status'])]: R.pick([
            { rich_text: [{ type: 'text', text: { content: p.company }, plain_text: p.company }] },
            { select: { name: p.company } },
          ]),
          Items: { multi_select: p.items.map((name) => ({ name })) },
        },
        url: `https://www.notion.so/${p.firstName}-${p.lastName}-${'ab'.repeat(16)}`,
      };
      const logged = [
        redactBody(slack, 'application/x-www-form-urlencoded', { personal: SLACK_BODIES }),
        redactBody(JSON.stringify(inbound), 'application/json', { personal: brevoDescriptor.inboundBodies }),
        redactBody(JSON.stringify(brevoWrite), 'application/json', { personal: DEFAULT_PERSONAL_BODIES }),
        redactBody(JSON.stringify({ jsonBody: [brevoWrite] }), 'application/json'),
        redactBody(JSON.stringify(notionPage), 'application/json', { personal: DEFAULT_PERSONAL_BODIES }),
      ].join('\n');
      expect(leakedValues(logged, [p])).toEqual([]);
      // Still a useful log: the channel, the block types, the ids.
      expect(logged).toContain('"channel":"C0SALES"');
      expect(logged).toMatch(/"blocks":\[\{"type":"(header|section|context)"/);
      expect(logged).toContain('"listIds":[2]');
      expect(logged).toContain(`"id":"ORD-${i}"`);
      expect(logged).toContain('"data_source_id":"ds1"');
    });
  });
});

describe('multi-megabyte input', () => {
  const MB6 = 6 * 1024 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB6 / unit.length)).slice(0, MB6);

  // Shapes that made a pattern rescan a run from each position (a 100 kB base64 run took 10 s:
  // quadratic, a 6 MB one hours) or overflow V8's regexp backtracking stack (a prefix before a
  // long run threw RangeError from inside the logger). How long they take is measured by hand,
  // not asserted here (no timed unit tests): each shape read in 20-170 ms, one run, 2 cores.
  test.each([
    ['base64 (no @ in a long run)', fill('A')],
    ['words', fill('word ')],
    ['a long run after a token prefix', `xkeysib-${fill('A')}`],
    ['a long run after Bearer', `Bearer ${fill('A')}1`],
    ['digits after a +', `+1${fill('1')}`],
    ['repeated token prefixes', fill('-ntn_')],
    ['repeated notion.so/', fill('notion.so/')],
    ['emails and phones', fill('ada.lovelace@example.com, +33 6 12 34 56 78; ')],
  ])('6 MB of %s: redacted and cut, never a throw, no token or person left', (_shape, text) => {
    const out = redactBody(text, 'text/plain');
    expect(out.length).toBeLessThan(2_100);
    expect(out).not.toMatch(/xkeysib-A|Bearer A|ada\.lovelace|\+33 6 12/);
  });

  test('a 6 MB JSON body (a campaign with an inline image) is parsed, redacted and cut', () => {
    const body = JSON.stringify({ name: 'November', htmlContent: `<img src="data:image/png;base64,${fill('A')}">` });
    const out = redactBody(body, 'application/json');
    // The 6 MB string is cut where the patterns stop reading, so the line is short as it is.
    expect(out).toMatch(/"htmlContent":"<img … \(\d+ chars\)"/);
    expect(out.length).toBeLessThan(2_100);
  });

  test('a token cut at the reading limit is dropped whole, not shown in part', () => {
    const text = `${'x '.repeat(32 * 1024 - 4)}xkeysib-${'a'.repeat(64)}`;
    const out = redactText(text);
    expect(out).not.toContain('xkeysib-a');
    expect(out).toMatch(/… \(\d+ chars\)$/);
  });
});
