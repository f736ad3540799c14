import { extractNotionValue } from '../../shared/connectors/notion/mapping/values';
import {
  type BrevoAttribute,
  type BrevoValue,
  type Coerced,
  type CoerceOptions,
  coerceToAttribute,
  coerceToIdentifier,
  type Extracted,
  type IdentifierTarget,
  normalizeEmail,
  normalizePhone,
  toBrevoDate,
} from '../../shared/core/mapping';
import { page } from './fixtures';

const attr = (type: BrevoAttribute['type'], extra: Partial<BrevoAttribute> = {}): BrevoAttribute => ({
  name: `ATTR_${String(type).toUpperCase().replace('-', '_')}`,
  category: 'normal',
  type,
  ...extra,
});

const TEXT = attr('text');
const ID = { ...attr('id'), category: 'transactional' } as BrevoAttribute;
const USER = attr('user');
const FLOAT = attr('float');
const BOOL = attr('boolean');
const DATE = attr('date');
const TIER: BrevoAttribute = {
  name: 'TIER',
  category: 'category',
  type: 'category',
  enumeration: [
    { value: 1, label: 'Bronze' },
    { value: 2, label: 'Silver' },
    { value: 3, label: 'Gold' },
  ],
};
const TIER_UNTYPED: BrevoAttribute = { name: 'TIER', category: 'category', enumeration: TIER.enumeration };
const INTERESTS: BrevoAttribute = {
  name: 'INTERESTS',
  category: 'normal',
  type: 'multiple-choice',
  multiCategoryOptions: ['Newsletter', 'Beta', 'Events'],
};

const t = (value: string): Extracted => ({ kind: 'text', value });
const n = (value: number): Extracted => ({ kind: 'number', value });
const b = (value: boolean): Extracted => ({ kind: 'boolean', value });
const l = (...value: string[]): Extracted => ({ kind: 'list', value });
const d = (start: string, end?: string): Extracted =>
  end === undefined ? { kind: 'date', start } : { kind: 'date', start, end };
const EMPTY: Extracted = { kind: 'empty' };
const okv = (value: BrevoValue | null): Coerced => ({
  ok: true,
  value,
});
const NONE = okv(null);

