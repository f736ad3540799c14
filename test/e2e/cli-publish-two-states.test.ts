/**
 * "No duplicate campaign, ever": the newcomer's case. Two Tajo states (the CLI in process on a new
 * TAJO_STATE_DIR beside an npm start, or a state restored from a backup) watch the same Notion
 * workspace and Brevo account. The second one sees the Published issue as its own first sighting;
 * it must find the campaign the first one sent (by the page version's marker) and not send again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  seedSandbox,
  seedSandboxNewsletter,
} from '../../sandbox/sandbox';
import { lastJson, runTajo, simulatorEnv } from '../support/cli-process';

let notion: NotionSimulator;
let brevo: BrevoSimulator;
let dir: string;

beforeEach(async () => {
  notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN] });
  brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], importProcessingMs: 20 });
  await Promise.all([notion.start(), brevo.start()]);
  dir = await mkdtemp(join(tmpdir(), 'tajo-two-states-'));
});

afterEach(async () => {
  await Promise.all([notion.stop(), brevo.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function syncIn(state: string, config: string) {
  const res = await runTajo(['connectors', 'sync', 'notion', '--config', config, '--json'], {
    ...simulatorEnv(notion, brevo, dir),
    TAJO_STATE_DIR: join(dir, state),
  });
  expect(res).toMatchObject({ code: 0, stderr: '' });
  return lastJson(res.stdout) as {
    status: string;
    publish?: { campaigns: { status: string; campaignId?: number }[] };
  };
}

test('a second state on the same Brevo account finds the sent campaign and does not send it again', async () => {
  seedSandbox(notion, brevo, { rows: 3 });
  seedSandboxNewsletter(notion, brevo);
  const config = join(dir, 'tajo.yaml');
  await writeFile(config, sandboxConfigYaml({ newsletter: true }));

  const first = await syncIn('state-a', config);
  expect(first.status).toBe('succeeded');
  expect(brevo.campaigns()).toEqual([expect.objectContaining({ status: 'sent' })]);
  const [sent] = brevo.campaigns();

  const second = await syncIn('state-b', config);
  expect(second.status).toBe('succeeded');
  // Still one campaign, and the second state records it as the one sent for that page version.
  expect(brevo.campaigns()).toEqual([expect.objectContaining({ id: sent?.id, status: 'sent' })]);
  expect(brevo.stats().byRoute['POST /v3/emailCampaigns']).toBe(1);
  expect(second.publish?.campaigns ?? []).toEqual([expect.objectContaining({ status: 'sent', campaignId: sent?.id })]);
});
