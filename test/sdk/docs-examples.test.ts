/**
 * product-docs.md §1 (Notion) and §2 (Slack): the SDK examples exactly as printed, placeholders
 * replaced (abc123def456 → the sandbox Customers database, ghi789jkl012 → its Leads database,
 * targetList 25 → the sandbox list, channel `sales` → an alias the config gives), against the
 * local stack that `npm start` runs. The routes they need (GET /me, runs, Notion query/pages,
 * Slack notify, event endpoints) come from the other parts of issue 15: this passes after the merge.
 */
import type { LocalStack } from '../../local/stack';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_DATABASE_ID,
  SANDBOX_LEADS_DATABASE_ID,
  SANDBOX_LIST,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_CHANNEL,
  SANDBOX_SLACK_SIGNING_SECRET,
  SANDBOX_SLACK_TOKEN,
  sandboxConfigYaml,
} from '../../sandbox/sandbox';
import { type Listener, TajoClient } from '../../sdk/src';
import { contactUpdated } from '../notifications/fixtures';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

// lead: enable after merge
describe.skip('the docs SDK examples, as printed, against the local stack', () => {
  let sandbox: SandboxStack;
  let stack: LocalStack;
  let listener: Listener | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The Slack page's `sales` alias, beside the sandbox's `marketing`.
    const configYaml = sandboxConfigYaml().replace(
      `      marketing: ${SANDBOX_SLACK_CHANNEL}\n`,
      `      marketing: ${SANDBOX_SLACK_CHANNEL}\n      sales: ${SANDBOX_SLACK_CHANNEL}\n`,
    );
    sandbox = await startSandboxStack({ sandboxRows: 30, configYaml });
    stack = sandbox.stack;
    Object.assign(process.env, {
      TAJO_API_URL: stack.url,
      TAJO_API_KEY: stack.apiKey,
      BREVO_API_KEY: SANDBOX_BREVO_KEY,
      NOTION_TOKEN: SANDBOX_NOTION_TOKEN,
      SLACK_BOT_TOKEN: SANDBOX_SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SANDBOX_SLACK_SIGNING_SECRET,
    });
  }, 60_000);

  afterAll(async () => {
    await listener?.close();
    await sandbox?.stop();
    process.env = saved;
  });

  test('§1 Notion: connect, sync, status, query, and the event handler that creates a Leads page', async () => {
    const targetList = stack.sandbox?.brevo.lists().find((l) => l.name === SANDBOX_LIST)?.id as number;
    // ---- as printed (placeholders replaced)
    const tajo = new TajoClient({ apiKey: process.env.TAJO_API_KEY, brevoApiKey: process.env.BREVO_API_KEY });
    await tajo.connectors.connect('notion', { token: process.env.NOTION_TOKEN });
    await tajo.connectors.sync('notion', {
      type: 'full',
      resources: ['databases'],
      databaseId: SANDBOX_DATABASE_ID,
      targetList,
    });
    const status = await tajo.connectors.status('notion');
    const results = await tajo.connectors.query('notion', {
      databaseId: SANDBOX_DATABASE_ID,
      filter: { property: 'Status', select: { equals: 'Active' } },
      sorts: [{ property: 'Last Contact', direction: 'descending' }],
    });
    tajo.events.on('contact.attribute_updated', async (event) => {
      if (event.attribute === 'LIFECYCLE_STAGE' && event.value === 'customer') {
        await tajo.connectors.create('notion', {
          databaseId: SANDBOX_LEADS_DATABASE_ID,
          properties: {
            Name: { title: [{ text: { content: event.contact.name } }] },
            Email: { email: event.contact.email },
            'Converted Date': { date: { start: new Date().toISOString() } },
          },
        });
      }
    });
    // ---- end of the printed example

    expect(status).toMatchObject({
      connected: true,
      databasesSynced: expect.any(Number),
      pagesTracked: expect.any(Number),
      usersCount: expect.any(Number),
    });
    expect(results).toMatchObject({ results: expect.any(Array), hasMore: expect.any(Boolean) });

    // What a developer running it locally adds: a server the service delivers to.
    listener = await tajo.events.listen();
    const email = 'converted@example.com';
    const brevoWebhook = await fetch(`${stack.url}/webhooks/brevo/${stack.tenantId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        contactUpdated({ email, content: [{ FIRSTNAME: 'Conv', LIFECYCLE_STAGE: 'customer' }], api_key_name: '' }),
      ),
    });
    expect(brevoWebhook.status).toBeLessThan(300);
    let created = 0;
    for (let i = 0; i < 100 && created === 0; i++) {
      const leads = await tajo.connectors.query('notion', {
        databaseId: SANDBOX_LEADS_DATABASE_ID,
        filter: { property: 'Email', email: { equals: email } },
      });
      created = leads.results.length;
      if (created === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(created).toBeGreaterThan(0);
  }, 120_000);

  test('§2 Slack: connect, then the order notification with its Block Kit template', async () => {
    const tajo = new TajoClient({ apiKey: process.env.TAJO_API_KEY, brevoApiKey: process.env.BREVO_API_KEY });
    // ---- as printed
    await tajo.connectors.connect('slack', {
      botToken: process.env.SLACK_BOT_TOKEN,
      signingSecret: process.env.SLACK_SIGNING_SECRET,
    });
    await tajo.slack.notify({
      channel: 'sales',
      event: 'order_placed',
      data: {
        customerEmail: 'jane@example.com',
        orderValue: '$1,250.00',
        products: ['Premium Widget', 'Pro Service'],
        isFirstOrder: true,
      },
      template: {
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'New High-Value Order' } },
          {
            type: 'section',
            fields: [
              { type: 'mrkdwn', text: '*Customer:*\njane@example.com' },
              { type: 'mrkdwn', text: '*Amount:*\n$1,250.00' },
            ],
          },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'View in Brevo' },
                url: 'https://app.brevo.com/contacts',
              },
            ],
          },
        ],
      },
    });
    // ---- end of the printed example
    const slack = stack.sandbox?.slack;
    let posted: unknown[] = [];
    for (let i = 0; i < 100 && posted.length === 0; i++) {
      posted = (slack?.messages(SANDBOX_SLACK_CHANNEL) ?? []).filter((m) =>
        JSON.stringify(m).includes('New High-Value Order'),
      );
      if (posted.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(posted).toHaveLength(1);
  }, 60_000);
});
