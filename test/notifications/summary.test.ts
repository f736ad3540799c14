/**
 * The summary builder (figures → Block Kit within Slack's limits, always with fallback text) and
 * the local-day arithmetic behind the scheduled summaries (DST days in Europe/Paris, weekly only
 * on its configured day).
 */

import { validateBlocks } from '../../sandbox/slack';
import type { SlackSummariesConfig } from '../../shared/connectors/slack/config-schema';
import { dueSummaries, periodEndingOn } from '../../shared/connectors/slack/notifications/periods';
import {
  buildSummaryMessage,
  type SummaryFigures,
  UNSUBSCRIBE_NOTE,
} from '../../shared/connectors/slack/notifications/summary';
import { SLACK_LIMITS } from '../../shared/connectors/slack/notifications/templates';
import type { CampaignFigures } from '../../shared/core/brevo/campaigns';
import { addDays, localDateOf, weekdayOf, zonedTimeToUtc } from '../../shared/core/time/zoned';

const PARIS = 'Europe/Paris';

function campaign(i: number, over: Partial<CampaignFigures> = {}): CampaignFigures {
  return {
    id: i,
    name: `Campaign ${i}`,
    sent: 1000,
    delivered: 980,
    uniqueOpens: 490,
    uniqueClicks: 98,
    unsubscriptions: 3,
    hardBounces: 1,
    ...over,
  };
}

function figures(over: Partial<SummaryFigures> = {}): SummaryFigures {
  return {
    kind: 'daily',
    periodLabel: 'Saturday, 21 November 2026',
    timezone: PARIS,
    newContacts: 12,
    unsubscribes: 2,
    contactsComplete: true,
    campaigns: [campaign(1)],
    ...over,
  };
}

/** Every text a block carries, for the aggregate budget. */
function blockText(blocks: unknown[]): number {
  return JSON.stringify(blocks).length;
}

describe('buildSummaryMessage', () => {
  test('header, figures, one line per campaign with its rates, the note and a View in Brevo button', () => {
    const m = buildSummaryMessage(figures({ campaigns: [campaign(7, { name: 'Black <Friday> | promo' })] }));
    expect(validateBlocks(m.blocks, 50)).toEqual([]);
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '📊 Daily marketing summary: Saturday, 21 November 2026', emoji: true },
    });
    const fields = (m.blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        '*🆕 New contacts*\n12',
        '*👋 Unsubscribes (approx.)*\n2',
        '*📣 Campaigns sent*\n1',
        '*👀 Unique opens*\n490 (50.0%)',
        '*🖱️ Unique clicks*\n98 (10.0%)',
      ]),
    );
    const lines = JSON.stringify(m.blocks);
    // Escaped name, no `|` inside the link label, rates against delivered.
    expect(lines).toContain(
      '• *<https://app.brevo.com/camp/report/7|Black &lt;Friday&gt; ¦ promo>*: 1,000 sent · 98.0% delivered · 50.0% opened · 10.0% clicked · 3 unsubscribes · 1 hard bounce',
    );
    expect(lines).toContain(UNSUBSCRIBE_NOTE);
    expect(m.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', text: { text: 'View in Brevo' }, url: 'https://app.brevo.com/camp/listing' }],
    });
    expect(m.text).toBe(
      'Daily marketing summary, Saturday, 21 November 2026: 12 new contacts, 2 unsubscribes (approx.), 1 campaign sent (1,000 emails, 50.0% opened)',
    );
  });

  test('a quiet period still has figures and a fallback text; rates of nothing are a dash', () => {
    const m = buildSummaryMessage(
      figures({ kind: 'weekly', newContacts: 0, unsubscribes: 0, campaigns: [campaign(1, { sent: 0, delivered: 0 })] }),
    );
    expect(m.text).toMatch(/^Weekly marketing summary, .*: 0 new contacts, 0 unsubscribes/);
    expect(JSON.stringify(m.blocks)).toContain('0 sent · – delivered · – opened');
    const none = buildSummaryMessage(figures({ campaigns: [] }));
    expect(none.text).toMatch(/0 campaigns sent$/);
    expect(validateBlocks(none.blocks, 50)).toEqual([]);
  });

  test('many campaigns collapse into "and N more", within 50 blocks, 3000 chars a section and the total budget', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      campaign(i + 1, { name: `${'Very long campaign name '.repeat(8)}${i}` }),
    );
    for (const maxCampaignLines of [15, 500]) {
      const m = buildSummaryMessage(figures({ campaigns: many }), { maxCampaignLines });
      expect(validateBlocks(m.blocks, 50)).toEqual([]);
      expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      for (const b of m.blocks) {
        const t = (b as { text?: { text: string } }).text?.text;
        if (t !== undefined) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
      expect(blockText(m.blocks)).toBeLessThan(13_000);
      const shown = (JSON.stringify(m.blocks).match(/camp\/report\//g) ?? []).length;
      expect(shown).toBeLessThanOrEqual(maxCampaignLines);
      expect(JSON.stringify(m.blocks)).toContain(`…and ${500 - shown} more campaigns`);
      expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
      expect(m.text).toContain('500 campaigns sent');
    }
    const few = buildSummaryMessage(figures({ campaigns: many.slice(0, 3) }));
    expect(JSON.stringify(few.blocks)).not.toContain('more campaign');
  });

  test('counts from an incomplete contact scan are shown as lower bounds', () => {
    const m = buildSummaryMessage(figures({ contactsComplete: false, newContacts: 100_000 }));
    expect(m.text).toContain('≥ 100,000 new contacts');
    expect(JSON.stringify(m.blocks)).toContain('lower bounds');
  });
});

