/**
 * The sandbox: a demo Notion "Customers" database and a Brevo account whose attributes match it,
 * plus the Tajo config that maps one onto the other; beside them, workspace users, a "Leads" data
 * source and a "Docs" tree of nested content pages (seedSandboxWorkspace). `npm start` seeds the simulators with this
 * when no tokens are given; tests and the benchmark use it at larger sizes.
 */

import type { BrevoSimulator } from './brevo';
import { type BlockInput, blocks, type NotionSimulator, richText, seedDocsTree } from './notion';
import { registerTestSecrets } from './secrets-registry';

export const SANDBOX_NOTION_TOKEN = 'secret_sandbox';
export const SANDBOX_BREVO_KEY = 'xkeysib-sandbox';
export const SANDBOX_DATABASE_ID = '1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60';
export const SANDBOX_LIST = 'Notion customers';
export const SANDBOX_SLACK_TOKEN = 'xoxb-sandbox';
/** The sandbox Slack workspace's #marketing channel, where notifications go. */
export const SANDBOX_SLACK_CHANNEL = 'C0MARKETING';
export const SANDBOX_SLACK_SIGNING_SECRET = 'sandbox-signing-secret';
/** The "Leads" database a Brevo → Notion demo writes converted contacts into. */
export const SANDBOX_LEADS_DATABASE_ID = '2a1d6f4b0c3e4d5f9a8b7c6d5e4f3a21';
/** Pages in the sandbox "Docs" tree (nested content pages for Notion → Markdown exports). */
export const SANDBOX_DOCS_PAGES = 56;
/** The "Newsletters" database whose Published pages become Brevo campaigns (npm start's demo). */
export const SANDBOX_NEWSLETTER_DATABASE_ID = '3b2e7a5c1d4f4e6a8b9c0d1e2f3a4b52';
/** The Brevo list the newsletter campaigns go to. */
export const SANDBOX_NEWSLETTER_LIST = 'Newsletter';
/** The Brevo simulator's own sender, active (verified) from the start. */
export const SANDBOX_SENDER_EMAIL = 'sender@sandbox.example';
/**
 * The Slack scopes the product docs list for the app: the sandbox's bot token has exactly these, so
 * `test slack` on the sandbox checks what a person following the docs gets.
 */
export const SLACK_DOCS_SCOPES = [
  'chat:write',
  'channels:read',
  'channels:history',
  'users:read',
  'users:read.email',
  'reactions:write',
  'files:write',
] as const;
/** The local deployment's distributed Slack app (`POST /slack/events|interactions`), unless SLACK_APP_SIGNING_SECRET is set. */
export const SANDBOX_SLACK_APP_SIGNING_SECRET = 'sandbox-app-signing-secret';
/**
 * The local deployment's OAuth apps in the sandbox: the simulators know these clients, and the
 * local stack registers its callback URLs with them once it knows its port.
 */
export const SANDBOX_NOTION_OAUTH_CLIENT = {
  clientId: 'sandbox-notion-client',
  clientSecret: 'sandbox-notion-client-secret',
};
export const SANDBOX_SLACK_OAUTH_CLIENT = { clientId: '1111.2222', clientSecret: 'sandbox-slack-client-secret' };

// Not real, but credentials all the same: the test run's secret scan proves none is ever logged.
registerTestSecrets(
  SANDBOX_NOTION_TOKEN,
  SANDBOX_BREVO_KEY,
  SANDBOX_SLACK_TOKEN,
  SANDBOX_SLACK_SIGNING_SECRET,
  SANDBOX_SLACK_APP_SIGNING_SECRET,
);

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Linus'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Hamilton',
  'Torvalds',
];
const PLANS = ['Free', 'Pro', 'Enterprise'];
const TAGS = ['newsletter', 'product', 'events', 'partners'];

