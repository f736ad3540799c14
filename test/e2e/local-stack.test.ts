/**
 * The local stack end to end: the Lambda bundles behind the local API Gateway, lanes on fauxqs,
 * state in dynalite, the sandbox simulators. What `npm start` runs, driven over HTTP.
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
  sandboxRow,
} from '../../sandbox/sandbox';
import { signSlackRequest } from '../../shared/connectors/slack/signature';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { listAddition, marketingEvent } from '../notifications/fixtures';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

let stack: LocalStack;
let sandbox: SandboxStack;

beforeAll(async () => {
  // No wait for the e2e: the cart still travels through the timer queue and its worker.
  sandbox = await startSandboxStack({ sandboxRows: 120, env: { TAJO_SANDBOX_CART_DELAY_MINUTES: '0' } });
  stack = sandbox.stack;
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
});

const api = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${stack.url}${path}`, {
    ...init,
    headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), 'content-type': 'application/json' },
  });

async function waitForRuns(count: number): Promise<Awaited<ReturnType<typeof stack.dynamo.store.listRuns>>> {
  for (let i = 0; i < 300; i++) {
    const runs = await stack.dynamo.store.listRuns('default', 'notion', 20);
    if (runs.length >= count && runs.every((r) => r.status !== 'running')) return runs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('runs did not finish');
}

test('the first sync brings the sandbox database into the sandbox Brevo list', async () => {
  const run = await stack.syncAndWait('incremental', 60_000);
  expect(run.status).toBe('succeeded');
  expect(run.summary.upserted).toBe(120);
  const brevo = stack.sandbox!.brevo;
  const list = brevo.lists().find((l) => l.name === SANDBOX_LIST)!;
  expect(brevo.listMembers(list.id)).toHaveLength(120);
  expect(brevo.getContact(sandboxRow(11).Email as string)?.attributes.SEATS).toBe(12);
  // The connection's poll schedule exists, every 4 hours, for this tenant.
  expect(stack.scheduler.ensured.get('notionPoll/notion-default')).toMatchObject({
    schedule: 'notionPoll',
    input: { tenantId: 'default' },
  });
  // The sandbox's Slack connection gets its daily job, armed for the next 00:15 in its zone.
  const daily = stack.scheduler.ensured.get('slackDaily/slack-default');
  expect(daily).toMatchObject({ schedule: 'slackDaily', input: { tenantId: 'default' } });
  expect(daily?.nextAt).toBeGreaterThan(Date.now());
  expect(daily?.nextAt).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
});

test("the first sync's publishing pass sends the sandbox's Published newsletter as one Brevo campaign", async () => {
  const sync = (await stack.dynamo.store.listRuns('default', 'notion', 20)).find((r) => r.job === undefined);
  expect(sync?.summary.publish).toMatchObject({ entered: 1 });
  const pass = await stack.waitForPublishRun(sync?.runId as string, 60_000);
  const { brevo, newsletter } = stack.sandbox!;
  const campaigns = brevo.campaigns();
  expect(campaigns).toHaveLength(1);
  expect(campaigns[0]).toMatchObject({
    status: 'sent',
    subject: 'What is new in the sandbox',
    recipients: { listIds: [newsletter.listId] },
  });
  expect(campaigns[0]?.htmlContent).toMatch(/<table[\s\S]*<pre[\s\S]*\{\{ unsubscribe \}\}/);
  expect(pass?.summary.publish?.campaigns).toEqual([
    expect.objectContaining({ pageId: newsletter.publishedPageId, campaignId: campaigns[0]?.id, status: 'sent' }),
  ]);
  const status = (await (await api('/tenants/default/connections/notion/status', { key: stack.apiKey })).json()) as {
    lastPublishRun: { summary: { publish: { campaigns: { campaignId: number }[] } } };
  };
  expect(status.lastPublishRun.summary.publish.campaigns[0]?.campaignId).toBe(campaigns[0]?.id);
});

test('the management API: health, auth, tenant isolation, sync now, status', async () => {
  expect(await (await api('/health')).json()).toMatchObject({ ok: true });
  expect((await api('/tenants/default/connections/notion/status')).status).toBe(401);
  expect((await api('/tenants/default/connections/notion/status', { key: 'tajo_wrong' })).status).toBe(404);
  expect((await api('/tenants/other/connections/notion/status', { key: stack.apiKey })).status).toBe(404);
  expect((await api('/nope')).status).toBe(404);

  const before = (await stack.dynamo.store.listRuns('default', 'notion', 20)).length;
  stack.sandbox!.notion.updatePage(stack.sandbox!.pageIds[5] as string, { Seats: 99 });
  const res = await api('/tenants/default/connections/notion/sync', { method: 'POST', key: stack.apiKey, body: '{}' });
  expect(res.status).toBe(202);
  const runs = await waitForRuns(before + 1);
  expect(runs[0]?.summary.upserted).toBe(1);

  const status = (await (await api('/tenants/default/connections/notion/status', { key: stack.apiKey })).json()) as {
    lastRun: { status: string; checkpoint?: unknown };
    databases: { name: string }[];
  };
  expect(status.lastRun.status).toBe('succeeded');
  expect(status.lastRun.checkpoint).toBeUndefined();
  expect(status.databases[0]?.name).toBe('Customers');

  // A body cannot name another tenant or smuggle fields: refused, nothing queued.
  const bad = await api('/tenants/default/connections/notion/sync', {
    method: 'POST',
    key: stack.apiKey,
    body: '{"tenantId":"other"}',
  });
  expect(bad.status).toBe(400);
});

test('the scheduled poller starts an incremental sync through the lane', async () => {
  const before = (await stack.dynamo.store.listRuns('default', 'notion', 20)).length;
  const result = (await stack.functions.notionPoller(
    { tenantId: 'default' },
    { getRemainingTimeInMillis: () => 60_000 },
  )) as {
    queued: number;
  };
  expect(result.queued).toBe(1);
  const runs = await waitForRuns(before + 1);
  expect(runs[0]).toMatchObject({ trigger: 'schedule', mode: 'incremental', status: 'succeeded' });
  expect(runs[0]?.summary.upserted).toBe(0);
});

describe('Brevo → Slack notifications', () => {
  const post = (body: unknown, token = stack.webhookToken) =>
    fetch(`${stack.url}/webhooks/brevo/default`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function messagesIn(channel: string, count: number) {
    for (let i = 0; i < 200; i++) {
      const m = stack.sandbox!.slack!.messages(channel);
      if (m.length >= count) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`fewer than ${count} messages in ${channel}`);
  }

  test('a webhook is acked at once and the message reaches the right channel, related ones in its thread', async () => {
    const slack = stack.sandbox!.slack!;
    const before = slack.messages(SANDBOX_SLACK_CHANNEL).length;
    const res = await post(listAddition({ email: 'thread.me@example.com', ts: 1793697302 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const [first] = (await messagesIn(SANDBOX_SLACK_CHANNEL, before + 1)).slice(before);
    expect(first!.text).toMatch(/thread\.me@example\.com/);
    expect(first!.thread_ts).toBeUndefined();

    // The same contact unsubscribes: the notification goes into the first one's thread.
    await post(marketingEvent('unsubscribed', { email: 'thread.me@example.com', ts: 1793697402 }));
    const all = await messagesIn(SANDBOX_SLACK_CHANNEL, before + 2);
    const reply = all[before + 1]!;
    expect(reply.thread_ts).toBe(first!.ts);
    expect(reply.text).toMatch(/unsubscribed/i);

    // Brevo retries the first delivery: it is not posted twice.
    await post(listAddition({ email: 'thread.me@example.com', ts: 1793697302 }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      // A parent carries its own ts as thread_ts once it has replies.
      slack
        .messages(SANDBOX_SLACK_CHANNEL)
        .filter((m) => m.text.includes('thread.me@example.com') && (!m.thread_ts || m.thread_ts === m.ts)),
    ).toHaveLength(1);
  });

  test('a burst for one channel becomes one digest, not a queue of single posts', async () => {
    const slack = stack.sandbox!.slack!;
    const before = slack.messages(SANDBOX_SLACK_CHANNEL).length;
    const burst = Array.from({ length: 8 }, (_, i) =>
      listAddition({ email: `burst${i}@example.com`, ts: 1793698000 + i }),
    );
    const res = await post(burst); // one batched delivery, as Brevo's batched webhooks send
    expect(await res.json()).toMatchObject({ accepted: 8, queued: 1 });
    await messagesIn(SANDBOX_SLACK_CHANNEL, before + 1);
    await new Promise((r) => setTimeout(r, 1500));
    const posted = slack.messages(SANDBOX_SLACK_CHANNEL).slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toMatch(/\b8\b/);
    expect(slack.stats().rateLimited).toBe(0);
  });

  test('a wrong or missing token is refused and queues nothing; a malformed body is a 400', async () => {
    const slack = stack.sandbox!.slack!;
    const before = slack.messages(SANDBOX_SLACK_CHANNEL).length;
    expect((await post(listAddition({ email: 'x@example.com' }), 'whk_wrong')).status).toBe(401);
    const missing = await fetch(`${stack.url}/webhooks/brevo/default`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    const otherTenant = await fetch(`${stack.url}/webhooks/brevo/other`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.webhookToken}` },
      body: JSON.stringify(listAddition()),
    });
    expect(otherTenant.status).toBe(401);
    const malformed = await fetch(`${stack.url}/webhooks/brevo/default`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.messages(SANDBOX_SLACK_CHANNEL)).toHaveLength(before);
  });
});

describe('Brevo → Notion rules (the sandbox rule: LIFECYCLE_STAGE becomes customer → a Leads page)', () => {
  test('a contact_updated webhook creates the lead page through the Notion lane; status shows the run', async () => {
    const notion = stack.sandbox!.notion;
    const db = (await (
      await fetch(`${notion.baseUrl}/v1/databases/${SANDBOX_LEADS_DATABASE_ID}`, {
        headers: { authorization: `Bearer ${SANDBOX_NOTION_TOKEN}`, 'notion-version': '2025-09-03' },
      })
    ).json()) as { data_sources: { id: string }[] };
    const leadsSource = db.data_sources[0]!.id;
    const emails = () =>
      notion
        .pageIds(leadsSource)
        .map((id) => (notion.getPage(id).properties as { Email: { email: string | null } }).Email.email);
    const before = notion.pageIds(leadsSource).length;

    const res = await fetch(`${stack.url}/webhooks/brevo/default`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 9,
        event: 'contact_updated',
        email: 'new.customer@example.com',
        content: [{ LIFECYCLE_STAGE: 'customer', FIRSTNAME: 'Nina', LASTNAME: 'Newton' }],
        date: '2026-11-22 10:00:05',
        ts: Math.floor(Date.now() / 1000),
        api_key_name: '',
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ notion: { queued: 1 } });
    for (let i = 0; i < 200 && !emails().includes('new.customer@example.com'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(notion.pageIds(leadsSource)).toHaveLength(before + 1);
    const page = notion.getPage(notion.pageIds(leadsSource).at(-1)!) as {
      properties: { Name: { title: { plain_text: string }[] }; Status: { select: { name: string } } };
    };
    expect(page.properties.Name.title.map((t) => t.plain_text).join('')).toBe('Nina Newton');
    expect(page.properties.Status.select.name).toBe('Converted');

    const status = (await (await api('/tenants/default/connections/notion/status', { key: stack.apiKey })).json()) as {
      rules: { configured: { name: string }[]; recentRuns: { created: number; status: string }[] };
    };
    expect(status.rules.configured.map((r) => r.name)).toEqual(['converted-leads']);
    expect(status.rules.recentRuns[0]).toMatchObject({ status: 'succeeded', created: 1 });
  });
});

describe('abandoned carts (timer queue)', () => {
  const post = (body: unknown) =>
    fetch(`${stack.url}/webhooks/brevo/default`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const cart = (id: string, email: string) => ({
    event: 'cart_abandoned',
    id,
    occurred_at: new Date().toISOString(),
    contact: { email },
    cart: { id, total: 80, currency: 'EUR' },
  });

  test('a cart still abandoned is posted after its delay; one bought meanwhile is not', async () => {
    const slack = stack.sandbox!.slack!;
    const before = slack.messages(SANDBOX_SLACK_CHANNEL).length;
    // Bought: the order is recorded before the timer worker checks the cart.
    await post({
      event: 'order_placed',
      id: 'o-e2e-1',
      occurred_at: new Date(Date.now() + 1000).toISOString(),
      contact: { email: 'bought@example.com' },
      order: { id: 'o-e2e-1', total: 20, currency: 'EUR' },
    });
    const bought = await post(cart('cart-bought', 'bought@example.com'));
    expect(await bought.json()).toMatchObject({ accepted: 1, delayed: 1 });
    const kept = await post(cart('cart-kept', 'kept@example.com'));
    expect(await kept.json()).toMatchObject({ accepted: 1, delayed: 1 });

    let texts: string[] = [];
    for (let i = 0; i < 200 && !texts.some((t) => t.includes('cart-kept') || t.includes('kept@example.com')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      texts = slack
        .messages(SANDBOX_SLACK_CHANNEL)
        .slice(before)
        .map((m) => m.text ?? '');
    }
    expect(texts.some((t) => t.includes('kept@example.com'))).toBe(true);
    // Give the other timer the same time: it must never post.
    await new Promise((r) => setTimeout(r, 1500));
    texts = slack
      .messages(SANDBOX_SLACK_CHANNEL)
      .slice(before)
      .map((m) => m.text ?? '');
    expect(texts.some((t) => t.includes('bought@example.com'))).toBe(false);
    expect(stack.runners.timerWorker?.invocations).toBeGreaterThan(0);
  });
});

describe('Slack → Brevo (signed interactions of the tenant app)', () => {
  const slackPost = (kind: 'events' | 'interactions', body: string, opts: { secret?: string; retry?: string } = {}) => {
    const ts = Math.floor(Date.now() / 1000);
    return fetch(`${stack.url}/slack/default/${kind}`, {
      method: 'POST',
      headers: {
        'content-type': kind === 'events' ? 'application/json' : 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(body, opts.secret ?? SANDBOX_SLACK_SIGNING_SECRET, ts),
        ...(opts.retry ? { 'x-slack-retry-num': opts.retry } : {}),
      },
      body,
    });
  };
  const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

  async function contactIn(list: string, email: string) {
    const brevo = stack.sandbox!.brevo;
    for (let i = 0; i < 100; i++) {
      const l = brevo.lists().find((x) => x.name === list);
      if (l && brevo.listMembers(l.id).includes(email)) return brevo.getContact(email);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${email} never reached list ${list}`);
  }

  test('url_verification is answered; a forged or missing signature is refused', async () => {
    const challenge = await slackPost('events', JSON.stringify({ type: 'url_verification', challenge: 'c-123' }));
    expect(challenge.status).toBe(200);
    expect(await challenge.json()).toEqual({ challenge: 'c-123' });
    const forged = await slackPost('events', JSON.stringify({ type: 'url_verification', challenge: 'x' }), {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${stack.url}/slack/default/interactions`, { method: 'POST', body: 'payload=%7B%7D' });
    expect(unsigned.status).toBe(400);
  });

  test('a button adds the contact to a list; a retry of the same request has one effect', async () => {
    const payload = {
      type: 'block_actions',
      trigger_id: 'trg-1',
      actions: [{ action_id: 'add_to_newsletter', value: 'clicker@example.com', action_ts: '1795370000.000001' }],
    };
    expect((await slackPost('interactions', form(payload))).status).toBe(200);
    expect((await slackPost('interactions', form(payload), { retry: '1' })).status).toBe(200);
    await contactIn('Newsletter', 'clicker@example.com');
    const upserts = stack.sandbox!.brevo.log.records.filter(
      (r) => r.route === 'POST /v3/contacts' && JSON.stringify(r.body).includes('clicker@example.com'),
    );
    expect(upserts).toHaveLength(1);
  });

  test('a modal with an invalid email gets errors in the modal; a valid one creates the contact', async () => {
    const view = (email: string) => ({
      type: 'view_submission',
      view: {
        id: `V-${email}`,
        callback_id: 'new_contact',
        hash: 'h1',
        state: {
          values: {
            email_block: { email_input: { type: 'plain_text_input', value: email } },
            name_block: { name_input: { type: 'plain_text_input', value: 'Grace' } },
          },
        },
      },
    });
    const bad = await slackPost('interactions', form(view('not-an-email')));
    expect(await bad.json()).toEqual({
      response_action: 'errors',
      errors: { email_block: 'Enter a valid email address' },
    });
    const good = await slackPost('interactions', form(view('grace@example.com')));
    expect(await good.json()).toEqual({ response_action: 'clear' });
    const contact = await contactIn('Leads', 'grace@example.com');
    expect(contact?.attributes.FIRSTNAME).toBe('Grace');
  });

  test('a message shortcut adds the message author (their Slack email) to a list', async () => {
    const payload = {
      type: 'message_action',
      callback_id: 'add_author',
      trigger_id: 'trg-2',
      action_ts: '1795370001.000001',
      message: { ts: '1795369000.000100', user: 'U0AUTHOR', text: 'hello' },
      user: { id: 'U0CLICKER' },
      channel: { id: SANDBOX_SLACK_CHANNEL },
    };
    expect((await slackPost('interactions', form(payload))).status).toBe(200);
    await contactIn('Slack authors', 'ada.author@example.com');
  });
});

describe("Slack → Brevo (the deployment's distributed app: team → tenant)", () => {
  const appPost = (
    kind: 'events' | 'interactions',
    body: string,
    opts: { secret?: string; ts?: number; retry?: string } = {},
  ) => {
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    return fetch(`${stack.url}/slack/${kind}`, {
      method: 'POST',
      headers: {
        'content-type': kind === 'events' ? 'application/json' : 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(body, opts.secret ?? stack.slackAppSigningSecret, ts),
        ...(opts.retry ? { 'x-slack-retry-num': opts.retry } : {}),
      },
      body,
    });
  };
  const click = (teamId: string, email: string, triggerId: string) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        team: { id: teamId },
        user: { id: 'U0CLICKER', team_id: teamId },
        trigger_id: triggerId,
        actions: [{ action_id: 'add_to_newsletter', value: email, action_ts: '1795380000.000001' }],
      }),
    )}`;
  const upsertsOf = (email: string) =>
    stack.sandbox!.brevo.log.records.filter(
      (r) => r.route === 'POST /v3/contacts' && JSON.stringify(r.body).includes(email),
    );

  test('the local stack maps the sandbox workspace to the default tenant when Slack is connected', async () => {
    expect(await stack.dynamo.store.findSlackTeam({ isEnterpriseInstall: false, teamId: 'T0SANDBOX' })).toMatchObject({
      tenantId: 'default',
    });
  });

  test('url_verification with the app secret; forged, stale and tenant-app signatures are 401', async () => {
    const verify = JSON.stringify({ type: 'url_verification', challenge: 'app-c-1' });
    const ok = await appPost('events', verify);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: 'app-c-1' });
    expect((await appPost('events', verify, { secret: 'forged' })).status).toBe(401);
    expect((await appPost('events', verify, { ts: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    const withTenantSecret = await appPost('interactions', click('T0SANDBOX', 'own@example.com', 'trg-own'), {
      secret: SANDBOX_SLACK_SIGNING_SECRET,
    });
    expect(withTenantSecret.status).toBe(401);
  });

  test('a signed click from the connected workspace reaches Brevo for its tenant; a retry has one effect', async () => {
    const body = click('T0SANDBOX', 'app.clicker@example.com', 'trg-app-1');
    expect((await appPost('interactions', body)).status).toBe(200);
    expect((await appPost('interactions', body, { retry: '1' })).status).toBe(200);
    const brevo = stack.sandbox!.brevo;
    for (let i = 0; i < 100 && upsertsOf('app.clicker@example.com').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(upsertsOf('app.clicker@example.com')).toHaveLength(1);
    const list = brevo.lists().find((l) => l.name === 'Newsletter')!;
    expect(brevo.listMembers(list.id)).toContain('app.clicker@example.com');
  });

  test('an unknown workspace: events get an empty 200, interactions a text; nothing reaches Brevo', async () => {
    const event = await appPost(
      'events',
      JSON.stringify({ type: 'event_callback', team_id: 'T0UNKNOWN', event: { type: 'app_mention' } }),
    );
    expect(event.status).toBe(200);
    expect(await event.text()).toBe('');
    const interaction = await appPost('interactions', click('T0UNKNOWN', 'stranger@example.com', 'trg-app-2'));
    expect(interaction.status).toBe(200);
    expect(await interaction.json()).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
    await new Promise((r) => setTimeout(r, 500));
    expect(upsertsOf('stranger@example.com')).toHaveLength(0);
  });

  test("another tenant's workspace acts on that tenant only, never on the default tenant", async () => {
    // Tenant "beta" connected workspace T0BETA (no own app: it is reached through the distributed app).
    const now = new Date().toISOString();
    const brevoApiKeyRef = await stack.secrets.put('beta/brevo-api-key', 'xkeysib-not-the-sandbox');
    await stack.dynamo.store.putConnection({
      tenantId: 'beta',
      connector: 'slack',
      settings: {
        ...(await stack.dynamo.store.getConnection('default', 'slack'))!.settings,
        teamId: 'T0BETA',
      },
      tokenRef: await stack.secrets.put('beta/slack-bot-token', 'xoxb-beta'),
      brevoApiKeyRef,
      integrationKey: 'beta-slack',
      createdAt: now,
      updatedAt: now,
    });
    await stack.dynamo.store.claimSlackTeam({
      tenantId: 'beta',
      teamId: 'T0BETA',
      isEnterpriseInstall: false,
      createdAt: now,
    });
    // The workspace's click is Brevo work with beta's key (which the sandbox account refuses: 401),
    // never with the default tenant's.
    const refusedBefore = stack.sandbox!.brevo.log.records.filter((r) => r.status === 401).length;
    const res = await appPost('interactions', click('T0BETA', 'beta.clicker@example.com', 'trg-app-3'));
    expect(res.status).toBe(200);
    for (let i = 0; i < 100; i++) {
      if (stack.sandbox!.brevo.log.records.filter((r) => r.status === 401).length > refusedBefore) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stack.sandbox!.brevo.log.records.filter((r) => r.status === 401).length).toBeGreaterThan(refusedBefore);
    expect(upsertsOf('beta.clicker@example.com').filter((r) => r.status < 300)).toHaveLength(0);
    // Beta cannot claim the default tenant's workspace.
    await expect(
      stack.dynamo.store.claimSlackTeam({
        tenantId: 'beta',
        teamId: 'T0SANDBOX',
        isEnterpriseInstall: false,
        createdAt: now,
      }),
    ).rejects.toThrow(/already connected to another tenant/);
  });
});

describe('review fixes', () => {
  test('a Slack lane batch holding two message groups posts each message to its own channel', async () => {
    // C0SALES: the sandbox workspace's #sales (the docs' Slack page names it).
    const slack = stack.sandbox!.slack!;
    const message = (channelId: string, email: string) =>
      JSON.stringify({
        type: 'slack.notify',
        tenantId: 'default',
        channelId,
        threadKey: `contact:${email}`,
        template: 'default',
        event: {
          id: `mixed-${email}`,
          type: 'new_subscriber',
          occurredAt: new Date().toISOString(),
          contact: { email },
          source: 'brevo',
          raw: null,
        },
      });
    const record = (id: string, group: string, body: string) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body,
      attributes: { ApproximateReceiveCount: '1', MessageGroupId: group },
    });
    const before = { m: slack.messages(SANDBOX_SLACK_CHANNEL).length, s: slack.messages('C0SALES').length };
    const res = (await stack.functions.slackWorker(
      {
        // Four for #marketing (a burst: one digest there) and one for #sales (its own message).
        Records: [
          ...['a', 'c', 'd', 'e'].map((x, i) =>
            record(
              `m${i}`,
              `default:${SANDBOX_SLACK_CHANNEL}`,
              message(SANDBOX_SLACK_CHANNEL, `mixed.${x}@example.com`),
            ),
          ),
          record('m9', 'default:C0SALES', message('C0SALES', 'mixed.b@example.com')),
        ],
      },
      { getRemainingTimeInMillis: () => 60_000 },
    )) as { batchItemFailures: unknown[] };
    expect(res.batchItemFailures).toEqual([]);
    const marketing = slack.messages(SANDBOX_SLACK_CHANNEL).slice(before.m);
    expect(marketing).toHaveLength(1); // the digest of the four
    expect(JSON.stringify(marketing[0])).not.toContain('mixed.b@example.com');
    expect(
      slack
        .messages('C0SALES')
        .slice(before.s)
        .map((m) => m.text),
    ).toEqual([expect.stringContaining('mixed.b@example.com')]);
  });

  test('a signed Slack request from another workspace is refused', async () => {
    const body = `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        team: { id: 'T0SOMEONEELSE' },
        actions: [{ action_id: 'add_to_newsletter', value: 'intruder@example.com', action_ts: '1' }],
      }),
    )}`;
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${stack.url}/slack/default/interactions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(body, SANDBOX_SLACK_SIGNING_SECRET, ts),
      },
      body,
    });
    expect(res.status).toBe(403);
  });
});

describe('OAuth installs through the local stack (sandbox consent pages)', () => {
  const tenantId = 'oauth-e2e';
  let key: string;

  beforeAll(async () => {
    key = newApiKey();
    await stack.dynamo.store.putTenant({ tenantId, apiKeyHash: hashApiKey(key), createdAt: new Date().toISOString() });
  });

  /** The admin's steps: ask for the URL, open it (the sandbox consents), follow the redirect back. */
  async function install(connector: 'notion' | 'slack', config: unknown): Promise<Response> {
    const started = await fetch(`${stack.url}/tenants/${tenantId}/connections/${connector}/oauth`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config }),
    });
    expect(started.status).toBe(201);
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = consent.headers.get('location') as string;
    expect(back.startsWith(`${stack.url}/oauth/${connector}/callback?`)).toBe(true);
    return fetch(back);
  }

  test('Notion: a new tenant connects by OAuth and its first sync runs on the OAuth token', async () => {
    const page = await install('notion', {
      brevo: { api_key: SANDBOX_BREVO_KEY },
      connectors: { notion: { databases: [{ id: SANDBOX_DATABASE_ID, sync_to_list: 'OAuth customers' }] } },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain(`connected to tenant ${tenantId}`);
    const conn = await stack.dynamo.store.getConnection(tenantId, 'notion');
    expect(conn?.oauth?.botId).toBe(stack.sandbox!.notion.botUser.id);
    expect(stack.scheduler.ensured.get(`notionPoll/notion-${tenantId}`)).toBeDefined();

    const sync = await fetch(`${stack.url}/tenants/${tenantId}/connections/notion/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(sync.status).toBe(202);
    let runs: Awaited<ReturnType<typeof stack.dynamo.store.listRuns>> = [];
    for (let i = 0; i < 300 && !runs.some((r) => r.status !== 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = await stack.dynamo.store.listRuns(tenantId, 'notion', 5);
    }
    expect(runs[0]).toMatchObject({ status: 'succeeded', summary: { upserted: 120 } });
    const brevo = stack.sandbox!.brevo;
    expect(brevo.listMembers(brevo.lists().find((l) => l.name === 'OAuth customers')!.id)).toHaveLength(120);
  });

  test("Slack: the sandbox workspace belongs to the default tenant, so another tenant's install is refused", async () => {
    const page = await install('slack', { brevo: { api_key: SANDBOX_BREVO_KEY }, connectors: { slack: {} } });
    expect(page.status).toBe(409);
    expect(await page.text()).toMatch(/workspace T0SANDBOX is already connected to another tenant/);
    expect(await stack.dynamo.store.getConnection(tenantId, 'slack')).toBeUndefined();
  });
});
