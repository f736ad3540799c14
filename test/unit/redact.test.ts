/**
 * shared/logging/redact.ts: what every log path does to tokens and personal data, and what it must
 * leave alone (ids, times, counts) for a log to stay useful.
 */
import {
  isSensitiveKey,
  REDACTED,
  redactBody,
  redactQuery,
  redactText,
  redactUrlPart,
  redactValue,
} from '../../shared/logging/redact';

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
      contact: { email: REDACTED, SMS: REDACTED, attributes: { FIRSTNAME: REDACTED, COMPANY: 'Analytical' } },
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
      jsonBody: [{ email: REDACTED, attributes: { LASTNAME: REDACTED, PLAN: 'pro' } }],
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
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'by [email]' } }],
    });
  });

  test('a long body is cut, after redaction', () => {
    const out = redactBody(JSON.stringify({ rows: 'x'.repeat(5000), email: 'a@b.co' }), 'application/json', 100);
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
