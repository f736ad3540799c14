/**
 * The Slack users → Brevo sync through the fault proxy (issue 12 §1): 40% of the Slack and Brevo
 * requests fail (500, 429 with Retry-After, resets, stalls past the attempt timeout, answers lost
 * after Brevo applied the write). The sync completes in one run, Brevo exact, counts adding up.
 */
import { randomUUID } from 'node:crypto';
import { BrevoSimulator } from '../../sandbox/brevo';
import { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN, SlackSimulator } from '../../sandbox/slack';
import { buildSlackUsersContext, syncSlackUsers } from '../../shared/connectors/slack/users-sync';
import { expectCountsAddUp } from '../support/counts';
import { FaultProxy } from '../support/fault-proxy';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

Object.assign(process.env, { TAJO_HTTP_TIMEOUT_MS: '400', TAJO_RETRY_BASE_MS: '20', TAJO_RETRY_MAX_MS: '200' });

const USERS = 450;

test.each([31, 32])('seed %p at 40% faults: one run, every member a contact in the list', async (seed) => {
  const slack = new SlackSimulator({ tiers: false });
  const apiKey = `xkeysib-${randomUUID()}`;
  const brevo = new BrevoSimulator({ apiKeys: [apiKey], limits: false, importProcessingMs: 0 });
  await Promise.all([slack.start(), brevo.start()]);
  const proxies = {
    slack: new FaultProxy({ target: slack.baseUrl, seed, rate: 0.4, stallMs: 700, retryAfterSeconds: 1 }),
    brevo: new FaultProxy({ target: brevo.baseUrl, seed: seed + 1000, rate: 0.4, stallMs: 700, retryAfterSeconds: 1 }),
  };
  await Promise.all([proxies.slack.start(), proxies.brevo.start()]);
  try {
    for (const name of ['JOB_TITLE', 'TIMEZONE', 'SLACK_TEAM'])
      brevo.addAttribute({ name, category: 'normal', type: 'text' });
    brevo.addAttribute({ name: 'SLACK_ADMIN', category: 'normal', type: 'boolean' });
    const listId = brevo.addList({ name: 'Slack members' }).id;
    for (let i = 0; i < USERS; i++) {
      slack.addUser({
        name: `user${i}`,
        realName: `First${i} Last${i}`,
        email: `user${i}@example.com`,
        title: `T${i}`,
      });
    }
    const { store } = await freshStore();
    const ctx = buildSlackUsersContext({
      tenantId: 'acme',
      slackToken: SLACK_SANDBOX_TOKEN,
      slackApiUrl: `${proxies.slack.baseUrl}/api/`,
      teamId: SANDBOX_WORKSPACE.teamId,
      brevoApiKey: apiKey,
      brevoBaseUrl: proxies.brevo.baseUrl,
      cursors: store,
      clock: new VirtualClock(),
      listId,
      options: { importFirstPollMs: 10 },
    });
    const { summary } = await syncSlackUsers(ctx, { mode: 'full' });
    expectCountsAddUp(summary);
    expect(summary).toMatchObject({ upserted: USERS, failed: 0, errors: [] });
    const emails = Array.from({ length: USERS }, (_, i) => `user${i}@example.com`);
    expect(new Set(brevo.listMembers(listId))).toEqual(new Set(emails));
    expect(brevo.contacts()).toHaveLength(USERS);
    const wrong = emails.filter((e, i) => brevo.getContact(e)?.attributes.JOB_TITLE !== `T${i}`);
    expect(wrong).toEqual([]);
    expect(proxies.slack.faultCount + proxies.brevo.faultCount).toBeGreaterThan(0);
    process.stdout.write(
      `slack users 40% seed ${seed}: runs 1, slack ${summary.slackRequests} calls, brevo ${summary.brevoRequests} calls, faults ${proxies.slack.faultCount + proxies.brevo.faultCount}\n`,
    );
  } finally {
    await Promise.all([proxies.slack.stop(), proxies.brevo.stop(), slack.stop(), brevo.stop()]);
  }
});
