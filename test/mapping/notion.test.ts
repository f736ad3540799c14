import { extractNotionValue, mayBeTruncated } from '../../shared/connectors/notion/mapping/values';
import { type Extracted, formatNumber } from '../../shared/core/mapping';
import { mentionSegment, page, textSegment } from './fixtures';

const PERSON_WITHOUT_EMAIL = 'Dana Li';
const PARTIAL_USER_ID = 'c2f20311-9e54-4d11-8c79-7398424ae41e';

describe('extractNotionValue', () => {
  const cases: [string, Extracted][] = [
    ['Name', { kind: 'text', value: 'Ada Lovelace' }],
    ['Notes', { kind: 'text', value: 'Met at Web Summit 2026' }],
    ['EmptyNotes', { kind: 'empty' }],
    ['Score', { kind: 'number', value: 42.5 }],
    ['NoScore', { kind: 'empty' }],
    ['Tier', { kind: 'text', value: 'Gold' }],
    ['NoTier', { kind: 'empty' }],
    ['Stage', { kind: 'text', value: 'In progress' }],
    ['Tags', { kind: 'list', value: ['Newsletter', 'Beta'] }],
    ['NoTags', { kind: 'empty' }],
    ['Birthday', { kind: 'date', start: '1990-12-10' }],
    ['Meeting', { kind: 'date', start: '2026-11-22T09:30:00.000+01:00', end: '2026-11-22T11:00:00.000+01:00' }],
    ['NoDate', { kind: 'empty' }],
    ['Owners', { kind: 'list', value: ['aman@example.com', PERSON_WITHOUT_EMAIL, PARTIAL_USER_ID] }],
    [
      'Attachments',
      {
        kind: 'list',
        // The Notion-hosted file by its name (its signed URL expires in an hour), the external one by URL.
        value: ['cv.pdf', 'https://ada.example.com'],
      },
    ],
    ['Subscribed', { kind: 'boolean', value: true }],
    ['Unsubscribed', { kind: 'boolean', value: false }],
    ['Website', { kind: 'text', value: 'https://ada.example.com' }],
    ['Email', { kind: 'text', value: 'Ada@Example.COM' }],
    ['NoEmail', { kind: 'empty' }],
    ['Phone', { kind: 'text', value: '+33 6 12 34 56 78' }],
    ['FormulaString', { kind: 'text', value: 'VIP-Gold' }],
    ['FormulaNullString', { kind: 'empty' }],
    ['FormulaNumber', { kind: 'number', value: 0.25 }],
    ['FormulaBoolean', { kind: 'boolean', value: false }],
    ['FormulaDate', { kind: 'date', start: '2027-01-15' }],
    ['FormulaUnsupported', { kind: 'empty' }],
    [
      'Company',
      { kind: 'list', value: ['2f8e2a44-3b1d-4b4b-9c0c-0a1b2c3d4e5f', 'b55c9c91-384d-452b-81db-d1ef79372b75'] },
    ],
    ['RollupSum', { kind: 'number', value: 1250 }],
    ['RollupLatest', { kind: 'date', start: '2026-10-01T08:00:00.000Z' }],
    ['RollupDates', { kind: 'list', value: ['2026-03-01', '2026-04-01 → 2026-04-03'] }],
    ['RollupNumbers', { kind: 'list', value: ['3', '0.5'] }],
    ['RollupMixed', { kind: 'list', value: ['Acme Corp', 'SaaS', 'aman@example.com', 'true'] }],
    ['RollupUnsupported', { kind: 'empty' }],
    ['RollupIncomplete', { kind: 'empty' }],
    ['Created', { kind: 'date', start: '2026-01-05T14:02:00.000Z' }],
    ['Edited', { kind: 'date', start: '2026-11-20T18:45:00.000Z' }],
    ['CreatedBy', { kind: 'text', value: 'Aman Gupta' }],
    ['EditedBy', { kind: 'text', value: PARTIAL_USER_ID }],
    ['Ref', { kind: 'text', value: 'CUS-12' }],
    ['RefNoPrefix', { kind: 'text', value: '12' }],
    ['Verified', { kind: 'text', value: 'verified' }],
    ['Unverified', { kind: 'text', value: 'unverified' }],
    ['Office', { kind: 'text', value: 'Eiffel Tower' }],
    ['OfficeAddressOnly', { kind: 'text', value: 'Westminster, London SW1A 0AA' }],
    ['OfficeCoordinates', { kind: 'text', value: '40.6892,-74.0445' }],
    ['NoOffice', { kind: 'empty' }],
    ['Action', { kind: 'empty' }],
    ['Future', { kind: 'empty' }],
  ];

  test.each(cases)('%s', (name, expected) => {
    expect(extractNotionValue(page[name])).toEqual(expected);
  });

  test('every fixture property is covered by the table', () => {
    expect(cases.map(([name]) => name).sort()).toEqual(Object.keys(page).sort());
  });

  test('a null value of any type is empty', () => {
    for (const type of [
      'select',
      'status',
      'date',
      'number',
      'url',
      'email',
      'phone_number',
      'place',
      'verification',
    ]) {
      expect(extractNotionValue({ id: 'n', type, [type]: null })).toEqual({ kind: 'empty' });
    }
  });

  test('whitespace-only title is empty', () => {
    expect(extractNotionValue({ id: 'title', type: 'title', title: [textSegment('   ')] })).toEqual({ kind: 'empty' });
  });

  test('unique_id without a number is empty', () => {
    expect(extractNotionValue({ id: 'u', type: 'unique_id', unique_id: { prefix: 'CUS', number: null } })).toEqual({
      kind: 'empty',
    });
  });

  test('malformed values do not throw', () => {
    expect(extractNotionValue({ id: 'x', type: 'people', people: 'nope' })).toEqual({ kind: 'empty' });
    expect(extractNotionValue({ id: 'x', type: 'rollup', rollup: { type: 'array', array: [null, 5] } })).toEqual({
      kind: 'empty',
    });
  });
});

describe('mayBeTruncated (25-reference limit)', () => {
  const ids = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` }));

  test('relation with has_more', () => {
    expect(mayBeTruncated({ id: 'rl', type: 'relation', relation: ids(25), has_more: true })).toBe(true);
    expect(mayBeTruncated({ id: 'rl', type: 'relation', relation: ids(3), has_more: false })).toBe(false);
  });

  test('people at the limit', () => {
    expect(mayBeTruncated({ id: 'p', type: 'people', people: ids(25).map((u) => ({ object: 'user', ...u })) })).toBe(
      true,
    );
    expect(mayBeTruncated(page.Owners)).toBe(false);
  });

  test('rich text with 25 mentions', () => {
    const segs = Array.from({ length: 25 }, (_, i) => mentionSegment(`page-${i}`, `P${i}`));
    expect(mayBeTruncated({ id: 'rt', type: 'rich_text', rich_text: segs })).toBe(true);
    expect(mayBeTruncated(page.Notes)).toBe(false);
  });

  test('incomplete rollup', () => {
    expect(mayBeTruncated(page.RollupIncomplete)).toBe(true);
    expect(mayBeTruncated(page.RollupSum)).toBe(false);
  });
});

describe('formatNumber', () => {
  test.each([
    [1250, '1250'],
    [0.25, '0.25'],
    [-3.5, '-3.5'],
    [-0, '0'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1e-7, '0.0000001'],
    [-2.5e-8, '-0.000000025'],
  ])('%p → %s', (n, s) => {
    expect(formatNumber(n)).toBe(s);
  });
});
