/**
 * Valid answers of every endpoint the clients read, in the shapes the providers publish (brevo.md,
 * notion.md, slack.md and the official SDKs' response types they cite): optional fields present,
 * some of them null as the providers send them. The wire-fuzz test mutates these.
 */

// ------------------------------------------------------------------------------------- Brevo

export const brevoAccount = {
  organization_id: '5f3c2a1b',
  email: 'ops@acme.example',
  firstName: 'Ada',
  lastName: 'Ops',
  companyName: 'Acme',
  address: { street: '1 Main St', city: 'Paris', zipCode: '75001', country: 'France' },
  plan: [{ type: 'payAsYouGo', creditsType: 'sendLimit', credits: 300, startDate: null, endDate: null }],
  relay: { enabled: true, data: { userName: 'ops@acme.example', relay: 'smtp-relay.brevo.com', port: 587 } },
  marketingAutomation: { key: 'ma-key', enabled: true },
};

export const brevoAttributes = {
  attributes: [
    { name: 'FIRSTNAME', category: 'normal', type: 'text' },
    { name: 'BIRTHDAY', category: 'normal', type: 'date' },
    { name: 'COLOR', category: 'category', type: 'category', enumeration: [{ value: 1, label: 'Red' }] },
    { name: 'INTERESTS', category: 'normal', type: 'multiple-choice', multiCategoryOptions: ['Books', 'Music'] },
    { name: 'TOTAL', category: 'calculated', calculatedValue: 'SUM[ORDER_PRICE]' },
  ],
};

export const brevoLists = {
  lists: [
    {
      id: 3,
      name: 'Newsletter',
      folderId: 1,
      uniqueSubscribers: 10,
      totalBlacklisted: 0,
      totalSubscribers: 0,
      createdAt: '2026-11-01T10:00:00.000+01:00',
    },
  ],
  count: 1,
};

export const brevoFolders = {
  folders: [{ id: 1, name: 'Tajo', uniqueSubscribers: 10, totalSubscribers: 0, totalBlacklisted: 0 }],
  count: 1,
};

export const brevoCreated = { id: 7 };
export const brevoImport = { processId: 12 };

/** `GET /v3/processes/{id}` while it runs: no completion, no info yet; error and export_url null. */
export const brevoProcessRunning = {
  id: 12,
  status: 'processing',
  name: 'IMPORTUSER',
  created_at: '2026-12-04T10:00:00.000+01:00',
  completed_at: null,
  info: null,
  error: null,
  export_url: null,
};

export const brevoProcessDone = {
  id: 12,
  status: 'completed',
  name: 'IMPORTUSER',
  created_at: '2026-12-04T10:00:00.000+01:00',
  completed_at: '2026-12-04T10:00:05.000+01:00',
  info: {
    import: {
      invalid_emails: 0,
      duplicate_contact_id: 0,
      duplicate_ext_id: 0,
      duplicate_email_id: 1,
      duplicate_phone_id: 0,
      total_contacts: 10,
    },
  },
  error: null,
  export_url: null,
};

export const brevoContact = {
  email: 'ann@example.com',
  id: 42,
  emailBlacklisted: false,
  smsBlacklisted: false,
  createdAt: '2026-11-01T10:00:00.000+01:00',
  modifiedAt: '2026-11-02T10:00:00.000+01:00',
  attributes: { FIRSTNAME: 'Ann', SMS: '+33612345678', INTERESTS: ['Books'] },
  listIds: [3],
  listUnsubscribed: null,
  statistics: { messagesSent: [{ campaignId: 1, eventTime: '2026-11-03T10:00:00.000+01:00' }] },
};

export const brevoListAdd = { contacts: { success: ['ann@example.com'], failure: ['bob@example.com'], total: 2 } };

export const brevoSenders = {
  senders: [
    {
      id: 1,
      name: 'Acme',
      email: 'news@acme.example',
      active: true,
      ips: [{ ip: '1.2.3.4', domain: 'acme.example', weight: 100 }],
    },
  ],
};