export function sandboxSchema() {
  return {
    Name: { type: 'title' as const },
    Email: { type: 'email' as const },
    Company: { type: 'rich_text' as const },
    Plan: { type: 'select' as const, options: PLANS },
    Interests: { type: 'multi_select' as const, options: TAGS },
    'Signup date': { type: 'date' as const },
    Phone: { type: 'phone_number' as const },
    Newsletter: { type: 'checkbox' as const },
    Seats: { type: 'number' as const },
    'Customer ID': { type: 'unique_id' as const, prefix: 'CUS' },
    Website: { type: 'url' as const },
    // The product docs' Customers: their SDK query filters on a Status select (Active) and sorts
    // by Last Contact (product-docs §1), on the database their sync names. No mapping reads Last Contact.
    Status: { type: 'select' as const, options: ['Lead', 'Active', 'Churned'] },
    'Last Contact': { type: 'date' as const },
  };
}

/** Values for row `i` (deterministic, so tests can predict them). */
export function sandboxRow(i: number): Record<string, unknown> {
  const first = FIRST[i % FIRST.length] as string;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((i % 12) + 1).padStart(2, '0');
  return {
    Name: `${first} ${last}`,
    Email: `${first}.${last}.${i}@example.com`.toLowerCase(),
    Company: `Company ${i % 97}`,
    Plan: PLANS[i % PLANS.length],
    Interests: TAGS.filter((_, t) => (i >> t) & 1),
    'Signup date': `2026-${month}-${day}`,
    Phone: `+336${String(10000000 + i).slice(-8)}`,
    Newsletter: i % 3 !== 0,
    Seats: (i % 50) + 1,
    'Customer ID': { prefix: 'CUS', number: i + 1 },
    Website: `https://example.com/c/${i}`,
    Status: ['Lead', 'Active', 'Churned'][i % 3],
    'Last Contact': `2026-${String(((i + 5) % 12) + 1).padStart(2, '0')}-${day}`,
  };
}

/** The field mapping of the sandbox config (Notion property → Brevo attribute). */
export const SANDBOX_FIELD_MAPPING: Record<string, { type: string; target: string }> = {
  Email: { type: 'email', target: 'email' },
  Name: { type: 'title', target: 'FIRSTNAME' },
  Company: { type: 'rich_text', target: 'COMPANY' },
  Plan: { type: 'select', target: 'PLAN' },
  Interests: { type: 'multi_select', target: 'INTERESTS' },
  'Signup date': { type: 'date', target: 'SIGNUP_DATE' },
  Phone: { type: 'phone_number', target: 'SMS' },
  Newsletter: { type: 'checkbox', target: 'NEWSLETTER' },
  Seats: { type: 'number', target: 'SEATS' },
  'Customer ID': { type: 'unique_id', target: 'CUSTOMER_ID' },
  Status: { type: 'select', target: 'LIFECYCLE_STAGE' },
};

export function seedBrevoAttributes(brevo: BrevoSimulator): void {
  brevo.addAttribute({ name: 'COMPANY', category: 'normal', type: 'text' });
  brevo.addAttribute({
    name: 'PLAN',
    category: 'category',
    type: 'category',
    enumeration: PLANS.map((label, i) => ({ value: i + 1, label })),
  });
  brevo.addAttribute({ name: 'INTERESTS', category: 'normal', type: 'multiple-choice', multiCategoryOptions: TAGS });
  brevo.addAttribute({ name: 'SIGNUP_DATE', category: 'normal', type: 'date' });
  brevo.addAttribute({ name: 'NEWSLETTER', category: 'normal', type: 'boolean' });
  brevo.addAttribute({ name: 'SEATS', category: 'normal', type: 'float' });
  brevo.addAttribute({ name: 'CUSTOMER_ID', category: 'normal', type: 'text' });
  brevo.addAttribute({ name: 'LIFECYCLE_STAGE', category: 'normal', type: 'text' });
}

/**
 * Seeds a Customers database with `rows` rows whose edit times are spread `stepMs` apart, ending
 * `endAgoMs` before now. Returns the database's ids.
 */