describe('local days in a time zone', () => {
  test('the local day of an instant, weekdays and calendar steps', () => {
    expect(localDateOf(Date.parse('2026-11-21T23:30:00Z'), PARIS)).toBe('2026-11-22');
    expect(localDateOf(Date.parse('2026-11-21T23:30:00Z'), 'UTC')).toBe('2026-11-21');
    expect(weekdayOf('2026-11-23')).toBe('monday');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-28', 7)).toBe('2027-01-04');
  });

  test('spring forward (29 March 2026): the day has 23 hours, 02:30 does not exist and is read as 03:30', () => {
    const p = periodEndingOn('daily', '2026-03-30', PARIS);
    expect(p.start.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(p.end.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(p.end.getTime() - p.start.getTime()).toBe(23 * 3_600_000);
    expect(p.id).toBe('summary:daily:2026-03-29');
    expect(new Date(zonedTimeToUtc('2026-03-29', '02:30', PARIS)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(zonedTimeToUtc('2026-03-29', '09:00', PARIS)).toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  test('fall back (25 October 2026): the day has 25 hours, 02:30 happens twice and is its first occurrence', () => {
    const p = periodEndingOn('daily', '2026-10-26', PARIS);
    expect(p.end.getTime() - p.start.getTime()).toBe(25 * 3_600_000);
    expect(new Date(zonedTimeToUtc('2026-10-25', '02:30', PARIS)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // A week across the change: 7 local days, 169 hours.
    const w = periodEndingOn('weekly', '2026-10-26', PARIS);
    expect([w.firstDay, w.lastDay]).toEqual(['2026-10-19', '2026-10-25']);
    expect(w.end.getTime() - w.start.getTime()).toBe(169 * 3_600_000);
    expect(w.label).toBe('19 – 25 October 2026');
    expect(periodEndingOn('weekly', '2026-11-02', PARIS).label).toBe('26 October – 1 November 2026');
  });
});

describe('dueSummaries', () => {
  const config: SlackSummariesConfig = {
    timezone: PARIS,
    daily: { channel: 'marketing', at: '09:00' },
    weekly: { channel: 'C0WEEKLY', day: 'monday', at: '08:30' },
  };

  test('shortly after local midnight on a Monday: the daily of Sunday and the weekly of the past 7 days', () => {
    // 00:05 in Paris on Monday 23 November is 23:05 UTC on Sunday.
    const due = dueSummaries(config, Date.parse('2026-11-22T23:05:00Z'));
    expect(due.map((d) => [d.period.id, d.channel, new Date(d.postAt).toISOString()])).toEqual([
      ['summary:daily:2026-11-22', 'marketing', '2026-11-23T08:00:00.000Z'],
      ['summary:weekly:2026-11-16', 'C0WEEKLY', '2026-11-23T07:30:00.000Z'],
    ]);
    const weekly = due[1]?.period;
    expect(weekly?.start.toISOString()).toBe('2026-11-15T23:00:00.000Z');
    expect(weekly?.end.toISOString()).toBe('2026-11-22T23:00:00.000Z');
  });

  test('on other days only the daily is due; without a daily section, nothing', () => {
    for (let d = 1; d <= 6; d++) {
      const now = Date.parse('2026-11-22T23:05:00Z') + d * 86_400_000;
      expect(dueSummaries(config, now).map((x) => x.period.kind)).toEqual(['daily']);
    }
    expect(dueSummaries({ timezone: 'UTC', weekly: config.weekly }, Date.parse('2026-11-24T00:05:00Z'))).toEqual([]);
    expect(dueSummaries({ timezone: 'UTC', weekly: config.weekly }, Date.parse('2026-11-23T00:05:00Z'))).toHaveLength(
      1,
    );
  });
});