const campaign = {
  id: 9,
  name: 'Weekly',
  subject: 'This week',
  previewText: null,
  type: 'classic',
  status: 'sent',
  scheduledAt: null,
  abTesting: false,
  testSent: false,
  header: '[DEFAULT_HEADER]',
  footer: '[DEFAULT_FOOTER]',
  sender: { name: 'Acme', email: 'news@acme.example', id: 1 },
  replyTo: 'news@acme.example',
  toField: '',
  shareLink: 'https://sharing.example/x',
  tag: null,
  createdAt: '2026-11-20T10:00:00.000+01:00',
  modifiedAt: '2026-11-21T10:00:00.000+01:00',
  inlineImageActivation: false,
  mirrorActive: true,
  recurring: false,
  sentDate: '2026-11-21T10:00:00.000+01:00',
  returnBounce: 0,
  recipients: { lists: [3], exclusionLists: [] },
  statistics: {
    globalStats: {
      uniqueClicks: 3,
      clickers: 3,
      complaints: 0,
      delivered: 98,
      sent: 100,
      softBounces: 1,
      hardBounces: 1,
      uniqueViews: 40,
      trackableViews: 38,
      unsubscriptions: 2,
      viewed: 55,
    },
    campaignStats: [{ listId: 3, uniqueClicks: 3, delivered: 98, sent: 100 }],
    mirrorClick: 0,
    remaining: 0,
  },
};

export const brevoCampaign = campaign;
export const brevoCampaigns = { campaigns: [campaign], count: 1 };

export const brevoContacts = {
  contacts: [
    {
      id: 42,
      email: 'ann@example.com',
      emailBlacklisted: true,
      smsBlacklisted: false,
      createdAt: '2026-11-21T10:00:00.000Z',
      modifiedAt: '2026-11-21T11:00:00.000Z',
      attributes: { FIRSTNAME: 'Ann' },
      listIds: [3],
    },
  ],
  count: 1,
};

export const brevoError = { code: 'invalid_parameter', message: 'folder name is missing', metadata: null };

// ------------------------------------------------------------------------------------- Notion

const DS = '248104cd-477e-80af-bc30-000bd28de8f9';
const DB = '248104cd-477e-80fd-b757-e945d38000bd';
const USER = 'e79a0b74-3aba-4149-9f74-0bb5791a6ee6';

export const notionBotUser = {
  object: 'user',
  id: '9a3b5ae0-c6e6-482d-b0e1-ed315ee6dc57',
  name: 'Tajo',
  avatar_url: null,
  type: 'bot',
  bot: {
    owner: { type: 'workspace', workspace: true },
    workspace_name: 'Acme',
    workspace_id: '8ff3c9e0-1f7c-4a6e-9f47-1dbd3aa0b5e2',
    workspace_limits: { max_file_upload_size_in_bytes: 5368709120 },
  },
  request_id: 'req-1',
};

function row(id: string, edited: string) {
  return {
    object: 'page',
    id,
    created_time: '2026-11-01T10:00:00.000Z',
    last_edited_time: edited,
    created_by: { object: 'user', id: USER },
    last_edited_by: { object: 'user', id: USER },
    cover: null,
    icon: { type: 'emoji', emoji: '🎉' },
    parent: { type: 'data_source_id', data_source_id: DS, database_id: DB },
    archived: false,
    in_trash: false,
    is_locked: false,
    properties: {
      Email: { id: 'a%3Bc', type: 'email', email: 'ann@example.com' },
      Phone: { id: 'ph', type: 'phone_number', phone_number: null },
      Stage: { id: 'st', type: 'status', status: { id: 's1', name: 'Active', color: 'green' } },
      Tags: { id: 'tg', type: 'multi_select', multi_select: [{ id: 't1', name: 'VIP', color: 'red' }] },
      Signup: { id: 'sd', type: 'date', date: { start: '2026-11-01', end: null, time_zone: null } },
      Score: { id: 'sc', type: 'formula', formula: { type: 'number', number: 3 } },
      Owner: { id: 'ow', type: 'people', people: [{ object: 'user', id: USER }] },
      Name: {
        id: 'title',
        type: 'title',
        title: [
          {
            type: 'text',
            text: { content: 'Ann', link: null },
            annotations: {
              bold: false,
              italic: false,
              strikethrough: false,
              underline: false,
              code: false,
              color: 'default',
            },
            plain_text: 'Ann',
            href: null,
          },
        ],
      },
    },
    url: 'https://www.notion.so/Ann-1a2b',
    public_url: null,
  };
}

export const notionPage = row('1a2b3c4d-0000-4000-8000-000000000001', '2026-11-22T09:00:00.000Z');

export const notionQuery = {
  object: 'list',
  results: [row('1a2b3c4d-0000-4000-8000-000000000001', '2026-11-22T09:00:00.000Z')],
  next_cursor: null,
  has_more: false,
  type: 'page_or_data_source',
  page_or_data_source: {},
  request_id: 'req-2',
};