export function seedSandbox(
  notion: NotionSimulator,
  brevo: BrevoSimulator,
  opts: { rows: number; stepMs?: number; databaseId?: string; now?: number; workspace?: boolean },
): { databaseId: string; dataSourceId: string; pageIds: string[]; docsRootId?: string } {
  const db = notion.addDatabase({
    id: opts.databaseId ?? SANDBOX_DATABASE_ID,
    title: 'Customers',
    properties: sandboxSchema(),
  });
  const ds = db.dataSources[0];
  if (!ds) throw new Error('sandbox database has no data source');
  const step = opts.stepMs ?? 60_000;
  const now = opts.now ?? Date.now();
  const start = now - (opts.rows + 5) * step;
  const pages = notion.addPages(
    ds.id,
    Array.from({ length: opts.rows }, (_, i) => ({ properties: sandboxRow(i) })),
    { start, stepMs: step },
  );
  seedBrevoAttributes(brevo);
  // The users, Leads and Docs come after the Customers rows, so those rows are exactly as before.
  const workspace = opts.workspace !== false ? seedSandboxWorkspace(notion) : undefined;
  return { databaseId: db.id, dataSourceId: ds.id, pageIds: pages.map((p) => p.id), docsRootId: workspace?.docsRootId };
}

/** Workspace members of the sandbox: people with emails, a guest (never listed) and another bot. */
export const SANDBOX_NOTION_USERS = [
  { id: '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d41', name: 'Ada Lovelace', type: 'person', email: 'ada@sandbox.example.com' },
  { id: '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d42', name: 'Grace Hopper', type: 'person', email: 'grace@sandbox.example.com' },
  { id: '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d43', name: 'Alan Turing', type: 'person', email: 'alan@sandbox.example.com' },
  {
    id: '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d44',
    name: 'Gina Guest',
    type: 'person',
    email: 'gina@partner.example.org',
    guest: true,
  },
  { id: '5b1e2c3d4f5a4b6c8d7e9f0a1b2c3d45', name: 'Calendar bot', type: 'bot' },
] as const;

export function leadsSchema() {
  return {
    Name: { type: 'title' as const },
    Email: { type: 'email' as const },
    'Converted Date': { type: 'date' as const },
    // The product docs' shape: their SDK query filters on a Status select (Active) and sorts by Last Contact.
    Status: { type: 'select' as const, options: ['New', 'Active', 'Contacted', 'Converted'] },
    'Last Contact': { type: 'date' as const },
  };
}

/**
 * Additive sandbox content beside the Customers database: workspace users, a small "Leads" data
 * source (target of a Brevo → Notion demo) and a "Docs" tree of nested, realistic content pages.
 * Seeding it adds no Customers rows and changes none.
 */
export function seedSandboxWorkspace(
  notion: NotionSimulator,
  opts: { docsPages?: number } = {},
): { leadsDataSourceId: string; docsRootId: string; docsPageIds: string[]; userIds: string[] } {
  const userIds = SANDBOX_NOTION_USERS.map((u) => notion.addUser({ ...u }).id);
  const leads = notion.addDatabase({ id: SANDBOX_LEADS_DATABASE_ID, title: 'Leads', properties: leadsSchema() });
  const leadsDs = leads.dataSources[0];
  if (!leadsDs) throw new Error('sandbox Leads database has no data source');
  const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];
  people.forEach((name, i) => {
    notion.addPage(leadsDs.id, {
      properties: {
        Name: name,
        Email: `${name.split(' ')[0]!.toLowerCase()}.lead@example.com`,
        'Converted Date': i === 2 ? null : `2026-0${i + 1}-15`,
        // Two active leads, so the docs' query (Status = Active, by Last Contact) has rows to sort.
        Status: i === 0 ? 'Converted' : 'Active',
        'Last Contact': `2026-0${i + 4}-10`,
      },
    });
  });
  const docs = seedDocsTree(notion, { pages: opts.docsPages ?? SANDBOX_DOCS_PAGES, title: 'Docs' });
  // A page that links to the Leads database, as a team wiki would.
  notion.appendBlocks(docs.rootId, [blocks.heading(2, 'Databases'), blocks.childDatabase(leads.id, 'Leads')]);
  return { leadsDataSourceId: leadsDs.id, docsRootId: docs.rootId, docsPageIds: docs.pageIds, userIds };
}

