/** Notion page property values in the full API shape (notion.md §5, SDK `common.ts`). */
import type { NotionPropertyValue } from '../../shared/connectors/notion/mapping/values';

const annotations = {
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: 'default',
};

export function textSegment(content: string, href: string | null = null) {
  return {
    type: 'text',
    text: { content, link: href === null ? null : { url: href } },
    annotations,
    plain_text: content,
    href,
  };
}

export function mentionSegment(pageId: string, plainText: string) {
  return {
    type: 'mention',
    mention: { type: 'page', page: { id: pageId } },
    annotations,
    plain_text: plainText,
    href: `https://www.notion.so/${pageId.replace(/-/g, '')}`,
  };
}

export const personWithEmail = {
  object: 'user',
  id: '6794760a-1f15-45cd-9c65-0dfe42f5135a',
  name: 'Aman Gupta',
  avatar_url: null,
  type: 'person',
  person: { email: 'aman@example.com' },
};

export const personWithoutEmail = {
  object: 'user',
  id: '92a680bb-6970-4726-952b-4f4c03bff617',
  name: 'Dana Li',
  avatar_url: 'https://s3-us-west-2.amazonaws.com/public.notion-static.com/avatar.png',
  type: 'person',
  person: {},
};

export const partialUser = { object: 'user', id: 'c2f20311-9e54-4d11-8c79-7398424ae41e' };

export const bot = {
  object: 'user',
  id: '01da9b00-e400-4959-91ce-af55307647e5',
  name: 'Sync bot',
  avatar_url: null,
  type: 'bot',
  bot: {},
};

