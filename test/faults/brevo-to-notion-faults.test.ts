/**
 * Brevo → Notion rules through the fault proxy (issue 12 §1): one `notion.rules.apply` message of
 * 30 contacts becoming customers, with 40% of the Notion and Brevo requests failing (500, 429 with
 * Retry-After, resets, stalls past the attempt timeout, page creations applied whose answer was
 * lost). The message is applied in one attempt and the Leads database holds exactly one page per
 * contact: a lost creation is found by its match_by Email, never created twice.
 */

import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_TOKEN,
  sandboxConfigYaml,
  seedSandbox,
  seedSandboxWorkspace,
} from '../../sandbox/sandbox';
import { parseConfig } from '../../shared/app/config';
import { buildNotionContext } from '../../shared/connectors/notion/context';
import { applyNotionRules } from '../../shared/connectors/notion/rules/brevo-to-notion';
import { FaultProxy } from '../support/fault-proxy';
import { freshStore } from '../support/stores';
import { VirtualClock } from '../support/virtual-clock';

Object.assign(process.env, { TAJO_HTTP_TIMEOUT_MS: '400', TAJO_RETRY_BASE_MS: '20', TAJO_RETRY_MAX_MS: '200' });

const CONTACTS = 30;

test.each([41, 42])(
  'seed %p at 40% faults: the rules message applies once, one Leads page per contact',
  async (seed) => {
    const notion = new NotionSimulator({ tokens: [SANDBOX_NOTION_TOKEN], rateLimit: false });
    const brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY], limits: false });
    await Promise.all([notion.start(), brevo.start()]);
    seedSandbox(notion, brevo, { rows: 5, workspace: false });
    const { leadsDataSourceId } = seedSandboxWorkspace(notion, { docsPages: 1 });
    const before = notion.pageIds(leadsDataSourceId).length;
    const proxies = {
      notion: new FaultProxy({ target: notion.baseUrl, seed, rate: 0.4, stallMs: 700, retryAfterSeconds: 1 }),
      brevo: new FaultProxy({
        target: brevo.baseUrl,
        seed: seed + 1000,
        rate: 0.4,
        stallMs: 700,
        retryAfterSeconds: 1,
      }),
    };
    await Promise.all([proxies.notion.start(), proxies.brevo.start()]);
    try {
      const { store } = await freshStore();
      const clock = new VirtualClock();
      const config = parseConfig(sandboxConfigYaml(), {});
      const { token: _t, ...settings } = config.connectors.notion!;
      const ctx = buildNotionContext({
        tenantId: 'acme',
        settings,
        notionToken: SANDBOX_NOTION_TOKEN,
        brevoApiKey: SANDBOX_BREVO_KEY,
        cursors: store,
        runs: store,
        clock,
        endpoints: { notionBaseUrl: proxies.notion.baseUrl, brevoBaseUrl: proxies.brevo.baseUrl },
      });
      const emails = Array.from({ length: CONTACTS }, (_, i) => `convert${i}@example.com`);
      const run = await applyNotionRules(
        {
          tenantId: 'acme',
          settings,
          notion: ctx.notion,
          brevo: ctx.brevo,
          stats: ctx.stats,
          markers: store,
          pageWrites: store,
          runs: store,
          cursors: store,
          clock,
        },
        {
          type: 'notion.rules.apply',
          tenantId: 'acme',
          runId: `r-${seed}`,
          items: emails.map((email, i) => ({
            eventId: `evt-${seed}-${i}`,
            rule: 'converted-leads',
            event: 'contact_updated' as const,
            email,
            occurredAt: new Date(Date.parse('2026-11-22T10:00:00Z') + i * 1000).toISOString(),
            attributes: { FIRSTNAME: `First${i}`, LASTNAME: `Last${i}`, LIFECYCLE_STAGE: 'customer' },
            changed: ['LIFECYCLE_STAGE'],
          })),
        },
        { lastAttempt: false },
      );
      expect(run).toMatchObject({ status: 'succeeded', created: CONTACTS, failed: 0 });
      const leads = notion.pageIds(leadsDataSourceId).map((id) => notion.getPage(id));
      expect(leads).toHaveLength(before + CONTACTS);
      const byEmail = new Map<string, number>();
      for (const p of leads) {
        const email = (p.properties as Record<string, { email?: string }>).Email?.email ?? '';
        byEmail.set(email, (byEmail.get(email) ?? 0) + 1);
      }
      expect(emails.filter((e) => byEmail.get(e) !== 1)).toEqual([]);
      expect(proxies.notion.faultCount).toBeGreaterThan(0);
      process.stdout.write(
        `brevo→notion 40% seed ${seed}: runs 1, notion ${ctx.stats.notion.requests} calls, retries ${ctx.stats.notion.retries ?? 0}, faults ${proxies.notion.faultCount} (lost ${proxies.notion.stats.faults.lost})\n`,
      );
    } finally {
      await Promise.all([proxies.notion.stop(), proxies.brevo.stop(), notion.stop(), brevo.stop()]);
    }
  },
);