export function newsletterSchema() {
  return {
    Name: { type: 'title' as const },
    Status: { type: 'status' as const, options: ['Draft', 'Ready', 'Published'] },
    Subject: { type: 'rich_text' as const },
    'Send on': { type: 'date' as const },
  };
}

/** A newsletter issue with every structure an email must carry (headings, lists, links, images...). */
export function newsletterContent(): BlockInput[] {
  return [
    blocks.paragraph('Hello from the Tajo sandbox! This issue was written in Notion and sent by Brevo.'),
    blocks.heading(2, 'What is new'),
    blocks.bullet('Published pages become email campaigns'),
    blocks.bullet('Each page version is sent exactly once', [blocks.bullet('even when the poll and a webhook meet')]),
    blocks.numbered('Write the page in Notion'),
    blocks.numbered('Set its Status to Published'),
    {
      type: 'paragraph',
      paragraph: {
        rich_text: [
          richText('Read the '),
          richText('release notes', 'https://example.com/release-notes'),
          richText('.'),
        ],
      },
    },
    blocks.imageExternal('https://images.example.com/newsletter/banner.png', 'This month in one picture'),
    blocks.quote('Ship small, ship often.'),
    blocks.callout('Replies to this email reach the team.', '📣'),
    blocks.heading(3, 'For developers'),
    blocks.code('npx tajo connectors sync notion --json', 'shell'),
    blocks.table(
      [
        ['Plan', 'Seats', 'Price'],
        ['Free', '1', '0 €'],
        ['Pro', '10', '49 €'],
      ],
      { columnHeader: true },
    ),
    blocks.divider(),
    blocks.paragraph('See you next month.'),
  ];
}

/**
 * The publishing demo beside the Customers database: a "Newsletters" database with one Published
 * issue (rich content) and one Draft, and the Brevo "Newsletter" list with a few subscribers. The
 * config of sandboxConfigYaml({ newsletter: true }) publishes it to that list.
 */
export function seedSandboxNewsletter(
  notion: NotionSimulator,
  brevo: BrevoSimulator,
): { databaseId: string; dataSourceId: string; publishedPageId: string; draftPageId: string; listId: number } {
  const db = notion.addDatabase({
    id: SANDBOX_NEWSLETTER_DATABASE_ID,
    title: 'Newsletters',
    properties: newsletterSchema(),
  });
  const ds = db.dataSources[0];
  if (!ds) throw new Error('sandbox Newsletters database has no data source');
  const published = notion.addPage(ds.id, {
    properties: { Name: 'Sandbox news: what is new', Status: 'Published', Subject: 'What is new in the sandbox' },
  });
  notion.appendBlocks(published.id, newsletterContent());
  const draft = notion.addPage(ds.id, {
    properties: { Name: 'Next issue', Status: 'Draft', Subject: 'Coming next', 'Send on': '2030-01-06' },
  });
  notion.appendBlocks(draft.id, [blocks.paragraph('Work in progress.')]);
  const list =
    brevo.lists().find((l) => l.name === SANDBOX_NEWSLETTER_LIST) ?? brevo.addList({ name: SANDBOX_NEWSLETTER_LIST });
  for (const name of ['ada', 'grace', 'alan']) {
    if (!brevo.getContact(`${name}.reader@example.com`)) {
      brevo.addContact({ email: `${name}.reader@example.com`, listIds: [list.id] });
    }
  }
  return {
    databaseId: db.id,
    dataSourceId: ds.id,
    publishedPageId: published.id,
    draftPageId: draft.id,
    listId: list.id,
  };
}