describe('coerceToAttribute', () => {
  type Row = [string, Extracted, BrevoAttribute, Coerced];
  const rows: Row[] = [
    // empty → no value, for every type
    ['empty text attr', EMPTY, TEXT, NONE],
    ['empty float attr', EMPTY, FLOAT, NONE],
    ['empty boolean attr', EMPTY, BOOL, NONE],
    ['empty date attr', EMPTY, DATE, NONE],
    ['empty category attr', EMPTY, TIER, NONE],
    ['empty multiple-choice attr', EMPTY, INTERESTS, NONE],
    ['whitespace text', t('   '), TEXT, NONE],
    ['empty list', l(), INTERESTS, NONE],

    // text / id / user
    ['text', t('Ada Lovelace'), TEXT, okv('Ada Lovelace')],
    ['integer as text', n(1250), TEXT, okv('1250')],
    ['decimal as text', n(0.25), TEXT, okv('0.25')],
    ['huge number as text, no exponent', n(1e21), TEXT, okv('1000000000000000000000')],
    ['true as text', b(true), TEXT, okv('true')],
    ['false as text', b(false), TEXT, okv('false')],
    ['date as text', d('1990-12-10'), TEXT, okv('1990-12-10')],
    ['datetime as text', d('2026-11-22T09:30:00.000+01:00'), TEXT, okv('2026-11-22T09:30:00.000+01:00')],
    [
      'datetime range as text',
      d('2026-11-22T09:30:00.000+01:00', '2026-11-22T11:00:00.000+01:00'),
      TEXT,
      okv('2026-11-22T09:30:00.000+01:00 → 2026-11-22T11:00:00.000+01:00'),
    ],
    ['list as text', l('Newsletter', 'Beta'), TEXT, okv('Newsletter, Beta')],
    ['id attr', t('CUS-12'), ID, okv('CUS-12')],
    ['id attr from number', n(12), ID, okv('12')],
    ['user attr', t('owner@example.com'), USER, okv('owner@example.com')],
    ['normal attr without type is text', n(7), { name: 'X', category: 'normal' }, okv('7')],

    // float
    ['number', n(42.5), FLOAT, okv(42.5)],
    ['integer text', t(' 42 '), FLOAT, okv(42)],
    ['negative decimal text', t('-3.75'), FLOAT, okv(-3.75)],
    ['true → 1', b(true), FLOAT, okv(1)],
    ['false → 0', b(false), FLOAT, okv(0)],
    ['grouped number text', t('1,234.5'), FLOAT, { ok: false, reason: 'expected a number, got "1,234.5"' }],
    ['word text', t('twelve'), FLOAT, { ok: false, reason: 'expected a number, got "twelve"' }],
    ['exponent text', t('1e3'), FLOAT, { ok: false, reason: 'expected a number, got "1e3"' }],
    [
      'list to float',
      l('3', '0.5'),
      FLOAT,
      { ok: false, reason: 'expected a number, got a list of 2 values ("3, 0.5")' },
    ],
    ['date to float', d('2026-01-01'), FLOAT, { ok: false, reason: 'expected a number, got the date "2026-01-01"' }],

    // boolean
    ['boolean', b(false), BOOL, okv(false)],
    ['number 0', n(0), BOOL, okv(false)],
    ['number 2', n(2), BOOL, okv(true)],
    ['text Yes', t('Yes'), BOOL, okv(true)],
    ['text NO', t('NO'), BOOL, okv(false)],
    ['text True', t(' True '), BOOL, okv(true)],
    ['text false', t('false'), BOOL, okv(false)],
    ['text 1', t('1'), BOOL, okv(true)],
    ['text 0', t('0'), BOOL, okv(false)],
    [
      'text maybe',
      t('maybe'),
      BOOL,
      { ok: false, reason: 'expected a boolean (true/false, yes/no, 1/0), got "maybe"' },
    ],
    ['list to boolean', l('yes'), BOOL, { ok: false, reason: 'expected a boolean, got a list of 1 value ("yes")' }],
    ['date to boolean', d('2026-01-01'), BOOL, { ok: false, reason: 'expected a boolean, got the date "2026-01-01"' }],

    // date
    ['date', d('1990-12-10'), DATE, okv('1990-12-10')],
    ['datetime keeps its own date part', d('2026-11-22T23:30:00.000-08:00'), DATE, okv('2026-11-22')],
    ['range uses start', d('2026-04-01', '2026-04-03'), DATE, okv('2026-04-01')],
    ['date text', t('2026-02-28'), DATE, okv('2026-02-28')],
    ['impossible date text', t('2026-02-30'), DATE, { ok: false, reason: 'expected a date, got "2026-02-30"' }],
    ['european date text', t('05.04.1984'), DATE, { ok: false, reason: 'expected a date, got "05.04.1984"' }],
    ['number to date', n(20260101), DATE, { ok: false, reason: 'expected a date, got the number 20260101' }],

    // category
    ['category by label', t('Gold'), TIER, okv(3)],
    ['category by label, case-insensitive', t(' silver '), TIER, okv(2)],
    ['category from one-item list', l('bronze'), TIER, okv(1)],
    ['category without type', t('Gold'), TIER_UNTYPED, okv(3)],
    ['category by value', n(2), TIER, okv(2)],
    [
      'category unknown label',
      t('Platinum'),
      TIER,
      { ok: false, reason: 'no category of TIER matches "Platinum"; allowed: "Bronze", "Silver", "Gold"' },
    ],
    [
      'category unknown value',
      n(9),
      TIER,
      { ok: false, reason: 'no category of TIER has the value 9; allowed: "Bronze", "Silver", "Gold"' },
    ],
    [
      'category from two-item list',
      l('Gold', 'Silver'),
      TIER,
      { ok: false, reason: 'expected a single category for TIER, got a list of 2 values ("Gold, Silver")' },
    ],
    [
      'category from boolean',
      b(true),
      TIER,
      { ok: false, reason: 'expected a single category for TIER, got the boolean true' },
    ],

    // multiple-choice
    ['multiple-choice, options spelling', l('newsletter', 'BETA'), INTERESTS, okv(['Newsletter', 'Beta'])],
    ['multiple-choice from text', t('events'), INTERESTS, okv(['Events'])],
    ['multiple-choice drops duplicates', l('Beta', 'beta'), INTERESTS, okv(['Beta'])],
    [
      'multiple-choice unknown option',
      l('Beta', 'Webinars'),
      INTERESTS,
      { ok: false, reason: 'unknown option "Webinars" for INTERESTS; allowed: "Newsletter", "Beta", "Events"' },
    ],
    [
      'multiple-choice unknown options',
      l('Podcasts', 'Webinars'),
      INTERESTS,
      {
        ok: false,
        reason: 'unknown options "Podcasts", "Webinars" for INTERESTS; allowed: "Newsletter", "Beta", "Events"',
      },
    ],
    [
      'multiple-choice from date',
      d('2026-01-01'),
      INTERESTS,
      { ok: false, reason: 'expected a list of options for INTERESTS, got the date "2026-01-01"' },
    ],

    // not writable
    [
      'calculated attribute',
      t('x'),
      { name: 'SCORE', category: 'calculated' },
      { ok: false, reason: 'SCORE is a calculated attribute; Brevo computes it and it cannot be written' },
    ],
  ];

  test.each(rows)('%s', (_label, x, a, expected) => {
    expect(coerceToAttribute(x, a)).toEqual(expected);
  });

  test('category reason lists at most 10 labels', () => {
    const big: BrevoAttribute = {
      name: 'COUNTRY',
      category: 'category',
      enumeration: Array.from({ length: 14 }, (_, i) => ({ value: i + 1, label: `C${i + 1}` })),
    };
    const r = coerceToAttribute(t('Atlantis'), big);
    expect(r.ok).toBe(false);
    const reason = r.ok ? '' : r.reason;
    expect(reason).toContain('"C10"');
    expect(reason).not.toContain('"C11"');
    expect(reason).toContain('(and 4 more)');
  });

  test('from real Notion values', () => {
    expect(coerceToAttribute(extractNotionValue(page.Tier), TIER)).toEqual(okv(3));
    expect(coerceToAttribute(extractNotionValue(page.Tags), INTERESTS)).toEqual(okv(['Newsletter', 'Beta']));
    expect(coerceToAttribute(extractNotionValue(page.Meeting), DATE)).toEqual(okv('2026-11-22'));
    expect(coerceToAttribute(extractNotionValue(page.FormulaNumber), FLOAT)).toEqual(okv(0.25));
    expect(coerceToAttribute(extractNotionValue(page.FormulaBoolean), BOOL)).toEqual(okv(false));
    expect(coerceToAttribute(extractNotionValue(page.RollupNumbers), TEXT)).toEqual(okv('3, 0.5'));
    expect(coerceToAttribute(extractNotionValue(page.RefNoPrefix), FLOAT)).toEqual(okv(12));
    expect(coerceToAttribute(extractNotionValue(page.NoDate), DATE)).toEqual(NONE);
  });
});