export const notionDatabase = {
  object: 'database',
  id: DB,
  title: [{ type: 'text', text: { content: 'Contacts', link: null }, plain_text: 'Contacts', href: null }],
  description: [],
  parent: { type: 'workspace', workspace: true },
  is_inline: false,
  in_trash: false,
  is_locked: false,
  created_time: '2026-11-01T10:00:00.000Z',
  last_edited_time: '2026-11-01T10:00:00.000Z',
  data_sources: [{ id: DS, name: 'Contacts' }],
  icon: null,
  cover: null,
  url: 'https://www.notion.so/248104cd',
  public_url: null,
};

export const notionDataSource = {
  object: 'data_source',
  id: DS,
  created_time: '2026-11-01T10:00:00.000Z',
  last_edited_time: '2026-11-01T10:00:00.000Z',
  properties: {
    Name: { id: 'title', name: 'Name', description: null, type: 'title', title: {} },
    Email: { id: 'a%3Bc', name: 'Email', description: null, type: 'email', email: {} },
    Stage: {
      id: 'st',
      name: 'Stage',
      type: 'status',
      status: {
        options: [{ id: 's1', name: 'Active', color: 'green', description: null }],
        groups: [{ id: 'g1', name: 'In progress', color: 'blue', option_ids: ['s1'] }],
      },
    },
    Tags: {
      id: 'tg',
      name: 'Tags',
      type: 'multi_select',
      multi_select: { options: [{ id: 't1', name: 'VIP', color: 'red' }] },
    },
  },
  parent: { type: 'database_id', database_id: DB },
  database_parent: { type: 'workspace', workspace: true },
  title: [{ type: 'text', text: { content: 'Contacts', link: null }, plain_text: 'Contacts', href: null }],
  description: [],
  icon: null,
  cover: null,
  in_trash: false,
  url: 'https://www.notion.so/248104cd',
  public_url: null,
};

export const notionPropertyItems = {
  object: 'list',
  results: [
    { object: 'property_item', id: 'rel', type: 'relation', relation: { id: '5e1c3b4a-0000-4000-8000-000000000009' } },
  ],
  next_cursor: null,
  has_more: false,
  type: 'property_item',
  property_item: { id: 'rel', next_url: null, type: 'relation', relation: {} },
  request_id: 'req-3',
};

export const notionSearch = {
  object: 'list',
  results: [
    row('1a2b3c4d-0000-4000-8000-000000000002', '2026-11-22T09:00:00.000Z'),
    { ...notionDataSource, object: 'data_source' },
  ],
  next_cursor: null,
  has_more: false,
  type: 'page_or_data_source',
  page_or_data_source: {},
};

const rt = (text: string) => [
  {
    type: 'text',
    text: { content: text, link: null },
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
    plain_text: text,
    href: null,
  },
];

function block(id: string, type: string, payload: Record<string, unknown>, hasChildren = false) {
  return {
    object: 'block',
    id,
    parent: { type: 'page_id', page_id: '1a2b3c4d-0000-4000-8000-000000000001' },
    created_time: '2026-11-01T10:00:00.000Z',
    last_edited_time: '2026-11-01T10:00:00.000Z',
    created_by: { object: 'user', id: USER },
    last_edited_by: { object: 'user', id: USER },
    has_children: hasChildren,
    archived: false,
    in_trash: false,
    type,
    [type]: payload,
  };
}

export const notionBlocks = {
  object: 'list',
  results: [
    block('b1', 'heading_2', { rich_text: rt('Hello'), is_toggleable: false, color: 'default' }),
    block('b2', 'paragraph', { rich_text: rt('Some text'), color: 'default' }),
    block('b3', 'to_do', { rich_text: rt('Task'), checked: true, color: 'default' }),
    block('b4', 'callout', { rich_text: rt('Note'), icon: { type: 'emoji', emoji: '💡' }, color: 'gray_background' }),
    block('b5', 'code', { rich_text: rt('x = 1'), caption: [], language: 'python' }),
    block('b6', 'image', {
      caption: rt('A picture'),
      type: 'external',
      external: { url: 'https://images.example/a.png' },
    }),
    block('b7', 'bookmark', { caption: [], url: 'https://example.com' }),
    block('b8', 'table', { table_width: 2, has_column_header: true, has_row_header: false }, true),
    block('b9', 'synced_block', { synced_from: null }, true),
    block('b10', 'numbered_list_item', { rich_text: rt('One'), color: 'default' }),
  ],
  next_cursor: null,
  has_more: false,
  type: 'block',
  block: {},
  request_id: 'req-4',
};

