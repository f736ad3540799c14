/**
 * Redaction end to end, as the trial found the leak: the local stack (what `npm start` runs) with
 * the docs' Slack debug block (`debug: true`, `log_level: verbose`, `log_events: true` in
 * connectors.slack, with the docs' high_value_order route and its order_alert template) and the top
 * level's `debug: true`, so that every request, lane message and
 * provider call is logged with its body. Generated people place orders, open tickets, subscribe
 * and become customers (the sandbox rule writes them into Notion's Leads); the posts reach the
 * sandbox Slack with their names, emails and items, and no log line holds any of them. The lines
 * still say which channel, block, action and event it was.
 */
import { SANDBOX_SLACK_CHANNEL, sandboxConfigYaml } from '../../sandbox/sandbox';
import { registeredTestSecrets } from '../../sandbox/secrets-registry';
import { interceptOutput } from '../support/intercept-output';
import { prng } from '../support/prng';
import { leakedValues, type RandomPerson, randomPerson } from '../support/random-people';
import { startSandboxStack } from '../support/sandbox-stack';
import { findSecrets } from '../support/secret-scan';

const SEED = 0x0d_ebb6;
const PEOPLE = 5;

/** product-docs.md, the Slack page's debug block, inside the sandbox config's slack section. */
function debugConfig(): string {
  const slackDebug = '  slack:\n    enabled: true\n    debug: true\n    log_level: verbose\n    log_events: true\n';
  // The docs' route whose post showed "*Name*\nDana" (order_alert has the customer's name).
  const orderAlert = '      high_value_order: { channel: marketing, template: order_alert }\n';
  const yaml = sandboxConfigYaml()
    .replace('  slack:\n    enabled: true\n', slackDebug)
    .replace(/( {6}order_placed: .*\n)/, `$1${orderAlert}`);
  expect(yaml).toContain(slackDebug);
  expect(yaml).toContain(orderAlert);
  return `debug: true\n${yaml}`;
}

/** The events a person causes: what a shop and Brevo post to the webhook route. */
function eventsOf(p: RandomPerson, i: number): Record<string, unknown>[] {
  const ts = Math.floor(Date.now() / 1000);
  const contact = { email: p.email, first_name: p.firstName, last_name: p.lastName };
  return [
    {
      event: 'order_placed',
      id: `evt-order-${i}`,
      occurred_at: new Date().toISOString(),
      contact,
      // Over high_value_order's default threshold (500): order_alert, with the customer's name.
      order: { id: `ORD-${i}`, total: 600 + i, currency: 'EUR', items: p.items.map((name) => ({ name, quantity: 1 })) },
    },
    {
      event: 'ticket_created',
      id: `evt-ticket-${i}`,
      occurred_at: new Date().toISOString(),
      contact,
      ticket: { id: `T-${i}`, subject: p.subject, priority: 'high' },
    },
    { event: 'list_addition', email: p.email, id: 100 + i, list_id: [2], ts },
    {
      event: 'contact_updated',
      email: p.email,
      id: 200 + i,
      ts,
      content: [
        { LIFECYCLE_STAGE: 'customer', FIRSTNAME: p.firstName, LASTNAME: p.lastName, SMS: p.phone, COMPANY: p.company },
      ],
    },
  ];
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('with the docs’ Slack debug block, posts carry the people and no log line does', async () => {
  const R = prng(SEED);
  const people = Array.from({ length: PEOPLE }, () => randomPerson(R));
  const stackLines: string[] = [];
  const running = await startSandboxStack({
    sandboxRows: 2,
    configYaml: debugConfig(),
    log: (l) => stackLines.push(l),
  });
  const output = interceptOutput();
  const { stack } = running;
  const slack = stack.sandbox?.slack;
  let posted: string[] = [];
  try {
    expect(slack).toBeDefined();
    const messages = () => (slack?.messages(SANDBOX_SLACK_CHANNEL) ?? []).map((m) => JSON.stringify(m));
    for (const [i, p] of people.entries()) {
      for (const event of eventsOf(p, i)) {
        const res = await fetch(`${stack.url}/webhooks/brevo/${stack.tenantId}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(event),
        });
        expect(res.status).toBe(200);
      }
      // One person at a time: all the people at once would be a burst, posted as one digest
      // (issue 12), which samples events instead of posting each person's own messages.
      await until(`${p.email}'s Slack posts`, () => messages().filter((m) => m.includes(p.email)).length >= 3);
    }
    // Each person's order, ticket and subscription posted; each became a Leads page (the rule).
    expect(people.every((p) => messages().filter((m) => m.includes(p.email)).length >= 3)).toBe(true);
    const pageWrites = () =>
      output.jsonLines().filter((l) => l.message === 'api call' && l.provider === 'notion' && l.path === '/v1/pages');
    await until('the Leads pages', () => pageWrites().length >= PEOPLE);
    await until('idle lanes', () => Object.values(stack.runners).every((r) => !r.busy));
    posted = messages();
  } finally {
    output.restore();
    await running.stop();
  }

  // The data did go through: the posts hold the names and items the logs must not.
  for (const p of people) {
    expect(posted.some((m) => m.includes(p.firstName) && p.items.every((item) => m.includes(item)))).toBe(true);
  }

  const logged = [...output.written, ...stackLines].join('\n');
  expect(leakedValues(logged, people)).toEqual([]);
  expect(findSecrets(logged, registeredTestSecrets())).toEqual([]);

  // Still a log a person can debug with: which channel, which blocks and button, which event.
  const lines = output.jsonLines();
  const post = lines.find((l) => l.message === 'api call' && l.path === '/api/chat.postMessage');
  expect(String(post?.request)).toContain(`"channel":"${SANDBOX_SLACK_CHANNEL}"`);
  expect(String(post?.request)).toMatch(/"blocks":\[\{"type":"header"/);
  expect(String(post?.request)).toContain('"action_id":"view_in_brevo"');
  expect(String(post?.response)).toMatch(/"ok":true,"channel":"C0MARKETING","ts":"\d+\.\d+"/);
  const received = lines.filter((l) => l.message === 'request' && l.route === 'POST /webhooks/brevo/{tenantId}');
  expect(received.map((l) => JSON.parse(String(l.body)).event)).toEqual(
    expect.arrayContaining(['order_placed', 'ticket_created', 'list_addition', 'contact_updated']),
  );
  expect(String(received[0]?.body)).toContain('"id":"evt-order-0"');
}, 120_000);