describe('coerceToIdentifier', () => {
  type Row = [string, Extracted, IdentifierTarget, Coerced, CoerceOptions?];
  const rows: Row[] = [
    ['empty email', EMPTY, 'EMAIL', NONE],
    ['email', t('  John@Example.COM '), 'EMAIL', okv('john@example.com')],
    ['email from one person', l('aman@example.com'), 'EMAIL', okv('aman@example.com')],
    // Emails and phones are personal: a reason shows them masked, never whole.
    ['invalid email', t('no-at'), 'EMAIL', { ok: false, reason: 'invalid email address "n•-•t"' }],
    [
      'invalid email with a domain',
      t('ada@@example.com'),
      'EMAIL',
      { ok: false, reason: 'invalid email address "a•••@example.com"' },
    ],
    [
      'two emails',
      l('a@example.com', 'b@example.com'),
      'EMAIL',
      {
        ok: false,
        reason: 'expected a single value for EMAIL, got a list of 2 values ("a@example.com, b@example.com")',
      },
    ],
    ['number as email', n(5), 'EMAIL', { ok: false, reason: 'invalid email address "•"' }],
    ['sms', t('+33 6 12 34 56 78'), 'SMS', okv('+33612345678')],
    ['whatsapp with cc', t('06 12 34 56 78'), 'WHATSAPP', okv('+33612345678'), { defaultCountryCode: '33' }],
    ['landline', t('tel:+44 20 7946 0958'), 'LANDLINE_NUMBER', okv('+442079460958')],
    ['phone from a Notion number', n(33612345678), 'SMS', okv('+33612345678')],
    ['invalid phone', t('abc'), 'SMS', { ok: false, reason: 'invalid phone number "a•c"' }],
    [
      'short national phone without cc',
      t('06 12 34 56 78'),
      'SMS',
      {
        ok: false,
        reason:
          'phone number "06 •• •• •• 78" has no country code: write it as +<country code><number>, or set default_country_code',
      },
    ],
    [
      'US national phone without cc',
      t('(212) 555-0142'),
      'SMS',
      {
        ok: false,
        reason:
          'phone number "(21•) •••-••42" has no country code: write it as +<country code><number>, or set default_country_code',
      },
    ],
    ['US national phone with cc 1', t('(212) 555-0142'), 'SMS', okv('+12125550142'), { defaultCountryCode: '1' }],
    [
      'over-long phone',
      t('+33 6 12 34 56 78 90 12 34'),
      'SMS',
      { ok: false, reason: 'invalid phone number "+33 • •• •• •• •• •• •• 34"' },
    ],
    ['boolean phone', b(true), 'SMS', { ok: false, reason: 'invalid phone number "t••e"' }],
    ['ext id text', t(' CUS-12 '), 'EXT_ID', okv('CUS-12')],
    ['ext id number', n(12), 'EXT_ID', okv('12')],
    [
      'ext id from one relation',
      l('2f8e2a44-3b1d-4b4b-9c0c-0a1b2c3d4e5f'),
      'EXT_ID',
      okv('2f8e2a44-3b1d-4b4b-9c0c-0a1b2c3d4e5f'),
    ],
    [
      'ext id boolean',
      b(true),
      'EXT_ID',
      { ok: false, reason: 'expected text or a number for EXT_ID, got the boolean true' },
    ],
  ];

  // Rows without options are padded: jest treats a callback with more parameters than row cells as `done`-style.
  test.each(rows.map(([label, x, target, expected, opts]): Row => [label, x, target, expected, opts ?? {}]))(
    '%s',
    (_label, x, target, expected, opts) => {
      expect(coerceToIdentifier(x, target, opts)).toEqual(expected);
    },
  );

  test('from real Notion values', () => {
    expect(coerceToIdentifier(extractNotionValue(page.Email), 'EMAIL')).toEqual(okv('ada@example.com'));
    expect(coerceToIdentifier(extractNotionValue(page.Phone), 'SMS')).toEqual(okv('+33612345678'));
    expect(coerceToIdentifier(extractNotionValue(page.Ref), 'EXT_ID')).toEqual(okv('CUS-12'));
    expect(coerceToIdentifier(extractNotionValue(page.NoEmail), 'EMAIL')).toEqual(NONE);
  });
});

