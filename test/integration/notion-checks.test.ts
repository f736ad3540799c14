/**
 * `tajo connectors test notion` against the simulators: an unreachable Notion is said as such (not
 * as a refused token), and "Database access verified" runs the sync's own mapping checks, so it
 * never shows ✓ for a mapping `sync` refuses.
 */
import { createServer } from 'node:net';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { SANDBOX_BREVO_KEY, SANDBOX_NOTION_TOKEN, sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';
import { testNotionConnection } from '../../shared/connectors/notion/connection-test';
import { brevoClientFor } from '../../shared/core/brevo/client';
import { systemClock } from '../../shared/core/ports';

let notion: NotionSimulator;
let brevo: BrevoSimulator;

beforeAll(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows: 3 });
});

afterAll(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
});

function settings(yaml: string) {
  const { token: _t, ...rest } = parseConfig(yaml, {}).connectors.notion!;
  return rest;
}

const brevoClient = () => brevoClientFor({ apiKey: SANDBOX_BREVO_KEY, baseUrl: brevo.baseUrl, clock: systemClock });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('Notion unreachable: the first check says where, the others "not checked: Notion is unreachable"', async () => {
  const port = await closedPort();
  const checks = await testNotionConnection({
    token: SANDBOX_NOTION_TOKEN,
    settings: settings(sandboxConfigYaml()),
    baseUrl: `http://127.0.0.1:${port}`,
    clock: systemClock,
    createPage: false,
  });
  expect(checks[0]).toMatchObject({
    ok: false,
    detail: expect.stringMatching(/^cannot reach notion at http:\/\/127\.0\.0\.1/),
  });
  expect(checks.slice(1).map((c) => c.detail)).toEqual(Array(4).fill('not checked: Notion is unreachable'));
});

test('the sandbox mapping fits: ✓ with the Brevo attributes checked', async () => {
  const checks = await testNotionConnection({
    token: SANDBOX_NOTION_TOKEN,
    settings: settings(sandboxConfigYaml()),
    baseUrl: notion.baseUrl,
    clock: systemClock,
    createPage: false,
    brevo: brevoClient(),
  });
  expect(checks[1]).toEqual({
    name: 'Database access verified',
    ok: true,
    detail: '1 database readable, the mapping fits the Brevo attributes',
  });
});

test('a date mapped to a number attribute fails "Database access verified" with the path sync gives', async () => {
  // The trial's case: Signup date (date) → SEATS (a float attribute). sync refuses it; so must test.
  const yaml = sandboxConfigYaml()
    .replace(/"Signup date": \{ type: date, target: SIGNUP_DATE \}/, '"Signup date": { type: date, target: SEATS }')
    .replace(/\n\s*"Seats": \{ type: number, target: SEATS \}/, '');
  expect(yaml).toContain('target: SEATS }');
  const checks = await testNotionConnection({
    token: SANDBOX_NOTION_TOKEN,
    settings: settings(yaml),
    baseUrl: notion.baseUrl,
    clock: systemClock,
    createPage: false,
    brevo: brevoClient(),
  });
  expect(checks[1]).toMatchObject({
    name: 'Database access verified',
    ok: false,
    detail: expect.stringMatching(
      /^Customers \(.+\): connectors\.notion\.databases\[0\]\.field_mapping\["Signup date"\]\.target: "Signup date" is a date property: /,
    ),
  });
  // Without a Brevo key only the names can be checked, and the detail says so.
  const unchecked = await testNotionConnection({
    token: SANDBOX_NOTION_TOKEN,
    settings: settings(yaml),
    baseUrl: notion.baseUrl,
    clock: systemClock,
    createPage: false,
  });
  expect(unchecked[1]?.detail).toBe('1 database readable; attribute types not checked (no Brevo key given)');
});