/** A page's `properties`, keyed by property name as the API returns them. */
export const page: Record<string, NotionPropertyValue> = {
  Name: {
    id: 'title',
    type: 'title',
    title: [textSegment('  Ada '), textSegment('Lovelace', 'https://example.com/ada'), textSegment(' ')],
  },
  Notes: {
    id: 'h%5Dfj',
    type: 'rich_text',
    rich_text: [
      textSegment('Met at '),
      mentionSegment('a1d8501e-1ac1-43e9-a6bd-ea9fe6c8822b', 'Web Summit'),
      textSegment(' 2026'),
    ],
  },
  EmptyNotes: { id: 'ZZ%3Aa', type: 'rich_text', rich_text: [] },
  Score: { id: 'x%3Bqa', type: 'number', number: 42.5 },
  NoScore: { id: 'x%3Bqb', type: 'number', number: null },
  Tier: { id: 'Tier', type: 'select', select: { id: '9b0c', name: 'Gold', color: 'yellow' } },
  NoTier: { id: 'Tie2', type: 'select', select: null },
  Stage: { id: 'st%40', type: 'status', status: { id: '01b5', name: 'In progress', color: 'blue' } },
  Tags: {
    id: 'tg%7C',
    type: 'multi_select',
    multi_select: [
      { id: 'a1', name: 'Newsletter', color: 'green' },
      { id: 'a2', name: 'Beta', color: 'red' },
    ],
  },
  NoTags: { id: 'tg%7D', type: 'multi_select', multi_select: [] },
  Birthday: { id: 'bd', type: 'date', date: { start: '1990-12-10', end: null, time_zone: null } },
  Meeting: {
    id: 'mt',
    type: 'date',
    date: { start: '2026-11-22T09:30:00.000+01:00', end: '2026-11-22T11:00:00.000+01:00', time_zone: null },
  },
  NoDate: { id: 'nd', type: 'date', date: null },
  Owners: { id: 'ow', type: 'people', people: [personWithEmail, personWithoutEmail, partialUser] },
  Attachments: {
    id: 'fl',
    type: 'files',
    files: [
      {
        name: 'cv.pdf',
        type: 'file',
        file: {
          url: 'https://prod-files-secure.s3.us-west-2.amazonaws.com/cv.pdf?X-Amz-Signature=abc',
          expiry_time: '2026-11-22T10:00:00.000Z',
        },
      },
      { name: 'Site', type: 'external', external: { url: 'https://ada.example.com' } },
    ],
  },
  Subscribed: { id: 'cb', type: 'checkbox', checkbox: true },
  Unsubscribed: { id: 'cc', type: 'checkbox', checkbox: false },
  Website: { id: 'ur', type: 'url', url: 'https://ada.example.com' },
  Email: { id: 'em', type: 'email', email: '  Ada@Example.COM ' },
  NoEmail: { id: 'en', type: 'email', email: null },
  Phone: { id: 'ph', type: 'phone_number', phone_number: '+33 6 12 34 56 78' },
  FormulaString: { id: 'f1', type: 'formula', formula: { type: 'string', string: 'VIP-Gold' } },
  FormulaNullString: { id: 'f1n', type: 'formula', formula: { type: 'string', string: null } },
  FormulaNumber: { id: 'f2', type: 'formula', formula: { type: 'number', number: 0.25 } },
  FormulaBoolean: { id: 'f3', type: 'formula', formula: { type: 'boolean', boolean: false } },
  FormulaDate: {
    id: 'f4',
    type: 'formula',
    formula: { type: 'date', date: { start: '2027-01-15', end: null, time_zone: null } },
  },
  FormulaUnsupported: { id: 'f5', type: 'formula', formula: { type: 'unsupported', unsupported: {} } },
  Company: {
    id: 'rl',
    type: 'relation',
    relation: [{ id: '2f8e2a44-3b1d-4b4b-9c0c-0a1b2c3d4e5f' }, { id: 'b55c9c91-384d-452b-81db-d1ef79372b75' }],
    has_more: false,
  },
  RollupSum: { id: 'r1', type: 'rollup', rollup: { type: 'number', number: 1250, function: 'sum' } },
  RollupLatest: {
    id: 'r2',
    type: 'rollup',
    rollup: {
      type: 'date',
      date: { start: '2026-10-01T08:00:00.000Z', end: null, time_zone: null },
      function: 'latest_date',
    },
  },
  RollupDates: {
    id: 'r3',
    type: 'rollup',
    rollup: {
      type: 'array',
      array: [
        { type: 'date', date: { start: '2026-03-01', end: null, time_zone: null } },
        { type: 'date', date: null },
        { type: 'date', date: { start: '2026-04-01', end: '2026-04-03', time_zone: null } },
      ],
      function: 'show_original',
    },
  },
  RollupNumbers: {
    id: 'r4',
    type: 'rollup',
    rollup: {
      type: 'array',
      array: [
        { type: 'number', number: 3 },
        { type: 'number', number: 0.5 },
        { type: 'number', number: null },
      ],
      function: 'show_original',
    },
  },
  RollupMixed: {
    id: 'r5',
    type: 'rollup',
    rollup: {
      type: 'array',
      array: [
        { type: 'title', title: [textSegment('Acme '), textSegment('Corp')] },
        { type: 'multi_select', multi_select: [{ id: 'm1', name: 'SaaS', color: 'blue' }] },
        { type: 'people', people: [personWithEmail] },
        { type: 'checkbox', checkbox: true },
      ],
      function: 'show_original',
    },
  },
  RollupUnsupported: { id: 'r6', type: 'rollup', rollup: { type: 'unsupported', unsupported: {}, function: 'count' } },
  RollupIncomplete: { id: 'r7', type: 'rollup', rollup: { type: 'incomplete', incomplete: {}, function: 'sum' } },
  Created: { id: 'ct', type: 'created_time', created_time: '2026-01-05T14:02:00.000Z' },
  Edited: { id: 'et', type: 'last_edited_time', last_edited_time: '2026-11-20T18:45:00.000Z' },
  CreatedBy: { id: 'cby', type: 'created_by', created_by: personWithEmail },
  EditedBy: { id: 'eby', type: 'last_edited_by', last_edited_by: partialUser },
  Ref: { id: 'uid', type: 'unique_id', unique_id: { prefix: 'CUS', number: 12 } },
  RefNoPrefix: { id: 'uie', type: 'unique_id', unique_id: { prefix: null, number: 12 } },
  Verified: {
    id: 'vf',
    type: 'verification',
    verification: {
      state: 'verified',
      date: { start: '2026-11-01T00:00:00.000Z', end: null, time_zone: null },
      verified_by: personWithEmail,
    },
  },
  Unverified: { id: 'vu', type: 'verification', verification: { state: 'unverified', date: null, verified_by: null } },
  Office: {
    id: 'pl',
    type: 'place',
    place: {
      lat: 48.8584,
      lon: 2.2945,
      name: 'Eiffel Tower',
      address: 'Av. Gustave Eiffel, 75007 Paris',
      google_place_id: 'x',
    },
  },
  OfficeAddressOnly: {
    id: 'pm',
    type: 'place',
    place: { lat: 51.5007, lon: -0.1246, name: null, address: 'Westminster, London SW1A 0AA' },
  },
  OfficeCoordinates: { id: 'pn', type: 'place', place: { lat: 40.6892, lon: -74.0445 } },
  NoOffice: { id: 'po', type: 'place', place: null },
  Action: { id: 'bt', type: 'button', button: {} },
  Future: { id: 'fu', type: 'some_future_type', some_future_type: { value: 1 } },
};