describe('normalizePhone', () => {
  test.each<[string, string | undefined, string | undefined]>([
    ['+33 6 12 34 56 78', undefined, '+33612345678'],
    ['0033612345678', undefined, '+33612345678'],
    ['06 12 34 56 78', '33', '+33612345678'],
    ['06.12.34.56.78', '+33', '+33612345678'],
    ['(415) 555-0100', '1', '+14155550100'],
    ['1 (415) 555-0100', '1', '+14155550100'],
    ['tel:+44 20 7946 0958', undefined, '+442079460958'],
    ['TEL:+44-20-7946-0958', '33', '+442079460958'],
    ['+44 (0)20 7946 0958', undefined, '+442079460958'],
    ['33612345678', undefined, '+33612345678'],
    ['919876543210', '91', '+919876543210'],
    ['abc', undefined, undefined],
    ['+33 6 12 34 56 78 ext 9', undefined, undefined],
    ['0612345678', undefined, undefined],
    ['4155550100', undefined, undefined],
    ['+1234567', undefined, undefined],
    ['+1234567890123456', undefined, undefined],
    ['+0612345678', undefined, undefined],
    ['+33 6 12 34 56 78 / 9', undefined, undefined],
    ['', '33', undefined],
  ])('%p (cc %p) → %p', (input, cc, expected) => {
    expect(normalizePhone(input, cc)).toBe(expected);
  });
});

describe('normalizeEmail', () => {
  test.each<[string, string | undefined]>([
    ['  John@Example.COM ', 'john@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ['mailto:Ada@Example.com', 'ada@example.com'],
    ['no-at', undefined],
    ['two@@example.com', undefined],
    ['a@b@example.com', undefined],
    ['ada@localhost', undefined],
    ['ada@example.c', undefined],
    ['.ada@example.com', undefined],
    ['ada..l@example.com', undefined],
    ['ada l@example.com', undefined],
    ['ada@-example.com', undefined],
    ['', undefined],
  ])('%p → %p', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});

describe('toBrevoDate', () => {
  test.each<[string, string | undefined]>([
    ['2026-11-22', '2026-11-22'],
    ['2026-11-22T23:30:00.000-08:00', '2026-11-22'],
    ['2026-11-22T00:15:00Z', '2026-11-22'],
    ['2026-11-22T08:00', '2026-11-22'],
    ['2024-02-29', '2024-02-29'],
    ['2000-02-29', '2000-02-29'],
    ['2026-02-30', undefined],
    ['2025-02-29', undefined],
    ['1900-02-29', undefined],
    ['2026-04-31', undefined],
    ['2026-13-01', undefined],
    ['2026-00-10', undefined],
    ['2026-11-22T24:00:00Z', undefined],
    ['2026-11-22T10:00:00+25:00', undefined],
    ['05.04.1984', undefined],
    ['2026-1-5', undefined],
    ['22/11/2026', undefined],
    ['', undefined],
  ])('%p → %p', (input, expected) => {
    expect(toBrevoDate(input)).toBe(expected);
  });
});
