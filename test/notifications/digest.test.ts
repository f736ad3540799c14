/**
 * shared/connectors/slack/notifications/digest.ts: one message for a burst, counts per type, ≤ 10 samples, within limits.
 */
import { buildDigest } from '../../shared/connectors/slack/notifications/digest';
import { blocksTextLength } from '../../shared/connectors/slack/notifications/render-notification';
import { SLACK_LIMITS } from '../../shared/connectors/slack/notifications/templates';
import type { NotificationEvent, NotificationEventType } from '../../shared/core/events/events';
import { event } from './fixtures';

const WINDOW = { channelId: 'C0MARKETING1', windowStart: '2026-11-03T09:00:00Z', windowEnd: '2026-11-03T09:05:00Z' };

function burst(n: number): NotificationEvent[] {
  const types: NotificationEventType[] = [
    'new_subscriber',
    'new_subscriber',
    'unsubscribed',
    'hard_bounce',
    'order_placed',
  ];
  return Array.from({ length: n }, (_, i) => {
    const type = types[i % types.length]!;
    return event({
      type,
      id: `e${i}`,
      occurredAt: new Date(Date.UTC(2026, 10, 3, 9, 0, 0) + (n - i) * 1000).toISOString(),
      contact: { email: `user${i}@example.com`, firstName: '<b>' },
      ...(type === 'order_placed' ? { order: { id: `O${i}`, total: 10 * i, currency: 'EUR' } } : {}),
    });
  });
}

describe('buildDigest', () => {
  it('summarises 200 events in a few blocks: counts per type, 10 samples, "and 190 more"', () => {
    const d = buildDigest(burst(200), WINDOW);
    expect(d.channel).toBe('C0MARKETING1');
    expect(d.count).toBe(200);
    expect(d.blocks.length).toBeLessThanOrEqual(50);
    expect(d.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const [header, counts, samples, context] = d.blocks;
    expect(header!.type === 'header' && header.text.text).toBe('📬 200 notifications in this window');
    expect(counts!.type === 'section' && counts.fields!.map((f) => f.text)).toEqual([
      '*🆕 New subscribers*\n80',
      '*🛒 Orders*\n40',
      '*👋 Unsubscribes*\n40',
      '*⚠️ Hard bounces*\n40',
    ]);
    const lines = samples!.type === 'section' ? samples.text!.text.split('\n') : [];
    expect(lines).toHaveLength(10);
    // Oldest first: e199 (an order) happened first.
    expect(lines[0]).toBe('• New order O199 from user199@example.com: 1,990.00 EUR');
    expect(context!.type === 'context' && context.elements[0]!.text).toBe('…and 190 more');
    expect(d.text).toMatch(
      /^200 Brevo notifications \(2026-11-03 09:00 UTC – 2026-11-03 09:05 UTC\): 80 new subscribers, 40 orders/,
    );
    expect(blocksTextLength(d.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.blocksTotalText);
  });

  it('counts duplicates (same id) once', () => {
    const events = burst(3);
    const d = buildDigest([...events, ...events, events[0]!], WINDOW);
    expect(d.count).toBe(3);
    expect(d.blocks.some((b) => b.type === 'context' && b.elements.some((e) => e.text.startsWith('…and')))).toBe(false);
  });

  it('stays within limits with huge values, escaping them', () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      event({
        type: 'ticket_created',
        id: `t${i}`,
        ticket: { id: `T${i}`, subject: `<!here> ${'s'.repeat(10_000)}` },
      }),
    );
    const d = buildDigest(events, WINDOW);
    for (const b of d.blocks) {
      if (b.type === 'section' && b.text) {
        expect(b.text.text.length).toBeLessThanOrEqual(3000);
        expect(b.text.text).not.toContain('<!here>');
        for (const line of b.text.text.split('\n')) expect(line.length).toBeLessThanOrEqual(282);
      }
    }
    expect(d.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('says so when there is nothing to summarise', () => {
    const d = buildDigest([], WINDOW);
    expect(d.count).toBe(0);
    expect(d.text).toBe('No Brevo notifications (2026-11-03 09:00 UTC – 2026-11-03 09:05 UTC)');
    expect(d.blocks.map((b) => b.type)).toEqual(['header', 'context']);
  });
});