export const notionBlock = notionBlocks.results[1];

export const notionUsers = {
  object: 'list',
  results: [
    {
      object: 'user',
      id: USER,
      name: 'Ann',
      avatar_url: 'https://avatars.example/ann.png',
      type: 'person',
      person: { email: 'ann@example.com' },
    },
    {
      object: 'user',
      id: '9a3b5ae0-c6e6-482d-b0e1-ed315ee6dc57',
      name: 'Tajo',
      avatar_url: null,
      type: 'bot',
      bot: {},
    },
  ],
  next_cursor: null,
  has_more: false,
  type: 'user',
  user: {},
};

export const notionError = {
  object: 'error',
  status: 400,
  code: 'validation_error',
  // Notion's validation messages span lines ("Fix one:" then one alternative a line).
  message:
    'body failed validation. Fix one:\nbody.parent.page_id should be defined, instead was `undefined`.\nbody.parent.database_id should be defined, instead was `undefined`.',
  request_id: 'req-5',
};

/** A `page.properties_updated` webhook event (notion.md §4, SDK webhooks.ts). */
export const notionWebhookEvent = {
  id: '0c7b4e5c-9f2a-4e4a-8d1a-1a2b3c4d5e6f',
  timestamp: '2026-11-22T09:00:00.000Z',
  workspace_id: '8ff3c9e0-1f7c-4a6e-9f47-1dbd3aa0b5e2',
  workspace_name: 'Acme',
  subscription_id: 'sub-1',
  integration_id: 'int-1',
  type: 'page.properties_updated',
  authors: [{ id: USER, type: 'person' }],
  accessible_by: [{ id: USER, type: 'person' }],
  attempt_number: 1,
  api_version: '2025-09-03',
  entity: { id: '1a2b3c4d-0000-4000-8000-000000000001', type: 'page' },
  data: {
    parent: { id: DS, type: 'data_source', data_source_id: DS },
    updated_properties: ['a%3Bc', 'st'],
  },
};

// ------------------------------------------------------------------------------------- Slack

export const slackAuthTest = {
  ok: true,
  url: 'https://acme.slack.com/',
  team: 'Acme',
  user: 'tajo',
  team_id: 'T0123',
  user_id: 'U0BOT',
  bot_id: 'B0123',
  is_enterprise_install: false,
};

const member = {
  id: 'U0001',
  team_id: 'T0123',
  name: 'ann',
  deleted: false,
  color: '9f69e7',
  real_name: 'Ann Lee',
  tz: 'Europe/Paris',
  tz_label: 'Central European Time',
  tz_offset: 3600,
  profile: {
    title: 'Engineer',
    phone: '06 23 85 26 63',
    skype: '',
    real_name: 'Ann Lee',
    real_name_normalized: 'Ann Lee',
    display_name: 'ann',
    display_name_normalized: 'ann',
    fields: null,
    status_text: '',
    status_emoji: '',
    status_expiration: 0,
    avatar_hash: 'g123',
    email: 'ann@example.com',
    first_name: 'Ann',
    last_name: 'Lee',
    image_24: 'https://avatars.example/24.png',
    image_72: 'https://avatars.example/72.png',
    team: 'T0123',
  },
  is_admin: false,
  is_owner: false,
  is_primary_owner: false,
  is_restricted: false,
  is_ultra_restricted: false,
  is_bot: false,
  is_app_user: false,
  updated: 1764000000,
  is_email_confirmed: true,
  who_can_share_contact_card: 'EVERYONE',
};

export const slackUsersInfo = { ok: true, user: member };

export const slackUsersList = {
  ok: true,
  members: [member, { ...member, id: 'U0002', name: 'bob', profile: { ...member.profile, email: 'bob@example.com' } }],
  cache_ts: 1764000000,
  response_metadata: { next_cursor: 'dXNlcjpVMEc5V0ZYTlo=' },
};

export const slackPosted = {
  ok: true,
  channel: 'C0123',
  ts: '1764000000.000100',
  message: { type: 'message', subtype: 'bot_message', text: 'Hello', ts: '1764000000.000100', bot_id: 'B0123' },
};

export const slackScheduled = {
  ok: true,
  channel: 'C0123',
  scheduled_message_id: 'Q1298393284',
  post_at: 1764003600,
  message: { type: 'delayed_message', text: 'Later', bot_id: 'B0123' },
};

export const slackError = {
  ok: false,
  error: 'channel_not_found',
  warning: 'missing_charset',
  response_metadata: { warnings: ['missing_charset'] },
};