/** The Newsletters entry of the sandbox config: Published pages → campaigns to the Newsletter list. */
function newsletterConfigYaml(): string {
  return `      - id: "${SANDBOX_NEWSLETTER_DATABASE_ID}"
        name: Newsletters
        # A page moved to Status = Published becomes a Brevo email campaign to the Newsletter list,
        # once per version. No field_mapping or sync_to_list: its rows are articles, not contacts.
        publish:
          when: { property: Status, equals: Published }
          list: ${SANDBOX_NEWSLETTER_LIST}
          sender: { email: ${SANDBOX_SENDER_EMAIL}, name: Sandbox news }
          subject_property: Subject
          schedule: { property: Send on, time: "09:00", timezone: UTC }
          footer_text: Sandbox Inc., 1 Example Street, Paris
          # The demo issue is Published already: mail it on the first sync. The default, skip,
          # never mails pages that were Published before publishing was switched on.
          existing: send
`;
}

/** The demo tajo.yaml used when no config is given (tokens from the environment, sandbox by default). */
export function sandboxConfigYaml(opts: { newsletter?: boolean } = {}): string {
  const mapping = Object.entries(SANDBOX_FIELD_MAPPING)
    .map(([prop, m]) => `          ${JSON.stringify(prop)}: { type: ${m.type}, target: ${m.target} }`)
    .join('\n');
  return `# Tajo sandbox config: a demo Notion database synced into a Brevo list.
brevo:
  api_key: \${BREVO_API_KEY:-${SANDBOX_BREVO_KEY}}
connectors:
  notion:
    enabled: true
    token: \${NOTION_TOKEN:-${SANDBOX_NOTION_TOKEN}}
    api_version: "2025-09-03"
    default_country_code: "33"
    sync:
      databases: true
    databases:
      - id: "${SANDBOX_DATABASE_ID}"
        name: Customers
        sync_to_list: ${SANDBOX_LIST}
        field_mapping:
${mapping}
${opts.newsletter ? newsletterConfigYaml() : ''}    rules:
      # Brevo → Notion: a contact whose LIFECYCLE_STAGE becomes "customer" gets a page in Leads.
      - name: converted-leads
        when: { event: contact_updated, attribute: LIFECYCLE_STAGE, becomes: customer }
        database: "${SANDBOX_LEADS_DATABASE_ID}"
        match_by: Email
        properties:
          Name: "{{contact.FIRSTNAME}} {{contact.LASTNAME}}"
          Email: "{{email}}"
          Converted Date: "{{event.date}}"
          Status: Converted
  slack:
    enabled: true
    bot_token: \${SLACK_BOT_TOKEN:-${SANDBOX_SLACK_TOKEN}}
    signing_secret: \${SLACK_SIGNING_SECRET:-${SANDBOX_SLACK_SIGNING_SECRET}}
    channels:
      marketing: ${SANDBOX_SLACK_CHANNEL}
    notifications:
      new_subscriber: { channel: marketing }
      unsubscribed: { channel: marketing }
      campaign_sent: { channel: marketing }
      order_placed: { channel: marketing, threshold: 100 }
      cart_abandoned:
        channel: marketing
        delay_minutes: \${TAJO_SANDBOX_CART_DELAY_MINUTES:-30}
      ticket_created: { channel: marketing }
    summaries:
      timezone: UTC
      daily: { channel: marketing, at: "09:00" }
      weekly: { channel: marketing, day: monday, at: "09:00" }
    users:
      sync_to_list: Slack members
      schedule: daily
    interactions:
      add_to_newsletter: { action: add_to_list, list: Newsletter }
      mark_vip: { action: set_attribute, attribute: LIFECYCLE_STAGE, value: VIP }
      new_contact: { action: create_contact, list: Leads, fields: { email_input: email, name_input: FIRSTNAME } }
      add_author: { action: add_author_to_list, list: Slack authors }
`;
}
